//! How many of something a frame has.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Choice, IssueSink, tagged};
use crate::rng::StreamRng;

/// A non-negative integer drawn per frame.
///
/// Forms: `3` (constant), `[min, max]` or `{"int": [min, max]}` (uniform in
/// `min..=max`), `{"choice": [..]}` or `{"choice": {"values": [..], "weights": [..]}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Count {
    /// Always this many.
    Const(u32),
    /// Uniform in `min..=max`.
    Range {
        /// Fewest.
        min: u32,
        /// Most.
        max: u32,
    },
    /// One of the listed counts.
    Choice(Choice<u32>),
}

impl Count {
    /// Draws a count: a constant consumes no randomness, the other forms one draw.
    pub fn sample(&self, rng: &mut StreamRng) -> u32 {
        match self {
            Count::Const(n) => *n,
            Count::Range { min, max } => {
                let span = u64::from(max.saturating_sub(*min)) + 1;
                min + rng.below(span) as u32
            }
            Count::Choice(c) => *c.sample(rng),
        }
    }

    /// The largest count this can draw.
    pub fn max(&self) -> u32 {
        match self {
            Count::Const(n) => *n,
            Count::Range { max, .. } => *max,
            Count::Choice(c) => c.possible().copied().max().unwrap_or(0),
        }
    }

    /// Reports `min > max` and bad weights.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        match self {
            Count::Const(_) => {}
            Count::Range { min, max } => {
                if min > max {
                    sink.issue(path, format!("min > max ({min} > {max})"));
                }
            }
            Count::Choice(c) => c.check(path, sink),
        }
    }
}

fn count(v: &Value) -> Result<u32, String> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            format!(
                "expected a count (an integer from 0 to {}), found {v}",
                u32::MAX
            )
        })
}

fn range(v: &Value) -> Result<Count, String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok(Count::Range {
            min: count(a)?,
            max: count(b)?,
        }),
        _ => Err(format!("expected a count range [min, max], found {v}")),
    }
}

impl TryFrom<Value> for Count {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        match &v {
            Value::Number(_) => count(&v).map(Count::Const),
            Value::Array(_) => range(&v),
            _ => match tagged(&v) {
                Some(("int", r)) => range(r),
                Some(("choice", body)) => Choice::parse(body, count).map(Count::Choice),
                _ => Err(format!(
                    "expected a count, a range [min, max], {{\"int\": [min, max]}} or {{\"choice\": [...]}}, found {v}"
                )),
            },
        }
    }
}

impl From<Count> for Value {
    fn from(c: Count) -> Value {
        match c {
            Count::Const(n) => json!(n),
            Count::Range { min, max } => json!([min, max]),
            Count::Choice(c) => c.to_value(|v| json!(v)),
        }
    }
}

impl Default for Count {
    fn default() -> Self {
        Count::Const(1)
    }
}

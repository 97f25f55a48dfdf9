//! Weighted choice among listed values.

use serde_json::{Value, json};

use super::{IssueSink, fields, number, required};
use crate::rng::StreamRng;

/// One of `values`, with probability proportional to its weight (equal weights when the
/// spec gives none).
///
/// Forms: `{"choice": [a, b, c]}` or `{"choice": {"values": [a, b], "weights": [3, 1]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice<T> {
    /// The candidates.
    pub values: Vec<T>,
    /// Relative weights, one per value; none means equal.
    pub weights: Option<Vec<f64>>,
}

impl<T> Choice<T> {
    /// Parses the value of a `choice` key with `item` for each candidate.
    pub(crate) fn parse(
        v: &Value,
        item: impl Fn(&Value) -> Result<T, String>,
    ) -> Result<Self, String> {
        let (values, weights) = match v {
            Value::Array(items) => (items, None),
            Value::Object(_) => {
                let map = fields(v, "choice", &["values", "weights"])?;
                let values = required(map, "choice", "values")?
                    .as_array()
                    .ok_or("`choice.values` must be a list")?;
                let weights = match map.get("weights") {
                    None => None,
                    Some(w) => Some(
                        w.as_array()
                            .ok_or("`choice.weights` must be a list of numbers")?
                            .iter()
                            .map(|x| number(x, "choice.weights"))
                            .collect::<Result<Vec<_>, _>>()?,
                    ),
                };
                (values, weights)
            }
            _ => {
                return Err(format!(
                    "`choice` takes a list of values or {{\"values\": [...], \"weights\": [...]}}, found {v}"
                ));
            }
        };
        Ok(Self {
            values: values.iter().map(item).collect::<Result<_, _>>()?,
            weights,
        })
    }

    /// Index of the drawn value: one draw, none when there is a single value.
    pub fn sample_index(&self, rng: &mut StreamRng) -> usize {
        if self.values.len() <= 1 {
            return 0;
        }
        let u = rng.unit();
        match &self.weights {
            None => {
                ((u * self.values.len() as f64) as usize).min(self.values.len().saturating_sub(1))
            }
            Some(w) => {
                let total: f64 = w.iter().sum();
                let mut target = u * total;
                for (i, &wi) in w.iter().take(self.values.len()).enumerate() {
                    if target < wi {
                        return i;
                    }
                    target -= wi;
                }
                // Rounding: the last value with a positive weight.
                w.iter()
                    .take(self.values.len())
                    .rposition(|&x| x > 0.0)
                    .unwrap_or(0)
            }
        }
    }

    /// The drawn value.
    pub fn sample<'a>(&'a self, rng: &mut StreamRng) -> &'a T {
        &self.values[self.sample_index(rng)]
    }

    /// Candidates that can be drawn (positive weight).
    pub fn possible(&self) -> impl Iterator<Item = &T> {
        self.values.iter().enumerate().filter_map(|(i, v)| {
            // A value without a weight (a mismatch `check` reports) is never drawn.
            let w = self
                .weights
                .as_ref()
                .map_or(1.0, |w| w.get(i).copied().unwrap_or(0.0));
            (w > 0.0).then_some(v)
        })
    }

    /// Reports an empty list, a weight count that differs from the value count, and
    /// weights that are negative, not finite or all zero.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        if self.values.is_empty() {
            sink.issue(path, "`choice` needs at least one value".into());
            return;
        }
        let Some(w) = &self.weights else { return };
        if w.len() != self.values.len() {
            sink.issue(
                path,
                format!("{} weights for {} values", w.len(), self.values.len()),
            );
        } else if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
            sink.issue(
                path,
                format!("weights must be finite and non-negative, found {w:?}"),
            );
        } else if w.iter().sum::<f64>() <= 0.0 {
            sink.issue(path, "weights must not all be zero".into());
        }
    }

    /// The `choice` form as JSON.
    pub(crate) fn to_value(&self, item: impl Fn(&T) -> Value) -> Value {
        let values: Vec<Value> = self.values.iter().map(item).collect();
        match &self.weights {
            None => json!({ "choice": values }),
            Some(w) => json!({ "choice": { "values": values, "weights": w } }),
        }
    }
}

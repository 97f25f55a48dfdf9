//! Distributions the spec can give for a value: a constant or a uniform range.
//!
//! This is the v0 subset of the randomization language. Scalars accept a shorthand
//! (`1.0` is a constant, `[0.8, 1.2]` a uniform range) or the explicit form
//! `{"uniform": [0.8, 1.2]}`; vectors always use the explicit form for ranges
//! (`{"uniform": {"min": [..], "max": [..]}}`) so a 2-number list is never ambiguous.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rng::StreamRng;

/// A scalar value drawn per frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Scalar {
    /// Always this value.
    Const(f64),
    /// Uniform in `[min, max]`.
    Uniform { min: f64, max: f64 },
}

impl Scalar {
    /// Draws one value; a constant consumes no randomness.
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        match *self {
            Scalar::Const(v) => v,
            Scalar::Uniform { min, max } => rng.uniform(min, max),
        }
    }

    /// The smallest and largest value this distribution can produce.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Scalar::Const(v) => (v, v),
            Scalar::Uniform { min, max } => (min, max),
        }
    }
}

fn number(v: &Value, what: &str) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("expected a number in {what}, found {v}"))
}

fn pair(v: &Value) -> Result<(f64, f64), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((number(a, "[min, max]")?, number(b, "[min, max]")?)),
        _ => Err(format!("expected a range [min, max], found {v}")),
    }
}

impl TryFrom<Value> for Scalar {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        const EXPECTED: &str = "a number, a range [min, max], or {\"uniform\": [min, max]}";
        match &v {
            Value::Number(_) => Ok(Scalar::Const(number(&v, "a constant")?)),
            Value::Array(_) => pair(&v).map(|(min, max)| Scalar::Uniform { min, max }),
            Value::Object(map) => match (map.len(), map.get("uniform")) {
                (1, Some(range)) => pair(range).map(|(min, max)| Scalar::Uniform { min, max }),
                _ => Err(format!("expected {EXPECTED}, found {v}")),
            },
            _ => Err(format!("expected {EXPECTED}, found {v}")),
        }
    }
}

impl From<Scalar> for Value {
    fn from(s: Scalar) -> Value {
        match s {
            Scalar::Const(v) => Value::from(v),
            Scalar::Uniform { min, max } => serde_json::json!({ "uniform": [min, max] }),
        }
    }
}

/// A 3-vector drawn per frame (a position, a set of angles, a direction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Vec3Dist {
    /// Always this vector.
    Const([f64; 3]),
    /// Each axis uniform in `[min[i], max[i]]`, drawn x, then y, then z.
    Uniform { min: [f64; 3], max: [f64; 3] },
}

impl Vec3Dist {
    /// Draws one vector; a constant consumes no randomness.
    pub fn sample(&self, rng: &mut StreamRng) -> [f64; 3] {
        match *self {
            Vec3Dist::Const(v) => v,
            Vec3Dist::Uniform { min, max } => [
                rng.uniform(min[0], max[0]),
                rng.uniform(min[1], max[1]),
                rng.uniform(min[2], max[2]),
            ],
        }
    }

    /// Per-axis smallest and largest values this distribution can produce.
    pub fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        match *self {
            Vec3Dist::Const(v) => (v, v),
            Vec3Dist::Uniform { min, max } => (min, max),
        }
    }
}

fn triple(v: &Value) -> Result<[f64; 3], String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b, c]) => Ok([
            number(a, "[x, y, z]")?,
            number(b, "[x, y, z]")?,
            number(c, "[x, y, z]")?,
        ]),
        _ => Err(format!("expected a vector [x, y, z], found {v}")),
    }
}

impl TryFrom<Value> for Vec3Dist {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        const EXPECTED: &str =
            "a vector [x, y, z] or {\"uniform\": {\"min\": [x, y, z], \"max\": [x, y, z]}}";
        match &v {
            Value::Array(_) => triple(&v).map(Vec3Dist::Const),
            Value::Object(map) => {
                let range = match (map.len(), map.get("uniform")) {
                    (1, Some(Value::Object(range))) => range,
                    _ => return Err(format!("expected {EXPECTED}, found {v}")),
                };
                if let Some(extra) = range.keys().find(|k| *k != "min" && *k != "max") {
                    return Err(format!(
                        "unknown field `{extra}` in uniform range, expected `min` and `max`"
                    ));
                }
                let min = range.get("min").ok_or("uniform range is missing `min`")?;
                let max = range.get("max").ok_or("uniform range is missing `max`")?;
                Ok(Vec3Dist::Uniform {
                    min: triple(min)?,
                    max: triple(max)?,
                })
            }
            _ => Err(format!("expected {EXPECTED}, found {v}")),
        }
    }
}

impl From<Vec3Dist> for Value {
    fn from(d: Vec3Dist) -> Value {
        match d {
            Vec3Dist::Const(v) => serde_json::json!(v),
            Vec3Dist::Uniform { min, max } => {
                serde_json::json!({ "uniform": { "min": min, "max": max } })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_forms() {
        let c: Scalar = serde_json::from_str("2.5").unwrap();
        assert_eq!(c, Scalar::Const(2.5));
        let u: Scalar = serde_json::from_str("[1, 2]").unwrap();
        assert_eq!(u, Scalar::Uniform { min: 1.0, max: 2.0 });
        let e: Scalar = serde_json::from_str(r#"{"uniform": [1, 2]}"#).unwrap();
        assert_eq!(e, u);
        assert!(serde_json::from_str::<Scalar>(r#"{"normal": [1, 2]}"#).is_err());
        assert!(serde_json::from_str::<Scalar>("[1, 2, 3]").is_err());
    }

    #[test]
    fn vec3_forms() {
        let c: Vec3Dist = serde_json::from_str("[1, 2, 3]").unwrap();
        assert_eq!(c, Vec3Dist::Const([1.0, 2.0, 3.0]));
        let u: Vec3Dist =
            serde_json::from_str(r#"{"uniform": {"min": [0,0,0], "max": [1,1,1]}}"#).unwrap();
        assert_eq!(
            u,
            Vec3Dist::Uniform {
                min: [0.0; 3],
                max: [1.0; 3]
            }
        );
        assert!(serde_json::from_str::<Vec3Dist>("[1, 2]").is_err());
        let bad = r#"{"uniform": {"min": [0,0,0], "max": [1,1,1], "mean": 2}}"#;
        assert!(serde_json::from_str::<Vec3Dist>(bad).is_err());
    }
}

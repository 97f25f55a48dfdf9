//! The randomization language: distributions the spec can give for a value.
//!
//! One family of serde types, each with `sample(&mut StreamRng)`, `check` (semantic
//! validation with JSON paths) and a JSON Schema. Scalars keep a shorthand (`1.0` is a
//! constant, `[0.8, 1.2]` a uniform range); every other form is an object with one key
//! naming the distribution (`{"normal": {...}}`), and vectors never use a bare 2-list, so
//! no form is ambiguous.
//!
//! Every draw uses only IEEE-exact arithmetic and `libm`, so a frame samples the same
//! values on every machine.

mod choice;
mod color;
mod count;
mod direction;
mod rotation;
mod scalar;
pub(crate) mod schema;
mod vector;

pub use crate::rng::{normal_cdf, normal_quantile, normal_quantile_approx};
pub use choice::Choice;
pub use color::{ColorDist, kelvin_to_srgb};
pub use count::Count;
pub use direction::Direction;
pub use rotation::RotationDist;
pub use scalar::Scalar;
pub use vector::Vec3Dist;

use serde_json::{Map, Value};

/// Collects semantic problems: `(JSON path, message)`.
pub trait IssueSink {
    /// Records one problem.
    fn issue(&mut self, path: &str, message: String);
}

impl<F: FnMut(String, String)> IssueSink for F {
    fn issue(&mut self, path: &str, message: String) {
        self(path.to_owned(), message)
    }
}

/// A number, or an error naming what was expected.
pub(crate) fn number(v: &Value, what: &str) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("expected a number in {what}, found {v}"))
}

/// `[a, b]`.
pub(crate) fn pair(v: &Value) -> Result<(f64, f64), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((number(a, "[min, max]")?, number(b, "[min, max]")?)),
        _ => Err(format!("expected a range [min, max], found {v}")),
    }
}

/// `[x, y, z]`.
pub(crate) fn triple(v: &Value) -> Result<[f64; 3], String> {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b, c]) => Ok([
            number(a, "[x, y, z]")?,
            number(b, "[x, y, z]")?,
            number(c, "[x, y, z]")?,
        ]),
        _ => Err(format!("expected a vector [x, y, z], found {v}")),
    }
}

/// The single `(key, value)` of a one-key object such as `{"normal": {...}}`.
pub(crate) fn tagged(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(map) if map.len() == 1 => map.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

/// The fields of an object, refusing any key not in `allowed`.
pub(crate) fn fields<'a>(
    v: &'a Value,
    form: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, String> {
    let map = v
        .as_object()
        .ok_or_else(|| format!("`{form}` takes an object with {}, found {v}", keys(allowed)))?;
    if let Some(extra) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!(
            "unknown field `{extra}` in `{form}`, expected {}",
            keys(allowed)
        ));
    }
    Ok(map)
}

/// A required field of a `form` object.
pub(crate) fn required<'a>(
    map: &'a Map<String, Value>,
    form: &str,
    key: &str,
) -> Result<&'a Value, String> {
    map.get(key)
        .ok_or_else(|| format!("`{form}` is missing `{key}`"))
}

fn keys(allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reports non-finite values and `min > max`.
pub(crate) fn check_range(lo: f64, hi: f64, path: &str, sink: &mut dyn IssueSink) -> bool {
    if !(lo.is_finite() && hi.is_finite()) {
        sink.issue(path, "must be finite".into());
        false
    } else if lo > hi {
        sink.issue(path, format!("min > max ({lo} > {hi})"));
        false
    } else {
        true
    }
}

/// Reports a non-finite or zero vector used as an axis.
pub(crate) fn check_axis(axis: [f64; 3], path: &str, sink: &mut dyn IssueSink) {
    if axis.iter().any(|c| !c.is_finite()) {
        sink.issue(path, "must be finite".into());
    } else if axis.iter().all(|c| *c == 0.0) {
        sink.issue(path, "must not be the zero vector".into());
    }
}

//! Scalar distributions.

use crate::rng::{normal_cdf, normal_quantile};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Choice, IssueSink, check_range, fields, number, pair, required, tagged};
use crate::rng::StreamRng;

/// A scalar value drawn per frame.
///
/// Forms: `2.5` (constant), `[min, max]` or `{"uniform": [min, max]}` (uniform),
/// `{"normal": {"mean": m, "std": s, "min": a, "max": b}}` (normal; `min`/`max` optional,
/// truncating it), `{"log_uniform": [min, max]}` (uniform in log space, `min > 0`),
/// `{"int": [min, max]}` (an integer in `min..=max`, uniform), `{"choice": [..]}` or
/// `{"choice": {"values": [..], "weights": [..]}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Scalar {
    /// Always this value.
    Const(f64),
    /// Uniform in `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal with mean and standard deviation, truncated to `[min, max]` where given.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (≥ 0).
        std: f64,
        /// Lower truncation bound.
        min: Option<f64>,
        /// Upper truncation bound.
        max: Option<f64>,
    },
    /// `exp(uniform(ln min, ln max))`: scale-like quantities spanning decades.
    LogUniform {
        /// Lower bound (> 0).
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// An integer in `min..=max`, each equally likely.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// One of the listed numbers.
    Choice(Choice<f64>),
}

impl Scalar {
    /// Draws one value. A constant consumes no randomness; every other form consumes
    /// exactly one draw, so a distribution's shape never shifts the draws after it.
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        match self {
            Scalar::Const(v) => *v,
            Scalar::Uniform { min, max } => rng.uniform(*min, *max),
            Scalar::Normal {
                mean,
                std,
                min,
                max,
            } => {
                if *std == 0.0 {
                    rng.unit();
                    return *mean;
                }
                let lo = min.map_or(0.0, |a| normal_cdf((a - mean) / std));
                let hi = max.map_or(1.0, |b| normal_cdf((b - mean) / std));
                let p = lo + (hi - lo) * rng.open_unit();
                let x = mean + std * normal_quantile(p);
                // Rounding at the bounds of a truncation.
                x.clamp(
                    min.unwrap_or(f64::NEG_INFINITY),
                    max.unwrap_or(f64::INFINITY),
                )
            }
            Scalar::LogUniform { min, max } => {
                libm::exp(rng.uniform(libm::log(*min), libm::log(*max))).clamp(*min, *max)
            }
            Scalar::Int { min, max } => {
                let span = max.abs_diff(*min).saturating_add(1);
                min.wrapping_add(rng.below(span) as i64) as f64
            }
            Scalar::Choice(c) => *c.sample(rng),
        }
    }

    /// The smallest and largest value this distribution can produce (infinite for an
    /// untruncated normal).
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Scalar::Const(v) => (*v, *v),
            Scalar::Uniform { min, max } | Scalar::LogUniform { min, max } => (*min, *max),
            Scalar::Normal {
                mean,
                std,
                min,
                max,
            } => {
                if *std == 0.0 {
                    (*mean, *mean)
                } else {
                    (
                        min.unwrap_or(f64::NEG_INFINITY),
                        max.unwrap_or(f64::INFINITY),
                    )
                }
            }
            Scalar::Int { min, max } => (*min as f64, *max as f64),
            Scalar::Choice(c) => c
                .possible()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                }),
        }
    }

    /// [`Scalar::check`], and that every value it can draw lies in [`lo`, `hi`].
    pub fn check_within(&self, path: &str, (lo, hi): (f64, f64), sink: &mut dyn IssueSink) {
        self.check(path, sink);
        let (a, b) = self.bounds();
        if a < lo || b > hi {
            sink.issue(
                path,
                format!("must lie in [{lo}, {hi}], this distribution spans [{a}, {b}]"),
            );
        }
    }

    /// Reports every problem with the distribution's parameters.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        match self {
            Scalar::Const(v) => {
                if !v.is_finite() {
                    sink.issue(path, "must be finite".into());
                }
            }
            Scalar::Uniform { min, max } => {
                check_range(*min, *max, path, sink);
            }
            Scalar::LogUniform { min, max } => {
                if check_range(*min, *max, path, sink) && *min <= 0.0 {
                    sink.issue(path, format!("log_uniform needs min > 0, found {min}"));
                }
            }
            Scalar::Int { min, max } => {
                if min > max {
                    sink.issue(path, format!("min > max ({min} > {max})"));
                }
            }
            Scalar::Normal {
                mean,
                std,
                min,
                max,
            } => {
                if !(mean.is_finite() && std.is_finite()) {
                    sink.issue(path, "mean and std must be finite".into());
                } else if *std < 0.0 {
                    sink.issue(path, format!("std must not be negative, found {std}"));
                } else {
                    let (lo, hi) = (min.unwrap_or(f64::MIN), max.unwrap_or(f64::MAX));
                    if check_range(lo, hi, path, sink) && *std > 0.0 {
                        let mass = normal_cdf((hi - mean) / std) - normal_cdf((lo - mean) / std);
                        if mass < 1e-9 {
                            sink.issue(
                                path,
                                format!(
                                    "the truncation [{lo}, {hi}] holds almost none of normal(mean {mean}, std {std})"
                                ),
                            );
                        }
                    }
                }
            }
            Scalar::Choice(c) => {
                c.check(path, sink);
                if c.values.iter().any(|v| !v.is_finite()) {
                    sink.issue(path, "choice values must be finite".into());
                }
            }
        }
    }
}

fn integer(v: &Value, what: &str) -> Result<i64, String> {
    v.as_i64()
        .ok_or_else(|| format!("expected an integer in {what}, found {v}"))
}

impl TryFrom<Value> for Scalar {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        const EXPECTED: &str = "a number, a range [min, max], or one of {\"uniform\": [min, max]}, \
             {\"normal\": {\"mean\", \"std\", \"min\"?, \"max\"?}}, {\"log_uniform\": [min, max]}, \
             {\"int\": [min, max]}, {\"choice\": [...]}";
        match &v {
            Value::Number(_) => Ok(Scalar::Const(number(&v, "a constant")?)),
            Value::Array(_) => pair(&v).map(|(min, max)| Scalar::Uniform { min, max }),
            _ => match tagged(&v) {
                Some(("uniform", range)) => {
                    pair(range).map(|(min, max)| Scalar::Uniform { min, max })
                }
                Some(("log_uniform", range)) => {
                    pair(range).map(|(min, max)| Scalar::LogUniform { min, max })
                }
                Some(("int", range)) => match range.as_array().map(Vec::as_slice) {
                    Some([a, b]) => Ok(Scalar::Int {
                        min: integer(a, "int [min, max]")?,
                        max: integer(b, "int [min, max]")?,
                    }),
                    _ => Err(format!("`int` takes [min, max], found {range}")),
                },
                Some(("normal", body)) => {
                    let map = fields(body, "normal", &["mean", "std", "min", "max"])?;
                    let opt = |k: &str| {
                        map.get(k)
                            .map(|x| number(x, &format!("normal.{k}")))
                            .transpose()
                    };
                    Ok(Scalar::Normal {
                        mean: number(required(map, "normal", "mean")?, "normal.mean")?,
                        std: number(required(map, "normal", "std")?, "normal.std")?,
                        min: opt("min")?,
                        max: opt("max")?,
                    })
                }
                Some(("choice", body)) => {
                    Choice::parse(body, |x| number(x, "choice values")).map(Scalar::Choice)
                }
                _ => Err(format!("expected {EXPECTED}, found {v}")),
            },
        }
    }
}

impl From<Scalar> for Value {
    fn from(s: Scalar) -> Value {
        match s {
            Scalar::Const(v) => Value::from(v),
            Scalar::Uniform { min, max } => json!({ "uniform": [min, max] }),
            Scalar::LogUniform { min, max } => json!({ "log_uniform": [min, max] }),
            Scalar::Int { min, max } => json!({ "int": [min, max] }),
            Scalar::Normal {
                mean,
                std,
                min,
                max,
            } => {
                let mut body = json!({ "mean": mean, "std": std });
                if let Some(a) = min {
                    body["min"] = json!(a);
                }
                if let Some(b) = max {
                    body["max"] = json!(b);
                }
                json!({ "normal": body })
            }
            Scalar::Choice(c) => c.to_value(|v| json!(v)),
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
        let n: Scalar =
            serde_json::from_str(r#"{"normal": {"mean": 1, "std": 2, "min": 0}}"#).unwrap();
        assert_eq!(
            n,
            Scalar::Normal {
                mean: 1.0,
                std: 2.0,
                min: Some(0.0),
                max: None
            }
        );
        let i: Scalar = serde_json::from_str(r#"{"int": [1, 4]}"#).unwrap();
        assert_eq!(i, Scalar::Int { min: 1, max: 4 });
        let ch: Scalar =
            serde_json::from_str(r#"{"choice": {"values": [1, 2], "weights": [1, 3]}}"#).unwrap();
        assert_eq!(ch.bounds(), (1.0, 2.0));
        for bad in [
            r#"{"normal": [1, 2]}"#,
            r#"{"normal": {"mean": 1}}"#,
            r#"{"normal": {"mean": 1, "std": 1, "sigma": 2}}"#,
            r#"{"int": [1.5, 2]}"#,
            r#"{"gamma": [1, 2]}"#,
            "[1, 2, 3]",
            r#"{"uniform": [1, 2], "int": [1, 2]}"#,
        ] {
            assert!(serde_json::from_str::<Scalar>(bad).is_err(), "{bad}");
        }
        // Serialization round-trips every form.
        for s in [c, u, n, i, ch] {
            let back: Scalar = serde_json::from_value(Value::from(s.clone())).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn quantile_inverts_cdf() {
        for p in [1e-12, 1e-6, 0.01, 0.2, 0.5, 0.7, 0.975, 1.0 - 1e-9] {
            let x = normal_quantile(p);
            assert!(
                (normal_cdf(x) - p).abs() <= 1e-14_f64.max(p * 1e-12),
                "p {p} x {x}"
            );
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
    }
}

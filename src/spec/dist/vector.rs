//! 3-vector distributions (positions, offsets, angle triples).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{IssueSink, Scalar, check_range, fields, number, required, tagged, triple};
use crate::rng::StreamRng;

/// A 3-vector drawn per frame.
///
/// Forms: `[x, y, z]` (constant); `{"uniform": {"min": [..], "max": [..]}}` (a box);
/// `{"per_axis": [X, Y, Z]}` with any [`Scalar`] form per axis;
/// `{"sphere": {"center": [..], "radius": r}}` (uniform in the ball);
/// `{"shell": {"center": [..], "min_radius": a, "max_radius": b}}` (uniform in the
/// volume between two spheres).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Vec3Dist {
    /// Always this vector.
    Const([f64; 3]),
    /// Each axis uniform in `[min[i], max[i]]`, drawn x, then y, then z.
    Uniform {
        /// Lower corner.
        min: [f64; 3],
        /// Upper corner.
        max: [f64; 3],
    },
    /// Each axis from its own scalar distribution, drawn x, then y, then z.
    PerAxis(Box<[Scalar; 3]>),
    /// Uniform in the volume between spheres of radius `min_radius` and `max_radius`
    /// (a ball when `min_radius` is 0).
    Shell {
        /// Centre.
        center: [f64; 3],
        /// Inner radius (0 for a ball).
        min_radius: f64,
        /// Outer radius.
        max_radius: f64,
    },
}

/// A direction uniform on the unit sphere: two draws.
pub(crate) fn unit_sphere(rng: &mut StreamRng) -> [f64; 3] {
    let z = 1.0 - 2.0 * rng.unit();
    let phi = 2.0 * std::f64::consts::PI * rng.unit();
    let r = libm::sqrt((1.0 - z * z).max(0.0));
    [r * libm::cos(phi), r * libm::sin(phi), z]
}

impl Vec3Dist {
    /// Draws one vector; a constant consumes no randomness.
    pub fn sample(&self, rng: &mut StreamRng) -> [f64; 3] {
        match self {
            Vec3Dist::Const(v) => *v,
            Vec3Dist::Uniform { min, max } => [
                rng.uniform(min[0], max[0]),
                rng.uniform(min[1], max[1]),
                rng.uniform(min[2], max[2]),
            ],
            Vec3Dist::PerAxis(axes) => [
                axes[0].sample(rng),
                axes[1].sample(rng),
                axes[2].sample(rng),
            ],
            Vec3Dist::Shell {
                center,
                min_radius,
                max_radius,
            } => {
                let d = unit_sphere(rng);
                let (a3, b3) = (
                    min_radius * min_radius * min_radius,
                    max_radius * max_radius * max_radius,
                );
                let r = libm::cbrt(a3 + (b3 - a3) * rng.unit());
                [
                    center[0] + r * d[0],
                    center[1] + r * d[1],
                    center[2] + r * d[2],
                ]
            }
        }
    }

    /// Per-axis smallest and largest values this distribution can produce.
    pub fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        match self {
            Vec3Dist::Const(v) => (*v, *v),
            Vec3Dist::Uniform { min, max } => (*min, *max),
            Vec3Dist::PerAxis(axes) => {
                let b = axes.each_ref().map(Scalar::bounds);
                ([b[0].0, b[1].0, b[2].0], [b[0].1, b[1].1, b[2].1])
            }
            Vec3Dist::Shell {
                center, max_radius, ..
            } => (
                center.map(|c| c - max_radius),
                center.map(|c| c + max_radius),
            ),
        }
    }

    /// Reports every problem with the distribution's parameters.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        match self {
            Vec3Dist::Const(v) => {
                if v.iter().any(|c| !c.is_finite()) {
                    sink.issue(path, "must be finite".into());
                }
            }
            Vec3Dist::Uniform { min, max } => {
                for axis in 0..3 {
                    let name = ["x", "y", "z"][axis];
                    if !(min[axis].is_finite() && max[axis].is_finite()) {
                        sink.issue(path, "must be finite".into());
                        return;
                    }
                    if min[axis] > max[axis] {
                        sink.issue(
                            path,
                            format!("min > max on {name} ({} > {})", min[axis], max[axis]),
                        );
                    }
                }
            }
            Vec3Dist::PerAxis(axes) => {
                for (axis, s) in axes.iter().enumerate() {
                    s.check(&format!("{path}.per_axis[{axis}]"), sink);
                }
            }
            Vec3Dist::Shell {
                center,
                min_radius,
                max_radius,
            } => {
                if center.iter().any(|c| !c.is_finite()) {
                    sink.issue(path, "center must be finite".into());
                }
                if check_range(*min_radius, *max_radius, path, sink) && *min_radius < 0.0 {
                    sink.issue(
                        path,
                        format!("radii must not be negative, found {min_radius}"),
                    );
                }
            }
        }
    }
}

impl TryFrom<Value> for Vec3Dist {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        const EXPECTED: &str = "a vector [x, y, z] or one of {\"uniform\": {\"min\", \"max\"}}, \
             {\"per_axis\": [x, y, z]}, {\"sphere\": {\"center\", \"radius\"}}, \
             {\"shell\": {\"center\", \"min_radius\", \"max_radius\"}}";
        if v.is_array() {
            return triple(&v).map(Vec3Dist::Const);
        }
        match tagged(&v) {
            Some(("uniform", body)) => {
                let map = fields(body, "uniform", &["min", "max"])?;
                Ok(Vec3Dist::Uniform {
                    min: triple(required(map, "uniform", "min")?)?,
                    max: triple(required(map, "uniform", "max")?)?,
                })
            }
            Some(("per_axis", body)) => match body.as_array().map(Vec::as_slice) {
                Some([x, y, z]) => Ok(Vec3Dist::PerAxis(Box::new([
                    Scalar::try_from(x.clone())?,
                    Scalar::try_from(y.clone())?,
                    Scalar::try_from(z.clone())?,
                ]))),
                _ => Err(format!(
                    "`per_axis` takes three scalar distributions, found {body}"
                )),
            },
            Some(("sphere", body)) => {
                let map = fields(body, "sphere", &["center", "radius"])?;
                Ok(Vec3Dist::Shell {
                    center: map.get("center").map_or(Ok([0.0; 3]), triple)?,
                    min_radius: 0.0,
                    max_radius: number(required(map, "sphere", "radius")?, "sphere.radius")?,
                })
            }
            Some(("shell", body)) => {
                let map = fields(body, "shell", &["center", "min_radius", "max_radius"])?;
                Ok(Vec3Dist::Shell {
                    center: map.get("center").map_or(Ok([0.0; 3]), triple)?,
                    min_radius: number(required(map, "shell", "min_radius")?, "shell.min_radius")?,
                    max_radius: number(required(map, "shell", "max_radius")?, "shell.max_radius")?,
                })
            }
            _ => Err(format!("expected {EXPECTED}, found {v}")),
        }
    }
}

impl From<Vec3Dist> for Value {
    fn from(d: Vec3Dist) -> Value {
        match d {
            Vec3Dist::Const(v) => json!(v),
            Vec3Dist::Uniform { min, max } => json!({ "uniform": { "min": min, "max": max } }),
            Vec3Dist::PerAxis(axes) => {
                let [x, y, z] = *axes;
                json!({ "per_axis": [Value::from(x), Value::from(y), Value::from(z)] })
            }
            Vec3Dist::Shell {
                center,
                min_radius,
                max_radius,
            } => {
                if min_radius == 0.0 {
                    json!({ "sphere": { "center": center, "radius": max_radius } })
                } else {
                    json!({ "shell": { "center": center, "min_radius": min_radius, "max_radius": max_radius } })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p: Vec3Dist =
            serde_json::from_str(r#"{"per_axis": [0, [1, 2], {"normal": {"mean": 0, "std": 1}}]}"#)
                .unwrap();
        let s: Vec3Dist = serde_json::from_str(r#"{"sphere": {"radius": 2}}"#).unwrap();
        assert_eq!(s.bounds(), ([-2.0; 3], [2.0; 3]));
        let sh: Vec3Dist = serde_json::from_str(
            r#"{"shell": {"center": [1,0,0], "min_radius": 1, "max_radius": 2}}"#,
        )
        .unwrap();
        for bad in [
            "[1, 2]",
            r#"{"uniform": {"min": [0,0,0], "max": [1,1,1], "mean": 2}}"#,
            r#"{"uniform": [0, 1]}"#,
            r#"{"sphere": {"center": [0,0,0]}}"#,
            r#"{"per_axis": [0, 1]}"#,
        ] {
            assert!(serde_json::from_str::<Vec3Dist>(bad).is_err(), "{bad}");
        }
        for d in [c, u, p, s, sh] {
            let back: Vec3Dist = serde_json::from_value(Value::from(d.clone())).unwrap();
            assert_eq!(back, d);
        }
    }
}

//! Unit-direction distributions (light directions, rotation axes).

use glam::DVec3;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::vector::unit_sphere;
use super::{IssueSink, Vec3Dist, check_axis, fields, number, required, tagged, triple};
use crate::rng::StreamRng;

/// A unit direction drawn per frame.
///
/// Forms: any [`Vec3Dist`] form, normalized after drawing (`[0, -1, 0]`, a box...);
/// `"sphere"` (uniform over all directions); `{"hemisphere": {"axis": [..]}}`;
/// `{"cone": {"axis": [..], "max_angle_deg": a}}` (uniform over the cap within `a`
/// degrees of the axis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Direction {
    /// A drawn vector, normalized.
    Vector(Vec3Dist),
    /// Uniform over the spherical cap within `max_angle_deg` of `axis` (180: the sphere).
    Cone {
        /// Cap centre (need not be unit length).
        axis: [f64; 3],
        /// Half-angle of the cap, degrees in (0, 180].
        max_angle_deg: f64,
    },
}

impl Direction {
    /// Draws a unit vector. `fallback` is returned for a drawn zero vector.
    pub fn sample(&self, rng: &mut StreamRng, fallback: DVec3) -> DVec3 {
        match self {
            Direction::Vector(v) => DVec3::from_array(v.sample(rng)).normalize_or(fallback),
            Direction::Cone {
                axis,
                max_angle_deg,
            } => {
                let axis = DVec3::from_array(*axis).normalize_or(fallback);
                if *max_angle_deg >= 180.0 {
                    return DVec3::from_array(unit_sphere(rng));
                }
                let cos_max = libm::cos(max_angle_deg.to_radians());
                let cos_t = 1.0 - rng.unit() * (1.0 - cos_max);
                let sin_t = libm::sqrt((1.0 - cos_t * cos_t).max(0.0));
                let phi = 2.0 * std::f64::consts::PI * rng.unit();
                let (u, v) = axis.any_orthonormal_pair();
                (axis * cos_t + u * (sin_t * libm::cos(phi)) + v * (sin_t * libm::sin(phi)))
                    .normalize()
            }
        }
    }

    /// Reports zero or non-finite axes and bad angles.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        match self {
            Direction::Vector(v) => {
                v.check(path, sink);
                if let Vec3Dist::Const(d) = v {
                    check_axis(*d, path, sink);
                }
            }
            Direction::Cone {
                axis,
                max_angle_deg,
            } => {
                check_axis(*axis, path, sink);
                if !(*max_angle_deg > 0.0 && *max_angle_deg <= 180.0) {
                    sink.issue(
                        path,
                        format!("max_angle_deg must lie in (0, 180], found {max_angle_deg}"),
                    );
                }
            }
        }
    }
}

impl TryFrom<Value> for Direction {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        if v.as_str() == Some("sphere") {
            return Ok(Direction::Cone {
                axis: [0.0, 1.0, 0.0],
                max_angle_deg: 180.0,
            });
        }
        match tagged(&v) {
            Some(("hemisphere", body)) => {
                let map = fields(body, "hemisphere", &["axis"])?;
                Ok(Direction::Cone {
                    axis: triple(required(map, "hemisphere", "axis")?)?,
                    max_angle_deg: 90.0,
                })
            }
            Some(("cone", body)) => {
                let map = fields(body, "cone", &["axis", "max_angle_deg"])?;
                Ok(Direction::Cone {
                    axis: triple(required(map, "cone", "axis")?)?,
                    max_angle_deg: number(
                        required(map, "cone", "max_angle_deg")?,
                        "cone.max_angle_deg",
                    )?,
                })
            }
            _ => Vec3Dist::try_from(v.clone()).map(Direction::Vector).map_err(|e| {
                format!("{e}; a direction may also be \"sphere\", {{\"hemisphere\": {{\"axis\"}}}} or {{\"cone\": {{\"axis\", \"max_angle_deg\"}}}}")
            }),
        }
    }
}

impl From<Direction> for Value {
    fn from(d: Direction) -> Value {
        match d {
            Direction::Vector(v) => Value::from(v),
            Direction::Cone {
                axis,
                max_angle_deg,
            } => json!({ "cone": { "axis": axis, "max_angle_deg": max_angle_deg } }),
        }
    }
}

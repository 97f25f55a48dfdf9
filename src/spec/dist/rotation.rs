//! Rotation distributions.

use glam::{DQuat, DVec3};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Direction, IssueSink, Scalar, Vec3Dist, fields, required, tagged};
use crate::geometry::{quat_axis_angle, quat_from_euler_xyz_deg};
use crate::rng::StreamRng;

/// A rotation drawn per frame.
///
/// Forms: `"uniform"` (uniform over SO(3)); `{"euler_deg": V}` (X, Y, Z angles in degrees
/// about the world axes, applied in that order: R = Rz · Ry · Rx, any [`Vec3Dist`]);
/// `{"yaw_deg": S}` (about world +Y, any [`Scalar`]); `{"axis_angle": {"axis": D,
/// "angle_deg": S}}` (any [`Direction`] and [`Scalar`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum RotationDist {
    /// Uniform over all rotations (Shoemake's method: three draws).
    Uniform,
    /// Euler angles in degrees, R = Rz · Ry · Rx.
    EulerDeg(Vec3Dist),
    /// A rotation about a drawn axis by a drawn angle (yaw: the axis is +Y).
    AxisAngle {
        /// The axis.
        axis: Direction,
        /// The angle, degrees.
        angle_deg: Scalar,
    },
}

impl RotationDist {
    /// Draws a unit quaternion.
    pub fn sample(&self, rng: &mut StreamRng) -> DQuat {
        match self {
            RotationDist::Uniform => {
                let (u1, u2, u3) = (rng.unit(), rng.unit(), rng.unit());
                let tau = 2.0 * std::f64::consts::PI;
                let (a, b) = (libm::sqrt(1.0 - u1), libm::sqrt(u1));
                DQuat::from_xyzw(
                    a * libm::sin(tau * u2),
                    a * libm::cos(tau * u2),
                    b * libm::sin(tau * u3),
                    b * libm::cos(tau * u3),
                )
                .normalize()
            }
            RotationDist::EulerDeg(v) => quat_from_euler_xyz_deg(v.sample(rng)),
            RotationDist::AxisAngle { axis, angle_deg } => {
                let axis = axis.sample(rng, DVec3::Y);
                quat_axis_angle(axis, angle_deg.sample(rng).to_radians()).normalize()
            }
        }
    }

    /// Reports every problem with the parameters.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        match self {
            RotationDist::Uniform => {}
            RotationDist::EulerDeg(v) => v.check(path, sink),
            RotationDist::AxisAngle { axis, angle_deg } => {
                axis.check(&format!("{path}.axis"), sink);
                angle_deg.check(&format!("{path}.angle_deg"), sink);
            }
        }
    }
}

impl Default for RotationDist {
    fn default() -> Self {
        RotationDist::EulerDeg(Vec3Dist::Const([0.0; 3]))
    }
}

impl TryFrom<Value> for RotationDist {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        if v.as_str() == Some("uniform") {
            return Ok(RotationDist::Uniform);
        }
        match tagged(&v) {
            Some(("euler_deg", body)) => {
                Vec3Dist::try_from(body.clone()).map(RotationDist::EulerDeg)
            }
            Some(("yaw_deg", body)) => Ok(RotationDist::AxisAngle {
                axis: Direction::Vector(Vec3Dist::Const([0.0, 1.0, 0.0])),
                angle_deg: Scalar::try_from(body.clone())?,
            }),
            Some(("axis_angle", body)) => {
                let map = fields(body, "axis_angle", &["axis", "angle_deg"])?;
                Ok(RotationDist::AxisAngle {
                    axis: Direction::try_from(required(map, "axis_angle", "axis")?.clone())?,
                    angle_deg: Scalar::try_from(required(map, "axis_angle", "angle_deg")?.clone())?,
                })
            }
            _ => Err(format!(
                "expected \"uniform\", {{\"euler_deg\": [x, y, z]}}, {{\"yaw_deg\": angle}} or \
                 {{\"axis_angle\": {{\"axis\", \"angle_deg\"}}}}, found {v}"
            )),
        }
    }
}

impl From<RotationDist> for Value {
    fn from(r: RotationDist) -> Value {
        match r {
            RotationDist::Uniform => json!("uniform"),
            RotationDist::EulerDeg(v) => json!({ "euler_deg": Value::from(v) }),
            RotationDist::AxisAngle { axis, angle_deg } => json!({
                "axis_angle": { "axis": Value::from(axis), "angle_deg": Value::from(angle_deg) }
            }),
        }
    }
}

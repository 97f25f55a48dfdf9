//! Sequences (spec version 3): each of the run's `frames` becomes a clip of `steps`
//! images, `1 / fps` seconds apart, in which objects and the camera move.
//!
//! Everything a frame draws today is drawn once per sequence; the motions here are drawn
//! once per sequence too, each from a stream of its own (`objects[i].motion`,
//! `camera.motion`), so adding one moves no other draw. Poses are then functions of the
//! step's time `t = step / fps` (see [`crate::motion`]).

use serde::{Deserialize, Serialize};

pub use crate::motion::Interpolation;

use super::{Scalar, Vec3Dist};

/// Most steps a sequence may have.
pub const MAX_STEPS: u32 = 100_000;

/// `sequence`: how many steps each sequence has and how far apart they are in time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SequenceSpec {
    /// Images per sequence (1 to [`MAX_STEPS`]).
    pub steps: u32,
    /// Steps per second: step `k` shows time `k / fps` seconds.
    pub fps: f64,
}

impl SequenceSpec {
    /// Seconds from the start of the sequence to step `step`.
    pub fn time_of(&self, step: u32) -> f64 {
        f64::from(step) / self.fps
    }
}

/// An object group's `motion`: a constant velocity and spin, and/or keyframes, drawn
/// per instance.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectMotionSpec {
    /// Velocity of the asset's origin, world frame, metres per second.
    #[serde(default = "still")]
    pub velocity: Vec3Dist,
    /// Angular velocity, world frame, degrees per second: the vector's direction is the
    /// axis (through the asset's origin, right-handed) and its length the rate.
    #[serde(default = "still")]
    pub angular_velocity_deg: Vec3Dist,
    /// Keyframes: offsets from the drawn pose at given times, interpolated between
    /// (held before the first and after the last), on top of the velocity and spin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keyframes: Vec<ObjectKeyframeSpec>,
    /// How keyframes are interpolated.
    #[serde(default, skip_serializing_if = "is_linear")]
    pub interpolation: Interpolation,
}

/// One keyframe of an object's motion.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectKeyframeSpec {
    /// Seconds from step 0 (keyframes in increasing time).
    pub time: f64,
    /// Translation added to the drawn position, world frame, metres.
    #[serde(default = "still")]
    pub offset: Vec3Dist,
    /// Turn applied to the drawn rotation, degrees about the world x, y, z axes in that
    /// order (R = Rz · Ry · Rx), about the asset's origin.
    #[serde(default = "still")]
    pub rotation_deg: Vec3Dist,
}

fn is_linear(i: &Interpolation) -> bool {
    *i == Interpolation::Linear
}

/// One keyframe of the camera's path.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraKeyframeSpec {
    /// Seconds from step 0 (keyframes in increasing time).
    pub time: f64,
    /// The camera's position then, world frame, metres.
    pub position: Vec3Dist,
    /// The point it looks at then (default: the camera's drawn look-at point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look_at: Option<Vec3Dist>,
}

/// Seeded hand-held shake: small turns and shifts of the camera, each a sine of its own
/// drawn phase and a frequency near `frequency_hz`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShakeSpec {
    /// Largest turn about each camera axis, degrees.
    #[serde(default = "shake_angle")]
    pub amplitude_deg: Scalar,
    /// Largest shift along each camera axis, metres.
    #[serde(default = "shake_shift")]
    pub translation_m: Scalar,
    /// Base frequency, hertz (the six components run at 0.8 to 1.7 times it).
    #[serde(default = "shake_frequency")]
    pub frequency_hz: Scalar,
}

fn shake_angle() -> Scalar {
    Scalar::Const(0.5)
}
fn shake_shift() -> Scalar {
    Scalar::Const(0.005)
}
fn shake_frequency() -> Scalar {
    Scalar::Const(1.5)
}

/// The camera's `motion`: an orbit sweep, a linear dolly, or both.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraMotionSpec {
    /// How fast the orbit's azimuth grows, degrees per second (only with `camera.orbit`;
    /// positive turns from +Z towards +X).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orbit_deg_per_s: Option<Scalar>,
    /// Velocity of the camera and of the point it looks at, world frame, metres per
    /// second (a dolly or truck move).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Vec3Dist>,
    /// A keyframed path (exclusive with the orbit sweep and the velocity): the camera's
    /// position and look-at point at given times, interpolated between.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keyframes: Vec<CameraKeyframeSpec>,
    /// How the path is interpolated.
    #[serde(default, skip_serializing_if = "is_linear")]
    pub interpolation: Interpolation,
    /// Hand-held shake on top of the motion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shake: Option<ShakeSpec>,
}

fn still() -> Vec3Dist {
    Vec3Dist::Const([0.0; 3])
}

/// `cameras[i]`: one camera of a rig. The rig is the `camera` section's camera (its pose,
/// trajectory and lens); each camera sits at a fixed pose in the rig's frame (OpenCV
/// axes: x right, y down, z forward).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RigCameraSpec {
    /// The camera's name (COCO images' `camera`), unique in the rig.
    pub name: String,
    /// Optical centre in the rig's frame, metres.
    #[serde(default)]
    pub position: [f64; 3],
    /// Turn relative to the rig, degrees about the rig's x, y and z axes, in that order
    /// (R = Rz · Ry · Rx).
    #[serde(default)]
    pub rotation_deg: [f64; 3],
    /// Its own vertical field of view (default: the rig's lens, as drawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fov_y_deg: Option<Scalar>,
    /// Its own intrinsics (default: the rig's lens, as drawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intrinsics: Option<super::IntrinsicsSpec>,
}

/// `stereo`: a rectified pair, `left` at the rig's pose and `right` `baseline` metres
/// along the rig's x axis, both with the rig's lens. The left camera's images carry the
/// disparity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StereoSpec {
    /// Distance between the optical centres, metres (positive).
    pub baseline: f64,
}

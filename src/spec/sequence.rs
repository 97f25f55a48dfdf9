//! Sequences (spec version 3): each of the run's `frames` becomes a clip of `steps`
//! images, `1 / fps` seconds apart, in which objects and the camera move.
//!
//! Everything a frame draws today is drawn once per sequence; the motions here are drawn
//! once per sequence too, each from a stream of its own (`objects[i].motion`,
//! `camera.motion`), so adding one moves no other draw. Poses are then functions of the
//! step's time `t = step / fps` (see [`crate::motion`]).

use serde::{Deserialize, Serialize};

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

/// An object group's `motion`: a constant velocity and spin, drawn per instance.
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

//! The camera section: lens (vertical field of view or intrinsics), viewpoint (a position
//! or an orbit), look-at point, roll and exposure.

use serde::{Deserialize, Serialize};

use super::{Scalar, Vec3Dist, full_turn, zero};

/// Pinhole intrinsics in pixels. From spec version 2 in OpenCV's convention: the centre of
/// pixel (u, v) has coordinates (u, v), so a centred principal point of a W×H image is
/// ((W-1)/2, (H-1)/2). Versions 0 and 1 put integer coordinates on pixel corners (a
/// centred principal point is (W/2, H/2)); their specs render as they always did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrinsicsSpec {
    /// Focal length along x, pixels.
    pub fx: Scalar,
    /// Focal length along y, pixels.
    pub fy: Scalar,
    /// Principal point x, pixels.
    pub cx: Scalar,
    /// Principal point y, pixels.
    pub cy: Scalar,
}

/// The camera: a pinhole from a vertical field of view or from intrinsics, placed at a
/// position or on an orbit, looking at a point, rolled about its optical axis.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraSpec {
    /// Vertical field of view in degrees (exclusive with `intrinsics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fov_y_deg: Option<Scalar>,
    /// Intrinsics in pixels (exclusive with `fov_y_deg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intrinsics: Option<IntrinsicsSpec>,
    /// Near clipping plane, metres.
    #[serde(default = "default_near")]
    pub near: f64,
    /// Far clipping plane, metres.
    #[serde(default = "default_far")]
    pub far: f64,
    /// Camera position in world coordinates (exclusive with `orbit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Vec3Dist>,
    /// Camera on a sphere around a target (exclusive with `position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orbit: Option<OrbitSpec>,
    /// The point the optical axis goes through: by default the orbit's target, or the
    /// origin. Any [`Vec3Dist`], so `{"sphere": {"center": .., "radius": 0.1}}` jitters it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look_at: Option<Vec3Dist>,
    /// Rotation about the optical axis, degrees: positive turns the camera clockwise as
    /// seen from behind it, so the image content turns counterclockwise.
    #[serde(default = "zero")]
    pub roll_deg: Scalar,
    /// World direction that appears up in the image (before roll).
    #[serde(default = "y_up")]
    pub up: [f64; 3],
    /// Camera exposure as EV100. When given, light intensities are physical, as in
    /// KHR_lights_punctual: lux for directional lights and ambient, candela for point
    /// and spot lights; a pixel receives them × 1 / (1.2 · 2^EV100) (sunny day ≈ 15,
    /// overcast ≈ 12, indoors ≈ 7). Absent: intensities are relative (exposure 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure_ev100: Option<Scalar>,
    /// How the camera moves during a sequence (version 3; needs a `sequence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<super::CameraMotionSpec>,
}

/// A camera position on a sphere around `target`: azimuth about world +Y from +Z
/// towards +X, elevation above the XZ plane.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrbitSpec {
    /// Centre of the orbit (drawn first).
    #[serde(default = "origin")]
    pub target: Vec3Dist,
    /// Distance from the target, metres.
    pub distance: Scalar,
    /// Elevation above the target's horizontal plane, degrees in [-90, 90].
    #[serde(default = "zero")]
    pub elevation_deg: Scalar,
    /// Azimuth, degrees.
    #[serde(default = "full_turn")]
    pub azimuth_deg: Scalar,
}

fn default_near() -> f64 {
    0.05
}
fn default_far() -> f64 {
    100.0
}
fn origin() -> Vec3Dist {
    Vec3Dist::Const([0.0; 3])
}
fn y_up() -> [f64; 3] {
    [0.0, 1.0, 0.0]
}

//! Lights and ambient light.

use serde::{Deserialize, Serialize};

use super::render::ShadowSpec;
use super::{ColorDist, Count, Direction, Scalar, Vec3Dist, unit_scale, zero};

/// A light source. Intensity is linear irradiance (directional) or intensity over
/// squared distance (point, spot): 1.0 lights a white matte surface facing it to 1/π.
/// Every kind takes `count` (how many such lights a frame has, each drawn independently),
/// `color` (any [`ColorDist`] form, e.g. `{"kelvin": [2700, 6500]}`) and `intensity`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, tag = "type", rename_all = "lowercase")]
pub enum LightSpec {
    /// Parallel light travelling along `direction`.
    Directional {
        /// How many.
        #[serde(default)]
        count: Count,
        /// sRGB colour.
        #[serde(default = "white_dist")]
        color: ColorDist,
        /// Intensity.
        #[serde(default = "unit_scale")]
        intensity: Scalar,
        /// Direction the light travels (from the light towards the scene).
        direction: Direction,
        /// This light's shadow settings, over `render.shadows`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shadow: Option<ShadowSpec>,
    },
    /// Light radiating from a point.
    Point {
        /// How many.
        #[serde(default)]
        count: Count,
        /// sRGB colour.
        #[serde(default = "white_dist")]
        color: ColorDist,
        /// Intensity (falls off with the squared distance).
        #[serde(default = "unit_scale")]
        intensity: Scalar,
        /// World position.
        position: Vec3Dist,
        /// This light's shadow settings, over `render.shadows`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shadow: Option<ShadowSpec>,
    },
    /// A point light limited to a cone, with KHR_lights_punctual's smooth falloff
    /// between the inner and outer cone angles.
    Spot {
        /// How many.
        #[serde(default)]
        count: Count,
        /// sRGB colour.
        #[serde(default = "white_dist")]
        color: ColorDist,
        /// Intensity (falls off with the squared distance).
        #[serde(default = "unit_scale")]
        intensity: Scalar,
        /// World position.
        position: Vec3Dist,
        /// Direction of the cone's axis.
        direction: Direction,
        /// Full intensity within this angle of the axis, degrees.
        #[serde(default = "zero")]
        inner_cone_deg: Scalar,
        /// No light beyond this angle of the axis, degrees (at most 90).
        #[serde(default = "default_outer_cone")]
        outer_cone_deg: Scalar,
        /// This light's shadow settings, over `render.shadows`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shadow: Option<ShadowSpec>,
    },
}

impl LightSpec {
    /// How many lights of this entry a frame has.
    pub fn count(&self) -> &Count {
        match self {
            LightSpec::Directional { count, .. }
            | LightSpec::Point { count, .. }
            | LightSpec::Spot { count, .. } => count,
        }
    }

    /// The light's own shadow settings.
    pub fn shadow(&self) -> Option<&ShadowSpec> {
        match self {
            LightSpec::Directional { shadow, .. }
            | LightSpec::Point { shadow, .. }
            | LightSpec::Spot { shadow, .. } => shadow.as_ref(),
        }
    }

    /// Colour and intensity.
    pub fn color_intensity(&self) -> (&ColorDist, &Scalar) {
        match self {
            LightSpec::Directional {
                color, intensity, ..
            }
            | LightSpec::Point {
                color, intensity, ..
            }
            | LightSpec::Spot {
                color, intensity, ..
            } => (color, intensity),
        }
    }
}

fn default_outer_cone() -> Scalar {
    Scalar::Const(45.0)
}
fn white_dist() -> ColorDist {
    ColorDist::Const(white())
}

fn white() -> [f64; 3] {
    [1.0; 3]
}

/// Light arriving equally from everywhere.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmbientSpec {
    /// sRGB colour.
    #[serde(default = "white_dist")]
    pub color: ColorDist,
    /// Intensity (multiplies the base colour directly).
    #[serde(default = "default_ambient")]
    pub intensity: Scalar,
}

fn default_ambient() -> Scalar {
    Scalar::Const(0.1)
}

impl Default for AmbientSpec {
    fn default() -> Self {
        Self {
            color: white_dist(),
            intensity: default_ambient(),
        }
    }
}

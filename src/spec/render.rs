//! `render`: how the picture is made (the look), never what it shows. Labels (instance,
//! class, depth, normals, masks) do not depend on anything here.
//!
//! `preset` sets every feature at once: `fast` is the plain look of spec version 1 (no
//! shadows, no anti-aliasing, no tone mapping, no normal or occlusion maps); `realistic`
//! turns on shadows, FXAA, Khronos PBR Neutral tone mapping, the glTF normal and
//! occlusion maps and image-based light from an environment (the built-in neutral studio
//! unless the spec names maps). Each feature can be set on its own beside the preset,
//! and a light's own `shadow` overrides `render.shadows` field by field.

use serde::{Deserialize, Serialize};

use super::{IssueSink, Scalar};
pub use crate::scene::{Antialiasing, Brdf, ToneMapping};

/// The whole look at once.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Direct lighting only, no shadows, no anti-aliasing, colours clamped: spec version
    /// 1's look, and the fastest.
    Fast,
    /// Shadows, FXAA, PBR Neutral tone mapping, normal and occlusion maps, environment
    /// light (the default from spec version 2).
    Realistic,
}

impl std::str::FromStr for Preset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fast" => Ok(Self::Fast),
            "realistic" => Ok(Self::Realistic),
            other => Err(format!("unknown preset `{other}`: use fast or realistic")),
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Fast => "fast",
            Self::Realistic => "realistic",
        })
    }
}

impl Preset {
    /// The preset a spec of `version` gets when it names none.
    pub fn default_for_version(version: u32) -> Self {
        if version >= 2 {
            Self::Realistic
        } else {
            Self::Fast
        }
    }
}

/// Shadow settings, in `render.shadows` (for every light) or a light's `shadow` (for it
/// alone, overriding the global value of each field it gives).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShadowSpec {
    /// Whether lights cast shadows (default: on with the realistic preset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Chance, per frame and light, that an enabled light casts a shadow (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Side of the shadow map in texels, 16 to 8192, drawn per frame and light and
    /// rounded (default 1024; 512 for each of a point light's six faces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_size: Option<Scalar>,
    /// Radius of the percentage-closer filter in shadow-map texels, 0 (hard) to 16
    /// (default 1.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub softness: Option<Scalar>,
}

/// Largest shadow map side accepted.
pub const MAX_SHADOW_MAP: f64 = 8192.0;
/// Smallest shadow map side accepted.
pub const MIN_SHADOW_MAP: f64 = 16.0;
/// Largest filter radius accepted, texels.
pub const MAX_SOFTNESS: f64 = 16.0;

impl ShadowSpec {
    /// This light's settings over the global ones: each field it gives wins.
    pub fn over(&self, global: &ShadowSpec) -> ShadowSpec {
        ShadowSpec {
            enabled: self.enabled.or(global.enabled),
            probability: self.probability.or(global.probability),
            map_size: self.map_size.clone().or_else(|| global.map_size.clone()),
            softness: self.softness.clone().or_else(|| global.softness.clone()),
        }
    }

    /// Reports every problem with the settings at `path`.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            sink.issue(
                &format!("{path}.probability"),
                format!("must lie in [0, 1], found {p}"),
            );
        }
        if let Some(size) = &self.map_size {
            let field = format!("{path}.map_size");
            size.check(&field, sink);
            let (lo, hi) = size.bounds();
            if lo < MIN_SHADOW_MAP || hi > MAX_SHADOW_MAP {
                sink.issue(
                    &field,
                    format!(
                        "must lie in [{MIN_SHADOW_MAP}, {MAX_SHADOW_MAP}] texels, this distribution spans [{lo}, {hi}]"
                    ),
                );
            }
        }
        if let Some(softness) = &self.softness {
            let field = format!("{path}.softness");
            softness.check(&field, sink);
            let (lo, hi) = softness.bounds();
            if lo < 0.0 || hi > MAX_SOFTNESS {
                sink.issue(
                    &field,
                    format!(
                        "must lie in [0, {MAX_SOFTNESS}] texels, this distribution spans [{lo}, {hi}]"
                    ),
                );
            }
        }
    }
}

/// The `render` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderSpec {
    /// The look: `fast` or `realistic` (default `realistic` from spec version 2, `fast`
    /// before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Shadows of every light (a light's `shadow` overrides them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadows: Option<ShadowSpec>,
    /// Anti-aliasing of RGB (default: `fxaa` with the realistic preset, else `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antialiasing: Option<Antialiasing>,
    /// Tone mapping after the exposure (default: `pbr_neutral` with the realistic
    /// preset, else `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone_mapping: Option<ToneMapping>,
    /// Whether glTF normal and occlusion maps shade (default: on with the realistic
    /// preset). Labels keep the geometric normals either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_maps: Option<bool>,
    /// How surfaces reflect the lights: `gltf` (the glTF specification's reference
    /// BRDF) or `layered` (energy-conserving, as path tracers' principled materials;
    /// default with the realistic preset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brdf: Option<Brdf>,
    /// 16× anisotropic filtering of the assets' textures where their samplers filter
    /// trilinearly (default off, whatever the preset: nearly free on a GPU, about 10 ms
    /// a frame at 640×480 on Mesa's CPU rasterizers). Opaque materials only: the alpha of
    /// MASK and BLEND materials decides labels, so it is sampled the same way under
    /// every look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anisotropic_filtering: Option<bool>,
    /// Sensor and lens effects on RGB (none unless given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor: Option<SensorSpec>,
    /// One bounce of the directional lights off a ground plane at y = 0 of this albedo
    /// (0 to 1) onto surfaces facing away from the sky: an approximation of the light
    /// a floor or table reflects onto the faces the sun does not reach (none unless
    /// given: synthvis cannot tell a ground from any other object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground_bounce: Option<Scalar>,
    /// One bounce of the directional lights off the objects onto each other and the
    /// ground: each object (but flat ones) a diffuse sphere of its mean colour round its
    /// bounding box, the 16 largest (default off, whatever the preset: 1.4 to 2.4 ms a
    /// frame at 640×480 with 12 objects on Mesa's CPU rasterizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_bounce: Option<bool>,
    /// Image-based light from an environment map (default: the built-in neutral studio
    /// with the realistic preset, none with the fast one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentSpec>,
}

impl RenderSpec {
    /// Reports every problem with the section.
    pub fn check(&self, sink: &mut dyn IssueSink) {
        if let Some(shadows) = &self.shadows {
            shadows.check("render.shadows", sink);
        }
        if let Some(sensor) = &self.sensor {
            sensor.check(sink);
        }
        if let Some(environment) = &self.environment {
            environment.check(sink);
        }
        if let Some(albedo) = &self.ground_bounce {
            albedo.check("render.ground_bounce", sink);
            let (lo, hi) = albedo.bounds();
            if lo < 0.0 || hi > 1.0 {
                sink.issue(
                    "render.ground_bounce",
                    format!("an albedo lies in [0, 1], this distribution spans [{lo}, {hi}]"),
                );
            }
        }
    }

    /// The look a spec of `version` renders: its `preset`, else the version's default.
    pub fn effective_preset(&self, version: u32) -> Preset {
        self.preset
            .unwrap_or_else(|| Preset::default_for_version(version))
    }

    /// The settings a spec of `version` renders with.
    pub fn resolve(&self, version: u32) -> RenderSettings {
        let preset = self.effective_preset(version);
        let realistic = preset == Preset::Realistic;
        let preset_shadows = ShadowSpec {
            enabled: Some(realistic),
            probability: Some(1.0),
            map_size: None,
            softness: Some(Scalar::Const(1.5)),
        };
        RenderSettings {
            shadows: self
                .shadows
                .as_ref()
                .map_or(preset_shadows.clone(), |s| s.over(&preset_shadows)),
            antialiasing: self.antialiasing.unwrap_or(if realistic {
                Antialiasing::Fxaa
            } else {
                Antialiasing::None
            }),
            tone_mapping: self.tone_mapping.unwrap_or(if realistic {
                ToneMapping::PbrNeutral
            } else {
                ToneMapping::None
            }),
            material_maps: self.material_maps.unwrap_or(realistic),
            brdf: self
                .brdf
                .unwrap_or(if realistic { Brdf::Layered } else { Brdf::Gltf }),
            anisotropic_filtering: self.anisotropic_filtering.unwrap_or(false),
            sensor: self.sensor.clone(),
            ground_bounce: self.ground_bounce.clone(),
            object_bounce: self.object_bounce.unwrap_or(false),
            environment: self.environment.as_ref().map_or(
                realistic.then(EnvironmentSettings::neutral),
                EnvironmentSpec::resolve,
            ),
        }
    }
}

/// The `render` section resolved for one spec version: every field set.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderSettings {
    /// Shadows of every light, before a light's own overrides (all fields but
    /// `map_size` set; that one defaults per light kind).
    pub shadows: ShadowSpec,
    /// Anti-aliasing of RGB.
    pub antialiasing: Antialiasing,
    /// Tone mapping.
    pub tone_mapping: ToneMapping,
    /// Normal and occlusion maps shade.
    pub material_maps: bool,
    /// How surfaces reflect the lights.
    pub brdf: Brdf,
    /// Textures of opaque materials are filtered anisotropically.
    pub anisotropic_filtering: bool,
    /// Sensor and lens effects.
    pub sensor: Option<SensorSpec>,
    /// Albedo of the ground that bounces directional light.
    pub ground_bounce: Option<Scalar>,
    /// The objects bounce directional light onto each other.
    pub object_bounce: bool,
    /// Environment light, when on.
    pub environment: Option<EnvironmentSettings>,
}

/// Which environment maps light a frame: `"neutral"` (built in), one `.hdr` or `.exr`
/// file, `{"choice": [...]}` of those, or `{"dir": "..."}`: every `.hdr` and `.exr`
/// file directly in a directory, in file name order. A frame picks one, each equally
/// likely; relative paths resolve against the spec's folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(untagged)]
pub enum EnvironmentMapSpec {
    /// `neutral` or a file.
    One(std::path::PathBuf),
    /// Any of these, each equally likely.
    Choice {
        /// The maps (`neutral` or files).
        choice: Vec<std::path::PathBuf>,
    },
    /// Every `.hdr` and `.exr` file in a directory.
    Dir {
        /// The directory.
        dir: std::path::PathBuf,
    },
}

/// Name of the built-in environment map in specs and labels.
pub const NEUTRAL_ENVIRONMENT: &str = "neutral";

/// Where one environment map comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvironmentSource {
    /// The built-in neutral studio, scaled by the spec's `ambient`.
    Neutral,
    /// An equirectangular `.hdr` or `.exr` file (resolved path).
    File(std::path::PathBuf),
}

/// `render.environment`: light from every direction, from an equirectangular HDR map
/// (prefiltered once per map for diffuse and glossy reflection). It replaces the
/// uniform `ambient` light; the built-in `neutral` map is the ambient light given a
/// direction (its mean radiance is the ambient's colour × intensity).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Whether the environment lights the scene (default: on when the section is given
    /// or the preset is realistic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The map or maps (default `"neutral"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<EnvironmentMapSpec>,
    /// Turn of the map about the vertical (+y) axis, degrees (default: uniform over a
    /// full turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_deg: Option<Scalar>,
    /// Multiplier of the map's radiance (default 1). With `camera.exposure_ev100` a
    /// file's values are radiance in W·sr⁻¹·m⁻² scaled as light intensities are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensity: Option<Scalar>,
    /// Whether the camera sees the map behind the objects instead of the spec's
    /// `background` (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// Whether a map's sun (a small disc far brighter than its sky) becomes a directional
    /// light of the same direction and irradiance, which casts shadows as the spec's
    /// `render.shadows` say; the disc leaves the map (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sun: Option<bool>,
    /// The maps found when the spec was loaded (files listed, paths resolved).
    #[serde(skip)]
    pub sources: Vec<EnvironmentSource>,
}

/// Largest intensity multiplier accepted.
pub const MAX_ENVIRONMENT_INTENSITY: f64 = 1e6;

impl EnvironmentSpec {
    /// Reports every problem with the section (the maps themselves are checked when the
    /// spec is loaded from its file).
    pub fn check(&self, sink: &mut dyn IssueSink) {
        if let Some(rotation) = &self.rotation_deg {
            rotation.check("render.environment.rotation_deg", sink);
        }
        if let Some(intensity) = &self.intensity {
            intensity.check_within(
                "render.environment.intensity",
                (0.0, MAX_ENVIRONMENT_INTENSITY),
                sink,
            );
        }
        if let Some(EnvironmentMapSpec::Choice { choice }) = &self.map
            && choice.is_empty()
        {
            sink.issue("render.environment.map.choice", "lists no map".into());
        }
    }

    fn resolve(&self) -> Option<EnvironmentSettings> {
        if !self.enabled.unwrap_or(true) {
            return None;
        }
        let neutral = EnvironmentSettings::neutral();
        Some(EnvironmentSettings {
            maps: if self.sources.is_empty() {
                neutral.maps
            } else {
                self.sources.clone()
            },
            rotation_deg: self.rotation_deg.clone().unwrap_or(neutral.rotation_deg),
            intensity: self.intensity.clone().unwrap_or(neutral.intensity),
            background: self.background.unwrap_or(false),
            sun: self.sun.unwrap_or(false),
        })
    }
}

/// `render.environment` resolved: on, every field set.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentSettings {
    /// The maps a frame picks from (at least one).
    pub maps: Vec<EnvironmentSource>,
    /// Turn about +y, degrees.
    pub rotation_deg: Scalar,
    /// Radiance multiplier.
    pub intensity: Scalar,
    /// The camera sees the map as the background.
    pub background: bool,
    /// A map's sun becomes a directional light.
    pub sun: bool,
}

impl EnvironmentSettings {
    /// The realistic preset's environment: the neutral studio at any turn.
    pub fn neutral() -> Self {
        Self {
            maps: vec![EnvironmentSource::Neutral],
            rotation_deg: Scalar::Uniform {
                min: 0.0,
                max: 360.0,
            },
            intensity: Scalar::Const(1.0),
            background: false,
            sun: false,
        }
    }
}

/// Sensor and lens effects on the RGB image (`render.sensor`), each a distribution drawn
/// per frame; an effect whose drawn value is neutral (0, or 1 for multipliers) does
/// nothing. They run on the CPU after read-back in the order of a camera: optics
/// (chromatic aberration, defocus and motion blur, vignetting), the sensor (shot noise,
/// read noise), processing (white balance, colour jitter), then JPEG re-compression.
/// Off unless given, whatever the preset.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorSpec {
    /// Lateral chromatic aberration: red and blue shifted radially, in opposite
    /// directions, by this many pixels at the image corners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chromatic_aberration_px: Option<Scalar>,
    /// Defocus: Gaussian blur of this standard deviation, pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blur_sigma_px: Option<Scalar>,
    /// Motion blur: a streak of this length, pixels...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion_blur_px: Option<Scalar>,
    /// ...along this direction, degrees counter-clockwise from +u (default: uniform over
    /// a full turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion_blur_angle_deg: Option<Scalar>,
    /// Vignetting: light lost at the image corners, 0 (none) to 1 (all), falling off with
    /// the squared distance from the centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vignetting: Option<Scalar>,
    /// Shot (Poisson) noise: photo-electrons a full-scale pixel collects (fewer: noisier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shot_noise_photons: Option<Scalar>,
    /// Read noise: Gaussian, this standard deviation in linear units of full scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gaussian_noise_std: Option<Scalar>,
    /// White balance error: linear RGB gains from this colour (any colour form, e.g.
    /// `{"kelvin": [4500, 8000]}`), scaled to keep luminance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub white_balance: Option<super::ColorDist>,
    /// Colour jitter: brightness multiplier (1: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<Scalar>,
    /// Colour jitter: contrast about mid-grey (1: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contrast: Option<Scalar>,
    /// Colour jitter: saturation multiplier (1: none, 0: grey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturation: Option<Scalar>,
    /// Colour jitter: hue rotation, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hue_deg: Option<Scalar>,
    /// JPEG re-compression at this quality, 1 to 100 (rounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jpeg_quality: Option<Scalar>,
}

impl SensorSpec {
    /// Reports every problem with the section.
    pub fn check(&self, sink: &mut dyn IssueSink) {
        let ranges: [(&str, &Option<Scalar>, f64, f64); 11] = [
            (
                "chromatic_aberration_px",
                &self.chromatic_aberration_px,
                0.0,
                64.0,
            ),
            ("blur_sigma_px", &self.blur_sigma_px, 0.0, 64.0),
            ("motion_blur_px", &self.motion_blur_px, 0.0, 256.0),
            ("vignetting", &self.vignetting, 0.0, 1.0),
            (
                "shot_noise_photons",
                &self.shot_noise_photons,
                0.0,
                f64::INFINITY,
            ),
            ("gaussian_noise_std", &self.gaussian_noise_std, 0.0, 1.0),
            ("brightness", &self.brightness, 0.0, 16.0),
            ("contrast", &self.contrast, 0.0, 16.0),
            ("saturation", &self.saturation, 0.0, 16.0),
            ("hue_deg", &self.hue_deg, -360.0, 360.0),
            ("jpeg_quality", &self.jpeg_quality, 1.0, 100.0),
        ];
        for (name, dist, lo, hi) in ranges {
            if let Some(dist) = dist {
                dist.check_within(&format!("render.sensor.{name}"), (lo, hi), sink);
            }
        }
        if let Some(angle) = &self.motion_blur_angle_deg {
            angle.check("render.sensor.motion_blur_angle_deg", sink);
        }
        if let Some(wb) = &self.white_balance {
            wb.check("render.sensor.white_balance", sink);
        }
    }
}

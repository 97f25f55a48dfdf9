//! `FrameScene`: plain data describing exactly what one frame draws.
//!
//! It is the output of [`crate::randomize`], the input of the renderer and of the label
//! stage, and is written to `labels/NNNNNN.json` under the `scene` key.

use glam::{DMat4, DQuat, DVec3};
use serde::Serialize;

pub use crate::camera::CameraSample;
use crate::geometry::Pose;
use crate::motion::MotionError;

/// Most lights a frame scene can hold (the renderer's fixed light array).
pub const MAX_LIGHTS: usize = 8;

/// Everything drawn in one frame.
#[derive(Debug, Clone, Serialize)]
pub struct FrameScene {
    /// Frame index within the run.
    pub frame_index: u64,
    /// The camera.
    pub camera: CameraSample,
    /// Light sources.
    pub lights: Vec<LightSample>,
    /// Ambient light, linear RGB (colour × intensity; with physical units, the radiance
    /// of a uniform sky of that illuminance: × 1/π).
    pub ambient_linear: [f64; 3],
    /// Camera exposure (EV100) when the spec uses physical light units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure_ev100: Option<f64>,
    /// Background colour, sRGB.
    pub background_srgb: [f64; 3],
    /// Background texture, procedural or a pool image (covers the colour).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_texture: Option<TextureSample>,
    /// Object instances in placement order.
    pub objects: Vec<ObjectSample>,
    /// How the RGB image is finished (absent: the plain look).
    #[serde(skip_serializing_if = "RenderLook::is_plain")]
    pub render: RenderLook,
    /// The simulation that settled the dropped objects, when the frame has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physics: Option<PhysicsRecord>,
    /// Where this frame sits in its sequence, when the spec has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<crate::motion::SequenceStep>,
    /// How the camera moves through the sequence (absent: it stands still).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera_motion: Option<crate::motion::CameraMotion>,
    /// The rig of cameras on the camera, when the spec has one (`camera` is then the rig
    /// camera that took this frame).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rig: Option<crate::motion::RigSample>,
}

/// What the simulation of a frame's dropped objects did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhysicsRecord {
    /// Gravity drawn for the frame, m/s².
    pub gravity: f64,
    /// Steps of 1/60 s simulated.
    pub steps: u32,
    /// Every dropped object ended at rest (else the step limit stopped it).
    pub at_rest: bool,
    /// The object groups (spec order) with objects still moving at the step limit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsettled_groups: Vec<usize>,
}

impl PhysicsRecord {
    /// The warning an unsettled frame `frame` gives, if it is one.
    pub fn warning(&self, frame: u64) -> Option<String> {
        (!self.at_rest).then(|| {
            let groups: Vec<String> = self
                .unsettled_groups
                .iter()
                .map(|g| format!("objects[{g}]"))
                .collect();
            format!(
                "frame {frame}: {} still moving after {} steps (physics.max_steps): rendered where they were",
                groups.join(", "),
                self.steps
            )
        })
    }
}

/// Anti-aliasing of the RGB image (label images are never anti-aliased).
#[derive(
    Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq, Hash, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Antialiasing {
    /// Stair-stepped edges.
    None,
    /// FXAA 3.11-style edge filtering after tone mapping (one post-process pass).
    Fxaa,
}

/// The curve from scene radiance to display values, after the exposure.
#[derive(
    Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq, Hash, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ToneMapping {
    /// Values above 1 clip.
    None,
    /// Khronos PBR Neutral: base colours kept up to 0.8, highlights rolled off to white.
    PbrNeutral,
    /// ACES filmic (Narkowicz's fit): more contrast, desaturated highlights.
    Aces,
}

/// How surfaces reflect the lights (glTF's metallic-roughness materials either way).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    Serialize,
    serde::Deserialize,
    PartialEq,
    Eq,
    Hash,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Brdf {
    /// The glTF 2.0 specification's reference (its appendix B): the diffuse part weighed
    /// by 1 − Fresnel at the half vector, the GGX specular lobe scattering once.
    #[default]
    Gltf,
    /// Energy-conserving layers, as Cycles' Principled BSDF and OpenPBR have them: the
    /// diffuse base gets what the specular layer does not reflect towards the viewer (its
    /// directional albedo, tabulated), and the specular lobe gets back the energy a single
    /// scattering loses at high roughness. Rough dielectrics seen at a slant come out
    /// darker and seen from above brighter, as a path tracer renders them.
    Layered,
}

impl Brdf {
    fn is_gltf(&self) -> bool {
        *self == Brdf::Gltf
    }
}

/// How a frame's RGB image is finished after lighting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderLook {
    /// Anti-aliasing.
    pub antialiasing: Antialiasing,
    /// Tone mapping.
    pub tone_mapping: ToneMapping,
    /// Whether normal and occlusion maps shade.
    pub material_maps: bool,
    /// How surfaces reflect the lights.
    #[serde(skip_serializing_if = "Brdf::is_gltf")]
    pub brdf: Brdf,
    /// Whether opaque materials' textures are filtered anisotropically (16×).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub anisotropic_filtering: bool,
    /// Sensor and lens effects drawn for the frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<SensorSample>,
    /// Albedo of the ground plane (y = 0) that bounces directional light (0: none).
    #[serde(skip_serializing_if = "is_zero")]
    pub ground_bounce: f64,
    /// Whether the objects bounce directional light onto each other.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub object_bounce: bool,
    /// The environment that lights the frame (none: the uniform `ambient` light).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentSample>,
}

/// A frame's environment light (see [`crate::spec::EnvironmentSpec`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentSample {
    /// `neutral` or the map file's path.
    pub map: String,
    /// The map's index in the spec's list of maps (the asset library's order).
    #[serde(skip)]
    pub map_index: usize,
    /// Turn about +y, degrees.
    pub rotation_deg: f64,
    /// The spec's intensity multiplier.
    pub intensity: f64,
    /// What the map's values are multiplied by (linear RGB, before the exposure): the
    /// intensity, times the ambient colour × intensity for the neutral map.
    pub radiance_scale: [f64; 3],
    /// The camera sees the map behind the objects.
    pub background: bool,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// A frame's sensor and lens effects (see [`crate::spec::SensorSpec`]): neutral values
/// (0, or 1 for multipliers) do nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SensorSample {
    /// Radial shift of red (outwards) and blue (inwards) at the corners, pixels.
    pub chromatic_aberration_px: f64,
    /// Gaussian blur, standard deviation in pixels.
    pub blur_sigma_px: f64,
    /// Motion blur streak length, pixels.
    pub motion_blur_px: f64,
    /// Motion blur direction, degrees counter-clockwise from +u.
    pub motion_blur_angle_deg: f64,
    /// Light lost at the corners, 0 to 1.
    pub vignetting: f64,
    /// Photo-electrons of a full-scale pixel (0: no shot noise).
    pub shot_noise_photons: f64,
    /// Read noise standard deviation, linear units.
    pub gaussian_noise_std: f64,
    /// Linear RGB gains.
    pub white_balance: [f64; 3],
    /// Brightness multiplier.
    pub brightness: f64,
    /// Contrast about mid-grey.
    pub contrast: f64,
    /// Saturation multiplier.
    pub saturation: f64,
    /// Hue rotation, degrees.
    pub hue_deg: f64,
    /// JPEG quality (0: no re-compression).
    pub jpeg_quality: u8,
    /// Seed of the frame's per-pixel noise (drawn from the frame's own stream).
    pub noise_seed: u64,
}

impl RenderLook {
    /// No anti-aliasing, no tone mapping, no normal or occlusion maps: spec version 1's
    /// look.
    pub const PLAIN: Self = Self {
        antialiasing: Antialiasing::None,
        tone_mapping: ToneMapping::None,
        material_maps: false,
        brdf: Brdf::Gltf,
        anisotropic_filtering: false,
        sensor: None,
        ground_bounce: 0.0,
        object_bounce: false,
        environment: None,
    };

    /// Whether this is [`RenderLook::PLAIN`].
    pub fn is_plain(&self) -> bool {
        *self == Self::PLAIN
    }
}

impl Default for RenderLook {
    fn default() -> Self {
        Self::PLAIN
    }
}

/// A light's sampled shadow.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShadowSample {
    /// Side of its shadow map (of each face, for a point light), texels.
    pub map_size: u32,
    /// Radius of the percentage-closer filter, texels.
    pub softness: f64,
}

impl FrameScene {
    /// This scene (any image of a sequence) at step `step` of the same sequence, same camera.
    pub fn at_step(&self, step: u32) -> Result<FrameScene, MotionError> {
        let camera = self.sequence.as_ref().map_or(0, |s| s.camera_index);
        self.at(step, camera)
    }

    /// This scene (any image of a sequence) as camera `camera` of its rig sees step `step`:
    /// every moving object and the camera where their motions put them then, the rest
    /// unchanged.
    pub fn at(&self, step: u32, camera: u32) -> Result<FrameScene, MotionError> {
        let Some(seq) = self
            .sequence
            .as_ref()
            .filter(|s| step < s.steps && camera < s.cameras)
        else {
            return Err(MotionError::NoSuchStep { step, camera });
        };
        if seq.step == step && seq.camera_index == camera {
            return Ok(self.clone());
        }
        let t = f64::from(step) / seq.fps;
        let mut out = self.clone();
        for object in &mut out.objects {
            if let Some(motion) = &object.motion {
                object.pose_world = motion.pose_at(step, t);
            }
        }
        match (&self.rig, &self.camera_motion) {
            (None, Some(motion)) => {
                // At t = 0 this is the camera as sampled, bit for bit (the same arithmetic).
                out.camera = motion.camera_at(&self.camera, t)?;
            }
            (None, None) => {}
            (Some(rig), motion) => {
                let world_to_rig = match motion {
                    Some(m) => m.view_at(t)?.0,
                    None => DMat4::from_cols_array_2d(&rig.world_to_rig).transpose(),
                };
                out.camera = rig
                    .camera(camera as usize, world_to_rig, &self.camera)
                    .ok_or(MotionError::NoSuchStep { step, camera })?;
            }
        }
        out.frame_index = seq.frame_index(step, camera);
        if let Some(s) = out.sequence.as_mut() {
            s.step = step;
            s.time_s = t;
            s.camera_index = camera;
            if let Some(rig) = &self.rig {
                s.camera.clone_from(&rig.cameras[camera as usize].name);
            }
        }
        Ok(out)
    }

    /// What light and ambient radiance are multiplied by on their way to a pixel:
    /// 1 / (1.2 · 2^EV100) with physical units, else 1.
    pub fn exposure_scale(&self) -> f64 {
        self.exposure_ev100
            .map_or(1.0, |ev| 1.0 / (1.2 * libm::exp2(ev)))
    }
}

/// A sampled light.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LightSample {
    /// Parallel light.
    Directional {
        /// Unit direction the light travels, world frame.
        direction: [f64; 3],
        /// Linear RGB colour × intensity.
        radiance_linear: [f64; 3],
        /// Its shadow, when it casts one this frame.
        #[serde(skip_serializing_if = "Option::is_none")]
        shadow: Option<ShadowSample>,
    },
    /// Point light.
    Point {
        /// World position.
        position: [f64; 3],
        /// Linear RGB colour × intensity.
        radiance_linear: [f64; 3],
        /// Its shadow, when it casts one this frame.
        #[serde(skip_serializing_if = "Option::is_none")]
        shadow: Option<ShadowSample>,
    },
    /// Spot light: a point light limited to a cone.
    Spot {
        /// World position.
        position: [f64; 3],
        /// Unit direction of the cone's axis, world frame.
        direction: [f64; 3],
        /// Full intensity within this angle of the axis, degrees.
        inner_cone_deg: f64,
        /// No light beyond this angle of the axis, degrees.
        outer_cone_deg: f64,
        /// Linear RGB colour × intensity.
        radiance_linear: [f64; 3],
        /// Its shadow, when it casts one this frame.
        #[serde(skip_serializing_if = "Option::is_none")]
        shadow: Option<ShadowSample>,
    },
}

impl LightSample {
    /// The light's shadow this frame, if it casts one.
    pub fn shadow(&self) -> Option<&ShadowSample> {
        match self {
            LightSample::Directional { shadow, .. }
            | LightSample::Point { shadow, .. }
            | LightSample::Spot { shadow, .. } => shadow.as_ref(),
        }
    }

    /// Whether this is a directional light (a sun).
    pub fn is_directional(&self) -> bool {
        matches!(self, LightSample::Directional { .. })
    }
}

/// One placed object instance.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectSample {
    /// Instance id in the `instance/` image; 0 for unlabeled objects.
    pub instance_id: u16,
    /// Asset name.
    pub asset: String,
    /// Index of the asset in the spec (its handle in the asset library).
    #[serde(skip)]
    pub asset_index: usize,
    /// Category name; none for unlabeled objects.
    pub category: Option<String>,
    /// Category id (1-based, spec order); 0 for unlabeled objects.
    pub category_id: u16,
    /// Pose of the asset's root in the world frame (for a dropped object, where it came
    /// to rest).
    pub pose_world: Pose,
    /// A dropped object's pose when the simulation started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_pose_world: Option<Pose>,
    /// How this instance's material departs from its asset's (absent: not at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub material: Option<MaterialSample>,
    /// A built-in container's or surface's drawn size (absent: its asset's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<ShapeSample>,
    /// How it moves through the sequence (absent: it stands still).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motion: Option<crate::motion::ObjectMotion>,
}

/// The size of one built-in container or surface instance (a group's `shape`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapeSample {
    /// Which container or surface.
    pub primitive: crate::primitives::PrimitiveKind,
    /// Outer width, height and depth, metres (before the pose's scale).
    pub size: [f64; 3],
    /// Thickness of its walls, boards or top, metres.
    pub thickness: f64,
}

impl ShapeSample {
    /// Its boxes, centred on the object's origin.
    pub fn parts(&self) -> Vec<crate::primitives::BoxPart> {
        self.primitive
            .parts_sized(self.size, self.thickness)
            .unwrap_or_default()
    }

    /// Its bounding box in the object's frame.
    pub fn bounds(&self) -> (DVec3, DVec3) {
        let half = DVec3::from_array(self.size) * 0.5;
        (-half, half)
    }
}

impl ObjectSample {
    /// Its bounding box in its own frame: its shape's, else its asset's in
    /// `asset_bounds` (by asset index; empty when the caller has none).
    pub fn local_bounds(&self, asset_bounds: &[(DVec3, DVec3)]) -> (DVec3, DVec3) {
        self.bounds_or(
            asset_bounds
                .get(self.asset_index)
                .copied()
                .unwrap_or_default(),
        )
    }

    /// Its bounding box in its own frame: its shape's, else `asset_bounds`.
    pub fn bounds_or(&self, asset_bounds: (DVec3, DVec3)) -> (DVec3, DVec3) {
        self.shape
            .as_ref()
            .map_or(asset_bounds, ShapeSample::bounds)
    }

    /// Asset→world transform.
    pub fn world_matrix(&self) -> DMat4 {
        DMat4::from_cols_array_2d(&self.pose_world.matrix).transpose()
    }

    /// Pose of this object in the camera frame given the world→camera transform.
    pub fn pose_camera(&self, world_to_camera: DMat4) -> Pose {
        let (_, r, t) = world_to_camera.to_scale_rotation_translation();
        self.pose_world.in_frame(DQuat::normalize(r), t)
    }
}

/// Which procedural pattern (the shader's numbering: 0 means none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// Checkerboard.
    Checker = 1,
    /// Stripes.
    Stripes = 2,
    /// Value noise.
    Noise = 3,
    /// Linear gradient.
    Gradient = 4,
    /// An image from a pool.
    Image = 5,
}

/// A drawn procedural texture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextureSample {
    /// The pattern.
    pub pattern: PatternKind,
    /// Its two colours, sRGB.
    pub colors: [[f64; 3]; 2],
    /// Repetitions across the UV square.
    pub scale: f64,
    /// Rotation in UV space, degrees.
    pub angle_deg: f64,
    /// For an image: the file drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<std::path::PathBuf>,
    /// For an image: the UV offset drawn (where the crop starts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<[f64; 2]>,
    /// For an image: its layer in the texture pool.
    #[serde(skip)]
    pub layer: u32,
}

/// A drawn material override (what labels' `scene` records for each object).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MaterialSample {
    /// Base colour factor, sRGB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<[f64; 3]>,
    /// HSV shift: hue offset (degrees), saturation and value multipliers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hsv_jitter: Option<[f64; 3]>,
    /// Roughness factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roughness: Option<f64>,
    /// Metallic factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metallic: Option<f64>,
    /// Procedural base colour texture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub texture: Option<TextureSample>,
}

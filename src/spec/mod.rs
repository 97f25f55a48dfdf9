//! The scene spec: what a user writes (JSON), parsed, validated and resolved once.
//!
//! Conventions: metres; angles in degrees; world frame is glTF's (+Y up, right-handed);
//! colours are sRGB in `[0, 1]`. Unknown fields are rejected everywhere. Every error
//! names the spec file and the JSON path of the field (`objects[2].position`), and syntax
//! errors also the line and column.
//!
//! - the serde types, one module per section: [`camera`], [`objects`], [`lights`],
//!   [`material`], [`render`], and here the top level, background and outputs;
//! - [`dist`]: the distributions any randomizable field takes;
//! - [`load`]: reading a file into a [`LoadedSpec`];
//! - [`folders`]: asset folders and BOP model sets, expanded into one asset per file;
//! - [`validate`](mod@validate): semantic checks, one function per section;
//! - [`resolve`](mod@resolve): the [`ResolvedSpec`] that sampling uses.

pub mod camera;
pub mod dist;
pub mod edit;
pub mod error;
pub mod folders;
pub mod labels;
pub mod lights;
pub mod load;
pub mod material;
pub mod mesh_format;
pub mod objects;
pub mod physics;
pub mod render;
pub mod resolve;
pub mod sequence;
pub mod validate;

use serde::{Deserialize, Serialize};

pub use camera::{CameraSpec, IntrinsicsSpec, OrbitSpec};
pub use dist::{
    Choice, ColorDist, Count, Direction, IssueSink, RotationDist, Scalar, Vec3Dist, normal_cdf,
    normal_quantile_approx,
};
pub use error::{SpecError, SpecIssue};
pub use labels::{AnnotationPolicy, BelowThreshold, CocoStatus, LabelOptions, LabelsSpec};
pub use lights::{AmbientSpec, LightSpec};
pub use load::{LoadedSpec, parse};
pub use mesh_format::MeshFormat;
pub use objects::{
    AssetChoice, AssetSpec, CategorySpec, ObjectSpec, PlacementSpec, UnitName, Units, UpAxis,
};
pub use physics::{
    ColliderKind, DecompositionSettings, DecompositionSpec, DropSettings, DropSpec,
    PhysicsSettings, PhysicsSpec, TossSettings, TossSpec, Unsettled,
};
pub use render::{
    Antialiasing, EnvironmentMapSpec, EnvironmentSettings, EnvironmentSource, EnvironmentSpec,
    NEUTRAL_ENVIRONMENT, Preset, RenderSettings, RenderSpec, SensorSpec, ShadowSpec, ToneMapping,
};
pub use resolve::{ResolvedSpec, resolve};
pub use sequence::{CameraMotionSpec, ObjectMotionSpec, RigCameraSpec, SequenceSpec, StereoSpec};
pub use validate::validate;

/// The spec format version this build writes and reads. Version 2 puts
/// `camera.intrinsics` in OpenCV's pixel convention (pixel centres at integers); versions
/// 0 and 1 keep theirs (pixel corners at integers), so old specs render the same pixels.
/// Version 3 adds sequences (`sequence`, `motion`, `camera.motion`, `outputs.flow`);
/// a version 3 spec without them means what it means under version 2.
pub const SPEC_VERSION: u32 = 3;
/// The oldest spec version this build reads: version 1 only added forms, so a version 0
/// spec means the same under version 1.
pub const OLDEST_SPEC_VERSION: u32 = 0;
/// Largest accepted image side.
pub const MAX_RESOLUTION: u32 = 16384;
/// Most lights a frame can hold.
pub const MAX_LIGHTS: usize = crate::scene::MAX_LIGHTS;

/// A whole scene spec.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version: [`OLDEST_SPEC_VERSION`] to [`SPEC_VERSION`].
    pub version: u32,
    /// Run seed: frame `i` is a pure function of (spec, seed, i).
    #[serde(default)]
    pub seed: u64,
    /// Number of frames a render produces (frames `0..frames`); with a `sequence`, the
    /// number of sequences (each `sequence.steps` images).
    #[serde(default = "default_frames")]
    pub frames: u64,
    /// Makes each frame a clip of several steps in which objects and the camera move
    /// (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<SequenceSpec>,
    /// Several cameras filming each step of a sequence from fixed poses on the `camera`
    /// (version 3; exclusive with `stereo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cameras: Option<Vec<RigCameraSpec>>,
    /// A rectified stereo pair on the `camera` (version 3; exclusive with `cameras`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stereo: Option<StereoSpec>,
    /// Image size in pixels.
    pub resolution: Resolution,
    /// The camera model and its pose distribution.
    pub camera: CameraSpec,
    /// Categories in id order: the first is category id 1 (in `class/` and COCO).
    pub categories: Vec<CategorySpec>,
    /// glTF assets that objects refer to by name.
    pub assets: Vec<AssetSpec>,
    /// Groups of object instances placed in each frame, in placement order.
    pub objects: Vec<ObjectSpec>,
    /// Light sources.
    #[serde(default)]
    pub lights: Vec<LightSpec>,
    /// Ambient light.
    #[serde(default)]
    pub ambient: AmbientSpec,
    /// What is seen where no surface is.
    #[serde(default)]
    pub background: BackgroundSpec,
    /// Which files each frame writes.
    #[serde(default)]
    pub outputs: OutputsSpec,
    /// Which instances become COCO annotations.
    #[serde(default)]
    pub labels: LabelsSpec,
    /// How the picture is made: preset, shadows, anti-aliasing, tone mapping.
    #[serde(default, skip_serializing_if = "is_default")]
    pub render: RenderSpec,
    /// The simulation that settles groups with a `drop` (defaults when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physics: Option<PhysicsSpec>,
}

impl Spec {
    /// Images a render of the whole spec produces: `frames`, times the steps of each
    /// sequence and the cameras of the rig when frames are sequences.
    pub fn images(&self) -> u64 {
        self.frames.saturating_mul(self.images_per_frame())
    }

    /// Images per frame: a sequence's steps × its cameras, else 1. Image `i` is camera
    /// `i % cameras` at step `(i / cameras) % steps` of sequence `i / (steps × cameras)`.
    /// Shards take whole sequences.
    pub fn images_per_frame(&self) -> u64 {
        self.sequence.map_or(1, |s| u64::from(s.steps)) * self.camera_count()
    }

    /// Cameras filming each step: the rig's, 2 for a stereo pair, else 1.
    pub fn camera_count(&self) -> u64 {
        match (&self.cameras, &self.stereo) {
            (Some(c), _) => (c.len() as u64).max(1),
            (None, Some(_)) => 2,
            (None, None) => 1,
        }
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

fn default_frames() -> u64 {
    1
}

/// Image size in pixels.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The JSON Schema (draft 2020-12) of the spec format: `synthvis schema` prints it.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::Value::from(schemars::schema_for!(Spec));
    schema["title"] = serde_json::json!(format!("synthvis scene spec, version {SPEC_VERSION}"));
    schema
}

/// The background.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    /// sRGB colour.
    #[serde(default = "grey")]
    pub color: ColorDist,
    /// A procedural texture covering the whole background instead of the colour (in
    /// image space: one UV unit is the image height).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texture: Option<material::TextureSpec>,
}

fn grey() -> ColorDist {
    ColorDist::Const([0.5; 3])
}

impl Default for BackgroundSpec {
    fn default() -> Self {
        Self {
            color: grey(),
            texture: None,
        }
    }
}

/// PNG compression effort.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PngCompression {
    /// Fastest encoding, larger files (the default).
    #[default]
    Fast,
    /// zlib's default level.
    Default,
    /// Smallest files, slowest.
    Best,
}

/// Which images each frame writes. Labels and COCO are always written.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutputsSpec {
    /// `rgb/NNNNNN.png`.
    pub rgb: bool,
    /// `depth/NNNNNN.png` (16-bit millimetres).
    pub depth: bool,
    /// `depth/NNNNNN.exr` (float metres).
    pub depth_exr: bool,
    /// `instance/NNNNNN.png`.
    pub instance: bool,
    /// `class/NNNNNN.png`.
    pub class: bool,
    /// Each instance's unoccluded mask as RLE (`amodal_segmentation` in the labels and
    /// COCO annotations).
    pub amodal_masks: bool,
    /// `normals/NNNNNN.png`: camera-frame surface normals (16-bit RGB).
    pub normals: bool,
    /// `nocs/NNNNNN.png`: each labeled pixel's point in its asset's box (16-bit RGB).
    pub nocs: bool,
    /// `flow_forward/NNNNNN.flo` and `flow_backward/NNNNNN.flo`: optical flow to the next
    /// and the previous step of a sequence (Middlebury `.flo`; needs a `sequence`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flow: bool,
    /// `scene_flow_forward/NNNNNN.exr` and `scene_flow_backward/NNNNNN.exr`: each
    /// pixel's 3-D motion to the neighbouring steps in the camera frame, metres (needs a
    /// `sequence`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub scene_flow: bool,
    /// `flow_kitti_forward/NNNNNN.png` and `flow_kitti_backward/NNNNNN.png`: the optical
    /// flow in KITTI's 16-bit PNG encoding too (needs a `sequence`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flow_kitti: bool,
    /// `disparity/NNNNNN.pfm` for the left camera of a `stereo` pair: f·B/Z in pixels
    /// (float PFM, 0 where no surface is).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disparity: bool,
    /// PNG compression effort.
    pub png_compression: PngCompression,
}

impl Default for OutputsSpec {
    fn default() -> Self {
        Self {
            rgb: true,
            depth: true,
            depth_exr: false,
            instance: true,
            class: true,
            amodal_masks: false,
            normals: false,
            nocs: false,
            flow: false,
            disparity: false,
            scene_flow: false,
            flow_kitti: false,
            png_compression: PngCompression::Fast,
        }
    }
}

fn zero() -> Scalar {
    Scalar::Const(0.0)
}

fn full_turn() -> Scalar {
    Scalar::Uniform {
        min: 0.0,
        max: 360.0,
    }
}

fn unit_scale() -> Scalar {
    Scalar::Const(1.0)
}

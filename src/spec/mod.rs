//! The scene spec: what a user writes (JSON), parsed and validated once.
//!
//! Conventions: metres; angles in degrees; world frame is glTF's (+Y up, right-handed);
//! colours are sRGB in `[0, 1]`. Unknown fields are rejected everywhere. Every error
//! names the spec file and the JSON path of the field (`objects[2].position`), and syntax
//! errors also the line and column.

pub mod dist;
pub mod material;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use dist::{
    Choice, ColorDist, Count, Direction, IssueSink, RotationDist, Scalar, Vec3Dist, normal_cdf,
};

/// The spec format version this build writes and reads.
pub const SPEC_VERSION: u32 = 1;
/// The oldest spec version this build reads: version 1 only added forms, so a version 0
/// spec means the same under version 1.
pub const OLDEST_SPEC_VERSION: u32 = 0;

/// A whole scene spec.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version: [`OLDEST_SPEC_VERSION`] to [`SPEC_VERSION`].
    pub version: u32,
    /// Run seed: frame `i` is a pure function of (spec, seed, i).
    #[serde(default)]
    pub seed: u64,
    /// Number of frames a render produces (frames `0..frames`).
    #[serde(default = "default_frames")]
    pub frames: u64,
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

/// Pinhole intrinsics in pixels; pixel centres lie at half-integer coordinates, so
/// the image centre of a W×H image is (W/2, H/2).
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

fn zero() -> Scalar {
    Scalar::Const(0.0)
}
fn full_turn() -> Scalar {
    Scalar::Uniform {
        min: 0.0,
        max: 360.0,
    }
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

/// A label category.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CategorySpec {
    /// Category name (unique).
    pub name: String,
    /// COCO supercategory.
    #[serde(default = "default_supercategory")]
    pub supercategory: String,
}

fn default_supercategory() -> String {
    "object".to_owned()
}

/// A glTF asset.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    /// Name objects use to refer to it (unique).
    pub name: String,
    /// `.gltf` or `.glb` file; relative paths resolve against the spec's folder
    /// (exclusive with `primitive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// A built-in shape instead of a file (exclusive with `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primitive: Option<crate::primitives::PrimitiveKind>,
    /// Category of its instances; none means unlabeled (instance id 0, no annotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Rescale the asset so its bounding-box diagonal is this many metres, re-centred on
    /// the box centre (real assets come in any unit and with any origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize_diagonal: Option<f64>,
}

/// Which asset an object instance is: drawn per instance.
///
/// Forms: `"name"`; `{"choice": ["a", "b"]}` or `{"choice": {"values": ["a", "b"],
/// "weights": [3, 1]}}`; `{"category": "cat"}` (any asset of that category, equally
/// likely).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
pub enum AssetChoice {
    /// One of the named assets.
    Named(Choice<String>),
    /// Any asset whose category is this.
    Category(String),
}

impl AssetChoice {
    /// The asset names this can draw, given the spec's assets.
    pub fn candidates<'a>(&'a self, assets: &'a [AssetSpec]) -> Vec<&'a str> {
        match self {
            AssetChoice::Named(c) => c.possible().map(String::as_str).collect(),
            AssetChoice::Category(cat) => assets
                .iter()
                .filter(|a| a.category.as_deref() == Some(cat.as_str()))
                .map(|a| a.name.as_str())
                .collect(),
        }
    }
}

impl TryFrom<serde_json::Value> for AssetChoice {
    type Error = String;

    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        let name = |x: &serde_json::Value| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("expected an asset name, found {x}"))
        };
        if let Some(n) = v.as_str() {
            return Ok(AssetChoice::Named(Choice {
                values: vec![n.to_owned()],
                weights: None,
            }));
        }
        match dist::tagged(&v) {
            Some(("choice", body)) => Choice::parse(body, name).map(AssetChoice::Named),
            Some(("category", body)) => name(body).map(AssetChoice::Category),
            _ => Err(format!(
                "expected an asset name, {{\"choice\": [names]}} or {{\"category\": name}}, found {v}"
            )),
        }
    }
}

impl schemars::JsonSchema for AssetChoice {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AssetChoice".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let name = serde_json::json!({ "type": "string" });
        dist::schema::schema(serde_json::json!({
            "description": "Which asset an instance is: a name, a (weighted) choice of names, or {\"category\": name}.",
            "anyOf": [
                name,
                dist::schema::choice(name.clone()),
                dist::schema::tagged("category", name)
            ]
        }))
    }
}

/// The JSON Schema (draft 2020-12) of the spec format: `synthvis schema` prints it.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::Value::from(schemars::schema_for!(Spec));
    schema["title"] = serde_json::json!(format!("synthvis scene spec, version {SPEC_VERSION}"));
    schema
}

impl From<AssetChoice> for serde_json::Value {
    fn from(a: AssetChoice) -> serde_json::Value {
        match a {
            AssetChoice::Named(c) if c.values.len() == 1 && c.weights.is_none() => {
                serde_json::json!(c.values[0])
            }
            AssetChoice::Named(c) => c.to_value(|v| serde_json::json!(v)),
            AssetChoice::Category(cat) => serde_json::json!({ "category": cat }),
        }
    }
}

/// A group of object instances drawn from the same distributions.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    /// Which asset each instance is.
    pub asset: AssetChoice,
    /// How many instances each frame.
    #[serde(default)]
    pub count: Count,
    /// World position of the asset's origin, in a volume given by any [`Vec3Dist`]
    /// (exclusive with `placement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Vec3Dist>,
    /// Placement that depends on the asset's bounds or the camera (exclusive with
    /// `position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<PlacementSpec>,
    /// Redraw an instance whose bounding box overlaps an instance placed before it in the
    /// frame by any group that also avoids overlap, up to `max_trials` draws (objects of
    /// other groups, such as a ground plane, are no obstacle).
    #[serde(default)]
    pub avoid_overlap: bool,
    /// Draws of an instance's pose before its placement is reported as impossible.
    #[serde(default = "default_max_trials")]
    pub max_trials: u32,
    /// Rotation as X, Y, Z angles in degrees, applied about the world axes in that order
    /// (R = Rz · Ry · Rx); the same as `rotation: {"euler_deg": ..}` (exclusive with
    /// `rotation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_deg: Option<Vec3Dist>,
    /// Rotation, any [`RotationDist`] form (exclusive with `rotation_deg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationDist>,
    /// Uniform scale factor.
    #[serde(default = "unit_scale")]
    pub scale: Scalar,
    /// Per-instance material randomization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<material::MaterialSpec>,
}

fn unit_scale() -> Scalar {
    Scalar::Const(1.0)
}

fn default_max_trials() -> u32 {
    100
}

/// Where instances go, when that depends on their bounds or on the camera.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum PlacementSpec {
    /// Resting on the horizontal plane `y = height`: the instance's lowest bounding-box
    /// corner touches it; `x` and `z` place its bounding-box centre. The rotation defaults
    /// to a uniform yaw.
    OnPlane {
        /// Height of the plane, metres.
        #[serde(default = "zero")]
        height: Scalar,
        /// x of the bounding-box centre.
        x: Scalar,
        /// z of the bounding-box centre.
        z: Scalar,
    },
    /// Inside the camera's view: the bounding-box centre on the ray through a uniformly
    /// drawn pixel, at a drawn distance along the optical axis; an instance whose box
    /// does not project wholly inside the image (less `margin_px`) is drawn again.
    InFrustum {
        /// Depth of the bounding-box centre along the optical axis, metres.
        distance: Scalar,
        /// Keep the box this many pixels inside the image border.
        #[serde(default)]
        margin_px: f64,
    },
}

impl ObjectSpec {
    /// The rotation distribution, whichever field gave it (identity when none did, a
    /// uniform yaw on a plane).
    pub fn rotation_dist(&self) -> RotationDist {
        match (&self.rotation, &self.rotation_deg, &self.placement) {
            (Some(r), _, _) => r.clone(),
            (None, Some(e), _) => RotationDist::EulerDeg(e.clone()),
            (None, None, Some(PlacementSpec::OnPlane { .. })) => RotationDist::AxisAngle {
                axis: Direction::Vector(Vec3Dist::Const([0.0, 1.0, 0.0])),
                angle_deg: full_turn(),
            },
            (None, None, _) => RotationDist::default(),
        }
    }

    /// Whether placing this group needs its assets' bounding boxes.
    pub fn needs_bounds(&self) -> bool {
        self.placement.is_some() || self.avoid_overlap
    }
}

impl Spec {
    /// Whether sampling needs the assets' bounding boxes (bounds-aware placement or
    /// overlap avoidance): [`crate::randomize::sample_frame_in`] then needs them.
    pub fn needs_asset_bounds(&self) -> bool {
        self.objects.iter().any(ObjectSpec::needs_bounds)
    }
}

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
            png_compression: PngCompression::Fast,
        }
    }
}

/// One problem found in a spec, located by JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecIssue {
    /// JSON path of the field, e.g. `objects[2].position`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("{file}: cannot read the spec: {source}")]
    Read {
        /// The spec file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// JSON syntax or type error (serde stops at the first).
    #[error("{file}:{line}:{column}: {path}: {message}")]
    Parse {
        /// The spec file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON path of the offending field (`.` for the whole document).
        path: String,
        /// What serde said.
        message: String,
    },
    /// Semantic problems, all of them at once.
    #[error("{file}: invalid spec:\n{}", list(.issues))]
    Invalid {
        /// The spec file.
        file: PathBuf,
        /// Each problem with its path.
        issues: Vec<SpecIssue>,
    },
}

fn list(issues: &[SpecIssue]) -> String {
    issues
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A spec read from a file, with the folder its relative asset paths resolve against.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The parsed, validated spec.
    pub spec: Spec,
    /// The spec file.
    pub file: PathBuf,
    /// The exact bytes of the spec file (hashed into the manifest).
    pub bytes: Vec<u8>,
    /// Every image of the spec's image-texture pools, in layer order.
    pub texture_pool: Vec<PathBuf>,
}

/// Lists each image pool's directory (resolved against `folder`), records its files and
/// first layer in the spec, and returns all files in layer order. A missing or empty
/// directory is an issue at the pool's path.
fn attach_image_pools(spec: &mut Spec, folder: &Path, issues: &mut Vec<SpecIssue>) -> Vec<PathBuf> {
    let mut pool: Vec<PathBuf> = Vec::new();
    let mut attach = |path: &str, images: &mut material::ImagesSpec| {
        let dir = if images.dir.is_absolute() {
            images.dir.clone()
        } else {
            folder.join(&images.dir)
        };
        let listed = std::fs::read_dir(&dir).map(|entries| {
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")
                        })
                })
                .collect();
            files.sort();
            files
        });
        match listed {
            Err(e) => issues.push(SpecIssue {
                path: path.to_owned(),
                message: format!("cannot read directory {}: {e}", dir.display()),
            }),
            Ok(files) if files.is_empty() => issues.push(SpecIssue {
                path: path.to_owned(),
                message: format!("{} holds no .png, .jpg or .jpeg images", dir.display()),
            }),
            Ok(files) => {
                images.first_layer = pool.len() as u32;
                pool.extend(files.iter().cloned());
                images.files = files;
            }
        }
    };
    for (i, o) in spec.objects.iter_mut().enumerate() {
        if let Some(t) = o.material.as_mut().and_then(|m| m.texture.as_mut()) {
            t.for_each_image_pool(&format!("objects[{i}].material.texture"), &mut attach);
        }
    }
    if let Some(t) = spec.background.texture.as_mut() {
        t.for_each_image_pool("background.texture", &mut attach);
    }
    pool
}

impl LoadedSpec {
    /// Reads, parses and validates a spec file.
    pub fn from_file(file: &Path) -> Result<Self, SpecError> {
        let bytes = std::fs::read(file).map_err(|source| SpecError::Read {
            file: file.to_owned(),
            source,
        })?;
        let mut spec = parse(&bytes, file)?;
        let mut issues = validate(&spec);
        let folder = file.parent().unwrap_or(Path::new(""));
        let texture_pool = attach_image_pools(&mut spec, folder, &mut issues);
        if !issues.is_empty() {
            return Err(SpecError::Invalid {
                file: file.to_owned(),
                issues,
            });
        }
        Ok(Self {
            spec,
            file: file.to_owned(),
            bytes,
            texture_pool,
        })
    }

    /// The file an asset path refers to: relative paths resolve against the spec's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.file.parent().unwrap_or(Path::new("")).join(path)
        }
    }
}

/// Parses spec JSON; the error names the line, column and JSON path.
pub fn parse(bytes: &[u8], file: &Path) -> Result<Spec, SpecError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<Spec, _> = serde_path_to_error::deserialize(&mut de);
    let spec = result.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        SpecError::Parse {
            file: file.to_owned(),
            line: inner.line(),
            column: inner.column(),
            path,
            message: strip_position(&inner.to_string()),
        }
    })?;
    de.end().map_err(|e| SpecError::Parse {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        path: ".".into(),
        message: strip_position(&e.to_string()),
    })?;
    Ok(spec)
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Semantic checks; returns every problem found, each with its JSON path.
pub fn validate(spec: &Spec) -> Vec<SpecIssue> {
    let mut issues = Vec::new();
    let mut bad = |path: String, message: String| issues.push(SpecIssue { path, message });

    if !(OLDEST_SPEC_VERSION..=SPEC_VERSION).contains(&spec.version) {
        bad(
            "version".into(),
            format!(
                "this synthvis reads spec versions {OLDEST_SPEC_VERSION} to {SPEC_VERSION}, found {}: \
                 the spec was written for a newer synthvis; upgrade synthvis to render it",
                spec.version
            ),
        );
    }
    if spec.frames == 0 {
        bad("frames".into(), "must be at least 1".into());
    }
    for (name, v) in [
        ("width", spec.resolution.width),
        ("height", spec.resolution.height),
    ] {
        if v == 0 || v > MAX_RESOLUTION {
            bad(
                format!("resolution.{name}"),
                format!("must be in 1..={MAX_RESOLUTION}, found {v}"),
            );
        }
    }

    check_camera(&spec.camera, &mut bad);

    let mut category_names = HashSet::new();
    for (i, c) in spec.categories.iter().enumerate() {
        if c.name.is_empty() {
            bad(format!("categories[{i}].name"), "must not be empty".into());
        } else if !category_names.insert(c.name.as_str()) {
            bad(
                format!("categories[{i}].name"),
                format!("duplicate category `{}`", c.name),
            );
        }
    }
    if spec.categories.len() > usize::from(u16::MAX) {
        bad(
            "categories".into(),
            "at most 65535 categories (16-bit class images)".into(),
        );
    }

    let mut asset_names = HashSet::new();
    for (i, a) in spec.assets.iter().enumerate() {
        if !asset_names.insert(a.name.as_str()) {
            bad(
                format!("assets[{i}].name"),
                format!("duplicate asset `{}`", a.name),
            );
        }
        match (&a.path, &a.primitive) {
            (Some(_), Some(_)) => bad(
                format!("assets[{i}]"),
                "give either `path` or `primitive`, not both".into(),
            ),
            (None, None) => bad(
                format!("assets[{i}]"),
                "give `path` (a glTF file) or `primitive` (cube, sphere, cylinder, cone, torus, plane)".into(),
            ),
            _ => {}
        }
        if let Some(d) = a.normalize_diagonal
            && !(d > 0.0 && d.is_finite())
        {
            bad(
                format!("assets[{i}].normalize_diagonal"),
                format!("must be a positive length in metres, found {d}"),
            );
        }
        if let Some(cat) = &a.category
            && !category_names.contains(cat.as_str())
        {
            bad(
                format!("assets[{i}].category"),
                format!(
                    "unknown category `{cat}`; categories are {}",
                    names(spec.categories.iter().map(|c| &c.name))
                ),
            );
        }
    }

    let mut instances: u64 = 0;
    for (i, o) in spec.objects.iter().enumerate() {
        let path = |field: &str| format!("objects[{i}].{field}");
        match &o.asset {
            AssetChoice::Named(choice) => {
                choice.check(&path("asset"), &mut bad);
                for name in &choice.values {
                    if !asset_names.contains(name.as_str()) {
                        bad(
                            path("asset"),
                            format!(
                                "unknown asset `{name}`; assets are {}",
                                names(spec.assets.iter().map(|a| &a.name))
                            ),
                        );
                    }
                }
            }
            AssetChoice::Category(cat) => {
                if !category_names.contains(cat.as_str()) {
                    bad(
                        path("asset.category"),
                        format!(
                            "unknown category `{cat}`; categories are {}",
                            names(spec.categories.iter().map(|c| &c.name))
                        ),
                    );
                } else if o.asset.candidates(&spec.assets).is_empty() {
                    bad(
                        path("asset.category"),
                        format!("no asset has category `{cat}`"),
                    );
                }
            }
        }
        o.count.check(&path("count"), &mut bad);
        instances += u64::from(o.count.max());
        match (&o.position, &o.placement) {
            (Some(_), Some(_)) => bad(
                path("placement"),
                "give either `position` or `placement`, not both".into(),
            ),
            (None, None) => bad(
                format!("objects[{i}]"),
                "give `position` or `placement`".into(),
            ),
            (Some(p), None) => p.check(&path("position"), &mut bad),
            (None, Some(PlacementSpec::OnPlane { height, x, z })) => {
                height.check(&path("placement.on_plane.height"), &mut bad);
                x.check(&path("placement.on_plane.x"), &mut bad);
                z.check(&path("placement.on_plane.z"), &mut bad);
            }
            (
                None,
                Some(PlacementSpec::InFrustum {
                    distance,
                    margin_px,
                }),
            ) => {
                let p = path("placement.in_frustum.distance");
                distance.check(&p, &mut bad);
                let (lo, hi) = distance.bounds();
                if lo <= spec.camera.near || hi >= spec.camera.far {
                    bad(
                        p,
                        format!(
                            "must lie between the camera's near and far planes ({}, {}), found [{lo}, {hi}]",
                            spec.camera.near, spec.camera.far
                        ),
                    );
                }
                let limit = f64::from(spec.resolution.width.min(spec.resolution.height)) / 2.0;
                if !(0.0..limit).contains(margin_px) {
                    bad(
                        path("placement.in_frustum.margin_px"),
                        format!("must lie in [0, {limit}) pixels, found {margin_px}"),
                    );
                }
            }
        }
        if let Some(m) = &o.material {
            m.check(&path("material"), &mut bad);
        }
        if o.max_trials == 0 {
            bad(path("max_trials"), "must be at least 1".into());
        }
        if o.rotation.is_some() && o.rotation_deg.is_some() {
            bad(
                path("rotation"),
                "give either `rotation` or `rotation_deg`, not both".into(),
            );
        }
        if let Some(r) = &o.rotation_deg {
            r.check(&path("rotation_deg"), &mut bad);
        }
        if let Some(r) = &o.rotation {
            r.check(&path("rotation"), &mut bad);
        }
        o.scale.check(&path("scale"), &mut bad);
        if o.scale.bounds().0 <= 0.0 {
            bad(
                path("scale"),
                format!(
                    "must be positive; this distribution reaches {}",
                    o.scale.bounds().0
                ),
            );
        }
    }
    if instances > u64::from(u16::MAX) {
        bad(
            "objects".into(),
            format!(
                "up to {instances} instances a frame; at most 65535 fit 16-bit instance images"
            ),
        );
    }

    let mut lights: u64 = 0;
    for (i, l) in spec.lights.iter().enumerate() {
        let path = |field: &str| format!("lights[{i}].{field}");
        l.count().check(&path("count"), &mut bad);
        lights += u64::from(l.count().max());
        let (color, intensity) = l.color_intensity();
        color.check(&path("color"), &mut bad);
        check_non_negative(intensity, &path("intensity"), &mut bad);
        match l {
            LightSpec::Directional { direction, .. } => {
                direction.check(&path("direction"), &mut bad);
            }
            LightSpec::Point { position, .. } => position.check(&path("position"), &mut bad),
            LightSpec::Spot {
                position,
                direction,
                inner_cone_deg,
                outer_cone_deg,
                ..
            } => {
                position.check(&path("position"), &mut bad);
                direction.check(&path("direction"), &mut bad);
                inner_cone_deg.check(&path("inner_cone_deg"), &mut bad);
                outer_cone_deg.check(&path("outer_cone_deg"), &mut bad);
                let (inner, outer) = (inner_cone_deg.bounds(), outer_cone_deg.bounds());
                if inner.0 < 0.0 || outer.1 > 90.0 || outer.0 <= 0.0 {
                    bad(
                        path("outer_cone_deg"),
                        format!(
                            "cone angles must lie in 0 <= inner < outer <= 90 degrees, found inner [{}, {}], outer [{}, {}]",
                            inner.0, inner.1, outer.0, outer.1
                        ),
                    );
                } else if inner.1 >= outer.0 {
                    bad(
                        path("inner_cone_deg"),
                        format!(
                            "must stay below outer_cone_deg: inner reaches {} and outer goes down to {}",
                            inner.1, outer.0
                        ),
                    );
                }
            }
        }
    }
    if lights > MAX_LIGHTS as u64 {
        bad(
            "lights".into(),
            format!("up to {lights} lights a frame; at most {MAX_LIGHTS}"),
        );
    }
    spec.ambient.color.check("ambient.color", &mut bad);
    check_non_negative(&spec.ambient.intensity, "ambient.intensity", &mut bad);
    spec.background.color.check("background.color", &mut bad);
    if let Some(t) = &spec.background.texture {
        t.check("background.texture", &mut bad);
    }
    issues
}

fn check_camera(cam: &CameraSpec, bad: &mut impl FnMut(String, String)) {
    match (&cam.fov_y_deg, &cam.intrinsics) {
        (Some(_), Some(_)) => bad(
            "camera".into(),
            "give either `fov_y_deg` or `intrinsics`, not both".into(),
        ),
        (None, None) => bad("camera".into(), "give `fov_y_deg` or `intrinsics`".into()),
        (Some(fov), None) => {
            fov.check("camera.fov_y_deg", bad);
            let (lo, hi) = fov.bounds();
            if !(lo > 0.0 && hi < 180.0) {
                bad(
                    "camera.fov_y_deg".into(),
                    format!("must lie in (0, 180) degrees, found [{lo}, {hi}]"),
                );
            }
        }
        (None, Some(k)) => {
            for (name, v) in [("fx", &k.fx), ("fy", &k.fy), ("cx", &k.cx), ("cy", &k.cy)] {
                v.check(&format!("camera.intrinsics.{name}"), bad);
            }
            for (name, v) in [("fx", &k.fx), ("fy", &k.fy)] {
                if v.bounds().0 <= 0.0 {
                    bad(
                        format!("camera.intrinsics.{name}"),
                        "must be positive".into(),
                    );
                }
            }
        }
    }
    if !(cam.near > 0.0 && cam.far > cam.near && cam.far.is_finite()) {
        bad(
            "camera.near".into(),
            format!(
                "need 0 < near < far, found near {} and far {}",
                cam.near, cam.far
            ),
        );
    }
    match (&cam.position, &cam.orbit) {
        (Some(_), Some(_)) => bad(
            "camera".into(),
            "give either `position` or `orbit`, not both".into(),
        ),
        (None, None) => bad("camera".into(), "give `position` or `orbit`".into()),
        (Some(p), None) => p.check("camera.position", bad),
        (None, Some(o)) => {
            o.target.check("camera.orbit.target", bad);
            o.distance.check("camera.orbit.distance", bad);
            if o.distance.bounds().0 <= 0.0 {
                bad("camera.orbit.distance".into(), "must be positive".into());
            }
            o.elevation_deg.check("camera.orbit.elevation_deg", bad);
            let (lo, hi) = o.elevation_deg.bounds();
            if lo < -90.0 || hi > 90.0 {
                bad(
                    "camera.orbit.elevation_deg".into(),
                    format!("must lie in [-90, 90] degrees, found [{lo}, {hi}]"),
                );
            }
            o.azimuth_deg.check("camera.orbit.azimuth_deg", bad);
        }
    }
    if let Some(l) = &cam.look_at {
        l.check("camera.look_at", bad);
    }
    cam.roll_deg.check("camera.roll_deg", bad);
    if let Some(ev) = &cam.exposure_ev100 {
        ev.check("camera.exposure_ev100", bad);
        let (lo, hi) = ev.bounds();
        if lo < -10.0 || hi > 25.0 {
            bad(
                "camera.exposure_ev100".into(),
                format!("must lie in [-10, 25], found [{lo}, {hi}]"),
            );
        }
    }
    if cam.up.iter().any(|c| !c.is_finite()) || cam.up.iter().all(|c| *c == 0.0) {
        bad(
            "camera.up".into(),
            "must be a finite, non-zero vector".into(),
        );
    }
    let look_at = cam.look_at.clone().unwrap_or(Vec3Dist::Const([0.0; 3]));
    if let (Some(Vec3Dist::Const(p)), Vec3Dist::Const(t)) = (&cam.position, look_at) {
        let forward = [t[0] - p[0], t[1] - p[1], t[2] - p[2]];
        if forward.iter().all(|c| *c == 0.0) {
            bad(
                "camera.look_at".into(),
                "must differ from camera.position".into(),
            );
        } else if cross(forward, cam.up).iter().all(|c| c.abs() < 1e-12) {
            bad(
                "camera.up".into(),
                "is parallel to the viewing direction".into(),
            );
        }
    }
}

fn check_non_negative(s: &Scalar, path: &str, bad: &mut impl FnMut(String, String)) {
    s.check(path, bad);
    if s.bounds().0 < 0.0 {
        bad(
            path.into(),
            format!(
                "must not be negative; this distribution reaches {}",
                s.bounds().0
            ),
        );
    }
}

/// Largest accepted image side.
pub const MAX_RESOLUTION: u32 = 16384;
/// Most lights a frame can hold (the shader's fixed array).
pub const MAX_LIGHTS: usize = 8;

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = it.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

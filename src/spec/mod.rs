//! The scene spec: what a user writes (JSON), parsed and validated once.
//!
//! Conventions: metres; angles in degrees; world frame is glTF's (+Y up, right-handed);
//! colours are sRGB in `[0, 1]`. Unknown fields are rejected everywhere. Every error
//! names the spec file and the JSON path of the field (`objects[2].position`), and syntax
//! errors also the line and column.

pub mod dist;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use dist::{Scalar, Vec3Dist};

/// The spec format version this build reads.
pub const SPEC_VERSION: u32 = 0;

/// A whole scene spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version; must be [`SPEC_VERSION`].
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
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Pinhole intrinsics in pixels; pixel centres lie at half-integer coordinates, so
/// the image centre of a W×H image is (W/2, H/2).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntrinsicsSpec {
    /// Focal length along x, pixels.
    pub fx: f64,
    /// Focal length along y, pixels.
    pub fy: f64,
    /// Principal point x, pixels.
    pub cx: f64,
    /// Principal point y, pixels.
    pub cy: f64,
}

/// The camera: a pinhole from a vertical field of view or from intrinsics, posed by
/// look-at.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Camera position in world coordinates.
    pub position: Vec3Dist,
    /// The point the optical axis goes through.
    #[serde(default = "origin")]
    pub look_at: Vec3Dist,
    /// World direction that appears up in the image.
    #[serde(default = "y_up")]
    pub up: [f64; 3],
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    /// Name objects use to refer to it (unique).
    pub name: String,
    /// `.gltf` or `.glb` file; relative paths resolve against the spec's folder.
    pub path: PathBuf,
    /// Category of its instances; none means unlabeled (instance id 0, no annotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Rescale the asset so its bounding-box diagonal is this many metres, re-centred on
    /// the box centre (real assets come in any unit and with any origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize_diagonal: Option<f64>,
}

/// A group of identical-distribution object instances.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    /// Name of the asset to place.
    pub asset: String,
    /// How many instances each frame.
    #[serde(default = "default_count")]
    pub count: u32,
    /// World position of the asset's origin.
    pub position: Vec3Dist,
    /// Rotation as X, Y, Z angles in degrees, applied about the world axes in that order
    /// (R = Rz · Ry · Rx).
    #[serde(default = "zero_angles")]
    pub rotation_deg: Vec3Dist,
    /// Uniform scale factor.
    #[serde(default = "unit_scale")]
    pub scale: Scalar,
}

fn default_count() -> u32 {
    1
}
fn zero_angles() -> Vec3Dist {
    Vec3Dist::Const([0.0; 3])
}
fn unit_scale() -> Scalar {
    Scalar::Const(1.0)
}

/// A light source. Intensity is linear irradiance (directional) or intensity over
/// squared distance (point): 1.0 lights a white matte surface facing it to 1/π.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "type", rename_all = "lowercase")]
pub enum LightSpec {
    /// Parallel light travelling along `direction`.
    Directional {
        /// Direction the light travels (from the light towards the scene).
        direction: Vec3Dist,
        /// sRGB colour.
        #[serde(default = "white")]
        color: [f64; 3],
        /// Intensity.
        #[serde(default = "unit_scale")]
        intensity: Scalar,
    },
    /// Light radiating from a point.
    Point {
        /// World position.
        position: Vec3Dist,
        /// sRGB colour.
        #[serde(default = "white")]
        color: [f64; 3],
        /// Intensity (falls off with the squared distance).
        #[serde(default = "unit_scale")]
        intensity: Scalar,
    },
}

fn white() -> [f64; 3] {
    [1.0; 3]
}

/// Light arriving equally from everywhere.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmbientSpec {
    /// sRGB colour.
    #[serde(default = "white")]
    pub color: [f64; 3],
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
            color: white(),
            intensity: default_ambient(),
        }
    }
}

/// The background.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    /// sRGB colour.
    #[serde(default = "grey")]
    pub color: [f64; 3],
}

fn grey() -> [f64; 3] {
    [0.5; 3]
}

impl Default for BackgroundSpec {
    fn default() -> Self {
        Self { color: grey() }
    }
}

/// PNG compression effort.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

impl LoadedSpec {
    /// Reads, parses and validates a spec file.
    pub fn from_file(file: &Path) -> Result<Self, SpecError> {
        let bytes = std::fs::read(file).map_err(|source| SpecError::Read {
            file: file.to_owned(),
            source,
        })?;
        let spec = parse(&bytes, file)?;
        let issues = validate(&spec);
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

    if spec.version != SPEC_VERSION {
        bad(
            "version".into(),
            format!(
                "this synthvis reads spec version {SPEC_VERSION}, found {}",
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

    let cam = &spec.camera;
    match (&cam.fov_y_deg, &cam.intrinsics) {
        (Some(_), Some(_)) => bad(
            "camera".into(),
            "give either `fov_y_deg` or `intrinsics`, not both".into(),
        ),
        (None, None) => bad("camera".into(), "give `fov_y_deg` or `intrinsics`".into()),
        (Some(fov), None) => {
            check_scalar(fov, "camera.fov_y_deg", &mut bad);
            let (lo, hi) = fov.bounds();
            if !(lo > 0.0 && hi < 180.0) {
                bad(
                    "camera.fov_y_deg".into(),
                    format!("must lie in (0, 180) degrees, found [{lo}, {hi}]"),
                );
            }
        }
        (None, Some(k)) => {
            if !(k.fx > 0.0 && k.fy > 0.0) {
                bad(
                    "camera.intrinsics".into(),
                    "fx and fy must be positive".into(),
                );
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
    check_vec3(&cam.position, "camera.position", &mut bad);
    check_vec3(&cam.look_at, "camera.look_at", &mut bad);
    if cam.up.iter().all(|c| *c == 0.0) {
        bad("camera.up".into(), "must not be the zero vector".into());
    }
    if let (Vec3Dist::Const(p), Vec3Dist::Const(t)) = (cam.position, cam.look_at) {
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
        if !asset_names.contains(o.asset.as_str()) {
            bad(
                format!("objects[{i}].asset"),
                format!(
                    "unknown asset `{}`; assets are {}",
                    o.asset,
                    names(spec.assets.iter().map(|a| &a.name))
                ),
            );
        }
        instances += u64::from(o.count);
        check_vec3(&o.position, &format!("objects[{i}].position"), &mut bad);
        check_vec3(
            &o.rotation_deg,
            &format!("objects[{i}].rotation_deg"),
            &mut bad,
        );
        check_scalar(&o.scale, &format!("objects[{i}].scale"), &mut bad);
        if o.scale.bounds().0 <= 0.0 {
            bad(format!("objects[{i}].scale"), "must be positive".into());
        }
    }
    if instances > u64::from(u16::MAX) {
        bad(
            "objects".into(),
            format!("{instances} instances a frame; at most 65535 fit 16-bit instance images"),
        );
    }

    for (i, l) in spec.lights.iter().enumerate() {
        let (color, intensity) = match l {
            LightSpec::Directional {
                direction,
                color,
                intensity,
            } => {
                check_vec3(direction, &format!("lights[{i}].direction"), &mut bad);
                if let Vec3Dist::Const(d) = direction
                    && d.iter().all(|c| *c == 0.0)
                {
                    bad(
                        format!("lights[{i}].direction"),
                        "must not be the zero vector".into(),
                    );
                }
                (color, intensity)
            }
            LightSpec::Point {
                position,
                color,
                intensity,
            } => {
                check_vec3(position, &format!("lights[{i}].position"), &mut bad);
                (color, intensity)
            }
        };
        check_color(color, &format!("lights[{i}].color"), &mut bad);
        check_scalar(intensity, &format!("lights[{i}].intensity"), &mut bad);
        if intensity.bounds().0 < 0.0 {
            bad(
                format!("lights[{i}].intensity"),
                "must not be negative".into(),
            );
        }
    }
    if spec.lights.len() > MAX_LIGHTS {
        bad(
            "lights".into(),
            format!("at most {MAX_LIGHTS} lights, found {}", spec.lights.len()),
        );
    }
    check_color(&spec.ambient.color, "ambient.color", &mut bad);
    check_scalar(&spec.ambient.intensity, "ambient.intensity", &mut bad);
    if spec.ambient.intensity.bounds().0 < 0.0 {
        bad("ambient.intensity".into(), "must not be negative".into());
    }
    check_color(&spec.background.color, "background.color", &mut bad);
    issues
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

fn check_scalar(s: &Scalar, path: &str, bad: &mut impl FnMut(String, String)) {
    let (lo, hi) = s.bounds();
    if !(lo.is_finite() && hi.is_finite()) {
        bad(path.into(), "must be finite".into());
    } else if lo > hi {
        bad(path.into(), format!("min > max ({lo} > {hi})"));
    }
}

fn check_vec3(v: &Vec3Dist, path: &str, bad: &mut impl FnMut(String, String)) {
    let (lo, hi) = v.bounds();
    for axis in 0..3 {
        if !(lo[axis].is_finite() && hi[axis].is_finite()) {
            bad(path.into(), "must be finite".into());
            return;
        }
        if lo[axis] > hi[axis] {
            let name = ["x", "y", "z"][axis];
            bad(
                path.into(),
                format!("min > max on {name} ({} > {})", lo[axis], hi[axis]),
            );
        }
    }
}

fn check_color(c: &[f64; 3], path: &str, bad: &mut impl FnMut(String, String)) {
    if c.iter().any(|v| !(0.0..=1.0).contains(v)) {
        bad(
            path.into(),
            format!("sRGB components must lie in [0, 1], found {c:?}"),
        );
    }
}

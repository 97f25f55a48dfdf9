//! Categories, assets and object groups: what is drawn, which asset each instance is,
//! where it goes and how it is turned, scaled and coloured.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{
    Choice, Count, Direction, RotationDist, Scalar, Vec3Dist, dist, full_turn, material,
    unit_scale, zero,
};

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

/// An asset: a mesh file (glTF, OBJ, PLY or STL) or a built-in shape.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    /// Name objects use to refer to it (unique).
    pub name: String,
    /// `.gltf`, `.glb`, `.obj`, `.ply` or `.stl` file; relative paths resolve against the spec's
    /// folder (exclusive with `primitive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// A built-in shape instead of a file (exclusive with `path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primitive: Option<crate::primitives::PrimitiveKind>,
    /// A folder of mesh files: the entry stands for one asset per file that `pattern`
    /// matches, named `NAME/RELATIVE_PATH` (less the extension), in path order; objects
    /// that name the entry draw any of them, equally likely (see [`super::folders`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Which files of `dir` (a glob relative to it: `*/textured.obj`, `**/*.ply`); every
    /// `.gltf`, `.glb`, `.obj`, `.ply` and `.stl` file directly in `dir` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A BOP dataset's `models` folder: one asset per object of its `models_info.json`
    /// (`obj_NNNNNN.ply`, millimetres unless `units` says otherwise), named
    /// `NAME/obj_NNNNNN`, each of category `obj_NNNNNN` with category id = BOP object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bop_models: Option<PathBuf>,
    /// The object id `export bop` gives this asset (default: its index in `assets` + 1);
    /// set for each asset of a `bop_models` entry to its BOP object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bop_id: Option<u32>,
    /// The asset's licence: an SPDX identifier or expression (`CC-BY-4.0`) or the
    /// licence's name; when absent, a licence file beside the mesh is read (see
    /// [`crate::assets::license`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Where the licence's terms are (default: the SPDX page of an SPDX identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_url: Option<String>,
    /// Who to credit: author, copyright holder, source (default: a `.license` file's
    /// copyright line, else glTF's `asset.copyright`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Category of its instances; none means unlabeled (instance id 0, no annotation).
    /// On a `dir` entry also `"from_folder"` (the name of the folder under `dir` holding
    /// the file) or `"from_file"` (the file name less its extension); such categories
    /// are added to `categories` when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Rescale the asset so its bounding-box diagonal is this many metres, re-centred on
    /// the box centre (real assets come in any unit and with any origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalize_diagonal: Option<f64>,
    /// The file's length unit: `"m"` (the default), `"cm"`, `"mm"`, or metres per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
    /// The file's up axis: `"y"` (glTF's, the default) or `"z"` (most CAD exports and BOP
    /// models), turned to +Y by a quarter turn about +X (the file's +Y becomes -Z).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<UpAxis>,
    /// How its instances collide when the spec drops objects (default `auto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collider: Option<super::ColliderKind>,
    /// V-HACD settings, with `collider: decomposition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decomposition: Option<super::DecompositionSpec>,
}

/// An asset file's length unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Units {
    /// A named unit.
    Named(UnitName),
    /// Metres per file unit.
    Metres(f64),
}

/// A named length unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum UnitName {
    /// Metres.
    #[serde(rename = "m")]
    Metre,
    /// Centimetres.
    #[serde(rename = "cm")]
    Centimetre,
    /// Millimetres.
    #[serde(rename = "mm")]
    Millimetre,
}

impl Units {
    /// Metres per file unit.
    pub fn metres(self) -> f64 {
        match self {
            Units::Named(UnitName::Metre) => 1.0,
            Units::Named(UnitName::Centimetre) => 0.01,
            Units::Named(UnitName::Millimetre) => 0.001,
            Units::Metres(m) => m,
        }
    }
}

/// An asset file's up axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpAxis {
    /// +Y up (glTF).
    Y,
    /// +Z up.
    Z,
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
    /// other groups, such as a ground plane, are no obstacle). Implied by `drop`: a
    /// simulation starts from poses apart.
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
    /// Drop the instances from their placed poses and let them settle (rapier3d; the
    /// spec's `physics` says how), each value drawn per instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<super::DropSpec>,
    /// The size of each instance of a built-in bin, tray, shelf or table, drawn per
    /// instance (every asset the group draws must be one of those).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<ShapeSpec>,
    /// How each instance moves during a sequence (version 3; needs a `sequence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<super::ObjectMotionSpec>,
    /// Tossed with a drawn velocity and simulated through the sequence (version 3; needs
    /// a `sequence`; exclusive with `drop` and `motion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toss: Option<super::TossSpec>,
}

/// An object group's `shape`: the outer size and wall (board, top) thickness of each
/// built-in container or surface it places; absent values keep the primitive's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShapeSpec {
    /// Outer width (x), height (y, a bin's wall height) and depth (z), metres, 0.02 to
    /// 100 each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Vec3Dist>,
    /// Thickness of the walls and floor (bin, tray), boards (shelf) or top (table),
    /// metres: above 0 and under a quarter of every side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thickness: Option<Scalar>,
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

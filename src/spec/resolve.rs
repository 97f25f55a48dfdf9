//! The spec resolved for sampling. Asset and category names become indices once, and every
//! "give either this or that" pair of fields becomes an enum, so per-frame code looks
//! nothing up by name and meets no state that validation should have excluded.

use super::camera::{IntrinsicsSpec, OrbitSpec};
use super::lights::{AmbientSpec, LightSpec};
use super::material::MaterialSpec;
use super::objects::{AssetChoice, ObjectSpec, PlacementSpec};
use super::{
    BackgroundSpec, Choice, Count, Resolution, RotationDist, Scalar, Spec, SpecIssue, Vec3Dist,
};

/// A validated spec, ready for [`crate::randomize`].
#[derive(Debug, Clone)]
pub struct ResolvedSpec {
    /// Image size.
    pub resolution: Resolution,
    /// The camera.
    pub camera: ResolvedCamera,
    /// The assets in spec order (the index is the asset handle).
    pub assets: Vec<ResolvedAsset>,
    /// Object groups in placement order.
    pub groups: Vec<ObjectGroup>,
    /// Light entries.
    pub lights: Vec<LightSpec>,
    /// Each light entry's shadow settings: its own over `render.shadows` over the
    /// preset's.
    pub light_shadows: Vec<super::ShadowSpec>,
    /// The look.
    pub render: super::RenderSettings,
    /// The simulation of dropped groups.
    pub physics: super::PhysicsSettings,
    /// Ambient light.
    pub ambient: AmbientSpec,
    /// Background.
    pub background: BackgroundSpec,
    /// Which instances become COCO annotations, and what else is labeled.
    pub labels: super::LabelOptions,
    /// Steps per sequence and their rate, when frames are sequences.
    pub sequence: Option<super::SequenceSpec>,
    /// The cameras of a rig on the camera (empty: the camera alone).
    pub rig: Vec<RigCamera>,
    /// The baseline when the rig is a stereo pair.
    pub stereo_baseline: Option<f64>,
}

/// One camera of a rig, resolved.
#[derive(Debug, Clone)]
pub struct RigCamera {
    /// Its name.
    pub name: String,
    /// Optical centre in the rig's frame, metres.
    pub position: [f64; 3],
    /// Turn relative to the rig, degrees about x, y, z.
    pub rotation_deg: [f64; 3],
    /// Its own lens; none: the rig's, as drawn.
    pub lens: Option<Lens>,
}

/// An asset with its category resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAsset {
    /// Asset name.
    pub name: String,
    /// Category name; none for unlabeled assets.
    pub category: Option<String>,
    /// Category id (1-based, spec order); 0 for unlabeled assets.
    pub category_id: u16,
    /// The built-in shape it is, if any.
    pub primitive: Option<crate::primitives::PrimitiveKind>,
}

/// How the camera maps the scene to pixels.
#[derive(Debug, Clone)]
pub enum Lens {
    /// A vertical field of view in degrees, principal point at the image centre.
    FovY(Scalar),
    /// Focal lengths and principal point in pixels, in the convention `origin` names.
    Intrinsics(IntrinsicsSpec, PixelOrigin),
}

/// Where a spec's pixel coordinates put the point (0, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelOrigin {
    /// At the centre of the top-left pixel (OpenCV, BOP): spec version 2 and later.
    PixelCentre,
    /// At the top-left corner of the image: spec versions 0 and 1.
    ImageCorner,
}

impl PixelOrigin {
    /// The convention of a spec of `version`.
    pub fn of_spec_version(version: u32) -> Self {
        if version >= 2 {
            PixelOrigin::PixelCentre
        } else {
            PixelOrigin::ImageCorner
        }
    }
}

/// Where the camera is.
#[derive(Debug, Clone)]
pub enum Viewpoint {
    /// A position in the world.
    Position(Vec3Dist),
    /// On a sphere around a target.
    Orbit(OrbitSpec),
}

/// The camera with its exclusive choices made.
#[derive(Debug, Clone)]
pub struct ResolvedCamera {
    /// Lens.
    pub lens: Lens,
    /// Viewpoint.
    pub viewpoint: Viewpoint,
    /// Look-at point; none: the orbit's target, or the origin.
    pub look_at: Option<Vec3Dist>,
    /// Roll about the optical axis, degrees.
    pub roll_deg: Scalar,
    /// Near plane, metres.
    pub near: f64,
    /// Far plane, metres.
    pub far: f64,
    /// World up before roll.
    pub up: [f64; 3],
    /// Exposure (EV100) when light units are physical.
    pub exposure_ev100: Option<Scalar>,
    /// How it moves during a sequence.
    pub motion: Option<super::CameraMotionSpec>,
}

/// Which asset an instance is, as asset indices.
#[derive(Debug, Clone)]
pub enum AssetPick {
    /// A (weighted) choice of named assets: one draw unless there is one.
    Named(Choice<usize>),
    /// Any asset of a category, equally likely: one draw unless there is one.
    Category(Vec<usize>),
}

impl AssetPick {
    /// Every asset index this can draw.
    pub fn candidates(&self) -> &[usize] {
        match self {
            AssetPick::Named(choice) => &choice.values,
            AssetPick::Category(candidates) => candidates,
        }
    }
}

/// Where a group's instances go.
#[derive(Debug, Clone)]
pub enum Placement {
    /// The asset's origin anywhere in a volume.
    Volume(Vec3Dist),
    /// Resting on a horizontal plane by the asset's bounds.
    OnPlane {
        /// Plane height.
        height: Scalar,
        /// x of the box centre.
        x: Scalar,
        /// z of the box centre.
        z: Scalar,
    },
    /// Inside the camera's view by the asset's bounds.
    InFrustum {
        /// Depth of the box centre.
        distance: Scalar,
        /// Margin from the image border, pixels.
        margin_px: f64,
    },
}

/// An object group with its assets resolved.
#[derive(Debug, Clone)]
pub struct ObjectGroup {
    /// Which asset each instance is.
    pub asset: AssetPick,
    /// Instances a frame.
    pub count: Count,
    /// Where they go.
    pub placement: Placement,
    /// How they are turned.
    pub rotation: RotationDist,
    /// Uniform scale.
    pub scale: Scalar,
    /// Redraw an instance whose box overlaps one placed before it.
    pub avoid_overlap: bool,
    /// Pose draws before a placement is impossible.
    pub max_trials: u32,
    /// Material randomization.
    pub material: Option<MaterialSpec>,
    /// Dropped and settled by the simulation.
    pub drop: Option<super::DropSettings>,
    /// Size of each built-in container or surface instance.
    pub shape: Option<super::objects::ShapeSpec>,
    /// How each instance moves during a sequence.
    pub motion: Option<super::ObjectMotionSpec>,
    /// Tossed and simulated through the sequence.
    pub toss: Option<super::TossSettings>,
}

impl ObjectGroup {
    /// Whether placing this group needs its assets' bounding boxes.
    pub fn needs_bounds(&self) -> bool {
        !matches!(self.placement, Placement::Volume(_))
            || self.avoid_overlap
            || self.drop.is_some()
            || self.toss.is_some()
    }
}

impl ResolvedSpec {
    /// Whether sampling needs the assets' bounding boxes (bounds-aware placement or
    /// overlap avoidance).
    pub fn needs_asset_bounds(&self) -> bool {
        self.groups.iter().any(ObjectGroup::needs_bounds)
    }

    /// Whether some group is dropped and simulated (sampling then wants the assets'
    /// colliders).
    pub fn simulates(&self) -> bool {
        self.groups
            .iter()
            .any(|g| g.drop.is_some() || (self.sequence.is_some() && g.toss.is_some()))
    }

    /// Which (sequence, step, camera) image `index` of a run is: camera
    /// `index % cameras` at step `(index / cameras) % steps` of sequence
    /// `index / (steps × cameras)`; (index, 0, 0) without a sequence.
    pub fn image_of(&self, index: u64) -> (u64, u32, u32) {
        let per = self.images_per_frame();
        let cameras = self.cameras();
        let within = index % per;
        // Both remainders are below a u32 (steps and cameras are validated).
        (
            index / per,
            (within / cameras) as u32,
            (within % cameras) as u32,
        )
    }

    /// Cameras filming each step: the rig's, else 1.
    pub fn cameras(&self) -> u64 {
        (self.rig.len() as u64).max(1)
    }

    /// Images per frame: a sequence's steps × its cameras, else 1 (see
    /// [`super::Spec::images_per_frame`]).
    pub fn images_per_frame(&self) -> u64 {
        self.sequence.map_or(1, |s| u64::from(s.steps)) * self.cameras()
    }
}

/// Resolves a validated spec. A name or choice that validation would have refused is
/// reported as an issue rather than assumed away.
pub fn resolve(spec: &Spec) -> Result<ResolvedSpec, Vec<SpecIssue>> {
    let mut issues = Vec::new();
    let mut issue = |path: String, message: &str| {
        issues.push(SpecIssue {
            path,
            message: message.to_owned(),
        })
    };
    let assets = spec
        .assets
        .iter()
        .map(|a| {
            let category_id = a.category.as_ref().map_or(0, |c| {
                let index = spec.categories.iter().position(|k| &k.name == c);
                // Validated: at most 65535 categories.
                index.map_or(0, |i| u16::try_from(i + 1).unwrap_or(u16::MAX))
            });
            ResolvedAsset {
                name: a.name.clone(),
                category: a.category.clone(),
                category_id,
                primitive: a.primitive,
            }
        })
        .collect();
    let camera = resolve_camera(spec, &mut issue);
    let render = spec.render.resolve(spec.version);
    let groups = spec
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| resolve_group(spec, i, o, &mut issue))
        .collect::<Vec<_>>();
    match (camera, groups.into_iter().collect::<Option<Vec<_>>>()) {
        (Some(camera), Some(groups)) if issues.is_empty() => Ok(ResolvedSpec {
            resolution: spec.resolution,
            camera,
            assets,
            groups,
            lights: spec.lights.clone(),
            light_shadows: spec
                .lights
                .iter()
                .map(|l| {
                    l.shadow()
                        .map_or(render.shadows.clone(), |s| s.over(&render.shadows))
                })
                .collect(),
            render,
            physics: spec.physics.clone().unwrap_or_default().resolve(),
            ambient: spec.ambient.clone(),
            background: spec.background.clone(),
            labels: super::LabelOptions {
                policy: spec.labels.policy(spec.version),
                keypoints: spec.labels.keypoints,
                amodal_masks: spec.outputs.amodal_masks,
            },
            sequence: spec.sequence,
            rig: resolve_rig(spec),
            stereo_baseline: spec.stereo.map(|s| s.baseline),
        }),
        _ => Err(issues),
    }
}

/// The rig's cameras: `cameras` as given, or `stereo`'s left and right.
fn resolve_rig(spec: &Spec) -> Vec<RigCamera> {
    let origin = PixelOrigin::of_spec_version(spec.version);
    match (&spec.cameras, &spec.stereo) {
        (Some(cameras), _) => cameras
            .iter()
            .map(|c| RigCamera {
                name: c.name.clone(),
                position: c.position,
                rotation_deg: c.rotation_deg,
                lens: match (&c.intrinsics, &c.fov_y_deg) {
                    (Some(k), _) => Some(Lens::Intrinsics(k.clone(), origin)),
                    (None, Some(fov)) => Some(Lens::FovY(fov.clone())),
                    (None, None) => None,
                },
            })
            .collect(),
        (None, Some(stereo)) => ["left", "right"]
            .iter()
            .zip([0.0, stereo.baseline])
            .map(|(name, x)| RigCamera {
                name: (*name).to_owned(),
                position: [x, 0.0, 0.0],
                rotation_deg: [0.0; 3],
                lens: None,
            })
            .collect(),
        (None, None) => Vec::new(),
    }
}

fn resolve_camera(spec: &Spec, issue: &mut impl FnMut(String, &str)) -> Option<ResolvedCamera> {
    let cam = &spec.camera;
    let lens = match (&cam.fov_y_deg, &cam.intrinsics) {
        (_, Some(k)) => Lens::Intrinsics(k.clone(), PixelOrigin::of_spec_version(spec.version)),
        (Some(fov), None) => Lens::FovY(fov.clone()),
        (None, None) => {
            issue("camera".into(), "give `fov_y_deg` or `intrinsics`");
            return None;
        }
    };
    let viewpoint = match (&cam.position, &cam.orbit) {
        (Some(p), _) => Viewpoint::Position(p.clone()),
        (None, Some(o)) => Viewpoint::Orbit(o.clone()),
        (None, None) => {
            issue("camera".into(), "give `position` or `orbit`");
            return None;
        }
    };
    Some(ResolvedCamera {
        lens,
        viewpoint,
        look_at: cam.look_at.clone(),
        roll_deg: cam.roll_deg.clone(),
        near: cam.near,
        far: cam.far,
        up: cam.up,
        exposure_ev100: cam.exposure_ev100.clone(),
        motion: cam.motion.clone(),
    })
}

fn resolve_group(
    spec: &Spec,
    i: usize,
    o: &ObjectSpec,
    issue: &mut impl FnMut(String, &str),
) -> Option<ObjectGroup> {
    let index_of = |name: &String| spec.assets.iter().position(|a| &a.name == name);
    let asset = match &o.asset {
        AssetChoice::Named(choice) => {
            let values: Option<Vec<usize>> = choice.values.iter().map(index_of).collect();
            match values {
                Some(values) if !values.is_empty() => AssetPick::Named(Choice {
                    values,
                    weights: choice.weights.clone(),
                }),
                _ => {
                    issue(format!("objects[{i}].asset"), "names an unknown asset");
                    return None;
                }
            }
        }
        AssetChoice::Category(cat) => {
            let candidates: Vec<usize> = spec
                .assets
                .iter()
                .enumerate()
                .filter(|(_, a)| a.category.as_deref() == Some(cat.as_str()))
                .map(|(k, _)| k)
                .collect();
            if candidates.is_empty() {
                issue(
                    format!("objects[{i}].asset.category"),
                    "no asset has this category",
                );
                return None;
            }
            AssetPick::Category(candidates)
        }
    };
    let placement = match (&o.position, &o.placement) {
        (_, Some(PlacementSpec::OnPlane { height, x, z })) => Placement::OnPlane {
            height: height.clone(),
            x: x.clone(),
            z: z.clone(),
        },
        (
            _,
            Some(PlacementSpec::InFrustum {
                distance,
                margin_px,
            }),
        ) => Placement::InFrustum {
            distance: distance.clone(),
            margin_px: *margin_px,
        },
        (Some(p), None) => Placement::Volume(p.clone()),
        (None, None) => {
            issue(format!("objects[{i}]"), "give `position` or `placement`");
            return None;
        }
    };
    Some(ObjectGroup {
        asset,
        count: o.count.clone(),
        placement,
        rotation: o.rotation_dist(),
        scale: o.scale.clone(),
        // A simulation starts from poses apart: dropped instances avoid overlap.
        // A simulation starts from poses apart: dropped instances avoid overlap.
        avoid_overlap: o.avoid_overlap || o.drop.is_some() || o.toss.is_some(),
        max_trials: o.max_trials,
        material: o.material.clone(),
        drop: o.drop.as_ref().map(super::DropSpec::resolve),
        shape: o.shape.clone(),
        motion: o.motion.clone(),
        toss: o.toss.as_ref().map(super::TossSpec::resolve),
    })
}

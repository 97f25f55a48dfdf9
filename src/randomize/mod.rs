//! Resolved spec + seed + frame index → [`FrameScene`]: pure, deterministic, no GPU.
//!
//! [`FrameSampler`] pairs a [`ResolvedSpec`] with the assets' bounding boxes (which
//! placement by bounds needs) and samples any frame of any run. Each randomizer draws
//! from its own named stream of the frame (see [`crate::rng`]).

mod camera;
mod look;
mod placement;
mod sequence;

use glam::DVec3;

use crate::assets::environment::MapSun;
use crate::geometry::{Obb, Pose, srgb_to_linear};
use crate::motion::MotionError;
use crate::physics::{self, Motion};
use crate::rng::{FrameRng, StreamRng};
use crate::scene::{FrameScene, ObjectSample, PhysicsRecord, RenderLook, ShapeSample};
use crate::spec::Unsettled;
use crate::spec::resolve::{Placement, ResolvedSpec};
use camera::sample_camera;
use look::{environment_sun, sample_environment, sample_light, sample_sensor, sample_shadow};
use placement::{draw_pose, inside_image, pick_asset, sample_shape};
use sequence::{
    Launch, first_rig_camera, first_step, sample_camera_motion, sample_object_motion, sample_rig,
    toss_launch,
};

pub use crate::geometry::Bounds;

/// Why a frame could not be sampled.
#[derive(Debug, thiserror::Error)]
pub enum RandomizeError {
    /// A step of a sequence could not be posed.
    #[error(transparent)]
    Motion(#[from] MotionError),
    /// Sampling needs the assets' bounding boxes and was not given them.
    #[error(
        "this spec places objects by their bounds (placement or avoid_overlap): sample it with the assets' bounds"
    )]
    NeedsAssetBounds,
    /// An instance found no acceptable pose within its group's `max_trials`.
    #[error(
        "frame {frame}: objects[{group}] (asset `{asset}`), instance {instance}: no placement found in {trials} trials ({why}); lower the count, widen the placement, or raise max_trials"
    )]
    Placement {
        /// Frame index.
        frame: u64,
        /// Index of the object group in the spec.
        group: usize,
        /// Index of the instance within the group this frame.
        instance: u32,
        /// The instance's asset.
        asset: String,
        /// Poses drawn.
        trials: u32,
        /// What the last pose failed.
        why: &'static str,
    },
    /// The dropped objects did not come to rest and the spec's `physics.on_unsettled` is
    /// `error`.
    #[error(
        "{message}; raise physics.max_steps, drop from lower, or set physics.on_unsettled to warn"
    )]
    Unsettled {
        /// The frame, the groups still moving and the steps simulated.
        message: String,
    },
    /// The sampled camera looks along its up vector or at its own position.
    #[error(
        "frame {frame}: camera: the sampled look-at point {look_at:?} and position {position:?} give no valid view with up {up:?}"
    )]
    DegenerateCamera {
        /// Frame index.
        frame: u64,
        /// Sampled position.
        position: [f64; 3],
        /// Sampled look-at point.
        look_at: [f64; 3],
        /// Up vector.
        up: [f64; 3],
    },
}

fn linear(srgb: [f64; 3], scale: f64) -> [f64; 3] {
    srgb.map(|c| srgb_to_linear(c) * scale)
}

/// Samples frames of one spec with its assets' bounds (and colliders, for dropped
/// objects).
#[derive(Debug, Clone, Copy)]
pub struct FrameSampler<'a> {
    spec: &'a ResolvedSpec,
    bounds: &'a [Bounds],
    colliders: &'a [physics::AssetCollider],
    suns: &'a [Option<MapSun>],
}

impl<'a> FrameSampler<'a> {
    /// A sampler of `spec`; `bounds` are the loaded assets' boxes in asset order (see
    /// [`crate::assets::AssetLibrary::bounds`]). They may be empty when the spec does not
    /// place objects by their bounds ([`ResolvedSpec::needs_asset_bounds`]).
    pub fn new(spec: &'a ResolvedSpec, bounds: &'a [Bounds]) -> Result<Self, RandomizeError> {
        if spec.needs_asset_bounds() && bounds.len() < spec.assets.len() {
            return Err(RandomizeError::NeedsAssetBounds);
        }
        Ok(Self {
            spec,
            bounds,
            colliders: &[],
            suns: &[],
        })
    }

    /// Whether sampling a frame runs a simulation (some group is dropped).
    pub fn simulates(&self) -> bool {
        self.spec.simulates()
    }

    /// The same sampler with the assets' colliders (see
    /// [`crate::assets::AssetLibrary::colliders`]) for the simulation; without them,
    /// objects collide as their bounding boxes.
    pub fn with_colliders(self, colliders: &'a [physics::AssetCollider]) -> Self {
        Self { colliders, ..self }
    }

    /// The same sampler with the suns taken out of the environment maps (see
    /// [`crate::assets::AssetLibrary::environment_suns`]): with `render.environment.sun`,
    /// a frame lit by a map with a sun gets it as a directional light.
    pub fn with_environment_suns(self, suns: &'a [Option<MapSun>]) -> Self {
        Self { suns, ..self }
    }

    /// Samples frame `frame` of a run with seed `seed`. With a sequence, frame `frame` is
    /// an image of a sequence ([`ResolvedSpec::image_of`]).
    pub fn sample(&self, seed: u64, frame: u64) -> Result<FrameScene, RandomizeError> {
        if self.spec.sequence.is_none() {
            return self.draw(seed, frame);
        }
        let (sequence, step, camera) = self.spec.image_of(frame);
        Ok(self.sample_sequence(seed, sequence)?.at(step, camera)?)
    }

    /// Samples step 0 of sequence `sequence` of a run with seed `seed`, with the motions
    /// that pose its other steps ([`FrameScene::at`]). Specs without a sequence get frame
    /// `sequence`.
    pub fn sample_sequence(&self, seed: u64, sequence: u64) -> Result<FrameScene, RandomizeError> {
        self.draw(seed, sequence)
    }

    /// Draws the scene of frame (or sequence) `frame`: everything is drawn from the
    /// frame's streams keyed by `frame`.
    fn draw(&self, seed: u64, frame: u64) -> Result<FrameScene, RandomizeError> {
        let spec = self.spec;
        let rng = FrameRng::new(seed, frame);
        let (camera, camera_draw) = sample_camera(spec, &mut rng.stream("camera"), frame)?;

        let mut lights = Vec::new();
        for (i, light) in spec.lights.iter().enumerate() {
            let mut r = rng.stream(&format!("lights[{i}]"));
            // Shadows draw from their own stream: turning them on moves no light.
            let mut shadow_rng = rng.stream(&format!("lights[{i}].shadow"));
            for _ in 0..light.count().sample(&mut r) {
                let point = matches!(light, crate::spec::LightSpec::Point { .. });
                let shadow = sample_shadow(point, &spec.light_shadows[i], &mut shadow_rng);
                lights.push(sample_light(light, shadow, &mut r));
            }
        }

        let exposure_ev100 = spec
            .camera
            .exposure_ev100
            .as_ref()
            .map(|ev| ev.sample(&mut rng.stream("exposure")));
        let ambient_linear = {
            let mut r = rng.stream("ambient");
            let intensity = spec.ambient.intensity.sample(&mut r);
            // Physical units: a uniform sky of illuminance E has radiance E / π.
            let unit = if exposure_ev100.is_some() {
                1.0 / std::f64::consts::PI
            } else {
                1.0
            };
            linear(spec.ambient.color.sample(&mut r), intensity * unit)
        };
        let mut background_rng = rng.stream("background");
        let background_srgb = spec.background.color.sample(&mut background_rng);
        let background_texture = spec
            .background
            .texture
            .as_ref()
            .map(|t| t.sample(&mut background_rng));

        let mut objects = Vec::new();
        // Boxes of the instances placed so far by groups with avoid_overlap: they avoid
        // each other, not the rest (a ground plane under them is no obstacle).
        let mut placed: Vec<Obb> = Vec::new();
        let mut next_id: u16 = 1;
        // Each object's group and motion in the simulation (dropped objects' parameters).
        let mut motions: Vec<(usize, Motion)> = Vec::new();
        // Tossed objects: index in `objects`, launch velocities and body material.
        let mut tosses: Vec<(usize, Launch)> = Vec::new();
        for (i, group) in spec.groups.iter().enumerate() {
            let mut r = rng.stream(&format!("objects[{i}]"));
            // Materials draw from their own stream: randomizing them moves no pose.
            let mut material_rng = rng.stream(&format!("objects[{i}].material"));
            // So do drops: dropping a group moves no other draw.
            let mut drop_rng = rng.stream(&format!("objects[{i}].drop"));
            let mut shape_rng = rng.stream(&format!("objects[{i}].shape"));
            let mut motion_rng = rng.stream(&format!("objects[{i}].motion"));
            let mut toss_rng = rng.stream(&format!("objects[{i}].toss"));
            let count = group.count.sample(&mut r);
            for instance in 0..count {
                let asset_index = pick_asset(&group.asset, &mut r);
                let asset = &spec.assets[asset_index];
                let shape = group
                    .shape
                    .as_ref()
                    .and_then(|s| sample_shape(s, asset.primitive?, &mut shape_rng));
                let bounds = shape.as_ref().map_or_else(
                    || {
                        self.bounds
                            .get(asset_index)
                            .copied()
                            .unwrap_or((DVec3::ZERO, DVec3::ZERO))
                    },
                    ShapeSample::bounds,
                );
                // A dropped instance starts raised by its drop height: its boxes are kept
                // apart where the simulation starts.
                let (motion, lift) = match &group.drop {
                    None => (Motion::Fixed, 0.0),
                    Some(d) => {
                        let height = d.height.sample(&mut drop_rng).max(0.0);
                        let motion = Motion::Dynamic {
                            friction: d.friction.sample(&mut drop_rng).max(0.0),
                            restitution: d.restitution.sample(&mut drop_rng).clamp(0.0, 1.0),
                            density: d.density.sample(&mut drop_rng).max(1e-3),
                        };
                        (motion, height)
                    }
                };
                let mut trials = 0;
                let (scale, rotation, translation) = loop {
                    trials += 1;
                    let (s, q, t) = draw_pose(group, bounds, &camera, &mut r);
                    let pose = (s, q, t + DVec3::Y * lift);
                    let obb = group
                        .needs_bounds()
                        .then(|| Obb::from_bounds(bounds, pose.0, pose.1, pose.2));
                    let why = match (&group.placement, obb) {
                        (Placement::InFrustum { margin_px, .. }, Some(obb))
                            if !inside_image(&obb, &camera, *margin_px) =>
                        {
                            Some("its box does not fit inside the image")
                        }
                        (_, Some(obb))
                            if group.avoid_overlap && placed.iter().any(|p| p.intersects(&obb)) =>
                        {
                            Some("its box overlaps an object placed before it")
                        }
                        _ => None,
                    };
                    match why {
                        None => {
                            if group.avoid_overlap {
                                placed.extend(obb);
                            }
                            break pose;
                        }
                        Some(why) if trials >= group.max_trials => {
                            return Err(RandomizeError::Placement {
                                frame,
                                group: i,
                                instance,
                                asset: asset.name.clone(),
                                trials,
                                why,
                            });
                        }
                        Some(_) => {}
                    }
                };
                let instance_id = if asset.category_id > 0 {
                    let id = next_id;
                    // Validated: at most 65535 instances a frame.
                    next_id = next_id.saturating_add(1);
                    id
                } else {
                    0
                };
                let pose = Pose::new(scale, rotation, translation);
                motions.push((i, motion));
                let dropped = motion != Motion::Fixed;
                // Dropped groups do not move (validated), so the pose drawn is the start.
                let motion = spec
                    .sequence
                    .and(group.motion.as_ref())
                    .map(|m| sample_object_motion(m, &pose, &mut motion_rng));
                // A keyframed instance starts where its first keyframes put it.
                let pose = match &motion {
                    Some(m) if !m.keyframes.is_empty() => m.pose_at(0, 0.0),
                    _ => pose,
                };
                // A tossed one's launch and material (its track comes from the
                // simulation, below).
                if let (Some(toss), Some(_)) = (&group.toss, spec.sequence) {
                    tosses.push((objects.len(), toss_launch(toss, &mut toss_rng)));
                }
                objects.push(ObjectSample {
                    instance_id,
                    asset: asset.name.clone(),
                    asset_index,
                    category: asset.category.clone(),
                    category_id: asset.category_id,
                    initial_pose_world: dropped.then(|| pose.clone()),
                    pose_world: pose,
                    material: group.material.as_ref().map(|m| m.sample(&mut material_rng)),
                    shape,
                    motion,
                });
            }
        }

        let physics = if motions.iter().any(|(_, m)| *m != Motion::Fixed) {
            Some(self.settle(frame, &mut objects, &motions, &mut rng.stream("physics"))?)
        } else {
            None
        };
        if let (Some(seq), false) = (spec.sequence, tosses.is_empty()) {
            // Dropped groups have settled; the tossed fly among everything else, held.
            self.toss(
                &mut objects,
                &motions,
                &tosses,
                seq,
                &mut rng.stream("physics"),
            );
        }

        let environment =
            spec.render.environment.as_ref().map(|e| {
                sample_environment(e, ambient_linear, &mut rng.stream("render.environment"))
            });
        // The map's sun, a light of its own (after the spec's lights, from its own stream).
        if let (Some(settings), Some(sampled)) = (&spec.render.environment, &environment)
            && settings.sun
            && let Some(Some(sun)) = self.suns.get(sampled.map_index)
        {
            let mut r = rng.stream("render.environment.sun");
            lights.push(environment_sun(sun, sampled, &spec.render.shadows, &mut r));
        }

        let camera_motion = spec.sequence.and(spec.camera.motion.as_ref()).map(|m| {
            sample_camera_motion(
                m,
                &camera_draw,
                spec.camera.up,
                &mut rng.stream("camera.motion"),
            )
        });
        // A keyframed or shaken camera starts where its motion has it at t = 0 (for an
        // orbit sweep or a dolly that is the drawn camera, bit for bit).
        let camera = match &camera_motion {
            Some(m) => m.camera_at(&camera, 0.0)?,
            None => camera,
        };
        let rig = spec.sequence.and_then(|_| sample_rig(spec, &camera, &rng));
        let sequence = spec
            .sequence
            .map(|seq| first_step(spec, seq, frame, rig.as_ref()));
        // A rig's first camera takes step 0's first image.
        let camera = match &rig {
            Some(r) => first_rig_camera(r, camera),
            None => camera,
        };
        Ok(FrameScene {
            frame_index: sequence.as_ref().map_or(frame, |s| s.frame_index(0, 0)),
            camera,
            lights,
            ambient_linear,
            exposure_ev100,
            background_srgb,
            background_texture,
            objects,
            render: RenderLook {
                antialiasing: spec.render.antialiasing,
                tone_mapping: spec.render.tone_mapping,
                material_maps: spec.render.material_maps,
                brdf: spec.render.brdf,
                anisotropic_filtering: spec.render.anisotropic_filtering,
                sensor: spec
                    .render
                    .sensor
                    .as_ref()
                    .map(|s| sample_sensor(s, &mut rng.stream("render.sensor"))),
                ground_bounce: spec
                    .render
                    .ground_bounce
                    .as_ref()
                    .map_or(0.0, |a| a.sample(&mut rng.stream("render.ground_bounce"))),
                object_bounce: spec.render.object_bounce,
                environment,
            },
            physics,
            sequence,
            camera_motion,
            rig,
        })
    }

    /// Drops the objects whose motion is dynamic onto the others (fixed) and the floor,
    /// and moves them to where they came to rest ([`physics::settle_objects`]).
    fn settle(
        &self,
        frame: u64,
        objects: &mut [ObjectSample],
        motions: &[(usize, Motion)],
        r: &mut StreamRng,
    ) -> Result<PhysicsRecord, RandomizeError> {
        let settings = &self.spec.physics;
        let world = physics::World {
            gravity: settings.gravity.sample(r).max(0.0),
            max_steps: settings.max_steps,
            floor: settings.floor,
        };
        let record =
            physics::settle_objects(objects, motions, (self.bounds, self.colliders), &world);
        match record.warning(frame) {
            Some(message) if settings.on_unsettled == Unsettled::Error => {
                Err(RandomizeError::Unsettled { message })
            }
            _ => Ok(record),
        }
    }
}

/// Samples frame `frame` of a run of `spec` with seed `seed`, for specs that do not place
/// objects by their bounds; others get [`RandomizeError::NeedsAssetBounds`] (use a
/// [`FrameSampler`] with the assets' bounds).
pub fn sample_frame(
    spec: &ResolvedSpec,
    seed: u64,
    frame: u64,
) -> Result<FrameScene, RandomizeError> {
    FrameSampler::new(spec, &[])?.sample(seed, frame)
}

//! Resolved spec + seed + frame index → [`FrameScene`]: pure, deterministic, no GPU.
//!
//! [`FrameSampler`] pairs a [`ResolvedSpec`] with the assets' bounding boxes (which
//! placement by bounds needs) and samples any frame of any run. Each randomizer draws
//! from its own named stream of the frame (see [`crate::rng`]).

mod look;

use glam::{DMat4, DQuat, DVec3};

use crate::assets::environment::MapSun;
use look::{environment_sun, sample_environment, sample_light, sample_sensor, sample_shadow};

use crate::geometry::{
    Obb, Pose, camera_view, mat4_rows, orbit_point, quat_from_euler_xyz_deg, srgb_to_linear,
};
use crate::motion::{
    CameraMotion, DEFAULT_CAMERA, MotionError, ObjectMotion, RigCamera, RigSample, SequenceStep,
    scene_at,
};
use crate::physics::{self, Motion};
use crate::rng::{FrameRng, StreamRng};
use crate::scene::{
    CameraSample, FrameScene, ObjectSample, PhysicsRecord, RenderLook, ShapeSample,
};
use crate::spec::Unsettled;
use crate::spec::resolve::{
    AssetPick, Lens, ObjectGroup, PixelOrigin, Placement, ResolvedSpec, Viewpoint,
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
        Ok(scene_at(
            &self.sample_sequence(seed, sequence)?,
            step,
            camera,
        )?)
    }

    /// Samples step 0 of sequence `sequence` of a run with seed `seed`, with the motions
    /// that pose its other steps ([`scene_at`]). Specs without a sequence get frame
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
                    .map(|m| ObjectMotion {
                        start_pose_world: pose.clone(),
                        velocity: m.velocity.sample(&mut motion_rng),
                        angular_velocity_deg: m.angular_velocity_deg.sample(&mut motion_rng),
                        keyframes: m
                            .keyframes
                            .iter()
                            .map(|k| crate::motion::ObjectKey {
                                time: k.time,
                                offset: k.offset.sample(&mut motion_rng),
                                rotation_deg: k.rotation_deg.sample(&mut motion_rng),
                            })
                            .collect(),
                        interpolation: m.interpolation,
                        tossed: false,
                        track: Vec::new(),
                    });
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
        let sequence = spec.sequence.map(|seq| SequenceStep {
            sequence: frame,
            step: 0,
            steps: seq.steps,
            fps: seq.fps,
            time_s: 0.0,
            camera: rig
                .as_ref()
                .map_or(DEFAULT_CAMERA, |r| r.cameras[0].name.as_str())
                .to_owned(),
            camera_index: 0,
            // Validated: a rig has at most a few cameras.
            cameras: u32::try_from(spec.cameras()).unwrap_or(u32::MAX),
        });
        // A rig's first camera takes step 0's first image.
        let camera = match &rig {
            Some(r) => r
                .camera(
                    0,
                    DMat4::from_cols_array_2d(&r.world_to_rig).transpose(),
                    &camera,
                )
                .unwrap_or(camera),
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

    /// Simulates the tossed objects (`tosses`: index, launch) through the sequence `seq`
    /// among the others, held where they are, and gives each its track. Gravity is the
    /// first draw of the `physics` stream, as for drops.
    fn toss(
        &self,
        objects: &mut [ObjectSample],
        motions: &[(usize, Motion)],
        tosses: &[(usize, Launch)],
        seq: crate::spec::SequenceSpec,
        r: &mut StreamRng,
    ) {
        let settings = &self.spec.physics;
        let world = physics::World {
            gravity: settings.gravity.sample(r).max(0.0),
            max_steps: settings.max_steps,
            floor: settings.floor,
        };
        let mut kinds: Vec<(usize, Motion)> = motions
            .iter()
            .map(|&(group, _)| (group, Motion::Fixed))
            .collect();
        let mut launches = vec![(DVec3::ZERO, DVec3::ZERO); objects.len()];
        for (index, launch) in tosses {
            kinds[*index].1 = launch.body;
            launches[*index] = (
                DVec3::from_array(launch.velocity),
                DVec3::from_array(launch.angular_velocity_deg) * (std::f64::consts::PI / 180.0),
            );
        }
        let tracks = physics::toss_objects(
            objects,
            &kinds,
            &launches,
            (self.bounds, self.colliders),
            &world,
            (seq.steps, seq.fps),
        );
        for (index, launch) in tosses {
            let object = &mut objects[*index];
            object.motion = Some(ObjectMotion {
                start_pose_world: object.pose_world.clone(),
                velocity: launch.velocity,
                angular_velocity_deg: launch.angular_velocity_deg,
                keyframes: Vec::new(),
                interpolation: Default::default(),
                tossed: true,
                track: tracks.iter().map(|step| step[*index]).collect(),
            });
        }
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

/// A container's or surface's size drawn from a group's `shape` (the primitive's own
/// where the spec leaves a value out); none for an asset that is not one.
fn sample_shape(
    shape: &crate::spec::objects::ShapeSpec,
    primitive: crate::primitives::PrimitiveKind,
    r: &mut StreamRng,
) -> Option<ShapeSample> {
    let (size, thickness) = primitive.default_shape()?;
    Some(ShapeSample {
        primitive,
        size: shape.size.as_ref().map_or(size, |s| s.sample(r)),
        thickness: shape.thickness.as_ref().map_or(thickness, |t| t.sample(r)),
    })
}

/// Which asset an instance is: one draw, none when there is a single candidate.
fn pick_asset(pick: &AssetPick, r: &mut StreamRng) -> usize {
    match pick {
        AssetPick::Named(choice) => choice.values[choice.sample_index(r)],
        AssetPick::Category(candidates) if candidates.len() == 1 => candidates[0],
        AssetPick::Category(candidates) => candidates[r.below(candidates.len() as u64) as usize],
    }
}

/// The camera's motion through a sequence, drawn from its own stream.
fn sample_camera_motion(
    spec: &crate::spec::CameraMotionSpec,
    draw: &CameraDraw,
    up: [f64; 3],
    r: &mut StreamRng,
) -> CameraMotion {
    let rate = spec.orbit_deg_per_s.as_ref().map(|s| s.sample(r));
    let velocity = spec.velocity.as_ref().map_or([0.0; 3], |v| v.sample(r));
    let keyframes = spec
        .keyframes
        .iter()
        .map(|k| crate::motion::CameraKey {
            time: k.time,
            position: k.position.sample(r),
            look_at: k
                .look_at
                .as_ref()
                .map_or(draw.look_at.to_array(), |l| l.sample(r)),
        })
        .collect();
    let shake = spec.shake.as_ref().map(|sh| crate::motion::Shake {
        amplitude_deg: sh.amplitude_deg.sample(r),
        translation_m: sh.translation_m.sample(r),
        frequency_hz: sh.frequency_hz.sample(r),
        phases: std::array::from_fn(|_| r.uniform(0.0, std::f64::consts::TAU)),
    });
    CameraMotion {
        keyframes,
        interpolation: spec.interpolation,
        shake,
        start_position: draw.position.to_array(),
        start_look_at: draw.look_at.to_array(),
        up,
        roll_deg: draw.roll_deg,
        orbit: draw.orbit.zip(rate).map(
            |((target, distance, elevation_deg, start_azimuth_deg), rate_deg_per_s)| {
                crate::motion::OrbitSweep {
                    target,
                    distance,
                    elevation_deg,
                    start_azimuth_deg,
                    rate_deg_per_s,
                }
            },
        ),
        velocity,
    }
}

/// A tossed instance's launch: velocities (angular in degrees per second) and body.
struct Launch {
    velocity: [f64; 3],
    angular_velocity_deg: [f64; 3],
    body: Motion,
}

/// Draws a tossed instance's launch from its group's `toss` stream.
fn toss_launch(toss: &crate::spec::TossSettings, r: &mut StreamRng) -> Launch {
    Launch {
        velocity: toss.velocity.sample(r),
        angular_velocity_deg: toss.angular_velocity_deg.sample(r),
        body: Motion::Dynamic {
            friction: toss.friction.sample(r).max(0.0),
            restitution: toss.restitution.sample(r).clamp(0.0, 1.0),
            density: toss.density.sample(r).max(1e-3),
        },
    }
}

/// A lens's intrinsics `(fx, fy, cx, cy)` for a `w` × `h` image.
fn sample_lens(lens: &Lens, (w, h): (u32, u32), r: &mut StreamRng) -> (f64, f64, f64, f64) {
    // K in OpenCV's convention (pixel centres at integers). Subtracting 0.5 from a pixel
    // coordinate is exact, so a version-1 spec's raster intrinsics are its own values.
    match lens {
        Lens::Intrinsics(k, origin) => {
            let shift = match origin {
                PixelOrigin::PixelCentre => 0.0,
                PixelOrigin::ImageCorner => 0.5,
            };
            (
                k.fx.sample(r),
                k.fy.sample(r),
                k.cx.sample(r) - shift,
                k.cy.sample(r) - shift,
            )
        }
        Lens::FovY(fov) => {
            let fov = fov.sample(r).to_radians();
            let f = f64::from(h) * 0.5 / libm::tan(fov * 0.5);
            (f, f, f64::from(w) * 0.5 - 0.5, f64::from(h) * 0.5 - 0.5)
        }
    }
}

/// The rig on the drawn camera: each camera's pose on it and its lens (its own, drawn
/// from stream `cameras[i]`, or the drawn camera's).
fn sample_rig(spec: &ResolvedSpec, camera: &CameraSample, rng: &FrameRng) -> Option<RigSample> {
    if spec.rig.is_empty() {
        return None;
    }
    let size = (camera.width, camera.height);
    let cameras = spec
        .rig
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (fx, fy, cx, cy) = c.lens.as_ref().map_or_else(
                || camera.intrinsics(),
                |lens| sample_lens(lens, size, &mut rng.stream(&format!("cameras[{i}]"))),
            );
            let camera_to_rig = DMat4::from_rotation_translation(
                quat_from_euler_xyz_deg(c.rotation_deg),
                DVec3::from_array(c.position),
            );
            RigCamera {
                name: c.name.clone(),
                camera_to_rig: mat4_rows(camera_to_rig),
                intrinsics: [fx, fy, cx, cy],
            }
        })
        .collect();
    let look = DVec3::from_array(camera.look_at) - DVec3::from_array(camera.position);
    Some(RigSample {
        world_to_rig: camera.world_to_camera,
        look_distance: look.length(),
        cameras,
        stereo_baseline: spec.stereo_baseline,
    })
}

/// Where the sampled camera is, as drawn (what a camera motion starts from).
struct CameraDraw {
    position: DVec3,
    look_at: DVec3,
    roll_deg: f64,
    /// The orbit's target, distance, elevation and azimuth (degrees), when it orbits.
    orbit: Option<([f64; 3], f64, f64, f64)>,
}

/// The camera: position (or orbit), look-at point, intrinsics, then roll.
fn sample_camera(
    spec: &ResolvedSpec,
    r: &mut StreamRng,
    frame: u64,
) -> Result<(CameraSample, CameraDraw), RandomizeError> {
    let cam = &spec.camera;
    let (position, default_target, orbit) = match &cam.viewpoint {
        Viewpoint::Position(p) => (DVec3::from_array(p.sample(r)), DVec3::ZERO, None),
        Viewpoint::Orbit(o) => {
            let target = DVec3::from_array(o.target.sample(r));
            let distance = o.distance.sample(r);
            let elevation_deg = o.elevation_deg.sample(r);
            let azimuth_deg = o.azimuth_deg.sample(r);
            let position = orbit_point(
                target,
                distance,
                elevation_deg.to_radians(),
                azimuth_deg.to_radians(),
            );
            let orbit = (target.to_array(), distance, elevation_deg, azimuth_deg);
            (position, target, Some(orbit))
        }
    };
    let look_at = cam
        .look_at
        .as_ref()
        .map_or(default_target, |l| DVec3::from_array(l.sample(r)));
    let (w, h) = (spec.resolution.width, spec.resolution.height);
    let intrinsics = sample_lens(&cam.lens, (w, h), r);
    let roll_deg = cam.roll_deg.sample(r);
    let degenerate = RandomizeError::DegenerateCamera {
        frame,
        position: position.to_array(),
        look_at: look_at.to_array(),
        up: cam.up,
    };
    let world_to_camera = camera_view(
        position,
        look_at,
        DVec3::from_array(cam.up),
        roll_deg.to_radians(),
    )
    .ok_or(degenerate)?;
    let camera = CameraSample::new(
        w,
        h,
        intrinsics,
        cam.near,
        cam.far,
        position,
        look_at,
        world_to_camera,
    );
    let draw = CameraDraw {
        position,
        look_at,
        roll_deg,
        orbit,
    };
    Ok((camera, draw))
}

/// One draw of an instance's (scale, rotation, translation) for its group's placement;
/// `bounds` is the asset's box (unused by volume placement).
fn draw_pose(
    group: &ObjectGroup,
    bounds: Bounds,
    camera: &CameraSample,
    r: &mut StreamRng,
) -> (f64, DQuat, DVec3) {
    match &group.placement {
        Placement::OnPlane { height, x, z } => {
            let rotation = group.rotation.sample(r);
            let scale = group.scale.sample(r);
            let (x, z, height) = (x.sample(r), z.sample(r), height.sample(r));
            // Lowest corner on the plane, box centre over (x, z).
            let obb = Obb::from_bounds(bounds, scale, rotation, DVec3::ZERO);
            let lowest = obb
                .corners()
                .iter()
                .map(|c| c.y)
                .fold(f64::INFINITY, f64::min);
            let shift = DVec3::new(x - obb.center.x, height - lowest, z - obb.center.z);
            (scale, rotation, shift)
        }
        Placement::InFrustum {
            distance,
            margin_px,
        } => {
            let rotation = group.rotation.sample(r);
            let scale = group.scale.sample(r);
            // Pixel coordinates over [0, W] × [0, H], as the image spans them.
            let (fx, fy, cx, cy) = camera.raster_intrinsics();
            let (w, h) = (f64::from(camera.width), f64::from(camera.height));
            let u = r.uniform(*margin_px, w - margin_px);
            let v = r.uniform(*margin_px, h - margin_px);
            let d = distance.sample(r);
            let centre_cam = DVec3::new((u - cx) / fx * d, (v - cy) / fy * d, d);
            let centre = camera
                .world_to_camera()
                .inverse()
                .transform_point3(centre_cam);
            let offset = Obb::from_bounds(bounds, scale, rotation, DVec3::ZERO).center;
            (scale, rotation, centre - offset)
        }
        Placement::Volume(position) => {
            // Same draw order as before placements existed: position, rotation, scale.
            let translation = DVec3::from_array(position.sample(r));
            let rotation = group.rotation.sample(r);
            (group.scale.sample(r), rotation, translation)
        }
    }
}

/// Whether every corner of `obb` lies in front of the camera and projects at least
/// `margin` pixels inside the image.
fn inside_image(obb: &Obb, camera: &CameraSample, margin: f64) -> bool {
    let world_to_camera = camera.world_to_camera();
    let (fx, fy, cx, cy) = camera.raster_intrinsics();
    let (w, h) = (f64::from(camera.width), f64::from(camera.height));
    obb.corners().iter().all(|&c| {
        let p = world_to_camera.transform_point3(c);
        if p.z <= camera.near {
            return false;
        }
        let (u, v) = (fx * p.x / p.z + cx, fy * p.y / p.z + cy);
        (margin..=w - margin).contains(&u) && (margin..=h - margin).contains(&v)
    })
}

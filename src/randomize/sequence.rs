//! What a sequence adds to its step 0: each moving object's motion, the tossed objects'
//! launches and flight (simulated once, [`crate::physics::toss_objects`]), the camera's
//! motion, the rig, and the image's place in the sequence. Each draws from its own stream,
//! so a spec without a sequence samples as before.

use glam::{DMat4, DVec3};

use super::FrameSampler;
use super::camera::{CameraDraw, sample_lens};
use crate::camera::CameraSample;
use crate::geometry::{Pose, mat4_rows, quat_from_euler_xyz_deg};
use crate::motion::{
    CameraKey, CameraMotion, DEFAULT_CAMERA, ObjectKey, ObjectMotion, OrbitSweep, RigCamera,
    RigSample, SequenceStep, Shake,
};
use crate::physics::{self, Motion};
use crate::rng::{FrameRng, StreamRng};
use crate::scene::ObjectSample;
use crate::spec::resolve::ResolvedSpec;
use crate::spec::{CameraMotionSpec, ObjectMotionSpec, SequenceSpec, TossSettings};

/// The camera's motion through a sequence, drawn from its own stream.
pub(super) fn sample_camera_motion(
    spec: &CameraMotionSpec,
    draw: &CameraDraw,
    up: [f64; 3],
    r: &mut StreamRng,
) -> CameraMotion {
    let rate = spec.orbit_deg_per_s.as_ref().map(|s| s.sample(r));
    let velocity = spec.velocity.as_ref().map_or([0.0; 3], |v| v.sample(r));
    let keyframes = spec
        .keyframes
        .iter()
        .map(|k| CameraKey {
            time: k.time,
            position: k.position.sample(r),
            look_at: k
                .look_at
                .as_ref()
                .map_or(draw.look_at.to_array(), |l| l.sample(r)),
        })
        .collect();
    let shake = spec.shake.as_ref().map(|sh| Shake {
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
            |((target, distance, elevation_deg, start_azimuth_deg), rate_deg_per_s)| OrbitSweep {
                target,
                distance,
                elevation_deg,
                start_azimuth_deg,
                rate_deg_per_s,
            },
        ),
        velocity,
    }
}

/// A tossed instance's launch: velocities (angular in degrees per second) and body.
pub(super) struct Launch {
    velocity: [f64; 3],
    angular_velocity_deg: [f64; 3],
    body: Motion,
}

/// Draws a tossed instance's launch from its group's `toss` stream.
pub(super) fn toss_launch(toss: &TossSettings, r: &mut StreamRng) -> Launch {
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

/// The rig on the drawn camera: each camera's pose on it and its lens (its own, drawn
/// from stream `cameras[i]`, or the drawn camera's).
pub(super) fn sample_rig(
    spec: &ResolvedSpec,
    camera: &CameraSample,
    rng: &FrameRng,
) -> Option<RigSample> {
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

/// An object's motion through the sequence from its group's `motion`, drawn from the
/// group's `motion` stream; `pose` is where it was placed (its pose at step 0 unless
/// keyframes move it).
pub(super) fn sample_object_motion(
    m: &ObjectMotionSpec,
    pose: &Pose,
    motion_rng: &mut StreamRng,
) -> ObjectMotion {
    ObjectMotion {
        start_pose_world: pose.clone(),
        velocity: m.velocity.sample(motion_rng),
        angular_velocity_deg: m.angular_velocity_deg.sample(motion_rng),
        keyframes: m
            .keyframes
            .iter()
            .map(|k| ObjectKey {
                time: k.time,
                offset: k.offset.sample(motion_rng),
                rotation_deg: k.rotation_deg.sample(motion_rng),
            })
            .collect(),
        interpolation: m.interpolation,
        tossed: false,
        track: Vec::new(),
    }
}

/// Sequence `sequence`'s first image: step 0, its first camera.
pub(super) fn first_step(
    spec: &ResolvedSpec,
    seq: SequenceSpec,
    sequence: u64,
    rig: Option<&RigSample>,
) -> SequenceStep {
    SequenceStep {
        sequence,
        step: 0,
        steps: seq.steps,
        fps: seq.fps,
        time_s: 0.0,
        camera: rig
            .map_or(DEFAULT_CAMERA, |r| r.cameras[0].name.as_str())
            .to_owned(),
        camera_index: 0,
        // Validated: a rig has at most a few cameras.
        cameras: u32::try_from(spec.cameras()).unwrap_or(u32::MAX),
    }
}

/// The rig's first camera where the drawn `camera` puts the rig (the drawn camera itself
/// if the rig has no camera, which validation rules out).
pub(super) fn first_rig_camera(rig: &RigSample, camera: CameraSample) -> CameraSample {
    rig.camera(
        0,
        DMat4::from_cols_array_2d(&rig.world_to_rig).transpose(),
        &camera,
    )
    .unwrap_or(camera)
}

impl FrameSampler<'_> {
    /// Simulates the tossed objects (`tosses`: index, launch) through the sequence `seq`
    /// among the others, held where they are, and gives each its track. Gravity is the
    /// first draw of the `physics` stream, as for drops.
    pub(super) fn toss(
        &self,
        objects: &mut [ObjectSample],
        motions: &[(usize, Motion)],
        tosses: &[(usize, Launch)],
        seq: SequenceSpec,
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
}

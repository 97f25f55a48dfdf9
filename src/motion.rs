//! Motion through a sequence: where each object and the camera are at a step.
//!
//! A sequence's scene is sampled once, at step 0 ([`crate::randomize`]), with each moving
//! object's [`ObjectMotion`] and the camera's [`CameraMotion`]. Every other step is a pure
//! function of that scene and the step's time
//! ([`FrameScene::at_step`](crate::scene::FrameScene::at_step)): the same scene gives
//! the same poses at any step, whichever step it was taken at, so optical flow
//! ([`crate::labels::flow`]) can be computed from a frame alone. Step 0 is the sampled
//! scene itself, bit for bit.
//!
//! Conventions: time `t = step / fps` seconds; an object turns about the axis of its
//! angular velocity through its own origin, then moves with its velocity:
//! `R(t) = exp(ω t) R(0)`, `T(t) = T(0) + v t`; a tossed object is where the simulation
//! (drawn once per sequence, [`crate::physics::toss_objects`]) has it at each step. The camera's orbit azimuth grows by its
//! rate; its velocity moves the camera and the point it looks at together.

use glam::{DMat4, DQuat, DVec3};
use serde::{Deserialize, Serialize};

use crate::camera::CameraSample;
use crate::geometry::{Pose, camera_view, orbit_point, quat_axis_angle, quat_from_euler_xyz_deg};

/// The name of a sequence's only camera.
pub const DEFAULT_CAMERA: &str = "camera";

/// How a motion moves between keyframes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// At constant speed (translations lerped, rotations slerped).
    #[default]
    Linear,
    /// Easing in and out of each keyframe (smoothstep of the linear parameter).
    Smooth,
}

impl Interpolation {
    /// The interpolation parameter for `u` in [0, 1] between two keyframes.
    pub fn ease(self, u: f64) -> f64 {
        match self {
            Interpolation::Linear => u,
            Interpolation::Smooth => u * u * (3.0 - 2.0 * u),
        }
    }
}

/// Where a frame sits in its sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceStep {
    /// Sequence index in the run (the COCO `video_id`).
    pub sequence: u64,
    /// Step within the sequence, from 0 (the COCO `frame_id`).
    pub step: u32,
    /// Steps in the sequence.
    pub steps: u32,
    /// Steps per second.
    pub fps: f64,
    /// Seconds since step 0.
    pub time_s: f64,
    /// The camera that took the frame.
    pub camera: String,
    /// Its index in the rig (0 without one).
    pub camera_index: u32,
    /// Cameras in the rig (1 without one).
    pub cameras: u32,
}

impl SequenceStep {
    /// The run's image index of camera `camera` at step `step` of this sequence.
    pub fn frame_index(&self, step: u32, camera: u32) -> u64 {
        (self.sequence * u64::from(self.steps) + u64::from(step)) * u64::from(self.cameras)
            + u64::from(camera)
    }
}

/// A rig of cameras at fixed poses on the sampled camera (spec `cameras` or `stereo`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RigSample {
    /// World→rig transform at step 0 (the drawn camera's view, OpenCV axes), row-major.
    pub world_to_rig: [[f64; 4]; 4],
    /// Distance from the rig to its look-at point at step 0, metres (each camera's
    /// `look_at` is that far along its optical axis).
    pub look_distance: f64,
    /// The cameras, in spec order.
    pub cameras: Vec<RigCamera>,
    /// The baseline of a stereo pair (cameras `left`, `right`), metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stereo_baseline: Option<f64>,
}

/// One camera of a rig.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RigCamera {
    /// Its name.
    pub name: String,
    /// Camera→rig transform, row-major.
    pub camera_to_rig: [[f64; 4]; 4],
    /// Its intrinsics `(fx, fy, cx, cy)`, OpenCV's convention.
    pub intrinsics: [f64; 4],
}

/// How one object moves: a constant velocity and spin from its pose at step 0, or, for
/// a tossed object, those as its launch and the simulation's pose at every step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectMotion {
    /// Pose at step 0.
    pub start_pose_world: Pose,
    /// Velocity of the origin, world frame, m/s (a tossed object's at launch).
    pub velocity: [f64; 3],
    /// Angular velocity, world frame, degrees per second (axis × rate; a tossed object's
    /// at launch).
    pub angular_velocity_deg: [f64; 3],
    /// Offsets from the velocity-and-spin pose at given times, interpolated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keyframes: Vec<ObjectKey>,
    /// How keyframes are interpolated.
    pub interpolation: Interpolation,
    /// Tossed: simulated through the sequence (`track` holds where it is).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tossed: bool,
    /// A tossed object's rotation and translation at every step (the labels carry each
    /// step's pose, not the whole track).
    #[serde(skip)]
    pub track: Vec<(DQuat, DVec3)>,
}

impl ObjectMotion {
    /// The pose at step `step`, `t` seconds after step 0.
    pub fn pose_at(&self, step: u32, t: f64) -> Pose {
        let start = &self.start_pose_world;
        if self.tossed {
            if step == 0 {
                return start.clone();
            }
            return self
                .track
                .get(step as usize)
                .map_or_else(|| start.clone(), |&(q, p)| Pose::new(start.scale, q, p));
        }
        if t == 0.0 && self.keyframes.is_empty() {
            return start.clone();
        }
        let omega = DVec3::from_array(self.angular_velocity_deg) * (std::f64::consts::PI / 180.0);
        let q0 = DQuat::from_array(start.rotation_xyzw);
        let rate = omega.length();
        let rotation = if rate > 0.0 {
            (quat_axis_angle(omega / rate, rate * t) * q0).normalize()
        } else {
            q0
        };
        let translation =
            DVec3::from_array(start.translation) + DVec3::from_array(self.velocity) * t;
        match keyed(&self.keyframes, t, self.interpolation, |k| {
            (
                DVec3::from_array(k.offset),
                quat_from_euler_xyz_deg(k.rotation_deg),
            )
        }) {
            Some((offset, turn)) => Pose::new(
                start.scale,
                (turn * rotation).normalize(),
                translation + offset,
            ),
            None => Pose::new(start.scale, rotation, translation),
        }
    }
}

/// One keyframe of an object's motion, drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectKey {
    /// Seconds from step 0.
    pub time: f64,
    /// Translation added, world frame, metres.
    pub offset: [f64; 3],
    /// Turn applied, degrees about world x, y, z (R = Rz · Ry · Rx).
    pub rotation_deg: [f64; 3],
}

/// One keyframe of the camera's path, drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CameraKey {
    /// Seconds from step 0.
    pub time: f64,
    /// Camera centre, world frame.
    pub position: [f64; 3],
    /// Look-at point, world frame.
    pub look_at: [f64; 3],
}

/// Hand-held shake, drawn: each of three turns (about the camera's x, y, z) and three
/// shifts (along them) is `amplitude · sin(2π · f · RATIOS[i] · t + phase[i])`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shake {
    /// Largest turn, degrees.
    pub amplitude_deg: f64,
    /// Largest shift, metres.
    pub translation_m: f64,
    /// Base frequency, hertz.
    pub frequency_hz: f64,
    /// Each component's phase, radians.
    pub phases: [f64; 6],
}

impl Shake {
    /// Each component's frequency as a multiple of the base: apart, so the motion does
    /// not repeat within a clip.
    pub const RATIOS: [f64; 6] = [1.0, 1.31, 0.83, 1.57, 1.13, 0.91];

    /// The camera-frame transform the shake applies `t` seconds after step 0.
    fn transform_at(&self, t: f64) -> DMat4 {
        let wave = |i: usize| {
            libm::sin(
                std::f64::consts::TAU * self.frequency_hz * Self::RATIOS[i] * t + self.phases[i],
            )
        };
        let turn = quat_from_euler_xyz_deg([0, 1, 2].map(|i| self.amplitude_deg * wave(i)));
        let shift = DVec3::new(wave(3), wave(4), wave(5)) * self.translation_m;
        DMat4::from_rotation_translation(turn, shift)
    }
}

/// A keyframe's time.
trait Timed {
    fn time(&self) -> f64;
}

impl Timed for ObjectKey {
    fn time(&self) -> f64 {
        self.time
    }
}

impl Timed for CameraKey {
    fn time(&self) -> f64 {
        self.time
    }
}

/// The keyframed value at `t`: held before the first key and after the last, and between
/// two keys translations lerped and rotations slerped by the eased parameter; `None`
/// without keys.
fn keyed<K: Timed>(
    keys: &[K],
    t: f64,
    interpolation: Interpolation,
    value: impl Fn(&K) -> (DVec3, DQuat),
) -> Option<(DVec3, DQuat)> {
    let first = keys.first()?;
    let last = keys.last()?;
    if t <= first.time() {
        return Some(value(first));
    }
    if t >= last.time() {
        return Some(value(last));
    }
    let next = keys.iter().position(|k| k.time() > t)?;
    let (a, b) = (&keys[next - 1], &keys[next]);
    let span = b.time() - a.time();
    let u = interpolation.ease(if span > 0.0 {
        (t - a.time()) / span
    } else {
        1.0
    });
    let ((pa, qa), (pb, qb)) = (value(a), value(b));
    Some((pa.lerp(pb, u), qa.slerp(qb, u)))
}

/// An orbit whose azimuth sweeps at a constant rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrbitSweep {
    /// Centre, world frame.
    pub target: [f64; 3],
    /// Distance from the centre, metres.
    pub distance: f64,
    /// Elevation, degrees.
    pub elevation_deg: f64,
    /// Azimuth at step 0, degrees.
    pub start_azimuth_deg: f64,
    /// Degrees of azimuth per second.
    pub rate_deg_per_s: f64,
}

/// How the camera moves: an orbit sweep and/or a constant velocity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CameraMotion {
    /// Camera centre at step 0.
    pub start_position: [f64; 3],
    /// Look-at point at step 0.
    pub start_look_at: [f64; 3],
    /// World direction up in the image before roll.
    pub up: [f64; 3],
    /// Roll about the optical axis, degrees.
    pub roll_deg: f64,
    /// The orbit sweep, when the camera orbits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orbit: Option<OrbitSweep>,
    /// Velocity of the camera and its look-at point, world frame, m/s.
    pub velocity: [f64; 3],
    /// A keyframed path (its position and look-at point replace the drawn ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keyframes: Vec<CameraKey>,
    /// How the path is interpolated.
    pub interpolation: Interpolation,
    /// Hand-held shake on top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shake: Option<Shake>,
}

impl RigSample {
    /// Camera `index` of the rig when the rig's world→rig transform is `world_to_rig`,
    /// with `template`'s image size and clipping planes.
    pub fn camera(
        &self,
        index: usize,
        world_to_rig: DMat4,
        template: &CameraSample,
    ) -> Option<CameraSample> {
        let cam = self.cameras.get(index)?;
        let camera_to_rig = DMat4::from_cols_array_2d(&cam.camera_to_rig).transpose();
        let world_to_camera = camera_to_rig.inverse() * world_to_rig;
        let camera_to_world = world_to_camera.inverse();
        let position = camera_to_world.transform_point3(DVec3::ZERO);
        let look_at = camera_to_world.transform_point3(DVec3::Z * self.look_distance);
        let [fx, fy, cx, cy] = cam.intrinsics;
        Some(CameraSample::new(
            template.width,
            template.height,
            (fx, fy, cx, cy),
            template.near,
            template.far,
            position,
            look_at,
            world_to_camera,
        ))
    }
}

impl CameraMotion {
    /// Centre and look-at point `t` seconds after step 0.
    pub fn placement_at(&self, t: f64) -> (DVec3, DVec3) {
        // A keyframed path: position and look-at point each interpolated between keys.
        if !self.keyframes.is_empty() {
            let at = |pick: fn(&CameraKey) -> [f64; 3]| {
                keyed(&self.keyframes, t, self.interpolation, |k| {
                    (DVec3::from_array(pick(k)), DQuat::IDENTITY)
                })
                .map_or(DVec3::ZERO, |(p, _)| p)
            };
            return (at(|k| k.position), at(|k| k.look_at));
        }
        let shift = DVec3::from_array(self.velocity) * t;
        let position = match &self.orbit {
            Some(o) => orbit_point(
                DVec3::from_array(o.target),
                o.distance,
                o.elevation_deg.to_radians(),
                (o.start_azimuth_deg + o.rate_deg_per_s * t).to_radians(),
            ),
            None => DVec3::from_array(self.start_position),
        };
        (
            position + shift,
            DVec3::from_array(self.start_look_at) + shift,
        )
    }

    /// The world→camera transform `t` seconds after step 0, with the camera's centre and
    /// look-at point (both moved by the shake, when there is one).
    pub fn view_at(&self, t: f64) -> Result<(DMat4, DVec3, DVec3), MotionError> {
        let (position, look_at) = self.placement_at(t);
        let up = DVec3::from_array(self.up);
        let view = camera_view(position, look_at, up, self.roll_deg.to_radians()).ok_or(
            MotionError::DegenerateCamera {
                time_s: t,
                position: position.to_array(),
                look_at: look_at.to_array(),
            },
        )?;
        let Some(shake) = &self.shake else {
            return Ok((view, position, look_at));
        };
        let shaken = shake.transform_at(t) * view;
        let to_world = shaken.inverse();
        let reach = (look_at - position).length();
        Ok((
            shaken,
            to_world.transform_point3(DVec3::ZERO),
            to_world.transform_point3(DVec3::Z * reach),
        ))
    }

    /// The camera `t` seconds after step 0: `start`'s intrinsics and planes, moved.
    pub fn camera_at(&self, start: &CameraSample, t: f64) -> Result<CameraSample, MotionError> {
        let (view, position, look_at) = self.view_at(t)?;
        Ok(CameraSample::new(
            start.width,
            start.height,
            start.intrinsics(),
            start.near,
            start.far,
            position,
            look_at,
            view,
        ))
    }
}

/// Why a step of a sequence could not be posed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MotionError {
    /// The moving camera looks along its up vector or at its own position.
    #[error(
        "camera.motion: at {time_s} s the camera at {position:?} looking at {look_at:?} gives no valid view with its up vector"
    )]
    DegenerateCamera {
        /// Seconds since step 0.
        time_s: f64,
        /// Camera centre then.
        position: [f64; 3],
        /// Look-at point then.
        look_at: [f64; 3],
    },
    /// The frame is not part of a sequence, or the step or camera is past its end.
    #[error("step {step}, camera {camera} is not an image of this frame's sequence")]
    NoSuchStep {
        /// The step asked for.
        step: u32,
        /// The camera asked for.
        camera: u32,
    },
}

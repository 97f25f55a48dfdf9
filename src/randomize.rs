//! Spec + seed + frame index → [`FrameScene`]: pure, deterministic, no GPU.

use glam::DVec3;

use crate::geometry::{Pose, look_at_opencv, quat_from_euler_xyz_deg, srgb_to_linear};
use crate::rng::FrameRng;
use crate::scene::{CameraSample, FrameScene, LightSample, ObjectSample};
use crate::spec::{LightSpec, Spec};

/// Why a frame could not be sampled.
#[derive(Debug, thiserror::Error)]
pub enum RandomizeError {
    /// The spec was not validated ([`crate::spec::validate`]) and is inconsistent.
    #[error("spec not validated: {0}")]
    Unvalidated(&'static str),
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

/// Samples frame `frame` of a run of `spec` with seed `seed`.
pub fn sample_frame(spec: &Spec, seed: u64, frame: u64) -> Result<FrameScene, RandomizeError> {
    let rng = FrameRng::new(seed, frame);

    let cam = &spec.camera;
    let mut cam_rng = rng.stream("camera");
    let position = DVec3::from_array(cam.position.sample(&mut cam_rng));
    let look_at = DVec3::from_array(cam.look_at.sample(&mut cam_rng));
    let (w, h) = (spec.resolution.width, spec.resolution.height);
    let intrinsics = match (&cam.fov_y_deg, &cam.intrinsics) {
        (_, Some(k)) => (k.fx, k.fy, k.cx, k.cy),
        (Some(fov), None) => {
            let fov = fov.sample(&mut cam_rng).to_radians();
            let f = f64::from(h) * 0.5 / libm::tan(fov * 0.5);
            (f, f, f64::from(w) * 0.5, f64::from(h) * 0.5)
        }
        (None, None) => {
            return Err(RandomizeError::Unvalidated(
                "camera has neither fov_y_deg nor intrinsics",
            ));
        }
    };
    let world_to_camera = look_at_opencv(position, look_at, DVec3::from_array(cam.up)).ok_or(
        RandomizeError::DegenerateCamera {
            frame,
            position: position.to_array(),
            look_at: look_at.to_array(),
            up: cam.up,
        },
    )?;
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

    let lights = spec
        .lights
        .iter()
        .enumerate()
        .map(|(i, light)| {
            let mut r = rng.stream(&format!("lights[{i}]"));
            match light {
                LightSpec::Directional {
                    direction,
                    color,
                    intensity,
                } => {
                    let d = DVec3::from_array(direction.sample(&mut r));
                    LightSample::Directional {
                        direction: d.normalize_or(DVec3::NEG_Y).to_array(),
                        radiance_linear: linear(*color, intensity.sample(&mut r)),
                    }
                }
                LightSpec::Point {
                    position,
                    color,
                    intensity,
                } => LightSample::Point {
                    position: position.sample(&mut r),
                    radiance_linear: linear(*color, intensity.sample(&mut r)),
                },
            }
        })
        .collect();

    let ambient_linear = linear(
        spec.ambient.color,
        spec.ambient.intensity.sample(&mut rng.stream("ambient")),
    );

    let mut objects = Vec::new();
    let mut next_id: u16 = 1;
    for (i, group) in spec.objects.iter().enumerate() {
        let mut r = rng.stream(&format!("objects[{i}]"));
        let asset_index = spec
            .assets
            .iter()
            .position(|a| a.name == group.asset)
            .ok_or(RandomizeError::Unvalidated(
                "an object refers to an unknown asset",
            ))?;
        let asset = &spec.assets[asset_index];
        let category_id = asset.category.as_ref().map_or(0, |c| {
            let idx = spec.categories.iter().position(|k| &k.name == c);
            // Validated: category names exist and there are at most 65535 of them.
            idx.map_or(0, |i| i as u16 + 1)
        });
        for _ in 0..group.count {
            let translation = DVec3::from_array(group.position.sample(&mut r));
            let rotation = quat_from_euler_xyz_deg(group.rotation_deg.sample(&mut r));
            let scale = group.scale.sample(&mut r);
            let instance_id = if category_id > 0 {
                let id = next_id;
                // Validated: at most 65535 instances a frame.
                next_id = next_id.saturating_add(1);
                id
            } else {
                0
            };
            objects.push(ObjectSample {
                instance_id,
                asset: asset.name.clone(),
                asset_index,
                category: asset.category.clone(),
                category_id,
                pose_world: Pose::new(scale, rotation, translation),
            });
        }
    }

    Ok(FrameScene {
        frame_index: frame,
        camera,
        lights,
        ambient_linear,
        background_srgb: spec.background.color,
        objects,
    })
}

//! Spec + seed + frame index → [`FrameScene`]: pure, deterministic, no GPU.

use glam::{DMat4, DVec3};

use crate::geometry::{Pose, look_at_opencv, quat_axis_angle, srgb_to_linear};
use crate::rng::{FrameRng, StreamRng};
use crate::scene::{CameraSample, FrameScene, LightSample, ObjectSample};
use crate::spec::{AssetChoice, LightSpec, Spec};

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
    let camera = sample_camera(spec, &mut rng.stream("camera"), frame)?;

    let mut lights = Vec::new();
    for (i, light) in spec.lights.iter().enumerate() {
        let mut r = rng.stream(&format!("lights[{i}]"));
        for _ in 0..light.count().sample(&mut r) {
            lights.push(sample_light(light, &mut r));
        }
    }

    let ambient_linear = {
        let mut r = rng.stream("ambient");
        let intensity = spec.ambient.intensity.sample(&mut r);
        linear(spec.ambient.color.sample(&mut r), intensity)
    };
    let background_srgb = spec.background.color.sample(&mut rng.stream("background"));

    let mut objects = Vec::new();
    let mut next_id: u16 = 1;
    for (i, group) in spec.objects.iter().enumerate() {
        let mut r = rng.stream(&format!("objects[{i}]"));
        let candidates: Vec<usize> = match &group.asset {
            AssetChoice::Named(choice) => choice
                .values
                .iter()
                .map(|name| spec.assets.iter().position(|a| &a.name == name))
                .collect::<Option<_>>()
                .ok_or(RandomizeError::Unvalidated(
                    "an object refers to an unknown asset",
                ))?,
            AssetChoice::Category(cat) => spec
                .assets
                .iter()
                .enumerate()
                .filter(|(_, a)| a.category.as_deref() == Some(cat.as_str()))
                .map(|(k, _)| k)
                .collect(),
        };
        if candidates.is_empty() {
            return Err(RandomizeError::Unvalidated("an object group has no asset"));
        }
        let rotation = group.rotation_dist();
        let count = group.count.sample(&mut r);
        for _ in 0..count {
            let asset_index = match &group.asset {
                AssetChoice::Named(choice) => candidates[choice.sample_index(&mut r)],
                AssetChoice::Category(_) if candidates.len() == 1 => candidates[0],
                AssetChoice::Category(_) => candidates[r.below(candidates.len() as u64) as usize],
            };
            let asset = &spec.assets[asset_index];
            let category_id = asset.category.as_ref().map_or(0, |c| {
                let idx = spec.categories.iter().position(|k| &k.name == c);
                // Validated: category names exist and there are at most 65535 of them.
                idx.map_or(0, |i| i as u16 + 1)
            });
            let translation = DVec3::from_array(group.position.sample(&mut r));
            let rotation = rotation.sample(&mut r);
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
        background_srgb,
        objects,
    })
}

/// The camera: intrinsics, then position (or orbit), look-at point and roll.
fn sample_camera(
    spec: &Spec,
    r: &mut StreamRng,
    frame: u64,
) -> Result<CameraSample, RandomizeError> {
    let cam = &spec.camera;
    let (position, default_target) = match (&cam.position, &cam.orbit) {
        (Some(p), _) => (DVec3::from_array(p.sample(r)), DVec3::ZERO),
        (None, Some(o)) => {
            let target = DVec3::from_array(o.target.sample(r));
            let distance = o.distance.sample(r);
            let elevation = o.elevation_deg.sample(r).to_radians();
            let azimuth = o.azimuth_deg.sample(r).to_radians();
            let (ce, se) = (libm::cos(elevation), libm::sin(elevation));
            let offset = DVec3::new(ce * libm::sin(azimuth), se, ce * libm::cos(azimuth));
            (target + offset * distance, target)
        }
        (None, None) => {
            return Err(RandomizeError::Unvalidated(
                "camera has neither position nor orbit",
            ));
        }
    };
    let look_at = cam
        .look_at
        .as_ref()
        .map_or(default_target, |l| DVec3::from_array(l.sample(r)));
    let (w, h) = (spec.resolution.width, spec.resolution.height);
    let intrinsics = match (&cam.fov_y_deg, &cam.intrinsics) {
        (_, Some(k)) => (
            k.fx.sample(r),
            k.fy.sample(r),
            k.cx.sample(r),
            k.cy.sample(r),
        ),
        (Some(fov), None) => {
            let fov = fov.sample(r).to_radians();
            let f = f64::from(h) * 0.5 / libm::tan(fov * 0.5);
            (f, f, f64::from(w) * 0.5, f64::from(h) * 0.5)
        }
        (None, None) => {
            return Err(RandomizeError::Unvalidated(
                "camera has neither fov_y_deg nor intrinsics",
            ));
        }
    };
    let roll = cam.roll_deg.sample(r).to_radians();
    let degenerate = RandomizeError::DegenerateCamera {
        frame,
        position: position.to_array(),
        look_at: look_at.to_array(),
        up: cam.up,
    };
    let mut world_to_camera =
        look_at_opencv(position, look_at, DVec3::from_array(cam.up)).ok_or(degenerate)?;
    if roll != 0.0 {
        // The camera turns by +roll about its optical axis (z; x towards y is clockwise
        // seen from behind), so camera coordinates turn by -roll.
        let rolled = DMat4::from_quat(quat_axis_angle(DVec3::Z, -roll));
        world_to_camera = rolled * world_to_camera;
    }
    Ok(CameraSample::new(
        w,
        h,
        intrinsics,
        cam.near,
        cam.far,
        position,
        look_at,
        world_to_camera,
    ))
}

/// One light of `spec`'s kind: colour and intensity, then where it is.
fn sample_light(light: &LightSpec, r: &mut StreamRng) -> LightSample {
    let (color, intensity) = light.color_intensity();
    let intensity = intensity.sample(r);
    let radiance_linear = linear(color.sample(r), intensity);
    match light {
        LightSpec::Directional { direction, .. } => LightSample::Directional {
            direction: direction.sample(r, DVec3::NEG_Y).to_array(),
            radiance_linear,
        },
        LightSpec::Point { position, .. } => LightSample::Point {
            position: position.sample(r),
            radiance_linear,
        },
        LightSpec::Spot {
            position,
            direction,
            inner_cone_deg,
            outer_cone_deg,
            ..
        } => LightSample::Spot {
            position: position.sample(r),
            direction: direction.sample(r, DVec3::NEG_Y).to_array(),
            inner_cone_deg: inner_cone_deg.sample(r),
            outer_cone_deg: outer_cone_deg.sample(r),
            radiance_linear,
        },
    }
}

//! The camera of a frame: where it is (a position or an orbit), what it looks at, its
//! lens and roll, drawn from the frame's `camera` stream.

use glam::DVec3;

use super::RandomizeError;
use crate::camera::CameraSample;
use crate::geometry::{camera_view, orbit_point};
use crate::rng::StreamRng;
use crate::spec::resolve::{Lens, PixelOrigin, ResolvedSpec, Viewpoint};

/// Where the sampled camera is, as drawn (what a camera motion starts from).
pub(super) struct CameraDraw {
    pub(super) position: DVec3,
    pub(super) look_at: DVec3,
    pub(super) roll_deg: f64,
    /// The orbit's target, distance, elevation and azimuth (degrees), when it orbits.
    pub(super) orbit: Option<([f64; 3], f64, f64, f64)>,
}

/// The camera: position (or orbit), look-at point, intrinsics, then roll.
pub(super) fn sample_camera(
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

/// A lens's intrinsics `(fx, fy, cx, cy)` for a `w` × `h` image.
pub(super) fn sample_lens(
    lens: &Lens,
    (w, h): (u32, u32),
    r: &mut StreamRng,
) -> (f64, f64, f64, f64) {
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

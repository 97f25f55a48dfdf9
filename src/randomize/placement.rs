//! Where an instance goes: which asset it is, its shape (containers, surfaces), and one
//! draw of its pose for its group's placement, with the test that keeps it in the image.

use glam::{DQuat, DVec3};

use crate::camera::CameraSample;
use crate::geometry::{Bounds, Obb};
use crate::rng::StreamRng;
use crate::scene::ShapeSample;
use crate::spec::resolve::{AssetPick, ObjectGroup, Placement};

/// Which asset an instance is: one draw, none when there is a single candidate.
pub(super) fn pick_asset(pick: &AssetPick, r: &mut StreamRng) -> usize {
    match pick {
        AssetPick::Named(choice) => choice.values[choice.sample_index(r)],
        AssetPick::Category(candidates) if candidates.len() == 1 => candidates[0],
        AssetPick::Category(candidates) => candidates[r.below(candidates.len() as u64) as usize],
    }
}

/// A container's or surface's size drawn from a group's `shape` (the primitive's own
/// where the spec leaves a value out); none for an asset that is not one.
pub(super) fn sample_shape(
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

/// One draw of an instance's (scale, rotation, translation) for its group's placement;
/// `bounds` is the asset's box (unused by volume placement).
pub(super) fn draw_pose(
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
pub(super) fn inside_image(obb: &Obb, camera: &CameraSample, margin: f64) -> bool {
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

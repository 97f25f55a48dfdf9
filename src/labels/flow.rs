//! Optical flow of a sequence's frame: where each pixel's surface point is at the next
//! (forward) or the previous (backward) step, minus where it is now.
//!
//! Each pixel with a surface is lifted to the camera frame by its depth and `K`, taken to
//! the world, moved with its object's pose change (`M_other · M_now⁻¹`, the poses the
//! labels carry; pixels of unlabeled surfaces are static world, which validation
//! guarantees), and projected by the other step's camera:
//!
//! ```text
//! X = z K⁻¹ [u, v, 1]ᵀ        (OpenCV pixel centres at integers, z along the optical axis)
//! X' = W2C_other · M_other · M_now⁻¹ · C2W_now · X
//! flow = π(K_other X') − (u, v)
//! ```
//!
//! So an outside reprojection from the written depth, `K`, `world_to_camera` and poses
//! reproduces it (`../shared/tools/check_flow.py` does). Pixels with no surface get
//! [`UNKNOWN_FLOW`]; a point that ends behind the other camera gets its (meaningless)
//! projection all the same.

use glam::{DMat4, DVec4};

use crate::motion::{MotionError, scene_at_step};
use crate::scene::FrameScene;

/// Middlebury's value for "no flow here" (readers treat anything above 1e9 as unknown).
pub const UNKNOWN_FLOW: f32 = 1e10;

/// Which neighbour a flow field points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowDirection {
    /// From step t to step t + 1.
    Forward,
    /// From step t to step t − 1.
    Backward,
}

impl FlowDirection {
    /// The step this direction points to from `step`, if the sequence of `steps` has it.
    pub fn neighbour(self, step: u32, steps: u32) -> Option<u32> {
        match self {
            FlowDirection::Forward => step.checked_add(1).filter(|&s| s < steps),
            FlowDirection::Backward => step.checked_sub(1),
        }
    }

    /// Whether `scene` has a neighbour in this direction (it is a sequence's frame and not
    /// its last step, or not its first).
    pub fn applies(self, scene: &FrameScene) -> bool {
        scene
            .sequence
            .as_ref()
            .is_some_and(|s| self.neighbour(s.step, s.steps).is_some())
    }
}

fn mat(rows: &[[f64; 4]; 4]) -> DMat4 {
    DMat4::from_cols_array_2d(rows).transpose()
}

/// The flow of a frame of `scene` whose depth (metres along the optical axis, 0 where no
/// surface is) and instance ids are given, row-major, `width` pixels a row; `(dx, dy)`
/// per pixel. `None` when the frame has no neighbour in `direction`.
pub fn optical_flow(
    scene: &FrameScene,
    depth: &[f32],
    instance: &[u32],
    width: u32,
    direction: FlowDirection,
) -> Result<Option<Vec<[f32; 2]>>, MotionError> {
    let Some(seq) = scene.sequence.as_ref() else {
        return Ok(None);
    };
    let Some(step) = direction.neighbour(seq.step, seq.steps) else {
        return Ok(None);
    };
    let other = scene_at_step(scene, step)?;
    let (fx, fy, cx, cy) = scene.camera.intrinsics();
    // Camera point (u z, v z, z, 1) → camera point at the other step, per instance id:
    // the static world for 0 and any id without a labelled object.
    let lift = DMat4::from_cols(
        DVec4::new(1.0 / fx, 0.0, 0.0, 0.0),
        DVec4::new(0.0, 1.0 / fy, 0.0, 0.0),
        DVec4::new(-cx / fx, -cy / fy, 1.0, 0.0),
        DVec4::W,
    );
    let world_now = mat(&scene.camera.camera_to_world) * lift;
    let to_other = mat(&other.camera.world_to_camera);
    let static_world = to_other * world_now;
    let mut by_id: Vec<DMat4> = Vec::new();
    for (now, then) in scene.objects.iter().zip(&other.objects) {
        let id = usize::from(now.instance_id);
        if id == 0 {
            continue;
        }
        if by_id.len() <= id {
            by_id.resize(id + 1, static_world);
        }
        let moved = mat(&then.pose_world.matrix) * mat(&now.pose_world.matrix).inverse();
        by_id[id] = to_other * moved * world_now;
    }
    let (ofx, ofy, ocx, ocy) = other.camera.intrinsics();
    let w = width as usize;
    let flow = depth
        .iter()
        .zip(instance)
        .enumerate()
        .map(|(i, (&z, &id))| {
            if z <= 0.0 {
                return [UNKNOWN_FLOW; 2];
            }
            let z = f64::from(z);
            let (u, v) = ((i % w) as f64, (i / w) as f64);
            let m = by_id.get(id as usize).unwrap_or(&static_world);
            let p = *m * DVec4::new(u * z, v * z, z, 1.0);
            let (x, y) = (ofx * p.x / p.z + ocx, ofy * p.y / p.z + ocy);
            [(x - u) as f32, (y - v) as f32]
        })
        .collect();
    Ok(Some(flow))
}

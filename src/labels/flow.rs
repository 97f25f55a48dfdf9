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

/// A frame's occlusion masks towards its neighbours ([`occlusion`]); each is present
/// when the frame has that neighbour and its depth was at hand when the frame was made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Occlusion {
    /// Towards the next step.
    pub forward: Option<Vec<u8>>,
    /// Towards the previous step.
    pub backward: Option<Vec<u8>>,
}

impl Occlusion {
    /// The mask towards `direction`.
    pub fn get(&self, direction: FlowDirection) -> Option<&Vec<u8>> {
        match direction {
            FlowDirection::Forward => self.forward.as_ref(),
            FlowDirection::Backward => self.backward.as_ref(),
        }
    }

    /// Sets the mask towards `direction`.
    pub fn set(&mut self, direction: FlowDirection, mask: Option<Vec<u8>>) {
        match direction {
            FlowDirection::Forward => self.forward = mask,
            FlowDirection::Backward => self.backward = mask,
        }
    }
}

fn mat(rows: &[[f64; 4]; 4]) -> DMat4 {
    DMat4::from_cols_array_2d(rows).transpose()
}

/// Where each pixel of a frame goes at its neighbour step: `(x, y)` in the other image and
/// the depth there (`z ≤ 0` behind the camera), per pixel; `None` for pixels with no
/// surface.
pub type Reprojection = Vec<Option<([f64; 2], f64)>>;

/// Each pixel of a frame of `scene` (depth in metres along the optical axis, 0 where no
/// surface is; instance ids; row-major, `width` pixels a row) carried to the neighbour
/// step in `direction`. `None` when the frame has no neighbour there.
pub fn reproject(
    scene: &FrameScene,
    depth: &[f32],
    instance: &[u32],
    width: u32,
    direction: FlowDirection,
) -> Result<Option<Reprojection>, MotionError> {
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
    // Rows in parallel on the library's pool (fork-safe: a DataLoader worker forked
    // after the parent rendered has none of rayon's global threads).
    use rayon::prelude::*;
    let points = crate::parallel::install(|| {
        depth
            .par_iter()
            .zip(instance.par_iter())
            .enumerate()
            .with_min_len(w.max(1) * 16)
            .map(|(i, (&z, &id))| {
                if z <= 0.0 {
                    return None;
                }
                let z = f64::from(z);
                let (u, v) = ((i % w) as f64, (i / w) as f64);
                let m = by_id.get(id as usize).unwrap_or(&static_world);
                let p = *m * DVec4::new(u * z, v * z, z, 1.0);
                Some(([ofx * p.x / p.z + ocx, ofy * p.y / p.z + ocy], p.z))
            })
            .collect()
    });
    Ok(Some(points))
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
    let w = width as usize;
    Ok(
        reproject(scene, depth, instance, width, direction)?.map(|points| {
            points
                .iter()
                .enumerate()
                .map(|(i, p)| match p {
                    None => [UNKNOWN_FLOW; 2],
                    Some(([x, y], _)) => [(x - (i % w) as f64) as f32, (y - (i / w) as f64) as f32],
                })
                .collect()
        }),
    )
}

/// Each pixel's 3-D motion to the neighbour step in `direction`, `[dx, dy, dz]` metres:
/// the surface point in the other step's camera frame minus it in this one's (so `K`
/// projects point + scene flow where the optical flow puts the pixel); 0 where no
/// surface is. `None` when the frame has no neighbour there.
pub fn scene_flow(
    scene: &FrameScene,
    depth: &[f32],
    instance: &[u32],
    width: u32,
    direction: FlowDirection,
) -> Result<Option<Vec<[f32; 3]>>, MotionError> {
    let w = width as usize;
    let (fx, fy, cx, cy) = scene.camera.intrinsics();
    let Some(other) = scene_at_step_for(scene, direction)? else {
        return Ok(None);
    };
    let (ofx, ofy, ocx, ocy) = other.camera.intrinsics();
    Ok(
        reproject(scene, depth, instance, width, direction)?.map(|points| {
            points
                .iter()
                .zip(depth)
                .enumerate()
                .map(|(i, (p, &z))| {
                    let Some(([x, y], z1)) = *p else {
                        return [0.0; 3];
                    };
                    let z0 = f64::from(z);
                    let (u, v) = ((i % w) as f64, (i / w) as f64);
                    let now = [(u - cx) / fx * z0, (v - cy) / fy * z0, z0];
                    let then = [(x - ocx) / ofx * z1, (y - ocy) / ofy * z1, z1];
                    [0, 1, 2].map(|k| (then[k] - now[k]) as f32)
                })
                .collect()
        }),
    )
}

/// `scene` at its neighbour step in `direction`, if it has one.
fn scene_at_step_for(
    scene: &FrameScene,
    direction: FlowDirection,
) -> Result<Option<FrameScene>, MotionError> {
    let Some(seq) = scene.sequence.as_ref() else {
        return Ok(None);
    };
    match direction.neighbour(seq.step, seq.steps) {
        Some(step) => scene_at_step(scene, step).map(Some),
        None => Ok(None),
    }
}

/// A flow field in KITTI's 16-bit PNG encoding, row-major RGB: `dx · 64 + 2^15`,
/// `dy · 64 + 2^15`, 1 where valid (a surface, and both components within ±512 so they
/// fit), else `(0, 0, 0)`.
pub fn kitti_flow(flow: &[[f32; 2]]) -> Vec<u16> {
    flow.iter()
        .flat_map(|&[dx, dy]| {
            let fits = |d: f32| d.abs() < 512.0;
            if fits(dx) && fits(dy) {
                let enc =
                    |d: f32| (f64::from(d) * 64.0 + 32768.0).round().clamp(0.0, 65535.0) as u16;
                [enc(dx), enc(dy), 1]
            } else {
                [0, 0, 0]
            }
        })
        .collect()
}

/// Relative depth by which a point may lie behind the other step's surface and still
/// count as seen there (the surface's depth changes across the pixel it falls in).
pub const OCCLUSION_DEPTH_TOLERANCE: f64 = 0.01;

/// The occlusion mask of a frame towards its neighbour in `direction`, whose depth image
/// is `other_depth`: 1 where the pixel's surface point is outside the other image or
/// hidden there (every pixel of the 2 × 2 block around where it lands holds a surface
/// more than [`OCCLUSION_DEPTH_TOLERANCE`] nearer), else 0 (and 0 where no surface is).
pub fn occlusion(
    scene: &FrameScene,
    (depth, instance): (&[f32], &[u32]),
    other_depth: &[f32],
    (width, height): (u32, u32),
    direction: FlowDirection,
) -> Result<Option<Vec<u8>>, MotionError> {
    let (w, h) = (width as usize, height as usize);
    Ok(
        reproject(scene, depth, instance, width, direction)?.map(|points| {
            points
                .iter()
                .map(|p| {
                    let Some(([x, y], z)) = *p else { return 0 };
                    let inside =
                        z > 0.0 && x > -0.5 && y > -0.5 && x < w as f64 - 0.5 && y < h as f64 - 0.5;
                    if !inside {
                        return 1;
                    }
                    let (x0, y0) = (x.floor().max(0.0) as usize, y.floor().max(0.0) as usize);
                    let seen = [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)]
                        .iter()
                        .filter(|(a, b)| *a < w && *b < h)
                        .any(|&(a, b)| {
                            let d = f64::from(other_depth[b * w + a]);
                            d <= 0.0 || z <= d * (1.0 + OCCLUSION_DEPTH_TOLERANCE)
                        });
                    u8::from(!seen)
                })
                .collect()
        }),
    )
}

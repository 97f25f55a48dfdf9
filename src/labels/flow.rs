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

use glam::{DMat4, DVec4, Mat4, Vec4};

use crate::motion::MotionError;
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

/// A frame's motion towards one neighbour step: its optical flow and occlusion mask.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFlow {
    /// `(dx, dy)` per pixel, row-major ([`optical_flow`]); [`UNKNOWN_FLOW`] where no
    /// surface is.
    pub flow: Vec<[f32; 2]>,
    /// 1 where the pixel's surface point is outside the other image or hidden there,
    /// else 0 ([`occlusion`]'s rule).
    pub occlusion: Vec<u8>,
}

/// A frame's flow and occlusion masks towards its neighbours, made together from one
/// reprojection per direction ([`flow_and_occlusion`]); each is present when the frame
/// has that neighbour and its depth was at hand when the frame was made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameFlow {
    /// Towards the next step.
    pub forward: Option<StepFlow>,
    /// Towards the previous step.
    pub backward: Option<StepFlow>,
}

impl FrameFlow {
    /// The flow and mask towards `direction`.
    pub fn get(&self, direction: FlowDirection) -> Option<&StepFlow> {
        match direction {
            FlowDirection::Forward => self.forward.as_ref(),
            FlowDirection::Backward => self.backward.as_ref(),
        }
    }

    /// Sets the flow and mask towards `direction`.
    pub fn set(&mut self, direction: FlowDirection, flow: Option<StepFlow>) {
        match direction {
            FlowDirection::Forward => self.forward = flow,
            FlowDirection::Backward => self.backward = flow,
        }
    }
}

fn mat(rows: &[[f64; 4]; 4]) -> DMat4 {
    DMat4::from_cols_array_2d(rows).transpose()
}

/// Carries a frame's pixels to a neighbour step: per instance id, the map from a pixel's
/// `(u z, v z, z, 1)` to the point in the other step's camera frame, and that camera's
/// intrinsics.
///
/// The maps are composed in f64 and applied in f32 (a fifth faster per pixel): a pixel
/// lands within a few f32 steps of where f64 arithmetic puts it, a few 1e-7 of its
/// coordinate (under 2e-4 px on the 640 × 480 examples; about 3e-3 px at the largest
/// image side, 16384), the precision of the f32 depth it starts from.
struct Carrier {
    /// By instance id; ids without a labelled object (0 among them) move with the world.
    by_id: Vec<Mat4>,
    static_world: Mat4,
    /// The other camera's `(fx, fy, cx, cy)`.
    other: (f64, f64, f64, f64),
    /// The same in f32, as `carry` applies them.
    other_f32: Vec4,
}

impl Carrier {
    /// The carrier of `scene`'s frame towards `direction`; `None` when the frame has no
    /// neighbour there.
    fn new(scene: &FrameScene, direction: FlowDirection) -> Result<Option<Self>, MotionError> {
        let Some(seq) = scene.sequence.as_ref() else {
            return Ok(None);
        };
        let Some(step) = direction.neighbour(seq.step, seq.steps) else {
            return Ok(None);
        };
        let other = scene.at_step(step)?;
        let (fx, fy, cx, cy) = scene.camera.intrinsics();
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
        Ok(Some(Self {
            by_id: by_id.iter().map(DMat4::as_mat4).collect(),
            static_world: static_world.as_mat4(),
            other: (ofx, ofy, ocx, ocy),
            other_f32: DVec4::new(ofx, ofy, ocx, ocy).as_vec4(),
        }))
    }

    /// Where the surface point at pixel `(u, v)`, depth `z` (> 0), of instance `id` is
    /// at the other step: `(x, y)` in the other image and its depth there (`≤ 0` behind
    /// the camera, where the projection means nothing).
    #[inline]
    fn carry(&self, (u, v): (f32, f32), z: f32, id: u32) -> ([f32; 2], f32) {
        let m = self.by_id.get(id as usize).unwrap_or(&self.static_world);
        let p = *m * Vec4::new(u * z, v * z, z, 1.0);
        let k = self.other_f32;
        let r = 1.0 / p.z;
        ([k.x * p.x * r + k.z, k.y * p.y * r + k.w], p.z)
    }
}

/// Rows a parallel task takes at once.
const ROWS_PER_TASK: usize = 16;

/// Fills `out` (row-major, `width` a row) by `pixel((x, y), index, value)` in blocks of
/// rows on the library's pool (fork-safe: a DataLoader worker forked after the parent
/// rendered has none of rayon's global threads).
fn fill_rows<T: Send>(
    out: &mut [T],
    width: usize,
    pixel: impl Fn((usize, usize), usize, &mut T) + Sync,
) {
    let w = width.max(1);
    for_rows(out, &mut [], w, |y, row, _: &mut [()]| {
        for (x, value) in row.iter_mut().enumerate() {
            pixel((x, y), y * w + x, value);
        }
    });
}

/// Calls `row(y, a_row, b_row)` for each row of two images (row-major, `width` a row;
/// `b` is as long as `a`, or empty and its rows then too) in blocks of rows on the
/// library's pool, as [`fill_rows`] does.
fn for_rows<A: Send, B: Send>(
    a: &mut [A],
    b: &mut [B],
    width: usize,
    row: impl Fn(usize, &mut [A], &mut [B]) + Sync,
) {
    use rayon::prelude::*;
    let w = width.max(1);
    let block = w * ROWS_PER_TASK;
    let run = |n: usize, a: &mut [A], b: &mut [B]| {
        for (r, a_row) in a.chunks_mut(w).enumerate() {
            let b_row = b.get_mut(r * w..(r + 1) * w).unwrap_or_default();
            row(n * ROWS_PER_TASK + r, a_row, b_row);
        }
    };
    crate::parallel::install(|| {
        if b.is_empty() {
            a.par_chunks_mut(block)
                .enumerate()
                .for_each(|(n, a)| run(n, a, &mut []));
        } else {
            a.par_chunks_mut(block)
                .zip(b.par_chunks_mut(block))
                .enumerate()
                .for_each(|(n, (a, b))| run(n, a, b));
        }
    });
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
    let Some(carrier) = Carrier::new(scene, direction)? else {
        return Ok(None);
    };
    let w = width as usize;
    let mut flow = vec![[UNKNOWN_FLOW; 2]; depth.len()];
    fill_rows(&mut flow, w, |(x, y), i, out| {
        if depth[i] > 0.0 {
            let (u, v) = (x as f32, y as f32);
            let ([x, y], _) = carrier.carry((u, v), depth[i], instance[i]);
            *out = [x - u, y - v];
        }
    });
    Ok(Some(flow))
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
    let Some(carrier) = Carrier::new(scene, direction)? else {
        return Ok(None);
    };
    let w = width as usize;
    let (fx, fy, cx, cy) = scene.camera.intrinsics();
    let (ofx, ofy, ocx, ocy) = carrier.other;
    let mut field = vec![[0.0; 3]; depth.len()];
    fill_rows(&mut field, w, |(u, v), i, out| {
        let z0 = depth[i];
        if z0 <= 0.0 {
            return;
        }
        let ([x, y], z1) = carrier.carry((u as f32, v as f32), z0, instance[i]);
        let (u, v) = (u as f64, v as f64);
        let (x, y, z0, z1) = (f64::from(x), f64::from(y), f64::from(z0), f64::from(z1));
        let now = [(u - cx) / fx * z0, (v - cy) / fy * z0, z0];
        let then = [(x - ocx) / ofx * z1, (y - ocy) / ofy * z1, z1];
        *out = [0, 1, 2].map(|k| (then[k] - now[k]) as f32);
    });
    Ok(Some(field))
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
pub const OCCLUSION_DEPTH_TOLERANCE: f32 = 0.01;

/// Whether a point carried to `(x, y)` at depth `z` in the other image (`width` ×
/// `height`, depth image `other_depth`) is hidden there or outside it: outside the image
/// or behind the camera, or every pixel of the 2 × 2 block around where it lands holds a
/// surface more than [`OCCLUSION_DEPTH_TOLERANCE`] nearer.
#[inline]
fn occluded([x, y]: [f32; 2], z: f32, other_depth: &[f32], (w, h): (usize, usize)) -> bool {
    let inside = z > 0.0 && x > -0.5 && y > -0.5 && x < w as f32 - 0.5 && y < h as f32 - 0.5;
    if !inside {
        return true;
    }
    // -0.5 < x, y < 16384: the casts floor them (truncating towards 0); a block reaching
    // past the last row or column looks at that row or column twice.
    let (x0, y0) = (x as i32 as usize, y as i32 as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let nearer = |a: usize, b: usize| {
        let d = other_depth[b * w + a];
        d > 0.0 && z > d * (1.0 + OCCLUSION_DEPTH_TOLERANCE)
    };
    nearer(x0, y0) && nearer(x1, y0) && nearer(x0, y1) && nearer(x1, y1)
}

/// The occlusion mask of a frame towards its neighbour in `direction`, whose depth image
/// is `other_depth`: 1 where the pixel's surface point is outside the other image or
/// hidden there (every pixel of the 2 × 2 block around where it lands holds a surface
/// more than [`OCCLUSION_DEPTH_TOLERANCE`] nearer), else 0 (and 0 where no surface is).
pub fn occlusion(
    scene: &FrameScene,
    (depth, instance): (&[f32], &[u32]),
    other_depth: &[f32],
    size: (u32, u32),
    direction: FlowDirection,
) -> Result<Option<Vec<u8>>, MotionError> {
    Ok(
        flow_and_occlusion(scene, (depth, instance), other_depth, size, direction)?
            .map(|f| f.occlusion),
    )
}

/// The flow ([`optical_flow`]) and the occlusion mask ([`occlusion`]) of a frame towards
/// its neighbour in `direction`, whose depth image is `other_depth`, from one
/// reprojection of its pixels. `None` when the frame has no neighbour there.
pub fn flow_and_occlusion(
    scene: &FrameScene,
    (depth, instance): (&[f32], &[u32]),
    other_depth: &[f32],
    (width, height): (u32, u32),
    direction: FlowDirection,
) -> Result<Option<StepFlow>, MotionError> {
    let Some(carrier) = Carrier::new(scene, direction)? else {
        return Ok(None);
    };
    let (w, h) = (width as usize, height as usize);
    let mut flow = vec![[UNKNOWN_FLOW; 2]; depth.len()];
    let mut mask = vec![0u8; depth.len()];
    for_rows(&mut flow, &mut mask, w, |y, flow, mask| {
        let row = y * w;
        let (depth, instance) = (&depth[row..row + w], &instance[row..row + w]);
        let pixels = flow.iter_mut().zip(mask).zip(depth.iter().zip(instance));
        for (x, ((f, m), (&z, &id))) in pixels.enumerate() {
            if z > 0.0 {
                let (u, v) = (x as f32, y as f32);
                let (p, pz) = carrier.carry((u, v), z, id);
                *f = [p[0] - u, p[1] - v];
                *m = u8::from(occluded(p, pz, other_depth, (w, h)));
            }
        }
    });
    Ok(Some(StepFlow {
        flow,
        occlusion: mask,
    }))
}

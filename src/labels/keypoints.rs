//! The cuboid as COCO keypoints: its 8 corners (in [`crate::geometry::box_corners`]' order)
//! and its centre, each with COCO's visibility flag.

use glam::DVec3;

use crate::camera::CameraSample;

/// Keypoint names, in order: the corners, then the centre.
pub const KEYPOINT_NAMES: [&str; 9] = [
    "corner0", "corner1", "corner2", "corner3", "corner4", "corner5", "corner6", "corner7",
    "centre",
];

/// How much nearer (metres) a surface must be than a keypoint to hide it.
pub const OCCLUSION_MARGIN_M: f64 = 0.01;

/// The cuboid's 12 edges as 1-based keypoint pairs (COCO's `skeleton`): corners that
/// differ in one coordinate.
pub fn skeleton() -> Vec<[u8; 2]> {
    let mut edges = Vec::with_capacity(12);
    for i in 0u8..8 {
        for bit in [1u8, 2, 4] {
            if i & bit == 0 {
                edges.push([i + 1, (i | bit) + 1]);
            }
        }
    }
    edges
}

/// `[x1, y1, v1, ..., x9, y9, v9]` for the camera-frame `corners` and their centre, in
/// COCO's continuous pixel coordinates (pixel `u` spans `[u, u + 1]`: `K`'s projection +
/// 0.5). `v` is 0 for a point outside the image or behind the camera (its `x`, `y` then
/// 0), 2 when no surface in `depth` (metres, row-major, 0 = none) at its pixel is nearer
/// than the point by [`OCCLUSION_MARGIN_M`], else 1.
pub fn cuboid_keypoints(corners: &[DVec3; 8], camera: &CameraSample, depth: &[f32]) -> Vec<f64> {
    let centre = corners.iter().fold(DVec3::ZERO, |a, &c| a + c) / 8.0;
    let (w, h) = (f64::from(camera.width), f64::from(camera.height));
    let mut out = Vec::with_capacity(27);
    for p in corners.iter().chain(std::iter::once(&centre)) {
        let [u, v] = camera.project(*p);
        let (x, y) = (u + 0.5, v + 0.5);
        if p.z <= 0.0 || !(0.0..w).contains(&x) || !(0.0..h).contains(&y) {
            out.extend([0.0, 0.0, 0.0]);
            continue;
        }
        let pixel = (y as usize) * camera.width as usize + x as usize;
        let surface = depth.get(pixel).copied().map_or(0.0, f64::from);
        let hidden = surface > 0.0 && surface < p.z - OCCLUSION_MARGIN_M;
        out.extend([x, y, if hidden { 1.0 } else { 2.0 }]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skeleton_is_the_twelve_box_edges() {
        let edges = skeleton();
        assert_eq!(edges.len(), 12);
        for [a, b] in edges {
            assert_eq!(((a - 1) ^ (b - 1)).count_ones(), 1, "{a}-{b}");
        }
    }
}

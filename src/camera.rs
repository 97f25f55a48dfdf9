//! `CameraSample`: the camera of one image, its intrinsics in pixels (OpenCV's
//! convention) and its pose, as [`crate::scene::FrameScene`] holds it and
//! [`crate::motion`] moves it.

use glam::{DMat4, DVec3};
use serde::Serialize;

use crate::geometry::{canonical_xyzw, mat4_rows};

/// The sampled camera: intrinsics in pixels and its pose.
#[derive(Debug, Clone, Serialize)]
pub struct CameraSample {
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Intrinsic matrix K in pixels, row-major, in OpenCV's convention: the centre of pixel
    /// (u, v) has coordinates (u, v).
    #[serde(rename = "K")]
    pub k: [[f64; 3]; 3],
    /// Near clipping plane, metres.
    pub near: f64,
    /// Far clipping plane, metres.
    pub far: f64,
    /// Camera centre in world coordinates.
    pub position: [f64; 3],
    /// Point the optical axis goes through.
    pub look_at: [f64; 3],
    /// World→camera transform (OpenCV camera frame), row-major 4×4.
    pub world_to_camera: [[f64; 4]; 4],
    /// Rotation part of `world_to_camera` as a quaternion `[x, y, z, w]`, `w >= 0`.
    pub world_to_camera_rotation_xyzw: [f64; 4],
    /// Camera→world transform, row-major 4×4.
    pub camera_to_world: [[f64; 4]; 4],
}

impl CameraSample {
    /// Builds the sample from intrinsics in OpenCV's convention (`cx`, `cy` measured from
    /// the centre of the top-left pixel) and a world→camera transform.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        width: u32,
        height: u32,
        (fx, fy, cx, cy): (f64, f64, f64, f64),
        near: f64,
        far: f64,
        position: DVec3,
        look_at: DVec3,
        world_to_camera: DMat4,
    ) -> Self {
        let (_, rotation, _) = world_to_camera.to_scale_rotation_translation();
        Self {
            width,
            height,
            k: [[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]],
            near,
            far,
            position: position.to_array(),
            look_at: look_at.to_array(),
            world_to_camera: mat4_rows(world_to_camera),
            world_to_camera_rotation_xyzw: canonical_xyzw(rotation.normalize()),
            camera_to_world: mat4_rows(world_to_camera.inverse()),
        }
    }

    /// World→camera transform as a matrix.
    pub fn world_to_camera(&self) -> DMat4 {
        DMat4::from_cols_array_2d(&self.world_to_camera).transpose()
    }

    /// Focal lengths and principal point `(fx, fy, cx, cy)` as in `K` (OpenCV's
    /// convention).
    pub fn intrinsics(&self) -> (f64, f64, f64, f64) {
        (self.k[0][0], self.k[1][1], self.k[0][2], self.k[1][2])
    }

    /// The intrinsics with the principal point measured from the image's top-left corner
    /// (`cx + 0.5`, `cy + 0.5`): the convention of the rasterizer's viewport, where the
    /// image spans `[0, W] × [0, H]`.
    pub fn raster_intrinsics(&self) -> (f64, f64, f64, f64) {
        let (fx, fy, cx, cy) = self.intrinsics();
        (fx, fy, cx + 0.5, cy + 0.5)
    }

    /// Where the camera-frame point `p` projects with `K`, OpenCV's pixel coordinates
    /// (meaningless for points with `z <= 0`).
    pub fn project(&self, p: DVec3) -> [f64; 2] {
        let (fx, fy, cx, cy) = self.intrinsics();
        [fx * p.x / p.z + cx, fy * p.y / p.z + cy]
    }
}

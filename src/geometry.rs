//! Deterministic geometry helpers for the sampled scene.
//!
//! Only IEEE-exact arithmetic (+, -, ×, ÷, sqrt) and `libm`'s transcendental functions
//! are used here, never the platform's `sin`/`cos`/`pow`, so a sampled scene is the
//! same on every machine.

use glam::{DMat3, DMat4, DQuat, DVec3};
use serde::{Deserialize, Serialize};

/// A unit quaternion for a rotation of `angle` radians about a unit `axis`.
pub fn quat_axis_angle(axis: DVec3, angle: f64) -> DQuat {
    let (s, c) = (libm::sin(angle * 0.5), libm::cos(angle * 0.5));
    DQuat::from_xyzw(axis.x * s, axis.y * s, axis.z * s, c)
}

/// Rotation from X, Y, Z angles in degrees about the world axes, in that order
/// (R = Rz · Ry · Rx).
pub fn quat_from_euler_xyz_deg(deg: [f64; 3]) -> DQuat {
    let [x, y, z] = deg.map(f64::to_radians);
    let qx = quat_axis_angle(DVec3::X, x);
    let qy = quat_axis_angle(DVec3::Y, y);
    let qz = quat_axis_angle(DVec3::Z, z);
    (qz * qy * qx).normalize()
}

/// World→camera transform in the OpenCV camera frame (x right, y down, z forward) for a
/// camera at `eye` looking at `target` with `up` appearing up in the image.
/// Returns `None` when the view direction is zero or parallel to `up`.
pub fn look_at_opencv(eye: DVec3, target: DVec3, up: DVec3) -> Option<DMat4> {
    let forward = (target - eye).try_normalize()?;
    let right = forward.cross(up).try_normalize()?;
    let down = forward.cross(right);
    // Rows of the rotation are the camera axes expressed in world coordinates.
    let r = DMat3::from_cols(right, down, forward).transpose();
    let t = -(r * eye);
    Some(DMat4::from_cols(
        r.x_axis.extend(0.0),
        r.y_axis.extend(0.0),
        r.z_axis.extend(0.0),
        t.extend(1.0),
    ))
}

/// sRGB transfer function inverse (sRGB component → linear).
pub fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        libm::pow((c + 0.055) / 1.055, 2.4)
    }
}

/// sRGB transfer function (linear component in `[0, 1]` → sRGB).
pub fn linear_to_srgb(l: f64) -> f64 {
    if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * libm::pow(l, 1.0 / 2.4) - 0.055
    }
}

/// A rigid pose plus uniform scale, in the forms labels carry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pose {
    /// Translation, metres.
    pub translation: [f64; 3],
    /// Rotation quaternion `[x, y, z, w]`.
    pub rotation_xyzw: [f64; 4],
    /// Rotation as a 3×3 matrix, row-major.
    pub rotation_matrix: [[f64; 3]; 3],
    /// Uniform scale factor.
    pub scale: f64,
    /// The full 4×4 transform (translation · rotation · scale), row-major.
    pub matrix: [[f64; 4]; 4],
}

impl Pose {
    /// The pose of a transform made of a uniform scale, a rotation and a translation.
    pub fn new(scale: f64, rotation: DQuat, translation: DVec3) -> Self {
        let m = DMat4::from_scale_rotation_translation(DVec3::splat(scale), rotation, translation);
        Self {
            translation: translation.to_array(),
            rotation_xyzw: rotation.to_array(),
            rotation_matrix: mat3_rows(DMat3::from_quat(rotation)),
            scale,
            matrix: mat4_rows(m),
        }
    }

    /// This pose seen from a frame whose world→frame transform is `rotation`, `translation`.
    pub fn in_frame(&self, frame_rotation: DQuat, frame_translation: DVec3) -> Self {
        let q = DQuat::from_array(self.rotation_xyzw);
        let t = DVec3::from_array(self.translation);
        Self::new(
            self.scale,
            (frame_rotation * q).normalize(),
            frame_rotation * t + frame_translation,
        )
    }
}

/// A 3×3 matrix as row-major nested arrays.
pub fn mat3_rows(m: DMat3) -> [[f64; 3]; 3] {
    m.transpose().to_cols_array_2d()
}

/// A 4×4 matrix as row-major nested arrays.
pub fn mat4_rows(m: DMat4) -> [[f64; 4]; 4] {
    m.transpose().to_cols_array_2d()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_at_maps_target_onto_optical_axis() {
        let eye = DVec3::new(1.0, 2.0, 3.0);
        let target = DVec3::new(0.0, 0.5, 0.0);
        let m = look_at_opencv(eye, target, DVec3::Y).unwrap();
        let p = m.transform_point3(target);
        assert!(p.x.abs() < 1e-12 && p.y.abs() < 1e-12 && p.z > 0.0);
        // A point above the target appears up in the image: negative y in OpenCV.
        let above = m.transform_point3(target + DVec3::Y * 0.1);
        assert!(above.y < 0.0);
        assert!((m.transform_point3(eye)).length() < 1e-12);
    }

    #[test]
    fn euler_order_is_x_then_y_then_z() {
        let q = quat_from_euler_xyz_deg([90.0, 90.0, 0.0]);
        // Rx(90) takes +Y to +Z, then Ry(90) takes +Z to +X.
        let v = q * DVec3::Y;
        assert!((v - DVec3::X).length() < 1e-12, "{v}");
    }

    #[test]
    fn srgb_round_values() {
        assert_eq!(srgb_to_linear(0.0), 0.0);
        assert!((srgb_to_linear(1.0) - 1.0).abs() < 1e-12);
        assert!((srgb_to_linear(0.5) - 0.214_041).abs() < 1e-6);
    }
}

//! Deterministic geometry helpers for the sampled scene.
//!
//! Only IEEE-exact arithmetic (+, -, ×, ÷, sqrt) and `libm`'s transcendental functions
//! are used here, never the platform's `sin`/`cos`/`pow`, so a sampled scene is the
//! same on every machine.

use glam::{DMat3, DMat4, DQuat, DVec3};
use serde::{Deserialize, Serialize};

/// An asset's axis-aligned bounding box in its own frame: `(min, max)`.
pub type Bounds = (DVec3, DVec3);

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

/// World→camera transform (OpenCV camera frame) of a camera at `eye` looking at `target`
/// with `up` appearing up, then turned by `roll` radians about its optical axis
/// (clockwise as seen from behind it). `None` as for [`look_at_opencv`].
pub fn camera_view(eye: DVec3, target: DVec3, up: DVec3, roll: f64) -> Option<DMat4> {
    let mut world_to_camera = look_at_opencv(eye, target, up)?;
    if roll != 0.0 {
        // The camera turns by +roll about its optical axis (z; x towards y is clockwise
        // seen from behind), so camera coordinates turn by -roll.
        let rolled = DMat4::from_quat(quat_axis_angle(DVec3::Z, -roll));
        world_to_camera = rolled * world_to_camera;
    }
    Some(world_to_camera)
}

/// A point on a sphere of radius `distance` around `target`: azimuth (radians) about +Y
/// from +Z towards +X, elevation (radians) above the XZ plane.
pub fn orbit_point(target: DVec3, distance: f64, elevation: f64, azimuth: f64) -> DVec3 {
    let (ce, se) = (libm::cos(elevation), libm::sin(elevation));
    let offset = DVec3::new(ce * libm::sin(azimuth), se, ce * libm::cos(azimuth));
    target + offset * distance
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

/// A quaternion as `[x, y, z, w]` with `w >= 0` (`q` and `-q` are the same rotation; the
/// labels always give the one with a non-negative scalar part).
pub fn canonical_xyzw(q: DQuat) -> [f64; 4] {
    if q.w < 0.0 {
        (-q).to_array()
    } else {
        q.to_array()
    }
}

/// A rigid pose plus uniform scale, in the forms labels carry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pose {
    /// Translation, metres.
    pub translation: [f64; 3],
    /// Rotation quaternion `[x, y, z, w]`, with `w >= 0`.
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
            rotation_xyzw: canonical_xyzw(rotation),
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

/// The 8 corners of the axis-aligned box `(lo, hi)` in a fixed order: corner `i` takes
/// `hi.x` when bit 0 of `i` is set (else `lo.x`), `hi.y` for bit 1 and `hi.z` for bit 2.
/// So 0 = (lo.x, lo.y, lo.z), 1 = (hi.x, lo.y, lo.z), 2 = (lo.x, hi.y, lo.z), …,
/// 7 = (hi.x, hi.y, hi.z).
pub fn box_corners((lo, hi): Bounds) -> [DVec3; 8] {
    std::array::from_fn(|i| {
        let pick = |bit: usize, l: f64, h: f64| if i & (1 << bit) == 0 { l } else { h };
        DVec3::new(
            pick(0, lo.x, hi.x),
            pick(1, lo.y, hi.y),
            pick(2, lo.z, hi.z),
        )
    })
}

/// An oriented box: `center`, unit `axes` (columns of a rotation) and `half` extents
/// along them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obb {
    /// Centre, world frame.
    pub center: DVec3,
    /// The box's unit axes in the world frame.
    pub axes: [DVec3; 3],
    /// Half extents along `axes`.
    pub half: DVec3,
}

impl Obb {
    /// The world box of local bounds `(lo, hi)` under `scale`, `rotation`, `translation`.
    pub fn from_bounds(
        bounds: (DVec3, DVec3),
        scale: f64,
        rotation: DQuat,
        translation: DVec3,
    ) -> Self {
        let (lo, hi) = bounds;
        Self {
            center: translation + rotation * ((lo + hi) * 0.5 * scale),
            axes: [
                rotation * DVec3::X,
                rotation * DVec3::Y,
                rotation * DVec3::Z,
            ],
            half: (hi - lo).abs() * 0.5 * scale,
        }
    }

    /// The eight corners.
    pub fn corners(&self) -> [DVec3; 8] {
        std::array::from_fn(|i| {
            let sign = |bit: usize| if i & (1 << bit) == 0 { -1.0 } else { 1.0 };
            self.center
                + self.axes[0] * (self.half.x * sign(0))
                + self.axes[1] * (self.half.y * sign(1))
                + self.axes[2] * (self.half.z * sign(2))
        })
    }

    /// Whether the two boxes overlap (touching counts), by the separating-axis test over
    /// the 15 candidate axes (Gottschalk et al., "OBBTree", 1996).
    pub fn intersects(&self, other: &Obb) -> bool {
        let (a, b) = (self, other);
        let t = b.center - a.center;
        let ha = a.half.to_array();
        let hb = b.half.to_array();
        let radius = |axis: DVec3, axes: &[DVec3; 3], h: &[f64; 3]| {
            (0..3)
                .map(|k| (axes[k].dot(axis)).abs() * h[k])
                .sum::<f64>()
        };
        let mut candidates: Vec<DVec3> = Vec::with_capacity(15);
        candidates.extend(a.axes);
        candidates.extend(b.axes);
        for i in 0..3 {
            for j in 0..3 {
                let c = a.axes[i].cross(b.axes[j]);
                // Parallel edges: the face axes already cover this direction.
                if c.length_squared() > 1e-18 {
                    candidates.push(c);
                }
            }
        }
        candidates.iter().all(|&axis| {
            t.dot(axis).abs() <= radius(axis, &a.axes, &ha) + radius(axis, &b.axes, &hb)
        })
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
    fn obb_intersection_matches_point_sampling() {
        // Pairs of random boxes: when any sampled point of one lies inside the other they
        // must be reported as intersecting; when SAT reports them disjoint no sample of
        // either may lie in the other.
        let inside = |b: &Obb, p: DVec3| {
            let d = p - b.center;
            (0..3).all(|k| d.dot(b.axes[k]).abs() <= b.half[k] + 1e-12)
        };
        let mut state = 0x1234_5678_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut disjoint_seen = 0;
        let mut overlap_seen = 0;
        for _ in 0..400 {
            let mut random_box = || {
                let rot = quat_from_euler_xyz_deg([next() * 360.0, next() * 360.0, next() * 360.0]);
                let t = DVec3::new(next() * 2.0, next() * 2.0, next() * 2.0);
                let lo = DVec3::new(-next(), -next(), -next()) * 0.6;
                let hi = DVec3::new(next(), next(), next()) * 0.6;
                Obb::from_bounds((lo, hi), 1.0, rot, t)
            };
            let (a, b) = (random_box(), random_box());
            let sat = a.intersects(&b);
            assert_eq!(sat, b.intersects(&a), "SAT is symmetric");
            let n = 8;
            let mut point_inside = false;
            for (x, y) in [(&a, &b), (&b, &a)] {
                for i in 0..=n {
                    for j in 0..=n {
                        for k in 0..=n {
                            let f = |v: usize| v as f64 / n as f64 * 2.0 - 1.0;
                            let p = x.center
                                + x.axes[0] * (x.half.x * f(i))
                                + x.axes[1] * (x.half.y * f(j))
                                + x.axes[2] * (x.half.z * f(k));
                            point_inside |= inside(y, p);
                        }
                    }
                }
            }
            if point_inside {
                assert!(sat, "sampled overlap but SAT says disjoint: {a:?} {b:?}");
                overlap_seen += 1;
            }
            if !sat {
                disjoint_seen += 1;
            }
        }
        assert!(
            disjoint_seen > 50 && overlap_seen > 50,
            "{disjoint_seen} {overlap_seen}"
        );
        // Boxes that touch face to face intersect; a hair apart they do not.
        let unit = (DVec3::splat(-0.5), DVec3::splat(0.5));
        let a = Obb::from_bounds(unit, 1.0, DQuat::IDENTITY, DVec3::ZERO);
        let touching = Obb::from_bounds(unit, 1.0, DQuat::IDENTITY, DVec3::X);
        let apart = Obb::from_bounds(unit, 1.0, DQuat::IDENTITY, DVec3::X * 1.001);
        assert!(a.intersects(&touching) && !a.intersects(&apart));
        // A 45°-turned box whose corner would poke into the other's face region only by
        // its axis-aligned bounds: disjoint (needs a face axis of the turned box).
        let turned = Obb::from_bounds(
            unit,
            1.0,
            quat_from_euler_xyz_deg([0.0, 0.0, 45.0]),
            DVec3::new(1.15, 1.15, 0.0),
        );
        assert!(!a.intersects(&turned));
    }

    #[test]
    fn srgb_round_values() {
        assert_eq!(srgb_to_linear(0.0), 0.0);
        assert!((srgb_to_linear(1.0) - 1.0).abs() < 1e-12);
        assert!((srgb_to_linear(0.5) - 0.214_041).abs() < 1e-6);
    }
}

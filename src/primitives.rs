//! Built-in primitive meshes (cube, sphere, cylinder, cone, torus, plane): distractors,
//! ground planes and the project's own assets are made from them.
//!
//! Each is centred on the origin and about one metre across, with outward normals,
//! counter-clockwise front faces and UVs in [0, 1]. Trigonometry comes from `libm`, so
//! the vertices, and the bounds that placement uses, are the same on every machine.

use std::f32::consts::PI;

use serde::{Deserialize, Serialize};

/// An indexed triangle mesh with per-vertex normals and UVs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshData {
    /// Positions, metres.
    pub positions: Vec<[f32; 3]>,
    /// Unit normals.
    pub normals: Vec<[f32; 3]>,
    /// Texture coordinates.
    pub uvs: Vec<[f32; 2]>,
    /// Triangle list, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
}

/// The built-in shapes a spec can name as an asset (`"primitive": "torus"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrimitiveKind {
    /// Unit cube, edges along the axes.
    Cube,
    /// Sphere of diameter 1.
    Sphere,
    /// Cylinder of diameter 1 and height 1 along +Y, capped.
    Cylinder,
    /// Cone of base diameter 1 and height 1, apex up (+Y), capped.
    Cone,
    /// Torus in the XZ plane: ring radius 0.35, tube radius 0.15.
    Torus,
    /// 1 × 1 square in the XZ plane facing +Y (drawn from both sides).
    Plane,
    /// An open box (container) 1 wide (x), 0.4 tall, 0.8 deep, walls and floor 2 cm
    /// thick: a bin to drop parts into.
    Bin,
    /// A low open box 1 × 0.1 × 0.7, walls 1.5 cm thick.
    Tray,
    /// Shelving 1 wide, 1.6 tall, 0.4 deep: two sides, a back and four boards (the
    /// lowest on the floor), 2 cm thick, open at the front (+z).
    Shelf,
    /// A table 1.2 × 0.75 × 0.8: a 4 cm top on four 5 cm legs.
    Table,
}

/// An axis-aligned box: centre and half sides, metres.
pub type BoxPart = ([f64; 3], [f64; 3]);

/// The transform that makes the unit [`cube`] into `part`.
pub fn part_matrix((centre, half): &BoxPart) -> glam::DMat4 {
    glam::DMat4::from_scale_rotation_translation(
        glam::DVec3::from_array(*half) * 2.0,
        glam::DQuat::IDENTITY,
        glam::DVec3::from_array(*centre),
    )
}

/// The parts of an open box `w` × `h` × `d` (centred on the origin) with walls and floor
/// `t` thick.
fn open_box([w, h, d]: [f64; 3], t: f64) -> Vec<BoxPart> {
    let (hw, hh, hd, ht) = (w * 0.5, h * 0.5, d * 0.5, t * 0.5);
    // Walls stand on the floor, which spans the whole footprint.
    let wall_y = ht;
    let wall_h = hh - ht;
    vec![
        ([0.0, -hh + ht, 0.0], [hw, ht, hd]),
        ([hw - ht, wall_y, 0.0], [ht, wall_h, hd]),
        ([-hw + ht, wall_y, 0.0], [ht, wall_h, hd]),
        ([0.0, wall_y, hd - ht], [hw - t, wall_h, ht]),
        ([0.0, wall_y, -hd + ht], [hw - t, wall_h, ht]),
    ]
}

/// Shelving `w` × `h` × `d` open at the front (+z): two sides, a back and four boards
/// (the lowest on the floor), all `t` thick.
fn shelf([w, h, d]: [f64; 3], t: f64) -> Vec<BoxPart> {
    let (hw, hh, hd, ht) = (w * 0.5, h * 0.5, d * 0.5, t * 0.5);
    let mut parts = vec![
        ([hw - ht, 0.0, 0.0], [ht, hh, hd]),
        ([-hw + ht, 0.0, 0.0], [ht, hh, hd]),
        ([0.0, 0.0, -hd + ht], [hw - t, hh, ht]),
    ];
    for k in 0..4 {
        let y = -hh + ht + f64::from(k) * (h - t) / 3.0;
        parts.push(([0.0, y, ht], [hw - t, ht, hd - ht]));
    }
    parts
}

/// A table `w` × `h` × `d`: a top `t` thick on four square legs 5 cm wide (narrower on
/// a table under 20 cm), set in by their width.
fn table([w, h, d]: [f64; 3], t: f64) -> Vec<BoxPart> {
    let (hw, hh, hd) = (w * 0.5, h * 0.5, d * 0.5);
    let leg = 0.05f64.min(w * 0.25).min(d * 0.25);
    let mut parts = vec![([0.0, hh - t * 0.5, 0.0], [hw, t * 0.5, hd])];
    for (sx, sz) in [(1.0, 1.0), (-1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)] {
        parts.push((
            [sx * (hw - leg), -t * 0.5, sz * (hd - leg)],
            [leg * 0.5, (h - t) * 0.5, leg * 0.5],
        ));
    }
    parts
}

impl PrimitiveKind {
    /// The mesh.
    pub fn mesh(self) -> MeshData {
        match self {
            Self::Cube => cube(),
            Self::Sphere => sphere(0.5, 24, 48),
            Self::Cylinder => cylinder(0.5, 1.0, 48),
            Self::Cone => cone(0.5, 1.0, 48),
            Self::Torus => torus(0.35, 0.15, 48, 24),
            Self::Plane => plane(),
            Self::Bin | Self::Tray | Self::Shelf | Self::Table => cube(),
        }
    }

    /// A container's or surface's default outer size (x, y, z) and the thickness of its
    /// walls, boards or top; none for the solid shapes.
    pub fn default_shape(self) -> Option<([f64; 3], f64)> {
        match self {
            Self::Bin => Some(([1.0, 0.4, 0.8], 0.02)),
            Self::Tray => Some(([1.0, 0.1, 0.7], 0.015)),
            Self::Shelf => Some(([1.0, 1.6, 0.4], 0.02)),
            Self::Table => Some(([1.2, 0.75, 0.8], 0.04)),
            _ => None,
        }
    }

    /// The boxes a container or surface of outer `size` with walls (boards, top)
    /// `thickness` thick is made of, centred on the origin: its draws (each a scaled
    /// [`cube`]) and its collider (it is concave, so no hull fits it). None for the solid
    /// shapes.
    pub fn parts_sized(self, size: [f64; 3], thickness: f64) -> Option<Vec<BoxPart>> {
        match self {
            Self::Bin | Self::Tray => Some(open_box(size, thickness)),
            Self::Shelf => Some(shelf(size, thickness)),
            Self::Table => Some(table(size, thickness)),
            _ => None,
        }
    }

    /// The boxes of [`PrimitiveKind::parts_sized`] at the default shape.
    pub fn parts(self) -> Option<Vec<BoxPart>> {
        let (size, thickness) = self.default_shape()?;
        self.parts_sized(size, thickness)
    }

    /// Whether both faces are drawn.
    pub fn double_sided(self) -> bool {
        self == Self::Plane
    }
}

fn sin(x: f32) -> f32 {
    libm::sinf(x)
}

fn cos(x: f32) -> f32 {
    libm::cosf(x)
}

/// Unit cube, corners at ±0.5, one UV square per face.
pub fn cube() -> MeshData {
    let mut m = MeshData::default();
    // (normal, u axis) per face; v = n × u so that u × v = n (counter-clockwise from
    // outside).
    let faces: [([f32; 3], [f32; 3]); 6] = [
        ([1.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
        ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
        ([0.0, 1.0, 0.0], [1.0, 0.0, 0.0]),
        ([0.0, -1.0, 0.0], [1.0, 0.0, 0.0]),
        ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0]),
        ([0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]),
    ];
    for (n, u) in faces {
        let v = [
            n[1] * u[2] - n[2] * u[1],
            n[2] * u[0] - n[0] * u[2],
            n[0] * u[1] - n[1] * u[0],
        ];
        let base = m.positions.len() as u32;
        for (su, sv) in [(-1.0f32, -1.0f32), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            let p = [0, 1, 2].map(|k| 0.5 * n[k] + 0.5 * su * u[k] + 0.5 * sv * v[k]);
            m.positions.push(p);
            m.normals.push(n);
            m.uvs.push([(su + 1.0) * 0.5, (1.0 - sv) * 0.5]);
        }
        m.indices
            .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
    }
    m
}

/// UV sphere: `rings` from pole to pole, `segments` around.
pub fn sphere(radius: f32, rings: u32, segments: u32) -> MeshData {
    let mut m = MeshData::default();
    for r in 0..=rings {
        let theta = PI * r as f32 / rings as f32;
        for s in 0..=segments {
            let phi = 2.0 * PI * s as f32 / segments as f32;
            let n = [sin(theta) * cos(phi), cos(theta), -sin(theta) * sin(phi)];
            m.positions.push(n.map(|c| c * radius));
            m.normals.push(n);
            m.uvs
                .push([s as f32 / segments as f32, r as f32 / rings as f32]);
        }
    }
    grid_triangles(&mut m, rings, segments);
    m
}

/// Triangles of a (rows + 1) × (cols + 1) vertex grid laid out row by row.
fn grid_triangles(m: &mut MeshData, rows: u32, cols: u32) {
    let row = cols + 1;
    for r in 0..rows {
        for c in 0..cols {
            let a = r * row + c;
            let b = a + row;
            m.indices.extend([a, b, a + 1, a + 1, b, b + 1]);
        }
    }
}

/// A disc cap at height `y` facing `ny` (±1).
fn cap(m: &mut MeshData, radius: f32, y: f32, ny: f32, segments: u32) {
    let centre = m.positions.len() as u32;
    m.positions.push([0.0, y, 0.0]);
    m.normals.push([0.0, ny, 0.0]);
    m.uvs.push([0.5, 0.5]);
    for s in 0..=segments {
        let phi = 2.0 * PI * s as f32 / segments as f32;
        m.positions.push([radius * cos(phi), y, -radius * sin(phi)]);
        m.normals.push([0.0, ny, 0.0]);
        m.uvs.push([0.5 + 0.5 * cos(phi), 0.5 - 0.5 * sin(phi)]);
    }
    for s in 0..segments {
        let (a, b) = (centre + 1 + s, centre + 2 + s);
        if ny > 0.0 {
            m.indices.extend([centre, a, b]);
        } else {
            m.indices.extend([centre, b, a]);
        }
    }
}

/// Capped cylinder along Y.
pub fn cylinder(radius: f32, height: f32, segments: u32) -> MeshData {
    let mut m = MeshData::default();
    let h = height * 0.5;
    for s in 0..=segments {
        let phi = 2.0 * PI * s as f32 / segments as f32;
        let (c, sn) = (cos(phi), -sin(phi));
        for (y, v) in [(-h, 1.0), (h, 0.0)] {
            m.positions.push([radius * c, y, radius * sn]);
            m.normals.push([c, 0.0, sn]);
            m.uvs.push([s as f32 / segments as f32, v]);
        }
    }
    for s in 0..segments {
        let a = 2 * s;
        m.indices.extend([a, a + 2, a + 1, a + 1, a + 2, a + 3]);
    }
    cap(&mut m, radius, h, 1.0, segments);
    cap(&mut m, radius, -h, -1.0, segments);
    m
}

/// Capped cone along Y, apex up.
pub fn cone(radius: f32, height: f32, segments: u32) -> MeshData {
    let mut m = MeshData::default();
    let h = height * 0.5;
    // Side normals lean up by the slope: (cos φ·height, radius, −sin φ·height), normalized.
    let len = (height * height + radius * radius).sqrt();
    for s in 0..=segments {
        let phi = 2.0 * PI * s as f32 / segments as f32;
        let (c, sn) = (cos(phi), -sin(phi));
        let n = [c * height / len, radius / len, sn * height / len];
        m.positions.push([radius * c, -h, radius * sn]);
        m.normals.push(n);
        m.uvs.push([s as f32 / segments as f32, 1.0]);
        m.positions.push([0.0, h, 0.0]);
        m.normals.push(n);
        m.uvs.push([s as f32 / segments as f32, 0.0]);
    }
    for s in 0..segments {
        let a = 2 * s;
        m.indices.extend([a, a + 2, a + 1]);
    }
    cap(&mut m, radius, -h, -1.0, segments);
    m
}

/// Torus around Y: ring radius `major`, tube radius `minor`.
pub fn torus(major: f32, minor: f32, segments: u32, sides: u32) -> MeshData {
    let mut m = MeshData::default();
    for s in 0..=segments {
        let phi = 2.0 * PI * s as f32 / segments as f32;
        let (cp, sp) = (cos(phi), -sin(phi));
        for t in 0..=sides {
            let theta = 2.0 * PI * t as f32 / sides as f32;
            let (ct, st) = (cos(theta), sin(theta));
            let n = [ct * cp, st, ct * sp];
            m.positions.push([
                (major + minor * ct) * cp,
                minor * st,
                (major + minor * ct) * sp,
            ]);
            m.normals.push(n);
            m.uvs
                .push([s as f32 / segments as f32, t as f32 / sides as f32]);
        }
    }
    grid_triangles(&mut m, segments, sides);
    m
}

/// 1 × 1 square in the XZ plane facing +Y.
pub fn plane() -> MeshData {
    MeshData {
        positions: vec![
            [-0.5, 0.0, 0.5],
            [0.5, 0.0, 0.5],
            [0.5, 0.0, -0.5],
            [-0.5, 0.0, -0.5],
        ],
        normals: vec![[0.0, 1.0, 0.0]; 4],
        uvs: vec![[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]],
        indices: vec![0, 1, 2, 0, 2, 3],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every triangle winds counter-clockwise seen from outside: its geometric normal
    /// agrees with the vertex normals, and normals are unit length.
    #[test]
    fn primitives_are_closed_outward_and_unit() {
        for kind in [
            PrimitiveKind::Cube,
            PrimitiveKind::Sphere,
            PrimitiveKind::Cylinder,
            PrimitiveKind::Cone,
            PrimitiveKind::Torus,
            PrimitiveKind::Plane,
        ] {
            let m = kind.mesh();
            assert_eq!(m.positions.len(), m.normals.len());
            assert_eq!(m.positions.len(), m.uvs.len());
            for n in &m.normals {
                let l = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                assert!((l - 1.0).abs() < 1e-4, "{kind:?}: normal length {l}");
            }
            for uv in &m.uvs {
                assert!(
                    uv.iter().all(|c| (0.0..=1.0).contains(c)),
                    "{kind:?}: uv {uv:?}"
                );
            }
            let mut agreeing = 0;
            let mut total = 0;
            for t in m.indices.chunks_exact(3) {
                let p = [t[0], t[1], t[2]].map(|i| glam::Vec3::from_array(m.positions[i as usize]));
                let face = (p[1] - p[0]).cross(p[2] - p[0]);
                if face.length() < 1e-9 {
                    continue; // Degenerate at a pole or apex.
                }
                let n: glam::Vec3 = t
                    .iter()
                    .map(|&i| glam::Vec3::from_array(m.normals[i as usize]))
                    .sum();
                total += 1;
                if face.dot(n) > 0.0 {
                    agreeing += 1;
                }
            }
            assert_eq!(
                agreeing, total,
                "{kind:?}: {agreeing} of {total} faces outward"
            );
            // About one metre across.
            let extent = |k: usize| {
                let (lo, hi) = m
                    .positions
                    .iter()
                    .fold((f32::MAX, f32::MIN), |(lo, hi), p| {
                        (lo.min(p[k]), hi.max(p[k]))
                    });
                hi - lo
            };
            assert!(
                (0.9..=1.0001).contains(&extent(0)),
                "{kind:?}: x extent {}",
                extent(0)
            );
        }
    }
}

//! MikkTSpace tangents (the convention normal maps are baked in, as glTF specifies) for
//! primitives that have a normal map but no TANGENT attribute, with `bevy_mikktspace`
//! over `libm` so every machine computes the same tangents.

use bevy_mikktspace::{Geometry, Ops, TangentSpace};

use super::vertex::Vertex;

/// `libm`'s square root and arc cosine: the same bits on every machine.
struct LibmOps;

impl Ops for LibmOps {
    fn sqrt(x: f32) -> f32 {
        libm::sqrtf(x)
    }

    fn acos(x: f32) -> f32 {
        libm::acosf(x)
    }
}

/// An indexed triangle list whose tangents are being generated.
struct Triangles<'a> {
    vertices: &'a mut [Vertex],
    indices: &'a [u32],
    /// The TEXCOORD set the normal map reads.
    uv_set: u32,
}

impl Triangles<'_> {
    fn vertex(&self, face: usize, vert: usize) -> &Vertex {
        &self.vertices[self.indices[face * 3 + vert] as usize]
    }
}

impl Geometry<LibmOps> for Triangles<'_> {
    fn num_faces(&self) -> usize {
        self.indices.len() / 3
    }

    fn num_vertices_of_face(&self, _face: usize) -> usize {
        3
    }

    fn position(&self, face: usize, vert: usize) -> [f32; 3] {
        self.vertex(face, vert).position
    }

    fn normal(&self, face: usize, vert: usize) -> [f32; 3] {
        self.vertex(face, vert).normal
    }

    fn tex_coord(&self, face: usize, vert: usize) -> [f32; 2] {
        let v = self.vertex(face, vert);
        if self.uv_set == 1 { v.uv1 } else { v.uv0 }
    }

    fn set_tangent(&mut self, tangent: Option<TangentSpace>, face: usize, vert: usize) {
        // A vertex shared by faces takes the last face's tangent (as bevy does): faces
        // that agree give it one value; a UV seam inside one vertex is rare in practice.
        // The sign is negated (as three.js does for glTF): glTF's v runs down the image
        // while its normal maps' +Y points up it, so the bitangent must point to
        // decreasing v, the opposite of MikkTSpace's.
        if let Some(t) = tangent {
            let i = self.indices[face * 3 + vert] as usize;
            let [x, y, z, w] = t.tangent_encoded();
            self.vertices[i].tangent = [x, y, z, -w];
        }
    }
}

/// Fills in every vertex's tangent (xyz, and w the sign of the bitangent
/// `cross(normal, tangent) * w`, which points up the texture) from the normals and the
/// TEXCOORD set `uv_set`. Vertices no face gives a tangent keep a zero
/// tangent, which the shader reads as "no normal mapping here".
pub(super) fn generate(vertices: &mut [Vertex], indices: &[u32], uv_set: u32) {
    let mut triangles = Triangles {
        vertices,
        indices,
        uv_set,
    };
    // The error type has no values: generation cannot fail.
    let _ = bevy_mikktspace::generate_tangents(&mut triangles);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit square in the XY plane facing +Z, its texture upright (u along x, glTF's v
    /// down the image, along -y), or mirrored left to right.
    fn square(flip_u: bool) -> (Vec<Vertex>, Vec<u32>) {
        let corner = |x: f32, y: f32| Vertex {
            position: [x, y, 0.0],
            normal: [0.0, 0.0, 1.0],
            uv0: [if flip_u { 1.0 - x } else { x }, 1.0 - y],
            uv1: [0.0; 2],
            color: [1.0; 4],
            tangent: [0.0; 4],
        };
        (
            vec![
                corner(0.0, 0.0),
                corner(1.0, 0.0),
                corner(1.0, 1.0),
                corner(0.0, 1.0),
            ],
            vec![0, 1, 2, 0, 2, 3],
        )
    }

    #[test]
    fn tangents_follow_u_and_bitangents_point_up_the_texture() {
        let (mut v, i) = square(false);
        generate(&mut v, &i, 0);
        for vertex in &v {
            let t = vertex.tangent;
            assert!((t[0] - 1.0).abs() < 1e-5 && t[1].abs() < 1e-5, "{t:?}");
            assert_eq!(t[3], 1.0, "cross(+z, +x) = +y is up the image: {t:?}");
        }
        let (mut v, i) = square(true);
        generate(&mut v, &i, 0);
        for vertex in &v {
            let t = vertex.tangent;
            assert!((t[0] + 1.0).abs() < 1e-5, "u runs along -x: {t:?}");
            assert_eq!(t[3], -1.0, "mirrored UVs flip the bitangent: {t:?}");
        }
    }
}

//! Skinned meshes, posed on the CPU once in the file's default pose: glTF ignores a
//! skinned node's own transform, so each vertex is moved by its joints' matrices.

use glam::{DMat4, DVec3, DVec4};

use super::mesh::{Mesh, read_primitive};

pub(super) fn skin_mesh(
    document: &gltf::Document,
    mesh_index: usize,
    skin: &gltf::Skin,
    buffers: &[Vec<u8>],
    globals: &[DMat4],
    default_material: usize,
) -> Result<Mesh, String> {
    let reader = skin.reader(|b| buffers.get(b.index()).map(Vec::as_slice));
    let joints: Vec<usize> = skin.joints().map(|j| j.index()).collect();
    let inverse_bind: Vec<DMat4> = match reader.read_inverse_bind_matrices() {
        Some(m) => m
            .map(|c| DMat4::from_cols_array_2d(&c.map(|r| r.map(f64::from))))
            .collect(),
        None => vec![DMat4::IDENTITY; joints.len()],
    };
    let joint_matrices: Vec<DMat4> = joints
        .iter()
        .zip(
            inverse_bind
                .iter()
                .chain(std::iter::repeat(&DMat4::IDENTITY)),
        )
        .map(|(&j, ibm)| globals[j] * *ibm)
        .collect();
    let mesh = document
        .meshes()
        .nth(mesh_index)
        .ok_or("mesh index out of range")?;
    let mut out = Mesh::default();
    for prim in mesh.primitives() {
        let Some(mut p) = read_primitive(&prim, buffers, default_material)? else {
            continue;
        };
        let r = prim.reader(|b| buffers.get(b.index()).map(Vec::as_slice));
        let (Some(js), Some(ws)) = (r.read_joints(0), r.read_weights(0)) else {
            out.primitives.push(p);
            continue;
        };
        let js: Vec<[u16; 4]> = js.into_u16().collect();
        let ws: Vec<[f32; 4]> = ws.into_f32().collect();
        if p.vertices.len() != js.len() {
            // Flat-shaded split happened (no normals): skinning data no longer lines up.
            return Err("skinned primitives without NORMAL are not supported".into());
        }
        for (v, (j, w)) in p.vertices.iter_mut().zip(js.iter().zip(&ws)) {
            let mut m = DMat4::ZERO;
            for k in 0..4 {
                let jm = joint_matrices
                    .get(usize::from(j[k]))
                    .ok_or("joint index out of range")?;
                m += *jm * f64::from(w[k]);
            }
            let pos = m * DVec4::from((DVec3::from(v.position.map(f64::from)), 1.0));
            let nrm = (m * DVec4::from((DVec3::from(v.normal.map(f64::from)), 0.0))).truncate();
            v.position = pos.truncate().as_vec3().to_array();
            v.normal = nrm.normalize_or_zero().as_vec3().to_array();
            let t = v.tangent;
            let tan = (m * DVec4::from((DVec3::from([t[0], t[1], t[2]].map(f64::from)), 0.0)))
                .truncate()
                .normalize_or_zero()
                .as_vec3();
            v.tangent = [tan.x, tan.y, tan.z, t[3]];
        }
        out.primitives.push(p);
    }
    Ok(out)
}

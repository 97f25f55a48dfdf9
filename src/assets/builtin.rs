//! Built-in primitives (cube, sphere, cylinder, cone, torus, plane) as assets.

use std::path::PathBuf;

use glam::{DMat4, DVec3};

use super::Asset;
use super::material::Material;
use super::mesh::{Mesh, MeshDraw, Primitive, Vertex};

/// A built-in primitive as an asset: one mesh with a plain white dielectric material
/// (roughness 0.6), ready for material randomization. Its `path` is `primitive:KIND`.
/// A container or surface (bin, tray, shelf, table) draws the unit cube once per part,
/// so an instance of another size draws the same nodes moved and scaled.
pub fn primitive_asset(name: &str, kind: crate::primitives::PrimitiveKind) -> Asset {
    let data = kind.mesh();
    let vertices = (0..data.positions.len())
        .map(|i| Vertex {
            position: data.positions[i],
            normal: data.normals[i],
            uv0: data.uvs[i],
            uv1: data.uvs[i],
            color: [1.0; 4],
            tangent: [0.0; 4],
        })
        .collect();
    let material = Material {
        metallic: 0.0,
        roughness: 0.6,
        double_sided: kind.double_sided(),
        ..Material::default()
    };
    let meshes = vec![Mesh {
        primitives: vec![Primitive {
            vertices,
            indices: data.indices,
            material: 0,
        }],
    }];
    let transforms = kind.parts().map_or_else(
        || vec![DMat4::IDENTITY],
        |parts| parts.iter().map(crate::primitives::part_matrix).collect(),
    );
    let (lo, hi) = transforms.iter().fold(
        (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY)),
        |(lo, hi), t| {
            data.positions.iter().fold((lo, hi), |(lo, hi), p| {
                let p = t.transform_point3(DVec3::from_array(p.map(f64::from)));
                (lo.min(p), hi.max(p))
            })
        },
    );
    let draws = transforms
        .into_iter()
        .map(|transform| MeshDraw { mesh: 0, transform })
        .collect();
    let kind_name = serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Asset {
        name: name.to_owned(),
        path: PathBuf::from(format!("primitive:{kind_name}")),
        files: Vec::new(),
        meshes,
        draws,
        materials: vec![material, Material::default()],
        textures: Vec::new(),
        images: Vec::new(),
        bounds: (lo, hi),
        warnings: Vec::new(),
        copyright: None,
        albedo_cache: std::sync::OnceLock::new(),
    }
}

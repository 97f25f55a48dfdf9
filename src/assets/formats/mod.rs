//! Mesh files other than glTF: OBJ with MTL ([`obj`]), PLY ([`ply`]) and STL ([`stl`]),
//! read into the same [`Asset`] a glTF file becomes: one mesh drawn at the asset origin,
//! its primitives' materials the file's (OBJ) or the [`mesh_file_material`] (times vertex
//! colours, with a PLY's texture).
//!
//! Each reader hands over triangles as [`MeshData`]; one function checks what every format
//! must hold (finite positions, indices in range, at least one triangle) and assembles the
//! asset, so a bad file is refused naming its file and element whatever its format.

pub mod obj;
pub mod ply;
pub mod stl;

use std::path::Path;

use glam::{DMat4, Vec3};

use super::material::{DEFAULT_SAMPLING, IDENTITY_UV};
use super::{
    Asset, AssetError, AssetFile, AssetParts, Image, Material, Mesh, MeshDraw, Primitive, Texture,
};
use super::{TextureRef, Vertex};
use crate::hash::sha256_hex;
use crate::spec::MeshFormat;

/// What a mesh-file reader found: triangles, with what they are drawn with.
#[derive(Debug, Default)]
pub struct MeshData {
    /// Triangle lists; a vertex normal of zero length is filled in from the faces, and
    /// indices are checked before the asset is made.
    pub primitives: Vec<Primitive>,
    /// The materials the primitives name.
    pub materials: Vec<Material>,
    /// Texture images; texture `i` samples image `i` with [`DEFAULT_SAMPLING`].
    pub images: Vec<Image>,
    /// Files read besides the mesh file (material libraries' textures).
    pub extra_files: Vec<AssetFile>,
    /// Things skipped or changed while reading.
    pub warnings: Vec<String>,
}

impl MeshData {
    /// One primitive drawn with the [`mesh_file_material`], textured with image 0 when
    /// there is one: what a PLY or STL file holds.
    fn single(mut self, vertices: Vec<Vertex>, indices: Vec<u32>) -> Self {
        let mut material = mesh_file_material();
        if !self.images.is_empty() {
            material.base_color_texture = Some(TextureRef {
                texture: 0,
                tex_coord: 0,
                transform: IDENTITY_UV,
            });
        }
        self.materials = vec![material];
        self.primitives = vec![Primitive {
            vertices,
            indices,
            material: 0,
        }];
        self
    }
}

/// Reads the texture image `file` (named by the file's `what`) into `data` and returns its
/// texture index; a missing or unreadable image is a warning naming it, and `None`.
pub(crate) fn read_texture(file: &Path, what: &str, data: &mut MeshData) -> Option<usize> {
    let name = file.display().to_string();
    let result = super::read_regular_file(file)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            let decoded = super::image::decode(&bytes)?;
            Ok((
                bytes,
                super::image::capped(decoded, &name, &mut data.warnings)?,
            ))
        });
    match result {
        Ok((bytes, image)) => {
            data.images.push(image);
            data.extra_files.push(AssetFile {
                path: file.to_owned(),
                sha256: sha256_hex(&bytes),
            });
            Some(data.images.len() - 1)
        }
        Err(e) => {
            data.warnings.push(format!(
                "texture {name} ({what}) cannot be used: {e}; rendering without it"
            ));
            None
        }
    }
}

/// The material of a mesh file: white (times vertex colours and the texture, when the
/// file has them), dielectric, roughness 0.5, one-sided; documented in the book's Assets
/// chapter.
pub fn mesh_file_material() -> Material {
    Material {
        metallic: 0.0,
        roughness: 0.5,
        ..Material::default()
    }
}

/// Reads the mesh file `path` (OBJ, PLY or STL) as the asset `name`.
pub fn load(name: &str, path: &Path, format: MeshFormat) -> Result<Asset, AssetError> {
    let bytes = super::read_regular_file(path).map_err(|source| AssetError::Read {
        file: path.to_owned(),
        source,
    })?;
    let invalid = |message: String| AssetError::Mesh {
        file: path.to_owned(),
        message,
    };
    let data = match format {
        MeshFormat::Obj => obj::read(&bytes, path),
        MeshFormat::Ply => ply::read(&bytes, path),
        MeshFormat::Stl => stl::read(&bytes),
        MeshFormat::Gltf => Err("a glTF file is read by the glTF loader".into()),
    }
    .map_err(invalid)?;
    let file = AssetFile {
        path: path.to_owned(),
        sha256: sha256_hex(&bytes),
    };
    asset(name, path, file, data)
}

/// Checks `data` and makes it an asset: one mesh at the origin.
fn asset(name: &str, path: &Path, file: AssetFile, data: MeshData) -> Result<Asset, AssetError> {
    let invalid = |message: String| AssetError::Mesh {
        file: path.to_owned(),
        message,
    };
    let MeshData {
        mut primitives,
        mut materials,
        images,
        extra_files,
        warnings,
    } = data;
    let several = primitives.len() > 1;
    for (p, prim) in primitives.iter_mut().enumerate() {
        let at = if several {
            format!("part {p}: ")
        } else {
            String::new()
        };
        if let Some(i) = prim
            .vertices
            .iter()
            .position(|v| !v.position.iter().all(|c| c.is_finite()))
        {
            return Err(invalid(format!(
                "{at}vertex {i}: position {:?} is not finite",
                prim.vertices[i].position
            )));
        }
        let count = prim.vertices.len();
        if let Some(k) = prim.indices.iter().position(|&i| i as usize >= count) {
            return Err(invalid(format!(
                "{at}face corner {k} (triangle {}): vertex index {} is out of range (the file has {count} vertices)",
                k / 3,
                prim.indices[k],
            )));
        }
        prim.indices
            .truncate(prim.indices.len() - prim.indices.len() % 3);
        fill_normals(&mut prim.vertices, &prim.indices);
    }
    primitives.retain(|p| !p.indices.is_empty());
    let textures = (0..images.len())
        .map(|image| Texture {
            image,
            sampling: DEFAULT_SAMPLING,
        })
        .collect();
    // The last material is the default one, as for glTF.
    materials.push(Material::default());
    let mut files = vec![file];
    files.extend(extra_files);
    Asset::assemble(
        name,
        path,
        AssetParts {
            files,
            meshes: vec![Mesh { primitives }],
            draws: vec![MeshDraw {
                mesh: 0,
                transform: DMat4::IDENTITY,
            }],
            materials,
            textures,
            images,
            warnings,
            copyright: None,
        },
    )
}

/// Gives each vertex without a normal the area-weighted mean of its faces' normals (a
/// vertex no face uses, or only degenerate ones, gets +Z).
fn fill_normals(vertices: &mut [Vertex], indices: &[u32]) {
    let missing: Vec<bool> = vertices
        .iter()
        .map(|v| Vec3::from(v.normal).length_squared() < 1e-12)
        .collect();
    if !missing.contains(&true) {
        return;
    }
    let mut sums = vec![Vec3::ZERO; vertices.len()];
    for t in indices.chunks_exact(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| Vec3::from(vertices[i as usize].position));
        let n = (b - a).cross(c - a);
        for &i in t {
            sums[i as usize] += n;
        }
    }
    for ((v, sum), missing) in vertices.iter_mut().zip(sums).zip(missing) {
        if missing {
            v.normal = sum.try_normalize().unwrap_or(Vec3::Z).to_array();
        }
    }
}

/// A vertex at `position` with no normal yet, white, no texture coordinates.
pub(crate) fn vertex(position: [f32; 3]) -> Vertex {
    Vertex {
        position,
        normal: [0.0; 3],
        uv0: [0.0; 2],
        uv1: [0.0; 2],
        color: [1.0; 4],
        tangent: [0.0; 4],
    }
}

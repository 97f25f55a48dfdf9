//! Mesh files other than glTF: PLY ([`ply`]) and STL ([`stl`]), read into the same
//! [`Asset`] a glTF file becomes: one mesh drawn at the asset origin, its material the
//! [`mesh_file_material`] (times vertex colours, with a PLY's texture).
//!
//! Each reader hands over triangles as [`MeshData`]; one function checks what every format
//! must hold (finite positions, indices in range, at least one triangle) and assembles the
//! asset, so a bad file is refused naming its file and element whatever its format.

pub mod ply;
pub mod stl;

use std::path::{Path, PathBuf};

use glam::{DMat4, Vec3};

use super::{Asset, AssetError, AssetFile, Image, Material, Mesh, MeshDraw, Primitive, Texture};
use super::{Vertex, mesh};
use crate::hash::sha256_hex;

/// The mesh-file formats synthvis reads, by file extension (lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeshFormat {
    /// glTF 2.0, `.gltf` or `.glb` ([`super::document`]).
    Gltf,
    /// Stanford PLY, ASCII or binary.
    Ply,
    /// STL, ASCII or binary.
    Stl,
}

impl MeshFormat {
    /// The format of `path`, from its extension; `None` for one synthvis does not read.
    pub fn of(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gltf" | "glb" => Some(Self::Gltf),
            "ply" => Some(Self::Ply),
            "stl" => Some(Self::Stl),
            _ => None,
        }
    }
}

/// The extensions synthvis reads, for messages.
pub const READABLE: &str = ".gltf, .glb, .ply, .stl";

/// What a mesh-file reader found: triangles, with what they are drawn with.
#[derive(Debug, Default)]
pub struct MeshData {
    /// Vertices; a normal of zero length is filled in from the faces.
    pub vertices: Vec<Vertex>,
    /// Triangle list, indices into `vertices` (checked before the asset is made).
    pub indices: Vec<u32>,
    /// A base-colour texture (a PLY's `comment TextureFile`), sampled with `uv0`.
    pub texture: Option<Image>,
    /// Files read besides the mesh file (the texture).
    pub extra_files: Vec<AssetFile>,
    /// Things skipped or changed while reading.
    pub warnings: Vec<String>,
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

/// Reads the mesh file `path` (PLY or STL) as the asset `name`.
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
        mut vertices,
        indices,
        texture,
        extra_files,
        warnings,
    } = data;
    if let Some(i) = vertices
        .iter()
        .position(|v| !v.position.iter().all(|c| c.is_finite()))
    {
        return Err(invalid(format!(
            "vertex {i}: position {:?} is not finite",
            vertices[i].position
        )));
    }
    if let Some(k) = indices.iter().position(|&i| i as usize >= vertices.len()) {
        return Err(invalid(format!(
            "face corner {k} (triangle {}): vertex index {} is out of range (the file has {} vertices)",
            k / 3,
            indices[k],
            vertices.len()
        )));
    }
    if indices.is_empty() {
        return Err(AssetError::Empty {
            file: path.to_owned(),
        });
    }
    fill_normals(&mut vertices, &indices);
    let mut material = mesh_file_material();
    let (textures, images) = match texture {
        Some(image) => {
            material.base_color_texture = Some(super::TextureRef {
                texture: 0,
                tex_coord: 0,
                transform: super::material::IDENTITY_UV,
            });
            (
                vec![Texture {
                    image: 0,
                    sampling: super::material::DEFAULT_SAMPLING,
                }],
                vec![image],
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let meshes = vec![Mesh {
        primitives: vec![Primitive {
            vertices,
            indices,
            material: 0,
        }],
    }];
    let draws = vec![MeshDraw {
        mesh: 0,
        transform: DMat4::IDENTITY,
    }];
    let bounds = mesh::bounds(&meshes, &draws).ok_or(AssetError::Empty {
        file: path.to_owned(),
    })?;
    let mut files = vec![file];
    files.extend(extra_files);
    Ok(Asset {
        name: name.to_owned(),
        path: PathBuf::from(path),
        files,
        meshes,
        draws,
        // The last material is the default one, as for glTF.
        materials: vec![material, Material::default()],
        textures,
        images,
        bounds,
        warnings,
        albedo_cache: std::sync::OnceLock::new(),
    })
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

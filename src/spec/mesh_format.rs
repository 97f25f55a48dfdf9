//! The mesh-file formats an asset entry may name, told by file extension: what the spec
//! accepts (a `dir` entry keeps just these files) and which reader [`crate::assets`] hands
//! a file to.

use std::path::Path;

/// The mesh-file formats synthvis reads, by file extension (lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeshFormat {
    /// glTF 2.0, `.gltf` or `.glb` ([`crate::assets::document`]).
    Gltf,
    /// Wavefront OBJ, with MTL materials.
    Obj,
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
            "obj" => Some(Self::Obj),
            "ply" => Some(Self::Ply),
            "stl" => Some(Self::Stl),
            _ => None,
        }
    }
}

/// The extensions synthvis reads, for messages.
pub const READABLE: &str = ".gltf, .glb, .obj, .ply, .stl";

//! Compressed glTF geometry, decoded into plain buffers before anything else reads the
//! file, so that the rest of the loader sees an ordinary glTF document:
//!
//! - `EXT_meshopt_compression` / `KHR_meshopt_compression`: each compressed buffer view is
//!   decoded by meshoptimizer's reference decoder (the `meshopt` crate) and its filter
//!   (octahedral, quaternion, exponential, colour) undone, into the view's own place in its
//!   (fallback) buffer;
//! - `KHR_draco_mesh_compression`: each compressed primitive is decoded by `draco-core`
//!   into a new buffer that its accessors are pointed at.
//!
//! `KHR_mesh_quantization` needs no decoding: [`super::mesh`] reads integer attributes.
//! `KHR_texture_basisu` textures are pointed at their KTX2 image here
//! ([`use_basisu_sources`]), which [`super::image::decode`] transcodes.

mod draco;
mod meshopt;

use serde_json::Value;

pub use draco::{DRACO_EXTENSION, decode_draco, uses_draco};
pub use meshopt::{MESHOPT_EXTENSIONS, decode_meshopt, is_meshopt_fallback};

/// The extension for Basis Universal (KTX2) textures.
pub const BASISU_EXTENSION: &str = "KHR_texture_basisu";

/// Points each texture whose image is given only by `KHR_texture_basisu` at that image,
/// so that the loader reads it (a KTX2 image, transcoded by [`super::image::decode`]); a
/// texture with a PNG or JPEG `source` keeps it (the fallback draws as it is). Returns
/// an error naming a texture whose KTX2 image does not exist.
pub fn use_basisu_sources(root: &mut gltf::json::Root) -> Result<(), String> {
    let images = root.images.len();
    for (i, texture) in root.textures.iter_mut().enumerate() {
        if texture.source.value() != u32::MAX as usize {
            continue;
        }
        let source = texture
            .extensions
            .as_ref()
            .and_then(|e| e.others.get(BASISU_EXTENSION))
            .and_then(|e| e.get("source"))
            .and_then(Value::as_u64);
        let Some(source) = source else {
            continue;
        };
        if source as usize >= images {
            return Err(format!(
                "textures[{i}].extensions.{BASISU_EXTENSION}.source: image {source} does not exist"
            ));
        }
        texture.source = gltf::json::Index::new(source as u32);
    }
    Ok(())
}

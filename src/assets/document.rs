//! Reading a glTF file into a checked document: the JSON (or GLB) parsed, required
//! extensions checked, a known crash trigger of the gltf crate refused, the document
//! validated; buffers and images resolved through [`super::uri`] with every external file
//! hashed; the binary layout ([`super::accessors`]) and the node graph ([`super::nodes`])
//! checked. What comes out can be read with the gltf crate's readers without surprises.

use std::path::Path;

use super::image::{Image, capped, decode};
use super::{AssetError, AssetFile, accessors, compression, nodes, uri};
use crate::hash::sha256_hex;

/// Extensions read by this loader; others listed in `extensionsUsed` are ignored with a
/// warning, others in `extensionsRequired` refuse the file.
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    "KHR_materials_emissive_strength",
    "KHR_texture_transform",
    super::accessors::QUANTIZATION_EXTENSION,
    compression::MESHOPT_EXTENSIONS[0],
    compression::MESHOPT_EXTENSIONS[1],
    compression::DRACO_EXTENSION,
    compression::BASISU_EXTENSION,
];

/// The largest meshopt fallback buffer allocated (1 GiB): its length is only a claim.
const MAX_FALLBACK_BYTES: usize = 1 << 30;

/// A glTF file with its data, ready to convert.
pub struct Document {
    /// The validated document.
    pub gltf: gltf::Document,
    /// Each buffer's bytes.
    pub buffers: Vec<Vec<u8>>,
    /// Each image, decoded (and downscaled past the texture cap).
    pub images: Vec<Image>,
    /// Every file read: the glTF file first, then external buffers and images.
    pub files: Vec<AssetFile>,
    /// What was ignored or changed while reading.
    pub warnings: Vec<String>,
}

/// Reads and checks the glTF file at `path`.
pub fn read(path: &Path) -> Result<Document, AssetError> {
    let invalid = |message: String| AssetError::Gltf {
        file: path.to_owned(),
        message,
    };
    let read_error = |source| AssetError::Read {
        file: path.to_owned(),
        source,
    };
    let bytes = super::read_regular_file(path).map_err(read_error)?;

    refuse_bad_glb_header(&bytes).map_err(invalid)?;
    let gltf::Gltf { document, blob } =
        crate::panic_guard::catch(|| gltf::Gltf::from_slice_without_validation(&bytes))
            .map_err(|panic| invalid(format!("the glTF reader failed on this file ({panic})")))?
            .map_err(|e| invalid(e.to_string()))?;
    let root = document.into_json();
    let unsupported: Vec<String> = root
        .extensions_required
        .iter()
        .filter(|e| !SUPPORTED_EXTENSIONS.contains(&e.as_str()))
        .cloned()
        .collect();
    if !unsupported.is_empty() {
        return Err(AssetError::UnsupportedExtension {
            file: path.to_owned(),
            extensions: unsupported,
        });
    }
    refuse_known_crashes(&root).map_err(invalid)?;
    // The gltf crate's validator refuses required extensions it does not know itself;
    // these are decoded here, so it need not.
    let mut root = root;
    root.extensions_required.retain(|e| {
        e != accessors::QUANTIZATION_EXTENSION
            && e != compression::DRACO_EXTENSION
            && e != compression::BASISU_EXTENSION
            && !compression::MESHOPT_EXTENSIONS.contains(&e.as_str())
    });
    compression::use_basisu_sources(&mut root).map_err(invalid)?;
    let mut files = vec![AssetFile {
        path: path.to_owned(),
        sha256: sha256_hex(&bytes),
    }];
    let base = path.parent().unwrap_or(Path::new(""));
    let (gltf, mut buffers) = if compression::uses_draco(&root) {
        // Draco accessors have no data until decoded, which the validator refuses: the
        // buffers are read from the unvalidated document (only its buffer list), the
        // primitives decoded with bounds checks, and the result validated.
        let unvalidated = gltf::Document::from_json_without_validation(root);
        let mut buffers = read_buffers(&unvalidated, base, blob, &mut files).map_err(invalid)?;
        let root =
            compression::decode_draco(unvalidated.into_json(), &mut buffers).map_err(invalid)?;
        (validated(root).map_err(invalid)?, buffers)
    } else {
        let gltf = validated(root).map_err(invalid)?;
        let buffers = read_buffers(&gltf, base, blob, &mut files).map_err(invalid)?;
        (gltf, buffers)
    };
    let mut warnings: Vec<String> = gltf
        .extensions_used()
        .filter(|ext| !SUPPORTED_EXTENSIONS.contains(ext))
        .map(|ext| format!("optional extension {ext} is ignored"))
        .collect();
    compression::decode_meshopt(&gltf, &mut buffers).map_err(invalid)?;
    accessors::check_layout(&gltf, &buffers).map_err(invalid)?;
    accessors::check_types(&gltf).map_err(invalid)?;
    nodes::check_graph(&gltf).map_err(invalid)?;
    let images = read_images(&gltf, base, &buffers, &mut files, &mut warnings).map_err(invalid)?;
    files.dedup_by(|a, b| a.path == b.path);
    Ok(Document {
        gltf,
        buffers,
        images,
        files,
        warnings,
    })
}

/// `root` validated by the gltf crate into a document; the error lists what is wrong.
fn validated(root: gltf::json::Root) -> Result<gltf::Document, String> {
    match crate::panic_guard::catch(|| gltf::Document::from_json(root)) {
        Ok(Ok(document)) => Ok(document),
        Ok(Err(gltf::Error::Validation(errors))) => {
            let list: Vec<String> = errors.iter().map(|(p, e)| format!("{p}: {e}")).collect();
            Err(list.join("; "))
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!(
            "the glTF validator failed on this file ({panic}); it is malformed"
        )),
    }
}

/// A GLB whose header gives a total length shorter than the header itself, refused before
/// the gltf crate (1.4.1) subtracts the two unchecked.
fn refuse_bad_glb_header(bytes: &[u8]) -> Result<(), String> {
    if let Some(length) = bytes.strip_prefix(b"glTF").and_then(|rest| rest.get(4..8)) {
        let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]);
        if length < 12 {
            return Err(format!(
                "GLB header: the file's length field says {length} bytes, less than the 12-byte \
                 header"
            ));
        }
    }
    Ok(())
}

/// Inputs that make the gltf crate's validator panic, refused before it runs:
/// a primitive whose POSITION names no accessor (gltf-json 1.4.1 indexes it unchecked).
fn refuse_known_crashes(root: &gltf::json::Root) -> Result<(), String> {
    let positions = gltf::json::validation::Checked::Valid(gltf::Semantic::Positions);
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            if let Some(index) = prim.attributes.get(&positions)
                && index.value() >= root.accessors.len()
            {
                return Err(format!(
                    "meshes[{m}].primitives[{p}].attributes.POSITION: accessor {} does not exist \
                     ({} accessors)",
                    index.value(),
                    root.accessors.len()
                ));
            }
        }
    }
    Ok(())
}

/// Each buffer's bytes: the GLB's BIN chunk or what its URI names, at least `byteLength`
/// of them.
fn read_buffers(
    gltf: &gltf::Document,
    base: &Path,
    mut blob: Option<Vec<u8>>,
    files: &mut Vec<AssetFile>,
) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for buffer in gltf.buffers() {
        let i = buffer.index();
        if compression::is_meshopt_fallback(&buffer) {
            // Filled by decoding the compressed views that point into it.
            if buffer.length() > MAX_FALLBACK_BYTES {
                return Err(format!(
                    "buffers[{i}]: a meshopt fallback buffer of {} bytes is past the {} byte limit",
                    buffer.length(),
                    MAX_FALLBACK_BYTES
                ));
            }
            out.push(vec![0; buffer.length()]);
            continue;
        }
        let bytes = match buffer.source() {
            gltf::buffer::Source::Bin => blob.take().ok_or(format!(
                "buffers[{i}]: has no uri, and the file has no (further) GLB binary chunk"
            ))?,
            gltf::buffer::Source::Uri(reference) => {
                resolve(base, reference, &format!("buffers[{i}].uri"), files)?
            }
        };
        if bytes.len() < buffer.length() {
            return Err(format!(
                "buffers[{i}]: holds {} bytes, but its byteLength is {}",
                bytes.len(),
                buffer.length()
            ));
        }
        out.push(bytes);
    }
    Ok(out)
}

/// Reads what `reference` names, recording an external file in `files`.
fn resolve(
    base: &Path,
    reference: &str,
    what: &str,
    files: &mut Vec<AssetFile>,
) -> Result<Vec<u8>, String> {
    let shown: String = reference.chars().take(80).collect();
    let resolved = uri::read(base, reference).map_err(|e| format!("{what} `{shown}`: {e}"))?;
    if let Some(path) = resolved.file {
        files.push(AssetFile {
            path,
            sha256: sha256_hex(&resolved.bytes),
        });
    }
    Ok(resolved.bytes)
}

/// Every image decoded, from its buffer view or URI.
fn read_images(
    gltf: &gltf::Document,
    base: &Path,
    buffers: &[Vec<u8>],
    files: &mut Vec<AssetFile>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Image>, String> {
    let json = gltf.as_json();
    let mut out = Vec::new();
    for (i, image) in json.images.iter().enumerate() {
        let what = format!("images[{i}]");
        let bytes: Vec<u8> = match (&image.buffer_view, &image.uri) {
            (Some(view), _) => {
                let view = gltf
                    .views()
                    .nth(view.value())
                    .ok_or(format!("{what}.bufferView: no such buffer view"))?;
                let data = buffers
                    .get(view.buffer().index())
                    .map_or(&[][..], Vec::as_slice);
                data.get(view.offset()..view.offset() + view.length())
                    .ok_or(format!("{what}.bufferView: lies past its buffer"))?
                    .to_vec()
            }
            (None, Some(reference)) => resolve(base, reference, &format!("{what}.uri"), files)?,
            (None, None) => return Err(format!("{what}: has neither uri nor bufferView")),
        };
        let decoded =
            decode(&bytes).map_err(|e| format!("{what}: cannot decode the image: {e}"))?;
        out.push(capped(decoded, &what, warnings)?);
    }
    Ok(out)
}

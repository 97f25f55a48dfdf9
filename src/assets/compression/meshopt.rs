//! `EXT_meshopt_compression` and `KHR_meshopt_compression`: compressed buffer views decoded
//! by meshoptimizer's reference decoder, filters undone.

use serde_json::Value;

/// The meshopt extensions (the vendor one and its Khronos successor, the same bitstream).
pub const MESHOPT_EXTENSIONS: [&str; 2] = ["EXT_meshopt_compression", "KHR_meshopt_compression"];

/// The meshopt extension object of a buffer or buffer view's `extensions`, if any.
fn meshopt_extension(extensions: Option<&serde_json::Map<String, Value>>) -> Option<&Value> {
    let extensions = extensions?;
    MESHOPT_EXTENSIONS
        .iter()
        .find_map(|name| extensions.get(*name))
}

/// Whether `buffer` is a meshopt fallback buffer: its bytes come only from decoding the
/// compressed views that point into it (it has no data of its own).
pub fn is_meshopt_fallback(buffer: &gltf::Buffer) -> bool {
    meshopt_extension(buffer.extensions())
        .and_then(|e| e.get("fallback"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// One compressed buffer view's parameters.
struct MeshoptView {
    buffer: usize,
    offset: usize,
    length: usize,
    stride: usize,
    count: usize,
    mode: String,
    filter: String,
}

impl MeshoptView {
    fn parse(ext: &Value) -> Result<Self, String> {
        let int = |key: &str, default: Option<usize>| {
            match ext.get(key) {
                Some(v) => v.as_u64().and_then(|n| usize::try_from(n).ok()),
                None => default,
            }
            .ok_or(format!("`{key}` is missing or not a whole number"))
        };
        let text = |key: &str, default: Option<&str>| {
            match ext.get(key) {
                Some(v) => v.as_str().map(str::to_owned),
                None => default.map(str::to_owned),
            }
            .ok_or(format!("`{key}` is missing or not a string"))
        };
        Ok(Self {
            buffer: int("buffer", None)?,
            offset: int("byteOffset", Some(0))?,
            length: int("byteLength", None)?,
            stride: int("byteStride", None)?,
            count: int("count", None)?,
            mode: text("mode", None)?,
            filter: text("filter", Some("NONE"))?,
        })
    }
}

/// Decodes every meshopt-compressed buffer view of `document` into its place in
/// `buffers` (fallback buffers arrive zero-filled). Errors name the view.
pub fn decode_meshopt(document: &gltf::Document, buffers: &mut [Vec<u8>]) -> Result<(), String> {
    for view in document.views() {
        let Some(ext) = meshopt_extension(view.extensions()) else {
            continue;
        };
        let at = format!(
            "bufferViews[{}].extensions.EXT_meshopt_compression",
            view.index()
        );
        let params = MeshoptView::parse(ext).map_err(|m| format!("{at}: {m}"))?;
        let decoded = decode_view(&params, buffers).map_err(|m| format!("{at}: {m}"))?;
        if decoded.len() != view.length() {
            return Err(format!(
                "{at}: decodes to {} bytes ({} × {}), but the view holds {}",
                decoded.len(),
                params.count,
                params.stride,
                view.length()
            ));
        }
        let target = buffers
            .get_mut(view.buffer().index())
            .and_then(|b| b.get_mut(view.offset()..view.offset() + view.length()))
            .ok_or(format!(
                "{at}: the view's bytes lie past the end of buffers[{}]",
                view.buffer().index()
            ))?;
        target.copy_from_slice(&decoded);
    }
    Ok(())
}

/// The bytes one compressed view decodes to.
fn decode_view(p: &MeshoptView, buffers: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let source = buffers
        .get(p.buffer)
        .and_then(|b| b.get(p.offset..p.offset.checked_add(p.length)?))
        .ok_or(format!(
            "bytes {}..{} lie past the end of buffers[{}]",
            p.offset,
            p.offset as u128 + p.length as u128,
            p.buffer
        ))?;
    let size = p
        .count
        .checked_mul(p.stride)
        .filter(|&n| n <= 1 << 30)
        .ok_or(format!(
            "{} elements of {} bytes is too large",
            p.count, p.stride
        ))?;
    // Four-byte aligned for the filters, which read 16- and 32-bit components.
    let mut words = vec![0u32; size.div_ceil(4)];
    let code = match p.mode.as_str() {
        "ATTRIBUTES" => {
            if p.stride == 0 || !p.stride.is_multiple_of(4) || p.stride > 256 {
                return Err(format!(
                    "byteStride {} of an ATTRIBUTES view must be a multiple of 4 up to 256",
                    p.stride
                ));
            }
            // SAFETY: `words` holds count × stride bytes, as the decoder writes.
            unsafe {
                meshopt::ffi::meshopt_decodeVertexBuffer(
                    words.as_mut_ptr().cast(),
                    p.count,
                    p.stride,
                    source.as_ptr(),
                    source.len(),
                )
            }
        }
        "TRIANGLES" | "INDICES" => {
            if p.stride != 2 && p.stride != 4 {
                return Err(format!(
                    "byteStride {} of an index view must be 2 or 4",
                    p.stride
                ));
            }
            if p.mode == "TRIANGLES" && !p.count.is_multiple_of(3) {
                return Err(format!(
                    "a TRIANGLES view's count {} is not a multiple of 3",
                    p.count
                ));
            }
            let decode = if p.mode == "TRIANGLES" {
                meshopt::ffi::meshopt_decodeIndexBuffer
            } else {
                meshopt::ffi::meshopt_decodeIndexSequence
            };
            // SAFETY: `words` holds count × stride bytes, as the decoder writes.
            unsafe {
                decode(
                    words.as_mut_ptr().cast(),
                    p.count,
                    p.stride,
                    source.as_ptr(),
                    source.len(),
                )
            }
        }
        other => return Err(format!("unknown mode `{other}`")),
    };
    if code != 0 {
        return Err(format!(
            "the meshopt decoder refused the data (error {code}): it is corrupt or truncated"
        ));
    }
    let filter: Option<unsafe extern "C" fn(*mut std::ffi::c_void, usize, usize)> =
        match (p.filter.as_str(), p.stride) {
            ("NONE", _) => None,
            ("OCTAHEDRAL", 4 | 8) => Some(meshopt::ffi::meshopt_decodeFilterOct),
            ("QUATERNION", 8) => Some(meshopt::ffi::meshopt_decodeFilterQuat),
            ("EXPONENTIAL", s) if s.is_multiple_of(4) => {
                Some(meshopt::ffi::meshopt_decodeFilterExp)
            }
            ("COLOR", 4 | 8) => Some(meshopt::ffi::meshopt_decodeFilterColor),
            (f, s) => return Err(format!("filter `{f}` does not apply to byteStride {s}")),
        };
    if let Some(filter) = filter {
        if p.mode != "ATTRIBUTES" {
            return Err(format!("filter `{}` applies only to ATTRIBUTES", p.filter));
        }
        // SAFETY: `words` holds count elements of `stride` bytes, 4-byte aligned.
        unsafe { filter(words.as_mut_ptr().cast(), p.count, p.stride) };
    }
    let mut bytes: Vec<u8> = bytemuck::cast_slice(&words).to_vec();
    bytes.truncate(size);
    Ok(bytes)
}

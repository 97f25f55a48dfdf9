//! `KHR_draco_mesh_compression`: compressed primitives decoded by `draco-core` into a new
//! buffer their accessors point at.

use serde_json::Value;

/// The Draco extension.
pub const DRACO_EXTENSION: &str = "KHR_draco_mesh_compression";

/// Whether a primitive of `root` is Draco-compressed.
pub fn uses_draco(root: &gltf::json::Root) -> bool {
    root.meshes.iter().any(|m| {
        m.primitives.iter().any(|p| {
            p.extensions
                .as_ref()
                .is_some_and(|e| e.others.contains_key(DRACO_EXTENSION))
        })
    })
}

/// Decodes every Draco-compressed primitive of `root` (draco-core) into one new buffer,
/// appended to `buffers` and to the document's buffers, with a buffer view per decoded
/// accessor that the primitive's accessors are pointed at. Errors name the primitive.
pub fn decode_draco(
    root: gltf::json::Root,
    buffers: &mut Vec<Vec<u8>>,
) -> Result<gltf::json::Root, String> {
    let mut doc = serde_json::to_value(&root).map_err(|e| e.to_string())?;
    let mut out: Vec<u8> = Vec::new();
    let new_buffer = buffers.len();
    let meshes = doc["meshes"].as_array().map_or(0, Vec::len);
    for m in 0..meshes {
        let prims = doc["meshes"][m]["primitives"]
            .as_array()
            .map_or(0, Vec::len);
        for p in 0..prims {
            let prim = doc["meshes"][m]["primitives"][p].clone();
            let Some(ext) = prim.pointer(&format!("/extensions/{DRACO_EXTENSION}")) else {
                continue;
            };
            let at = format!("meshes[{m}].primitives[{p}].extensions.{DRACO_EXTENSION}");
            let views = decode_primitive(&doc, &prim, ext, buffers, new_buffer, &mut out)
                .map_err(|e| format!("{at}: {e}"))?;
            for (accessor, view) in views {
                let first_view = doc["bufferViews"].as_array().map_or(0, Vec::len);
                if let Some(list) = doc["bufferViews"].as_array_mut() {
                    list.push(view);
                } else {
                    doc["bufferViews"] = Value::Array(vec![view]);
                }
                let a = &mut doc["accessors"][accessor];
                a["bufferView"] = Value::from(first_view);
                a["byteOffset"] = Value::from(0);
            }
        }
    }
    let length = out.len();
    buffers.push(out);
    match doc["buffers"].as_array_mut() {
        Some(list) => list.push(serde_json::json!({ "byteLength": length })),
        None => doc["buffers"] = serde_json::json!([{ "byteLength": length }]),
    }
    serde_json::from_value(doc).map_err(|e| e.to_string())
}

/// Component count of a glTF accessor `type`.
fn components(type_: &str) -> Option<usize> {
    Some(match type_ {
        "SCALAR" => 1,
        "VEC2" => 2,
        "VEC3" => 3,
        "VEC4" => 4,
        _ => return None,
    })
}

/// Appends `values` to `out` as glTF component type `component_type`, each element
/// padded to four bytes; returns the element stride.
fn write_components(
    out: &mut Vec<u8>,
    values: &[f32],
    per_element: usize,
    component_type: u64,
) -> Result<usize, String> {
    let size = match component_type {
        5120 | 5121 => 1,
        5122 | 5123 => 2,
        5125 | 5126 => 4,
        other => return Err(format!("component type {other} is not a glTF type")),
    };
    let stride = (per_element * size).div_ceil(4) * 4;
    for element in values.chunks_exact(per_element) {
        let start = out.len();
        for &v in element {
            match component_type {
                5126 => out.extend_from_slice(&v.to_le_bytes()),
                5125 => out.extend_from_slice(&(v as u32).to_le_bytes()),
                5123 => out.extend_from_slice(&(v as u16).to_le_bytes()),
                5122 => out.extend_from_slice(&(v as i16).to_le_bytes()),
                5121 => out.push(v as u8),
                _ => out.push(v as i8 as u8),
            }
        }
        out.resize(start + stride, 0);
    }
    Ok(stride)
}

/// Decodes one primitive; returns (accessor index, new buffer view) pairs, the views'
/// bytes appended to `out` (which becomes buffer `new_buffer`).
fn decode_primitive(
    doc: &Value,
    prim: &Value,
    ext: &Value,
    buffers: &[Vec<u8>],
    new_buffer: usize,
    out: &mut Vec<u8>,
) -> Result<Vec<(usize, Value)>, String> {
    let index = |v: &Value, what: &str| {
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(format!("{what} is missing or not an index"))
    };
    let view = index(&ext["bufferView"], "bufferView")?;
    let v = &doc["bufferViews"][view];
    if v.is_null() {
        return Err(format!("bufferView {view} does not exist"));
    }
    let buffer = index(&v["buffer"], "the view's buffer")?;
    let offset = v["byteOffset"].as_u64().unwrap_or(0) as usize;
    let length = index(&v["byteLength"], "the view's byteLength")?;
    let bytes = buffers
        .get(buffer)
        .and_then(|b| b.get(offset..offset.checked_add(length)?))
        .ok_or(format!(
            "bufferViews[{view}] lies past the end of buffers[{buffer}]"
        ))?;
    let mut decoder_buffer = draco_core::DecoderBuffer::new(bytes);
    let mut mesh = draco_core::Mesh::new();
    crate::panic_guard::catch(|| {
        draco_core::MeshDecoder::new().decode(&mut decoder_buffer, &mut mesh)
    })
    .map_err(|panic| format!("the Draco decoder failed on this data ({panic})"))?
    .map_err(|e| format!("not a decodable Draco mesh: {e}"))?;
    let points = mesh.num_points();
    let mut views = Vec::new();
    let push_view = |out: &mut Vec<u8>, start: usize, stride: Option<usize>| {
        let mut view = serde_json::json!({
            "buffer": new_buffer,
            "byteOffset": start,
            "byteLength": out.len() - start,
        });
        if let Some(s) = stride {
            view["byteStride"] = Value::from(s);
        }
        view
    };
    let attributes = ext["attributes"]
        .as_object()
        .ok_or("`attributes` is missing or not an object")?;
    for (semantic, unique_id) in attributes {
        let unique_id = index(unique_id, &format!("attributes.{semantic}"))?;
        let accessor = index(
            &prim["attributes"][semantic],
            &format!("the primitive's attribute {semantic}"),
        )?;
        let a = &doc["accessors"][accessor];
        let count = index(&a["count"], &format!("accessors[{accessor}].count"))?;
        if count != points {
            return Err(format!(
                "accessors[{accessor}] ({semantic}) has count {count}, the Draco mesh {points} points"
            ));
        }
        let per_element = a["type"]
            .as_str()
            .and_then(components)
            .ok_or(format!("accessors[{accessor}].type is not SCALAR or VECn"))?;
        let attribute = u32::try_from(unique_id)
            .ok()
            .and_then(|id| mesh.attribute_by_unique_id(id))
            .ok_or(format!(
                "the Draco mesh has no attribute {unique_id} ({semantic})"
            ))?;
        let values = attribute.read_f32s(points, per_element);
        let start = out.len();
        let component_type = a["componentType"].as_u64().unwrap_or(5126);
        let stride = write_components(out, &values, per_element, component_type)?;
        views.push((accessor, push_view(out, start, Some(stride))));
    }
    let indices = index(&prim["indices"], "the primitive's indices")?;
    let a = &doc["accessors"][indices];
    let count = index(&a["count"], &format!("accessors[{indices}].count"))?;
    let faces = mesh.faces();
    if count != faces.len() * 3 {
        return Err(format!(
            "accessors[{indices}] (indices) has count {count}, the Draco mesh {} faces",
            faces.len()
        ));
    }
    let limit = match a["componentType"].as_u64() {
        Some(5121) => u64::from(u8::MAX),
        Some(5123) => u64::from(u16::MAX),
        _ => u64::from(u32::MAX),
    };
    let flat: Vec<u32> = faces
        .iter()
        .flat_map(|f| f.iter().map(|p| p.0))
        .map(|i| {
            if u64::from(i) > limit || i as usize >= points {
                Err(format!("a Draco face names point {i} of {points}"))
            } else {
                Ok(i)
            }
        })
        .collect::<Result<_, _>>()?;
    let start = out.len();
    for &i in &flat {
        // In range for the component type: checked against `limit` above.
        match limit {
            255 => out.push(i as u8),
            65535 => out.extend_from_slice(&(i as u16).to_le_bytes()),
            _ => out.extend_from_slice(&i.to_le_bytes()),
        }
    }
    views.push((indices, push_view(out, start, None)));
    out.resize(out.len().div_ceil(4) * 4, 0);
    Ok(views)
}

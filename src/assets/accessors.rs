//! Checks of a glTF file's binary layout before anything is read from it: every buffer
//! view lies inside its buffer, every accessor (and sparse substitution) inside its view,
//! aligned to its component size, with a stride that holds an element; and every
//! accessor the loader reads has the type and component type its semantic allows. The
//! gltf crate's readers would otherwise return nothing, read past an element or panic.
//! Errors name the glTF path (`accessors[3]`).

use gltf::Semantic;
use gltf::accessor::{DataType, Dimensions};

/// The glTF extension that stores vertex attributes as 8- and 16-bit integers.
pub const QUANTIZATION_EXTENSION: &str = "KHR_mesh_quantization";

/// Checks every buffer view and accessor against `buffers` (the loaded buffer bytes).
pub fn check_layout(document: &gltf::Document, buffers: &[Vec<u8>]) -> Result<(), String> {
    for view in document.views() {
        check_view(&view, buffers)?;
    }
    for accessor in document.accessors() {
        check_accessor(&accessor, buffers)?;
    }
    Ok(())
}

fn check_view(view: &gltf::buffer::View, buffers: &[Vec<u8>]) -> Result<(), String> {
    let i = view.index();
    let buffer = view.buffer();
    let end = view.offset().checked_add(view.length());
    let held = buffers.get(buffer.index()).map_or(0, Vec::len);
    match end {
        Some(end) if end <= buffer.length() && end <= held => {}
        _ => {
            return Err(format!(
                "bufferViews[{i}]: bytes {}..{} lie past the end of buffers[{}] ({} bytes)",
                view.offset(),
                view.offset() as u128 + view.length() as u128,
                buffer.index(),
                buffer.length().min(held)
            ));
        }
    }
    if let Some(stride) = view.stride()
        && !(4..=252).contains(&stride)
    {
        return Err(format!(
            "bufferViews[{i}].byteStride: {stride} is outside 4..=252"
        ));
    }
    Ok(())
}

/// Where `count` elements of `element` bytes, `stride` apart, start and end in a view.
fn span(
    what: &str,
    offset: usize,
    stride: usize,
    count: usize,
    element: usize,
    view: &gltf::buffer::View,
) -> Result<(), String> {
    if stride < element {
        return Err(format!(
            "{what}: byteStride {stride} of bufferViews[{}] is smaller than one element ({element} bytes)",
            view.index()
        ));
    }
    let end = count
        .checked_sub(1)
        .and_then(|n| n.checked_mul(stride))
        .and_then(|b| b.checked_add(offset))
        .and_then(|b| b.checked_add(element));
    match end {
        Some(end) if end <= view.length() => Ok(()),
        _ => Err(format!(
            "{what}: {count} elements of {element} bytes, {stride} apart from offset {offset}, \
             overrun bufferViews[{}] ({} bytes)",
            view.index(),
            view.length()
        )),
    }
}

fn aligned(
    what: &str,
    offset: usize,
    view: &gltf::buffer::View,
    size: usize,
) -> Result<(), String> {
    if !offset.is_multiple_of(size) || !(view.offset() + offset).is_multiple_of(size) {
        return Err(format!(
            "{what}: byteOffset {offset} (at byte {} of its buffer) is not a multiple of its \
             {size}-byte component",
            view.offset() + offset
        ));
    }
    Ok(())
}

fn check_accessor(accessor: &gltf::Accessor, buffers: &[Vec<u8>]) -> Result<(), String> {
    let i = accessor.index();
    let what = format!("accessors[{i}]");
    let count = accessor.count();
    if count == 0 {
        return Err(format!("{what}: count must be at least 1"));
    }
    let component = accessor.data_type().size();
    let element = accessor.size();
    if let Some(view) = accessor.view() {
        let stride = view.stride().unwrap_or(element);
        aligned(&what, accessor.offset(), &view, component)?;
        span(&what, accessor.offset(), stride, count, element, &view)?;
    }
    let Some(sparse) = accessor.sparse() else {
        return Ok(());
    };
    let n = sparse.count();
    if n == 0 || n > count {
        return Err(format!(
            "{what}.sparse.count: {n} must lie in 1..={count} (the accessor's count)"
        ));
    }
    let indices = sparse.indices();
    let index_size = indices.index_type().size();
    let view = indices.view();
    for (part, v) in [("indices", &view), ("values", &sparse.values().view())] {
        if v.stride().is_some() {
            return Err(format!(
                "{what}.sparse.{part}: bufferViews[{}] has a byteStride, which sparse data must not have",
                v.index()
            ));
        }
    }
    let at = format!("{what}.sparse.indices");
    aligned(&at, indices.offset(), &view, index_size)?;
    span(&at, indices.offset(), index_size, n, index_size, &view)?;
    let values = sparse.values();
    let at = format!("{what}.sparse.values");
    aligned(&at, values.offset(), &values.view(), component)?;
    span(&at, values.offset(), element, n, element, &values.view())?;
    // The substituted indices must be inside the accessor and strictly increasing.
    let data = buffers
        .get(view.buffer().index())
        .map_or(&[][..], Vec::as_slice);
    let start = view.offset() + indices.offset();
    let mut previous: Option<u64> = None;
    for k in 0..n {
        let at = start + k * index_size;
        let bytes = data.get(at..at + index_size).unwrap_or(&[]);
        let index = bytes
            .iter()
            .rev()
            .fold(0u64, |v, &b| (v << 8) | u64::from(b));
        if index >= count as u64 || previous.is_some_and(|p| index <= p) {
            return Err(format!(
                "{what}.sparse.indices: index {index} (entry {k}) must be below {count} and \
                 above the one before"
            ));
        }
        previous = Some(index);
    }
    Ok(())
}

/// What an attribute's accessor may be: its element shapes and component types
/// (integers other than floats are read as normalized values where glTF allows).
/// `quantized`: the file uses `KHR_mesh_quantization`, which allows 8- and 16-bit
/// integers for positions, normals, tangents and texture coordinates.
fn allowed(
    semantic: &Semantic,
    quantized: bool,
) -> Option<(&'static [Dimensions], &'static [DataType])> {
    use DataType::{F32, I8, I16, U8, U16};
    use Dimensions::{Vec2, Vec3, Vec4};
    Some(match semantic {
        Semantic::Positions if quantized => (&[Vec3], &[F32, I8, U8, I16, U16]),
        Semantic::Normals if quantized => (&[Vec3], &[F32, I8, I16]),
        Semantic::Tangents if quantized => (&[Vec4], &[F32, I8, I16]),
        Semantic::TexCoords(_) if quantized => (&[Vec2], &[F32, I8, U8, I16, U16]),
        Semantic::Positions | Semantic::Normals => (&[Vec3], &[F32]),
        Semantic::Tangents => (&[Vec4], &[F32]),
        Semantic::TexCoords(_) => (&[Vec2], &[F32, U8, U16]),
        Semantic::Colors(_) => (&[Vec3, Vec4], &[F32, U8, U16]),
        Semantic::Joints(_) => (&[Vec4], &[U8, U16]),
        Semantic::Weights(_) => (&[Vec4], &[F32, U8, U16]),
        _ => return None,
    })
}

fn check_type(
    what: &str,
    accessor: &gltf::Accessor,
    dims: &[Dimensions],
    types: &[DataType],
) -> Result<(), String> {
    if dims.contains(&accessor.dimensions()) && types.contains(&accessor.data_type()) {
        return Ok(());
    }
    Err(format!(
        "{what} is accessors[{}] of {:?} {:?}, but glTF allows {:?} of {:?}",
        accessor.index(),
        accessor.dimensions(),
        accessor.data_type(),
        dims,
        types
    ))
}

/// Checks the type of every accessor a primitive's attributes, indices and skins use.
pub fn check_types(document: &gltf::Document) -> Result<(), String> {
    let quantized = document
        .extensions_used()
        .any(|e| e == QUANTIZATION_EXTENSION);
    for mesh in document.meshes() {
        for prim in mesh.primitives() {
            let at = format!("meshes[{}].primitives[{}]", mesh.index(), prim.index());
            for (semantic, accessor) in prim.attributes() {
                if let Some((dims, types)) = allowed(&semantic, quantized) {
                    let what = format!("{at}.attributes.{}", semantic.to_string());
                    check_type(&what, &accessor, dims, types)?;
                }
            }
            if let Some(indices) = prim.indices() {
                check_type(
                    &format!("{at}.indices"),
                    &indices,
                    &[Dimensions::Scalar],
                    &[DataType::U8, DataType::U16, DataType::U32],
                )?;
            }
        }
    }
    for skin in document.skins() {
        if let Some(matrices) = skin.inverse_bind_matrices() {
            check_type(
                &format!("skins[{}].inverseBindMatrices", skin.index()),
                &matrices,
                &[Dimensions::Mat4],
                &[DataType::F32],
            )?;
        }
    }
    Ok(())
}

//! Meshes: triangle primitives read from their accessors (lists, strips and fans, indexed
//! or not; flat normals where NORMAL is absent), the node draws that place them, and the
//! bounds of what an asset draws.

use glam::{DMat4, DVec3};
use gltf::mesh::Mode;

pub use super::vertex::Vertex;

/// A triangle list sharing one material.
#[derive(Debug, Clone)]
pub struct Primitive {
    /// Vertices.
    pub vertices: Vec<Vertex>,
    /// Triangle list indices into `vertices`.
    pub indices: Vec<u32>,
    /// Index into [`Asset::materials`](super::Asset::materials).
    pub material: usize,
}

/// A mesh: its triangle primitives.
#[derive(Debug, Clone, Default)]
pub struct Mesh {
    /// Primitives with at least one triangle.
    pub primitives: Vec<Primitive>,
}

/// A mesh drawn at a node of the asset's scene.
#[derive(Debug, Clone, Copy)]
pub struct MeshDraw {
    /// Index into [`Asset::meshes`](super::Asset::meshes).
    pub mesh: usize,
    /// Node→asset-root transform.
    pub transform: DMat4,
}

/// Triangle-list indices for a primitive's mode; `None` for points and lines.
fn triangle_indices(mode: Mode, raw: Vec<u32>) -> Option<Vec<u32>> {
    match mode {
        Mode::Triangles => Some(raw[..raw.len() - raw.len() % 3].to_vec()),
        Mode::TriangleStrip => Some(
            (2..raw.len())
                .flat_map(|i| {
                    if i % 2 == 0 {
                        [raw[i - 2], raw[i - 1], raw[i]]
                    } else {
                        [raw[i - 1], raw[i - 2], raw[i]]
                    }
                })
                .collect(),
        ),
        Mode::TriangleFan => Some(
            (2..raw.len())
                .flat_map(|i| [raw[0], raw[i - 1], raw[i]])
                .collect(),
        ),
        Mode::Points | Mode::Lines | Mode::LineLoop | Mode::LineStrip => None,
    }
}

/// The values of the accessor `semantic` of `prim` as floats, whatever its component
/// type: floats as they are, integers (which `KHR_mesh_quantization` allows for positions,
/// normals, tangents and texture coordinates) as their values, or as glTF's normalized
/// values when the accessor is `normalized` (`max(c / 127, -1)` for a signed byte, `c /
/// 255` for an unsigned one, and likewise for 16 bits).
fn read_floats<const N: usize>(
    prim: &gltf::Primitive,
    semantic: &gltf::Semantic,
    buffers: &[Vec<u8>],
) -> Option<Vec<[f32; N]>>
where
    [f32; N]: gltf::accessor::Item,
    [i8; N]: gltf::accessor::Item,
    [u8; N]: gltf::accessor::Item,
    [i16; N]: gltf::accessor::Item,
    [u16; N]: gltf::accessor::Item,
{
    use gltf::accessor::{DataType, Iter};
    let accessor = prim.get(semantic)?;
    let normalized = accessor.normalized();
    let data = |b: gltf::Buffer| buffers.get(b.index()).map(Vec::as_slice);
    fn convert<T: Copy, const N: usize>(
        items: Iter<'_, [T; N]>,
        value: impl Fn(T) -> f32,
    ) -> Vec<[f32; N]>
    where
        [T; N]: gltf::accessor::Item,
    {
        items.map(|item| item.map(&value)).collect()
    }
    Some(match accessor.data_type() {
        DataType::F32 => Iter::<[f32; N]>::new(accessor, data)?.collect(),
        DataType::I8 => convert(Iter::<[i8; N]>::new(accessor, data)?, |c| {
            if normalized {
                (f32::from(c) / 127.0).max(-1.0)
            } else {
                f32::from(c)
            }
        }),
        DataType::U8 => convert(Iter::<[u8; N]>::new(accessor, data)?, |c| {
            if normalized {
                f32::from(c) / 255.0
            } else {
                f32::from(c)
            }
        }),
        DataType::I16 => convert(Iter::<[i16; N]>::new(accessor, data)?, |c| {
            if normalized {
                (f32::from(c) / 32767.0).max(-1.0)
            } else {
                f32::from(c)
            }
        }),
        DataType::U16 => convert(Iter::<[u16; N]>::new(accessor, data)?, |c| {
            if normalized {
                f32::from(c) / 65535.0
            } else {
                f32::from(c)
            }
        }),
        DataType::U32 => return None,
    })
}

pub(super) fn read_primitive(
    prim: &gltf::Primitive,
    buffers: &[Vec<u8>],
    default_material: usize,
) -> Result<Option<Primitive>, String> {
    use gltf::Semantic;
    let reader = prim.reader(|b| buffers.get(b.index()).map(Vec::as_slice));
    let positions: Vec<[f32; 3]> =
        read_floats(prim, &Semantic::Positions, buffers).ok_or("has no POSITION attribute")?;
    if let Some((k, p)) = positions
        .iter()
        .enumerate()
        .find(|(_, p)| p.iter().any(|c| !c.is_finite()))
    {
        return Err(format!(
            "POSITION {k} is not finite ({p:?}): a vertex at NaN or infinity cannot be drawn or placed"
        ));
    }
    let n = positions.len();
    let raw: Vec<u32> = match reader.read_indices() {
        Some(ix) => ix.into_u32().collect(),
        None => (0..n as u32).collect(),
    };
    if let Some(bad) = raw.iter().find(|&&i| i as usize >= n) {
        return Err(format!("index {bad} is past the vertex count {n}"));
    }
    let Some(indices) = triangle_indices(prim.mode(), raw) else {
        return Ok(None);
    };
    let normals: Option<Vec<[f32; 3]>> = read_floats(prim, &Semantic::Normals, buffers);
    let uv0: Option<Vec<[f32; 2]>> = read_floats(prim, &Semantic::TexCoords(0), buffers);
    let uv1: Option<Vec<[f32; 2]>> = read_floats(prim, &Semantic::TexCoords(1), buffers);
    let colors: Option<Vec<[f32; 4]>> = reader.read_colors(0).map(|c| c.into_rgba_f32().collect());
    let tangents: Option<Vec<[f32; 4]>> = read_floats(prim, &Semantic::Tangents, buffers);
    for (what, len) in [
        ("NORMAL", normals.as_ref().map(Vec::len)),
        ("TEXCOORD_0", uv0.as_ref().map(Vec::len)),
        ("TEXCOORD_1", uv1.as_ref().map(Vec::len)),
        ("COLOR_0", colors.as_ref().map(Vec::len)),
        ("TANGENT", tangents.as_ref().map(Vec::len)),
    ] {
        if len.is_some_and(|l| l != n) {
            return Err(format!(
                "{what} has {} elements but POSITION has {n}",
                len.unwrap_or(0)
            ));
        }
    }
    let vertex = |i: usize| Vertex {
        position: positions[i],
        normal: normals.as_ref().map_or([0.0, 0.0, 1.0], |v| v[i]),
        uv0: uv0.as_ref().map_or([0.0; 2], |v| v[i]),
        uv1: uv1.as_ref().map_or([0.0; 2], |v| v[i]),
        color: colors.as_ref().map_or([1.0; 4], |v| v[i]),
        tangent: tangents.as_ref().map_or([0.0; 4], |v| v[i]),
    };
    let material = prim.material().index().unwrap_or(default_material);
    let mut primitive = if normals.is_some() {
        Primitive {
            vertices: (0..n).map(vertex).collect(),
            indices,
            material,
        }
    } else {
        flat_shaded(&indices, vertex, material)
    };
    // Flat-shaded vertices have new normals: a file's tangents no longer fit them.
    if let Some(normal_map) = prim.material().normal_texture()
        && (tangents.is_none() || normals.is_none())
    {
        let uv_set = normal_map.tex_coord().min(1);
        super::tangents::generate(&mut primitive.vertices, &primitive.indices, uv_set);
    }
    Ok((!primitive.indices.is_empty()).then_some(primitive))
}

/// Without normals glTF asks for flat shading: split vertices per triangle and give each
/// the face normal.
fn flat_shaded(indices: &[u32], vertex: impl Fn(usize) -> Vertex, material: usize) -> Primitive {
    let mut vertices = Vec::with_capacity(indices.len());
    for tri in indices.chunks_exact(3) {
        let [a, b, c] = [0, 1, 2].map(|k| vertex(tri[k] as usize));
        let pa = glam::Vec3::from(a.position);
        let normal = (glam::Vec3::from(b.position) - pa)
            .cross(glam::Vec3::from(c.position) - pa)
            .normalize_or_zero()
            .to_array();
        vertices.extend([a, b, c].map(|v| Vertex { normal, ..v }));
    }
    Primitive {
        indices: (0..vertices.len() as u32).collect(),
        vertices,
        material,
    }
}

pub(super) fn bounds(meshes: &[Mesh], draws: &[MeshDraw]) -> Option<(DVec3, DVec3)> {
    let mut lo = DVec3::splat(f64::INFINITY);
    let mut hi = DVec3::splat(f64::NEG_INFINITY);
    for d in draws {
        for p in &meshes[d.mesh].primitives {
            for &i in &p.indices {
                let v = d
                    .transform
                    .transform_point3(DVec3::from(p.vertices[i as usize].position.map(f64::from)));
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    (lo.x <= hi.x && lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

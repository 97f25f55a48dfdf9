//! Stanford PLY, ASCII or binary (either endianness), read with the `ply-rs-bw` crate: the
//! maintained fork of `ply-rs` (which it replaces to drop a dependency with a known CVE),
//! reading all three encodings and capping what a header's counts may preallocate.
//!
//! - `vertex`: `x y z` (any numeric type); `nx ny nz`; colours `red green blue [alpha]`
//!   (`diffuse_red` ... too), integers over 0–255 or floats over 0–1, taken as sRGB as
//!   BOP's models and MeshLab write them; texture coordinates under their usual names
//!   (`texture_u`/`texture_v`, `s`/`t`, `u`/`v`), with `v` up as PLY writers have it.
//! - `face`: `vertex_indices` (or `vertex_index`) lists, polygons triangulated as fans;
//!   optional per-corner `texcoord` lists (`u v` per corner, MeshLab's form).
//! - `comment TextureFile NAME`: the base-colour texture, beside the file. A missing or
//!   unreadable texture is a warning naming it; the mesh then renders without it.

use std::path::Path;

use ply_rs_bw::parser::{Parser, Reader};
use ply_rs_bw::ply::{Property, PropertyAccess, PropertyAccessResult};

use super::{MeshData, read_texture, vertex};
use crate::assets::Vertex;

/// A `vertex` element as read: the properties synthvis uses, by slot (the rest ignored),
/// so a million vertices cost their numbers, not a map each.
#[derive(Default)]
struct PlyVertex {
    /// x, y, z.
    position: [Option<f64>; 3],
    /// nx, ny, nz.
    normal: [Option<f64>; 3],
    /// red, green, blue, alpha in [0, 1], sRGB.
    color: [Option<f32>; 4],
    /// Texture coordinates (u, v up).
    uv: [Option<f64>; 2],
}

impl PropertyAccess for PlyVertex {
    fn new() -> Self {
        Self::default()
    }

    fn set_property(&mut self, name: &str, property: Property) -> PropertyAccessResult {
        let value = || scalar(&property);
        let slot = match name {
            "x" => &mut self.position[0],
            "y" => &mut self.position[1],
            "z" => &mut self.position[2],
            "nx" => &mut self.normal[0],
            "ny" => &mut self.normal[1],
            "nz" => &mut self.normal[2],
            "texture_u" | "s" | "u" => &mut self.uv[0],
            "texture_v" | "t" | "v" => &mut self.uv[1],
            "red" | "diffuse_red" | "green" | "diffuse_green" | "blue" | "diffuse_blue"
            | "alpha" | "diffuse_alpha" => {
                let k = match name.trim_start_matches("diffuse_") {
                    "red" => 0,
                    "green" => 1,
                    "blue" => 2,
                    _ => 3,
                };
                self.color[k] = Some(unit(&property));
                return PropertyAccessResult::Set;
            }
            _ => return PropertyAccessResult::Ignored,
        };
        *slot = value();
        PropertyAccessResult::Set
    }
}

/// A `face` element as read: its corners and, in MeshLab's form, their texture
/// coordinates.
#[derive(Default)]
struct PlyFace {
    corners: Option<Vec<f64>>,
    texcoord: Option<Vec<f64>>,
}

impl PropertyAccess for PlyFace {
    fn new() -> Self {
        Self::default()
    }

    fn set_property(&mut self, name: &str, property: Property) -> PropertyAccessResult {
        match name {
            "vertex_indices" | "vertex_index" => self.corners = list(&property),
            "texcoord" => self.texcoord = list(&property),
            _ => return PropertyAccessResult::Ignored,
        }
        PropertyAccessResult::Set
    }
}

/// Any other element: read past, kept nowhere.
struct Skipped;

impl PropertyAccess for Skipped {
    fn new() -> Self {
        Skipped
    }
}

/// Reads the PLY file `bytes`, whose path `path` locates its texture.
pub fn read(bytes: &[u8], path: &Path) -> Result<MeshData, String> {
    let (header, vertices, faces) = crate::panic_guard::catch(|| parse(bytes))
        .map_err(|panic| format!("the PLY reader failed ({panic}); the file is malformed"))?
        .map_err(|e| format!("not a readable PLY file: {}", one_line(&e.to_string())))?;
    let mut data = MeshData::default();
    let mut out_vertices = Vec::new();
    let mut out_indices = Vec::new();
    let mut read_vertices = Vec::with_capacity(vertices.len());
    for (i, element) in vertices.iter().enumerate() {
        read_vertices.push(to_vertex(element).map_err(|m| format!("vertex {i}: {m}"))?);
    }
    let per_corner_uv = faces.iter().any(|f| f.texcoord.is_some());
    for (i, face) in faces.iter().enumerate() {
        let corners = face
            .corners
            .as_ref()
            .ok_or(format!("face {i}: no vertex_indices list"))?
            .iter()
            .map(|&c| {
                let whole = c.fract() == 0.0 && c >= 0.0 && c < read_vertices.len() as f64;
                whole.then_some(c as u32).ok_or(format!(
                    "face {i}: vertex index {c} is out of range (the file has {} vertices)",
                    read_vertices.len()
                ))
            })
            .collect::<Result<Vec<u32>, String>>()?;
        if per_corner_uv {
            // Each corner gets its own vertex, carrying the face's texture coordinates.
            let first = u32::try_from(out_vertices.len())
                .map_err(|_| format!("face {i}: more corners than a mesh may hold"))?;
            let uvs = face
                .texcoord
                .as_ref()
                .filter(|uv| uv.len() == 2 * corners.len());
            for (k, &c) in corners.iter().enumerate() {
                let mut v = read_vertices[c as usize];
                if let Some(uv) = uvs {
                    v.uv0 = [uv[2 * k] as f32, 1.0 - uv[2 * k + 1] as f32];
                }
                out_vertices.push(v);
            }
            fan(
                &mut out_indices,
                (first..first + corners.len() as u32).collect(),
            );
        } else {
            fan(&mut out_indices, corners);
        }
    }
    if !per_corner_uv {
        out_vertices = read_vertices;
    }
    if let Some(name) = texture_file(&header.comments) {
        let file = path.parent().unwrap_or(Path::new("")).join(name);
        read_texture(&file, "comment TextureFile", &mut data);
    }
    Ok(data.single(out_vertices, out_indices))
}

/// A PLY file as read: its header, its vertices and its faces.
type Parsed = (ply_rs_bw::ply::Header, Vec<PlyVertex>, Vec<PlyFace>);

/// The header, the vertices and the faces of a PLY file; other elements are read past.
fn parse(bytes: &[u8]) -> ply_rs_bw::parser::Result<Parsed> {
    let mut reader = Reader::new(std::io::Cursor::new(bytes));
    let header = Parser::<PlyVertex>::new().read_header(&mut reader)?;
    let (mut vertices, mut faces) = (Vec::new(), Vec::new());
    for (name, def) in &header.elements {
        match name.as_str() {
            "vertex" => {
                vertices = Parser::<PlyVertex>::new().read_payload_for_element(
                    &mut reader,
                    def,
                    &header,
                )?;
            }
            "face" => {
                faces =
                    Parser::<PlyFace>::new().read_payload_for_element(&mut reader, def, &header)?;
            }
            _ => {
                Parser::<Skipped>::new().read_payload_for_element(&mut reader, def, &header)?;
            }
        }
    }
    Ok((header, vertices, faces))
}

/// `message` on one line: the reader's multi-line messages (line, text, cause) joined.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Triangles of the polygon `corners` as a fan from its first corner.
fn fan(indices: &mut Vec<u32>, corners: Vec<u32>) {
    for k in 1..corners.len().saturating_sub(1) {
        indices.extend([corners[0], corners[k], corners[k + 1]]);
    }
}

/// The file named by the first `TextureFile` comment.
fn texture_file(comments: &[String]) -> Option<&str> {
    comments.iter().find_map(|c| {
        let c = c.trim();
        let rest = c.strip_prefix("TextureFile")?;
        Some(rest.trim()).filter(|name| !name.is_empty())
    })
}

/// One `vertex` element as a vertex (no normal yet when the file gives none).
fn to_vertex(element: &PlyVertex) -> Result<Vertex, String> {
    let [Some(x), Some(y), Some(z)] = element.position else {
        return Err("no numeric x, y and z".into());
    };
    let mut v = vertex([x as f32, y as f32, z as f32]);
    if let [Some(nx), Some(ny), Some(nz)] = element.normal {
        v.normal = [nx as f32, ny as f32, nz as f32];
    }
    if let [Some(r), Some(g), Some(b), alpha] = element.color {
        v.color = [
            srgb_to_linear(r),
            srgb_to_linear(g),
            srgb_to_linear(b),
            alpha.unwrap_or(1.0),
        ];
    }
    if let [Some(u), Some(w)] = element.uv {
        v.uv0 = [u as f32, 1.0 - w as f32];
    }
    Ok(v)
}

/// A scalar property as a float.
fn scalar(p: &Property) -> Option<f64> {
    Some(match *p {
        Property::Char(v) => f64::from(v),
        Property::UChar(v) => f64::from(v),
        Property::Short(v) => f64::from(v),
        Property::UShort(v) => f64::from(v),
        Property::Int(v) => f64::from(v),
        Property::UInt(v) => f64::from(v),
        Property::Float(v) => f64::from(v),
        Property::Double(v) => v,
        _ => return None,
    })
}

/// A list property as floats.
fn list(p: &Property) -> Option<Vec<f64>> {
    Some(match p {
        Property::ListChar(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListUChar(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListShort(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListUShort(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListInt(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListUInt(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListFloat(v) => v.iter().map(|&x| f64::from(x)).collect(),
        Property::ListDouble(v) => v.clone(),
        _ => return None,
    })
}

/// A colour channel in [0, 1]: integers over 0–255, floats as they are (clamped).
fn unit(p: &Property) -> f32 {
    let v = match p {
        Property::Float(_) | Property::Double(_) => scalar(p).unwrap_or(1.0),
        _ => scalar(p).unwrap_or(255.0) / 255.0,
    };
    v.clamp(0.0, 1.0) as f32
}

/// sRGB-encoded `c` to linear (IEC 61966-2-1).
fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0 255 0 0\n1 0 0 255 0 0\n1 1 0 255 0 0\n0 1 0 255 0 0\n4 0 1 2 3\n";

    #[test]
    fn a_quad_becomes_two_triangles_with_linear_colours() {
        let d = read(SQUARE.as_bytes(), Path::new("x.ply")).unwrap();
        let d = &d.primitives[0];
        assert_eq!(d.indices, [0, 1, 2, 0, 2, 3]);
        assert_eq!(d.vertices[0].color, [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(d.vertices.len(), 4);
    }

    #[test]
    fn out_of_range_and_negative_indices_are_refused_naming_the_face() {
        let bad = SQUARE.replace("4 0 1 2 3", "4 0 1 2 9");
        let e = read(bad.as_bytes(), Path::new("x.ply")).unwrap_err();
        assert!(e.contains("face 0: vertex index 9 is out of range"), "{e}");
        let bad = SQUARE.replace("4 0 1 2 3", "3 0 -1 2");
        let e = read(bad.as_bytes(), Path::new("x.ply")).unwrap_err();
        assert!(e.contains("face 0: vertex index -1"), "{e}");
    }

    #[test]
    fn a_header_promising_more_than_the_file_holds_is_an_error() {
        let bad = SQUARE.replace("element vertex 4", "element vertex 4000000000");
        assert!(read(bad.as_bytes(), Path::new("x.ply")).is_err());
    }
}

//! Wavefront OBJ with its MTL materials, read with the `tobj` crate (the ecosystem's OBJ
//! loader, after tinyobjloader): objects and groups, polygons triangulated as fans,
//! negative (relative) indices, per-face-vertex normals and texture coordinates, vertex
//! colours (`v x y z r g b`).
//!
//! Materials become the PBR model synthvis draws, as Blender's importer maps them: `Kd`
//! the base colour (linear), `map_Kd` its texture (sRGB), `d` (or `1 - Tr`) its alpha
//! (blended below 1), `Ns` the roughness (`1 - √Ns / 30`, clamped to [0, 1]), `Pr` and
//! `Pm` (the PBR extension) roughness and metallic where given; metallic 0 otherwise.
//! A missing MTL file or texture is a warning naming it; the mesh then renders with the
//! default material or without the texture.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{MeshData, mesh_file_material, vertex};
use crate::assets::{AlphaMode, Material, Primitive};

/// Reads the OBJ file `bytes`, whose path `path` locates its MTL files and textures.
pub fn read(bytes: &[u8], path: &Path) -> Result<MeshData, String> {
    let base = path.parent().unwrap_or(Path::new("")).to_owned();
    let options = tobj::LoadOptions {
        single_index: true,
        triangulate: true,
        ignore_points: true,
        ignore_lines: true,
    };
    let mtl_warnings = std::cell::RefCell::new(Vec::new());
    let (models, materials) = crate::panic_guard::catch(|| {
        tobj::load_obj_buf(&mut std::io::Cursor::new(bytes), &options, |mtl| {
            let file = base.join(mtl);
            match crate::assets::read_regular_file(&file) {
                Ok(text) => tobj::load_mtl_buf(&mut std::io::Cursor::new(text)),
                Err(e) => {
                    mtl_warnings.borrow_mut().push(format!(
                        "material library {} cannot be read ({e}); its materials are replaced by the default",
                        file.display()
                    ));
                    Err(tobj::LoadError::OpenFileFailed)
                }
            }
        })
    })
    .map_err(|panic| format!("the OBJ reader failed ({panic}); the file is malformed"))?
    .map_err(|e| match locate(bytes) {
        Some((line, what)) => format!("not a readable OBJ file: line {line}: {what} ({e})"),
        None => format!("not a readable OBJ file: {e}"),
    })?;
    let mut data = MeshData {
        warnings: mtl_warnings.into_inner(),
        ..MeshData::default()
    };
    let materials = match materials {
        Ok(materials) => materials,
        Err(e) => {
            if data.warnings.is_empty() {
                data.warnings.push(format!(
                    "its material library cannot be read ({e}); default material used"
                ));
            }
            Vec::new()
        }
    };
    let mut textures: HashMap<PathBuf, Option<usize>> = HashMap::new();
    for m in &materials {
        let material = convert_material(m, &base, &mut textures, &mut data);
        data.materials.push(material);
    }
    let default_material = data.materials.len();
    data.materials.push(mesh_file_material());
    for model in &models {
        let mesh = &model.mesh;
        let n = mesh.positions.len() / 3;
        let mut vertices: Vec<_> = (0..n)
            .map(|i| {
                vertex([
                    mesh.positions[3 * i],
                    mesh.positions[3 * i + 1],
                    mesh.positions[3 * i + 2],
                ])
            })
            .collect();
        if mesh.normals.len() == 3 * n {
            for (i, v) in vertices.iter_mut().enumerate() {
                v.normal = [
                    mesh.normals[3 * i],
                    mesh.normals[3 * i + 1],
                    mesh.normals[3 * i + 2],
                ];
            }
        }
        if mesh.texcoords.len() == 2 * n {
            for (i, v) in vertices.iter_mut().enumerate() {
                // OBJ's v points up; glTF's down.
                v.uv0 = [mesh.texcoords[2 * i], 1.0 - mesh.texcoords[2 * i + 1]];
            }
        }
        if mesh.vertex_color.len() == 3 * n {
            for (i, v) in vertices.iter_mut().enumerate() {
                let c = &mesh.vertex_color[3 * i..3 * i + 3];
                v.color = [c[0], c[1], c[2], 1.0];
            }
        }
        let material = mesh
            .material_id
            .filter(|&m| m < default_material)
            .unwrap_or(default_material);
        if !mesh.indices.is_empty() {
            data.primitives.push(Primitive {
                vertices,
                indices: mesh.indices.clone(),
                material,
            });
        }
    }
    Ok(data)
}

/// The first line of an OBJ file that `tobj` cannot have read (its errors name no line):
/// a `v`, `vn` or `vt` line whose numbers do not parse, or an `f` line with an index that
/// does not parse or names no element defined so far (negative indices count back).
fn locate(bytes: &[u8]) -> Option<(usize, String)> {
    let text = String::from_utf8_lossy(bytes);
    let mut counts = [0i64; 3]; // v, vt, vn
    for (n, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        let keyword = words.next().unwrap_or("");
        let rest: Vec<&str> = words.collect();
        let numbers_ok =
            |min: usize| rest.len() >= min && rest.iter().all(|w| w.parse::<f32>().is_ok());
        match keyword {
            "v" | "vt" | "vn" => {
                let (k, min) = match keyword {
                    "v" => (0, 3),
                    "vt" => (1, 1),
                    _ => (2, 3),
                };
                if !numbers_ok(min) {
                    return Some((
                        n + 1,
                        format!("`{}` is not a `{keyword}` line tobj reads", line.trim()),
                    ));
                }
                counts[k] += 1;
            }
            "f" => {
                for corner in &rest {
                    for (k, index) in corner.split('/').enumerate().take(3) {
                        if index.is_empty() && k > 0 {
                            continue;
                        }
                        let resolved = index
                            .parse::<i64>()
                            .ok()
                            .map(|i| if i < 0 { counts[k] + i + 1 } else { i });
                        if !resolved.is_some_and(|i| i >= 1 && i <= counts[k]) {
                            return Some((
                                n + 1,
                                format!(
                                    "face corner `{corner}` names no {} defined before it",
                                    ["vertex", "texture coordinate", "normal"][k]
                                ),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// An MTL material as synthvis' PBR material; its `map_Kd` texture is read into `data`
/// once per file.
fn convert_material(
    m: &tobj::Material,
    base: &Path,
    textures: &mut HashMap<PathBuf, Option<usize>>,
    data: &mut MeshData,
) -> Material {
    let mut out = mesh_file_material();
    let alpha = m
        .dissolve
        .or_else(|| {
            m.unknown_param
                .get("Tr")
                .and_then(|t| t.trim().parse::<f32>().ok())
                .map(|t| 1.0 - t)
        })
        .unwrap_or(1.0)
        .clamp(0.0, 1.0);
    let [r, g, b] = m.diffuse.unwrap_or([1.0; 3]);
    out.base_color = [r, g, b, alpha];
    if alpha < 1.0 {
        out.alpha_mode = AlphaMode::Blend;
    }
    if let Some(ns) = m.shininess {
        out.roughness = (1.0 - ns.max(0.0).sqrt() / 30.0).clamp(0.0, 1.0);
    }
    let param = |key: &str| {
        m.unknown_param
            .get(key)
            .and_then(|v| v.trim().parse::<f32>().ok())
            .map(|v| v.clamp(0.0, 1.0))
    };
    if let Some(pr) = param("Pr") {
        out.roughness = pr;
    }
    if let Some(pm) = param("Pm") {
        out.metallic = pm;
    }
    if let Some(name) = &m.diffuse_texture {
        let file = base.join(name.trim());
        let index = *textures
            .entry(file.clone())
            .or_insert_with(|| super::read_texture(&file, "map_Kd", data));
        if let Some(texture) = index {
            out.base_color_texture = Some(crate::assets::TextureRef {
                texture,
                tex_coord: 0,
                transform: crate::assets::material::IDENTITY_UV,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quad_with_relative_indices_becomes_two_triangles() {
        let obj = b"v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf -4 -3 -2 -1\n";
        let d = read(obj, Path::new("x.obj")).unwrap();
        assert_eq!(d.primitives.len(), 1);
        assert_eq!(d.primitives[0].indices.len(), 6);
        // No MTL: the default mesh-file material.
        assert_eq!(d.primitives[0].material, d.materials.len() - 1);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    }

    #[test]
    fn mtl_parameters_map_to_the_pbr_material() {
        let m = tobj::Material {
            diffuse: Some([0.5, 0.25, 1.0]),
            shininess: Some(900.0),
            dissolve: Some(0.5),
            ..tobj::Material::default()
        };
        let mut data = MeshData::default();
        let out = convert_material(&m, Path::new("."), &mut HashMap::new(), &mut data);
        assert_eq!(out.base_color, [0.5, 0.25, 1.0, 0.5]);
        assert_eq!(out.roughness, 0.0);
        assert_eq!(out.alpha_mode, AlphaMode::Blend);
        let mut pbr = m.clone();
        pbr.dissolve = None;
        pbr.unknown_param.insert("Tr".into(), "0.25".into());
        pbr.unknown_param.insert("Pm".into(), "1".into());
        pbr.unknown_param.insert("Pr".into(), "0.3".into());
        let out = convert_material(&pbr, Path::new("."), &mut HashMap::new(), &mut data);
        assert_eq!(
            (out.base_color[3], out.metallic, out.roughness),
            (0.75, 1.0, 0.3)
        );
    }
}

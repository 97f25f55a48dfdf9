//! Mesh files other than glTF: the repository's textured cube, written here as PLY (ASCII,
//! binary little- and big-endian, with its texture through `comment TextureFile`) and STL
//! (ASCII and binary), renders as `assets/cube.glb` does: the same masks and depth, the
//! same labels, and for the textured PLYs the same colours. A file in millimetres with +Z
//! up, declared with `units` and `up`, gives the same cuboid labels.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use glam::{DMat4, DVec3};
use serde_json::json;
use synthvis::LoadedSpec;

use crate::common;

/// The glTF cube's triangles, in asset space: (position, normal, uv) per corner.
struct Triangles {
    corners: Vec<([f32; 3], [f32; 3], [f32; 2])>,
}

fn cube_glb() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cube.glb")
}

/// The cube's triangles and its texture, written as `dir/texture.png`.
fn glb_cube(dir: &Path) -> Triangles {
    let asset = synthvis::assets::load_asset("cube", &cube_glb()).unwrap();
    assert_eq!(asset.draws.len(), 1);
    assert_eq!(asset.draws[0].transform, DMat4::IDENTITY);
    let prim = &asset.meshes[asset.draws[0].mesh].primitives[0];
    let corners = prim
        .indices
        .iter()
        .map(|&i| {
            let v = prim.vertices[i as usize];
            (v.position, v.normal, v.uv0)
        })
        .collect();
    let img = &asset.images[0];
    image::RgbaImage::from_raw(img.width, img.height, img.rgba.clone())
        .unwrap()
        .save(dir.join("texture.png"))
        .unwrap();
    Triangles { corners }
}

/// A PLY of `t` (one vertex a corner, `map` applied to positions) in `format`:
/// `ascii`, `binary_little_endian` or `binary_big_endian`.
fn write_ply(path: &Path, t: &Triangles, format: &str, map: impl Fn([f32; 3]) -> [f32; 3]) {
    let n = t.corners.len();
    let mut header = format!(
        "ply\nformat {format} 1.0\ncomment made by synthvis tests\ncomment TextureFile texture.png\n\
         element vertex {n}\nproperty float x\nproperty float y\nproperty float z\n\
         property float nx\nproperty float ny\nproperty float nz\n\
         property float texture_u\nproperty float texture_v\n\
         element face {}\nproperty list uchar int vertex_indices\nend_header\n",
        n / 3
    );
    let vertex = |(p, nrm, uv): &([f32; 3], [f32; 3], [f32; 2])| {
        let p = map(*p);
        // PLY's texture v points up; glTF's down.
        [p[0], p[1], p[2], nrm[0], nrm[1], nrm[2], uv[0], 1.0 - uv[1]]
    };
    let mut bytes = Vec::new();
    if format == "ascii" {
        for c in &t.corners {
            let v = vertex(c).map(|x| format!("{x:?}"));
            let _ = writeln!(header, "{}", v.join(" "));
        }
        for f in 0..n / 3 {
            let _ = writeln!(header, "3 {} {} {}", 3 * f, 3 * f + 1, 3 * f + 2);
        }
        bytes.extend(header.into_bytes());
    } else {
        let big = format == "binary_big_endian";
        bytes.extend(header.into_bytes());
        for c in &t.corners {
            for x in vertex(c) {
                bytes.extend(if big {
                    x.to_be_bytes()
                } else {
                    x.to_le_bytes()
                });
            }
        }
        for f in 0..n / 3 {
            bytes.push(3);
            for k in 0..3 {
                let i = (3 * f + k) as i32;
                bytes.extend(if big {
                    i.to_be_bytes()
                } else {
                    i.to_le_bytes()
                });
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// An STL of `t`, ASCII or binary.
fn write_stl(path: &Path, t: &Triangles, ascii: bool) {
    let mut bytes = Vec::new();
    if ascii {
        let mut s = String::from("solid cube\n");
        for tri in t.corners.chunks(3) {
            s.push_str("facet normal 0 0 0\nouter loop\n");
            for (p, _, _) in tri {
                let _ = writeln!(s, "vertex {:?} {:?} {:?}", p[0], p[1], p[2]);
            }
            s.push_str("endloop\nendfacet\n");
        }
        s.push_str("endsolid cube\n");
        bytes = s.into_bytes();
    } else {
        bytes.extend([0u8; 80]);
        bytes.extend((t.corners.len() as u32 / 3).to_le_bytes());
        for tri in t.corners.chunks(3) {
            bytes.extend([0u8; 12]);
            for (p, _, _) in tri {
                p.iter().for_each(|x| bytes.extend(x.to_le_bytes()));
            }
            bytes.extend([0u8; 2]);
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// One frame of a cube drawn from `asset` (a JSON asset entry), turned so three faces
/// show, at 160×120.
fn render(dir: &Path, name: &str, asset: serde_json::Value) -> synthvis::Frame {
    let mut asset = asset;
    asset["name"] = json!("cube");
    asset["category"] = json!("cube");
    let spec = json!({
        "version": 0,
        "frames": 1,
        "resolution": { "width": 160, "height": 120 },
        "camera": { "fov_y_deg": 45, "position": [0, 1, 3], "look_at": [0, 0, 0] },
        "categories": [{ "name": "cube" }],
        "assets": [asset],
        "objects": [{
            "asset": "cube", "position": [0, 0, 0], "rotation_deg": [20, 35, 10],
            "material": { "roughness": 0.6, "metallic": 0.0 }
        }]
    });
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(&spec).unwrap()).unwrap();
    let loaded = LoadedSpec::from_file(&file).unwrap();
    common::renderer(&loaded, 0).render(0).unwrap()
}

/// The mean absolute difference of two RGB images, in 8-bit levels.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn ply_and_stl_cubes_render_as_the_gltf_cube() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cube = glb_cube(dir);
    let reference = render(dir, "glb", json!({ "path": cube_glb() }));
    let covered = reference
        .buffers
        .instance
        .iter()
        .filter(|&&i| i > 0)
        .count();
    assert!(covered > 2000, "the cube covers {covered} px");

    let same = |x: [f32; 3]| x;
    for (file, ply_format) in [
        ("ascii.ply", "ascii"),
        ("le.ply", "binary_little_endian"),
        ("be.ply", "binary_big_endian"),
    ] {
        write_ply(&dir.join(file), &cube, ply_format, same);
    }
    write_stl(&dir.join("ascii.stl"), &cube, true);
    write_stl(&dir.join("binary.stl"), &cube, false);
    for file in ["ascii.ply", "le.ply", "be.ply", "ascii.stl", "binary.stl"] {
        let frame = render(dir, file, json!({ "path": dir.join(file) }));
        assert!(
            frame.buffers.instance == reference.buffers.instance,
            "{file}: the mask differs from the glTF cube's"
        );
        assert!(
            frame.buffers.depth == reference.buffers.depth,
            "{file}: the depth differs"
        );
        let (a, b) = (&frame.labels.instances[0], &reference.labels.instances[0]);
        assert_eq!(a.bbox, b.bbox, "{file}");
        assert_eq!(a.cuboid_camera, b.cuboid_camera, "{file}");
        let diff = mean_difference(&frame.buffers.rgb, &reference.buffers.rgb);
        if file.ends_with(".ply") {
            // Textured as the glTF cube is: the same colours, but for sampling (the glTF
            // sampler asks for no mipmaps; a PLY's texture gets trilinear ones): 0.99
            // levels on average when measured.
            assert!(
                diff < 1.5,
                "{file}: RGB differs by {diff:.3} levels on average"
            );
        } else {
            // STL has no texture: the cube is plain white, so its colours differ.
            assert!(
                diff > 5.0,
                "{file}: an untextured cube looks textured ({diff:.3})"
            );
        }
    }

    // Millimetres, +Z up: the file holds the cube scaled by 1000 and turned so that the
    // glTF's +Y is the file's +Z; `units` and `up` bring it back.
    let to_file = |p: [f32; 3]| {
        let v = DVec3::from(p.map(f64::from));
        let turned = DMat4::from_rotation_x(std::f64::consts::FRAC_PI_2).transform_point3(v);
        (turned * 1000.0).to_array().map(|x| x as f32)
    };
    write_ply(
        &dir.join("mm_z.ply"),
        &cube,
        "binary_little_endian",
        to_file,
    );
    let frame = render(
        dir,
        "mm_z",
        json!({ "path": dir.join("mm_z.ply"), "units": "mm", "up": "z" }),
    );
    let (a, b) = (&frame.labels.instances[0], &reference.labels.instances[0]);
    for (pa, pb) in a.cuboid_camera.iter().zip(&b.cuboid_camera) {
        for k in 0..3 {
            assert!(
                (pa[k] - pb[k]).abs() < 1e-5,
                "{:?} vs {:?}",
                a.cuboid_camera,
                b.cuboid_camera
            );
        }
    }
    let differing = frame
        .buffers
        .instance
        .iter()
        .zip(&reference.buffers.instance)
        .filter(|(x, y)| x != y)
        .count();
    assert!(
        differing <= covered / 100,
        "{differing} mask pixels differ after units and up"
    );
    // Without them the cube is a thousand times too big: the labels say so.
    let raw = render(dir, "mm_raw", json!({ "path": dir.join("mm_z.ply") }));
    let c = &raw.labels.instances[0].cuboid_camera;
    let edge = DVec3::from(c[0]).distance(DVec3::from(c[1]));
    assert!(
        edge > 100.0,
        "a millimetre file read as metres: edge {edge} m"
    );
}

/// An OBJ of `t` with an MTL file naming the texture: one vertex, normal and texture
/// coordinate line a corner, faces with relative (negative) indices in one group and
/// absolute ones in another.
fn write_obj(dir: &Path, t: &Triangles) {
    let mut obj = String::from("# made by synthvis tests\nmtllib cube.mtl\no cube\n");
    let half = t.corners.len() / 6; // half the triangles
    for (k, tri) in t.corners.chunks(3).enumerate() {
        if k == 0 {
            obj.push_str("g first\nusemtl textured\n");
        } else if k == half {
            obj.push_str("g second\nusemtl textured\n");
        }
        for (p, n, uv) in tri {
            let _ = writeln!(obj, "v {:?} {:?} {:?}", p[0], p[1], p[2]);
            let _ = writeln!(obj, "vn {:?} {:?} {:?}", n[0], n[1], n[2]);
            // OBJ's v points up; glTF's down.
            let _ = writeln!(obj, "vt {:?} {:?}", uv[0], 1.0 - uv[1]);
        }
        if k < half {
            obj.push_str("f -3/-3/-3 -2/-2/-2 -1/-1/-1\n");
        } else {
            let i = 3 * k + 1;
            let _ = writeln!(
                obj,
                "f {0}/{0}/{0} {1}/{1}/{1} {2}/{2}/{2}",
                i,
                i + 1,
                i + 2
            );
        }
    }
    std::fs::write(dir.join("cube.obj"), obj).unwrap();
    std::fs::write(
        dir.join("cube.mtl"),
        "newmtl textured\nKd 1 1 1\nNs 144\nd 1\nmap_Kd texture.png\n",
    )
    .unwrap();
}

#[test]
fn an_obj_cube_with_its_mtl_renders_as_the_gltf_cube() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cube = glb_cube(dir);
    write_obj(dir, &cube);
    let reference = render(dir, "glb", json!({ "path": cube_glb() }));
    let asset = synthvis::assets::load_asset("cube", &dir.join("cube.obj")).unwrap();
    assert!(asset.warnings.is_empty(), "{:?}", asset.warnings);
    // Ns 144 is roughness 1 - 12/30, the glTF cube's 0.6.
    assert!((asset.materials[0].roughness - 0.6).abs() < 1e-6);
    assert!(asset.materials[0].base_color_texture.is_some());
    let frame = render(dir, "obj", json!({ "path": dir.join("cube.obj") }));
    assert!(frame.buffers.instance == reference.buffers.instance, "mask");
    assert!(frame.buffers.depth == reference.buffers.depth, "depth");
    let diff = mean_difference(&frame.buffers.rgb, &reference.buffers.rgb);
    assert!(diff < 1.5, "RGB differs by {diff:.3} levels on average");

    // Without its MTL: a warning naming it, and the default material.
    std::fs::remove_file(dir.join("cube.mtl")).unwrap();
    let bare = synthvis::assets::load_asset("cube", &dir.join("cube.obj")).unwrap();
    assert!(
        bare.warnings.iter().any(|w| w.contains("cube.mtl")),
        "{:?}",
        bare.warnings
    );
    let frame = render(dir, "obj_bare", json!({ "path": dir.join("cube.obj") }));
    assert!(
        frame.buffers.instance == reference.buffers.instance,
        "mask without MTL"
    );
}

/// Four cubes of `asset` dropped onto a floor (hull colliders), with keypoints and object
/// coordinates, at 160 × 120.
fn dropped(dir: &Path, name: &str, asset: serde_json::Value) -> synthvis::Frame {
    let mut asset = asset;
    asset["name"] = json!("cube");
    asset["category"] = json!("cube");
    asset["normalize_diagonal"] = json!(0.3);
    let spec = json!({
        "version": 2,
        "seed": 3,
        "frames": 1,
        "resolution": { "width": 160, "height": 120 },
        "camera": { "fov_y_deg": 50, "position": [0, 1.4, 1.2], "look_at": [0, 0, 0] },
        "categories": [{ "name": "cube" }],
        "assets": [asset, { "name": "floor", "primitive": "plane" }],
        "objects": [
            { "asset": "floor", "position": [0, 0, 0], "scale": 3 },
            { "asset": "cube", "count": 4, "rotation": "uniform",
              "position": { "uniform": { "min": [-0.3, 0.3, -0.3], "max": [0.3, 0.8, 0.3] } },
              "drop": { "height": 0 } }
        ],
        "outputs": { "nocs": true },
        "labels": { "keypoints": true }
    });
    common::frame_renderer(&dir.join(format!("run-{name}")), &spec)
        .render(0)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn physics_keypoints_and_object_coordinates_agree_across_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cube = glb_cube(dir);
    write_ply(&dir.join("le.ply"), &cube, "binary_little_endian", |x| x);
    write_stl(&dir.join("binary.stl"), &cube, false);
    write_obj(dir, &cube);
    let reference = dropped(dir, "glb", json!({ "path": cube_glb() }));
    assert_eq!(reference.labels.instances.len(), 4);
    for file in ["le.ply", "binary.stl", "cube.obj"] {
        let frame = dropped(dir, file, json!({ "path": dir.join(file) }));
        // The same hull from the same corners: the simulation settles each cube where
        // the glTF cube's settles.
        for (a, b) in frame
            .labels
            .instances
            .iter()
            .zip(&reference.labels.instances)
        {
            let (ta, tb) = (a.pose_world.translation, b.pose_world.translation);
            for k in 0..3 {
                assert!(
                    (ta[k] - tb[k]).abs() < 1e-6,
                    "{file}: instance {} settles at {ta:?}, the glTF cube's at {tb:?}",
                    a.instance_id
                );
            }
            assert_eq!(a.bbox, b.bbox, "{file}: instance {}", a.instance_id);
            let (ka, kb) = (a.keypoints.as_ref().unwrap(), b.keypoints.as_ref().unwrap());
            for (x, y) in ka.iter().zip(kb) {
                assert!((x - y).abs() < 1e-3, "{file}: keypoints {ka:?} vs {kb:?}");
            }
        }
        assert!(
            frame.buffers.instance == reference.buffers.instance,
            "{file}: the masks differ"
        );
        assert!(
            frame.object_coordinates() == reference.object_coordinates(),
            "{file}: the object coordinates (NOCS) differ"
        );
    }
}

//! Generates the project's own quickstart assets in `assets/`: a unit cube with a checker
//! texture, a UV sphere with stripes, a cylinder with a gradient and a grey ground
//! square (1 m, facing +Y), each a `.glb` with its procedural PNG texture embedded. Run: `cargo run --example make_assets`.
//!
//! The output is committed; rerunning gives byte-identical files.

use std::path::Path;

use serde_json::json;
use synthvis::primitives::{MeshData, cube, cylinder, plane, sphere};

fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb(pixel(x, y)));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding of a small image");
    out.into_inner()
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

fn write_glb(
    path: &Path,
    name: &str,
    mesh: &MeshData,
    texture_png: &[u8],
    roughness: f32,
    metallic: f32,
) {
    let mut bin: Vec<u8> = Vec::new();
    let mut views = Vec::new();
    let mut push_view = |bin: &mut Vec<u8>, bytes: &[u8], target: Option<u32>| {
        let offset = bin.len();
        bin.extend_from_slice(bytes);
        pad4(bin);
        let mut v = json!({ "buffer": 0, "byteOffset": offset, "byteLength": bytes.len() });
        if let Some(t) = target {
            v["target"] = json!(t);
        }
        views.push(v);
        views.len() - 1
    };
    let pos_view = push_view(&mut bin, bytemuck::cast_slice(&mesh.positions), Some(34962));
    let nrm_view = push_view(&mut bin, bytemuck::cast_slice(&mesh.normals), Some(34962));
    let uv_view = push_view(&mut bin, bytemuck::cast_slice(&mesh.uvs), Some(34962));
    let idx_view = push_view(&mut bin, bytemuck::cast_slice(&mesh.indices), Some(34963));
    let img_view = push_view(&mut bin, texture_png, None);

    let (mut lo, mut hi) = ([f32::MAX; 3], [f32::MIN; 3]);
    for p in &mesh.positions {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let n = mesh.positions.len();
    let doc = json!({
        "asset": { "version": "2.0", "generator": "synthvis examples/make_assets.rs" },
        "scene": 0,
        "scenes": [{ "nodes": [0] }],
        "nodes": [{ "mesh": 0, "name": name }],
        "meshes": [{ "name": name, "primitives": [{
            "attributes": { "POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2 },
            "indices": 3, "material": 0 }] }],
        "materials": [{ "name": name, "pbrMetallicRoughness": {
            "baseColorTexture": { "index": 0 },
            "metallicFactor": metallic, "roughnessFactor": roughness } }],
        "textures": [{ "source": 0, "sampler": 0 }],
        "samplers": [{ "magFilter": 9729, "minFilter": 9729, "wrapS": 10497, "wrapT": 10497 }],
        "images": [{ "bufferView": img_view, "mimeType": "image/png" }],
        "accessors": [
            { "bufferView": pos_view, "componentType": 5126, "count": n, "type": "VEC3", "min": lo, "max": hi },
            { "bufferView": nrm_view, "componentType": 5126, "count": n, "type": "VEC3" },
            { "bufferView": uv_view, "componentType": 5126, "count": n, "type": "VEC2" },
            { "bufferView": idx_view, "componentType": 5125, "count": mesh.indices.len(), "type": "SCALAR" }
        ],
        "bufferViews": views,
        "buffers": [{ "byteLength": bin.len() }]
    });
    let mut json = serde_json::to_vec(&doc).expect("serializable document");
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let glb = gltf::binary::Glb {
        header: gltf::binary::Header {
            magic: *b"glTF",
            version: 2,
            length: 0,
        },
        json: json.into(),
        bin: Some(bin.into()),
    };
    let bytes = glb.to_vec().expect("GLB container");
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    println!("wrote {}", path.display());
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    std::fs::create_dir_all(&dir).expect("create assets/");

    let checker = png(256, 256, |x, y| {
        if ((x / 32) + (y / 32)) % 2 == 0 {
            [220, 120, 40]
        } else {
            [250, 235, 200]
        }
    });
    write_glb(&dir.join("cube.glb"), "cube", &cube(), &checker, 0.6, 0.0);

    let stripes = png(256, 128, |x, _| {
        if (x / 16) % 2 == 0 {
            [40, 90, 200]
        } else {
            [240, 240, 245]
        }
    });
    write_glb(
        &dir.join("ball.glb"),
        "ball",
        &sphere(0.5, 24, 48),
        &stripes,
        0.35,
        0.0,
    );

    let gradient = png(256, 64, |x, y| {
        let t = x as f32 / 255.0;
        let band = if (y / 8) % 2 == 0 { 1.0 } else { 0.85 };
        [
            (60.0 + 180.0 * t * band) as u8,
            (170.0 * band) as u8,
            (90.0 + 60.0 * (1.0 - t)) as u8,
        ]
    });
    write_glb(
        &dir.join("can.glb"),
        "can",
        &cylinder(0.3, 1.0, 48),
        &gradient,
        0.3,
        0.3,
    );

    // A light grey matte ground: a file, not the built-in plane, so that other renderers
    // (the Cycles comparison) load the same ground.
    let grey = png(4, 4, |_, _| [180, 180, 180]);
    write_glb(&dir.join("ground.glb"), "ground", &plane(), &grey, 0.8, 0.0);
}

//! Helpers shared by the integration tests: spec files in temp dirs, the sample models,
//! framing a camera on an asset, and image comparison with diff output.

mod runs;

pub use runs::{finished_files, merge, quickstart_spec, render, render_killed_when, small_spec};

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use synthvis::LoadedSpec;
use synthvis::gpu::BackendChoice;

/// The backend tests render on: `WGPU_BACKEND` when set (CI runs the suite once with
/// `vulkan`, once with `gl`), else synthvis' automatic choice.
pub fn backend() -> BackendChoice {
    BackendChoice::Auto
}

/// The Khronos sample models: `SYNTHVIS_GLTF_SAMPLES`, default `../shared/gltf-samples`.
/// Absent: a loud note, or a failure under `CI=true`.
pub fn gltf_samples() -> Option<PathBuf> {
    let dir = std::env::var_os("SYNTHVIS_GLTF_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/gltf-samples"));
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "glTF sample models not found at {} (set SYNTHVIS_GLTF_SAMPLES): tests that need them \
         are NOT RUNNING",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
    None
}

/// Every `.gltf`/`.glb` under the samples folder, sorted.
pub fn sample_models(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .expect("readable samples dir")
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("gltf" | "glb")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The project's own assets folder.
pub fn assets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// Writes `spec` to `dir/spec.json` and loads it.
pub fn write_spec(dir: &Path, spec: &Value) -> LoadedSpec {
    let path = dir.join("spec.json");
    std::fs::write(&path, serde_json::to_vec_pretty(spec).unwrap()).unwrap();
    LoadedSpec::from_file(&path).unwrap_or_else(|e| panic!("test spec invalid: {e}"))
}

/// A one-object spec that frames `model` (its bounds fill most of the view), looking at it
/// from `+Z` rotated by `yaw_deg` about Y and raised by `pitch_deg`.
pub fn framing_spec(model: &Path, width: u32, height: u32, yaw_deg: f64, pitch_deg: f64) -> Value {
    let asset = synthvis::assets::load_asset("model", model).unwrap_or_else(|e| panic!("{e}"));
    let (lo, hi) = asset.bounds;
    let centre = (lo + hi) * 0.5;
    let radius = ((hi - lo).length() * 0.5).max(1e-3);
    let fov: f64 = 40.0;
    let distance = radius / (fov.to_radians() * 0.5).sin() * 1.05;
    let (yaw, pitch) = (yaw_deg.to_radians(), pitch_deg.to_radians());
    let dir = glam::DVec3::new(
        yaw.sin() * pitch.cos(),
        pitch.sin(),
        yaw.cos() * pitch.cos(),
    );
    let eye = centre + dir * distance;
    json!({
        "version": 0,
        "seed": 1,
        "frames": 1,
        "resolution": { "width": width, "height": height },
        "camera": {
            "fov_y_deg": fov,
            "near": (distance - radius * 1.5).max(distance * 0.01),
            "far": distance + radius * 1.5,
            "position": eye.to_array(),
            "look_at": centre.to_array()
        },
        "categories": [{ "name": "model" }],
        "assets": [{ "name": "model", "path": model, "category": "model" }],
        "objects": [{ "asset": "model", "position": [0, 0, 0] }],
        "lights": [
            { "type": "directional", "direction": [-0.3, -0.8, -0.5], "intensity": 2.5 },
            { "type": "directional", "direction": [0.5, -0.2, 0.8], "intensity": 1.0 }
        ],
        "ambient": { "intensity": 0.3 },
        "background": { "color": [0.2, 0.2, 0.25] }
    })
}

/// Every file under `dir`: path relative to `dir` → bytes.
pub fn files_under(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The synthvis binary, as a command to complete.
pub fn synthvis_command() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_synthvis"))
}

/// A command's stderr as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that two folders hold the same files with the same bytes, leaving out files
/// whose relative path `skip` accepts.
pub fn assert_same_files(a: &Path, b: &Path, skip: impl Fn(&str) -> bool) {
    let mut fa = files_under(a);
    let mut fb = files_under(b);
    fa.retain(|name, _| !skip(name));
    fb.retain(|name, _| !skip(name));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "{} and {} hold different files",
        a.display(),
        b.display()
    );
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// Asserts that a command exited with `code` and said `needle` on stderr.
pub fn assert_fails_with(o: &std::process::Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
}

/// Decodes a COCO RLE (`{size: [h, w], counts}`) from a labels or COCO file into a
/// row-major mask.
pub fn decode_rle(seg: &Value) -> Vec<bool> {
    let (h, w) = (
        seg["size"][0].as_u64().unwrap(),
        seg["size"][1].as_u64().unwrap(),
    );
    synthvis::labels::Rle::from_compressed(seg["counts"].as_str().unwrap(), w as u32, h as u32)
        .unwrap()
        .to_mask()
}

/// Writes `spec` into `dir` and renders it through the dataset pipeline into `dir/out`;
/// returns the loaded spec and that folder.
pub fn render_spec(dir: &Path, spec: &Value) -> (LoadedSpec, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let loaded = write_spec(dir, spec);
    let out = dir.join("out");
    synthvis::render_dataset(
        &loaded,
        &synthvis::DatasetOptions::new(&out),
        &mut synthvis::dataset::NoProgress,
        &synthvis::render::Cancel::new(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (loaded, out)
}

/// A JSON file's contents.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Frame 0 of `spec` against the golden set `tests/golden/NAME` with the default
/// tolerances (`synthvis::golden::Tolerances`). With `SYNTHVIS_BLESS=1` it re-blesses
/// the set (or records a missing one) instead. A failure writes the report (actual,
/// diff and FLIP images, report.html) to `tests/golden/out/NAME/`.
pub fn check_golden(name: &str, spec: &Value) {
    use synthvis::golden::{self, CompareOptions, Tolerances};
    let tmp = tempfile::tempdir().unwrap();
    let spec_file = tmp.path().join(format!("{name}.json"));
    std::fs::write(&spec_file, serde_json::to_vec_pretty(spec).unwrap()).unwrap();
    let dir = golden_dir().join(name);
    if std::env::var("SYNTHVIS_BLESS").is_ok_and(|v| v == "1") {
        if dir.join(golden::GOLDEN_FILE).is_file() {
            let report = golden::bless(&spec_file, &dir, None, backend()).unwrap();
            eprintln!("blessed {}:\n{report}", dir.display());
        } else {
            golden::record(&spec_file, &[0], &dir, Tolerances::default(), backend()).unwrap();
            eprintln!("recorded {}", dir.display());
        }
        return;
    }
    let report = golden_dir().join("out").join(name);
    let options = CompareOptions {
        report: Some(report.clone()),
        ..CompareOptions::default()
    };
    let comparison = golden::check(&spec_file, &dir, &options, backend()).unwrap_or_else(|e| {
        panic!(
            "{e}\n(render and review it with `SYNTHVIS_BLESS=1 cargo test --test it \
             {name}`, then commit it)"
        )
    });
    eprintln!("{}", comparison.table());
    assert!(
        comparison.pass(),
        "golden {name} differs: {}; report in {}",
        comparison.table(),
        report.display()
    );
}

/// Renders frames `frames` of `spec` into `out` as `synthvis render` does, encoding on
/// `threads` threads (rayon's global pool when none).
pub fn render_threads(
    spec: &LoadedSpec,
    out: &Path,
    frames: std::ops::Range<u64>,
    threads: Option<usize>,
) {
    let opts = synthvis::DatasetOptions {
        frames: Some(frames),
        threads,
        ..synthvis::DatasetOptions::new(out)
    };
    synthvis::render_dataset(
        spec,
        &opts,
        &mut synthvis::dataset::NoProgress,
        &synthvis::render::Cancel::new(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Render options on the tests' backend.
pub fn render_options() -> synthvis::RenderOptions {
    synthvis::RenderOptions {
        backend: backend(),
        ..synthvis::RenderOptions::default()
    }
}

/// A [`synthvis::Renderer`] of `spec` on the tests' backend, sampling with `seed`.
pub fn renderer(spec: &LoadedSpec, seed: u64) -> synthvis::Renderer {
    let options = synthvis::RenderOptions {
        seed: Some(seed),
        ..render_options()
    };
    synthvis::Renderer::new(spec, options).unwrap_or_else(|e| panic!("{e}"))
}

/// A [`synthvis::Renderer`] of `spec` (with its seed), written into `dir` (made if
/// missing).
pub fn frame_renderer(dir: &Path, spec: &Value) -> synthvis::Renderer {
    std::fs::create_dir_all(dir).unwrap();
    let loaded = write_spec(dir, spec);
    synthvis::Renderer::new(&loaded, render_options()).unwrap_or_else(|e| panic!("{e}"))
}

/// The world ray (origin, direction with unit depth along the optical axis) through the
/// centre of pixel (u, v) in OpenCV coordinates (pixel centres at integers): a point at
/// depth z is `origin + direction * z`.
pub fn pixel_ray(
    camera: &synthvis::camera::CameraSample,
    u: f64,
    v: f64,
) -> (glam::DVec3, glam::DVec3) {
    let k = camera.k;
    let to_world = glam::DMat4::from_cols_array_2d(&camera.camera_to_world).transpose();
    let ray = glam::DVec3::new((u - k[0][2]) / k[0][0], (v - k[1][2]) / k[1][1], 1.0);
    (
        to_world.transform_point3(glam::DVec3::ZERO),
        to_world.transform_vector3(ray),
    )
}

/// Where the ray through pixel (u, v) meets the ground plane y = 0.
pub fn ground_point(camera: &synthvis::camera::CameraSample, u: f64, v: f64) -> glam::DVec3 {
    let (origin, dir) = pixel_ray(camera, u, v);
    origin + dir * (-origin.y / dir.y)
}

/// An 8-bit sRGB value in linear light.
pub fn linear_u8(c: u8) -> f64 {
    synthvis::geometry::srgb_to_linear(f64::from(c) / 255.0)
}

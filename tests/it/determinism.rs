//! Rendering the same spec twice gives byte-identical files, the manifest included; a
//! frame does not depend on the frame range it was rendered in.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use synthvis::render::Cancel;

use synthvis::dataset::NoProgress;
use synthvis::gpu::DrawMode;
use synthvis::{DatasetOptions, LoadedSpec, render_dataset};

fn quickstart() -> LoadedSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    LoadedSpec::from_file(&path).unwrap()
}

fn render(spec: &LoadedSpec, out: &Path, frames: std::ops::Range<u64>) {
    common::render_threads(spec, out, frames, None);
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_under(dir)
}

#[test]
fn the_number_of_render_workers_changes_no_byte() {
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = [1usize, 2, 3]
        .iter()
        .map(|&w| {
            let out = tmp.path().join(format!("w{w}"));
            let opts = DatasetOptions {
                frames: Some(0..10),
                workers: Some(w),
                ..DatasetOptions::new(&out)
            };
            let summary = render_dataset(&spec, &opts, &mut NoProgress, &Cancel::new()).unwrap();
            assert_eq!(summary.workers, w);
            out
        })
        .collect();
    let one = files(&dirs[0]);
    for other in &dirs[1..] {
        assert!(
            one == files(other),
            "{} differs from one worker",
            other.display()
        );
    }
}

#[test]
fn a_run_starts_no_more_render_workers_than_it_has_frames_by_default() {
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("one");
    let opts = DatasetOptions {
        frames: Some(3..4),
        ..DatasetOptions::new(&out)
    };
    let summary = render_dataset(&spec, &opts, &mut NoProgress, &Cancel::new()).unwrap();
    assert_eq!(summary.workers, 1, "one frame, one worker");
}

#[test]
fn same_spec_twice_gives_identical_bytes() {
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render(&spec, &a, 0..4);
    render(&spec, &b, 0..4);
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.len() >= 4 * 5 + 2,
        "expected every output, got {:?}",
        fa.keys()
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between two renders of the same spec"
        );
    }
    assert!(
        !fa.keys().any(|k| k.contains(".tmp")),
        "temporary files left behind"
    );
}

#[test]
fn frame_does_not_depend_on_its_range() {
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render(&spec, &a, 0..4);
    render(&spec, &b, 3..5);
    let (fa, fb) = (files(&a), files(&b));
    for kind in [
        "rgb/000003.png",
        "depth/000003.png",
        "instance/000003.png",
        "class/000003.png",
        "labels/000003.json",
    ] {
        assert!(
            fa[kind] == fb[kind],
            "{kind} differs between ranges 0..4 and 3..5"
        );
    }
}

#[test]
fn pipelined_frames_equal_frames_rendered_alone() {
    // The dataset path keeps a frame in flight; `Renderer::render` renders one frame at a time.
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    render(&spec, &out, 0..3);
    let mut alone = common::renderer(&spec, spec.spec.seed);
    for i in [2u64, 0, 1] {
        let scene = synthvis::randomize::sample_frame(&spec.resolved, spec.spec.seed, i).unwrap();
        let b = alone.render_scene(&scene).unwrap().buffers;
        let png = synthvis::output::images::png_rgb8(
            &b.rgb,
            b.width,
            b.height,
            spec.spec.outputs.png_compression,
        )
        .unwrap();
        let name = format!("rgb/{:06}.png", i);
        assert!(
            png == std::fs::read(out.join(&name)).unwrap(),
            "{name} differs from the frame rendered alone"
        );
    }
}

#[test]
fn instanced_and_per_object_draws_give_identical_images() {
    // Several instances per asset (instanced draws group them), plus blended and masked
    // materials (drawn one instance at a time, sorted) when the samples are present.
    let tmp = tempfile::tempdir().unwrap();
    let assets = common::assets_dir();
    let mut asset_list = vec![
        serde_json::json!({ "name": "cube", "path": assets.join("cube.glb"), "category": "shape" }),
        serde_json::json!({ "name": "ball", "path": assets.join("ball.glb"), "category": "shape" }),
    ];
    let place = |asset: &str, count: u32| {
        serde_json::json!({
            "asset": asset, "count": count,
            "position": { "uniform": { "min": [-1.2, 0.0, -1.0], "max": [1.2, 0.8, 1.0] } },
            "rotation_deg": { "uniform": { "min": [0, 0, 0], "max": [360, 360, 360] } },
            "scale": [0.3, 0.6]
        })
    };
    asset_list
        .push(serde_json::json!({ "name": "torus", "primitive": "torus", "category": "shape" }));
    let mut textured = place("torus", 4);
    textured["material"] = serde_json::json!({
        "color": { "hsv": { "h": [0, 360], "s": 0.7, "v": 0.9 } },
        "hsv_jitter": { "h": [-20, 20], "v": [0.8, 1.2] },
        "roughness": [0.1, 0.9], "metallic": [0, 1],
        "texture": { "choice": [
            { "checker": { "colors": [[0, 0, 0], [1, 1, 1]], "scale": [2, 8] } },
            { "noise": { "colors": [[1, 0, 0], [0, 0, 1]], "scale": [4, 16], "angle_deg": [0, 90] } }
        ] }
    });
    let mut objects = vec![place("cube", 5), place("ball", 4), textured];
    if let Some(samples) = common::gltf_samples() {
        asset_list.push(serde_json::json!({
            "name": "alpha",
            "path": samples.join("AlphaBlendModeTest/glTF-Binary/AlphaBlendModeTest.glb"),
            "category": "shape",
            "normalize_diagonal": 1.0
        }));
        objects.push(place("alpha", 3));
    }
    let spec = common::write_spec(
        tmp.path(),
        &serde_json::json!({
            "version": 0, "seed": 3, "frames": 3,
            "resolution": { "width": 320, "height": 240 },
            "camera": { "fov_y_deg": 50, "position": [0.0, 1.5, 3.2], "look_at": [0, 0.3, 0] },
            "categories": [{ "name": "shape", "supercategory": "shape" }],
            "assets": asset_list,
            "objects": objects,
            "lights": [{ "type": "directional", "direction": [-0.3, -1.0, -0.4], "intensity": 3.0 }]
        }),
    );
    let mut renderer = common::renderer(&spec, spec.spec.seed);
    for i in 0..3 {
        let scene = renderer.sample(i).unwrap();
        renderer.set_draw_mode(DrawMode::Instanced);
        let instanced = renderer.render_scene(&scene).unwrap().buffers;
        let instanced_calls = renderer.last_draw_calls();
        renderer.set_draw_mode(DrawMode::PerObject);
        let per_object = renderer.render_scene(&scene).unwrap().buffers;
        let per_object_calls = renderer.last_draw_calls();
        assert!(
            instanced_calls < per_object_calls,
            "frame {i}: instancing should batch draws ({instanced_calls} vs {per_object_calls})"
        );
        assert!(instanced.rgb == per_object.rgb, "frame {i}: RGB differs");
        assert!(
            instanced.instance == per_object.instance,
            "frame {i}: instance ids differ"
        );
        assert!(
            instanced
                .depth
                .iter()
                .zip(&per_object.depth)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "frame {i}: depth differs"
        );
        assert!(
            instanced.instance.iter().any(|&id| id != 0),
            "frame {i}: nothing drawn"
        );
        // The amodal passes draw whole instanced batches where per-object draws leave
        // out objects with nothing to measure: the measures must not notice.
        let measure = |b: &synthvis::gpu::FrameBuffers| {
            let max_id = b.instance.iter().copied().max().unwrap_or(0) as u16 + 8;
            let masks = synthvis::labels::instance_masks(&b.instance, b.width, b.height, max_id);
            synthvis::labels::silhouettes(b, &masks, max_id)
        };
        let (a, b) = (measure(&instanced), measure(&per_object));
        assert!(a == b, "frame {i}: silhouettes differ: {a:?} vs {b:?}");
        assert!(
            a.iter().any(|s| s.amodal_bbox.is_some()),
            "frame {i}: no silhouette measured"
        );
    }
}

/// `scenes/lighting.json` (every randomized field: weighted asset choice, count ranges,
/// orbit camera with roll, light counts, kelvin and HSV colours, spot lights) at a small
/// resolution so a hundred frames stay quick.
fn lighting_small(dir: &Path) -> LoadedSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/lighting.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["resolution"] = serde_json::json!({ "width": 96, "height": 72 });
    v["assets"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .for_each(|a| {
            let rel = a["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("../assets/")
                .to_owned();
            a["path"] = serde_json::json!(common::assets_dir().join(rel));
        });
    common::write_spec(dir, &v)
}

#[test]
fn thread_count_and_frame_range_do_not_change_a_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = lighting_small(tmp.path());
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    common::render_threads(&spec, &one, 0..100, Some(1));
    common::render_threads(&spec, &two, 0..100, Some(2));
    let (f1, f2) = (files(&one), files(&two));
    assert_eq!(f1.keys().collect::<Vec<_>>(), f2.keys().collect::<Vec<_>>());
    for (name, bytes) in &f1 {
        assert!(
            bytes == &f2[name],
            "{name} differs between --threads 1 and 2"
        );
    }

    let late = tmp.path().join("late");
    render(&spec, &late, 50..100);
    let fl = files(&late);
    for kind in [
        "rgb/000060.png",
        "depth/000060.png",
        "instance/000060.png",
        "class/000060.png",
        "labels/000060.json",
    ] {
        assert!(
            f1[kind] == fl[kind],
            "{kind} differs between ranges 0..100 and 50..100"
        );
    }
    // The scene really varies: object counts and light counts differ between frames.
    let scene = |i: u64| {
        let v: serde_json::Value =
            serde_json::from_slice(&f1[&format!("labels/{i:06}.json")]).unwrap();
        (
            v["scene"]["objects"].as_array().unwrap().len(),
            v["scene"]["lights"].as_array().unwrap().len(),
        )
    };
    let counts: std::collections::BTreeSet<_> = (0..100).map(scene).collect();
    assert!(counts.len() > 5, "too little variation: {counts:?}");
}

//! Golden-image regression tests as users run them (`synthvis golden record | check |
//! bless`, `synthvis diff`): each deliberate change is caught and named by the metric
//! that should catch it and by no unrelated one; renders of Vulkan lavapipe and GL
//! llvmpipe pass each other's goldens; references change only through `bless`; missing
//! or corrupt references fail naming the file; the HTML report embeds every picture.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Value, json};
use synthvis::golden::{self, CompareOptions, Comparison, Tolerances};
use synthvis::gpu::BackendChoice;

use crate::common;

/// A small fixed scene: a textured cube and a ball under one light, nothing random.
fn scene() -> Value {
    let a = common::assets_dir();
    json!({
        "version": 1, "seed": 3, "frames": 2,
        "resolution": { "width": 192, "height": 144 },
        "camera": { "fov_y_deg": 45, "position": [0, 1.2, 3], "look_at": [0, 0.3, 0] },
        "categories": [{ "name": "cube" }, { "name": "ball" }],
        "assets": [
            { "name": "cube", "path": a.join("cube.glb"), "category": "cube", "normalize_diagonal": 0.8 },
            { "name": "ball", "path": a.join("ball.glb"), "category": "ball", "normalize_diagonal": 0.7 }
        ],
        "objects": [
            { "asset": "cube", "position": [-0.5, 0.3, 0], "rotation_deg": [0, 30, 0],
              "material": { "texture": { "checker": { "colors": [[0.9, 0.2, 0.1], [0.1, 0.2, 0.9]], "scale": 4 } } } },
            { "asset": "ball", "position": [0.5, 0.3, 0] }
        ],
        "lights": [{ "type": "directional", "direction": [-0.3, -1, -0.5], "intensity": 3.0 }],
        "background": { "color": [0.3, 0.3, 0.35] }
    })
}

fn write(dir: &Path, name: &str, spec: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(spec).unwrap()).unwrap();
    path
}

fn record(dir: &Path, spec: &Value, frames: &[u64], backend: BackendChoice) -> PathBuf {
    let file = write(dir, "base.json", spec);
    let goldens = dir.join("goldens");
    golden::record(&file, frames, &goldens, Tolerances::default(), backend).unwrap();
    goldens
}

fn check(dir: &Path, goldens: &Path, spec: &Value, backend: BackendChoice) -> Comparison {
    let file = write(dir, "changed.json", spec);
    golden::check(&file, goldens, &CompareOptions::default(), backend).unwrap()
}

/// The metrics that failed anywhere.
fn failed(c: &Comparison) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = c
        .frames
        .iter()
        .flat_map(|f| f.failures().map(|m| m.metric))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Asserts that `metric` failed, and nothing of the modalities in `untouched`.
fn caught_by(c: &Comparison, metric: &str, untouched: &[&str]) {
    let names = failed(c);
    assert!(
        names.contains(&metric),
        "{metric} should catch it; failed: {names:?}\n{}",
        c.table()
    );
    for m in &names {
        assert!(
            !untouched.iter().any(|u| m.starts_with(u)),
            "{m} failed although the change does not touch it\n{}",
            c.table()
        );
    }
}

#[test]
fn an_unchanged_spec_passes_and_each_deliberate_change_is_caught_by_its_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scene();
    let goldens = record(tmp.path(), &base, &[0], common::backend());
    let same = check(tmp.path(), &goldens, &base, common::backend());
    assert!(same.pass(), "{}", same.table());

    // A light 10 % brighter: colour only.
    let mut brighter = base.clone();
    brighter["lights"][0]["intensity"] = json!(3.3);
    let c = check(tmp.path(), &goldens, &brighter, common::backend());
    caught_by(
        &c,
        "rgb.mean_abs",
        &["depth", "instance", "class", "labels"],
    );

    // One texture swapped: colour only.
    let mut swapped = base.clone();
    swapped["objects"][0]["material"]["texture"] =
        json!({ "stripes": { "colors": [[0.9, 0.2, 0.1], [0.1, 0.2, 0.9]], "scale": 4 } });
    let c = check(tmp.path(), &goldens, &swapped, common::backend());
    caught_by(
        &c,
        "rgb.flip_p99",
        &["depth", "instance", "class", "labels"],
    );

    // The cube moved by about 2 px (3.5 cm at 3 m with a 174 px focal length).
    let mut moved = base.clone();
    moved["objects"][0]["position"] = json!([-0.465, 0.3, 0]);
    let c = check(tmp.path(), &goldens, &moved, common::backend());
    caught_by(&c, "instance.pixels_differ", &[]);
    caught_by(&c, "labels.pose_mm_max", &[]);

    // A category id changed (the two categories swap ids): class image and labels, not
    // the instance image or colour.
    let mut recategorized = base.clone();
    recategorized["categories"] = json!([{ "name": "ball" }, { "name": "cube" }]);
    let c = check(tmp.path(), &goldens, &recategorized, common::backend());
    caught_by(&c, "class.pixels_differ", &["rgb", "depth", "instance"]);
    caught_by(&c, "labels.instances_differ", &["rgb", "depth", "instance"]);
}

#[test]
fn tampered_references_are_caught_by_their_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scene();
    let goldens = record(tmp.path(), &base, &[0], common::backend());

    // A label box off by one pixel.
    let labels = goldens.join("labels/000000.json");
    let original = std::fs::read(&labels).unwrap();
    let mut doc: Value = serde_json::from_slice(&original).unwrap();
    let x = doc["instances"][0]["bbox"][0].as_u64().unwrap();
    doc["instances"][0]["bbox"][0] = json!(x + 1);
    std::fs::write(&labels, serde_json::to_vec(&doc).unwrap()).unwrap();
    let c = check(tmp.path(), &goldens, &base, common::backend());
    caught_by(
        &c,
        "labels.bbox_iou_min",
        &["rgb", "depth", "instance", "class"],
    );
    std::fs::write(&labels, &original).unwrap();

    // Depth scaled by 1 %.
    let exr = goldens.join("depth/000000.exr");
    let depth = read_exr(&exr);
    let scaled: Vec<f32> = depth.iter().map(|d| d * 1.01).collect();
    let bytes = synthvis::output::images::exr_depth(&scaled, 192, 144).unwrap();
    std::fs::write(&exr, bytes).unwrap();
    let c = check(tmp.path(), &goldens, &base, common::backend());
    caught_by(
        &c,
        "depth.max_abs_mm",
        &["rgb", "instance", "class", "labels", "depth.coverage"],
    );
}

fn read_exr(path: &Path) -> Vec<f32> {
    let image = exr::prelude::read_first_flat_layer_from_file(path).unwrap();
    match &image.layer_data.channel_data.list[0].sample_data {
        exr::prelude::FlatSamples::F32(v) => v.clone(),
        _ => panic!("float depth"),
    }
}

#[test]
fn vulkan_and_gl_renders_pass_each_others_goldens() {
    let tmp = tempfile::tempdir().unwrap();
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    for (recorded, checked) in [
        (BackendChoice::Vulkan, BackendChoice::Gl),
        (BackendChoice::Gl, BackendChoice::Vulkan),
    ] {
        let goldens = tmp.path().join(format!("{recorded:?}"));
        golden::record(
            &quickstart,
            &[0, 7, 13],
            &goldens,
            Tolerances::default(),
            recorded,
        )
        .unwrap();
        let c = golden::check(&quickstart, &goldens, &CompareOptions::default(), checked).unwrap();
        assert!(
            c.pass(),
            "{recorded:?} goldens on {checked:?}:\n{}",
            c.table()
        );
        assert!(
            c.notes.iter().any(|n| n.contains("rendered on")),
            "says the adapters differ: {:?}",
            c.notes
        );
    }
}

#[test]
fn only_bless_changes_references_and_only_those_it_names() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scene();
    let goldens = record(tmp.path(), &base, &[0, 1], common::backend());
    let mut brighter = base.clone();
    brighter["lights"][0]["intensity"] = json!(3.3);

    // A failing check writes nothing, whatever the environment says.
    let before = common::files_under(&goldens);
    let file = write(tmp.path(), "brighter.json", &brighter);
    let c = golden::check(
        &file,
        &goldens,
        &CompareOptions::default(),
        common::backend(),
    )
    .unwrap();
    assert!(!c.pass());
    assert_eq!(
        common::files_under(&goldens),
        before,
        "check wrote into the golden set"
    );
    let cli = common::synthvis_command()
        .args(["golden", "check"])
        .arg(&file)
        .arg("--dir")
        .arg(&goldens)
        .env("SYNTHVIS_BLESS", "1")
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(4), "a failing check exits 4");
    assert_eq!(
        common::files_under(&goldens),
        before,
        "check wrote into the golden set"
    );

    // Bless frame 1 only: its colour (and the light its labels record) changes, frame 0
    // keeps its references.
    let report = golden::bless(&file, &goldens, Some(&[1]), common::backend()).unwrap();
    assert_eq!(
        report.changed,
        ["rgb/000001.png", "labels/000001.json"],
        "{report}"
    );
    assert!(report.added.is_empty(), "{report}");
    let after = common::files_under(&goldens);
    for (name, bytes) in &before {
        if report.changed.contains(name) || name == "golden.json" {
            assert_ne!(&after[name], bytes, "{name} should change");
        } else {
            assert_eq!(&after[name], bytes, "{name} changed though not blessed");
        }
    }
    let c = golden::check(
        &file,
        &goldens,
        &CompareOptions::default(),
        common::backend(),
    )
    .unwrap();
    assert_eq!(c.failed_frames(), [0], "{}", c.table());
}

#[test]
fn missing_and_corrupt_references_fail_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scene();
    let goldens = record(tmp.path(), &base, &[0, 1], common::backend());
    std::fs::remove_file(goldens.join("rgb/000001.png")).unwrap();
    std::fs::write(goldens.join("labels/000000.json"), b"{ not json").unwrap();
    let c = check(tmp.path(), &goldens, &base, common::backend());
    assert_eq!(c.failed_frames(), [0, 1]);
    let table = c.table();
    assert!(table.contains("labels/000000.json"), "{table}");
    assert!(table.contains("rgb/000001.png"), "{table}");

    std::fs::write(goldens.join("golden.json"), b"[]").unwrap();
    let spec = write(tmp.path(), "base.json", &base);
    let err = golden::check(
        &spec,
        &goldens,
        &CompareOptions::default(),
        common::backend(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("golden.json") && err.contains("not a readable golden set"),
        "{err}"
    );
    let err = golden::check(
        &spec,
        tmp.path(),
        &CompareOptions::default(),
        common::backend(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("golden.json") && err.contains("missing"),
        "{err}"
    );
}

#[test]
fn the_report_embeds_every_picture_and_junit_names_the_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scene();
    let goldens = record(tmp.path(), &base, &[0, 1], common::backend());
    let mut brighter = base.clone();
    brighter["lights"][0]["intensity"] = json!(3.3);
    let file = write(tmp.path(), "brighter.json", &brighter);
    let report = tmp.path().join("report");
    let junit = tmp.path().join("junit.xml");
    let options = CompareOptions {
        report: Some(report.clone()),
        junit: Some(junit.clone()),
        ..CompareOptions::default()
    };
    let c = golden::check(&file, &goldens, &options, common::backend()).unwrap();
    assert!(!c.pass());
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    let images: Vec<&str> = html
        .split("src=\"data:image/png;base64,")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    // Per frame: reference, actual, colour diff, FLIP, instance diff.
    assert_eq!(images.len(), 10);
    for data in images {
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (192, 144));
    }
    for f in [
        "000000.actual.png",
        "000000.diff.png",
        "000000.flip.png",
        "000001.instance-diff.png",
    ] {
        assert!(report.join(f).is_file(), "{f}");
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"2\""), "{xml}");
    assert!(xml.contains("rgb.mean_abs"), "{xml}");
}

#[test]
fn diff_compares_two_datasets_frame_by_frame_in_either_format() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scene();
    let mut brighter = base.clone();
    brighter["lights"][0]["intensity"] = json!(3.3);
    let render = |name: &str, spec: &Value, frames: &str, extra: &[&str]| {
        let file = write(tmp.path(), &format!("{name}.json"), spec);
        let out = tmp.path().join(name);
        let o = common::synthvis_command()
            .args(["render"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .args(["--frames", frames, "-q"])
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    // One frame a tar: the comparison reads across tars.
    let tars = ["--format", "webdataset", "--frames-per-tar", "1"];
    let (a, same, b, short) = (
        render("a", &base, "0..2", &[]),
        render("same", &base, "0..2", &[]),
        render("b", &brighter, "0..2", &[]),
        render("short", &base, "0..1", &[]),
    );
    let (a_tars, b_tars) = (
        render("a-tars", &base, "0..2", &tars),
        render("b-tars", &brighter, "0..2", &tars),
    );
    let options = CompareOptions::default();
    for (x, y) in [(&a, &same), (&a, &a_tars), (&a_tars, &a)] {
        let c = golden::diff(x, y, &options).unwrap();
        assert!(c.pass() && c.frames.len() == 2, "{}", c.table());
    }
    for (x, y) in [(&a, &b), (&a_tars, &b_tars), (&a, &b_tars)] {
        let c = golden::diff(x, y, &options).unwrap();
        assert_eq!(c.failed_frames(), [0, 1]);
        caught_by(
            &c,
            "rgb.mean_abs",
            &["depth", "instance", "class", "labels"],
        );
    }
    for (x, y) in [(&a, &short), (&a_tars, &short)] {
        let c = golden::diff(x, y, &options).unwrap();
        assert_eq!(c.failed_frames(), [1]);
        assert!(c.table().contains("missing"), "{}", c.table());
    }
    // The report of two webdataset datasets shows their frames as a folder one's does.
    let report = tmp.path().join("report");
    let with_report = CompareOptions {
        report: Some(report.clone()),
        ..CompareOptions::default()
    };
    golden::diff(&a_tars, &b_tars, &with_report).unwrap();
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    // Per frame: reference, actual, colour diff, FLIP, instance diff.
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 10);
    assert!(report.join("000001.actual.png").is_file());
}

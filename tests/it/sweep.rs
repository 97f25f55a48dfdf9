//! Sweeps through the binary: a 2x3 grid makes six datasets whose specs hold the values
//! the index lists; a sweep killed half-way and resumed, and a sweep sharded three ways
//! and merged, equal one whole run; bad pointers and invalid points are reported before
//! anything renders.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::common;

/// A sweep over the quickstart scene at 160x120 (assets relative to the base spec, as a
/// user writes them): light intensity × frame count, so points differ in length.
fn sweep_files(dir: &Path, parameters: Value) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["resolution"] = json!({ "width": 160, "height": 120 });
    let assets = dir.join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    for a in v["assets"].as_array_mut().unwrap() {
        let name = Path::new(a["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_owned();
        std::fs::copy(common::assets_dir().join(&name), assets.join(&name)).unwrap();
        a["path"] = json!(format!("assets/{}", name.to_string_lossy()));
    }
    std::fs::write(
        dir.join("base.json"),
        serde_json::to_vec_pretty(&v).unwrap(),
    )
    .unwrap();
    let sweep = json!({ "base": "base.json", "parameters": parameters, "combine": "grid" });
    let file = dir.join("sweep.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&sweep).unwrap()).unwrap();
    file
}

fn grid() -> Value {
    json!([
        { "pointer": "/lights/0/intensity", "values": [1.5, 4] },
        { "pointer": "/frames", "range": { "start": 2, "stop": 6, "num": 3 } }
    ])
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> Output {
    common::synthvis_command()
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .args(extra)
        .output()
        .unwrap()
}

fn assert_same(a: &Path, b: &Path) {
    common::assert_same_files(a, b, |name| name.ends_with("shards.json"));
}

#[test]
fn a_grid_sweep_makes_one_dataset_per_point_with_the_listed_values() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_files(tmp.path(), grid());
    let out = tmp.path().join("sweep");
    let o = sweep(&file, &out, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let index: Value =
        serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
    let points = index["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    for p in points {
        let id = p["id"].as_str().unwrap();
        let dir = out.join(id);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["complete"], true);
        assert_eq!(
            manifest["spec"]["lights"][0]["intensity"].as_f64(),
            p["values"][0].as_f64(),
            "{id}"
        );
        assert_eq!(manifest["spec"]["frames"], p["values"][1], "{id}");
        assert_eq!(manifest["frames"], json!([0, p["frames"]]), "{id}");
        let v = common::synthvis_command()
            .arg("verify")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(v.status.success(), "{id}: {}", common::stderr(&v));
        // The point's spec renders on its own, from where it is written.
        let again = tmp.path().join(format!("again-{id}"));
        let o = common::synthvis_command()
            .arg("render")
            .arg(dir.join("spec.json"))
            .arg("--out")
            .arg(&again)
            .arg("-q")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", common::stderr(&o));
        assert_eq!(
            std::fs::read(again.join("annotations.json")).unwrap(),
            std::fs::read(dir.join("annotations.json")).unwrap()
        );
    }
    let csv = std::fs::read_to_string(out.join("index.csv")).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("id,/lights/0/intensity,/frames,frames")
    );
    assert_eq!(csv.lines().nth(4), Some("003,4,2,2"));
    // Integers stay integers: 2, 4, 6 frames.
    assert_eq!(points[1]["values"][1], json!(4));
}

#[test]
fn resumed_and_sharded_sweeps_equal_one_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_files(tmp.path(), grid());
    let whole = tmp.path().join("whole");
    let started = Instant::now();
    let o = sweep(&file, &whole, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let span = started.elapsed();

    // Killed half-way, resumed.
    let resumed = tmp.path().join("resumed");
    let mut child = common::synthvis_command()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&resumed)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(span / 2);
    child.kill().unwrap();
    let _ = child.wait();
    let o = sweep(&file, &resumed, &["--resume"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_same(&whole, &resumed);

    // Sharded three ways (24 pairs: blocks cut through points), merged.
    let shards: Vec<PathBuf> = (0..3)
        .map(|k| tmp.path().join(format!("shard{k}")))
        .collect();
    for (k, dir) in shards.iter().enumerate() {
        let o = sweep(&file, dir, &["--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let m: Value =
        serde_json::from_slice(&std::fs::read(shards[1].join("002/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        m["frames"],
        json!([2, 6]),
        "shard 1 starts inside point 002"
    );
    let merged = tmp.path().join("merged");
    let o = common::merge(&merged, [&shards[2], &shards[0], &shards[1]]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_same(&whole, &merged);
    let o = common::merge(&tmp.path().join("partial"), [&shards[0], &shards[2]]);
    common::assert_fails_with(&o, 2, "missing");
}

#[test]
fn sweep_shards_take_whole_sequences_and_merge_into_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let assets = common::assets_dir();
    let base = json!({
        "version": 3, "seed": 5, "frames": 2,
        "sequence": { "steps": 3, "fps": 10 },
        "resolution": { "width": 96, "height": 72 },
        "camera": {
            "fov_y_deg": 50,
            "orbit": { "target": [0, 0.2, 0], "distance": 2.0, "elevation_deg": 35, "azimuth_deg": [0, 360] },
            "motion": { "orbit_deg_per_s": 40 }
        },
        "categories": [ { "name": "cube" } ],
        "assets": [
            { "name": "cube", "path": assets.join("cube.glb"), "category": "cube", "normalize_diagonal": 0.35 },
            { "name": "floor", "primitive": "plane" }
        ],
        "objects": [
            { "asset": "floor", "position": [0, 0, 0], "scale": 4.0 },
            { "asset": "cube", "count": 2,
              "position": { "uniform": { "min": [-0.5, 0.15, -0.5], "max": [0.5, 0.5, 0.5] } },
              "motion": { "velocity": [0.3, 0, 0] } }
        ],
        "outputs": { "flow": true }
    });
    std::fs::write(tmp.path().join("base.json"), base.to_string()).unwrap();
    // Points of 2 sequences of 3 and of 4 steps: 4 sequences, 14 images.
    let sweep_spec = json!({
        "base": "base.json",
        "parameters": [ { "pointer": "/sequence/steps", "values": [3, 4] } ]
    });
    let file = tmp.path().join("sweep.json");
    std::fs::write(&file, sweep_spec.to_string()).unwrap();
    let whole = tmp.path().join("whole");
    let o = sweep(&file, &whole, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));

    let shards: Vec<PathBuf> = (0..3)
        .map(|k| tmp.path().join(format!("shard{k}")))
        .collect();
    let mut sequences = 0;
    for (k, dir) in shards.iter().enumerate() {
        let o = sweep(&file, dir, &["--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        for (point, steps) in [("000", 3), ("001", 4)] {
            let Ok(bytes) = std::fs::read(dir.join(point).join("manifest.json")) else {
                continue;
            };
            let m: Value = serde_json::from_slice(&bytes).unwrap();
            let (a, b) = (
                m["frames"][0].as_u64().unwrap(),
                m["frames"][1].as_u64().unwrap(),
            );
            assert!(
                a % steps == 0 && b % steps == 0 && a < b,
                "shard {k} point {point} splits a sequence: {a}..{b}"
            );
            sequences += (b - a) / steps;
        }
    }
    assert_eq!(sequences, 4, "the shards hold every sequence once");
    let merged = tmp.path().join("merged");
    let o = common::merge(&merged, &shards);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_same(&whole, &merged);
}

#[test]
fn bad_pointers_and_invalid_points_are_reported_before_anything_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let bad_pointer = sweep_files(
        tmp.path(),
        json!([{ "pointer": "/lights/7/intensity", "values": [1] }]),
    );
    let out = tmp.path().join("out");
    let o = sweep(&bad_pointer, &out, &[]);
    common::assert_fails_with(&o, 2, "/lights/7/intensity");
    assert!(!out.exists(), "nothing was written");

    let invalid = sweep_files(
        tmp.path(),
        json!([{ "pointer": "/camera/fov_y_deg", "values": [40, 200] }]),
    );
    let o = sweep(&invalid, &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("point 001") && err.contains("camera.fov_y_deg"),
        "{err}"
    );
    assert!(!out.exists(), "nothing was written");

    let o = common::synthvis_command()
        .args(["sweep", "--dry-run", "--out"])
        .arg(&out)
        .arg(sweep_files(tmp.path(), grid()))
        .args(["--shard", "1/3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("6 points, 24 frames"), "{text}");
    assert!(text.contains("002: frames 2..6"), "{text}");
    assert!(!out.exists(), "a dry run writes nothing");
}

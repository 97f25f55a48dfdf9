//! Every scene in `scenes/` validates, loads its assets and renders (two frames at a
//! small resolution, through the whole pipeline, into a complete dataset).

use crate::common;

use std::path::Path;
use synthvis::pipeline::Cancel;

use synthvis::pipeline::NoProgress;
use synthvis::{LoadedSpec, RenderOptions, render_dataset};

#[test]
fn every_scene_validates_and_renders() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut scenes: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    scenes.sort();
    assert!(scenes.len() >= 4);
    let tmp = tempfile::tempdir().unwrap();
    for path in scenes {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let uses_samples = std::fs::read_to_string(&path)
            .unwrap()
            .contains("gltf-samples");
        if uses_samples && common::gltf_samples().is_none() {
            continue; // gltf_samples() said loudly why (and fails under CI).
        }
        let loaded = LoadedSpec::from_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same spec at a small resolution, its assets resolved from scenes/.
        let mut v: serde_json::Value = serde_json::from_slice(&loaded.bytes).unwrap();
        v["resolution"] = serde_json::json!({ "width": 80, "height": 60 });
        for a in v["assets"].as_array_mut().unwrap() {
            if let Some(rel) = a["path"].as_str() {
                let p = loaded.resolve_path(Path::new(rel));
                a["path"] = serde_json::json!(p);
            }
        }
        // And its environment maps (a file, a choice of files or a directory).
        if let Some(map) = v.pointer_mut("/render/environment/map") {
            let resolve = |p: &mut serde_json::Value| {
                if let Some(rel) = p.as_str().filter(|r| *r != "neutral") {
                    *p = serde_json::json!(loaded.resolve_path(Path::new(rel)));
                }
            };
            match map {
                serde_json::Value::Object(o) => o.values_mut().for_each(|x| match x {
                    serde_json::Value::Array(a) => a.iter_mut().for_each(resolve),
                    other => resolve(other),
                }),
                other => resolve(other),
            }
        }
        let case = tmp.path().join(&name);
        std::fs::create_dir_all(&case).unwrap();
        let small = common::write_spec(&case, &v);
        let out = case.join("ds");
        let opts = RenderOptions {
            frames: Some(0..2),
            ..RenderOptions::new(&out)
        };
        render_dataset(&small, &opts, &mut NoProgress, &Cancel::new())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["complete"], true, "{name}");
        assert!(out.join("rgb/000001.png").is_file(), "{name}");
    }
}

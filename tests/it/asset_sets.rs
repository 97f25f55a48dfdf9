//! Asset folders and BOP model sets: a `dir` entry expands into one asset per file in path
//! order with the categories it asks for, and the manifest lists each file with its
//! checksum; a `bop_models` entry reads a BOP `models` folder so that category ids and
//! `export bop`'s object ids are BOP's object ids, and an exported set loads back with the
//! same silhouettes and ids.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use synthvis::LoadedSpec;
use synthvis::spec::SpecError;

use crate::common;

/// A folder of the repository's meshes: `ball/ball.glb`, `crate/box.glb`,
/// `crate/can.glb` (the cube and the can) and files of other kinds beside them. Written in
/// reverse order, so that a listing in creation order would differ from path order.
fn model_folder(root: &Path) -> PathBuf {
    let models = root.join("models");
    let files = [
        ("crate/notes.txt", None),
        ("crate/can.glb", Some("can.glb")),
        ("crate/box.glb", Some("cube.glb")),
        ("ball/ball.glb", Some("ball.glb")),
        ("ball/ball.mtl", None),
    ];
    for (rel, source) in files {
        let path = models.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match source {
            Some(s) => std::fs::copy(common::assets_dir().join(s), &path).map(|_| ()),
            None => std::fs::write(&path, b"not a mesh"),
        }
        .unwrap();
    }
    models
}

fn folder_spec(entry: Value) -> Value {
    json!({
        "version": 2,
        "frames": 4,
        "resolution": { "width": 160, "height": 120 },
        "camera": { "fov_y_deg": 50, "position": [0, 1.5, 3], "look_at": [0, 0, 0] },
        "categories": [{ "name": "crate", "supercategory": "container" }],
        "assets": [entry, { "name": "floor", "primitive": "plane" }],
        "objects": [
            { "asset": "floor", "position": [0, 0, 0], "scale": 4 },
            { "asset": "parts", "count": 3, "position": { "uniform": { "min": [-1, 0.3, -1], "max": [1, 0.3, 1] } },
              "scale": 0.5, "rotation": "uniform" }
        ],
        "lights": [{ "type": "directional", "direction": [-1, -2, -1], "intensity": 3 }]
    })
}

fn names(spec: &LoadedSpec) -> Vec<&str> {
    spec.spec.assets.iter().map(|a| a.name.as_str()).collect()
}

fn categories(spec: &LoadedSpec) -> Vec<&str> {
    spec.spec
        .categories
        .iter()
        .map(|c| c.name.as_str())
        .collect()
}

/// Each file of a folder named in the manifest, with its SHA-256.
fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_folder_expands_in_path_order_with_categories_from_its_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let models = model_folder(tmp.path());
    let entry = json!({ "name": "parts", "dir": "models", "pattern": "*/*",
                        "category": "from_folder" });
    let spec = folder_spec(entry);
    let (loaded, out) = common::render_spec(tmp.path(), &spec);
    // Path order, other kinds of file left out; the declared category keeps id 1 and its
    // supercategory, the new one follows.
    assert_eq!(
        names(&loaded),
        [
            "parts/ball/ball",
            "parts/crate/box",
            "parts/crate/can",
            "floor"
        ]
    );
    assert_eq!(categories(&loaded), ["crate", "ball"]);
    assert_eq!(
        loaded.spec.assets[0].path,
        Some("models/ball/ball.glb".into())
    );
    // Objects naming the folder draw each of its assets.
    let coco = common::read_json(&out.join("annotations.json"));
    let ids: BTreeMap<u64, &str> = coco["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_u64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(ids, BTreeMap::from([(1, "crate"), (2, "ball")]));
    assert_eq!(coco["categories"][0]["supercategory"], "container");
    let drawn: std::collections::BTreeSet<String> = (0..4)
        .flat_map(|f| {
            let labels = common::read_json(&out.join(format!("labels/{f:06}.json")));
            labels["instances"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["asset"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        drawn.into_iter().collect::<Vec<_>>(),
        ["parts/ball/ball", "parts/crate/box", "parts/crate/can"]
    );
    for a in coco["annotations"].as_array().unwrap() {
        assert!([1, 2].contains(&a["category_id"].as_u64().unwrap()), "{a}");
    }
    // The manifest records the expansion and every file's checksum.
    let manifest = common::read_json(&out.join("manifest.json"));
    let spec_assets: Vec<&str> = manifest["spec"]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(spec_assets, names(&loaded));
    for (asset, rel) in [
        ("parts/ball/ball", "ball/ball.glb"),
        ("parts/crate/box", "crate/box.glb"),
        ("parts/crate/can", "crate/can.glb"),
    ] {
        let record = manifest["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["asset"] == asset)
            .unwrap_or_else(|| panic!("{asset} not in the manifest"));
        assert_eq!(record["file"], format!("models/{rel}"));
        assert_eq!(record["sha256"], sha256_of(&models.join(rel)));
    }
}

#[test]
fn folder_categories_from_files_or_one_name_and_the_default_pattern() {
    let tmp = tempfile::tempdir().unwrap();
    model_folder(tmp.path());
    let load = |entry: Value| common::write_spec(tmp.path(), &folder_spec(entry));
    let by_file = load(
        json!({ "name": "parts", "dir": "models", "pattern": "**/*.glb",
                               "category": "from_file" }),
    );
    assert_eq!(categories(&by_file), ["crate", "ball", "box", "can"]);
    let one = load(
        json!({ "name": "parts", "dir": "models/crate", "category": "crate",
                           "units": "cm" }),
    );
    // The default pattern: mesh files directly in `dir`; every field is copied.
    assert_eq!(names(&one), ["parts/box", "parts/can", "floor"]);
    assert!(one.spec.assets[..2].iter().all(|a| {
        a.category.as_deref() == Some("crate")
            && a.units
                == Some(synthvis::spec::Units::Named(
                    synthvis::spec::UnitName::Centimetre,
                ))
    }));
    let own = load(json!({ "name": "parts", "dir": "models/crate", "category": "from_folder" }));
    assert_eq!(categories(&own), ["crate"]);
    // A weighted choice shares the entry's weight among its assets.
    let mut spec = folder_spec(json!({ "name": "parts", "dir": "models/crate" }));
    spec["objects"][1]["asset"] =
        json!({ "choice": { "values": ["parts", "floor"], "weights": [2, 1] } });
    let weighted = common::write_spec(tmp.path(), &spec);
    let synthvis::spec::AssetChoice::Named(choice) = &weighted.spec.objects[1].asset else {
        panic!("a named choice");
    };
    assert_eq!(choice.values, ["parts/box", "parts/can", "floor"]);
    // Weight 2 shared by two assets is 1 each, as the floor's: equal weights.
    assert_eq!(choice.weights, None);
}

/// The issues loading `spec` from `dir` gives, as `path: message` lines.
fn issues(dir: &Path, spec: &Value) -> String {
    let path = dir.join("bad.json");
    std::fs::write(&path, serde_json::to_vec_pretty(spec).unwrap()).unwrap();
    match LoadedSpec::from_file(&path) {
        Err(SpecError::Invalid { issues, .. }) => issues
            .iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => panic!("expected issues, got {e}"),
        Ok(_) => panic!("expected issues, the spec loaded"),
    }
}

#[test]
fn bad_folders_and_model_sets_name_the_entry_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let models = model_folder(tmp.path());
    std::fs::create_dir_all(tmp.path().join("bop")).unwrap();
    std::fs::write(
        tmp.path().join("bop/models_info.json"),
        r#"{"3": {"diameter": 1}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("badinfo")).unwrap();
    std::fs::write(
        tmp.path().join("badinfo/models_info.json"),
        r#"{"zero": {}}"#,
    )
    .unwrap();
    let cases = [
        (
            json!({ "name": "parts", "dir": "nowhere" }),
            "assets[0].dir",
            "nowhere is not a directory",
        ),
        (
            json!({ "name": "parts", "dir": "models", "pattern": "*.ply" }),
            "assets[0].pattern",
            "matches `*.ply`",
        ),
        (
            json!({ "name": "parts", "dir": "models", "pattern": "../*/*" }),
            "assets[0].pattern",
            "must stay inside `dir`",
        ),
        (
            json!({ "name": "parts", "dir": "models", "pattern": "[" }),
            "assets[0].pattern",
            "is not a glob pattern",
        ),
        (
            json!({ "name": "parts", "dir": "models", "path": "a.glb" }),
            "assets[0]",
            "give one of `path`",
        ),
        (
            json!({ "name": "parts", "path": "models/ball/ball.glb", "pattern": "*" }),
            "assets[0].pattern",
            "applies only with `dir`",
        ),
        (
            json!({ "name": "parts", "dir": "models", "category": "nope" }),
            "assets[0].category",
            "unknown category `nope`",
        ),
        (
            json!({ "name": "parts", "bop_models": "nowhere" }),
            "assets[0].bop_models",
            "models_info.json",
        ),
        (
            json!({ "name": "parts", "bop_models": "bop" }),
            "assets[0].bop_models",
            "lists object 3, but",
        ),
        (
            json!({ "name": "parts", "bop_models": "badinfo" }),
            "assets[0].bop_models",
            "`zero` is not an object id",
        ),
        (
            json!({ "name": "parts", "bop_models": "bop", "category": "from_folder" }),
            "assets[0].category",
            "object ids",
        ),
        (
            json!({ "name": "parts", "dir": "models", "bop_id": 4 }),
            "assets[0].bop_id",
            "many",
        ),
    ];
    for (entry, path, needle) in cases {
        let found = issues(tmp.path(), &folder_spec(entry.clone()));
        assert!(
            found.contains(&format!("{path}: ")) && found.contains(needle),
            "{entry}: expected `{path}: ...{needle}...`, got:\n{found}"
        );
    }
    // A BOP object whose id another category holds.
    std::fs::copy(
        models.join("crate/box.glb"),
        tmp.path().join("bop/obj_000003.ply"),
    )
    .unwrap();
    let mut spec = folder_spec(json!({ "name": "parts", "bop_models": "bop" }));
    spec["categories"] = json!(["a", "b", "c"].map(|n| json!({ "name": n })));
    let found = issues(tmp.path(), &spec);
    assert!(
        found.contains("assets[0].bop_models: BOP object 3 needs category id 3, which `c` has"),
        "{found}"
    );
    // Two assets with one BOP id.
    let mut spec =
        folder_spec(json!({ "name": "parts", "path": "models/ball/ball.glb", "bop_id": 7 }));
    spec["assets"][1]["bop_id"] = json!(7);
    let found = issues(tmp.path(), &spec);
    assert!(
        found.contains("assets[1].bop_id: 7 is also the BOP id of assets[0]"),
        "{found}"
    );
}

/// Instance ids per pixel of a dataset's frame (`instance/NNNNNN.png`, 16-bit).
fn instance_image(dataset: &Path, frame: u64) -> Vec<u16> {
    image::open(dataset.join(format!("instance/{frame:06}.png")))
        .unwrap()
        .to_luma16()
        .into_raw()
}

/// `export bop` of `dataset` rendered from `spec` into `out`.
fn export_bop(dataset: &Path, spec: &Path, out: &Path) {
    let o = common::synthvis_command()
        .args(["export", "bop"])
        .arg(dataset)
        .arg("--out")
        .arg(out)
        .arg("--spec")
        .arg(spec)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
}

/// Every `obj_id` of an export's scene_gt files, in order.
fn object_ids(export: &Path) -> Vec<u64> {
    let gt = common::read_json(&export.join("train_pbr/000000/scene_gt.json"));
    let mut frames: Vec<(&String, &Value)> = gt.as_object().unwrap().iter().collect();
    frames.sort_by_key(|(k, _)| k.parse::<u64>().unwrap());
    frames
        .iter()
        .flat_map(|(_, v)| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|g| g["obj_id"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn an_exported_bop_set_loads_back_with_its_object_ids_and_silhouettes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let spec = |assets: Vec<Value>, objects: [&str; 3], scales: [f64; 3]| {
        json!({
            "version": 0,
            "frames": 2,
            "resolution": { "width": 200, "height": 150 },
            "camera": { "fov_y_deg": 45, "position": [0, 1.2, 3], "look_at": [0, 0, 0] },
            "outputs": { "amodal_masks": true },
            "categories": [],
            "assets": assets,
            "objects": (0..3).map(|i| json!({
                "asset": objects[i],
                "position": [i as f64 - 1.0, 0.0, 0.0],
                "rotation": "uniform",
                "scale": scales[i],
            })).collect::<Vec<_>>(),
        })
    };
    let write = |name: &str, v: Value| {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        path
    };
    // The repository's meshes as BOP objects 2, 5 and 9 (bop_id), each its own category.
    let mut original = spec(
        [("cube", 2), ("ball", 5), ("can", 9)]
            .map(|(n, id)| {
                json!({ "name": n, "path": common::assets_dir().join(format!("{n}.glb")),
                        "category": n, "bop_id": id })
            })
            .to_vec(),
        ["cube", "ball", "can"],
        [0.5, 0.6, 0.7],
    );
    original["categories"] = json!(["cube", "ball", "can"].map(|n| json!({ "name": n })));
    let original = write("original.json", original);
    let ds = dir.join("ds");
    let o = common::render(&original, &ds, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let bop = dir.join("bop");
    export_bop(&ds, &original, &bop);
    let first_ids = object_ids(&bop);
    assert_eq!(first_ids, [2, 5, 9, 2, 5, 9]);

    // The models folder as a BOP model set: millimetres, categories on the object ids.
    let models = write(
        "models.json",
        spec(
            vec![json!({ "name": "lm", "bop_models": bop.join("models") })],
            ["lm/obj_000002", "lm/obj_000005", "lm/obj_000009"],
            [1.0; 3],
        ),
    );
    let loaded = LoadedSpec::from_file(&models).unwrap();
    assert_eq!(
        names(&loaded),
        ["lm/obj_000002", "lm/obj_000005", "lm/obj_000009"]
    );
    assert_eq!(categories(&loaded).len(), 9);
    assert_eq!(categories(&loaded)[4], "obj_000005");
    let again = dir.join("again");
    let o = common::render(&models, &again, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let coco = common::read_json(&again.join("annotations.json"));
    let mut used: Vec<u64> = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["category_id"].as_u64().unwrap())
        .collect();
    used.sort_unstable();
    used.dedup();
    assert_eq!(used, [2, 5, 9], "COCO category ids are the BOP object ids");
    for frame in 0..2 {
        let (a, b) = (instance_image(&ds, frame), instance_image(&again, frame));
        for id in 1..=3u16 {
            let inter = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| **x == id && **y == id)
                .count();
            let union = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| **x == id || **y == id)
                .count();
            assert!(
                union > 100,
                "frame {frame}: instance {id} covers {union} px"
            );
            let iou = inter as f64 / union as f64;
            assert!(
                iou >= 0.99,
                "frame {frame}, instance {id}: mask IoU {iou:.4}"
            );
        }
    }
    // Exported again, the objects keep their ids.
    let bop_again = dir.join("bop-again");
    export_bop(&again, &models, &bop_again);
    assert_eq!(object_ids(&bop_again), first_ids);
    let info = common::read_json(&bop_again.join("models/models_info.json"));
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["2", "5", "9"]);
}

#[test]
fn licences_reach_the_manifest_the_coco_file_and_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let models = model_folder(tmp.path());
    // ball/: a LICENSE file naming its SPDX id; crate/box.glb: a REUSE file with the
    // copyright holder; crate/can.glb: nothing.
    std::fs::write(
        models.join("ball/LICENSE"),
        "SPDX-License-Identifier: CC0-1.0\n\nNo rights reserved.\n",
    )
    .unwrap();
    std::fs::write(
        models.join("crate/box.glb.license"),
        "SPDX-FileCopyrightText: 2026 Jane Doe\nSPDX-License-Identifier: CC-BY-4.0\n",
    )
    .unwrap();
    let entry = json!({ "name": "parts", "dir": "models", "pattern": "*/*.glb",
                        "category": "from_folder" });
    let (loaded, out) = common::render_spec(tmp.path(), &folder_spec(entry));
    let manifest = common::read_json(&out.join("manifest.json"));
    let licenses = manifest["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), loaded.spec.assets.len());
    assert_eq!(
        licenses[0],
        json!({ "asset": "parts/ball/ball", "license": "CC0-1.0",
                "url": "https://spdx.org/licenses/CC0-1.0.html",
                "sources": ["models/ball/LICENSE"] })
    );
    assert_eq!(
        licenses[1],
        json!({ "asset": "parts/crate/box", "license": "CC-BY-4.0",
                "url": "https://spdx.org/licenses/CC-BY-4.0.html",
                "attribution": "2026 Jane Doe", "sources": ["models/crate/box.glb.license"] })
    );
    assert_eq!(licenses[2], json!({ "asset": "parts/crate/can" }));
    assert_eq!(licenses[3], json!({ "asset": "floor", "builtin": true }));

    // COCO: one entry per licence, the unknown one included; each image lists the
    // licences of the assets its frame places (from the labels' scene), COCO's own
    // `license` when there is one.
    let coco = common::read_json(&out.join("annotations.json"));
    let entries = coco["licenses"].as_array().unwrap();
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["CC0-1.0", "CC-BY-4.0", "unknown"]);
    assert_eq!(entries[1]["attribution"], "2026 Jane Doe");
    assert_eq!(entries[2]["assets"], json!(["parts/crate/can"]));
    let id_of = |asset: &str| {
        entries
            .iter()
            .find(|e| e["assets"].as_array().unwrap().iter().any(|a| a == asset))
            .map(|e| e["id"].as_u64().unwrap())
    };
    let mut seen_several = false;
    for image in coco["images"].as_array().unwrap() {
        let f = image["frame_index"].as_u64().unwrap();
        let labels = common::read_json(&out.join(format!("labels/{f:06}.json")));
        let mut expected: Vec<u64> = labels["scene"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| id_of(o["asset"].as_str().unwrap()))
            .collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(image["licenses"], json!(expected), "frame {f}");
        if expected.len() == 1 {
            assert_eq!(image["license"], expected[0]);
        } else {
            seen_several = true;
            assert!(image.get("license").is_none());
        }
    }
    assert!(
        seen_several,
        "some frame shows assets under several licences"
    );
    // The render API's records agree with the file's.
    let frame = common::renderer(&loaded, 0).render(1).unwrap();
    let record = serde_json::to_value(frame.coco_image(&loaded.spec.outputs)).unwrap();
    assert_eq!(record["licenses"], coco["images"][1]["licenses"]);

    // validate warns of the one asset without a licence; --require-licenses refuses it.
    let spec_file = tmp.path().join("spec.json");
    let o = common::synthvis_command()
        .arg("validate")
        .arg(&spec_file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains("warning:") && err.contains("assets[2].license: `parts/crate/can`"),
        "{err}"
    );
    assert_eq!(err.matches(".license: `").count(), 1, "{err}");
    let o = common::synthvis_command()
        .args(["validate", "--require-licenses"])
        .arg(&spec_file)
        .output()
        .unwrap();
    common::assert_fails_with(
        &o,
        2,
        "assets[2].license: `parts/crate/can` (models/crate/can.glb) has no licence information",
    );
    // A licence in the spec wins over the files' own, for every file of the folder.
    let entry = json!({ "name": "parts", "dir": "models", "pattern": "*/*.glb",
                        "category": "from_folder", "license": "MIT", "attribution": "ACME" });
    let spec = common::write_spec(tmp.path(), &folder_spec(entry));
    let library = synthvis::assets::AssetLibrary::load(&spec).unwrap();
    let l: Vec<(Option<&str>, Option<&str>)> = library
        .licenses
        .iter()
        .map(|l| (l.license.as_deref(), l.attribution.as_deref()))
        .collect();
    assert_eq!(
        l[..3],
        [
            (Some("MIT"), Some("ACME")),
            (Some("MIT"), Some("ACME")),
            (Some("MIT"), Some("ACME"))
        ]
    );
}

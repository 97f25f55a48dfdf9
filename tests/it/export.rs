//! `synthvis export yolo`, through the binary: what is read back from the export equals
//! the COCO labels (boxes within the printed rounding, polygons within a pixel of the
//! masks), crowds are left out, the split is the seed's and never leaves a side empty,
//! image ids round-trip from file stems to `annotations.json`, separately rendered
//! validation and test sets join one export, exports are byte-identical whether the
//! dataset is folders or tars, and bad requests are refused before anything is written.

use std::collections::BTreeMap;
use std::path::Path;

use glam::DVec3;
use serde_json::{Value, json};

use crate::common;
use crate::common::read_json;
use crate::common::{quickstart_spec, render};

/// The quickstart at 320×240, 12 frames, thin annotations made crowds.
fn dataset(dir: &Path, extra: &[&str]) -> std::path::PathBuf {
    let spec = quickstart_spec(dir, "spec.json", |v| {
        v["resolution"] = json!({ "width": 320, "height": 240 });
        v["frames"] = json!(12);
        v["labels"] = json!({ "min_visibility": 0.6, "below_threshold": "crowd" });
    });
    let out = dir.join(if extra.is_empty() { "folders" } else { "tars" });
    let o = render(&spec, &out, extra);
    assert!(o.status.success(), "{}", common::stderr(&o));
    out
}

fn export(dataset: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    common::synthvis_command()
        .args(["export", "yolo"])
        .arg(dataset)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// Every label file of an export: "split/NNNNNN" (NNNNNN: the COCO image id) → its lines
/// as numbers.
fn label_files(dir: &Path) -> BTreeMap<String, Vec<Vec<f64>>> {
    let mut out = BTreeMap::new();
    for split in ["train", "val", "test"] {
        let Ok(entries) = std::fs::read_dir(dir.join("labels").join(split)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let lines = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
                .collect();
            out.insert(format!("{split}/{stem}"), lines);
        }
    }
    out
}

/// The COCO annotations of frame `frame`, crowds and not.
fn annotations(coco: &Value, frame: u64) -> Vec<&Value> {
    coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["image_id"].as_u64() == Some(frame + 1))
        .collect()
}

/// The frame of an export's label file `split/NNNNNN` (named by image id, frame + 1) and
/// its COCO annotations that are no crowds, in order.
fn non_crowd<'a>(coco: &'a Value, key: &str) -> (u64, Vec<&'a Value>) {
    let image_id: u64 = key.split('/').nth(1).unwrap().parse().unwrap();
    let frame = image_id - 1;
    let anns = annotations(coco, frame)
        .into_iter()
        .filter(|a| a["iscrowd"] == 0)
        .collect();
    (frame, anns)
}

/// Pixels whose centre lies inside the polygon (even-odd), row-major.
fn fill(polygon: &[[f64; 2]], w: usize, h: usize) -> Vec<bool> {
    let mut m = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let mut inside = false;
            for i in 0..polygon.len() {
                let [ax, ay] = polygon[i];
                let [bx, by] = polygon[(i + 1) % polygon.len()];
                if (ay > py) != (by > py) && px < ax + (py - ay) / (by - ay) * (bx - ax) {
                    inside = !inside;
                }
            }
            m[y * w + x] = inside;
        }
    }
    m
}

/// `mask` grown by one pixel (8-neighbourhood).
fn grow(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut out = mask.to_vec();
    for y in 0..h {
        for x in 0..w {
            if mask[y * w + x] {
                for (dx, dy) in (-1i64..=1).flat_map(|dx| (-1i64..=1).map(move |dy| (dx, dy))) {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if (0..w as i64).contains(&nx) && (0..h as i64).contains(&ny) {
                        out[ny as usize * w + nx as usize] = true;
                    }
                }
            }
        }
    }
    out
}

/// `mask` with its holes filled: background the image border cannot reach (4-connected).
fn fill_holes(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut outside = vec![false; w * h];
    let mut stack: Vec<usize> = (0..w * h)
        .filter(|&i| !mask[i] && (i % w == 0 || i % w == w - 1 || i / w == 0 || i / w == h - 1))
        .collect();
    while let Some(i) = stack.pop() {
        if outside[i] || mask[i] {
            continue;
        }
        outside[i] = true;
        let (x, y) = (i % w, i / w);
        if x > 0 {
            stack.push(i - 1);
        }
        if x + 1 < w {
            stack.push(i + 1);
        }
        if y > 0 {
            stack.push(i - w);
        }
        if y + 1 < h {
            stack.push(i + w);
        }
    }
    outside.iter().map(|o| !o).collect()
}

#[test]
fn yolo_exports_read_back_as_the_coco_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path(), &[]);
    let coco = read_json(&ds.join("annotations.json"));
    let (w, h) = (320usize, 240usize);
    let crowds = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["iscrowd"] == 1)
        .count();
    assert!(crowds > 0, "the spec should make some crowds");

    // Boxes: one line an annotation that is no crowd, in order, to the printed precision.
    let detect = tmp.path().join("detect");
    let o = export(&ds, &detect, &["--val-fraction", "0.5", "--seed", "7"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let files = label_files(&detect);
    assert_eq!(files.len(), 12);
    let vals = files.keys().filter(|k| k.starts_with("val/")).count();
    assert!(
        (2..=10).contains(&vals),
        "{vals} of 12 frames in val at 0.5"
    );
    let mut lines = 0;
    for (key, rows) in &files {
        let (frame, anns) = non_crowd(&coco, key);
        assert_eq!(rows.len(), anns.len(), "{key}");
        for (row, a) in rows.iter().zip(&anns) {
            let b: Vec<f64> = a["bbox"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert_eq!(row[0], a["category_id"].as_f64().unwrap() - 1.0);
            let want = [
                (b[0] + b[2] / 2.0) / w as f64,
                (b[1] + b[3] / 2.0) / h as f64,
                b[2] / w as f64,
                b[3] / h as f64,
            ];
            for k in 0..4 {
                assert!(
                    (row[k + 1] - want[k]).abs() <= 5e-7 + 1e-12,
                    "{key}: {row:?} vs {want:?}"
                );
            }
        }
        lines += rows.len();
        let image = detect.join("images").join(format!("{key}.png"));
        assert_eq!(
            std::fs::read(&image).unwrap(),
            std::fs::read(ds.join(format!("rgb/{frame:06}.png"))).unwrap()
        );
    }
    assert_eq!(
        lines + crowds,
        coco["annotations"].as_array().unwrap().len()
    );
    let yaml = std::fs::read_to_string(detect.join("data.yaml")).unwrap();
    assert!(
        yaml.contains("train: images/train") && yaml.contains("  2: \"can\""),
        "{yaml}"
    );

    // Polygons: each fills its mask to within a pixel.
    let segment = tmp.path().join("segment");
    let o = export(
        &ds,
        &segment,
        &["--task", "segment", "--val-fraction", "0.5", "--seed", "7"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let polys = label_files(&segment);
    assert_eq!(
        polys.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>(),
        "same split"
    );
    for (key, rows) in &polys {
        let (_, anns) = non_crowd(&coco, key);
        assert_eq!(rows.len(), anns.len(), "{key}");
        for (row, a) in rows.iter().zip(&anns) {
            let polygon: Vec<[f64; 2]> = row[1..]
                .chunks(2)
                .map(|p| [p[0] * w as f64, p[1] * h as f64])
                .collect();
            let filled = fill(&polygon, w, h);
            let mask = common::decode_rle(&a["segmentation"]);
            let count = |m: &[bool]| m.iter().filter(|&&v| v).count() as f64;
            // A polygon cannot hold holes: "inside" is measured against the filled mask.
            let (gm, gf) = (grow(&fill_holes(&mask, w, h), w, h), grow(&filled, w, h));
            let inside = count(
                &filled
                    .iter()
                    .zip(&gm)
                    .map(|(a, b)| *a && *b)
                    .collect::<Vec<_>>(),
            );
            let covered = count(
                &mask
                    .iter()
                    .zip(&gf)
                    .map(|(a, b)| *a && *b)
                    .collect::<Vec<_>>(),
            );
            assert!(
                inside >= 0.97 * count(&filled) && covered >= 0.97 * count(&mask),
                "{key}: polygon of {} px, mask of {} px: {inside} inside, {covered} covered",
                count(&filled),
                count(&mask)
            );
        }
    }

    // The same export again, and from the same dataset in tars: the same bytes.
    let again = tmp.path().join("again");
    let tars = dataset(
        tmp.path(),
        &["--format", "webdataset", "--frames-per-tar", "5"],
    );
    let o = export(
        &tars,
        &again,
        &["--task", "segment", "--val-fraction", "0.5", "--seed", "7"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    common::assert_same_files(&segment, &again, |f| {
        f == "data.yaml" || f == "synthvis-export.json"
    });
}

#[test]
fn yolo_export_refusals_name_the_problem_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path(), &[]);
    let out = tmp.path().join("out");

    let o = export(&ds, &out, &["--val-fraction", "1.5"]);
    common::assert_fails_with(&o, 2, "--val-fraction must lie between 0 and 1, found 1.5");
    assert!(!out.exists());

    // A folder that is not an earlier export is never replaced.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("mine.txt"), "keep").unwrap();
    let o = export(&ds, &out, &["--overwrite"]);
    common::assert_fails_with(&o, 2, "output folder is not empty");
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "keep"
    );

    // An unfinished dataset is refused.
    let manifest = ds.join("manifest.json");
    let mut m = read_json(&manifest);
    m["complete"] = json!(false);
    std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
    let fresh = tmp.path().join("fresh");
    let o = export(&ds, &fresh, &[]);
    common::assert_fails_with(&o, 2, "not complete");
    assert!(!fresh.exists());

    // --overwrite replaces an earlier export; symlinks point at the dataset's images.
    m["complete"] = json!(true);
    std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
    let o = export(&ds, &fresh, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = export(&ds, &fresh, &["--overwrite", "--images", "symlink"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let link = ["train", "val"]
        .map(|s| fresh.join(format!("images/{s}/000004.png")))
        .into_iter()
        .find(|p| std::fs::symlink_metadata(p).is_ok())
        .expect("frame 3 (image id 4) in one split");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(&link).unwrap(),
        std::fs::read(ds.join("rgb/000003.png")).unwrap()
    );

    // A damaged labels file: exit 3 naming it, nothing left behind.
    std::fs::write(ds.join("labels/000002.json"), "{\"frame_index\": 2,").unwrap();
    let broken = tmp.path().join("broken");
    let o = export(&ds, &broken, &[]);
    common::assert_fails_with(&o, 3, "labels/000002.json");
    assert!(!broken.exists() && !tmp.path().join(".broken.partial").exists());
}

/// The ids of the images in `coco`, in order.
fn image_ids(coco: &Value) -> Vec<u64> {
    coco["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect()
}

/// Checks an export's `annotations/SPLIT.json` against the dataset it came from: the
/// images of the split's label files (ids = file stems, file names in the export), and
/// the dataset's own annotation records of those images, ids and all.
fn assert_split_coco(export: &Path, split: &str, dataset: &Path) {
    let coco = read_json(&dataset.join("annotations.json"));
    let part = read_json(&export.join(format!("annotations/{split}.json")));
    let stems: Vec<u64> = label_files(export)
        .keys()
        .filter_map(|k| k.strip_prefix(&format!("{split}/")))
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(
        image_ids(&part),
        stems,
        "{split}: images are the label files'"
    );
    for image in part["images"].as_array().unwrap() {
        let name = image["file_name"].as_str().unwrap();
        assert_eq!(
            name,
            format!("images/{split}/{:06}.png", image["id"].as_u64().unwrap())
        );
        assert!(export.join(name).is_file(), "{name}");
        assert_eq!(image["frame_index"], image["id"].as_u64().unwrap() - 1);
    }
    let want: Vec<&Value> = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| stems.contains(&a["image_id"].as_u64().unwrap()))
        .collect();
    let got: Vec<&Value> = part["annotations"].as_array().unwrap().iter().collect();
    assert_eq!(got, want, "{split}: the dataset's annotation records");
    assert_eq!(part["categories"], coco["categories"]);
}

/// Predictions in the form Ultralytics writes (`image_id` from the file stem, `category_id`
/// class + 1, `bbox` `[x, y, w, h]` in pixels), made from an export's own label files:
/// each names an image of `annotations.json` and matches one of its boxes.
fn assert_predictions_round_trip(export: &Path, dataset: &Path, (w, h): (f64, f64)) {
    let coco = read_json(&dataset.join("annotations.json"));
    let mut matched = 0;
    for (key, rows) in label_files(export) {
        let image_id: u64 = key.split('/').nth(1).unwrap().parse().unwrap();
        for row in rows {
            let (cw, ch) = (row[3] * w, row[4] * h);
            let bbox = [row[1] * w - cw / 2.0, row[2] * h - ch / 2.0, cw, ch];
            let category_id = row[0] as u64 + 1;
            let hit = coco["annotations"].as_array().unwrap().iter().any(|a| {
                a["image_id"] == image_id
                    && a["category_id"] == category_id
                    && a["iscrowd"] == 0
                    && (0..4).all(|k| (a["bbox"][k].as_f64().unwrap() - bbox[k]).abs() < 1e-3)
            });
            assert!(
                hit,
                "{key}: {bbox:?} of category {category_id} is in no annotation of image {image_id}"
            );
            matched += 1;
        }
    }
    assert!(matched > 0);
}

#[test]
fn yolo_splits_are_never_empty_and_image_ids_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path(), &[]);
    let out = |name: &str| tmp.path().join(name);
    let count = |dir: &Path, split: &str| {
        label_files(dir)
            .keys()
            .filter(|k| k.starts_with(&format!("{split}/")))
            .count()
    };

    // Asking for an empty side is refused, naming the way out.
    for (fraction, empty) in [("0", "val"), ("1", "train")] {
        let o = export(&ds, &out("empty"), &["--val-fraction", fraction]);
        common::assert_fails_with(&o, 2, &format!("would leave {empty} empty"));
        common::assert_fails_with(&o, 2, "--val DATASET");
        assert!(!out("empty").exists());
    }
    // A draw that leaves a side empty moves the nearest frame across, and says so.
    for (fraction, side) in [("0.000001", "val"), ("0.999999", "train")] {
        let dir = out(&format!("moved-{side}"));
        let o = export(&ds, &dir, &["--val-fraction", fraction]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        assert!(
            common::stderr(&o).contains(&format!("moved to {side}")),
            "{}",
            common::stderr(&o)
        );
        assert_eq!(count(&dir, side), 1, "{side} at {fraction}");
        assert_eq!(count(&dir, "train") + count(&dir, "val"), 12);
    }
    // The case a user met: the default fraction with --seed 4 draws no frame of the first
    // 16 below 0.1; frame 8 (image 9) is the nearest.
    let seed4 = out("seed4");
    let o = export(&ds, &seed4, &["--seed", "4"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("frame 8 (the nearest draw) moved to val"));
    assert_eq!(
        label_files(&seed4)
            .keys()
            .filter(|k| k.starts_with("val/"))
            .collect::<Vec<_>>(),
        ["val/000009"]
    );
    // One frame cannot fill two sides.
    let spec = quickstart_spec(tmp.path(), "one.json", |v| {
        v["resolution"] = json!({ "width": 160, "height": 120 });
        v["frames"] = json!(1);
    });
    let one = out("one");
    assert!(render(&spec, &one, &[]).status.success());
    let o = export(&one, &out("one-yolo"), &[]);
    common::assert_fails_with(
        &o,
        2,
        "it has 1 frame: a train and a val split need two or more",
    );

    // File stems are COCO image ids: each split's COCO file and Ultralytics-style
    // predictions agree with annotations.json.
    let split = out("split");
    let o = export(&ds, &split, &["--val-fraction", "0.5", "--seed", "7"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    for s in ["train", "val"] {
        assert_split_coco(&split, s, &ds);
    }
    assert!(!split.join("annotations/test.json").exists());
    assert_predictions_round_trip(&split, &ds, (320.0, 240.0));
}

#[test]
fn yolo_export_takes_validation_and_test_sets_rendered_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let train = dataset(tmp.path(), &[]);
    let spec = tmp.path().join("spec.json");
    let apart = |name: &str, seed: &str, frames: &str| {
        let dir = tmp.path().join(name);
        let o = render(&spec, &dir, &["--seed", seed, "--frames", frames]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        dir
    };
    let val = apart("val", "99", "0..4");
    let test = apart("test", "100", "0..3");
    let out = tmp.path().join("yolo");
    let o = common::synthvis_command()
        .args(["export", "yolo"])
        .arg(&train)
        .arg("--out")
        .arg(&out)
        .arg("--val")
        .arg(&val)
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("(train 12, val 4, test 3)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let yaml = std::fs::read_to_string(out.join("data.yaml")).unwrap();
    assert!(
        yaml.contains("train: images/train\nval: images/val\ntest: images/test\n"),
        "{yaml}"
    );
    for (split, source) in [("train", &train), ("val", &val), ("test", &test)] {
        assert_split_coco(&out, split, source);
        // Each split's labels are its own dataset's.
        let coco = read_json(&source.join("annotations.json"));
        for (key, rows) in label_files(&out) {
            if key.starts_with(&format!("{split}/")) {
                let (frame, anns) = non_crowd(&coco, &key);
                assert_eq!(rows.len(), anns.len(), "{key}");
                assert_eq!(
                    std::fs::read(out.join(format!("images/{key}.png"))).unwrap(),
                    std::fs::read(source.join(format!("rgb/{frame:06}.png"))).unwrap(),
                    "{key}"
                );
            }
        }
    }

    // The same frames twice, a fraction beside --val, other categories: refused.
    let refused = |extra: &[&str], needle: &str| {
        let o = export(&train, &tmp.path().join("no"), extra);
        common::assert_fails_with(&o, 2, needle);
        assert!(!tmp.path().join("no").exists());
    };
    let same = train.to_string_lossy().into_owned();
    refused(&["--val", &same], "same spec and seed");
    let val_s = val.to_string_lossy().into_owned();
    refused(
        &["--val", &val_s, "--val-fraction", "0.2"],
        "cannot be used with",
    );
    let renamed = quickstart_spec(tmp.path(), "renamed.json", |v| {
        v["resolution"] = json!({ "width": 320, "height": 240 });
        v["frames"] = json!(2);
        v["categories"][1]["name"] = json!("sphere");
        for a in v["assets"].as_array_mut().unwrap() {
            if a["category"] == "ball" {
                a["category"] = json!("sphere");
            }
        }
    });
    let other = tmp.path().join("other");
    assert!(render(&renamed, &other, &[]).status.success());
    let other_s = other.to_string_lossy().into_owned();
    refused(
        &["--test", &other_s],
        "category id 2 is \"ball\" there and \"sphere\" here",
    );
}

#[test]
fn stats_count_what_the_coco_file_and_labels_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path(), &[]);
    let coco = read_json(&ds.join("annotations.json"));
    let chart = tmp.path().join("stats.svg");
    let o = common::synthvis_command()
        .arg("stats")
        .arg(&ds)
        .args(["--json", "--chart"])
        .arg(&chart)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let stats: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(stats["frames"], 12);
    let anns = coco["annotations"].as_array().unwrap();
    let mut listed = 0;
    for f in 0..12 {
        listed += read_json(&ds.join(format!("labels/{f:06}.json")))["instances"]
            .as_array()
            .unwrap()
            .len();
    }
    let cats = stats["categories"].as_array().unwrap();
    let sum = |key: &str| cats.iter().map(|c| c[key].as_u64().unwrap()).sum::<u64>();
    let instances = sum("instances") as usize;
    assert_eq!(instances, listed);
    for (i, c) in cats.iter().enumerate() {
        let of = |crowd: u64| {
            anns.iter()
                .filter(|a| a["category_id"] == i as u64 + 1 && a["iscrowd"] == crowd)
                .count() as u64
        };
        assert_eq!(c["annotations"].as_u64(), Some(of(0)), "{c}");
        assert_eq!(c["crowds"].as_u64(), Some(of(1)), "{c}");
        assert_eq!(c["name"], coco["categories"][i]["name"]);
    }
    let non_crowd = anns.iter().filter(|a| a["iscrowd"] == 0).count() as u64;
    let total = |key: &str| {
        stats[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(total("box_sizes"), non_crowd);
    assert_eq!(total("box_aspects"), non_crowd);
    let frames_binned: u64 = stats["annotations_per_image"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["frames"].as_u64().unwrap())
        .sum();
    assert_eq!(frames_binned, 12);
    let visible = sum("instances") - sum("not_visible");
    assert_eq!(total("visibility"), visible);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("annotations per category"));

    // The table names every category.
    let o = common::synthvis_command()
        .arg("stats")
        .arg(&ds)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    for c in cats {
        assert!(table.contains(c["name"].as_str().unwrap()), "{table}");
    }
}

#[test]
fn preview_draws_every_annotation_of_the_frames_it_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path(), &[]);
    let coco = read_json(&ds.join("annotations.json"));
    let out = tmp.path().join("preview");
    let o = common::synthvis_command()
        .arg("preview")
        .arg(&ds)
        .arg("--out")
        .arg(&out)
        .args(["--frames", "0,3..6", "--contact-sheet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let frames = [0u64, 3, 4, 5];
    let count = |crowd: u64| {
        frames
            .iter()
            .map(|&f| {
                annotations(&coco, f)
                    .iter()
                    .filter(|a| a["iscrowd"] == crowd)
                    .count()
            })
            .sum::<usize>()
    };
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    let expected = format!(
        "previewed 4 frames ({} boxes, {} crowd boxes)",
        count(0),
        count(1)
    );
    assert!(said.contains(&expected), "{said} (expected {expected})");
    for f in frames {
        let img = image::open(out.join(format!("{f:06}.png"))).unwrap();
        // RGB with overlays, depth, instance ids: three 320×240 panels.
        assert_eq!((img.width(), img.height()), (960, 240));
    }
    let sheet = image::open(out.join("contact-sheet.png")).unwrap();
    assert_eq!((sheet.width(), sheet.height()), (4 * 320, 240));

    let o = common::synthvis_command()
        .arg("preview")
        .arg(&ds)
        .arg("--out")
        .arg(&out)
        .args(["--frames", "40"])
        .output()
        .unwrap();
    common::assert_fails_with(&o, 2, "frame 40 is not in the dataset");
}

#[test]
fn bop_export_reads_back_as_the_labels() {
    let tmp = tempfile::tempdir().unwrap();
    // One scale an asset (BOP's models are rigid), amodal masks on.
    let spec = quickstart_spec(tmp.path(), "bop.json", |v| {
        v["resolution"] = json!({ "width": 320, "height": 240 });
        v["frames"] = json!(5);
        v["outputs"] = json!({ "amodal_masks": true });
        for (i, g) in v["objects"].as_array_mut().unwrap().iter_mut().enumerate() {
            g["scale"] = json!(0.5 + 0.1 * i as f64);
        }
    });
    let ds = tmp.path().join("ds");
    let o = render(&spec, &ds, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = tmp.path().join("bop");
    let bop = |dataset: &Path, spec: &Path, out: &Path| {
        common::synthvis_command()
            .args(["export", "bop"])
            .arg(dataset)
            .arg("--out")
            .arg(out)
            .arg("--spec")
            .arg(spec)
            .args(["--frames-per-scene", "3"])
            .output()
            .unwrap()
    };
    let o = bop(&ds, &spec, &out);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let manifest = read_json(&ds.join("manifest.json"));
    let assets: Vec<String> = manifest["spec"]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    let info = read_json(&out.join("models/models_info.json"));
    let count = |p: &Path| {
        image::open(p)
            .unwrap()
            .to_luma8()
            .pixels()
            .filter(|px| px[0] == 255)
            .count() as u64
    };
    for frame in 0..5u64 {
        let scene = out.join(format!("train_pbr/{:06}", frame / 3));
        let labels = read_json(&ds.join(format!("labels/{frame:06}.json")));
        // BOP's im_id is the COCO image id.
        let im_id = (frame + 1).to_string();
        let gt = &read_json(&scene.join("scene_gt.json"))[&im_id];
        let gi = &read_json(&scene.join("scene_gt_info.json"))[&im_id];
        let cam = &read_json(&scene.join("scene_camera.json"))[&im_id];
        assert_eq!(
            std::fs::read(scene.join(format!("rgb/{:06}.png", frame + 1))).unwrap(),
            std::fs::read(ds.join(format!("rgb/{frame:06}.png"))).unwrap()
        );
        let k: Vec<f64> = labels["scene"]["camera"]["K"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        assert_eq!(cam["cam_K"], json!(k));
        let instances = labels["instances"].as_array().unwrap();
        assert_eq!(gt.as_array().unwrap().len(), instances.len());
        for (g, inst) in instances.iter().enumerate() {
            let obj = assets
                .iter()
                .position(|a| inst["asset"] == a.as_str())
                .unwrap()
                + 1;
            assert_eq!(gt[g]["obj_id"], obj);
            for a in 0..3 {
                let want = inst["pose_camera"]["translation"][a].as_f64().unwrap() * 1000.0;
                assert!((gt[g]["cam_t_m2c"][a].as_f64().unwrap() - want).abs() < 1e-6);
            }
            assert_eq!(gi[g]["px_count_visib"], inst["area"]);
            assert_eq!(gi[g]["px_count_valid"], inst["unoccluded_pixels"]);
            assert_eq!(gi[g]["px_count_all"], inst["unclipped_pixels"]);
            if inst["bbox"].is_array() {
                assert_eq!(gi[g]["bbox_visib"], inst["bbox"]);
            }
            let stem = format!("{:06}_{g:06}.png", frame + 1);
            assert_eq!(
                count(&scene.join("mask_visib").join(&stem)),
                inst["area"].as_u64().unwrap()
            );
            assert_eq!(
                count(&scene.join("mask").join(&stem)),
                inst["unoccluded_pixels"].as_u64().unwrap()
            );
            // The model's size: the cuboid's edges, in millimetres.
            let c = |i: usize| -> DVec3 {
                let p = &inst["cuboid_camera"][i];
                DVec3::new(
                    p[0].as_f64().unwrap(),
                    p[1].as_f64().unwrap(),
                    p[2].as_f64().unwrap(),
                )
            };
            let m = &info[obj.to_string()];
            for (axis, corner) in [("size_x", 1), ("size_y", 2), ("size_z", 4)] {
                let edge = (c(corner) - c(0)).length() * 1000.0;
                assert!(
                    (m[axis].as_f64().unwrap() - edge).abs() < 1e-3,
                    "{axis}: {m} vs {edge}"
                );
            }
        }
    }
    let ply = std::fs::read_to_string(out.join("models/obj_000001.ply")).unwrap();
    assert!(ply.starts_with("ply\nformat ascii 1.0\n"));

    // The quickstart's random scales, or no amodal masks: refused, nothing written.
    let scaled = quickstart_spec(tmp.path(), "scaled.json", |v| {
        v["frames"] = json!(3);
        v["outputs"] = json!({ "amodal_masks": true });
    });
    let ds2 = tmp.path().join("scaled");
    assert!(render(&scaled, &ds2, &[]).status.success());
    let o = bop(&ds2, &scaled, &tmp.path().join("no"));
    common::assert_fails_with(&o, 2, "must share one scale");
    let o = bop(&ds, &scaled, &tmp.path().join("no"));
    common::assert_fails_with(&o, 2, "is not the spec that rendered it");
    assert!(!tmp.path().join("no").exists());
    assert!(
        !tmp.path().join(".no.partial").exists(),
        "a failed export leaves no staging folder"
    );
}

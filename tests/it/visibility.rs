//! Visibility labels against analytic values: fronto-parallel squares at known depths,
//! one half hidden behind another, one alone, one half outside the image, one hidden
//! entirely; and the annotation thresholds and their `drop` / `crowd` policy.

use std::path::Path;

use serde_json::{Value, json};

use crate::common;

const F: f64 = 200.0;
const SIZE: u32 = 200;

/// A square of `half_px` pixels half-side whose centre projects `(du, dv)` pixels from
/// the principal point at depth `depth` (camera at the origin looking down -Z).
fn square(name: &str, du: f64, dv: f64, depth: f64, half_px: f64) -> Value {
    json!({
        "asset": name,
        "position": [du / F * depth, -dv / F * depth, -depth],
        "rotation_deg": [90, 0, 0],
        "scale": 2.0 * half_px * depth / F
    })
}

/// The pinhole every test here looks through: at the origin, down -Z, principal point
/// at the image centre (OpenCV's convention, spec version 2).
fn camera() -> Value {
    let c = f64::from(SIZE - 1) / 2.0;
    json!({
        "intrinsics": { "fx": F, "fy": F, "cx": c, "cy": c },
        "near": 0.1, "far": 20.0,
        "position": [0, 0, 0], "look_at": [0, 0, -1]
    })
}

/// Renders the five squares with `labels` as the spec's `labels` section (and amodal
/// masks written); returns the frame's labels and the COCO file.
fn render(dir: &Path, labels: Value) -> (Value, Value) {
    let names = ["back", "front", "alone", "edge", "hidden"];
    let spec = json!({
        "version": 2,
        "frames": 1,
        "resolution": { "width": SIZE, "height": SIZE },
        "camera": camera(),
        "categories": [{ "name": "square" }],
        "assets": names.iter().map(|n| json!({ "name": n, "primitive": "plane", "category": "square" })).collect::<Vec<_>>(),
        "objects": [
            // 80×80 px at depth 4; its left half lies behind "front".
            square("back", 0.0, 0.0, 4.0, 40.0),
            // 100×100 px at depth 2, right edge on the principal point's column.
            square("front", -50.0, 0.0, 2.0, 50.0),
            square("alone", 70.0, -70.0, 3.0, 10.0),
            // Centred on the image's right edge: half of it outside.
            square("edge", f64::from(SIZE) / 2.0, 60.0, 3.0, 20.0),
            // Wholly behind "front".
            square("hidden", -60.0, 0.0, 3.0, 10.0)
        ],
        "lights": [{ "type": "directional", "direction": [0, 0, -1] }],
        "outputs": { "amodal_masks": true },
        "labels": labels
    });
    let (_, out) = common::render_spec(dir, &spec);
    (
        common::read_json(&out.join("labels/000000.json")),
        common::read_json(&out.join("annotations.json")),
    )
}

fn instance<'a>(labels: &'a Value, asset: &str) -> &'a Value {
    labels["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["asset"] == asset)
        .unwrap_or_else(|| panic!("no instance of {asset}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn visibility_truncation_and_amodal_boxes_match_the_analytic_values() {
    let tmp = tempfile::tempdir().unwrap();
    let (labels, coco) = render(tmp.path(), json!({}));

    // Half hidden: visibility 1/2; the amodal box is the whole 80×80 square.
    let back = instance(&labels, "back");
    assert!((num(&back["visibility"]) - 0.5).abs() <= 0.02, "{back}");
    assert_eq!(back["amodal_bbox"], json!([60, 60, 80, 80]), "{back}");
    assert_eq!(back["bbox"], json!([100, 60, 40, 80]), "{back}");
    assert_eq!(back["unoccluded_pixels"], 6400);
    assert_eq!(back["visible_pixels"], back["area"]);
    assert_eq!(back["truncation"], 0.0);

    // In front, or alone: visibility 1, amodal box = box.
    for name in ["front", "alone"] {
        let i = instance(&labels, name);
        assert_eq!(i["visibility"], 1.0, "{i}");
        assert_eq!(i["amodal_bbox"], i["bbox"], "{i}");
        assert_eq!(i["unoccluded_pixels"], i["area"], "{i}");
    }

    // Half outside the image: truncation 1/2 (measured at a third of the resolution
    // beyond the image), nothing hiding it.
    let edge = instance(&labels, "edge");
    assert!((num(&edge["truncation"]) - 0.5).abs() <= 0.03, "{edge}");
    assert_eq!(edge["visibility"], 1.0, "{edge}");
    assert_eq!(edge["bbox"], json!([180, 140, 20, 40]), "{edge}");
    // Unclipped by the image (BOP's bbox_obj, px_count_all): 40×40 from x = 180, its
    // right edge known to the wide field's 3 px.
    let ub: Vec<i64> = edge["unclipped_bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let want = [180, 140, 40, 40];
    assert!(
        ub.iter().zip(want).all(|(g, w)| (g - w).abs() <= 3),
        "{ub:?} vs {want:?}"
    );
    assert!(
        (num(&edge["unclipped_pixels"]) - 1600.0).abs() <= 0.05 * 1600.0,
        "{edge}"
    );
    assert_eq!(back["unclipped_pixels"], 6400);
    assert_eq!(
        back["unclipped_bbox"], back["amodal_bbox"],
        "inside the image, unclipped is the amodal box"
    );

    // Wholly hidden: listed with its silhouette, not annotated.
    let hidden = instance(&labels, "hidden");
    assert_eq!(hidden["area"], 0);
    assert_eq!(hidden["visibility"], 0.0);
    assert_eq!(hidden["unoccluded_pixels"], 400, "{hidden}");
    assert_eq!(hidden["coco"], "not_visible");

    // COCO: four annotations carrying the same keys, none for the hidden square.
    let anns = coco["annotations"].as_array().unwrap();
    assert_eq!(anns.len(), 4);
    for a in anns {
        let id = a["instance_id"].as_u64().unwrap();
        let i = labels["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["instance_id"].as_u64() == Some(id))
            .unwrap();
        for key in [
            "visibility",
            "truncation",
            "amodal_bbox",
            "unoccluded_pixels",
        ] {
            assert_eq!(a[key], i[key], "{key} of instance {id}");
        }
        assert_eq!(a["visible_pixels"], a["area"]);
        assert_eq!(a["iscrowd"], 0);
    }
}

#[test]
fn instances_below_the_thresholds_are_dropped_or_made_crowds() {
    let tmp = tempfile::tempdir().unwrap();
    let ids = |coco: &Value, crowd: u64| -> Vec<u64> {
        coco["annotations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["iscrowd"] == crowd)
            .map(|a| a["instance_id"].as_u64().unwrap())
            .collect()
    };
    // Instance ids follow placement: back 1, front 2, alone 3, edge 4, hidden 5.
    let (labels, coco) = render(&tmp.path().join("a"), json!({ "min_visibility": 0.6 }));
    assert_eq!(ids(&coco, 0), [2, 3, 4]);
    assert!(ids(&coco, 1).is_empty());
    assert_eq!(instance(&labels, "back")["coco"], "below_threshold");

    let (labels, coco) = render(
        &tmp.path().join("b"),
        json!({ "min_visibility": 0.6, "min_visible_pixels": 500, "below_threshold": "crowd" }),
    );
    // alone (400 px) and back (visibility 0.5) become crowds; hidden stays out.
    assert_eq!(ids(&coco, 0), [2, 4]);
    assert_eq!(ids(&coco, 1), [1, 3]);
    assert_eq!(instance(&labels, "alone")["coco"], "crowd");
    assert_eq!(instance(&labels, "hidden")["coco"], "not_visible");
}

#[test]
fn amodal_masks_and_cuboid_keypoints_match_the_squares() {
    let tmp = tempfile::tempdir().unwrap();
    let (labels, coco) = render(tmp.path(), json!({ "keypoints": true }));
    // The half-hidden square's amodal mask is its whole 80×80 square; the hidden one's
    // its 20×20 square behind "front".
    for (name, [x0, y0, side]) in [("back", [60, 60, 80]), ("hidden", [30, 90, 20])] {
        let mask = common::decode_rle(&instance(&labels, name)["amodal_segmentation"]);
        let want: Vec<bool> = (0..SIZE * SIZE)
            .map(|i| {
                let (x, y) = (i % SIZE, i / SIZE);
                (x0..x0 + side).contains(&x) && (y0..y0 + side).contains(&y)
            })
            .collect();
        assert!(mask == want, "{name}: amodal mask is not the square");
    }

    // Keypoints: COCO's continuous coordinates (pixel u spans [u, u + 1]).
    let kp = |name: &str| -> Vec<f64> {
        instance(&labels, name)["keypoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(num)
            .collect()
    };
    let flags = |k: &[f64]| k.chunks(3).map(|p| p[2] as u8).collect::<Vec<_>>();
    // "front": nothing nearer; it spans x 0..100 and y 50..150 (pixel edges), its
    // centre at (50, 100).
    let front = kp("front");
    assert_eq!(flags(&front), [2; 9]);
    for (i, p) in front.chunks(3).take(8).enumerate() {
        let near = |v: f64, a: f64, b: f64| (v - a).abs() < 1e-6 || (v - b).abs() < 1e-6;
        assert!(
            near(p[0], 0.0, 100.0) && near(p[1], 50.0, 150.0),
            "corner {i}: {p:?}"
        );
    }
    assert!(
        (front[24] - 50.0).abs() < 1e-6 && (front[25] - 100.0).abs() < 1e-6,
        "{front:?}"
    );
    // "hidden": behind "front" throughout.
    assert_eq!(flags(&kp("hidden")), [1; 9]);
    // "edge": its right corners lie outside the image (0, 0, 0), and so does its centre,
    // on the image's right edge (x = 200: the image spans [0, 200)); the rest inside.
    let edge = kp("edge");
    let outside: Vec<&[f64]> = edge.chunks(3).filter(|p| p[2] == 0.0).collect();
    assert_eq!(outside.len(), 5, "{edge:?}");
    assert!(outside.iter().all(|p| p[0] == 0.0 && p[1] == 0.0));

    // COCO: the categories name the keypoints and the skeleton; annotations count theirs.
    let cat = &coco["categories"][0];
    assert_eq!(cat["keypoints"].as_array().unwrap().len(), 9);
    assert_eq!(cat["skeleton"].as_array().unwrap().len(), 12);
    for a in coco["annotations"].as_array().unwrap() {
        let k: Vec<f64> = a["keypoints"].as_array().unwrap().iter().map(num).collect();
        let visible = k.chunks(3).filter(|p| p[2] > 0.0).count();
        assert_eq!(a["num_keypoints"].as_u64(), Some(visible as u64));
        assert!(a["amodal_segmentation"].is_object());
    }
}

#[test]
fn a_cube_half_hidden_behind_another_has_visibility_one_half() {
    // Camera at the origin looking down -Z. The back cube is centred on the optical axis,
    // so its silhouette is its front face. The front cube's right face lies in the plane
    // x = 0, seen edge-on: its silhouette ends exactly on the principal point's column,
    // and it is tall enough to cover the back cube's whole height.
    let tmp = tempfile::tempdir().unwrap();
    let spec = json!({
        "version": 2,
        "frames": 1,
        "resolution": { "width": SIZE, "height": SIZE },
        "camera": camera(),
        "categories": [{ "name": "cube" }],
        "assets": [{ "name": "cube", "primitive": "cube", "category": "cube" }],
        "objects": [
            { "asset": "cube", "position": [0.0, 0.0, -4.5], "scale": 1.0 },
            { "asset": "cube", "position": [-0.5, 0.0, -2.5], "scale": 1.0 }
        ],
        "lights": [{ "type": "directional", "direction": [0, 0, -1] }]
    });
    let (_, out) = common::render_spec(tmp.path(), &spec);
    let labels = common::read_json(&out.join("labels/000000.json"));
    let back = &labels["instances"][0];
    // The back cube's front face: 1 m at 4 m, 50 px wide, centred on the image.
    let analytic = 0.5;
    assert!(
        (num(&back["visibility"]) - analytic).abs() <= 0.02,
        "{back}"
    );
    assert!(
        (num(&back["unoccluded_pixels"]) - 2500.0).abs() <= 2.0 * 50.0,
        "{back}"
    );
    assert_eq!(back["truncation"], 0.0);
    let front = &labels["instances"][1];
    assert_eq!(front["visibility"], 1.0, "{front}");
    assert_eq!(front["amodal_bbox"], front["bbox"]);
}

//! `synthvis schema` is a JSON Schema every shipped scene satisfies, that refuses what
//! the parser refuses (unknown fields, unknown distribution forms), and that agrees with
//! the parser on a table of distribution forms.

use std::path::Path;

use serde_json::{Value, json};

use crate::common;

fn schema() -> Value {
    let out = common::synthvis_command().arg("schema").output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("synthvis schema is a valid JSON Schema")
}

fn errors(v: &jsonschema::Validator, spec: &Value) -> Vec<String> {
    v.iter_errors(spec)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_shipped_scene_validates() {
    let v = validator();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let spec: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let errs = errors(&v, &spec);
            assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
            n += 1;
        }
    }
    assert!(n >= 4, "only {n} scenes found");
}

fn minimal() -> Value {
    json!({
        "version": 1,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 0, 3] },
        "categories": [{ "name": "thing" }],
        "assets": [{ "name": "thing", "path": "thing.glb", "category": "thing" }],
        "objects": [{ "asset": "thing", "position": [0, 0, 0] }],
        "background": { "color": [0.5, 0.5, 0.5] }
    })
}

fn parses(spec: &Value) -> bool {
    synthvis::spec::parse(spec.to_string().as_bytes(), Path::new("spec.json")).is_ok()
}

#[test]
fn unknown_fields_are_refused() {
    let v = validator();
    assert!(v.is_valid(&minimal()));
    assert!(parses(&minimal()));
    let mut cases = Vec::new();
    let mut top = minimal();
    top["colour"] = json!([1, 0, 0]);
    cases.push(top);
    let mut cam = minimal();
    cam["camera"]["fov"] = json!(45);
    cases.push(cam);
    let mut obj = minimal();
    obj["objects"][0]["positon"] = json!([0, 0, 0]);
    cases.push(obj);
    let mut form = minimal();
    form["objects"][0]["scale"] = json!({ "gamma": [1, 2] });
    cases.push(form);
    let mut inner = minimal();
    inner["objects"][0]["scale"] = json!({ "normal": { "mean": 1, "std": 0.1, "sigma": 2 } });
    cases.push(inner);
    let mut light = minimal();
    light["lights"] = json!([{ "type": "directional", "direction": [0, -1, 0], "range": 3 }]);
    cases.push(light);
    for case in cases {
        assert!(!v.is_valid(&case), "schema accepted {case}");
        assert!(!parses(&case), "parser accepted {case}");
    }
}

#[test]
fn schema_and_parser_agree_on_distribution_forms() {
    let v = validator();
    // (field path as JSON pointer, value)
    let table: Vec<(&str, Value)> = vec![
        ("/objects/0/scale", json!(1.5)),
        ("/objects/0/scale", json!([0.5, 2])),
        ("/objects/0/scale", json!([0.5, 2, 3])),
        ("/objects/0/scale", json!({ "uniform": [0.5, 2] })),
        (
            "/objects/0/scale",
            json!({ "normal": { "mean": 1, "std": 0.1, "min": 0.5 } }),
        ),
        ("/objects/0/scale", json!({ "normal": { "mean": 1 } })),
        ("/objects/0/scale", json!({ "log_uniform": [0.1, 10] })),
        ("/objects/0/scale", json!({ "int": [1, 3] })),
        ("/objects/0/scale", json!({ "int": [1.5, 3] })),
        ("/objects/0/scale", json!({ "choice": [1, 2] })),
        (
            "/objects/0/scale",
            json!({ "choice": { "values": [1, 2], "weights": [1, 3] } }),
        ),
        ("/objects/0/scale", json!({ "choice": { "weights": [1] } })),
        ("/objects/0/scale", json!("big")),
        ("/objects/0/count", json!(3)),
        ("/objects/0/count", json!([1, 4])),
        ("/objects/0/count", json!(-1)),
        ("/objects/0/count", json!({ "choice": [0, 2] })),
        ("/objects/0/position", json!([1, 2, 3])),
        ("/objects/0/position", json!([1, 2])),
        ("/objects/0/position", json!({ "sphere": { "radius": 1 } })),
        (
            "/objects/0/position",
            json!({ "shell": { "min_radius": 1, "max_radius": 2 } }),
        ),
        (
            "/objects/0/position",
            json!({ "per_axis": [0, [1, 2], { "normal": { "mean": 0, "std": 1 } }] }),
        ),
        ("/objects/0/position", json!({ "uniform": [0, 1] })),
        ("/objects/0/rotation", json!("uniform")),
        ("/objects/0/rotation", json!("random")),
        ("/objects/0/rotation", json!({ "yaw_deg": [0, 360] })),
        (
            "/objects/0/rotation",
            json!({ "axis_angle": { "axis": "sphere", "angle_deg": 10 } }),
        ),
        ("/objects/0/rotation", json!({ "euler_deg": [0, 90, 0] })),
        ("/objects/0/asset", json!({ "choice": ["thing"] })),
        ("/objects/0/asset", json!({ "category": "thing" })),
        ("/objects/0/asset", json!(3)),
        (
            "/background/color",
            json!({ "hsv": { "h": [0, 360], "s": 0.5, "v": [0.2, 0.8] } }),
        ),
        ("/background/color", json!({ "kelvin": 5000 })),
        ("/background/color", json!({ "hsv": { "h": 0, "s": 0.5 } })),
        (
            "/camera/roll_deg",
            json!({ "normal": { "mean": 0, "std": 5 } }),
        ),
    ];
    for (pointer, value) in table {
        let mut spec = minimal();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        spec.pointer_mut(parent).unwrap()[key] = value.clone();
        let (by_schema, by_parser) = (v.is_valid(&spec), parses(&spec));
        assert_eq!(
            by_schema, by_parser,
            "{pointer} = {value}: schema says {by_schema}, parser says {by_parser}"
        );
    }
}

#[test]
fn the_books_spec_example_is_valid() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/reference/spec.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let section = &text[text
        .find("# Scene spec")
        .expect("the spec reference opens with its example")..];
    let start = section.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + section[start..].find("```").unwrap();
    let example: Value = serde_json::from_str(&section[start..end]).unwrap();
    let errs = errors(&validator(), &example);
    assert!(errs.is_empty(), "{errs:#?}");
    let spec = synthvis::spec::parse(&section.as_bytes()[start..end], &page).unwrap();
    let issues = synthvis::spec::validate(&spec);
    assert!(issues.is_empty(), "{issues:?}");
}

//! Edits of a spec's JSON document before it is parsed: values set by JSON pointer (sweep
//! points, the Python package's overrides) and relative paths made absolute (sweep
//! points and `Spec.save` written away from the spec's folder).

use std::path::Path;

use serde_json::Value;

/// Sets the value at a JSON pointer; a missing last key of an existing object is added.
pub fn set_pointer(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = value;
        return Ok(());
    }
    let (parent, last) = pointer
        .rsplit_once('/')
        .ok_or_else(|| format!("`{pointer}` is not a JSON pointer"))?;
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key, value);
            Ok(())
        }
        Some(_) => Err(format!(
            "`{parent}` is not an object, so `{pointer}` names nothing in the base spec"
        )),
        None => Err(format!("the base spec has nothing at `{parent}`")),
    }
}

/// Makes every relative asset path, image-pool folder and environment map of a spec
/// absolute against `folder`, so that the spec means the same written anywhere.
pub fn absolutize_paths(spec: &mut Value, folder: &Path) {
    let fix = |v: &mut Value| {
        if let Some(p) = v.as_str()
            && !Path::new(p).is_absolute()
        {
            *v = Value::from(folder.join(p).to_string_lossy().into_owned());
        }
    };
    if let Some(assets) = spec.get_mut("assets").and_then(Value::as_array_mut) {
        for a in assets {
            for key in ["path", "dir", "bop_models"] {
                if let Some(path) = a.get_mut(key) {
                    fix(path);
                }
            }
        }
    }
    // Image pools: {"images": {"dir": ...}} anywhere (materials, backgrounds, choices).
    fn walk(v: &mut Value, fix: &dyn Fn(&mut Value)) {
        match v {
            Value::Object(map) => {
                if let Some(dir) = map.get_mut("images").and_then(|i| i.get_mut("dir")) {
                    fix(dir);
                }
                for child in map.values_mut() {
                    walk(child, fix);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, fix)),
            _ => {}
        }
    }
    walk(spec, &fix);
    // Environment maps: a file, `{"choice": [files]}` or `{"dir": folder}`; `neutral` is
    // a name, not a file.
    let fix_map = |v: &mut Value| {
        if v.as_str() != Some("neutral") {
            fix(v);
        }
    };
    if let Some(map) = spec.pointer_mut("/render/environment/map") {
        match map {
            Value::String(_) => fix_map(map),
            Value::Object(fields) => {
                if let Some(dir) = fields.get_mut("dir") {
                    fix(dir);
                }
                if let Some(choice) = fields.get_mut("choice").and_then(Value::as_array_mut) {
                    choice.iter_mut().for_each(fix_map);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absolutize_paths_covers_assets_pools_and_environment_maps() {
        let folder = Path::new("/data/scenes");
        let mut spec = json!({
            "assets": [{"path": "../assets/a.glb"}, {"path": "/abs/b.glb"},
                       {"dir": "ycb"}, {"bop_models": "lmo/models"}],
            "background": {"images": {"dir": "bg"}},
            "render": {"environment": {"map": {"choice": ["neutral", "sky.hdr"]}}}
        });
        absolutize_paths(&mut spec, folder);
        assert_eq!(spec["assets"][0]["path"], "/data/scenes/../assets/a.glb");
        assert_eq!(spec["assets"][1]["path"], "/abs/b.glb");
        assert_eq!(spec["assets"][2]["dir"], "/data/scenes/ycb");
        assert_eq!(spec["assets"][3]["bop_models"], "/data/scenes/lmo/models");
        assert_eq!(spec["background"]["images"]["dir"], "/data/scenes/bg");
        let choice = &spec["render"]["environment"]["map"]["choice"];
        assert_eq!(*choice, json!(["neutral", "/data/scenes/sky.hdr"]));
        for (map, fixed) in [
            (
                json!({"dir": "../skies"}),
                json!({"dir": "/data/scenes/../skies"}),
            ),
            (json!("neutral"), json!("neutral")),
            (json!("sky.exr"), json!("/data/scenes/sky.exr")),
        ] {
            let mut spec = json!({"render": {"environment": {"map": map}}});
            absolutize_paths(&mut spec, folder);
            assert_eq!(spec["render"]["environment"]["map"], fixed);
        }
    }

    #[test]
    fn pointers_set_existing_values_and_add_missing_keys() {
        let mut doc = json!({"lights": [{"intensity": 1}], "camera": {}});
        set_pointer(&mut doc, "/lights/0/intensity", json!(4)).unwrap();
        set_pointer(&mut doc, "/camera/exposure_ev100", json!(12)).unwrap();
        assert_eq!(doc["lights"][0]["intensity"], 4);
        assert_eq!(doc["camera"]["exposure_ev100"], 12);
        assert!(set_pointer(&mut doc, "/lights/3/intensity", json!(1)).is_err());
        assert!(set_pointer(&mut doc, "/nothing/here", json!(1)).is_err());
    }
}

//! Optional outputs: the float EXR depth agrees with the 16-bit PNG depth, and turning an
//! output off leaves the other files byte-identical.

use crate::common;

use std::path::Path;
use synthvis::render::Cancel;

use synthvis::dataset::NoProgress;
use synthvis::{DatasetOptions, render_dataset};

fn render_with(outputs: serde_json::Value, out: &Path, tmp: &Path) {
    let mut spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json"))
            .unwrap(),
    )
    .unwrap();
    for a in spec["assets"].as_array_mut().unwrap() {
        let name = Path::new(a["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_owned();
        a["path"] = serde_json::json!(common::assets_dir().join(name));
    }
    spec["outputs"] = outputs;
    spec["frames"] = serde_json::json!(2);
    let dir = tmp.join(format!(
        "{}-spec",
        out.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let loaded = common::write_spec(&dir, &spec);
    let opts = DatasetOptions::new(out);
    render_dataset(&loaded, &opts, &mut NoProgress, &Cancel::new()).unwrap();
}

#[test]
fn exr_depth_matches_png_depth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("exr");
    render_with(serde_json::json!({ "depth_exr": true }), &out, tmp.path());
    let png = image::open(out.join("depth/000001.png"))
        .unwrap()
        .into_luma16();
    let exr = exr::prelude::read_first_flat_layer_from_file(out.join("depth/000001.exr")).unwrap();
    let layer = &exr.layer_data;
    assert_eq!(layer.size.0 as u32, png.width());
    assert_eq!(layer.channel_data.list.len(), 1);
    assert_eq!(layer.channel_data.list[0].name.to_string(), "Z");
    let exr::prelude::FlatSamples::F32(z) = &layer.channel_data.list[0].sample_data else {
        panic!("EXR depth must be float32");
    };
    let mut surface = 0;
    for (m, p) in z.iter().zip(png.pixels()) {
        let mm = p.0[0];
        if *m == 0.0 {
            assert_eq!(mm, 0, "no surface must read 0 in both");
        } else {
            surface += 1;
            assert!(
                (f64::from(*m) * 1000.0 - f64::from(mm)).abs() <= 0.5 + 1e-3,
                "{m} m vs {mm} mm"
            );
        }
    }
    assert!(surface > 1000);
}

#[test]
fn turning_outputs_off_leaves_the_rest_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let (all, some) = (tmp.path().join("all"), tmp.path().join("some"));
    render_with(serde_json::json!({}), &all, tmp.path());
    render_with(
        serde_json::json!({ "depth": false, "class": false }),
        &some,
        tmp.path(),
    );
    assert!(!some.join("depth").exists() && !some.join("class").exists());
    for f in ["rgb/000001.png", "instance/000001.png"] {
        assert!(
            std::fs::read(all.join(f)).unwrap() == std::fs::read(some.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let coco = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.join("annotations.json")).unwrap()).unwrap()
    };
    let (mut with_all, with_some) = (coco(&all), coco(&some));
    // The images name only the files written; nothing else may change.
    for image in with_all["images"].as_array_mut().unwrap() {
        let image = image.as_object_mut().unwrap();
        assert_eq!(image["depth_file_name"].as_str().unwrap().len(), 16);
        assert!(
            image.remove("depth_file_name").is_some() && image.remove("class_file_name").is_some()
        );
    }
    assert!(
        with_all == with_some,
        "annotations must not depend on which images are written"
    );
}

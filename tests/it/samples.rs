//! Every Khronos sample model in ../shared/gltf-samples loads and renders with visible
//! instance pixels, and OrientationTest / TextureCoordinateTest match their golden sets
//! in tests/golden/ through the same machinery users run (`synthvis::golden::check`,
//! default tolerances: see `synthvis::golden::Tolerances`).
//!
//! Re-bless on purpose with `SYNTHVIS_BLESS=1 cargo test --test it samples::` (it calls
//! `synthvis::golden::bless`, or records a missing set); review the images and commit
//! them. A missing set fails. A failure writes the report (actual, diff and FLIP images,
//! report.html) to tests/golden/out/NAME/.

use crate::common;

use std::path::Path;

fn render(model: &Path, size: u32, yaw: f64, pitch: f64) -> synthvis::gpu::FrameBuffers {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::framing_spec(model, size, size, yaw, pitch);
    let loaded = common::write_spec(tmp.path(), &spec);
    let mut r = common::renderer(&loaded, 0);
    let scene = synthvis::randomize::sample_frame(&loaded.resolved, 1, 0).unwrap();
    r.render_scene(&scene).unwrap().buffers
}

#[test]
fn every_sample_model_loads_and_renders() {
    let Some(dir) = common::gltf_samples() else {
        return;
    };
    let models = common::sample_models(&dir);
    assert!(
        models.len() >= 10,
        "expected the sample set, found {models:?}"
    );
    for model in &models {
        let b = render(model, 128, 30.0, 20.0);
        let visible = b.instance.iter().filter(|&&id| id == 1).count();
        let share = visible as f64 / b.instance.len() as f64;
        eprintln!(
            "{}: {:.1} % of pixels labeled",
            model.display(),
            share * 100.0
        );
        assert!(
            share > 0.02,
            "{}: only {visible} labeled pixels",
            model.display()
        );
        assert!(
            b.instance.iter().all(|&id| id <= 1),
            "{}: stray instance ids",
            model.display()
        );
        let on_object = b
            .depth
            .iter()
            .zip(&b.instance)
            .filter(|(d, id)| **id == 1 && **d > 0.0)
            .count();
        assert_eq!(
            on_object,
            visible,
            "{}: labeled pixels without depth",
            model.display()
        );
    }
}

/// Frame 0 of `model` framed from (`yaw`, `pitch`) at 256², against the golden set
/// `tests/golden/NAME`.
fn check_golden(name: &str, model: &Path, yaw: f64, pitch: f64) {
    common::check_golden(name, &common::framing_spec(model, 256, 256, yaw, pitch));
}

#[test]
fn orientation_test_matches_golden() {
    let Some(dir) = common::gltf_samples() else {
        return;
    };
    check_golden(
        "OrientationTest",
        &dir.join("OrientationTest/glTF-Embedded/OrientationTest.gltf"),
        25.0,
        20.0,
    );
}

#[test]
fn texture_coordinate_test_matches_golden() {
    let Some(dir) = common::gltf_samples() else {
        return;
    };
    check_golden(
        "TextureCoordinateTest",
        &dir.join("TextureCoordinateTest/glTF-Embedded/TextureCoordinateTest.gltf"),
        0.0,
        0.0,
    );
}

//! Every Khronos sample model in ../shared/gltf-samples loads and renders with visible
//! instance pixels, and OrientationTest / TextureCoordinateTest match their golden images.
//!
//! Golden rule (see `synthvis::golden::Tolerance::default`): outside a 1-px silhouette
//! band, at most 0.5 % of pixels may differ by more than 8 levels in a channel, the mean
//! absolute difference must stay within 1 level, and instance ids must be equal.
//! Measured between Vulkan lavapipe and GL llvmpipe (Mesa 22.3.6): OrientationTest 0
//! pixels over the threshold, max 1 level; TextureCoordinateTest identical.
//! Re-bless on purpose with `SYNTHVIS_BLESS=1 cargo test --test it samples::`; a missing
//! reference fails. A failure writes the actual image and a diff to tests/golden/out/.

use crate::common;

use std::path::{Path, PathBuf};

use image::{ImageBuffer, Luma, RgbImage};
use synthvis::golden::{Tolerance, compare, diff_image};

fn render(model: &Path, size: u32, yaw: f64, pitch: f64) -> synthvis::gpu::FrameBuffers {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::framing_spec(model, size, size, yaw, pitch);
    let loaded = common::write_spec(tmp.path(), &spec);
    let mut r = synthvis::FrameRenderer::new(&loaded, common::backend()).unwrap();
    let scene = synthvis::randomize::sample_frame(&loaded.resolved, 1, 0).unwrap();
    r.render(&scene).unwrap()
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

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check_golden(name: &str, model: &Path, yaw: f64, pitch: f64) {
    let size = 256;
    let b = render(model, size, yaw, pitch);
    let actual = RgbImage::from_raw(size, size, b.rgb.clone()).unwrap();
    let actual_ids: ImageBuffer<Luma<u16>, Vec<u16>> =
        ImageBuffer::from_raw(size, size, b.instance.iter().map(|&v| v as u16).collect()).unwrap();
    let dir = golden_dir();
    let (rgb_path, ids_path) = (
        dir.join(format!("{name}.png")),
        dir.join(format!("{name}.instance.png")),
    );
    if std::env::var("SYNTHVIS_BLESS").is_ok_and(|v| v == "1") {
        actual.save(&rgb_path).unwrap();
        actual_ids.save(&ids_path).unwrap();
        eprintln!("blessed {}", rgb_path.display());
        return;
    }
    assert!(
        rgb_path.exists() && ids_path.exists(),
        "missing golden reference {} (or its .instance.png): render and review it with \
         `SYNTHVIS_BLESS=1 cargo test --test it samples::`, then commit it",
        rgb_path.display()
    );
    let reference = image::open(&rgb_path).unwrap().into_rgb8();
    let reference_ids: Vec<u32> = image::open(&ids_path)
        .unwrap()
        .into_luma16()
        .into_raw()
        .into_iter()
        .map(u32::from)
        .collect();
    let tol = Tolerance::default();
    let report = compare(&reference, &reference_ids, &actual, &b.instance, tol);
    eprintln!("golden {name}: {report}");
    if !report.pass {
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        actual.save(out.join(format!("{name}.actual.png"))).unwrap();
        actual_ids
            .save(out.join(format!("{name}.actual.instance.png")))
            .unwrap();
        if let Some(diff) = diff_image(&reference, &actual, &reference_ids, tol) {
            diff.save(out.join(format!("{name}.diff.png"))).unwrap();
        }
        panic!(
            "golden {name} differs: {report}; actual and diff images in {}",
            out.display()
        );
    }
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

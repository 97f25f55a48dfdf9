//! Rendering the same spec twice gives byte-identical files, the manifest included; a
//! frame does not depend on the frame range it was rendered in.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use synthvis::pipeline::NoProgress;
use synthvis::{LoadedSpec, RenderOptions, render_dataset};

fn quickstart() -> LoadedSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    LoadedSpec::from_file(&path).unwrap()
}

fn render(spec: &LoadedSpec, out: &Path, frames: std::ops::Range<u64>) {
    let opts = RenderOptions {
        out: out.to_owned(),
        frames: Some(frames),
        seed: None,
        overwrite: false,
        backend: common::backend(),
    };
    render_dataset(spec, &opts, &mut NoProgress, &AtomicBool::new(false)).unwrap();
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_spec_twice_gives_identical_bytes() {
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render(&spec, &a, 0..4);
    render(&spec, &b, 0..4);
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.len() >= 4 * 5 + 2,
        "expected every output, got {:?}",
        fa.keys()
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between two renders of the same spec"
        );
    }
    assert!(
        !fa.keys().any(|k| k.contains(".tmp")),
        "temporary files left behind"
    );
}

#[test]
fn frame_does_not_depend_on_its_range() {
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render(&spec, &a, 0..4);
    render(&spec, &b, 3..5);
    let (fa, fb) = (files(&a), files(&b));
    for kind in [
        "rgb/000003.png",
        "depth/000003.png",
        "instance/000003.png",
        "class/000003.png",
        "labels/000003.json",
    ] {
        assert!(
            fa[kind] == fb[kind],
            "{kind} differs between ranges 0..4 and 3..5"
        );
    }
}

#[test]
fn pipelined_frames_equal_frames_rendered_alone() {
    // The dataset path keeps a frame in flight; FrameRenderer renders one frame at a time.
    let spec = quickstart();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    render(&spec, &out, 0..3);
    let mut alone = synthvis::FrameRenderer::new(&spec, common::backend()).unwrap();
    for i in [2u64, 0, 1] {
        let scene = synthvis::randomize::sample_frame(&spec.spec, spec.spec.seed, i).unwrap();
        let b = alone.render(&scene).unwrap();
        let png = synthvis::output::images::png_rgb8(
            &b.rgb,
            b.width,
            b.height,
            spec.spec.outputs.png_compression,
        )
        .unwrap();
        let name = format!("rgb/{:06}.png", i);
        assert!(
            png == std::fs::read(out.join(&name)).unwrap(),
            "{name} differs from the frame rendered alone"
        );
    }
}

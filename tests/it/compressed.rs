//! Compressed glTF: Khronos samples from `../shared/gltf-samples` compressed here with
//! `gltf-transform` (`@gltf-transform/cli` from npm: Google's Draco encoder, meshoptimizer,
//! quantization) render as their uncompressed twins do, seen by the same camera: the
//! masks the same up to the compression's quantization (a few silhouette pixels), depth
//! and colour within a small mean difference.
//!
//! The tool is found at `$SYNTHVIS_GLTF_TRANSFORM` or `target/tools/node_modules/.bin/`
//! (`.ci/run` installs it there: `npm install --prefix target/tools @gltf-transform/cli`).
//! Without it the test says it is skipped; under CI it fails. The repository's own ball,
//! compressed once and committed (`tests/data/compressed/make.sh`), is checked everywhere,
//! the meshopt file also under the Khronos extension's name.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// The `gltf-transform` command, if installed.
fn gltf_transform() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SYNTHVIS_GLTF_TRANSFORM") {
        return Some(PathBuf::from(p));
    }
    let local =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/node_modules/.bin/gltf-transform");
    local.exists().then_some(local)
}

/// `gltf-transform COMMAND IN OUT OPTIONS...` (`draco`, `meshopt`, `quantize`).
fn compress(tool: &Path, mode: &[&str], input: &Path, out: &Path) {
    let o = Command::new(tool)
        .arg(mode[0])
        .arg(input)
        .arg(out)
        .args(&mode[1..])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", tool.display()));
    assert!(
        o.status.success(),
        "gltf-transform {} {}: {}",
        mode.join(" "),
        input.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Pixels an object covers in `frame`.
fn covered(frame: &synthvis::Frame) -> usize {
    frame.buffers.instance.iter().filter(|&&i| i > 0).count()
}

/// Pixels whose instance id differs between two frames.
fn differing(a: &synthvis::Frame, b: &synthvis::Frame) -> usize {
    a.buffers
        .instance
        .iter()
        .zip(&b.buffers.instance)
        .filter(|(x, y)| x != y)
        .count()
}

/// Frame 0 of `spec` with its asset read from `file`, rendered in `dir`.
fn render_with(spec: &serde_json::Value, file: &Path, dir: &Path) -> synthvis::Frame {
    let mut spec = spec.clone();
    spec["assets"][0]["path"] = serde_json::json!(file);
    common::frame_renderer(dir, &spec)
        .render(0)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Mean absolute difference of two equally long sequences.
fn mean_difference(a: impl Iterator<Item = f64>, b: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = a
        .zip(b)
        .fold((0.0, 0usize), |(s, n), (x, y)| (s + (x - y).abs(), n + 1));
    sum / n.max(1) as f64
}

#[test]
fn compressed_samples_render_as_their_uncompressed_twins() {
    let Some(tool) = gltf_transform() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs gltf-transform (target/tools/node_modules/.bin)"
        );
        eprintln!("skipped: gltf-transform is not installed (see tests/it/compressed.rs)");
        return;
    };
    let Some(samples) = common::gltf_samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let models = [
        "BoxTextured/glTF-Binary/BoxTextured.glb",
        "WaterBottle/glTF/WaterBottle.gltf",
        "Box/glTF-Embedded/Box.gltf",
    ];
    for (k, model) in models.iter().enumerate() {
        let original = samples.join(model);
        let spec = common::framing_spec(&original, 160, 120, 35.0, 25.0);
        let reference = render_with(&spec, &original, &tmp.path().join(format!("{k}-original")));
        let covered = covered(&reference);
        assert!(covered > 2000, "{model}: the original covers {covered} px");
        // Draco three ways: the default (standard EdgeBreaker), sequential connectivity,
        // and the slowest settings (EdgeBreaker valence, the best compression).
        let modes: [&[&str]; 5] = [
            &["quantize"],
            &["meshopt"],
            &["draco"],
            &["draco", "--method", "sequential"],
            &["draco", "--encode-speed", "0", "--decode-speed", "0"],
        ];
        for (m, args) in modes.iter().enumerate() {
            let mode = args.join(" ");
            let squeezed = tmp.path().join(format!("{k}-{m}.glb"));
            compress(&tool, args, &original, &squeezed);
            let frame = render_with(&spec, &squeezed, &tmp.path().join(format!("{k}-{m}-run")));
            let differing = differing(&reference, &frame);
            let depth = mean_difference(
                reference.buffers.depth.iter().map(|&d| f64::from(d)),
                frame.buffers.depth.iter().map(|&d| f64::from(d)),
            );
            let rgb = mean_difference(
                reference.buffers.rgb.iter().map(|&c| f64::from(c)),
                frame.buffers.rgb.iter().map(|&c| f64::from(c)),
            );
            eprintln!(
                "{model} ({mode}): {differing} of {covered} mask pixels differ, depth {depth:.5} m, rgb {rgb:.3} levels apart on average"
            );
            // Quantized positions (14 bits by default, Draco's 11 to 14) move an edge by
            // well under a pixel here: only silhouette pixels can change.
            assert!(
                differing * 500 <= covered,
                "{model} ({mode}): {differing} of {covered} mask pixels differ"
            );
            assert!(depth < 0.002, "{model} ({mode}): depth {depth} m apart");
            assert!(rgb < 2.0, "{model} ({mode}): colour {rgb} levels apart");
        }
    }
}

/// `bytes` (a GLB) with every `EXT_meshopt_compression` renamed `KHR_meshopt_compression`:
/// the Khronos extension reads the same bitstream.
fn as_khr_meshopt(bytes: &[u8]) -> Vec<u8> {
    let json_length = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let text = std::str::from_utf8(&bytes[20..20 + json_length]).unwrap();
    let renamed = text.replace("EXT_meshopt_compression", "KHR_meshopt_compression");
    assert_eq!(renamed.len(), text.len());
    let mut out = bytes.to_vec();
    out[20..20 + json_length].copy_from_slice(renamed.as_bytes());
    out
}

#[test]
fn the_committed_compressed_balls_render_as_the_ball() {
    // Needs no npm: the repository's ball, compressed by tests/data/compressed/make.sh.
    let tmp = tempfile::tempdir().unwrap();
    let ball = common::assets_dir().join("ball.glb");
    let spec = common::framing_spec(&ball, 160, 120, 20.0, 30.0);
    let reference = render_with(&spec, &ball, &tmp.path().join("original"));
    let covered = covered(&reference);
    assert!(covered > 2000, "the ball covers {covered} px");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compressed");
    let khr = tmp.path().join("ball-khr-meshopt.glb");
    std::fs::write(
        &khr,
        as_khr_meshopt(&std::fs::read(fixtures.join("ball-meshopt.glb")).unwrap()),
    )
    .unwrap();
    for file in [
        fixtures.join("ball-quantize.glb"),
        fixtures.join("ball-meshopt.glb"),
        khr,
        fixtures.join("ball-draco.glb"),
    ] {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let frame = render_with(&spec, &file, &tmp.path().join(&name));
        let differing = differing(&reference, &frame);
        eprintln!("{name}: {differing} of {covered} mask pixels differ");
        assert!(
            differing * 500 <= covered,
            "{name}: {differing} of {covered} mask pixels differ"
        );
    }
}

#[test]
fn ktx2_textures_render_as_the_png_they_were_encoded_from() {
    // assets/cube.glb with its texture as Basis Universal KTX2 (ETC1S, UASTC), made by
    // Binomial's encoder and given only through KHR_texture_basisu.
    let tmp = tempfile::tempdir().unwrap();
    let cube = common::assets_dir().join("cube.glb");
    let spec = common::framing_spec(&cube, 160, 120, 35.0, 25.0);
    let reference = render_with(&spec, &cube, &tmp.path().join("png"));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compressed");
    for (codec, tolerance) in [("etc1s", 2.0), ("uastc", 1.0)] {
        let file = fixtures.join(format!("cube-{codec}.glb"));
        let asset = synthvis::assets::load_asset("cube", &file).unwrap();
        assert!(asset.warnings.is_empty(), "{codec}: {:?}", asset.warnings);
        assert_eq!((asset.images[0].width, asset.images[0].height), (256, 256));
        let frame = render_with(&spec, &file, &tmp.path().join(codec));
        assert_eq!(
            differing(&reference, &frame),
            0,
            "{codec}: the mask differs"
        );
        let rgb = mean_difference(
            reference.buffers.rgb.iter().map(|&c| f64::from(c)),
            frame.buffers.rgb.iter().map(|&c| f64::from(c)),
        );
        eprintln!("{codec}: rgb {rgb:.3} levels apart on average");
        assert!(rgb < tolerance, "{codec}: colour {rgb} levels apart");
        // Not a blank texture: the cube still shows its pattern's contrast.
        let lit: Vec<u8> = frame
            .buffers
            .rgb
            .chunks(3)
            .zip(&frame.buffers.instance)
            .filter(|&(_, &i)| i > 0)
            .map(|(p, _)| p[1])
            .collect();
        let (lo, hi) = (lit.iter().min().unwrap(), lit.iter().max().unwrap());
        assert!(hi - lo > 40, "{codec}: the textured faces span {lo}..{hi}");
    }
}

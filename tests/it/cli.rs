//! The command line as a user meets it: exit codes, error locations, output-directory
//! safety.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn synthvis(args: &[&str]) -> Output {
    common::synthvis_command()
        .args(args)
        .output()
        .expect("run synthvis")
}

use common::stderr;

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn render_quickstart(out: &Path, frames: &str, overwrite: bool) -> Output {
    let spec = quickstart();
    let mut args = vec![
        "render",
        s(&spec),
        "--out",
        s(out),
        "--frames",
        frames,
        "-q",
    ];
    if overwrite {
        args.push("--overwrite");
    }
    synthvis(&args)
}

#[test]
fn info_lists_adapters_and_the_chosen_one() {
    let o = synthvis(&["info"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("a render uses this one"), "{text}");
}

#[test]
fn render_writes_a_complete_dataset_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let o = render_quickstart(&out, "2", false);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("rendered 2 frames") && text.contains("frames/s"),
        "{text}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["frames"], serde_json::json!([0, 2]));
    assert!(manifest["frames_digest"].as_str().unwrap().len() == 64);
    for f in [
        "rgb/000001.png",
        "depth/000001.png",
        "instance/000001.png",
        "class/000001.png",
        "labels/000001.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn non_empty_output_is_refused_and_overwrite_only_replaces_datasets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();

    let o = render_quickstart(&out, "1", false);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));

    let o = render_quickstart(&out, "1", true);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not a synthvis dataset"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );

    // A real dataset with a user's file beside it: --overwrite replaces the dataset only.
    let ds = tmp.path().join("ds2");
    let o = render_quickstart(&ds, "3", false);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(ds.join("notes.txt"), "mine").unwrap();
    let o = render_quickstart(&ds, "1", true);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(ds.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(
        !ds.join("rgb/000002.png").exists(),
        "old frames must be gone"
    );
    assert!(ds.join("rgb/000000.png").exists());
}

fn spec_error(spec: &str) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.json");
    std::fs::write(&path, spec).unwrap();
    let o = synthvis(&[
        "render",
        s(&path),
        "--out",
        s(&tmp.path().join("out")),
        "-q",
    ]);
    (o.status.code().unwrap_or(-1), stderr(&o))
}

fn base_spec() -> serde_json::Value {
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(quickstart()).unwrap()).unwrap();
    let mut spec = spec;
    for a in spec["assets"].as_array_mut().unwrap() {
        let p =
            common::assets_dir().join(Path::new(a["path"].as_str().unwrap()).file_name().unwrap());
        a["path"] = serde_json::json!(p);
    }
    spec
}

#[test]
fn spec_errors_name_file_line_column_and_path() {
    let (code, err) = spec_error("{\n  \"version\": 0,\n  \"frames\": \"many\"\n}");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.json:3:") && err.contains("frames"),
        "{err}"
    );

    let mut spec = base_spec();
    spec["camera"]["fov_deg"] = serde_json::json!(40);
    let (code, err) = spec_error(&serde_json::to_string_pretty(&spec).unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("camera") && err.contains("unknown field `fov_deg`"),
        "{err}"
    );

    let mut spec = base_spec();
    spec["objects"][1]["position"] =
        serde_json::json!({"uniform": {"min": [0, 1, 0], "max": [1, 0, 1]}});
    spec["objects"][2]["asset"] = serde_json::json!("teapot");
    spec["frames"] = serde_json::json!(0);
    let (code, err) = spec_error(&serde_json::to_string(&spec).unwrap());
    assert_eq!(code, 2, "{err}");
    for needle in [
        "objects[1].position: min > max on y",
        "objects[2].asset: unknown asset `teapot`",
        "frames: must be at least 1",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn asset_errors_name_the_file_and_the_problem() {
    let mut spec = base_spec();
    spec["assets"][0]["path"] = serde_json::json!("/nonexistent/thing.glb");
    let (code, err) = spec_error(&serde_json::to_string(&spec).unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/nonexistent/thing.glb"), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let webp = tmp.path().join("webp.gltf");
    std::fs::write(
        &webp,
        r#"{"asset":{"version":"2.0"},"extensionsUsed":["EXT_texture_webp"],
            "extensionsRequired":["EXT_texture_webp"]}"#,
    )
    .unwrap();
    let mut spec = base_spec();
    spec["assets"][0]["path"] = serde_json::json!(webp);
    let (code, err) = spec_error(&serde_json::to_string(&spec).unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("webp.gltf") && err.contains("EXT_texture_webp"),
        "{err}"
    );
}

#[test]
fn bench_reports_stages_and_honours_overrides() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/bench-own.json");
    let args = ["bench", s(&spec), "--frames", "4", "--warmup", "1"];
    let o = synthvis(
        &[
            &args[..],
            &[
                "--resolution",
                "160x120",
                "--objects",
                "5",
                "--preset",
                "fast",
                "--json",
            ],
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["resolution"], serde_json::json!([160, 120]));
    assert_eq!(r["objects"], 5);
    assert_eq!(
        r["preset"], "fast",
        "the spec is version 2: realistic unless overridden"
    );
    let stages: Vec<&str> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "randomize",
            "record_submit",
            "gpu_wait_readback",
            "post",
            "labels_rle",
            "png_encode",
            "write"
        ]
    );
    for key in [
        "frames_per_s",
        "floor_frames_per_s",
        "cpu_busy",
        "peak_rss_mib",
    ] {
        assert!(r[key].as_f64().unwrap() > 0.0, "{key} in {r}");
    }
    // The text form ends with the figure scripts look for.
    let o = synthvis(&args);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("realistic look"), "{text}");
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("frames_per_s "),
        "{text}"
    );
}

#[test]
fn verify_finds_missing_corrupt_and_incomplete_datasets() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    assert!(render_quickstart(&ds, "3", false).status.success());
    let o = synthvis(&["verify", s(&ds)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok: 3 frames"));

    // A corrupt image, a missing image: both named, exit code 3.
    std::fs::write(ds.join("rgb/000001.png"), b"not a png").unwrap();
    std::fs::remove_file(ds.join("class/000002.png")).unwrap();
    let o = synthvis(&["verify", s(&ds)]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("rgb/000001.png: checksum mismatch"), "{err}");
    assert!(err.contains("class/000002.png"), "{err}");

    // A run that did not finish.
    let manifest_path = ds.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    m["complete"] = serde_json::json!(false);
    std::fs::write(&manifest_path, serde_json::to_vec(&m).unwrap()).unwrap();
    let o = synthvis(&["verify", s(&ds)]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("complete is false"), "{}", stderr(&o));

    // Not a dataset at all.
    let o = synthvis(&["verify", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("manifest"), "{}", stderr(&o));
}

/// No adapter for the requested API: a clear error naming what to install, no output dir.
#[cfg(target_os = "linux")]
#[test]
fn missing_adapter_names_what_to_install() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let spec = quickstart();
    let o = synthvis(&[
        "--backend",
        "metal",
        "render",
        s(&spec),
        "--out",
        s(&out),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("mesa-vulkan-drivers"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing may be written without a device");
}

#[test]
fn explain_prints_the_scene_the_labels_carry_and_validate_checks_assets() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    assert!(render_quickstart(&ds, "3", false).status.success());
    let spec = quickstart();
    let o = synthvis(&["explain", s(&spec), "--frame", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let explained: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ds.join("labels/000002.json")).unwrap()).unwrap();
    assert_eq!(explained, labels["scene"]);

    let o = synthvis(&["validate", s(&spec)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok:"));
    let mut broken = base_spec();
    broken["assets"][1]["path"] = serde_json::json!("missing.glb");
    let path = tmp.path().join("broken.json");
    std::fs::write(&path, serde_json::to_vec(&broken).unwrap()).unwrap();
    let o = synthvis(&["validate", s(&path)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.glb"), "{}", stderr(&o));
}

/// A render that runs out of disk stops with exit 1, names the file it could not write
/// and the reason, leaves no temporary file, and leaves a dataset `verify` calls
/// incomplete.
fn assert_disk_full_outcome(out: &Path, o: &Output) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains(s(out)),
        "the message should name the file: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let mut stack = vec![out.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            assert!(
                !p.to_string_lossy().ends_with(".tmp"),
                "left behind: {}",
                p.display()
            );
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    if let Ok(bytes) = std::fs::read(out.join("manifest.json")) {
        let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(m["complete"], false);
    }
    let v = synthvis(&["verify", s(out)]);
    assert_eq!(v.status.code(), Some(3), "verify: {}", stderr(&v));
}

#[test]
fn injected_disk_full_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let spec = quickstart();
    let o = common::synthvis_command()
        .args([
            "render",
            s(&spec),
            "--out",
            s(&out),
            "--frames",
            "0..8",
            "-q",
        ])
        .env("SYNTHVIS_FAIL_WRITES_AFTER", "12")
        .output()
        .unwrap();
    assert_disk_full_outcome(&out, &o);
}

#[test]
#[ignore = "mounts a 400 KB tmpfs, which needs root: .ci/run runs it with --ignored"]
fn a_full_file_system_fails_cleanly() {
    // A real, small file system; the injected disk-full test covers the same path
    // without one in every run.
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=400k", "tmpfs", s(&mount)])
        .output()
        .unwrap();
    assert!(
        mounted.status.success(),
        "cannot mount a tmpfs (run this test as root): {}",
        stderr(&mounted)
    );
    let out = mount.join("ds");
    let o = render_quickstart(&out, "0..16", false);
    let result = std::panic::catch_unwind(|| assert_disk_full_outcome(&out, &o));
    let _ = Command::new("umount").arg(s(&mount)).output();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn an_unwritable_output_directory_is_refused() {
    // Permission bits bind every user but root, so as root the render runs as `nobody`.
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tmp.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = dir.join("ds");
    let mut render = common::synthvis_command();
    render.args([
        "render",
        s(&quickstart()),
        "--out",
        s(&out),
        "--frames",
        "0..2",
        "-q",
    ]);
    // SAFETY: geteuid only reads the process's effective user id.
    if unsafe { libc::geteuid() } == 0 {
        render.uid(65534).gid(65534);
    }
    let o = render.output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(s(&out)), "names the directory: {err}");
    assert!(err.contains("Permission denied"), "{err}");
    assert!(!out.exists());
}

#[test]
fn validate_reports_an_impossible_placement() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad-inputs/spec-placement-impossible/spec.json");
    let o = synthvis(&["validate", s(&spec)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("objects[0]") && err.contains("20 trials"),
        "{err}"
    );
}

#[test]
fn a_reader_that_leaves_early_is_not_a_crash() {
    // `synthvis explain SPEC | head -1`: the reader is gone before synthvis writes.
    use std::process::Stdio;
    let mut child = common::synthvis_command()
        .args(["explain", s(&quickstart()), "--frame", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "a closed stdout is not worth a word");
}

#[test]
fn a_closed_stderr_does_not_abort_a_render() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let mut child = common::synthvis_command()
        .args([
            "render",
            s(&quickstart()),
            "--out",
            s(&out),
            "--frames",
            "0..3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("rendered 3 frames"));
    let verified = synthvis(&["verify", s(&out)]);
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
}

#[test]
fn a_render_prints_only_its_own_lines() {
    // As on a fresh headless machine: none of the variables that quiet Mesa are set.
    let tmp = tempfile::tempdir().unwrap();
    for (k, backend) in ["auto", "vulkan"].iter().enumerate() {
        let out = tmp.path().join(format!("ds{k}"));
        let o = common::synthvis_command()
            .args([
                "--backend",
                backend,
                "render",
                s(&quickstart()),
                "--out",
                s(&out),
            ])
            .args(["--frames", "0..2"])
            .env_remove("EGL_PLATFORM")
            .env_remove("NODEVICE_SELECT")
            .env_remove("XDG_RUNTIME_DIR")
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{err}");
        let foreign: Vec<&str> = err
            .lines()
            .filter(|l| !l.starts_with("rendering 2 frames on ") && !l.trim().is_empty())
            .collect();
        assert!(foreign.is_empty(), "--backend {backend}: {foreign:?}");
    }
}

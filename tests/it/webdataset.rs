//! `--format webdataset`, through the binary: the tars hold exactly the folder layout's
//! files under webdataset member names, in frame order, the same bytes on every run;
//! `verify` reads them; shards take whole tars and merge into the bytes of one run; a run
//! killed at any moment resumes into the bytes of an uninterrupted one; a damaged tar is
//! found and its block rendered again.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::common;
use crate::common::{finished_files, render, render_killed_when, small_spec};

const WEBDATASET: [&str; 3] = ["--format", "webdataset", "--frames-per-tar"];

/// Renders `spec` as webdataset with `per_tar` frames per tar.
fn try_render_tars(spec: &Path, out: &Path, per_tar: u64, extra: &[&str]) -> Output {
    let per_tar = per_tar.to_string();
    let mut args = WEBDATASET.to_vec();
    args.push(&per_tar);
    args.extend(extra);
    render(spec, out, &args)
}

/// Renders `spec` as webdataset with `per_tar` frames per tar, asserting success.
fn render_tars(spec: &Path, out: &Path, per_tar: u64, extra: &[&str]) {
    let o = try_render_tars(spec, out, per_tar, extra);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

/// Every member of a tar, in order, with its bytes.
fn members(tar: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(std::fs::File::open(tar).unwrap());
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let header = e.header();
            assert_eq!(header.mode().unwrap(), 0o644);
            assert_eq!(header.mtime().unwrap(), 0);
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn verify(dir: &Path) -> std::process::Output {
    common::synthvis_command()
        .arg("verify")
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn tars_hold_the_folder_files_in_frame_order_the_same_on_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small_spec(tmp.path(), 10);
    let folders = tmp.path().join("folders");
    let o = render(&spec, &folders, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let tars = tmp.path().join("tars");
    render_tars(&spec, &tars, 4, &["--workers", "2"]);
    let again = tmp.path().join("again");
    render_tars(&spec, &again, 4, &["--workers", "1", "--threads", "1"]);
    common::assert_same_files(&tars, &again, |_| false);

    let names: Vec<String> = common::files_under(&tars).into_keys().collect();
    assert_eq!(
        names,
        [
            "annotations.json",
            "manifest.json",
            "webdataset/000000.tar",
            "webdataset/000001.tar",
            "webdataset/000002.tar"
        ]
    );
    // Each frame's members in the order the folder layout's labels file lists its images,
    // the labels last; together exactly the folder layout's files.
    let mut from_tars = BTreeMap::new();
    for (t, frames) in [(0, 0..4), (1, 4..8), (2, 8..10)] {
        let got = members(&tars.join(format!("webdataset/{t:06}.tar")));
        let mut want = Vec::new();
        for f in frames {
            for folder in ["rgb", "depth", "instance", "class", "labels"] {
                let ext = if folder == "labels" { "json" } else { "png" };
                want.push(format!("{f:06}.{folder}.{ext}"));
            }
        }
        let got_names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(got_names, want, "members of tar {t}");
        for (name, bytes) in got {
            let mut parts = name.splitn(3, '.');
            let (stem, folder, ext) = (parts.next(), parts.next(), parts.next());
            let rel = format!("{}/{}.{}", folder.unwrap(), stem.unwrap(), ext.unwrap());
            from_tars.insert(rel, bytes);
        }
    }
    let mut from_folders = common::files_under(&folders);
    let coco = from_folders.remove("annotations.json").unwrap();
    from_folders.remove("manifest.json");
    assert_eq!(
        from_tars.keys().collect::<Vec<_>>(),
        from_folders.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &from_folders {
        assert!(&from_tars[rel] == bytes, "{rel} differs in the tar");
    }
    assert_eq!(std::fs::read(tars.join("annotations.json")).unwrap(), coco);
    let (mut a, b) = (manifest(&tars), manifest(&folders));
    assert_eq!(
        a["format"],
        serde_json::json!({ "kind": "webdataset", "frames_per_tar": 4 })
    );
    a.as_object_mut().unwrap().remove("format");
    assert_eq!(a, b, "the manifests differ beyond the format");

    let o = verify(&tars);
    assert!(o.status.success(), "{}", common::stderr(&o));
    // A changed byte inside frame 5's RGB, in the second tar.
    let tar = tars.join("webdataset/000001.tar");
    let mut bytes = std::fs::read(&tar).unwrap();
    let rgb = &from_folders["rgb/000005.png"];
    let at = bytes
        .windows(rgb.len())
        .position(|w| w == rgb.as_slice())
        .unwrap()
        + rgb.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&tar, bytes).unwrap();
    let o = verify(&tars);
    let err = String::from_utf8_lossy(&o.stdout).into_owned() + &common::stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("webdataset/000001.tar: rgb/000005.png: checksum mismatch"),
        "{err}"
    );

    let o = render(&spec, &tmp.path().join("x"), &["--frames-per-tar", "3"]);
    common::assert_fails_with(
        &o,
        2,
        "--frames-per-tar applies to --format webdataset only",
    );
}

#[test]
fn shards_take_whole_tars_and_merge_into_the_bytes_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small_spec(tmp.path(), 14);
    let single = tmp.path().join("single");
    render_tars(&spec, &single, 4, &[]);
    let shards: Vec<PathBuf> = (0..3)
        .map(|k| {
            let out = tmp.path().join(format!("shard{k}"));
            render_tars(&spec, &out, 4, &["--shard", &format!("{k}/3")]);
            let frames = manifest(&out)["frames"].clone();
            let start = frames[0].as_u64().unwrap();
            assert!(
                start.is_multiple_of(4),
                "shard {k} starts mid-tar: {frames}"
            );
            out
        })
        .collect();
    let merged = tmp.path().join("merged");
    let o = common::merge(&merged, &shards);
    assert!(o.status.success(), "{}", common::stderr(&o));
    common::assert_same_files(&single, &merged, |name| name == "shards.json");

    // Shards cut by hand through a tar are refused: the merged tar would differ.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render_tars(&spec, &a, 4, &["--frames", "0..6"]);
    render_tars(&spec, &b, 4, &["--frames", "6..14"]);
    let o = common::merge(&tmp.path().join("refused"), [&a, &b]);
    common::assert_fails_with(&o, 2, "split a tar of 4 frames");
}

#[test]
fn a_killed_run_resumes_into_the_bytes_of_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small_spec(tmp.path(), 40);
    let reference = tmp.path().join("reference");
    render_tars(&spec, &reference, 6, &[]);
    // Killed while starting, and after 1, 3 and 6 of the 7 tars.
    let mut interrupted = 0;
    for (i, finished) in [0, 1, 3, 6].into_iter().enumerate() {
        let out = tmp.path().join(format!("killed{i}"));
        let tars = out.join("webdataset");
        let args = ["--format", "webdataset", "--frames-per-tar", "6"];
        let then = Duration::from_millis(5 * i as u64);
        interrupted += u32::from(render_killed_when(
            &spec,
            &out,
            &args,
            |_| finished_files(&tars) >= finished,
            then,
        ));
        render_tars(&spec, &out, 6, &["--resume"]);
        common::assert_same_files(&reference, &out, |_| false);
    }
    assert!(
        interrupted >= 3,
        "only {interrupted} of 4 kills caught the run unfinished"
    );

    // A truncated tar: its block (frames 12..18) is rendered again, the rest kept.
    let damaged = tmp.path().join("damaged");
    render_tars(&spec, &damaged, 6, &[]);
    let tar = damaged.join("webdataset/000002.tar");
    let bytes = std::fs::read(&tar).unwrap();
    std::fs::write(&tar, &bytes[..bytes.len() / 3]).unwrap();
    let o = try_render_tars(&spec, &damaged, 6, &["--resume"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(err.contains("34 frames were finished already"), "{err}");
    common::assert_same_files(&reference, &damaged, |_| false);

    // Resuming with another block size (or as folders) is another run: refused.
    let o = try_render_tars(&spec, &damaged, 5, &["--resume"]);
    common::assert_fails_with(&o, 2, "another format");
    let o = render(&spec, &damaged, &["--resume"]);
    common::assert_fails_with(&o, 2, "another format");
}

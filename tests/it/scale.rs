//! Scale-out as users run it, through the binary: shards rendered by separate processes
//! (`--shard auto` from a Kubernetes or Slurm environment) merge into exactly the bytes of
//! one run; `--resume` after `kill -9` at moments spread over a run, or after SIGTERM, yields exactly
//! the bytes of an uninterrupted run; damaged frames are found and redone; shards that do
//! not fit together and folders of another run are refused.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{
    self, finished_files, quickstart_spec, render, render_killed_when, small_spec,
};

fn assert_same(a: &Path, b: &Path) {
    common::assert_same_files(a, b, |name| name == "shards.json");
}

#[test]
fn four_shard_processes_merge_into_the_bytes_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small_spec(tmp.path(), 10);
    let single = tmp.path().join("single");
    let o = render(&spec, &single, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));

    // Four processes at once, each told its index the way the schedulers tell it.
    let children: Vec<_> = (0..4)
        .map(|k| {
            let mut cmd = common::synthvis_command();
            cmd.arg("render")
                .arg(&spec)
                .arg("--out")
                .arg(tmp.path().join(format!("shard{k}")))
                .args(["-q", "--shard", "auto"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            if k % 2 == 0 {
                cmd.env("JOB_COMPLETION_INDEX", k.to_string())
                    .args(["--shards", "4"]);
            } else {
                cmd.env("SLURM_ARRAY_TASK_ID", (k + 10).to_string())
                    .env("SLURM_ARRAY_TASK_MIN", "10")
                    .env("SLURM_ARRAY_TASK_MAX", "13")
                    .env("SLURM_ARRAY_TASK_COUNT", "4");
            }
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let shard = |k: usize| tmp.path().join(format!("shard{k}"));
    for k in 0..4 {
        let m: Value =
            serde_json::from_slice(&std::fs::read(shard(k).join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(m["shard"]["index"], k);
        assert_eq!(m["shard"]["of"], serde_json::json!([0, 10]));
        let v = common::synthvis_command()
            .arg("verify")
            .arg(shard(k))
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "a shard is a valid dataset: {}",
            common::stderr(&v)
        );
    }
    let m0: Value =
        serde_json::from_slice(&std::fs::read(shard(0).join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m0["frames"],
        serde_json::json!([0, 2]),
        "blocks of 10/4 frames"
    );

    let merged = tmp.path().join("merged");
    let o = common::synthvis_command()
        .arg("merge")
        .arg(&merged)
        .args([shard(2), shard(0), shard(3), shard(1)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_same(&single, &merged);
    let provenance: Value =
        serde_json::from_slice(&std::fs::read(merged.join("shards.json")).unwrap()).unwrap();
    assert_eq!(provenance["shards"].as_array().unwrap().len(), 4);

    // Shards that do not fit together are refused, naming why.
    let refused = |dirs: &[PathBuf], needle: &str| {
        let out = tmp.path().join(format!("refused-{}", needle.len()));
        let o = common::synthvis_command()
            .arg("merge")
            .arg(&out)
            .args(dirs)
            .output()
            .unwrap();
        common::assert_fails_with(&o, 2, needle);
    };
    refused(&[shard(0), shard(1), shard(3)], "frames 5..7 are missing");
    refused(&[shard(0), shard(1), shard(2)], "a shard is missing");
    refused(
        &[shard(0), shard(0), shard(1), shard(2), shard(3)],
        "overlap",
    );
    let other = tmp.path().join("other-seed");
    let o = render(&spec, &other, &["--shard", "3/4", "--seed", "99"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    refused(&[shard(0), shard(1), shard(2), other], "another seed");
}

#[test]
fn resume_after_kill_9_at_any_moment_gives_the_bytes_of_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small_spec(tmp.path(), 60);
    let reference = tmp.path().join("reference");
    let o = render(&spec, &reference, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    // Killed while starting (no frame yet), after the first frame, and at a quarter, half
    // and most of the way, each a few milliseconds later so that the kills land at
    // different points of a frame (rendering, encoding, between its files).
    let mut interrupted = 0;
    for (i, finished) in [0, 1, 15, 30, 50].into_iter().enumerate() {
        let out = tmp.path().join(format!("killed{i}"));
        let labels = out.join("labels");
        let then = Duration::from_millis(3 * i as u64);
        interrupted += u32::from(render_killed_when(
            &spec,
            &out,
            &[],
            |_| finished_files(&labels) >= finished,
            then,
        ));
        let o = render(&spec, &out, &["--resume"]);
        assert!(
            o.status.success(),
            "resume after a kill at {finished} frames: {}",
            common::stderr(&o)
        );
        assert_same(&reference, &out);
    }
    assert!(
        interrupted >= 4,
        "only {interrupted} of 5 kills caught the run unfinished"
    );

    // Damage a finished dataset: a truncated image, a truncated labels file, a stray
    // temporary file. Resume finds and redoes them.
    let damaged = tmp.path().join("damaged");
    let o = render(&spec, &damaged, &[]);
    assert!(o.status.success());
    let png = damaged.join("rgb/000005.png");
    let bytes = std::fs::read(&png).unwrap();
    std::fs::write(&png, &bytes[..bytes.len() / 2]).unwrap();
    let labels = damaged.join("labels/000007.json");
    let bytes = std::fs::read(&labels).unwrap();
    std::fs::write(&labels, &bytes[..10]).unwrap();
    std::fs::write(damaged.join("rgb/.000009.png.tmp"), b"half").unwrap();
    let o = render(&spec, &damaged, &["--resume"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("58 frames were finished already"),
        "{}",
        common::stderr(&o)
    );
    assert_same(&reference, &damaged);

    // --resume on a folder of another run is refused.
    let o = render(&spec, &damaged, &["--resume", "--seed", "5"]);
    common::assert_fails_with(&o, 2, "another seed");
}

#[test]
fn sigterm_stops_cleanly_with_143_and_resume_finishes_the_job() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = small_spec(tmp.path(), 400);
    let out = tmp.path().join("ds");
    let child = common::synthvis_command()
        .arg("render")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let labels = out.join("labels");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(&labels).map_or(0, |d| d.count()) < 5 {
        assert!(Instant::now() < deadline, "the render never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill only sends a signal to the child we started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let o = child.wait_with_output().unwrap();
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(143), "{err}");
    assert!(err.contains("SIGTERM") && err.contains("--resume"), "{err}");
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["complete"], false);
    let done = std::fs::read_dir(&labels).unwrap().count();
    assert!(done < 400, "stopped early ({done} frames)");

    let o = render(&spec, &out, &["--resume", "--durable", "--workers", "2"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let reference = tmp.path().join("reference");
    let o = render(&spec, &reference, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_same(&reference, &out);
}

/// A process's memory, KiB: the most anonymous memory (heap, stacks) seen while
/// polling `/proc/PID/status` every millisecond, and the kernel's peak resident set,
/// which also counts the binary's pages mapped from the page cache.
struct PeakMemory {
    anon_kib: u64,
    rss_kib: u64,
}

/// Runs `cmd` to its end; returns whether it succeeded and its memory.
fn run_measuring_memory(cmd: &mut std::process::Command) -> (bool, PeakMemory) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let field = |status: &str, name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let mut peak = PeakMemory {
        anon_kib: 0,
        rss_kib: 0,
    };
    let status = loop {
        // Read before the exit check: a process that ended has no memory to read.
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            peak.anon_kib = peak.anon_kib.max(field(&text, "RssAnon:").unwrap_or(0));
            peak.rss_kib = peak.rss_kib.max(field(&text, "VmHWM:").unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    (status.success(), peak)
}

#[test]
fn merging_many_frames_keeps_memory_flat() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = quickstart_spec(tmp.path(), "tiny.json", |v| {
        v["resolution"] = serde_json::json!({ "width": 64, "height": 48 });
    });
    let mut peaks = Vec::new();
    for frames in [100u64, 3000] {
        let shards: Vec<PathBuf> = (0..3)
            .map(|k| {
                let out = tmp.path().join(format!("f{frames}-{k}"));
                let range = format!("0..{frames}");
                let o = render(
                    &spec,
                    &out,
                    &["--frames", &range, "--shard", &format!("{k}/3")],
                );
                assert!(o.status.success(), "{}", common::stderr(&o));
                out
            })
            .collect();
        let (ok, peak) = run_measuring_memory(
            common::synthvis_command()
                .arg("merge")
                .arg(tmp.path().join(format!("merged{frames}")))
                .args(&shards),
        );
        assert!(ok, "merge of {frames} frames failed");
        eprintln!(
            "merge of {frames} frames: {} KiB anonymous, peak RSS {} KiB",
            peak.anon_kib, peak.rss_kib
        );
        peaks.push(peak.anon_kib);
    }
    let bytes: usize = common::files_under(&tmp.path().join("merged3000"))
        .values()
        .map(Vec::len)
        .sum();
    // 30 times the frames, nearly the same memory: nothing grows with the frame count
    // but the list of shards; holding the frames' files, or even their labels, would add
    // megabytes. Anonymous memory, not the peak RSS: that also counts the binary's pages
    // mapped from the page cache, and wait4's ru_maxrss even the test process's own RSS
    // when it spawned the child (Linux keeps the larger of the two across exec).
    let grown = peaks[1].saturating_sub(peaks[0]);
    assert!(
        grown < 2048,
        "{} KiB anonymous for 100 frames, {} KiB for 3000 (the merged dataset is {} KiB)",
        peaks[0],
        peaks[1],
        bytes / 1024
    );
}

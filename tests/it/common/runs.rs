//! Runs of the synthvis binary as users make them: specs written for a run, renders run
//! to their end or killed midway, and what they leave.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{assets_dir, synthvis_command};

/// The quickstart scene with its assets found from anywhere, changed by `edit`, written
/// into `dir/name`.
pub fn quickstart_spec(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    for a in v["assets"].as_array_mut().unwrap() {
        let name = Path::new(a["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_owned();
        a["path"] = serde_json::json!(assets_dir().join(name));
    }
    edit(&mut v);
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    file
}

/// The quickstart scene at 160x120 with `frames` frames, written into `dir`.
pub fn small_spec(dir: &Path, frames: u64) -> PathBuf {
    quickstart_spec(dir, "small.json", |v| {
        v["resolution"] = serde_json::json!({ "width": 160, "height": 120 });
        v["frames"] = serde_json::json!(frames);
    })
}

/// `synthvis render SPEC --out OUT -q EXTRA`.
fn render_command(spec: &Path, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = synthvis_command();
    cmd.arg("render")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .args(extra);
    cmd
}

/// Runs `synthvis merge OUT PARTS...` to its end.
pub fn merge<P: AsRef<std::ffi::OsStr>>(out: &Path, parts: impl IntoIterator<Item = P>) -> Output {
    synthvis_command()
        .arg("merge")
        .arg(out)
        .args(parts)
        .output()
        .unwrap()
}

/// Runs `synthvis render SPEC --out OUT -q EXTRA` to its end.
pub fn render(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    render_command(spec, out, extra).output().unwrap()
}

/// Starts `render SPEC --out OUT -q EXTRA`, kills it with SIGKILL `then` after `when`
/// first holds for OUT (polled every 2 ms), and says whether the kill caught the run
/// unfinished (its manifest not complete).
pub fn render_killed_when(
    spec: &Path,
    out: &Path,
    extra: &[&str],
    when: impl Fn(&Path) -> bool,
    then: Duration,
) -> bool {
    let mut child = render_command(spec, out, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !when(out) && Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(then);
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let complete = std::fs::read(out.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .is_some_and(|m| m["complete"] == true);
    !complete
}

/// The finished files in `dir` (temporary `.NAME.tmp` files left out).
pub fn finished_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

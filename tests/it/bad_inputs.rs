//! The bad-input corpus (tests/bad-inputs/, made by make_cases.py): every case goes through
//! `synthvis render` and `synthvis validate`, each under a timeout; each yields the exit
//! code its expect.json states and a message naming what it must name; nothing panics or
//! hangs, and a failed render never leaves a dataset marked complete.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::common;

/// Longer than any case takes on a loaded 2-core machine; a hang shows as a failure.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct Outcome {
    exit: i32,
    names: Vec<String>,
}

#[derive(Deserialize)]
struct Expect {
    render: Outcome,
    validate: Outcome,
    args: Vec<String>,
    out: String,
}

/// Runs `cmd` with its output in files under `dir`; kills it past [`TIMEOUT`]. Returns
/// the exit code (None when killed) and stderr.
fn run(mut cmd: Command, dir: &Path, tag: &str) -> (Option<i32>, String) {
    let err_path = dir.join(format!("{tag}.stderr"));
    let stderr = std::fs::File::create(&err_path).unwrap();
    let mut child = cmd.stdout(Stdio::null()).stderr(stderr).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = std::fs::read_to_string(&err_path).unwrap_or_default();
    (status.and_then(|s| s.code()), err)
}

/// Compares one command's outcome with what the case expects.
fn judge(
    name: &str,
    command: &str,
    (code, err): (Option<i32>, String),
    expect: &Outcome,
) -> Vec<String> {
    let Some(code) = code else {
        return vec![format!(
            "{name} ({command}): still running after {TIMEOUT:?}: killed"
        )];
    };
    let mut failures = Vec::new();
    if code != expect.exit {
        failures.push(format!(
            "{name} ({command}): exit {code}, expected {}\n{err}",
            expect.exit
        ));
        return failures;
    }
    if err.contains("panicked") || err.contains("crashed") {
        failures.push(format!("{name} ({command}): panicked\n{err}"));
    }
    for needle in &expect.names {
        if !err.contains(needle.as_str()) {
            failures.push(format!(
                "{name} ({command}): message does not name `{needle}`:\n{err}"
            ));
        }
    }
    failures
}

#[test]
fn every_bad_input_gets_its_stated_outcome_from_render_and_validate() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 85,
        "the corpus should hold at least 85 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expect: Expect =
            serde_json::from_slice(&std::fs::read(case.join("expect.json")).unwrap()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        match expect.out.as_str() {
            "file" => std::fs::write(&out, "a file").unwrap(),
            "nonempty" => {
                std::fs::create_dir(&out).unwrap();
                std::fs::write(out.join("keep.txt"), "mine").unwrap();
            }
            _ => {}
        }
        let mut render = common::synthvis_command();
        render
            .arg("render")
            .arg(case.join("spec.json"))
            .arg("--out")
            .arg(&out)
            .arg("-q")
            .args(&expect.args);
        let rendered = run(render, tmp.path(), "render");
        let render_code = rendered.0;
        failures.extend(judge(&name, "render", rendered, &expect.render));

        let mut validate = common::synthvis_command();
        validate.arg("validate").arg(case.join("spec.json"));
        let validated = run(validate, tmp.path(), "validate");
        failures.extend(judge(&name, "validate", validated, &expect.validate));

        if expect.out == "nonempty" {
            assert_eq!(
                std::fs::read_to_string(out.join("keep.txt")).unwrap(),
                "mine",
                "{name}"
            );
        }
        let manifest = out.join("manifest.json");
        if render_code != Some(0) && manifest.is_file() {
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
            if m["complete"] != false {
                failures.push(format!("{name}: a failed run left a complete manifest"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems in {} cases:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

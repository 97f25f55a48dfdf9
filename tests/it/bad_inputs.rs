//! The bad-input corpus (tests/bad-inputs/, made by make_cases.py): every case yields its
//! stated exit code, its message names the file and field it must name, nothing panics,
//! and a failed run never leaves a dataset marked complete.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct Expect {
    exit: i32,
    names: Vec<String>,
    args: Vec<String>,
    out: String,
}

#[test]
fn every_bad_input_gets_its_stated_outcome() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-inputs");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "the corpus should hold at least 30 cases, found {}",
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
        let o = Command::new(env!("CARGO_BIN_EXE_synthvis"))
            .arg("render")
            .arg(case.join("spec.json"))
            .arg("--out")
            .arg(&out)
            .arg("-q")
            .args(&expect.args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let code = o.status.code().unwrap_or(-1);
        if code != expect.exit {
            failures.push(format!(
                "{name}: exit {code}, expected {}\n{err}",
                expect.exit
            ));
            continue;
        }
        if err.contains("panicked") || err.contains("crashed") {
            failures.push(format!("{name}: panicked\n{err}"));
        }
        for needle in &expect.names {
            if !err.contains(needle.as_str()) {
                failures.push(format!("{name}: message does not name `{needle}`:\n{err}"));
            }
        }
        if expect.out == "nonempty" {
            assert_eq!(
                std::fs::read_to_string(out.join("keep.txt")).unwrap(),
                "mine",
                "{name}"
            );
        }
        let manifest = out.join("manifest.json");
        if code != 0 && manifest.is_file() {
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
            if m["complete"] != false {
                failures.push(format!("{name}: a failed run left a complete manifest"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

//! The cluster files in examples/ tried as a user would, without a cluster: the Slurm
//! scripts run under bash with the variables Slurm sets, the Kubernetes Jobs' commands
//! run with the index Kubernetes sets (their YAML is parsed in CI by PyYAML), and the
//! merged result is byte for byte one run.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::common;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A PATH with the synthvis under test first.
fn path_with_synthvis() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_synthvis")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The quickstart at 160x120, 9 frames, as `dir/spec.json`.
fn spec(dir: &Path) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/quickstart.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["resolution"] = json!({ "width": 160, "height": 120 });
    v["frames"] = json!(9);
    for a in v["assets"].as_array_mut().unwrap() {
        let name = Path::new(a["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_owned();
        a["path"] = json!(common::assets_dir().join(name));
    }
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("spec.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    file
}

fn single_run(spec: &Path, out: &Path) {
    let o = common::synthvis_command()
        .arg("render")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
}

#[test]
fn the_slurm_scripts_render_shards_and_merge_them() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec(&tmp.path().join("scene"));
    let run = tmp.path().join("run1");
    for task in 10..13 {
        let o = Command::new("bash")
            .arg(examples().join("slurm/render.sbatch"))
            .env("PATH", path_with_synthvis())
            .env("SPEC", &spec)
            .env("OUT", &run)
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "10")
            .env("SLURM_ARRAY_TASK_MAX", "12")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .output()
            .unwrap();
        assert!(o.status.success(), "task {task}: {}", common::stderr(&o));
    }
    let o = Command::new("bash")
        .arg(examples().join("slurm/merge.sbatch"))
        .env("PATH", path_with_synthvis())
        .env("OUT", &run)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let single = tmp.path().join("single");
    single_run(&spec, &single);
    common::assert_same_files(&single, &run.join("dataset"), |n| n == "shards.json");
}

/// The `command:` list of the first container of a Job, one string per item.
fn job_command(yaml: &str) -> Vec<String> {
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "command:").skip(1);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        match l.trim().strip_prefix("- ") {
            Some(item) => out.push(item.to_owned()),
            None => break,
        }
    }
    out
}

/// The value of a `key: value` line.
fn field<'a>(yaml: &'a str, key: &str) -> &'a str {
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .unwrap_or_default()
        .trim()
        .trim_matches('"')
}

#[test]
fn the_kubernetes_jobs_commands_render_shards_and_merge_them() {
    let render = std::fs::read_to_string(examples().join("kubernetes/render-job.yaml")).unwrap();
    let merge = std::fs::read_to_string(examples().join("kubernetes/merge-job.yaml")).unwrap();
    assert_eq!(field(&render, "completionMode"), "Indexed");
    let completions = field(&render, "completions");
    let shards_env = render
        .lines()
        .skip_while(|l| !l.contains("name: SYNTHVIS_SHARDS"))
        .nth(1)
        .map(|l| field(l, "value"))
        .unwrap_or_default();
    assert_eq!(
        shards_env, completions,
        "SYNTHVIS_SHARDS must equal completions"
    );
    let command = job_command(&render);
    assert!(
        command.windows(2).any(|w| w == ["--shard", "auto"]),
        "{command:?}"
    );

    // Run the pods' command as Kubernetes would: /data is the volume, the index is set
    // in the environment and substituted for $(JOB_COMPLETION_INDEX).
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let spec = spec(&data.join("scene"));
    let n: u64 = completions.parse().unwrap();
    for k in 0..n {
        let args: Vec<String> = command
            .iter()
            .map(|a| {
                a.replace("/data/", &format!("{}/", data.display()))
                    .replace("$(JOB_COMPLETION_INDEX)", &k.to_string())
            })
            .collect();
        let o = Command::new(&args[0])
            .args(&args[1..])
            .env("PATH", path_with_synthvis())
            .env("JOB_COMPLETION_INDEX", k.to_string())
            .env("SYNTHVIS_SHARDS", shards_env)
            .output()
            .unwrap();
        assert!(o.status.success(), "pod {k}: {}", common::stderr(&o));
    }
    let merge_command = job_command(&merge);
    let script = merge_command
        .last()
        .unwrap()
        .replace("/data/", &format!("{}/", data.display()));
    let o = Command::new(&merge_command[0])
        .args(&merge_command[1..merge_command.len() - 1])
        .arg(&script)
        .env("PATH", path_with_synthvis())
        .output()
        .unwrap();
    assert!(o.status.success(), "merge: {}", common::stderr(&o));
    let single = tmp.path().join("single");
    single_run(&spec, &single);
    common::assert_same_files(&single, &data.join("dataset"), |n| n == "shards.json");
}

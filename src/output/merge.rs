//! `synthvis merge OUT SHARD_DIR...`: joins shards into one dataset with exactly the bytes
//! of a single run of all their frames: every frame's files copied after checking them
//! against their checksums, `annotations.json` assembled again (annotation ids 1..N in
//! frame and instance order, as a single run numbers them), the manifest a single run
//! would write. Where each frame came from goes to `shards.json`. It streams: memory does
//! not grow with the number of frames. Webdataset shards are checked frame by frame and
//! their tars copied whole.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::atomic::AtomicFile;
use super::digest::FramesDigest;
use super::layout::Format;
use super::manifest::{Manifest, ShardInfo};
use super::reader::DatasetReader;
use super::webdataset::{blocks, tar_path};
use super::{Durability, OutputError, coco, create_layout, prepare_dir, write_files};
use crate::spec::{CategorySpec, OutputsSpec};

/// Provenance of a merged dataset: `shards.json`.
#[derive(Debug, Serialize)]
struct ShardsFile {
    shards: Vec<ShardEntry>,
}

#[derive(Debug, Serialize)]
struct ShardEntry {
    dir: String,
    frames: [u64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<ShardInfo>,
    frames_digest: String,
}

/// What a merge did.
#[derive(Debug, Clone)]
pub struct MergeSummary {
    /// Frames of the merged dataset.
    pub frames: std::ops::Range<u64>,
    /// Shards merged.
    pub shards: usize,
    /// Files copied.
    pub files: u64,
}

fn refuse(message: String) -> OutputError {
    OutputError::Merge(message)
}

/// Merges the complete shard datasets in `shards` into `out` (new or empty).
pub fn merge(
    out: &Path,
    shards: &[PathBuf],
    durability: Durability,
) -> Result<MergeSummary, OutputError> {
    if shards.is_empty() {
        return Err(refuse("no shard folders given".into()));
    }
    let mut parts: Vec<(PathBuf, Manifest)> = Vec::new();
    for dir in shards {
        let m = Manifest::read(dir).map_err(refuse)?;
        if !m.complete {
            return Err(refuse(format!(
                "{}: the shard is incomplete (complete: false); finish it with --resume",
                dir.display()
            )));
        }
        parts.push((dir.clone(), m));
    }
    parts.sort_by_key(|(_, m)| m.frames);
    let (first_dir, first) = &parts[0];
    // The run all shards must share: everything but frames, shard, digest, completion.
    let mut run = first.clone();
    run.shard = None;
    for (dir, m) in &parts[1..] {
        let mut other = m.clone();
        other.shard = None;
        other.frames = run.frames;
        if let Some(field) = run.differs_from(&other) {
            return Err(refuse(format!(
                "{} and {} come from runs with another {field} (their frames may differ)",
                first_dir.display(),
                dir.display()
            )));
        }
    }
    let of = parts.iter().find_map(|(_, m)| m.shard.map(|s| s.of));
    for pair in parts.windows(2) {
        let ((a_dir, a), (b_dir, b)) = (&pair[0], &pair[1]);
        if b.frames[0] < a.frames[1] {
            return Err(refuse(format!(
                "{} (frames {}..{}) and {} (frames {}..{}) overlap",
                a_dir.display(),
                a.frames[0],
                a.frames[1],
                b_dir.display(),
                b.frames[0],
                b.frames[1]
            )));
        }
        if b.frames[0] > a.frames[1] {
            return Err(refuse(format!(
                "frames {}..{} are missing: no shard between {} and {} holds them",
                a.frames[1],
                b.frames[0],
                a_dir.display(),
                b_dir.display()
            )));
        }
    }
    let start = first.frames[0];
    let end = parts.last().map_or(start, |(_, m)| m.frames[1]);
    let format = run.format;
    if let Format::Webdataset { frames_per_tar } = format {
        for (dir, m) in &parts {
            for edge in m.frames {
                if edge != start && edge != end && !edge.is_multiple_of(frames_per_tar.max(1)) {
                    return Err(refuse(format!(
                        "{}: its frames {}..{} split a tar of {frames_per_tar} frames with another shard; render webdataset shards with --shard, which gives each whole tars",
                        dir.display(),
                        m.frames[0],
                        m.frames[1]
                    )));
                }
            }
        }
    }
    if let Some([a, b]) = of
        && (a, b) != (start, end)
    {
        return Err(refuse(format!(
            "the shards are of frames {a}..{b}, the folders given hold {start}..{end}: a shard is missing"
        )));
    }

    let spec: serde_json::Value = run.spec.clone();
    let categories: Vec<CategorySpec> =
        serde_json::from_value(spec.get("categories").cloned().unwrap_or_default())
            .map_err(|e| refuse(format!("{}: spec categories: {e}", first_dir.display())))?;
    let outputs: OutputsSpec =
        serde_json::from_value(spec.get("outputs").cloned().unwrap_or_default())
            .map_err(|e| refuse(format!("{}: spec outputs: {e}", first_dir.display())))?;

    prepare_dir(out, false)?;
    create_layout(out, &outputs, format)?;
    let mut manifest = run.clone();
    manifest.frames = [start, end];
    manifest.complete = false;
    manifest.frames_digest = String::new();
    manifest.write(out, durability)?;

    let mut digest = FramesDigest::new();
    let mut files = 0u64;
    let mut entries = Vec::new();
    for (dir, m) in &parts {
        let mut reader = DatasetReader::new(dir, format);
        for (block, frames) in blocks(&(m.frames[0]..m.frames[1]), format.frames_per_unit()) {
            for f in frames {
                let check = reader.check(f);
                let (Some(sha), true) = (&check.labels_sha256, check.intact()) else {
                    return Err(refuse(format!(
                        "{}: frame {f} is damaged: {}",
                        dir.display(),
                        check.problems.join("; ")
                    )));
                };
                write_files(out, &check.files, durability)?;
                files += check.files.len() as u64;
                digest.add(f, sha);
            }
            if format != Format::Folders {
                copy_file(
                    &dir.join(tar_path(block)),
                    &out.join(tar_path(block)),
                    durability,
                )?;
                files += 1;
            }
        }
        entries.push(ShardEntry {
            dir: dir.display().to_string(),
            frames: m.frames,
            shard: m.shard,
            frames_digest: m.frames_digest.clone(),
        });
    }
    let header = coco::CocoHeader {
        resolution: (run.resolution[0], run.resolution[1]),
        categories: &categories,
        keypoints: spec["labels"]["keypoints"].as_bool().unwrap_or(false),
        tool_version: &run.version,
        licenses: &super::licenses::LicenseTable::new(&run.licenses),
    };
    coco::write_coco(out, start..end, &header, durability, format)?;
    let mut provenance =
        serde_json::to_vec_pretty(&ShardsFile { shards: entries }).map_err(|e| {
            OutputError::Encode {
                path: "shards.json".into(),
                message: e.to_string(),
            }
        })?;
    provenance.push(b'\n');
    super::write_atomic_with(
        &out.join(super::layout::SHARDS_FILE),
        &provenance,
        durability,
    )?;
    super::mark_complete(
        out,
        manifest.completed(digest.finish()),
        &outputs,
        durability,
    )?;
    Ok(MergeSummary {
        frames: start..end,
        shards: parts.len(),
        files,
    })
}

/// Copies `from` to `to` whole (a temporary file renamed into place).
fn copy_file(from: &Path, to: &Path, durability: Durability) -> Result<(), OutputError> {
    let mut source =
        std::fs::File::open(from).map_err(super::atomic::io_error(from, "cannot open"))?;
    let mut target = AtomicFile::create(to, durability)?;
    std::io::copy(&mut source, &mut target).map_err(|e| target.write_error(e))?;
    target.commit()
}

//! Joining the folders of a sharded sweep: every point's datasets merged as
//! `synthvis merge` merges shards, its `spec.json`, and the sweep's index, into the folder
//! one unsharded sweep writes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{INDEX_CSV, INDEX_FILE, POINT_SPEC};
use crate::output::merge::merge as merge_dataset;
use crate::output::{Durability, OutputError, layout, write_atomic_with};

#[derive(Deserialize)]
struct IndexIds {
    points: Vec<IndexId>,
}

#[derive(Deserialize)]
struct IndexId {
    id: String,
}

/// Whether `dir` is a sweep folder (it holds `index.json`).
pub fn is_sweep(dir: &Path) -> bool {
    dir.join(INDEX_FILE).is_file()
}

/// What a sweep merge did.
#[derive(Debug, Clone)]
pub struct SweepMergeSummary {
    /// Points merged.
    pub points: usize,
    /// Folders merged.
    pub shards: usize,
}

fn refuse(message: String) -> OutputError {
    OutputError::Merge(message)
}

/// Merges the sweep folders `dirs` (the shards of one sweep) into `out` (new or empty).
pub fn merge(
    out: &Path,
    dirs: &[PathBuf],
    durability: Durability,
) -> Result<SweepMergeSummary, OutputError> {
    let read = |dir: &Path, name: &str| {
        std::fs::read(dir.join(name))
            .map_err(|e| refuse(format!("{}: {e}", dir.join(name).display())))
    };
    let first = dirs
        .first()
        .ok_or_else(|| refuse("no sweep folders given".into()))?;
    let index = read(first, INDEX_FILE)?;
    let csv = read(first, INDEX_CSV)?;
    for dir in &dirs[1..] {
        if read(dir, INDEX_FILE)? != index {
            return Err(refuse(format!(
                "{} and {} are shards of different sweeps (their index.json differ)",
                first.display(),
                dir.display()
            )));
        }
    }
    let ids: IndexIds = serde_json::from_slice(&index)
        .map_err(|e| refuse(format!("{}: {e}", first.join(INDEX_FILE).display())))?;
    if std::fs::read_dir(out).is_ok_and(|mut e| e.next().is_some()) {
        return Err(OutputError::NotEmpty {
            dir: out.to_owned(),
        });
    }
    for point in &ids.points {
        let holders: Vec<PathBuf> = dirs
            .iter()
            .map(|d| d.join(&point.id))
            .filter(|d| d.join(layout::MANIFEST_FILE).is_file())
            .collect();
        if holders.is_empty() {
            return Err(refuse(format!(
                "point {}: no folder given holds any of its frames: a shard is missing",
                point.id
            )));
        }
        let spec = read(&holders[0], POINT_SPEC)?;
        for h in &holders[1..] {
            if read(h, POINT_SPEC)? != spec {
                return Err(refuse(format!(
                    "{} and {}: the point's spec.json differs",
                    holders[0].display(),
                    h.display()
                )));
            }
        }
        let target = out.join(&point.id);
        merge_dataset(&target, &holders, durability)?;
        write_atomic_with(&target.join(POINT_SPEC), &spec, durability)?;
    }
    write_atomic_with(&out.join(INDEX_FILE), &index, durability)?;
    write_atomic_with(&out.join(INDEX_CSV), &csv, durability)?;
    Ok(SweepMergeSummary {
        points: ids.points.len(),
        shards: dirs.len(),
    })
}

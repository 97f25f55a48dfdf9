//! Which frames a run renders: its range (the spec's, `--frames`, a shard's block) less,
//! with `--resume`, the frames an earlier run of the same job already finished.
//!
//! A frame is finished when its labels file and every image it lists are present and
//! match the checksums the labels file records: files are renamed into place whole and
//! the labels file last, so a run killed at any moment (even `kill -9`) leaves finished
//! frames, temporary files, and nothing in between. In webdataset the unit is a tar,
//! renamed into place when its block is whole.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::output::manifest::{Manifest, is_synthvis_manifest};
use crate::output::reader::DatasetReader;
use crate::output::webdataset::blocks;
use crate::output::{OutputError, layout, prepare_dir, remove_temporary_files};

/// The work of a run.
#[derive(Debug, Default)]
pub struct Plan {
    /// Frames to render, in order.
    pub todo: Vec<u64>,
    /// Frames an earlier run finished, with their labels checksums.
    pub kept: BTreeMap<u64, String>,
}

impl Plan {
    /// Every frame of `frames`.
    fn fresh(frames: &Range<u64>) -> Self {
        Self {
            todo: frames.clone().collect(),
            kept: BTreeMap::new(),
        }
    }
}

/// Prepares `dir` for the run `manifest` describes and says what is left to do. Without
/// `resume`, `dir` must be new or empty (or hold a dataset `overwrite` may replace). With
/// it, a new or empty `dir` starts from scratch, and one that holds the same run (same
/// spec, assets, seed, frames, shard, adapter and synthvis build) keeps its finished
/// frames; any other dataset is refused.
pub fn prepare(
    dir: &Path,
    manifest: &Manifest,
    overwrite: bool,
    resume: bool,
) -> Result<Plan, OutputError> {
    let frames = manifest.frames[0]..manifest.frames[1];
    if resume && dir.is_dir() {
        // A run killed while writing its first manifest left only a temporary file.
        remove_temporary_files(dir)?;
    }
    let holds_dataset = is_synthvis_manifest(&dir.join(layout::MANIFEST_FILE));
    if !resume || !holds_dataset {
        prepare_dir(dir, overwrite && !resume)?;
        return Ok(Plan::fresh(&frames));
    }
    let earlier = Manifest::read(dir).map_err(|message| OutputError::Labels {
        path: dir.join(layout::MANIFEST_FILE),
        message,
    })?;
    if let Some(field) = earlier.differs_from(manifest) {
        return Err(OutputError::ResumeMismatch {
            dir: dir.to_owned(),
            field,
        });
    }
    remove_temporary_files(dir)?;
    // Frames are kept by the unit they are stored in: a frame in the folder layout, a
    // whole tar in webdataset (a block with any frame missing or damaged is rendered
    // again, and its tar replaced).
    let mut reader = DatasetReader::new(dir, manifest.format);
    let mut plan = Plan::default();
    for (_, block) in blocks(&frames, manifest.format.frames_per_unit()) {
        let finished: Option<Vec<(u64, String)>> = block
            .clone()
            .map(|f| {
                let check = reader.check(f);
                check
                    .intact()
                    .then_some(check.labels_sha256)
                    .flatten()
                    .map(|sha| (f, sha))
            })
            .collect();
        match finished {
            Some(kept) => plan.kept.extend(kept),
            None => plan.todo.extend(block),
        }
    }
    Ok(plan)
}

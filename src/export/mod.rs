//! Exporters: a finished dataset rewritten in the layouts training code reads, one frame
//! at a time (memory flat in the number of frames), deterministically, into a staging
//! folder renamed into place only when complete.
//!
//! - [`yolo`]: Ultralytics' layout (`images/`, `labels/`, `data.yaml`);
//! - [`bop`]: the BOP benchmark's layout (scenes, masks, models);
//! - [`mot`]: MOTChallenge's layout for a sequence dataset (`gt/gt.txt`, `seqinfo.ini`);
//! - [`polygon`]: masks to one polygon an object.

pub mod bop;
pub mod mot;
pub mod polygon;
pub mod yolo;

use std::path::{Path, PathBuf};

use crate::output::reader::ReadError;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The dataset cannot be exported as it is.
    #[error("{dir}: {message}")]
    Dataset {
        /// The dataset folder.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file of the dataset could not be read.
    #[error("{file}: {message}")]
    Read {
        /// The file (or tar and member).
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The output folder exists and is not an earlier export.
    #[error(
        "{dir}: output folder is not empty; choose a new one, or pass --overwrite to replace an earlier synthvis export in it"
    )]
    NotEmpty {
        /// The output folder.
        dir: PathBuf,
    },
    /// A file system operation failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A COCO file of the export could not be written.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// The spec given to a BOP export is unreadable or invalid.
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    /// The spec's assets (the BOP models) could not be loaded.
    #[error(transparent)]
    Asset(#[from] crate::assets::AssetError),
}

impl From<ReadError> for ExportError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::NotReadable { dir, message } => ExportError::Dataset { dir, message },
            ReadError::File { file, message } => ExportError::Read { file, message },
        }
    }
}

/// An I/O error's mapper naming `path` and what was being done.
pub(crate) fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> ExportError {
    let path = path.to_owned();
    move |source| ExportError::Io {
        path,
        action,
        source,
    }
}

/// The file an export leaves in its output folder, saying what made it (and marking the
/// folder as one `--overwrite` may replace).
pub const EXPORT_MARKER: &str = "synthvis-export.json";

/// Where an export is written until it is complete: a hidden sibling of `out`.
pub(crate) fn staging_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.partial"))
}

/// An export's staging folder: removed again unless [`Staging::finish`] moves it into
/// place, so a failed export leaves nothing behind.
pub(crate) struct Staging {
    dir: PathBuf,
    finished: bool,
}

impl std::ops::Deref for Staging {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Staging {
    /// Moves the finished export to `out`, replacing what [`begin`] allowed to replace.
    pub(crate) fn finish(mut self, out: &Path) -> Result<(), ExportError> {
        if out.exists() {
            std::fs::remove_dir_all(out).map_err(io(out, "cannot replace"))?;
        }
        std::fs::rename(&self.dir, out)
            .map_err(io(out, "cannot move the finished export into place"))?;
        self.finished = true;
        Ok(())
    }
}

/// Checks that `out` may receive an export (missing, empty, or an earlier export with
/// `overwrite`) and returns a fresh staging folder beside it.
pub(crate) fn begin(out: &Path, overwrite: bool) -> Result<Staging, ExportError> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map_err(io(out, "cannot list output folder"))?
            .next()
            .is_none();
        let earlier_export = overwrite && out.join(EXPORT_MARKER).is_file();
        if !(empty || earlier_export) {
            return Err(ExportError::NotEmpty {
                dir: out.to_owned(),
            });
        }
    }
    let staging = staging_dir(out);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging, "cannot remove"))?;
    }
    std::fs::create_dir_all(&staging).map_err(io(&staging, "cannot create"))?;
    Ok(Staging {
        dir: staging,
        finished: false,
    })
}

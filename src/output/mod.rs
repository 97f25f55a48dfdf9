//! The dataset on disk: where each file goes ([`layout`]), how it is written
//! ([`atomic`]), each frame's files ([`frame`]), COCO ([`coco`]), the manifest and the
//! frames digest, and `verify`. Nothing here labels or renders: it encodes and writes.

pub mod atomic;
pub mod coco;
pub mod digest;
pub mod frame;
pub mod images;
pub mod layout;
pub mod licenses;
pub mod manifest;
pub mod merge;
pub mod reader;
pub mod store;
pub mod verify;
pub mod webdataset;

use std::path::{Path, PathBuf};

pub use atomic::{AtomicFile, Durability, sync_file_system, write_atomic, write_atomic_with};
pub use digest::FramesDigest;
pub use layout::{Format, Modality, frame_stem};

use atomic::io_error as io;

/// Why the dataset could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output directory holds files and `--overwrite` was not given.
    #[error(
        "{dir}: output directory is not empty; choose a new directory, or pass --overwrite to replace the synthvis dataset in it"
    )]
    NotEmpty {
        /// The output directory.
        dir: PathBuf,
    },
    /// `--overwrite` on a directory that is not a synthvis dataset.
    #[error(
        "{dir}: refusing to overwrite: it is not a synthvis dataset (no manifest.json written by synthvis); nothing was deleted"
    )]
    NotADataset {
        /// The output directory.
        dir: PathBuf,
    },
    /// The output path exists and is not a directory.
    #[error("{path}: output path exists and is not a directory")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// A file system operation failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Encoding an image failed.
    #[error("{path}: cannot encode: {message}")]
    Encode {
        /// The file being encoded.
        path: String,
        /// The encoder's message.
        message: String,
    },
    /// `--resume` in a folder that holds another run.
    #[error(
        "{dir}: cannot resume: it holds a run with another {field}; render into a new folder, or pass --overwrite instead of --resume to replace it"
    )]
    ResumeMismatch {
        /// The output directory.
        dir: PathBuf,
        /// What differs (spec, seed, frames, adapter, synthvis build, ...).
        field: String,
    },
    /// Shards that cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// A per-frame labels file could not be read back while assembling COCO.
    #[error("{path}: cannot read labels: {message}")]
    Labels {
        /// The labels file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Makes `dir` ready for a new dataset: created if missing; an empty directory is used
/// as is; a non-empty one is refused unless `overwrite` is set and it holds a synthvis
/// dataset, whose entries ([`layout::dataset_entries`]) and leftover temporary files
/// ([`atomic::is_temp_name`]) are then removed — nothing else is.
pub fn prepare_dir(dir: &Path, overwrite: bool) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::NotADirectory {
            path: dir.to_owned(),
        });
    }
    if !dir.exists() {
        return std::fs::create_dir_all(dir).map_err(io(dir, "cannot create output directory"));
    }
    let mut entries = std::fs::read_dir(dir).map_err(io(dir, "cannot list output directory"))?;
    if entries.next().is_none() {
        return Ok(());
    }
    if !overwrite {
        return Err(OutputError::NotEmpty {
            dir: dir.to_owned(),
        });
    }
    if !manifest::is_synthvis_manifest(&dir.join(layout::MANIFEST_FILE)) {
        return Err(OutputError::NotADataset {
            dir: dir.to_owned(),
        });
    }
    for entry in layout::dataset_entries() {
        let path = dir.join(entry);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(io(&path, "cannot remove"))?;
        } else if path.exists() {
            std::fs::remove_file(&path).map_err(io(&path, "cannot remove"))?;
        }
    }
    remove_temporary_files(dir)
}

/// Creates the folders the outputs need in this format.
pub fn create_layout(
    dir: &Path,
    outputs: &crate::spec::OutputsSpec,
    format: Format,
) -> Result<(), OutputError> {
    for folder in layout::folders_in(outputs, format) {
        let path = dir.join(folder);
        std::fs::create_dir_all(&path).map_err(io(&path, "cannot create directory"))?;
    }
    Ok(())
}

/// Writes a frame's encoded files (paths relative to `dir`), each atomically.
pub fn write_files(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    durability: Durability,
) -> Result<(), OutputError> {
    for (path, bytes) in files {
        write_atomic_with(&dir.join(path), bytes, durability)?;
    }
    Ok(())
}

/// Removes the temporary files a killed run left in `dir` and its dataset folders.
pub fn remove_temporary_files(dir: &Path) -> Result<(), OutputError> {
    let folders = layout::dataset_entries()
        .into_iter()
        .map(|e| dir.join(e))
        .filter(|p| p.is_dir())
        .chain(std::iter::once(dir.to_owned()));
    for folder in folders {
        let entries = std::fs::read_dir(&folder).map_err(io(&folder, "cannot list"))?;
        for entry in entries.flatten() {
            let is_temp = entry.file_name().to_str().is_some_and(atomic::is_temp_name);
            if is_temp && entry.file_type().is_ok_and(|t| t.is_file()) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(io(&path, "cannot remove"))?;
            }
        }
    }
    Ok(())
}

/// Writes `manifest` (complete) once everything before it is on the disk, so nothing
/// counts as complete before it is: after files written with [`Durability::Synced`] only
/// the folders remain to flush; otherwise one `syncfs` flushes the whole run. The
/// manifest is synced too, and the folder that holds it.
pub fn mark_complete(
    dir: &Path,
    manifest: manifest::Manifest,
    outputs: &crate::spec::OutputsSpec,
    durability: Durability,
) -> Result<(), OutputError> {
    match durability {
        Durability::Synced => sync_layout(dir, outputs, manifest.format)?,
        Durability::Renamed => sync_file_system(dir)?,
    }
    manifest.write(dir, Durability::Synced)?;
    atomic::sync_dir(dir)
}

/// Flushes the dataset's folders and the dataset folder itself to the disk (after files
/// written with [`Durability::Synced`]).
pub fn sync_layout(
    dir: &Path,
    outputs: &crate::spec::OutputsSpec,
    format: Format,
) -> Result<(), OutputError> {
    for folder in layout::folders_in(outputs, format) {
        atomic::sync_dir(&dir.join(folder))?;
    }
    atomic::sync_dir(dir)
}

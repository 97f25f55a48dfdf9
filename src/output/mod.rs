//! The dataset on disk: layout, atomic writes, per-frame files, COCO and the manifest.
//!
//! Layout (frame numbers zero-padded to 6 digits, growing past 999999):
//! `rgb/NNNNNN.png`, `depth/NNNNNN.png` (+ `.exr`), `instance/NNNNNN.png`,
//! `class/NNNNNN.png`, `labels/NNNNNN.json`, `annotations.json`, `manifest.json`.

pub mod coco;
pub mod frame;
pub mod images;
pub mod manifest;
pub mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Folders and files a synthvis dataset consists of (what `--overwrite` may remove).
pub const DATASET_ENTRIES: &[&str] = &[
    "rgb",
    "depth",
    "instance",
    "class",
    "labels",
    "annotations.json",
    "manifest.json",
];

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
    /// A per-frame labels file could not be read back while assembling COCO.
    #[error("{path}: cannot read labels: {message}")]
    Labels {
        /// The labels file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io {
        path: path.to_owned(),
        action,
        source,
    }
}

/// The zero-padded stem of frame `i`'s files.
pub fn frame_stem(i: u64) -> String {
    format!("{i:06}")
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a
/// reader never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    if let Err(e) = write_file(&tmp, bytes) {
        // Best effort: a failed write leaves no temporary file behind; the error names
        // the file the dataset was to hold.
        let _ = std::fs::remove_file(&tmp);
        return Err(match e {
            OutputError::Io { action, source, .. } => OutputError::Io {
                path: path.to_owned(),
                action,
                source,
            },
            other => other,
        });
    }
    std::fs::rename(&tmp, path).map_err(io(path, "cannot move into place"))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    injected_disk_full().map_err(io(path, "cannot write"))?;
    let mut f = std::fs::File::create(path).map_err(io(path, "cannot create file"))?;
    f.write_all(bytes).map_err(io(path, "cannot write"))?;
    f.flush().map_err(io(path, "cannot write"))
}

/// Failure injection for testing what happens when the disk fills up (ours and a
/// user's orchestration): with `SYNTHVIS_FAIL_WRITES_AFTER=N` in the environment, every
/// file write after the first N fails with ENOSPC ("No space left on device").
fn injected_disk_full() -> std::io::Result<()> {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| {
        std::env::var("SYNTHVIS_FAIL_WRITES_AFTER")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    match limit {
        Some(n) if WRITES.fetch_add(1, Ordering::Relaxed) >= *n => {
            Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
        }
        _ => Ok(()),
    }
}

/// Makes `dir` ready for a new dataset: created if missing; an empty directory is used
/// as is; a non-empty one is refused unless `overwrite` is set and it holds a synthvis
/// dataset, whose entries ([`DATASET_ENTRIES`]) are then removed — nothing else is.
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
    if !manifest::is_synthvis_manifest(&dir.join("manifest.json")) {
        return Err(OutputError::NotADataset {
            dir: dir.to_owned(),
        });
    }
    for entry in DATASET_ENTRIES {
        let path = dir.join(entry);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(io(&path, "cannot remove"))?;
        } else if path.exists() {
            std::fs::remove_file(&path).map_err(io(&path, "cannot remove"))?;
        }
    }
    Ok(())
}

/// Creates the per-frame folders the outputs need.
pub fn create_layout(dir: &Path, o: &crate::spec::OutputsSpec) -> Result<(), OutputError> {
    let wanted = [
        (true, "labels"),
        (o.rgb, "rgb"),
        (o.depth || o.depth_exr, "depth"),
        (o.instance, "instance"),
        (o.class, "class"),
    ];
    for f in wanted.iter().filter(|w| w.0).map(|w| w.1) {
        let path = dir.join(f);
        std::fs::create_dir_all(&path).map_err(io(&path, "cannot create directory"))?;
    }
    Ok(())
}

//! Where a run's frames go, by format: a file per frame and modality in the folder
//! layout, or the frames of a block appended to its tar ([`super::webdataset`]).

use std::path::Path;

use super::layout::Format;
use super::webdataset::TarStore;
use super::{Durability, OutputError, write_files};

/// The destination of a run's encoded frames.
pub enum FrameStore<'a> {
    /// A file per frame and modality, each renamed into place whole.
    Folders {
        /// The dataset folder.
        dir: &'a Path,
        /// How far each write goes before it counts as done.
        durability: Durability,
    },
    /// Tars of blocks of frames.
    Tars(TarStore),
}

impl<'a> FrameStore<'a> {
    /// The store for `format` in `dir` (its layout created).
    pub fn new(dir: &'a Path, format: Format, durability: Durability) -> Result<Self, OutputError> {
        Ok(match format {
            Format::Folders => Self::Folders { dir, durability },
            Format::Webdataset { frames_per_tar } => {
                Self::Tars(TarStore::new(dir, frames_per_tar, durability)?)
            }
        })
    }

    /// Stores frame `frame`'s files (folder-layout paths, the labels file last). Frames
    /// come in increasing order.
    pub fn put(&mut self, frame: u64, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
        match self {
            Self::Folders { dir, durability } => write_files(dir, files, *durability),
            Self::Tars(tars) => tars.put(frame, files),
        }
    }

    /// Finishes what is stored: the last tar is closed and renamed into place. A run
    /// that stops early does not call it, so a block it did not finish leaves only a
    /// temporary file, which `--resume` removes and renders again.
    pub fn finish(&mut self) -> Result<(), OutputError> {
        match self {
            Self::Folders { .. } => Ok(()),
            Self::Tars(tars) => tars.close(),
        }
    }
}

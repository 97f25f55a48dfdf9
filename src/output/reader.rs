//! A dataset's frames read back in order, whatever its format: each frame checked
//! against the checksums its labels file records (for `verify`, `--resume` and `merge`),
//! and its labels file (for assembling `annotations.json`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::layout::{Format, Modality};
use super::webdataset::{TarFrame, read_tar, tar_path};
use crate::hash::sha256_hex;

/// What a check found for one frame.
#[derive(Debug, Default)]
pub struct FrameCheck {
    /// SHA-256 of the labels file, when it could be read.
    pub labels_sha256: Option<String>,
    /// Images whose checksum matched.
    pub images_ok: u64,
    /// The labels file's bytes, when it could be read.
    pub labels: Option<Vec<u8>>,
    /// In the folder layout, every file of the frame with its bytes (images first, the
    /// labels file last) when all of them are intact; empty for tars, which are copied
    /// whole.
    pub files: Vec<(String, Vec<u8>)>,
    /// One line per problem, naming the file.
    pub problems: Vec<String>,
}

impl FrameCheck {
    /// Whether the labels file and every image it lists are present and match.
    pub fn intact(&self) -> bool {
        self.labels_sha256.is_some() && self.problems.is_empty()
    }

    fn problem(message: String) -> Self {
        Self {
            problems: vec![message],
            ..Self::default()
        }
    }
}

#[derive(Deserialize)]
struct LabelsFiles {
    files: std::collections::BTreeMap<String, String>,
}

/// Checks a frame from its labels bytes: `sha_of(rel)` gives an image's checksum and,
/// where they are kept, its bytes (or why it has none); `name_of(rel)` names the image
/// in messages.
fn check_labels(
    labels_name: &str,
    labels: Vec<u8>,
    mut sha_of: impl FnMut(&str) -> Result<(String, Option<Vec<u8>>), String>,
    name_of: impl Fn(&str) -> String,
) -> FrameCheck {
    let mut c = FrameCheck {
        labels_sha256: Some(sha256_hex(&labels)),
        ..FrameCheck::default()
    };
    let listed: LabelsFiles = match serde_json::from_slice(&labels) {
        Ok(l) => l,
        Err(e) => {
            c.problems
                .push(format!("{labels_name}: corrupt labels file: {e}"));
            return c;
        }
    };
    for (rel, expected) in listed.files {
        match sha_of(&rel) {
            Ok((sha, bytes)) if sha == expected => {
                c.images_ok += 1;
                if let Some(b) = bytes {
                    c.files.push((rel, b));
                }
            }
            Ok(_) => c.problems.push(format!(
                "{}: checksum mismatch (corrupt or modified)",
                name_of(&rel)
            )),
            Err(e) => c.problems.push(e),
        }
    }
    c.labels = Some(labels);
    c
}

/// Reads frame `frame` of a folder-layout dataset in `dir` and checks every image its
/// labels file lists against the checksum recorded there.
pub fn check_frame(dir: &Path, frame: u64) -> FrameCheck {
    let labels_rel = Modality::Labels.path(frame);
    let labels_path = dir.join(&labels_rel);
    let labels = match std::fs::read(&labels_path) {
        Ok(b) => b,
        Err(e) => return FrameCheck::problem(format!("{}: {e}", labels_path.display())),
    };
    let mut c = check_labels(
        &labels_path.display().to_string(),
        labels,
        |rel| {
            let path = dir.join(rel);
            match std::fs::read(&path) {
                Ok(b) => Ok((sha256_hex(&b), Some(b))),
                Err(e) => Err(format!("{}: {e}", path.display())),
            }
        },
        |rel| dir.join(rel).display().to_string(),
    );
    if c.problems.is_empty() {
        if let Some(labels) = &c.labels {
            c.files.push((labels_rel, labels.clone()));
        }
    } else {
        c.files.clear();
    }
    c
}

/// Reads a dataset's frames in order.
pub struct DatasetReader {
    dir: PathBuf,
    format: Format,
    /// The tar being read: its block and its frames not yet asked for (or why it could
    /// not be read).
    tar: Option<(u64, Result<VecDeque<TarFrame>, String>)>,
}

impl DatasetReader {
    /// A reader of the dataset in `dir`, stored in `format`.
    pub fn new(dir: &Path, format: Format) -> Self {
        Self {
            dir: dir.to_owned(),
            format,
            tar: None,
        }
    }

    /// Checks frame `frame`. Frames must be asked for in increasing order.
    pub fn check(&mut self, frame: u64) -> FrameCheck {
        let per_tar = match self.format {
            Format::Folders => return check_frame(&self.dir, frame),
            Format::Webdataset { frames_per_tar } => frames_per_tar.max(1),
        };
        let block = frame / per_tar;
        if self.tar.as_ref().is_none_or(|(b, _)| *b != block) {
            let frames = read_tar(&self.dir.join(tar_path(block))).map(VecDeque::from);
            self.tar = Some((block, frames));
        }
        let tar_name = self.dir.join(tar_path(block)).display().to_string();
        let frames = match self.tar.as_mut() {
            Some((_, Ok(frames))) => frames,
            Some((_, Err(e))) => return FrameCheck::problem(e.clone()),
            None => return FrameCheck::problem(format!("{tar_name}: not read")),
        };
        while frames.front().is_some_and(|f| f.frame < frame) {
            frames.pop_front();
        }
        let Some(found) = frames.front().filter(|f| f.frame == frame) else {
            return FrameCheck::problem(format!("{tar_name}: frame {frame} is missing"));
        };
        let Some(labels) = found.labels.clone() else {
            return FrameCheck::problem(format!("{tar_name}: frame {frame} has no labels member"));
        };
        let members = found.members.clone();
        check_labels(
            &format!("{tar_name}: labels of frame {frame}"),
            labels,
            |rel| {
                members
                    .iter()
                    .find(|(name, _)| name == rel)
                    .map(|(_, sha)| (sha.clone(), None))
                    .ok_or_else(|| format!("{tar_name}: {rel} of frame {frame} is missing"))
            },
            |rel| format!("{tar_name}: {rel}"),
        )
    }

    /// The labels file of frame `frame` (frames in increasing order).
    pub fn labels(&mut self, frame: u64) -> Result<Vec<u8>, String> {
        if self.format == Format::Folders {
            let path = self.dir.join(Modality::Labels.path(frame));
            return std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()));
        }
        let check = self.check(frame);
        check.labels.ok_or_else(|| check.problems.join("; "))
    }
}

//! A dataset read back, whatever its format: its frames in order, each checked against
//! the checksums its labels file records (for `verify`, `--resume` and `merge`); single
//! files by their folder-layout path ([`DatasetFiles`]: labels for assembling
//! `annotations.json`, every image for `diff` and its reports); or a finished dataset
//! with its manifest ([`FinishedDataset`]: what `export`, `stats` and `preview` read).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::labels::InstanceLabel;

use super::layout::MANIFEST_FILE;
use super::layout::{Format, Modality};
use super::manifest::Manifest;
use super::webdataset::{self, TarFrame, TarIndex, index_tar, read_tar, tar_path};
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
fn check_frame(dir: &Path, frame: u64) -> FrameCheck {
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
}

/// A dataset's files by their folder-layout path (`rgb/000012.png`), read from the folder
/// or from the frame's tar.
pub struct DatasetFiles {
    dir: PathBuf,
    format: Format,
    /// The index of the tar read last.
    tar: Option<(u64, Result<TarIndex, String>)>,
}

impl DatasetFiles {
    /// The files of the dataset in `dir`, stored in `format`.
    pub fn new(dir: &Path, format: Format) -> Self {
        Self {
            dir: dir.to_owned(),
            format,
            tar: None,
        }
    }

    /// The files of the dataset in `dir`, in the format its manifest records (the folder
    /// layout when it has none, as a golden set).
    pub fn open(dir: &Path) -> Self {
        let format = if dir.join(MANIFEST_FILE).is_file() {
            Manifest::read(dir).map_or(Format::Folders, |m| m.format)
        } else {
            Format::Folders
        };
        Self::new(dir, format)
    }

    /// Where `rel` is, for messages: its path, or its tar and member.
    pub fn name(&self, rel: &str) -> String {
        match self.block_of(rel) {
            Some(block) => format!("{}: {rel}", self.dir.join(tar_path(block)).display()),
            None => self.dir.join(rel).display().to_string(),
        }
    }

    /// The tar block of `rel` in webdataset (none in the folder layout).
    fn block_of(&self, rel: &str) -> Option<u64> {
        let Format::Webdataset { frames_per_tar } = self.format else {
            return None;
        };
        let stem = rel.rsplit('/').next()?.split('.').next()?;
        Some(stem.parse::<u64>().ok()? / frames_per_tar.max(1))
    }

    fn index(&mut self, block: u64) -> Result<&TarIndex, String> {
        if self.tar.as_ref().is_none_or(|(b, _)| *b != block) {
            let index = index_tar(&self.dir.join(tar_path(block)));
            self.tar = Some((block, index));
        }
        match &self.tar {
            Some((_, Ok(index))) => Ok(index),
            Some((_, Err(e))) => Err(e.clone()),
            None => Err(format!("tar {block} not read")),
        }
    }

    /// Whether the dataset has `rel`.
    pub fn exists(&mut self, rel: &str) -> bool {
        match self.block_of(rel) {
            None => self.dir.join(rel).is_file(),
            Some(block) => self.index(block).is_ok_and(|i| i.contains_key(rel)),
        }
    }

    /// The bytes of `rel`; the error says what is wrong (the caller names the file).
    pub fn read(&mut self, rel: &str) -> Result<Vec<u8>, String> {
        let Some(block) = self.block_of(rel) else {
            return std::fs::read(self.dir.join(rel)).map_err(|e| e.to_string());
        };
        let (at, len) = *self
            .index(block)?
            .get(rel)
            .ok_or("not in the tar (missing)")?;
        let tar = self.dir.join(tar_path(block));
        let read = || -> std::io::Result<Vec<u8>> {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = std::fs::File::open(&tar)?;
            file.seek(SeekFrom::Start(at))?;
            let mut bytes = vec![0; usize::try_from(len).unwrap_or(usize::MAX)];
            file.read_exact(&mut bytes)?;
            Ok(bytes)
        };
        read().map_err(|e| e.to_string())
    }

    /// The frames the dataset holds (those with a labels file), in order.
    pub fn frames(&mut self) -> Vec<u64> {
        let labels = Modality::Labels.kind().folder;
        let frame_of = |rel: &str| -> Option<u64> {
            let rest = rel.strip_prefix(labels)?.strip_prefix('/')?;
            rest.strip_suffix(".json")?.parse().ok()
        };
        let mut frames: Vec<u64> = match self.format {
            Format::Folders => std::fs::read_dir(self.dir.join(labels))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| frame_of(&format!("{labels}/{}", e.file_name().to_str()?)))
                .collect(),
            Format::Webdataset { .. } => {
                let tars = std::fs::read_dir(self.dir.join(webdataset::FOLDER))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|e| e.file_name().to_str()?.strip_suffix(".tar")?.parse().ok())
                    .collect::<Vec<u64>>();
                let mut frames = Vec::new();
                for block in tars {
                    if let Ok(index) = self.index(block) {
                        frames.extend(index.keys().filter_map(|rel| frame_of(rel)));
                    }
                }
                frames
            }
        };
        frames.sort_unstable();
        frames
    }
}

/// Why a finished dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The folder holds no complete synthvis dataset.
    #[error("{dir}: {message}")]
    NotReadable {
        /// The dataset folder.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file of the dataset could not be read.
    #[error("{file}: {message}")]
    File {
        /// The file (or tar and member).
        file: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct FrameLabels {
    instances: Vec<InstanceLabel>,
}

/// A complete dataset opened for reading, whatever its format: its manifest, its
/// categories, each frame's labels and files (what `export`, `stats` and `preview` read).
pub struct FinishedDataset {
    /// Its folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Category names in id order (id 1 first).
    pub categories: Vec<String>,
    files: DatasetFiles,
}

impl FinishedDataset {
    /// Opens `dir`: a complete synthvis dataset, in either storage format.
    pub fn open(dir: &Path) -> Result<Self, ReadError> {
        let refuse = |message: String| ReadError::NotReadable {
            dir: dir.to_owned(),
            message,
        };
        let manifest = Manifest::read(dir).map_err(refuse)?;
        if !manifest.complete {
            return Err(refuse(
                "the dataset is not complete (its manifest says so): finish it with `synthvis render --resume` first".into(),
            ));
        }
        let categories = manifest.spec["categories"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            dir: dir.to_owned(),
            files: DatasetFiles::new(dir, manifest.format),
            categories,
            manifest,
        })
    }

    /// The dataset's frames, in order.
    pub fn frames(&self) -> std::ops::Range<u64> {
        self.manifest.frames[0]..self.manifest.frames[1]
    }

    /// Image `[width, height]`.
    pub fn resolution(&self) -> [u32; 2] {
        self.manifest.resolution
    }

    /// Whether frames lie in files of their own (folder layout) rather than in tars.
    pub fn is_folders(&self) -> bool {
        self.manifest.format == Format::Folders
    }

    /// Frame `frame`'s labeled instances, as the label stage wrote them.
    pub fn instances(&mut self, frame: u64) -> Result<Vec<InstanceLabel>, ReadError> {
        self.labels::<FrameLabels>(frame).map(|l| l.instances)
    }

    /// Frame `frame`'s labels file read as `T` (any part of the file).
    pub fn labels<T: serde::de::DeserializeOwned>(&mut self, frame: u64) -> Result<T, ReadError> {
        let rel = Modality::Labels.path(frame);
        let bytes = self.read(&rel)?;
        serde_json::from_slice(&bytes).map_err(|e| ReadError::File {
            file: self.files.name(&rel),
            message: format!("not a synthvis labels file: {e}"),
        })
    }

    /// The COCO header of the dataset's `annotations.json`: its categories (with their
    /// supercategories) and whether annotations carry keypoints, from the manifest's spec.
    pub fn coco_categories(&self) -> Result<(Vec<crate::spec::CategorySpec>, bool), ReadError> {
        let spec = &self.manifest.spec;
        let categories = serde_json::from_value(spec["categories"].clone()).map_err(|e| {
            ReadError::NotReadable {
                dir: self.dir.clone(),
                message: format!("manifest.json: spec categories: {e}"),
            }
        })?;
        Ok((categories, spec["labels"]["keypoints"] == true))
    }

    /// The dataset's files, for readers of their own ([`super::coco::write_coco_file`]).
    pub fn files(&mut self) -> &mut DatasetFiles {
        &mut self.files
    }

    /// The bytes of the file at folder-layout path `rel`.
    pub fn read(&mut self, rel: &str) -> Result<Vec<u8>, ReadError> {
        self.files.read(rel).map_err(|message| ReadError::File {
            file: self.files.name(rel),
            message,
        })
    }
}

//! `synthvis verify DIR`: checks a dataset against its manifest — completeness, every
//! frame's files against the checksums in its labels file, and the frames digest.

use std::path::Path;

use serde::Deserialize;

use super::digest::FramesDigest;
use super::layout::{COCO_FILE, MANIFEST_FILE, Modality};
use super::manifest::{Manifest, TOOL};
use crate::hash::sha256_hex;

/// What `verify` found wrong; empty means the dataset is complete and intact.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Frames checked.
    pub frames_checked: u64,
    /// Files whose checksum matched.
    pub files_ok: u64,
    /// One line per problem, naming the file.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// True when nothing is missing or corrupt.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok` when intact, else [`crate::Error::DatasetInvalid`] for `dir`.
    pub fn into_result(self, dir: &Path) -> Result<Self, crate::Error> {
        if self.ok() {
            Ok(self)
        } else {
            Err(crate::Error::DatasetInvalid {
                dir: dir.to_owned(),
                problems: self.problems.len(),
            })
        }
    }
}

#[derive(Deserialize)]
struct LabelsFiles {
    files: std::collections::BTreeMap<String, String>,
}

/// What [`check_frame`] found for one frame.
#[derive(Debug, Default)]
pub struct FrameCheck {
    /// SHA-256 of the labels file, when it could be read.
    pub labels_sha256: Option<String>,
    /// Images whose checksum matched.
    pub images_ok: u64,
    /// Every file of the frame with its bytes, images first and the labels file last
    /// (relative paths), when all of them are intact.
    pub files: Vec<(String, Vec<u8>)>,
    /// One line per problem, naming the file.
    pub problems: Vec<String>,
}

impl FrameCheck {
    /// Whether the labels file and every image it lists are present and match.
    pub fn intact(&self) -> bool {
        self.labels_sha256.is_some() && self.problems.is_empty()
    }
}

/// Reads frame `frame` of the dataset in `dir` and checks every image its labels file
/// lists against the checksum recorded there.
pub fn check_frame(dir: &Path, frame: u64) -> FrameCheck {
    let mut c = FrameCheck::default();
    let labels_rel = Modality::Labels.path(frame);
    let labels_path = dir.join(&labels_rel);
    let bytes = match std::fs::read(&labels_path) {
        Ok(b) => b,
        Err(e) => {
            c.problems.push(format!("{}: {e}", labels_path.display()));
            return c;
        }
    };
    c.labels_sha256 = Some(sha256_hex(&bytes));
    let labels: LabelsFiles = match serde_json::from_slice(&bytes) {
        Ok(l) => l,
        Err(e) => {
            c.problems.push(format!(
                "{}: corrupt labels file: {e}",
                labels_path.display()
            ));
            return c;
        }
    };
    for (rel, expected) in labels.files {
        let path = dir.join(&rel);
        match std::fs::read(&path) {
            Ok(b) if sha256_hex(&b) == expected => {
                c.images_ok += 1;
                c.files.push((rel, b));
            }
            Ok(_) => c.problems.push(format!(
                "{}: checksum mismatch (corrupt or modified)",
                path.display()
            )),
            Err(e) => c.problems.push(format!("{}: {e}", path.display())),
        }
    }
    if c.problems.is_empty() {
        c.files.push((labels_rel, bytes));
    } else {
        c.files.clear();
    }
    c
}

/// Verifies the dataset in `dir`.
pub fn verify(dir: &Path) -> VerifyReport {
    let mut r = VerifyReport::default();
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest: Manifest = match std::fs::read(&manifest_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(e) => {
            r.problems.push(format!(
                "{}: not a readable synthvis manifest: {e}",
                manifest_path.display()
            ));
            return r;
        }
    };
    if manifest.tool != TOOL {
        r.problems.push(format!(
            "{}: written by `{}`, not synthvis",
            manifest_path.display(),
            manifest.tool
        ));
        return r;
    }
    if !manifest.complete {
        r.problems.push(format!(
            "{}: complete is false: the run that wrote this dataset did not finish",
            manifest_path.display()
        ));
    }
    if !dir.join(COCO_FILE).is_file() {
        r.problems
            .push(format!("{}: missing", dir.join(COCO_FILE).display()));
    }
    let mut digest = FramesDigest::new();
    for f in manifest.frames[0]..manifest.frames[1] {
        r.frames_checked += 1;
        let check = check_frame(dir, f);
        if let Some(sha) = &check.labels_sha256 {
            digest.add(f, sha);
        }
        r.files_ok += check.images_ok;
        r.problems.extend(check.problems);
    }
    let digest = digest.finish();
    if manifest.complete && digest != manifest.frames_digest {
        r.problems.push(format!(
            "{}: frames_digest does not match the labels files (a labels file was changed)",
            manifest_path.display()
        ));
    }
    r
}

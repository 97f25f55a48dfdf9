//! `synthvis verify DIR`: checks a dataset against its manifest — completeness, every
//! frame's files against the checksums in its labels file, and the frames digest.

use std::path::Path;

use super::digest::FramesDigest;
use super::layout::{COCO_FILE, MANIFEST_FILE};
use super::manifest::{Manifest, TOOL};
use super::reader::DatasetReader;

/// `verify` found the dataset incomplete or corrupt (each problem is in its report).
#[derive(Debug, thiserror::Error)]
#[error("{dir}: {problems} problem(s); the dataset is incomplete or corrupt")]
pub struct DatasetInvalid {
    /// The dataset directory.
    pub dir: std::path::PathBuf,
    /// How many problems were found.
    pub problems: usize,
}

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

    /// `Ok` when intact, else [`DatasetInvalid`] for `dir`.
    pub fn into_result(self, dir: &Path) -> Result<Self, DatasetInvalid> {
        if self.ok() {
            Ok(self)
        } else {
            Err(DatasetInvalid {
                dir: dir.to_owned(),
                problems: self.problems.len(),
            })
        }
    }
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
    let mut reader = DatasetReader::new(dir, manifest.format);
    for f in manifest.frames[0]..manifest.frames[1] {
        r.frames_checked += 1;
        let check = reader.check(f);
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

//! The webdataset format: a dataset's frames in tar files by blocks of frames, for
//! datasets of millions of frames (one file per block instead of five per frame).
//!
//! `webdataset/TTTTTT.tar` holds frames `[t·F, (t+1)·F)` of the run's numbering (less any
//! the run does not render), in order. A frame's files are members named
//! `NNNNNN.<folder>.<ext>` (`000012.rgb.png`, `000012.depth.exr`, `000012.labels.json`,
//! labels last), so the `webdataset` Python library groups them under the key `NNNNNN`;
//! each member holds exactly the bytes the folder layout's file holds. Headers are fixed
//! (mode 0644, uid and gid 0, mtime 0, no user or group names): the same frames give the
//! same tar, byte for byte. A tar is written under a temporary name and renamed when its
//! block is complete, so a tar that exists is whole.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::atomic::{AtomicFile, Durability};
use super::layout::frame_stem;
use super::{Modality, OutputError};

/// The folder of a webdataset dataset's tars.
pub const FOLDER: &str = super::layout::WEBDATASET_FOLDER;

/// The tar of block `t`, relative to the dataset.
pub fn tar_path(block: u64) -> String {
    format!("{FOLDER}/{}.tar", frame_stem(block))
}

/// The member name of a frame file given by its folder-layout path (`rgb/000012.png` →
/// `000012.rgb.png`).
pub fn member_name(rel: &str) -> String {
    let (folder, file) = rel.split_once('/').unwrap_or(("", rel));
    match file.split_once('.') {
        Some((stem, ext)) => format!("{stem}.{folder}.{ext}"),
        None => format!("{file}.{folder}"),
    }
}

/// The folder-layout path of a member (`000012.rgb.png` → `rgb/000012.png`) and its
/// frame.
pub fn folder_path(member: &str) -> Option<(u64, String)> {
    let mut parts = member.splitn(3, '.');
    let (stem, folder, ext) = (parts.next()?, parts.next()?, parts.next()?);
    let frame = stem.parse().ok()?;
    Some((frame, format!("{folder}/{stem}.{ext}")))
}

/// The blocks a frame range touches, each with its part of the range.
pub fn blocks(frames: &Range<u64>, per_tar: u64) -> Vec<(u64, Range<u64>)> {
    let per_tar = per_tar.max(1);
    let mut out = Vec::new();
    let mut f = frames.start;
    while f < frames.end {
        let t = f / per_tar;
        let end = ((t + 1) * per_tar).min(frames.end);
        out.push((t, f..end));
        f = end;
    }
    out
}

/// Writes frames into tars, block by block, in frame order.
pub struct TarStore {
    dir: PathBuf,
    per_tar: u64,
    durability: Durability,
    open: Option<(u64, tar::Builder<AtomicFile>)>,
}

impl TarStore {
    /// Tars of `per_tar` frames in `dir`'s webdataset folder (created).
    pub fn new(dir: &Path, per_tar: u64, durability: Durability) -> Result<Self, OutputError> {
        let folder = dir.join(FOLDER);
        std::fs::create_dir_all(&folder).map_err(|source| OutputError::Io {
            path: folder.clone(),
            action: "cannot create directory",
            source,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            per_tar: per_tar.max(1),
            durability,
            open: None,
        })
    }

    /// Appends a frame's files (folder-layout paths, labels last). Frames must come in
    /// order; a frame of a new block closes the previous block's tar.
    pub fn put(&mut self, frame: u64, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
        let block = frame / self.per_tar;
        if self.open.as_ref().is_some_and(|(b, _)| *b != block) {
            self.close()?;
        }
        if self.open.is_none() {
            let file = AtomicFile::create(&self.dir.join(tar_path(block)), self.durability)?;
            self.open = Some((block, tar::Builder::new(file)));
        }
        let Some((block, builder)) = self.open.as_mut() else {
            return Ok(());
        };
        let target = self.dir.join(tar_path(*block));
        for (rel, bytes) in files {
            let mut header = tar::Header::new_ustar();
            header
                .set_path(member_name(rel))
                .map_err(|e| io(&target, e))?;
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_cksum();
            builder
                .append(&header, bytes.as_slice())
                .map_err(|e| io(&target, e))?;
        }
        Ok(())
    }

    /// Finishes the open tar and renames it into place.
    pub fn close(&mut self) -> Result<(), OutputError> {
        if let Some((block, builder)) = self.open.take() {
            let target = self.dir.join(tar_path(block));
            let file = builder.into_inner().map_err(|e| io(&target, e))?;
            file.commit()?;
        }
        Ok(())
    }
}

fn io(path: &Path, source: std::io::Error) -> OutputError {
    OutputError::Io {
        path: path.to_owned(),
        action: "cannot write",
        source,
    }
}

/// A frame read back from a tar: each member's checksum, and the labels file's bytes.
/// Images are hashed as they stream past and not kept: reading a tar holds its labels
/// files (tens of KiB a frame), not its images.
pub struct TarFrame {
    /// The frame.
    pub frame: u64,
    /// Each member as (folder-layout path, SHA-256), in tar order.
    pub members: Vec<(String, String)>,
    /// The labels file's bytes, when the frame has one.
    pub labels: Option<Vec<u8>>,
}

/// Reads every frame of a tar, grouping consecutive members by frame.
pub fn read_tar(path: &Path) -> Result<Vec<TarFrame>, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(file);
    let entries = archive
        .entries()
        .map_err(|e| format!("{}: not a readable tar: {e}", path.display()))?;
    let mut frames: Vec<TarFrame> = Vec::new();
    let damaged = |e: std::io::Error| format!("{}: damaged tar: {e}", path.display());
    for entry in entries {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        let (frame, rel) = folder_path(&name).ok_or_else(|| {
            format!(
                "{}: member `{name}` is not NNNNNN.<folder>.<ext>",
                path.display()
            )
        })?;
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(damaged)?;
        let sha = crate::hash::sha256_hex(&bytes);
        let is_labels = rel.starts_with(Modality::Labels.kind().folder);
        if frames.last().is_none_or(|last| last.frame != frame) {
            frames.push(TarFrame {
                frame,
                members: Vec::new(),
                labels: None,
            });
        }
        if let Some(last) = frames.last_mut() {
            last.members.push((rel, sha));
            if is_labels {
                last.labels = Some(bytes);
            }
        }
    }
    Ok(frames)
}

/// Where each member's bytes lie in a tar: folder-layout path → (offset, length).
pub type TarIndex = std::collections::BTreeMap<String, (u64, u64)>;

/// Indexes a tar's members without reading their bytes (for reading single files back).
pub fn index_tar(path: &Path) -> Result<TarIndex, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(file);
    let damaged = |e: std::io::Error| format!("{}: damaged tar: {e}", path.display());
    let mut index = TarIndex::new();
    for entry in archive.entries_with_seek().map_err(damaged)? {
        let entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        if let Some((_, rel)) = folder_path(&name) {
            index.insert(rel, (entry.raw_file_position(), entry.size()));
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_both_ways() {
        assert_eq!(member_name("rgb/000012.png"), "000012.rgb.png");
        assert_eq!(member_name("depth/000012.exr"), "000012.depth.exr");
        assert_eq!(member_name("labels/1234567.json"), "1234567.labels.json");
        assert_eq!(
            folder_path("000012.rgb.png"),
            Some((12, "rgb/000012.png".into()))
        );
        assert_eq!(folder_path("junk"), None);
    }

    #[test]
    fn blocks_follow_the_run_numbering() {
        assert_eq!(blocks(&(5..27), 10), [(0, 5..10), (1, 10..20), (2, 20..27)]);
        assert_eq!(blocks(&(0..10), 10), [(0, 0..10)]);
        assert!(blocks(&(4..4), 10).is_empty());
    }

    #[test]
    fn a_tar_reads_back_and_is_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let write = |d: &Path| {
            let mut store = TarStore::new(d, 2, Durability::Renamed).unwrap();
            for f in 0..3u64 {
                let files = vec![
                    (Modality::Rgb.path(f), vec![f as u8; 5]),
                    (Modality::Labels.path(f), b"{}".to_vec()),
                ];
                store.put(f, &files).unwrap();
            }
            store.close().unwrap();
        };
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        write(&a);
        write(&b);
        for t in 0..2 {
            let (x, y) = (a.join(tar_path(t)), b.join(tar_path(t)));
            assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());
        }
        let frames = read_tar(&a.join(tar_path(0))).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].frame, 1);
        let sha = crate::hash::sha256_hex(&[1u8; 5]);
        assert_eq!(frames[1].members[0], ("rgb/000001.png".into(), sha));
        assert_eq!(frames[1].labels.as_deref(), Some(&b"{}"[..]));
        assert_eq!(read_tar(&a.join(tar_path(1))).unwrap()[0].frame, 2);
        let tar = a.join(tar_path(0));
        let index = index_tar(&tar).unwrap();
        let (at, len) = index["rgb/000001.png"];
        let bytes = std::fs::read(&tar).unwrap();
        assert_eq!(&bytes[at as usize..(at + len) as usize], &[1u8; 5]);
        assert_eq!(index.len(), 4);
    }
}

//! `synthvis export yolo`: Ultralytics' dataset layout.
//!
//! ```text
//! DIR/data.yaml                 path, train, val, names (class index: category id - 1)
//! DIR/images/{train,val}/NNNNNN.png
//! DIR/labels/{train,val}/NNNNNN.txt   one line an annotated object (crowds left out):
//!     detect:  class x_centre y_centre width height
//!     segment: class x1 y1 x2 y2 ...  (one polygon, parts joined)
//!     coordinates normalized by the image size, pixel edges at 0 and 1
//! DIR/synthvis-export.json      what made it
//! ```
//!
//! A frame goes to `val` when its draw from the `export.split` stream of
//! `(seed, frame)` falls below the fraction: the split of a frame depends on nothing
//! else, so a longer dataset keeps every earlier frame's side.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::polygon::mask_polygon;
use super::{EXPORT_MARKER, ExportError, begin, io};
use crate::labels::{CocoStatus, InstanceLabel, Rle};
use crate::output::reader::FinishedDataset;
use crate::output::{Modality, frame_stem};
use crate::rng::FrameRng;

/// What each label line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YoloTask {
    /// Boxes.
    Detect,
    /// Polygons.
    Segment,
}

/// How images reach the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageMode {
    /// Copied.
    Copy,
    /// Symbolic links to the dataset's files (folder layout only; absolute paths).
    Symlink,
}

/// The options of a YOLO export.
#[derive(Debug, Clone, serde::Serialize)]
pub struct YoloOptions {
    /// Boxes or polygons.
    pub task: YoloTask,
    /// Share of frames in `val`, in [0, 1].
    pub val_fraction: f64,
    /// Seed of the split.
    pub seed: u64,
    /// Copy or link the images.
    pub images: ImageMode,
    /// Replace an earlier export in the output folder.
    #[serde(skip)]
    pub overwrite: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YoloSummary {
    /// Frames in `train` and in `val`.
    pub images: [u64; 2],
    /// Label lines written.
    pub objects: u64,
    /// Crowd annotations left out (YOLO has none).
    pub crowds_skipped: u64,
}

/// Exports the dataset in `dataset` to `out`.
pub fn export_yolo(
    dataset: &Path,
    out: &Path,
    opts: &YoloOptions,
) -> Result<YoloSummary, ExportError> {
    if !(0.0..=1.0).contains(&opts.val_fraction) {
        return Err(ExportError::Dataset {
            dir: out.to_owned(),
            message: format!(
                "--val-fraction must lie in [0, 1], found {}",
                opts.val_fraction
            ),
        });
    }
    let mut source = FinishedDataset::open(dataset)?;
    if opts.images == ImageMode::Symlink && !source.is_folders() {
        return Err(ExportError::Dataset {
            dir: dataset.to_owned(),
            message: "its frames are in tars: --images symlink needs the folder layout; use --images copy".into(),
        });
    }
    let staging = begin(out, opts.overwrite)?;
    for split in ["train", "val"] {
        for kind in ["images", "labels"] {
            let d = staging.join(kind).join(split);
            std::fs::create_dir_all(&d).map_err(io(&d, "cannot create"))?;
        }
    }
    let mut summary = YoloSummary::default();
    let dataset_abs = std::path::absolute(dataset).map_err(io(dataset, "cannot resolve"))?;
    for frame in source.frames() {
        let val = FrameRng::new(opts.seed, frame)
            .stream("export.split")
            .unit()
            < opts.val_fraction;
        let split = if val { "val" } else { "train" };
        summary.images[usize::from(val)] += 1;
        let mut text = String::new();
        for inst in source.instances(frame)? {
            match inst.coco {
                CocoStatus::Annotated => {}
                CocoStatus::Crowd => {
                    summary.crowds_skipped += 1;
                    continue;
                }
                CocoStatus::BelowThreshold | CocoStatus::NotVisible => continue,
            }
            if let Some(line) = label_line(&inst, source.resolution(), opts.task) {
                text.push_str(&line);
                text.push('\n');
                summary.objects += 1;
            }
        }
        let stem = frame_stem(frame);
        let label_path = staging
            .join("labels")
            .join(split)
            .join(format!("{stem}.txt"));
        std::fs::write(&label_path, text).map_err(io(&label_path, "cannot write"))?;
        let rgb = Modality::Rgb.path(frame);
        let image_path = staging
            .join("images")
            .join(split)
            .join(format!("{stem}.png"));
        match opts.images {
            ImageMode::Copy => {
                let bytes = source.read(&rgb)?;
                std::fs::write(&image_path, bytes).map_err(io(&image_path, "cannot write"))?;
            }
            ImageMode::Symlink => symlink(&dataset_abs.join(&rgb), &image_path)?,
        }
    }
    write_data_yaml(&staging, out, &source.categories)?;
    let marker = serde_json::json!({
        "tool": "synthvis",
        "version": crate::VERSION,
        "export": "yolo",
        "dataset": dataset_abs,
        "options": opts,
        "images": { "train": summary.images[0], "val": summary.images[1] },
        "objects": summary.objects,
        "crowds_skipped": summary.crowds_skipped,
    });
    let marker_path = staging.join(EXPORT_MARKER);
    std::fs::write(&marker_path, format!("{marker:#}\n"))
        .map_err(io(&marker_path, "cannot write"))?;
    staging.finish(out)?;
    Ok(summary)
}

/// One object's label line, none when it has no box (or, for polygons, no mask).
fn label_line(inst: &InstanceLabel, [w, h]: [u32; 2], task: YoloTask) -> Option<String> {
    let class = inst.category_id.checked_sub(1)?;
    let (fw, fh) = (f64::from(w), f64::from(h));
    let mut line = format!("{class}");
    match task {
        YoloTask::Detect => {
            let [x, y, bw, bh] = inst.bbox?.map(f64::from);
            let _ = write!(
                line,
                " {:.6} {:.6} {:.6} {:.6}",
                (x + bw / 2.0) / fw,
                (y + bh / 2.0) / fh,
                bw / fw,
                bh / fh
            );
        }
        YoloTask::Segment => {
            let seg = inst.segmentation.as_ref()?;
            let mask = Rle::from_compressed(&seg.counts, w, h).ok()?.to_mask();
            let polygon = mask_polygon(&mask, w);
            if polygon.len() < 3 {
                return None;
            }
            for [x, y] in polygon {
                let _ = write!(line, " {:.6} {:.6}", x / fw, y / fh);
            }
        }
    }
    Some(line)
}

/// `data.yaml`: the dataset root (where the export will be), the splits and the class
/// names (category names in id order; class `i` is category id `i + 1`).
fn write_data_yaml(staging: &Path, out: &Path, categories: &[String]) -> Result<(), ExportError> {
    let root: PathBuf = std::path::absolute(out).map_err(io(out, "cannot resolve"))?;
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut yaml = format!(
        "# Written by synthvis export yolo.\npath: {}\ntrain: images/train\nval: images/val\nnames:\n",
        quote(&root.to_string_lossy())
    );
    for (i, name) in categories.iter().enumerate() {
        let _ = writeln!(yaml, "  {i}: {}", quote(name));
    }
    let path = staging.join("data.yaml");
    std::fs::write(&path, yaml).map_err(io(&path, "cannot write"))
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<(), ExportError> {
    std::os::unix::fs::symlink(target, link).map_err(io(link, "cannot link"))
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> Result<(), ExportError> {
    std::fs::copy(target, link)
        .map(|_| ())
        .map_err(io(link, "cannot copy (no symbolic links here)"))
}

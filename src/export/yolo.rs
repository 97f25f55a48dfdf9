//! `synthvis export yolo`: Ultralytics' dataset layout.
//!
//! ```text
//! DIR/data.yaml                  path, train, val[, test], names (class index: category id - 1)
//! DIR/images/SPLIT/IIIIII.png    SPLIT: train, val[, test]; IIIIII: the COCO image id
//! DIR/labels/SPLIT/IIIIII.txt    one line an annotated object (crowds left out):
//!     detect:  class x_centre y_centre width height
//!     segment: class x1 y1 x2 y2 ...  (one polygon, parts joined)
//!     coordinates normalized by the image size, pixel edges at 0 and 1
//! DIR/annotations/SPLIT.json     the split's images and annotations as annotations.json has
//!                                them (same ids), file names pointing at DIR/images/SPLIT
//! DIR/synthvis-export.json       what made it
//! ```
//!
//! Files are named by the COCO image id (frame index + 1), the number Ultralytics takes as
//! a prediction's `image_id` (from the file stem): predictions score against the split's
//! COCO file, or the dataset's `annotations.json`, with no edits.
//!
//! One dataset is split: a frame goes to `val` when its draw from the `export.split`
//! stream of `(seed, frame)` falls below the fraction, so a longer dataset keeps every
//! earlier frame's side; should that leave a side empty, the frame whose draw lies nearest
//! the fraction crosses over. Or `val` (and `test`) are datasets of their own, rendered
//! apart, with the same categories.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::polygon::mask_polygon;
use super::{EXPORT_MARKER, ExportError, begin, io};
use crate::labels::{CocoStatus, InstanceLabel, Rle};
use crate::output::coco::{CocoHeader, CocoImages, write_coco_file};
use crate::output::reader::FinishedDataset;
use crate::output::{Durability, Modality, frame_stem};
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

/// The share of frames in `val` when one dataset is split and none is given.
pub const DEFAULT_VAL_FRACTION: f64 = 0.1;

/// The options of a YOLO export.
#[derive(Debug, Clone, serde::Serialize)]
pub struct YoloOptions {
    /// Boxes or polygons.
    pub task: YoloTask,
    /// Share of the dataset's frames in `val`, in (0, 1) ([`DEFAULT_VAL_FRACTION`] when
    /// `None`); only when no `val` dataset is given.
    pub val_fraction: Option<f64>,
    /// Seed of the split.
    pub seed: u64,
    /// A dataset rendered apart to be the `val` split (the whole first dataset is `train`).
    pub val: Option<PathBuf>,
    /// A dataset rendered apart to be the `test` split.
    pub test: Option<PathBuf>,
    /// Copy or link the images.
    pub images: ImageMode,
    /// Replace an earlier export in the output folder.
    #[serde(skip)]
    pub overwrite: bool,
}

/// A split of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Training images.
    Train,
    /// Validation images.
    Val,
    /// Test images.
    Test,
}

impl Split {
    /// Every split, in `data.yaml` order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    /// Its folder name.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YoloSummary {
    /// Frames in `train`, `val` and `test`.
    pub images: [u64; 3],
    /// Label lines written.
    pub objects: u64,
    /// Crowd annotations left out (YOLO has none).
    pub crowds_skipped: u64,
    /// The frame moved across because the seeded split left a side empty, and the side it
    /// went to.
    pub moved: Option<(u64, Split)>,
}

/// One dataset of an export and where its frames go.
struct Source {
    path: PathBuf,
    dataset: FinishedDataset,
    /// Each frame's split, in frame order.
    splits: Vec<Split>,
}

/// Exports the dataset in `dataset` (with `opts.val` and `opts.test`, if given) to `out`.
pub fn export_yolo(
    dataset: &Path,
    out: &Path,
    opts: &YoloOptions,
) -> Result<YoloSummary, ExportError> {
    let mut summary = YoloSummary::default();
    let mut sources = open_sources(dataset, opts, &mut summary)?;
    let present: Vec<Split> = Split::ALL
        .into_iter()
        .filter(|&split| sources.iter().any(|s| s.splits.contains(&split)))
        .collect();
    let staging = begin(out, opts.overwrite)?;
    for split in &present {
        for kind in ["images", "labels"] {
            let d = staging.join(kind).join(split.name());
            std::fs::create_dir_all(&d).map_err(io(&d, "cannot create"))?;
        }
    }
    let annotations = staging.join("annotations");
    std::fs::create_dir_all(&annotations).map_err(io(&annotations, "cannot create"))?;
    for source in &mut sources {
        export_frames(source, &staging, opts, &mut summary)?;
        write_split_coco(source, &annotations)?;
    }
    write_data_yaml(&staging, out, &present, &sources[0].dataset.categories)?;
    write_marker(&staging, dataset, &sources, opts, &summary)?;
    staging.finish(out)?;
    Ok(summary)
}

/// Opens the datasets of an export and decides each frame's split: `dataset` split by
/// the seeded draw (recording a frame moved to fill a side in `summary`), or all `train`
/// beside `opts.val`; `opts.test` all `test`. Refuses what cannot make one export.
fn open_sources(
    dataset: &Path,
    opts: &YoloOptions,
    summary: &mut YoloSummary,
) -> Result<Vec<Source>, ExportError> {
    let refuse = |dir: &Path, message: String| ExportError::Dataset {
        dir: dir.to_owned(),
        message,
    };
    if opts.val.is_some() && opts.val_fraction.is_some() {
        return Err(refuse(
            dataset,
            "--val-fraction splits one dataset; with --val the whole of it is train: give one or the other".into(),
        ));
    }
    let train = FinishedDataset::open(dataset)?;
    let frames = train.frames();
    let splits = if opts.val.is_some() {
        vec![Split::Train; (frames.end - frames.start) as usize]
    } else {
        let fraction = opts.val_fraction.unwrap_or(DEFAULT_VAL_FRACTION);
        let (splits, moved) =
            split_frames(frames, fraction, opts.seed).map_err(|m| refuse(dataset, m))?;
        summary.moved = moved;
        splits
    };
    let mut sources = vec![Source {
        path: dataset.to_owned(),
        dataset: train,
        splits,
    }];
    for (path, split) in [(&opts.val, Split::Val), (&opts.test, Split::Test)] {
        let Some(path) = path else { continue };
        let other = FinishedDataset::open(path)?;
        check_compatible(&sources[0], path, &other)?;
        if let Some(s) = sources.iter().find(|s| same_frames(&s.dataset, &other)) {
            return Err(refuse(
                path,
                format!(
                    "it renders frames of the same spec and seed as {}: its {} images would also be {} images",
                    s.path.display(),
                    split.name(),
                    s.splits.first().map_or("train", |s| s.name())
                ),
            ));
        }
        let n = other.frames().end - other.frames().start;
        sources.push(Source {
            path: path.to_owned(),
            dataset: other,
            splits: vec![split; n as usize],
        });
    }
    let tarred = sources.iter().find(|s| !s.dataset.is_folders());
    if let (ImageMode::Symlink, Some(s)) = (opts.images, tarred) {
        return Err(refuse(
            &s.path,
            "its frames are in tars: --images symlink needs the folder layout; use --images copy"
                .into(),
        ));
    }
    Ok(sources)
}

/// `annotations/SPLIT.json` for each split `source` fills: the dataset's COCO records of
/// those frames (its ids), their images named as the export has them.
fn write_split_coco(source: &mut Source, dir: &Path) -> Result<(), ExportError> {
    let (categories, keypoints) = source.dataset.coco_categories()?;
    let [w, h] = source.dataset.resolution();
    let version = source.dataset.manifest.version.clone();
    let licenses = crate::output::licenses::LicenseTable::new(&source.dataset.manifest.licenses);
    let header = CocoHeader {
        resolution: (w, h),
        categories: &categories,
        keypoints,
        tool_version: &version,
        licenses: &licenses,
    };
    let frames = source.dataset.frames();
    for split in Split::ALL {
        if !source.splits.contains(&split) {
            continue;
        }
        let splits = &source.splits;
        let name =
            |f: u64| (splits[(f - frames.start) as usize] == split).then(|| export_image(split, f));
        write_coco_file(
            &dir.join(format!("{}.json", split.name())),
            source.dataset.files(),
            frames.clone(),
            &header,
            CocoImages::Renamed(&name),
            Durability::Renamed,
        )?;
    }
    Ok(())
}

/// The export's marker: what made it, from which datasets, and what it holds.
fn write_marker(
    staging: &Path,
    dataset: &Path,
    sources: &[Source],
    opts: &YoloOptions,
    summary: &YoloSummary,
) -> Result<(), ExportError> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let datasets: Vec<_> = sources
        .iter()
        .map(|s| {
            let splits: Vec<_> = Split::ALL
                .iter()
                .filter(|sp| s.splits.contains(sp))
                .map(|sp| sp.name())
                .collect();
            serde_json::json!({ "dir": absolute(&s.path), "splits": splits })
        })
        .collect();
    let [train, val, test] = summary.images;
    let marker = serde_json::json!({
        "tool": "synthvis",
        "version": crate::VERSION,
        "export": "yolo",
        "dataset": absolute(dataset),
        "datasets": datasets,
        "options": opts,
        "image_ids": "file stems and annotations/SPLIT.json ids are the dataset's COCO image ids: frame index + 1",
        "images": { "train": train, "val": val, "test": test },
        "moved_to_fill_a_split": summary.moved.map(|(frame, side)| serde_json::json!({ "frame": frame, "to": side.name() })),
        "objects": summary.objects,
        "crowds_skipped": summary.crowds_skipped,
    });
    let path = staging.join(EXPORT_MARKER);
    std::fs::write(&path, format!("{marker:#}\n")).map_err(io(&path, "cannot write"))
}

/// The export's path of frame `frame`'s image in `split`, named by its COCO image id.
fn export_image(split: Split, frame: u64) -> String {
    format!("images/{}/{}.png", split.name(), frame_stem(frame + 1))
}

/// Each frame's split, and the frame moved across to fill an empty side (with that side).
type SplitPlan = (Vec<Split>, Option<(u64, Split)>);

/// Each frame's side when `frames` are split with `val_fraction` from `seed`, and the frame
/// moved across if the draws left a side empty.
fn split_frames(
    frames: std::ops::Range<u64>,
    val_fraction: f64,
    seed: u64,
) -> Result<SplitPlan, String> {
    let ask =
        "give a fraction between 0 and 1, or a validation set rendered apart with --val DATASET";
    if !(val_fraction > 0.0 && val_fraction < 1.0) {
        return Err(if (0.0..=1.0).contains(&val_fraction) {
            format!(
                "--val-fraction {val_fraction} would leave {} empty, and Ultralytics needs both a train and a val split: {ask}",
                if val_fraction == 0.0 { "val" } else { "train" }
            )
        } else {
            format!("--val-fraction must lie between 0 and 1, found {val_fraction}: {ask}")
        });
    }
    let n = frames.end - frames.start;
    if n < 2 {
        return Err(format!(
            "it has {n} frame{}: a train and a val split need two or more; render more, or give a validation set rendered apart with --val DATASET",
            if n == 1 { "" } else { "s" }
        ));
    }
    let draws: Vec<f64> = frames
        .clone()
        .map(|f| FrameRng::new(seed, f).stream("export.split").unit())
        .collect();
    let mut splits: Vec<Split> = draws
        .iter()
        .map(|&d| {
            if d < val_fraction {
                Split::Val
            } else {
                Split::Train
            }
        })
        .collect();
    // The frame whose draw lies nearest the fraction crosses to the empty side.
    let by_draw = |a: &usize, b: &usize| draws[*a].total_cmp(&draws[*b]);
    let mut moved = None;
    let empty = [Split::Val, Split::Train]
        .into_iter()
        .find(|side| !splits.contains(side));
    if let Some(side) = empty {
        let nearest = if side == Split::Val {
            (0..draws.len()).min_by(by_draw)
        } else {
            (0..draws.len()).max_by(by_draw)
        };
        if let Some(i) = nearest {
            splits[i] = side;
            moved = Some((frames.start + i as u64, side));
        }
    }
    Ok((splits, moved))
}

/// Refuses `other` (at `path`) as a split of an export whose train set is `train`: its
/// categories must be the same, in the same order.
fn check_compatible(
    train: &Source,
    path: &Path,
    other: &FinishedDataset,
) -> Result<(), ExportError> {
    let (a, b) = (&train.dataset.categories, &other.categories);
    if a == b {
        return Ok(());
    }
    let differs = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(0);
    let name = |c: &[String]| {
        c.get(differs)
            .map_or("none".to_owned(), |n| format!("\"{n}\""))
    };
    Err(ExportError::Dataset {
        dir: path.to_owned(),
        message: format!(
            "its categories differ from {}'s: category id {} is {} there and {} here; one data.yaml needs one list of class names",
            train.path.display(),
            differs + 1,
            name(a),
            name(b)
        ),
    })
}

/// Whether `a` and `b` hold some of the same frames: rendered from the same spec with the
/// same seed, their frame ranges overlapping.
fn same_frames(a: &FinishedDataset, b: &FinishedDataset) -> bool {
    let (ma, mb) = (&a.manifest, &b.manifest);
    ma.spec_sha256 == mb.spec_sha256
        && ma.seed == mb.seed
        && ma.frames[0] < mb.frames[1]
        && mb.frames[0] < ma.frames[1]
}

/// Writes the images and label files of `source`'s frames into their splits.
fn export_frames(
    source: &mut Source,
    staging: &Path,
    opts: &YoloOptions,
    summary: &mut YoloSummary,
) -> Result<(), ExportError> {
    let dataset_abs =
        std::path::absolute(&source.path).map_err(io(&source.path, "cannot resolve"))?;
    let ds = &mut source.dataset;
    let resolution = ds.resolution();
    for (frame, &split) in ds.frames().zip(&source.splits) {
        summary.images[split as usize] += 1;
        let mut text = String::new();
        for inst in ds.instances(frame)? {
            match inst.coco {
                CocoStatus::Annotated => {}
                CocoStatus::Crowd => {
                    summary.crowds_skipped += 1;
                    continue;
                }
                CocoStatus::BelowThreshold | CocoStatus::NotVisible => continue,
            }
            if let Some(line) = label_line(&inst, resolution, opts.task) {
                text.push_str(&line);
                text.push('\n');
                summary.objects += 1;
            }
        }
        let image_path = staging.join(export_image(split, frame));
        let label_path = staging
            .join("labels")
            .join(split.name())
            .join(format!("{}.txt", frame_stem(frame + 1)));
        std::fs::write(&label_path, text).map_err(io(&label_path, "cannot write"))?;
        let rgb = Modality::Rgb.path(frame);
        match opts.images {
            ImageMode::Copy => {
                let bytes = ds.read(&rgb)?;
                std::fs::write(&image_path, bytes).map_err(io(&image_path, "cannot write"))?;
            }
            ImageMode::Symlink => symlink(&dataset_abs.join(&rgb), &image_path)?,
        }
    }
    Ok(())
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
fn write_data_yaml(
    staging: &Path,
    out: &Path,
    splits: &[Split],
    categories: &[String],
) -> Result<(), ExportError> {
    let root: PathBuf = std::path::absolute(out).map_err(io(out, "cannot resolve"))?;
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut yaml = format!(
        "# Written by synthvis export yolo.\npath: {}\n",
        quote(&root.to_string_lossy())
    );
    for split in splits {
        let _ = writeln!(yaml, "{0}: images/{0}", split.name());
    }
    yaml.push_str("names:\n");
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

//! `synthvis stats`: what a dataset holds, read from its labels one frame at a time:
//! instances and annotations per category and per image, visibility and truncation
//! histograms, COCO box-size classes, box aspect ratios and pixel coverage per category.
//! A table for the terminal, JSON, and a chart ([`chart`]).

pub mod chart;

use std::path::Path;

use serde::Serialize;

use crate::export::ExportError;
use crate::labels::CocoStatus;
use crate::output::reader::FinishedDataset;

/// Bins of the visibility and truncation histograms: ten of width 0.1 (1.0 falls in the
/// last).
pub const FRACTION_BINS: usize = 10;
/// COCO's box-size classes by area (pixels): small below 32², medium below 96², large.
pub const SIZE_CLASSES: [&str; 3] = ["small", "medium", "large"];
/// Box aspect (width / height) bins, by their upper bounds (the last is open).
pub const ASPECT_BINS: [(&str, f64); 6] = [
    ("<1/4", 0.25),
    ("1/4-1/2", 0.5),
    ("1/2-1", 1.0),
    ("1-2", 2.0),
    ("2-4", 4.0),
    (">=4", f64::INFINITY),
];
/// Most bins of the annotations-per-image histogram: counts are grouped into bins of
/// equal width so that there are no more.
pub const PER_IMAGE_BINS: u64 = 25;

/// Frames whose annotation count lies in `[from, to)`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct CountBin {
    /// Fewest annotations of the bin.
    pub from: u64,
    /// One more than the most annotations of the bin.
    pub to: u64,
    /// Frames in the bin.
    pub frames: u64,
}

/// One category's figures.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CategoryStats {
    /// Category name.
    pub name: String,
    /// Labeled instances (listed in `labels/*.json`, visible or not).
    pub instances: u64,
    /// COCO annotations with `iscrowd: 0`.
    pub annotations: u64,
    /// COCO annotations with `iscrowd: 1`.
    pub crowds: u64,
    /// Instances the spec's thresholds left out of the COCO file.
    pub below_threshold: u64,
    /// Instances with no visible pixel.
    pub not_visible: u64,
    /// Share of all pixels of all frames its visible pixels cover.
    pub pixel_coverage: f64,
    #[serde(skip)]
    visible_pixels: u64,
}

/// What `stats` reports.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DatasetStats {
    /// Frames read.
    pub frames: u64,
    /// `[width, height]`.
    pub resolution: [u32; 2],
    /// Per category, in id order.
    pub categories: Vec<CategoryStats>,
    /// Frames by their number of annotations (`iscrowd: 0`), in at most
    /// [`PER_IMAGE_BINS`] bins of equal width from 0 to the most in a frame.
    pub annotations_per_image: Vec<CountBin>,
    /// Most annotations in one frame.
    pub max_annotations_per_image: u64,
    /// Visibility of the instances with a visible pixel, in [`FRACTION_BINS`] bins.
    pub visibility: Vec<u64>,
    /// Truncation of the instances with a visible pixel, in [`FRACTION_BINS`] bins.
    pub truncation: Vec<u64>,
    /// Annotations (`iscrowd: 0`) per COCO size class ([`SIZE_CLASSES`]).
    pub box_sizes: [u64; 3],
    /// Annotations (`iscrowd: 0`) per aspect bin ([`ASPECT_BINS`]).
    pub box_aspects: [u64; 6],
}

/// Bin `i` of a fraction histogram as text: `[0.1, 0.2)`, the last `[0.9, 1]`.
pub fn fraction_label(i: usize) -> String {
    let step = 1.0 / FRACTION_BINS as f64;
    let close = if i + 1 == FRACTION_BINS { "]" } else { ")" };
    format!(
        "[{:.1}, {:.1}{close}",
        i as f64 * step,
        (i + 1) as f64 * step
    )
}

impl CountBin {
    /// The bin as text: `7` for a bin of one count, else `8-11`.
    pub fn label(&self) -> String {
        if self.to == self.from + 1 {
            self.from.to_string()
        } else {
            format!("{}-{}", self.from, self.to - 1)
        }
    }
}

fn fraction_bin(v: f64) -> usize {
    ((v * FRACTION_BINS as f64) as usize).min(FRACTION_BINS - 1)
}

/// Reads every frame's labels of the dataset in `dir` (folders or tars).
pub fn dataset_stats(dir: &Path) -> Result<DatasetStats, ExportError> {
    let mut source = FinishedDataset::open(dir)?;
    let resolution = source.resolution();
    let mut stats = DatasetStats {
        resolution,
        categories: source
            .categories
            .iter()
            .map(|name| CategoryStats {
                name: name.clone(),
                ..CategoryStats::default()
            })
            .collect(),
        visibility: vec![0; FRACTION_BINS],
        truncation: vec![0; FRACTION_BINS],
        ..DatasetStats::default()
    };
    let mut per_image: std::collections::BTreeMap<u64, u64> = Default::default();
    for frame in source.frames() {
        let instances = source.instances(frame)?;
        stats.frames += 1;
        let mut annotated = 0u64;
        for inst in &instances {
            let Some(cat) = stats
                .categories
                .get_mut(usize::from(inst.category_id).wrapping_sub(1))
            else {
                continue;
            };
            cat.instances += 1;
            cat.visible_pixels += inst.area;
            match inst.coco {
                CocoStatus::Annotated => cat.annotations += 1,
                CocoStatus::Crowd => cat.crowds += 1,
                CocoStatus::BelowThreshold => cat.below_threshold += 1,
                CocoStatus::NotVisible => cat.not_visible += 1,
            }
            if inst.area > 0 {
                if let Some(v) = inst.visibility {
                    stats.visibility[fraction_bin(v)] += 1;
                }
                if let Some(t) = inst.truncation {
                    stats.truncation[fraction_bin(t)] += 1;
                }
            }
            if inst.coco != CocoStatus::Annotated {
                continue;
            }
            annotated += 1;
            let size = match inst.area {
                a if a < 32 * 32 => 0,
                a if a < 96 * 96 => 1,
                _ => 2,
            };
            stats.box_sizes[size] += 1;
            if let Some([_, _, w, h]) = inst.bbox {
                let aspect = f64::from(w) / f64::from(h.max(1));
                let bin = ASPECT_BINS
                    .iter()
                    .position(|&(_, upper)| aspect < upper)
                    .unwrap_or(ASPECT_BINS.len() - 1);
                stats.box_aspects[bin] += 1;
            }
        }
        *per_image.entry(annotated).or_default() += 1;
        stats.max_annotations_per_image = stats.max_annotations_per_image.max(annotated);
    }
    let all_pixels = stats.frames as f64 * f64::from(resolution[0]) * f64::from(resolution[1]);
    for c in &mut stats.categories {
        c.pixel_coverage = c.visible_pixels as f64 / all_pixels.max(1.0);
    }
    let width = (stats.max_annotations_per_image + 1).div_ceil(PER_IMAGE_BINS);
    stats.annotations_per_image = (0..=stats.max_annotations_per_image)
        .step_by(width as usize)
        .map(|from| CountBin {
            from,
            to: from + width,
            frames: per_image.range(from..from + width).map(|(_, n)| n).sum(),
        })
        .collect();
    Ok(stats)
}

impl DatasetStats {
    /// The report as terminal text.
    pub fn table(&self) -> String {
        use std::fmt::Write as _;
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{} frames at {}x{}",
            self.frames, self.resolution[0], self.resolution[1]
        );
        let _ = writeln!(
            t,
            "\n{:<20} {:>9} {:>11} {:>7} {:>9} {:>11} {:>9}",
            "category", "instances", "annotations", "crowds", "below", "not visible", "coverage"
        );
        for c in &self.categories {
            let _ = writeln!(
                t,
                "{:<20} {:>9} {:>11} {:>7} {:>9} {:>11} {:>8.2}%",
                c.name,
                c.instances,
                c.annotations,
                c.crowds,
                c.below_threshold,
                c.not_visible,
                c.pixel_coverage * 100.0
            );
        }
        let per_image = self
            .annotations_per_image
            .iter()
            .map(|b| format!("{}: {}", b.label(), b.frames))
            .collect::<Vec<_>>()
            .join("  ");
        let _ = writeln!(
            t,
            "\nannotations per image (max {}): {per_image}",
            self.max_annotations_per_image
        );
        let fractions = |h: &[u64]| {
            h.iter()
                .enumerate()
                .map(|(i, n)| format!("{}: {n}", fraction_label(i)))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let _ = writeln!(t, "visibility: {}", fractions(&self.visibility));
        let _ = writeln!(t, "truncation: {}", fractions(&self.truncation));
        let sizes = SIZE_CLASSES
            .iter()
            .zip(self.box_sizes)
            .map(|(n, c)| format!("{n}: {c}"))
            .collect::<Vec<_>>()
            .join("  ");
        let _ = writeln!(t, "box sizes (COCO): {sizes}");
        let aspects = ASPECT_BINS
            .iter()
            .zip(self.box_aspects)
            .map(|((n, _), c)| format!("{n}: {c}"))
            .collect::<Vec<_>>()
            .join("  ");
        let _ = writeln!(t, "box aspect (w/h): {aspects}");
        t
    }
}

//! `synthvis export mot`: a sequence dataset in MOTChallenge's layout, one folder per
//! sequence and camera, so tracking code (and the `motmetrics` package) reads it.
//!
//! ```text
//! DIR/NAME/seqinfo.ini      [Sequence] name, imDir, frameRate, seqLength, imWidth, imHeight, imExt
//! DIR/NAME/img1/FFFFFF.png  the step's RGB image, frame FFFFFF = step + 1
//! DIR/NAME/gt/gt.txt        frame, id, left, top, width, height, conf, class, visibility
//! ```
//!
//! `NAME` is `sequence_NNNNNN` (the COCO video id − 1), with `-CAMERA` for a rig's
//! cameras. A `gt.txt` line is one instance with visible pixels: `id` its `track_id`,
//! the box its visible pixels' (MOTChallenge's 1-based `left`, `top`), `conf` 1 where
//! COCO annotates it and 0 for a crowd or an instance below the spec's thresholds (MOT's
//! "ignore"), `class` its category id and `visibility` its visible share (1 where the
//! label has none). Lines are sorted by frame, then id.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use super::{EXPORT_MARKER, ExportError, begin, io};
use crate::labels::{CocoStatus, InstanceLabel};
use crate::motion::SequenceStep;
use crate::output::reader::FinishedDataset;
use crate::output::{Modality, frame_stem};

/// The options of a MOT export.
#[derive(Debug, Clone, Default)]
pub struct MotOptions {
    /// Replace an earlier export in the output folder.
    pub overwrite: bool,
}

/// What a MOT export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MotSummary {
    /// Sequence folders (one per sequence and camera).
    pub sequences: u64,
    /// Images.
    pub images: u64,
    /// `gt.txt` lines.
    pub boxes: u64,
    /// Distinct tracks (per sequence folder).
    pub tracks: u64,
}

#[derive(Deserialize)]
struct FrameIn {
    scene: SceneIn,
    instances: Vec<InstanceLabel>,
}

#[derive(Deserialize)]
struct SceneIn {
    #[serde(default)]
    sequence: Option<SequenceStep>,
}

/// One sequence folder being filled.
struct SequenceFolder {
    name: String,
    fps: f64,
    length: u32,
    lines: Vec<(u32, u64, String)>,
    tracks: std::collections::BTreeSet<u64>,
}

/// Exports the sequence dataset in `dataset` to `out` in MOTChallenge's layout.
pub fn export_mot(
    dataset: &Path,
    out: &Path,
    opts: &MotOptions,
) -> Result<MotSummary, ExportError> {
    let mut source = FinishedDataset::open(dataset)?;
    let refuse = |message: String| ExportError::Dataset {
        dir: dataset.to_owned(),
        message,
    };
    let [width, height] = source.resolution();
    let staging = begin(out, opts.overwrite)?;
    let mut folders: BTreeMap<(u64, u32), SequenceFolder> = BTreeMap::new();
    let mut summary = MotSummary::default();
    for frame in source.frames() {
        let labels: FrameIn = source.labels(frame)?;
        let Some(seq) = labels.scene.sequence else {
            return Err(refuse(format!(
                "frame {frame} is not part of a sequence: MOT needs a spec with `sequence`"
            )));
        };
        let folder = folders
            .entry((seq.sequence, seq.camera_index))
            .or_insert_with(|| {
                let mut name = format!("sequence_{}", frame_stem(seq.sequence));
                if seq.cameras > 1 {
                    name = format!("{name}-{}", seq.camera);
                }
                SequenceFolder {
                    name,
                    fps: seq.fps,
                    length: seq.steps,
                    lines: Vec::new(),
                    tracks: Default::default(),
                }
            });
        let mot_frame = seq.step + 1;
        let images = staging.join(&folder.name).join("img1");
        std::fs::create_dir_all(&images).map_err(io(&images, "cannot create"))?;
        let image = images.join(format!("{}.png", frame_stem(u64::from(mot_frame))));
        let bytes = source.read(&Modality::Rgb.path(frame))?;
        std::fs::write(&image, bytes).map_err(io(&image, "cannot write"))?;
        summary.images += 1;
        for inst in &labels.instances {
            let (Some([x, y, w, h]), Some(track)) = (inst.bbox, inst.track_id) else {
                continue;
            };
            let conf = u8::from(inst.coco == CocoStatus::Annotated);
            let visibility = inst.visibility.unwrap_or(1.0);
            let line = format!(
                "{mot_frame},{track},{},{},{w},{h},{conf},{},{visibility:.6}",
                x + 1,
                y + 1,
                inst.category_id
            );
            folder.lines.push((mot_frame, track, line));
            folder.tracks.insert(track);
        }
    }
    if folders.is_empty() {
        return Err(refuse("the dataset has no frames".into()));
    }
    for folder in folders.values_mut() {
        let dir = staging.join(&folder.name);
        let gt = dir.join("gt");
        std::fs::create_dir_all(&gt).map_err(io(&gt, "cannot create"))?;
        folder.lines.sort_by_key(|(f, id, _)| (*f, *id));
        let mut text = String::new();
        for (_, _, line) in &folder.lines {
            let _ = writeln!(text, "{line}");
        }
        let path = gt.join("gt.txt");
        std::fs::write(&path, text).map_err(io(&path, "cannot write"))?;
        let info = format!(
            "[Sequence]\nname={}\nimDir=img1\nframeRate={}\nseqLength={}\nimWidth={width}\nimHeight={height}\nimExt=.png\n",
            folder.name, folder.fps, folder.length
        );
        let path = dir.join("seqinfo.ini");
        std::fs::write(&path, info).map_err(io(&path, "cannot write"))?;
        summary.sequences += 1;
        summary.boxes += folder.lines.len() as u64;
        summary.tracks += folder.tracks.len() as u64;
    }
    let marker = serde_json::json!({
        "tool": "synthvis",
        "version": crate::VERSION,
        "export": "mot",
        "dataset": std::path::absolute(dataset).unwrap_or_else(|_| dataset.to_owned()),
        "frames": "MOT frame = sequence step + 1; id = track_id; conf 0 marks crowds and instances below the spec's thresholds",
        "sequences": summary.sequences,
        "images": summary.images,
        "boxes": summary.boxes,
    });
    let path = staging.join(EXPORT_MARKER);
    std::fs::write(&path, format!("{marker:#}\n")).map_err(io(&path, "cannot write"))?;
    staging.finish(out)?;
    Ok(summary)
}

//! One frame's files read back from a directory in the dataset layout (a dataset, or a
//! golden set, which uses the same layout): colour, depth, instance and class images and
//! the labels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::RgbImage;
use serde::Deserialize;

use crate::geometry::Pose;
use crate::output::Modality;

/// A labeled instance as `labels/NNNNNN.json` records it (the fields compared).
#[derive(Debug, Clone, Deserialize)]
pub struct LabeledInstance {
    /// Instance id.
    pub instance_id: u16,
    /// Category id.
    pub category_id: u16,
    /// Category name.
    pub category: String,
    /// Visible pixels.
    pub area: u64,
    /// Box of the visible pixels `[x, y, w, h]`; none when not visible.
    pub bbox: Option<[u32; 4]>,
    /// Pose in the camera frame.
    pub pose_camera: Pose,
}

#[derive(Deserialize)]
struct LabelsDoc {
    instances: Vec<LabeledInstance>,
}

/// What one frame holds.
#[derive(Debug, Clone)]
pub struct FrameData {
    /// Colour.
    pub rgb: RgbImage,
    /// Linear depth in metres (0: no surface), from the EXR when there is one, else from
    /// the 16-bit PNG; none when the dataset has neither.
    pub depth: Option<Vec<f32>>,
    /// Instance ids; none when the dataset has no instance images.
    pub instance: Option<Vec<u16>>,
    /// Category ids; none when the dataset has no class images.
    pub class: Option<Vec<u16>>,
    /// Labeled instances by id.
    pub labels: BTreeMap<u16, LabeledInstance>,
}

/// Why a frame's files could not be read: the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameFileError {
    /// The file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for FrameFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

fn read_image(path: &Path) -> Result<image::DynamicImage, FrameFileError> {
    let err = |message: String| FrameFileError {
        file: path.to_owned(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    image::load_from_memory(&bytes).map_err(|e| err(format!("does not decode: {e}")))
}

fn read_gray16(path: &Path, (w, h): (u32, u32)) -> Result<Vec<u16>, FrameFileError> {
    let img = read_image(path)?.into_luma16();
    if img.dimensions() != (w, h) {
        return Err(FrameFileError {
            file: path.to_owned(),
            message: format!(
                "is {}x{}, the colour image {w}x{h}",
                img.width(),
                img.height()
            ),
        });
    }
    Ok(img.into_raw())
}

fn read_exr_depth(path: &Path, (w, h): (u32, u32)) -> Result<Vec<f32>, FrameFileError> {
    use exr::prelude::{FlatSamples, read_first_flat_layer_from_file};
    let err = |message: String| FrameFileError {
        file: path.to_owned(),
        message,
    };
    let image = read_first_flat_layer_from_file(path).map_err(|e| err(e.to_string()))?;
    let layer = &image.layer_data;
    if (layer.size.0, layer.size.1) != (w as usize, h as usize) {
        return Err(err(format!(
            "is {}x{}, the colour image {w}x{h}",
            layer.size.0, layer.size.1
        )));
    }
    match layer.channel_data.list.first().map(|c| &c.sample_data) {
        Some(FlatSamples::F32(z)) => Ok(z.clone()),
        _ => Err(err("holds no float32 channel".into())),
    }
}

/// Reads frame `frame` from `dir`. The colour image and the labels must exist; depth,
/// instance and class images are read where the directory has them.
pub fn read_frame(dir: &Path, frame: u64) -> Result<FrameData, FrameFileError> {
    let rgb_path = dir.join(Modality::Rgb.path(frame));
    let rgb = read_image(&rgb_path)?.into_rgb8();
    let size = rgb.dimensions();
    let exr = dir.join(Modality::DepthExr.path(frame));
    let png = dir.join(Modality::Depth.path(frame));
    let depth = if exr.is_file() {
        Some(read_exr_depth(&exr, size)?)
    } else if png.is_file() {
        let mm = read_gray16(&png, size)?;
        let scale = crate::output::images::DEPTH_PNG_METRES_PER_UNIT;
        Some(mm.iter().map(|&v| (f64::from(v) * scale) as f32).collect())
    } else {
        None
    };
    let optional = |m: Modality| {
        let path = dir.join(m.path(frame));
        path.is_file().then(|| read_gray16(&path, size)).transpose()
    };
    let instance = optional(Modality::Instance)?;
    let class = optional(Modality::Class)?;
    let labels_path = dir.join(Modality::Labels.path(frame));
    let bytes = std::fs::read(&labels_path).map_err(|e| FrameFileError {
        file: labels_path.clone(),
        message: e.to_string(),
    })?;
    let doc: LabelsDoc = serde_json::from_slice(&bytes).map_err(|e| FrameFileError {
        file: labels_path.clone(),
        message: format!("is not a synthvis labels file: {e}"),
    })?;
    Ok(FrameData {
        rgb,
        depth,
        instance,
        class,
        labels: doc
            .instances
            .into_iter()
            .map(|i| (i.instance_id, i))
            .collect(),
    })
}

/// The frames a directory holds: every `labels/NNNNNN.json`, in order.
pub fn frames_in(dir: &Path) -> Vec<u64> {
    let labels = dir.join(Modality::Labels.kind().folder);
    let mut frames: Vec<u64> = std::fs::read_dir(labels)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            name.strip_suffix(".json")?.parse().ok()
        })
        .collect();
    frames.sort_unstable();
    frames
}

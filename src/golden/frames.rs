//! One frame's files read back from a dataset (in either format) or a golden set (the
//! folder layout): colour, depth, instance and class images and the labels.

use std::collections::BTreeMap;
use std::path::Path;

use image::RgbImage;
use serde::Deserialize;

use crate::geometry::Pose;
use crate::output::Modality;
use crate::output::reader::DatasetFiles;

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
    /// The file (for a webdataset dataset, its tar and member).
    pub file: String,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for FrameFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// Reads one file of a frame, and what the reading functions need to name it.
struct FrameFile<'a> {
    files: &'a mut DatasetFiles,
    rel: String,
}

impl<'a> FrameFile<'a> {
    /// Frame `frame`'s file of modality `m`.
    fn of(files: &'a mut DatasetFiles, m: Modality, frame: u64) -> Self {
        Self {
            files,
            rel: m.path(frame),
        }
    }

    /// The file, when the dataset has it.
    fn present(files: &'a mut DatasetFiles, m: Modality, frame: u64) -> Option<Self> {
        let file = Self::of(files, m, frame);
        file.files.exists(&file.rel).then_some(file)
    }

    fn error(&self, message: String) -> FrameFileError {
        FrameFileError {
            file: self.files.name(&self.rel),
            message,
        }
    }

    fn bytes(&mut self) -> Result<Vec<u8>, FrameFileError> {
        self.files.read(&self.rel).map_err(|e| self.error(e))
    }

    fn image(&mut self) -> Result<image::DynamicImage, FrameFileError> {
        let bytes = self.bytes()?;
        image::load_from_memory(&bytes).map_err(|e| self.error(format!("does not decode: {e}")))
    }

    fn gray16(&mut self, (w, h): (u32, u32)) -> Result<Vec<u16>, FrameFileError> {
        let img = self.image()?.into_luma16();
        if img.dimensions() != (w, h) {
            let (iw, ih) = img.dimensions();
            return Err(self.error(format!("is {iw}x{ih}, the colour image {w}x{h}")));
        }
        Ok(img.into_raw())
    }

    fn exr_depth(&mut self, (w, h): (u32, u32)) -> Result<Vec<f32>, FrameFileError> {
        use exr::prelude::{FlatSamples, ReadChannels, ReadLayers, read};
        let bytes = self.bytes()?;
        let image = read()
            .no_deep_data()
            .largest_resolution_level()
            .all_channels()
            .first_valid_layer()
            .all_attributes()
            .from_buffered(std::io::Cursor::new(bytes))
            .map_err(|e| self.error(e.to_string()))?;
        let layer = &image.layer_data;
        if (layer.size.0, layer.size.1) != (w as usize, h as usize) {
            return Err(self.error(format!(
                "is {}x{}, the colour image {w}x{h}",
                layer.size.0, layer.size.1
            )));
        }
        match layer.channel_data.list.first().map(|c| &c.sample_data) {
            Some(FlatSamples::F32(z)) => Ok(z.clone()),
            _ => Err(self.error("holds no float32 channel".into())),
        }
    }
}

/// Reads frame `frame` of a dataset (or golden set). The colour image and the labels
/// must exist; depth, instance and class images are read where the dataset has them.
pub fn read_frame(files: &mut DatasetFiles, frame: u64) -> Result<FrameData, FrameFileError> {
    let rgb = FrameFile::of(files, Modality::Rgb, frame)
        .image()?
        .into_rgb8();
    let size = rgb.dimensions();
    let depth = if let Some(mut exr) = FrameFile::present(files, Modality::DepthExr, frame) {
        Some(exr.exr_depth(size)?)
    } else if let Some(mut png) = FrameFile::present(files, Modality::Depth, frame) {
        let mm = png.gray16(size)?;
        let scale = crate::output::images::DEPTH_PNG_METRES_PER_UNIT;
        Some(mm.iter().map(|&v| (f64::from(v) * scale) as f32).collect())
    } else {
        None
    };
    let instance = FrameFile::present(files, Modality::Instance, frame)
        .map(|mut f| f.gray16(size))
        .transpose()?;
    let class = FrameFile::present(files, Modality::Class, frame)
        .map(|mut f| f.gray16(size))
        .transpose()?;
    let mut labels = FrameFile::of(files, Modality::Labels, frame);
    let bytes = labels.bytes()?;
    let doc: LabelsDoc = serde_json::from_slice(&bytes)
        .map_err(|e| labels.error(format!("is not a synthvis labels file: {e}")))?;
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

/// The frames a dataset (or golden set) holds: those with a labels file, in order.
pub fn frames_in(dir: &Path) -> Vec<u64> {
    DatasetFiles::open(dir).frames()
}

//! `annotations.json` (COCO "instances"), assembled by streaming the per-frame labels
//! files, so memory does not grow with the number of frames.
//!
//! Ids: image id = frame index + 1; annotation ids 1..N in frame order then instance
//! order, assigned here; category ids 1.. in spec order. Each instance's `coco` status in
//! its labels file (set by the spec's thresholds) says whether it is annotated, and as a
//! crowd or not; instances with no visible pixel never are.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::OutputError;
use super::atomic::{AtomicFile, Durability};
use super::layout::{COCO_FILE, Format, Modality};
use super::reader::DatasetFiles;
use crate::geometry::Pose;
use crate::labels::keypoints::{KEYPOINT_NAMES, skeleton};
use crate::labels::{CocoStatus, RleJson};
use crate::spec::CategorySpec;

#[derive(Deserialize)]
struct LabelsIn {
    frame_index: u64,
    scene: SceneIn,
    instances: Vec<InstanceIn>,
    files: BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct SceneIn {
    camera: CameraIn,
}

#[derive(Deserialize, Serialize)]
struct CameraIn {
    #[serde(rename = "K")]
    k: [[f64; 3]; 3],
    world_to_camera: [[f64; 4]; 4],
}

#[derive(Deserialize)]
struct InstanceIn {
    instance_id: u16,
    category_id: u16,
    area: u64,
    bbox: Option<[u32; 4]>,
    segmentation: Option<RleJson>,
    #[serde(default)]
    amodal_segmentation: Option<RleJson>,
    #[serde(default)]
    keypoints: Option<Vec<f64>>,
    unoccluded_pixels: u64,
    visibility: Option<f64>,
    truncation: Option<f64>,
    amodal_bbox: Option<[u32; 4]>,
    coco: CocoStatus,
    pose_camera: Pose,
    cuboid_camera: [[f64; 3]; 8],
    cuboid_pixels: [[f64; 2]; 8],
}

#[derive(Serialize)]
struct CocoImage<'a> {
    id: u64,
    file_name: &'a str,
    width: u32,
    height: u32,
    frame_index: u64,
    #[serde(flatten)]
    camera: &'a CameraIn,
    #[serde(skip_serializing_if = "Option::is_none")]
    depth_file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class_file_name: Option<String>,
    labels_file_name: &'a str,
}

#[derive(Serialize)]
struct CocoCategory<'a> {
    id: usize,
    name: &'a str,
    supercategory: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keypoints: Option<[&'static str; 9]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skeleton: Option<Vec<[u8; 2]>>,
}

/// What `annotations.json` says of the whole dataset.
#[derive(Debug, Clone, Copy)]
pub struct CocoHeader<'a> {
    /// Image `(width, height)`.
    pub resolution: (u32, u32),
    /// The categories in id order.
    pub categories: &'a [CategorySpec],
    /// Whether annotations carry the cuboid keypoints (and categories their names).
    pub keypoints: bool,
    /// The synthvis version that made the dataset.
    pub tool_version: &'a str,
}

#[derive(Serialize)]
struct CocoAnnotation<'a> {
    id: u64,
    image_id: u64,
    category_id: u16,
    segmentation: &'a RleJson,
    area: u64,
    bbox: [u32; 4],
    iscrowd: u8,
    instance_id: u16,
    visible_pixels: u64,
    unoccluded_pixels: u64,
    visibility: Option<f64>,
    truncation: Option<f64>,
    amodal_bbox: Option<[u32; 4]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amodal_segmentation: Option<&'a RleJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keypoints: Option<&'a [f64]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_keypoints: Option<usize>,
    pose_camera: &'a Pose,
    cuboid_camera: &'a [[f64; 3]; 8],
    cuboid_pixels: &'a [[f64; 2]; 8],
}

/// Reads frame `frame`'s labels file.
fn read_labels(files: &mut DatasetFiles, frame: u64) -> Result<LabelsIn, OutputError> {
    let labels_rel = Modality::Labels.path(frame);
    files
        .read(&labels_rel)
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .map_err(|message| OutputError::Labels {
            path: files.name(&labels_rel).into(),
            message,
        })
}

/// Writes `dir/annotations.json` from the labels of frames `frames` of the dataset in
/// `dir` (stored in `format`), streaming them.
pub fn write_coco(
    dir: &Path,
    frames: std::ops::Range<u64>,
    header: &CocoHeader<'_>,
    durability: Durability,
    format: Format,
) -> Result<(), OutputError> {
    let (width, height) = header.resolution;
    let mut file = AtomicFile::create(&dir.join(COCO_FILE), durability)?;
    let jerr = |e: serde_json::Error, f: &AtomicFile| f.write_error(e.into());

    let info = serde_json::json!({
        "description": "synthvis synthetic dataset",
        "version": header.tool_version,
        "contributor": "synthvis",
    });
    let opening = format!("{{\n\"info\": {info},\n\"licenses\": [],\n\"categories\": [");
    file.write_all(opening.as_bytes())?;
    for (i, c) in header.categories.iter().enumerate() {
        let cat = CocoCategory {
            id: i + 1,
            name: &c.name,
            supercategory: &c.supercategory,
            keypoints: header.keypoints.then_some(KEYPOINT_NAMES),
            skeleton: header.keypoints.then(skeleton),
        };
        let sep = if i == 0 { "\n" } else { ",\n" };
        file.write_all(sep.as_bytes())?;
        serde_json::to_writer(file.writer(), &cat).map_err(|e| jerr(e, &file))?;
    }
    file.write_all(b"\n],\n\"images\": [")?;
    // Only the labels are read: from a tar, by the member's offset, not hashing the images.
    // Two passes over them (images, then annotations) keep memory flat in the frames.
    let mut files = DatasetFiles::new(dir, format);
    for (n, f) in frames.clone().enumerate() {
        let labels = read_labels(&mut files, f)?;
        let file_name = Modality::Rgb.path(f);
        let present = |modalities: &[Modality]| {
            modalities
                .iter()
                .map(|m| m.path(f))
                .find(|p| labels.files.contains_key(p))
        };
        let image = CocoImage {
            id: f + 1,
            file_name: &file_name,
            width,
            height,
            frame_index: f,
            camera: &labels.scene.camera,
            depth_file_name: present(&[Modality::Depth, Modality::DepthExr]),
            instance_file_name: present(&[Modality::Instance]),
            class_file_name: present(&[Modality::Class]),
            labels_file_name: &Modality::Labels.path(f),
        };
        file.write_all(if n == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(file.writer(), &image).map_err(|e| jerr(e, &file))?;
    }
    file.write_all(b"\n],\n\"annotations\": [")?;
    let mut next_id: u64 = 1;
    for f in frames {
        let labels = read_labels(&mut files, f)?;
        for inst in &labels.instances {
            let iscrowd = match inst.coco {
                CocoStatus::Annotated => 0,
                CocoStatus::Crowd => 1,
                CocoStatus::BelowThreshold | CocoStatus::NotVisible => continue,
            };
            let (Some(bbox), Some(segmentation)) = (inst.bbox, inst.segmentation.as_ref()) else {
                continue;
            };
            let ann = CocoAnnotation {
                id: next_id,
                image_id: labels.frame_index + 1,
                category_id: inst.category_id,
                segmentation,
                area: inst.area,
                bbox,
                iscrowd,
                instance_id: inst.instance_id,
                visible_pixels: inst.area,
                unoccluded_pixels: inst.unoccluded_pixels,
                visibility: inst.visibility,
                truncation: inst.truncation,
                amodal_bbox: inst.amodal_bbox,
                amodal_segmentation: inst.amodal_segmentation.as_ref(),
                keypoints: inst.keypoints.as_deref(),
                num_keypoints: inst
                    .keypoints
                    .as_ref()
                    .map(|k| k.chunks(3).filter(|p| p[2] > 0.0).count()),
                pose_camera: &inst.pose_camera,
                cuboid_camera: &inst.cuboid_camera,
                cuboid_pixels: &inst.cuboid_pixels,
            };
            file.write_all(if next_id == 1 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(file.writer(), &ann).map_err(|e| jerr(e, &file))?;
            next_id += 1;
        }
    }
    file.write_all(b"\n]\n}\n")?;
    file.commit()
}

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
use super::licenses::LicenseTable;
use super::reader::DatasetFiles;
use crate::geometry::Pose;
use crate::labels::keypoints::{KEYPOINT_NAMES, skeleton};
use crate::labels::{CocoStatus, InstanceLabel, RleJson};
use crate::motion::SequenceStep;
use crate::spec::CategorySpec;

#[derive(Deserialize)]
struct LabelsIn {
    frame_index: u64,
    scene: SceneIn,
    instances: Vec<InstanceLabel>,
    files: BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct SceneIn {
    camera: CocoCamera,
    #[serde(default)]
    objects: Vec<ObjectIn>,
    #[serde(default)]
    sequence: Option<SequenceStep>,
}

#[derive(Deserialize)]
struct ObjectIn {
    asset: String,
}

/// The camera facts a COCO image record carries.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CocoCamera {
    /// Intrinsic matrix in pixels (OpenCV's convention), row-major.
    #[serde(rename = "K")]
    pub k: [[f64; 3]; 3],
    /// World→camera transform (OpenCV camera frame), row-major 4×4.
    pub world_to_camera: [[f64; 4]; 4],
}

/// One entry of `annotations.json`'s `images`: a frame.
#[derive(Debug, Clone, Serialize)]
pub struct CocoImage {
    /// Image id: frame index + 1.
    pub id: u64,
    /// `rgb/NNNNNN.png`.
    pub file_name: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Frame index.
    pub frame_index: u64,
    /// In a sequence: its entry in `videos` (sequence index + 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_id: Option<u64>,
    /// In a sequence: the step, from 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<u32>,
    /// In a sequence: the name of the camera that took it.
    #[serde(rename = "camera", skip_serializing_if = "Option::is_none")]
    pub camera_name: Option<String>,
    /// `K` and `world_to_camera`.
    #[serde(flatten)]
    pub camera: CocoCamera,
    /// The depth image (16-bit PNG, else EXR), when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth_file_name: Option<String>,
    /// The instance image, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_file_name: Option<String>,
    /// The class image, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_file_name: Option<String>,
    /// The optical flow to the next step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_forward_file_name: Option<String>,
    /// The optical flow to the previous step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_backward_file_name: Option<String>,
    /// The occlusion mask towards the next step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occlusion_forward_file_name: Option<String>,
    /// The occlusion mask towards the previous step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occlusion_backward_file_name: Option<String>,
    /// The scene flow towards the next step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scene_flow_forward_file_name: Option<String>,
    /// The scene flow towards the previous step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scene_flow_backward_file_name: Option<String>,
    /// KITTI's flow PNG towards the next step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_kitti_forward_file_name: Option<String>,
    /// KITTI's flow PNG towards the previous step, when the frame has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_kitti_backward_file_name: Option<String>,
    /// The disparity map of a stereo pair's left image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disparity_file_name: Option<String>,
    /// `labels/NNNNNN.json` (not named in an export's COCO files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels_file_name: Option<String>,
    /// COCO's licence id, when exactly one licence covers the assets the frame places.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<u32>,
    /// The licence ids of every asset the frame places (see [`super::licenses`]); absent
    /// when no asset of the dataset has licence information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses: Option<Vec<u32>>,
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
    /// The licences of its assets.
    pub licenses: &'a LicenseTable,
}

/// One entry of `annotations.json`'s `annotations`: a labelled instance (standard COCO
/// keys first, synthvis' extras after).
#[derive(Debug, Clone, Serialize)]
pub struct CocoAnnotation {
    /// Annotation id, 1.. across the dataset.
    pub id: u64,
    /// The frame's image id.
    pub image_id: u64,
    /// Category id (1-based, spec order).
    pub category_id: u16,
    /// Visible mask as compressed RLE.
    pub segmentation: RleJson,
    /// Visible pixels.
    pub area: u64,
    /// Tight box of the visible pixels `[x, y, w, h]`.
    pub bbox: [u32; 4],
    /// 1 for a crowd region (below the spec's thresholds, kept as one), else 0.
    pub iscrowd: u8,
    /// Instance id in the instance image.
    pub instance_id: u16,
    /// In a sequence: the object's id for the whole sequence and every camera.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u64>,
    /// Visible pixels (as `area`).
    pub visible_pixels: u64,
    /// Pixels of the image the object covers with nothing in front of it.
    pub unoccluded_pixels: u64,
    /// `visible_pixels / unoccluded_pixels`.
    pub visibility: Option<f64>,
    /// Share of the unclipped silhouette outside the image.
    pub truncation: Option<f64>,
    /// Box of the unoccluded pixels.
    pub amodal_bbox: Option<[u32; 4]>,
    /// The unoccluded mask, when the spec asks for amodal masks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amodal_segmentation: Option<RleJson>,
    /// The cuboid keypoints `[x, y, v] × 9`, when the spec asks for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<f64>>,
    /// Keypoints with `v > 0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_keypoints: Option<usize>,
    /// Pose in the camera frame.
    pub pose_camera: Pose,
    /// The asset box's corners in the camera frame, metres.
    pub cuboid_camera: [[f64; 3]; 8],
    /// Those corners projected with `K`.
    pub cuboid_pixels: [[f64; 2]; 8],
}

/// Frame `frame`'s image record: `(width, height)`, its scene, `present`, which says
/// whether the frame has a file of a modality, and its licence ids.
pub fn image_record(
    frame: u64,
    (width, height): (u32, u32),
    scene: &crate::scene::FrameScene,
    present: impl Fn(Modality) -> bool,
    licenses: Option<Vec<u32>>,
) -> CocoImage {
    let camera = &scene.camera;
    let mut image = image_record_of(
        frame,
        (width, height),
        CocoCamera {
            k: camera.k,
            world_to_camera: camera.world_to_camera,
        },
        present,
    );
    image.set_sequence(scene.sequence.as_ref());
    image.set_licenses(licenses);
    image
}

/// One entry of `annotations.json`'s `videos`: a sequence.
#[derive(Debug, Clone, Serialize)]
pub struct CocoVideo {
    /// Video id: sequence index + 1 (the images' `video_id`).
    pub id: u64,
    /// Sequence index in the run.
    pub sequence: u64,
    /// `sequence_NNNNNN`.
    pub name: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Steps in the sequence.
    pub length: u32,
    /// Steps per second.
    pub fps: f64,
    /// The cameras that filmed it.
    pub cameras: Vec<String>,
}

impl CocoImage {
    /// Sets the sequence keys (`video_id`, `frame_id`, `camera`) of a sequence's frame.
    fn set_sequence(&mut self, sequence: Option<&SequenceStep>) {
        if let Some(s) = sequence {
            self.video_id = Some(s.sequence + 1);
            self.frame_id = Some(s.step);
            self.camera_name = Some(s.camera.clone());
        }
    }

    /// Sets `licenses`, and COCO's own `license` when there is exactly one.
    fn set_licenses(&mut self, licenses: Option<Vec<u32>>) {
        self.license = match licenses.as_deref() {
            Some([one]) => Some(*one),
            _ => None,
        };
        self.licenses = licenses;
    }
}

fn image_record_of(
    frame: u64,
    (width, height): (u32, u32),
    camera: CocoCamera,
    present: impl Fn(Modality) -> bool,
) -> CocoImage {
    let first = |modalities: &[Modality]| {
        modalities
            .iter()
            .find(|&&m| present(m))
            .map(|m| m.path(frame))
    };
    CocoImage {
        id: frame + 1,
        file_name: Modality::Rgb.path(frame),
        width,
        height,
        frame_index: frame,
        video_id: None,
        frame_id: None,
        camera_name: None,
        camera,
        depth_file_name: first(&[Modality::Depth, Modality::DepthExr]),
        instance_file_name: first(&[Modality::Instance]),
        class_file_name: first(&[Modality::Class]),
        flow_forward_file_name: first(&[Modality::FlowForward]),
        flow_backward_file_name: first(&[Modality::FlowBackward]),
        occlusion_forward_file_name: first(&[Modality::OcclusionForward]),
        occlusion_backward_file_name: first(&[Modality::OcclusionBackward]),
        scene_flow_forward_file_name: first(&[Modality::SceneFlowForward]),
        scene_flow_backward_file_name: first(&[Modality::SceneFlowBackward]),
        flow_kitti_forward_file_name: first(&[Modality::FlowKittiForward]),
        flow_kitti_backward_file_name: first(&[Modality::FlowKittiBackward]),
        disparity_file_name: first(&[Modality::Disparity]),
        labels_file_name: Some(Modality::Labels.path(frame)),
        license: None,
        licenses: None,
    }
}

/// Frame `frame`'s annotation records, numbered from `first_id`: each instance whose
/// `coco` status annotates it (as a crowd or not) and that has a visible mask.
pub fn annotation_records(
    frame: u64,
    instances: &[InstanceLabel],
    first_id: u64,
) -> Vec<CocoAnnotation> {
    let mut next_id = first_id;
    let mut out = Vec::new();
    for inst in instances {
        let (Some(iscrowd), Some(bbox), Some(segmentation)) =
            (coco_iscrowd(inst), inst.bbox, inst.segmentation.as_ref())
        else {
            continue;
        };
        out.push(CocoAnnotation {
            id: next_id,
            image_id: frame + 1,
            category_id: inst.category_id,
            segmentation: segmentation.clone(),
            area: inst.area,
            bbox,
            iscrowd,
            instance_id: inst.instance_id,
            track_id: inst.track_id,
            visible_pixels: inst.area,
            unoccluded_pixels: inst.unoccluded_pixels,
            visibility: inst.visibility,
            truncation: inst.truncation,
            amodal_bbox: inst.amodal_bbox,
            amodal_segmentation: inst.amodal_segmentation.clone(),
            keypoints: inst.keypoints.clone(),
            num_keypoints: inst
                .keypoints
                .as_ref()
                .map(|k| k.chunks(3).filter(|p| p[2] > 0.0).count()),
            pose_camera: inst.pose_camera.clone(),
            cuboid_camera: inst.cuboid_camera,
            cuboid_pixels: inst.cuboid_pixels,
        });
        next_id += 1;
    }
    out
}

/// `iscrowd` of the annotation `annotations.json` holds for `inst`: 0, 1 for a crowd
/// region, `None` when it holds none (below the thresholds, or not visible).
pub fn coco_iscrowd(inst: &InstanceLabel) -> Option<u8> {
    match inst.coco {
        CocoStatus::Annotated => Some(0),
        CocoStatus::Crowd => Some(1),
        CocoStatus::BelowThreshold | CocoStatus::NotVisible => None,
    }
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
    write_coco_file(
        &dir.join(COCO_FILE),
        &mut DatasetFiles::new(dir, format),
        frames,
        header,
        CocoImages::All,
        durability,
    )
}

/// Which of a dataset's frames a COCO file holds, and what it calls their images.
#[derive(Clone, Copy)]
pub enum CocoImages<'a> {
    /// Every frame, its images named as in the dataset (`annotations.json`).
    All,
    /// The frames this names, each under the path it gives (an export's copy of the RGB
    /// image); the dataset's other files, which such a file does not sit beside, are not
    /// named. Ids stay the dataset's.
    Renamed(&'a dyn Fn(u64) -> Option<String>),
}

/// Writes the COCO file `path` from the labels of frames `frames` of the dataset read by
/// `files`, streaming them: the frames `images` selects, with the image and annotation
/// ids the dataset's `annotations.json` gives them.
pub fn write_coco_file(
    path: &Path,
    files: &mut DatasetFiles,
    frames: std::ops::Range<u64>,
    header: &CocoHeader<'_>,
    images: CocoImages<'_>,
    durability: Durability,
) -> Result<(), OutputError> {
    let (width, height) = header.resolution;
    let mut file = AtomicFile::create(path, durability)?;
    let jerr = |e: serde_json::Error, f: &AtomicFile| f.write_error(e.into());
    let select = |f: u64, image: &mut CocoImage| match images {
        CocoImages::All => true,
        CocoImages::Renamed(name) => name(f).is_some_and(|n| {
            image.file_name = n;
            image.depth_file_name = None;
            image.instance_file_name = None;
            image.class_file_name = None;
            image.flow_forward_file_name = None;
            image.flow_backward_file_name = None;
            image.occlusion_forward_file_name = None;
            image.occlusion_backward_file_name = None;
            image.scene_flow_forward_file_name = None;
            image.scene_flow_backward_file_name = None;
            image.flow_kitti_forward_file_name = None;
            image.flow_kitti_backward_file_name = None;
            image.disparity_file_name = None;
            image.labels_file_name = None;
            true
        }),
    };

    let info = serde_json::json!({
        "description": "synthvis synthetic dataset",
        "version": header.tool_version,
        "contributor": "synthvis",
    });
    let licenses = serde_json::to_string(header.licenses.entries()).map_err(|e| jerr(e, &file))?;
    let opening = format!("{{\n\"info\": {info},\n\"licenses\": {licenses},\n\"categories\": [");
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
    let mut first = true;
    let mut videos: BTreeMap<u64, CocoVideo> = BTreeMap::new();
    for f in frames.clone() {
        let labels = read_labels(files, f)?;
        let mut image = image_record_of(f, (width, height), labels.scene.camera, |m| {
            labels.files.contains_key(&m.path(f))
        });
        image.set_sequence(labels.scene.sequence.as_ref());
        image.set_licenses(
            header
                .licenses
                .image_ids(labels.scene.objects.iter().map(|o| o.asset.as_str())),
        );
        if !select(f, &mut image) {
            continue;
        }
        if let Some(s) = &labels.scene.sequence {
            let video = videos.entry(s.sequence).or_insert_with(|| CocoVideo {
                id: s.sequence + 1,
                sequence: s.sequence,
                name: format!("sequence_{}", super::layout::frame_stem(s.sequence)),
                width,
                height,
                length: s.steps,
                fps: s.fps,
                cameras: Vec::new(),
            });
            if !video.cameras.contains(&s.camera) {
                video.cameras.push(s.camera.clone());
            }
        }
        file.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(file.writer(), &image).map_err(|e| jerr(e, &file))?;
    }
    file.write_all(b"\n],\n\"annotations\": [")?;
    // Every frame's annotations are counted, so that ids are the whole dataset's.
    let mut next_id: u64 = 1;
    let mut first = true;
    for f in frames {
        let labels = read_labels(files, f)?;
        let records = annotation_records(labels.frame_index, &labels.instances, next_id);
        next_id += records.len() as u64;
        if matches!(images, CocoImages::Renamed(name) if name(f).is_none()) {
            continue;
        }
        for ann in records {
            file.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(file.writer(), &ann).map_err(|e| jerr(e, &file))?;
        }
    }
    file.write_all(b"\n]")?;
    if !videos.is_empty() {
        file.write_all(b",\n\"videos\": [")?;
        for (i, video) in videos.values().enumerate() {
            file.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(file.writer(), video).map_err(|e| jerr(e, &file))?;
        }
        file.write_all(b"\n]")?;
    }
    file.write_all(b"\n}\n")?;
    file.commit()
}

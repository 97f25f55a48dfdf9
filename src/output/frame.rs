//! One frame's files: images encoded in parallel, then `labels/NNNNNN.json` carrying the
//! sampled scene, per-instance labels and the checksums of the frame's images.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::images::{depth_to_millimetres, exr_depth, png_gray16, png_rgb8};
use super::{OutputError, frame_stem};
use crate::assets::sha256_hex;
use crate::geometry::Pose;
use crate::gpu::FrameBuffers;
use crate::labels::{InstanceMask, class_image};
use crate::scene::FrameScene;
use crate::spec::OutputsSpec;

/// COCO-style RLE as stored in labels and `annotations.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RleJson {
    /// `[height, width]`.
    pub size: [u32; 2],
    /// pycocotools' compressed counts string.
    pub counts: String,
}

/// The labels of one instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceLabel {
    /// Instance id in `instance/` (1-based per frame).
    pub instance_id: u16,
    /// Asset name.
    pub asset: String,
    /// Category name.
    pub category: String,
    /// Category id (1-based, spec order).
    pub category_id: u16,
    /// Pose in the world frame.
    pub pose_world: Pose,
    /// Pose in the camera frame (OpenCV: x right, y down, z forward).
    pub pose_camera: Pose,
    /// Visible pixel count.
    pub area: u64,
    /// Tight box of the visible pixels `[x, y, w, h]`; null when not visible.
    pub bbox: Option<[u32; 4]>,
    /// Visible mask; null when not visible.
    pub segmentation: Option<RleJson>,
}

/// Image facts for COCO.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageInfo {
    /// `rgb/NNNNNN.png`.
    pub file_name: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
}

/// `labels/NNNNNN.json` as written.
#[derive(Debug, Serialize)]
pub struct FrameLabels<'a> {
    /// Frame index.
    pub frame_index: u64,
    /// The frame's RGB image.
    pub image: ImageInfo,
    /// What was drawn (the same record `explain` prints).
    pub scene: &'a FrameScene,
    /// Labeled instances in id order, visible or not.
    pub instances: Vec<InstanceLabel>,
    /// SHA-256 of each image file of this frame, by path relative to the dataset root.
    pub files: BTreeMap<String, String>,
}

/// Encoded files of one frame, paths relative to the dataset root; labels last.
#[derive(Debug, Default)]
pub struct EncodedFrame {
    /// (relative path, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// SHA-256 of the labels file.
    pub labels_sha256: String,
}

fn encode_err(path: &str) -> impl FnOnce(String) -> OutputError + '_ {
    move |message| OutputError::Encode {
        path: path.to_owned(),
        message,
    }
}

/// Encodes every output of a frame. `category_of[id]` maps instance ids to category ids.
pub fn encode_frame(
    scene: &FrameScene,
    buffers: &FrameBuffers,
    masks: &[InstanceMask],
    category_of: &[u16],
    outputs: &OutputsSpec,
) -> Result<EncodedFrame, OutputError> {
    let stem = frame_stem(scene.frame_index);
    let (w, h) = (buffers.width, buffers.height);
    let c = outputs.png_compression;

    type Job<'a> = Box<dyn Fn() -> Result<Vec<u8>, String> + Send + Sync + 'a>;
    let mut jobs: Vec<(String, Job)> = Vec::new();
    if outputs.rgb {
        jobs.push((
            format!("rgb/{stem}.png"),
            Box::new(|| png_rgb8(&buffers.rgb, w, h, c).map_err(|e| e.to_string())),
        ));
    }
    if outputs.depth {
        jobs.push((
            format!("depth/{stem}.png"),
            Box::new(|| {
                png_gray16(&depth_to_millimetres(&buffers.depth), w, h, c)
                    .map_err(|e| e.to_string())
            }),
        ));
    }
    if outputs.depth_exr {
        jobs.push((
            format!("depth/{stem}.exr"),
            Box::new(|| exr_depth(&buffers.depth, w, h).map_err(|e| e.to_string())),
        ));
    }
    if outputs.instance {
        jobs.push((
            format!("instance/{stem}.png"),
            Box::new(|| {
                let ids: Vec<u16> = buffers
                    .instance
                    .iter()
                    .map(|&v| v.min(u32::from(u16::MAX)) as u16)
                    .collect();
                png_gray16(&ids, w, h, c).map_err(|e| e.to_string())
            }),
        ));
    }
    if outputs.class {
        jobs.push((
            format!("class/{stem}.png"),
            Box::new(|| {
                png_gray16(&class_image(&buffers.instance, category_of), w, h, c)
                    .map_err(|e| e.to_string())
            }),
        ));
    }

    use rayon::prelude::*;
    let mut files = jobs
        .par_iter()
        .map(|(path, job)| {
            job()
                .map(|bytes| (path.clone(), bytes))
                .map_err(encode_err(path))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let world_to_camera = scene.camera.world_to_camera();
    let labeled = scene.objects.iter().filter(|o| o.instance_id > 0);
    let instances = labeled
        .map(|o| {
            let mask = masks.get(usize::from(o.instance_id) - 1);
            InstanceLabel {
                instance_id: o.instance_id,
                asset: o.asset.clone(),
                category: o.category.clone().unwrap_or_default(),
                category_id: o.category_id,
                pose_world: o.pose_world.clone(),
                pose_camera: o.pose_camera(world_to_camera),
                area: mask.map_or(0, |m| m.area),
                bbox: mask.and_then(|m| m.bbox),
                segmentation: mask.and_then(|m| m.rle.as_ref()).map(|r| RleJson {
                    size: [r.height, r.width],
                    counts: r.to_compressed(),
                }),
            }
        })
        .collect();
    let labels = FrameLabels {
        frame_index: scene.frame_index,
        image: ImageInfo {
            file_name: format!("rgb/{stem}.png"),
            width: w,
            height: h,
        },
        scene,
        instances,
        files: files
            .iter()
            .map(|(p, b)| (p.clone(), sha256_hex(b)))
            .collect(),
    };
    let mut json = serde_json::to_vec(&labels).map_err(|e| encode_err("labels")(e.to_string()))?;
    json.push(b'\n');
    let labels_sha256 = sha256_hex(&json);
    files.push((format!("labels/{stem}.json"), json));
    Ok(EncodedFrame {
        files,
        labels_sha256,
    })
}

//! The label stage: one function, [`label_frame`], turns a frame's scene, its read-back
//! buffers and the assets' boxes into the per-instance records (masks as COCO RLE, boxes,
//! areas, poses, cuboids) and the instance → category map the class image is drawn from. `output/` only encodes and
//! writes what this stage returns.

pub mod flow;
pub mod keypoints;
pub mod masks;
pub mod rle;
pub mod visibility;

use serde::{Deserialize, Serialize};

pub use crate::spec::{AnnotationPolicy, BelowThreshold, CocoStatus, LabelOptions};
pub use masks::{InstanceMask, class_image, instance_masks};
pub use rle::{Rle, RleBuilder};
pub use visibility::{Silhouette, amodal_mask, silhouettes};

use crate::geometry::Bounds;
use crate::geometry::{Pose, box_corners};
use crate::gpu::FrameBuffers;
use crate::scene::FrameScene;
use keypoints::cuboid_keypoints;

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
    /// In a sequence, the object's id for the whole sequence and every camera (its
    /// instance id, which does not change from step to step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u64>,
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
    /// The corners of the asset's bounding box (asset space, the box its `bounds` span)
    /// in the camera frame, metres, in [`box_corners`]' order.
    pub cuboid_camera: [[f64; 3]; 8],
    /// `cuboid_camera` projected with `K` (OpenCV's pixel convention); meaningless for a
    /// corner with z <= 0.
    pub cuboid_pixels: [[f64; 2]; 8],
    /// Visible pixel count (COCO's `area`).
    pub area: u64,
    /// The same count under the name the visibility keys use.
    pub visible_pixels: u64,
    /// Pixels of the image the object covers with nothing in front of it.
    pub unoccluded_pixels: u64,
    /// `visible_pixels / unoccluded_pixels` (occlusion only); null when the object
    /// covers no pixel of the image.
    pub visibility: Option<f64>,
    /// Share of the object's unclipped silhouette outside the image (measured in a field
    /// three times wider and taller); null when it covers no pixel of that field.
    pub truncation: Option<f64>,
    /// Tight box `[x, y, w, h]` of the unoccluded pixels; null when there are none.
    pub amodal_bbox: Option<[u32; 4]>,
    /// Pixels of the silhouette unclipped by the image (BOP's `px_count_all`): the
    /// unoccluded pixels plus those beyond the image, measured in the wide field.
    pub unclipped_pixels: u64,
    /// Box `[x, y, w, h]` of the silhouette unclipped by the image (BOP's `bbox_obj`;
    /// `x`, `y` may be negative, edges beyond the image known to 3 px); null when the
    /// object covers no pixel of the wide field.
    pub unclipped_bbox: Option<[i64; 4]>,
    /// How `annotations.json` holds it.
    pub coco: CocoStatus,
    /// Tight box of the visible pixels `[x, y, w, h]`; null when not visible.
    pub bbox: Option<[u32; 4]>,
    /// Visible mask; null when not visible.
    pub segmentation: Option<RleJson>,
    /// The unoccluded mask (`outputs.amodal_masks`); null when the object covers no
    /// pixel of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amodal_segmentation: Option<RleJson>,
    /// The cuboid's corners and centre as COCO keypoints `[x, y, v] × 9`
    /// (`labels.keypoints`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<f64>>,
}

/// What the label stage derives from one rendered frame.
#[derive(Debug, Clone)]
pub struct FrameLabels {
    /// Labeled instances in id order, visible or not.
    pub instances: Vec<InstanceLabel>,
    /// Category id of each instance id (index 0: background, category 0).
    pub category_of: Vec<u16>,
}

impl FrameLabels {
    /// The class image: each pixel's category id, 0 outside labeled objects.
    pub fn class_image(&self, instance: &[u32]) -> Vec<u16> {
        class_image(instance, &self.category_of)
    }
}

/// Labels one frame: masks, boxes and areas from the instance buffer, visibility from the
/// amodal masks, poses from the scene, cuboids from the assets' `bounds` (in asset
/// order); `options` decide which instances become COCO annotations and what else is
/// computed.
pub fn label_frame(
    scene: &FrameScene,
    buffers: &FrameBuffers,
    bounds: &[Bounds],
    options: &LabelOptions,
) -> FrameLabels {
    let max_id = scene
        .objects
        .iter()
        .map(|o| o.instance_id)
        .max()
        .unwrap_or(0);
    let masks = instance_masks(&buffers.instance, buffers.width, buffers.height, max_id);
    let silhouettes = silhouettes(buffers, &masks, max_id);
    let mut category_of = vec![0u16; usize::from(max_id) + 1];
    for o in scene.objects.iter().filter(|o| o.instance_id > 0) {
        category_of[usize::from(o.instance_id)] = o.category_id;
    }
    let world_to_camera = scene.camera.world_to_camera();
    let instances = scene
        .objects
        .iter()
        .filter(|o| o.instance_id > 0)
        .map(|o| {
            let mask = masks.get(usize::from(o.instance_id) - 1);
            let silhouette = silhouettes
                .get(usize::from(o.instance_id) - 1)
                .copied()
                .unwrap_or_default();
            let area = mask.map_or(0, |m| m.area);
            let visibility = silhouette.visibility(area);
            let object_to_camera = world_to_camera * o.world_matrix();
            // A caller without the assets' boxes gets a degenerate cuboid, not a panic.
            let bounds = o.local_bounds(bounds);
            let corners = box_corners(bounds).map(|c| object_to_camera.transform_point3(c));
            InstanceLabel {
                instance_id: o.instance_id,
                track_id: scene.sequence.as_ref().map(|_| u64::from(o.instance_id)),
                asset: o.asset.clone(),
                category: o.category.clone().unwrap_or_default(),
                category_id: o.category_id,
                pose_world: o.pose_world.clone(),
                pose_camera: o.pose_camera(world_to_camera),
                cuboid_camera: corners.map(|c| c.to_array()),
                cuboid_pixels: corners.map(|c| scene.camera.project(c)),
                area,
                visible_pixels: area,
                unoccluded_pixels: silhouette.unoccluded_pixels,
                visibility,
                truncation: silhouette.truncation(),
                amodal_bbox: silhouette.amodal_bbox,
                unclipped_pixels: silhouette.unclipped_pixels(),
                unclipped_bbox: silhouette.unclipped_bbox(),
                coco: options.policy.status(area, visibility),
                amodal_segmentation: silhouette.amodal_bbox.filter(|_| options.amodal_masks).map(
                    |b| {
                        let m = amodal_mask(buffers, o.instance_id, b);
                        rle_json(&Rle::from_mask(&m, buffers.width, buffers.height))
                    },
                ),
                keypoints: options
                    .keypoints
                    .then(|| cuboid_keypoints(&corners, &scene.camera, &buffers.depth)),
                bbox: mask.and_then(|m| m.bbox),
                segmentation: mask.and_then(|m| m.rle.as_ref()).map(rle_json),
            }
        })
        .collect();
    FrameLabels {
        instances,
        category_of,
    }
}

/// An RLE as the JSON files hold it.
fn rle_json(r: &Rle) -> RleJson {
    RleJson {
        size: [r.height, r.width],
        counts: r.to_compressed(),
    }
}

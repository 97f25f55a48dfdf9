//! [`Frame`]: one rendered, labelled frame in memory.

use crate::gpu::FrameBuffers;
use crate::labels::FrameLabels;
use crate::output::OutputError;
use crate::output::coco::{CocoAnnotation, CocoImage, annotation_records, image_record};
use crate::output::frame::{EncodedFrame, ImageInfo, LabelsFile, encode_frame, object_coordinates};
use crate::output::layout::Modality;
use crate::render::FrameTimings;
use crate::scene::FrameScene;
use crate::spec::OutputsSpec;

/// One frame of a spec, rendered and labelled: what `synthvis render` writes for it, in
/// memory. [`Frame::encode`] gives those files' bytes.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Frame index in the run.
    pub index: u64,
    /// The run seed it was sampled with.
    pub seed: u64,
    /// What was drawn: camera, lights, objects and their poses (`labels/NNNNNN.json`'s
    /// `scene`).
    pub scene: FrameScene,
    /// The images, row-major from the top-left pixel: `rgb` (8-bit sRGB, the bytes the
    /// PNG holds), `depth` (metres along the optical axis, 0 where no surface is),
    /// `instance` (ids, 0 for background), `normals` (packed; empty unless the spec asks
    /// for them) and the amodal masks.
    pub buffers: FrameBuffers,
    /// Per-instance labels (masks as COCO RLE, boxes, poses, cuboids, visibility): the
    /// records `labels/NNNNNN.json` holds as `instances`.
    pub labels: FrameLabels,
    /// Where this frame's time went.
    pub timings: FrameTimings,
    /// In a sequence with flow outputs, the optical flow to the neighbouring steps and
    /// which pixels' surface is hidden or out of view there (filled by
    /// [`crate::Renderer::frames`], which renders the neighbours it needs; a frame made
    /// from a scene by hand has none, and [`Frame::optical_flow`] computes its flow).
    pub flow: crate::labels::flow::FrameFlow,
    /// The COCO licence ids of the assets it places (`annotations.json`'s image
    /// `licenses`); none when no asset of the spec has licence information.
    pub licenses: Option<Vec<u32>>,
}

impl Frame {
    /// Image width, pixels.
    pub fn width(&self) -> u32 {
        self.buffers.width
    }

    /// Image height, pixels.
    pub fn height(&self) -> u32 {
        self.buffers.height
    }

    /// Each pixel's category id (the `class/` image), 0 outside labelled objects.
    pub fn class_ids(&self) -> Vec<u16> {
        self.labels.class_image(&self.buffers.instance)
    }

    /// Each labelled pixel's surface point in its asset's box, as the `nocs/` image holds
    /// it (16-bit RGB, `1 + c · 65534` per axis, 0 where no labelled object is).
    pub fn object_coordinates(&self) -> Vec<u16> {
        object_coordinates(&self.scene, &self.buffers, &self.labels)
    }

    /// The frame's files, encoded as `synthvis render` writes them with `outputs`
    /// (paths relative to the dataset root, the labels file last): the same bytes.
    pub fn encode(&self, outputs: &OutputsSpec) -> Result<EncodedFrame, OutputError> {
        encode_frame(
            (&self.scene, &self.buffers, &self.labels, &self.flow),
            outputs,
        )
    }

    /// The labels file `labels/NNNNNN.json` holds for this frame, but for its `files`
    /// (the image files' checksums, which exist only once files are written).
    pub fn labels_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let document = LabelsFile {
            frame_index: self.index,
            image: ImageInfo {
                file_name: Modality::Rgb.path(self.index),
                width: self.width(),
                height: self.height(),
            },
            scene: &self.scene,
            instances: &self.labels.instances,
            files: Default::default(),
        };
        let mut value = serde_json::to_value(&document)?;
        if let Some(fields) = value.as_object_mut() {
            fields.remove("files");
        }
        serde_json::to_vec(&value)
    }

    /// The frame's record in `annotations.json`'s `images`, for a dataset written with
    /// `outputs`.
    pub fn coco_image(&self, outputs: &OutputsSpec) -> CocoImage {
        image_record(
            self.index,
            (self.width(), self.height()),
            &self.scene,
            |m| crate::output::frame::writes(m, &self.scene, &self.flow, outputs),
            self.licenses.clone(),
        )
    }

    /// The frame's optical flow to the next (forward) or previous (backward) step of its
    /// sequence, `(dx, dy)` pixels per pixel row-major ([`crate::labels::flow`]); `None`
    /// when the frame has no step in that direction (or is not a sequence's). The flow
    /// [`Frame::flow`] holds when it has it, else computed from the depth.
    pub fn optical_flow(
        &self,
        direction: crate::labels::flow::FlowDirection,
    ) -> Result<Option<Vec<[f32; 2]>>, crate::motion::MotionError> {
        if let Some(made) = self.flow.get(direction) {
            return Ok(Some(made.flow.clone()));
        }
        crate::labels::flow::optical_flow(
            &self.scene,
            &self.buffers.depth,
            &self.buffers.instance,
            self.width(),
            direction,
        )
    }

    /// The frame's records in `annotations.json`'s `annotations`, numbered from
    /// `first_id` (a dataset numbers them 1.. across its frames, in frame order).
    pub fn coco_annotations(&self, first_id: u64) -> Vec<CocoAnnotation> {
        annotation_records(self.index, &self.labels.instances, first_id)
    }
}

//! What becomes of a rendered frame: labelled, encoded and (outside a run's frame loop,
//! which stores frames by format) written into a dataset folder.

use std::path::Path;
use std::time::Instant;

use super::FrameTimings;
use crate::Error;
use crate::gpu::FrameBuffers;
use crate::labels::{LabelOptions, label_frame};
use crate::output::frame::{EncodedFrame, encode_frame};
use crate::output::{Durability, write_files};
use crate::randomize::Bounds;
use crate::scene::FrameScene;
use crate::spec::OutputsSpec;

/// A dataset folder frames are written into.
#[derive(Debug, Clone, Copy)]
pub struct FrameSink<'a> {
    /// The dataset folder (its layout created).
    pub dir: &'a Path,
    /// Which files each frame writes.
    pub outputs: &'a OutputsSpec,
    /// How far each write goes before it counts as done.
    pub durability: Durability,
    /// The assets' boxes, in asset order (the labels' cuboids).
    pub bounds: &'a [Bounds],
    /// Which instances become COCO annotations, and what else is labeled.
    pub labels: LabelOptions,
}

impl FrameSink<'_> {
    /// Labels and encodes one rendered frame, recording the stage times in `timings`.
    pub fn encode(
        &self,
        scene: &FrameScene,
        buffers: &FrameBuffers,
        timings: &mut FrameTimings,
    ) -> Result<EncodedFrame, Error> {
        let t0 = Instant::now();
        let labels = label_frame(scene, buffers, self.bounds, &self.labels);
        let t1 = Instant::now();
        let encoded = encode_frame(scene, buffers, &labels, self.outputs)?;
        timings.labels = (t1 - t0).as_secs_f64();
        timings.encode = t1.elapsed().as_secs_f64();
        Ok(encoded)
    }

    /// Labels, encodes and writes one rendered frame into the folder layout; returns the
    /// SHA-256 of its labels file and records the stage times in `timings`.
    pub fn write(
        &self,
        scene: &FrameScene,
        buffers: &FrameBuffers,
        timings: &mut FrameTimings,
    ) -> Result<String, Error> {
        let encoded = self.encode(scene, buffers, timings)?;
        let t = Instant::now();
        write_files(self.dir, &encoded.files, self.durability)?;
        timings.write = t.elapsed().as_secs_f64();
        Ok(encoded.labels_sha256)
    }
}

//! The frames digest: one checksum over a dataset's frames, computed the same way by the
//! render that writes them and by `verify` (and a later shard `merge`) that checks them.
//!
//! It is the SHA-256 of the lines `NNNNNN <sha256 of labels/NNNNNN.json>\n` in frame
//! order; each labels file carries the checksums of its frame's images, so the digest
//! covers every file of every frame.

use super::layout::frame_stem;
use crate::hash::Sha256Hex;

/// A frames digest being accumulated, frame by frame in order.
#[derive(Debug, Clone, Default)]
pub struct FramesDigest(Sha256Hex);

impl FramesDigest {
    /// An empty digest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds frame `frame`, whose labels file has checksum `labels_sha256`.
    pub fn add(&mut self, frame: u64, labels_sha256: &str) {
        self.0
            .update(format!("{} {labels_sha256}\n", frame_stem(frame)).as_bytes());
    }

    /// The digest as lowercase hex.
    pub fn finish(self) -> String {
        self.0.finish()
    }
}

//! `manifest.json`: what made the dataset, and whether it is complete.
//!
//! It holds no timestamp: rendering the same spec twice on the same build and driver
//! stack gives byte-identical files, the manifest included.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::gpu::AdapterSummary;

/// The tool name written into every manifest.
pub const TOOL: &str = "synthvis";

/// An asset file and its checksum.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestAsset {
    /// Asset name in the spec.
    pub asset: String,
    /// File path as written in the spec, or relative to the asset's glTF file.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `synthvis`.
    pub tool: String,
    /// synthvis version.
    pub version: String,
    /// Copy of the spec as parsed (defaults filled in).
    pub spec: serde_json::Value,
    /// SHA-256 of the spec file's bytes.
    pub spec_sha256: String,
    /// Every asset file read, with its SHA-256.
    pub assets: Vec<ManifestAsset>,
    /// Run seed.
    pub seed: u64,
    /// Frames rendered: `[start, end)`.
    pub frames: [u64; 2],
    /// `[width, height]`.
    pub resolution: [u32; 2],
    /// Adapter, backend and driver that rendered the images.
    pub adapter: AdapterSummary,
    /// Metres per unit of the 16-bit depth PNGs.
    pub depth_png_scale_m: f64,
    /// SHA-256 over the lines `NNNNNN <sha256 of labels/NNNNNN.json>\n` in frame order
    /// (each labels file carries the checksums of its frame's images); empty until complete.
    pub frames_digest: String,
    /// True only once every file of every frame, `annotations.json` included, is written.
    pub complete: bool,
}

/// Whether `path` is a manifest written by synthvis.
pub fn is_synthvis_manifest(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("tool").and_then(|t| t.as_str()) == Some(TOOL))
}

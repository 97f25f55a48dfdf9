//! `manifest.json`: what made the dataset, and whether it is complete.
//!
//! It holds no timestamp: rendering the same spec twice on the same build and driver
//! stack gives byte-identical files, the manifest included.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::OutputError;
use super::atomic::write_atomic;
use super::images::DEPTH_PNG_METRES_PER_UNIT;
use super::layout::MANIFEST_FILE;
use crate::assets::AssetLibrary;
use crate::gpu::AdapterSummary;
use crate::hash::sha256_hex;
use crate::spec::LoadedSpec;

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

impl Manifest {
    /// The manifest of a run about to start: `complete: false` and no digest until
    /// [`Manifest::completed`].
    pub fn for_run(
        spec: &LoadedSpec,
        library: &AssetLibrary,
        seed: u64,
        frames: &Range<u64>,
        adapter: &AdapterSummary,
    ) -> Self {
        let resolution = spec.spec.resolution;
        Self {
            tool: TOOL.into(),
            version: crate::VERSION.into(),
            spec: serde_json::to_value(&spec.spec).unwrap_or_default(),
            spec_sha256: sha256_hex(&spec.bytes),
            assets: asset_files(spec, library),
            seed,
            frames: [frames.start, frames.end],
            resolution: [resolution.width, resolution.height],
            adapter: adapter.clone(),
            depth_png_scale_m: DEPTH_PNG_METRES_PER_UNIT,
            frames_digest: String::new(),
            complete: false,
        }
    }

    /// Marks the run complete with its frames digest.
    pub fn completed(mut self, frames_digest: String) -> Self {
        self.frames_digest = frames_digest;
        self.complete = true;
        self
    }

    /// Writes `dir/manifest.json` (pretty, with a final newline), atomically.
    pub fn write(&self, dir: &Path) -> Result<(), OutputError> {
        let path = dir.join(MANIFEST_FILE);
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| OutputError::Encode {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json)
    }
}

/// Every file each asset was read from, with its checksum: the glTF file as the spec names
/// it, the files it refers to relative to it.
fn asset_files(spec: &LoadedSpec, library: &AssetLibrary) -> Vec<ManifestAsset> {
    let mut out = Vec::new();
    for (asset_spec, asset) in spec.spec.assets.iter().zip(&library.assets) {
        let base = asset.path.parent().unwrap_or(Path::new(""));
        for (k, f) in asset.files.iter().enumerate() {
            let file = if k == 0 {
                asset_spec
                    .path
                    .as_deref()
                    .unwrap_or(Path::new(""))
                    .to_string_lossy()
                    .into_owned()
            } else {
                f.path
                    .strip_prefix(base)
                    .unwrap_or(&f.path)
                    .to_string_lossy()
                    .into_owned()
            };
            out.push(ManifestAsset {
                asset: asset.name.clone(),
                file,
                sha256: f.sha256.clone(),
            });
        }
    }
    out
}

/// Whether `path` is a manifest written by synthvis.
pub fn is_synthvis_manifest(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("tool").and_then(|t| t.as_str()) == Some(TOOL))
}

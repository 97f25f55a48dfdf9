//! `manifest.json`: what made the dataset, and whether it is complete.
//!
//! It holds no timestamp: rendering the same spec twice on the same build and driver
//! stack gives byte-identical files, the manifest included.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::OutputError;
use super::atomic::{Durability, write_atomic_with};
use super::images::DEPTH_PNG_METRES_PER_UNIT;
use super::layout::{Format, MANIFEST_FILE};
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

/// Which shard of which run a dataset is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShardInfo {
    /// Shard index, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
    /// The whole run's frames `[start, end)`, split among the shards.
    pub of: [u64; 2],
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `synthvis`.
    pub tool: String,
    /// synthvis version.
    pub version: String,
    /// The git commit synthvis was built from ("unknown" outside a checkout).
    pub git_commit: String,
    /// Copy of the spec as parsed (defaults filled in).
    pub spec: serde_json::Value,
    /// SHA-256 of the spec file's bytes.
    pub spec_sha256: String,
    /// Every asset file read, with its SHA-256.
    pub assets: Vec<ManifestAsset>,
    /// Every asset's licence and attribution, in asset order (absent in manifests
    /// written before licences were read).
    #[serde(default)]
    pub licenses: Vec<crate::assets::license::AssetLicense>,
    /// Run seed.
    pub seed: u64,
    /// Frames rendered: `[start, end)`.
    pub frames: [u64; 2],
    /// How the frames are stored (left out for the folder layout).
    #[serde(default, skip_serializing_if = "Format::is_folders")]
    pub format: Format,
    /// The shard this dataset is, when it is one (`merge` joins shards into a dataset
    /// without this field, as a single run writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
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
            git_commit: crate::GIT_COMMIT.into(),
            spec: serde_json::to_value(&spec.spec).unwrap_or_default(),
            spec_sha256: sha256_hex(&spec.bytes),
            assets: asset_files(spec, library),
            licenses: library.licenses.clone(),
            seed,
            frames: [frames.start, frames.end],
            format: Format::Folders,
            shard: None,
            resolution: [resolution.width, resolution.height],
            adapter: adapter.clone(),
            depth_png_scale_m: DEPTH_PNG_METRES_PER_UNIT,
            frames_digest: String::new(),
            complete: false,
        }
    }

    /// The first field in which `other` describes another run than this one (the spec,
    /// its assets, seed, frames, shard, resolution, adapter or synthvis build), ignoring
    /// completion and digest; none when they describe the same run.
    pub fn differs_from(&self, other: &Manifest) -> Option<String> {
        let fields = |m: &Manifest| match serde_json::to_value(m) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let (a, b) = (fields(self), fields(other));
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        keys.into_iter()
            .filter(|k| !matches!(k.as_str(), "frames_digest" | "complete"))
            .find(|k| a.get(*k) != b.get(*k))
            .map(|k| k.replace('_', " "))
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a readable synthvis manifest: {e}", path.display()))
    }

    /// Marks the run complete with its frames digest.
    pub fn completed(mut self, frames_digest: String) -> Self {
        self.frames_digest = frames_digest;
        self.complete = true;
        self
    }

    /// Writes `dir/manifest.json` (pretty, with a final newline), atomically.
    pub fn write(&self, dir: &Path, durability: Durability) -> Result<(), OutputError> {
        let path = dir.join(MANIFEST_FILE);
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| OutputError::Encode {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic_with(&path, &json, durability)
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

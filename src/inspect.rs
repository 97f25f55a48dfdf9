//! Looking at a spec without rendering: `validate` (check it, load its assets, sample
//! the first frames) and `explain` (the scene of one frame).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::assets::AssetError;
use crate::assets::AssetLibrary;
use crate::randomize::FrameSampler;
use crate::randomize::RandomizeError;
use crate::scene::FrameScene;
use crate::spec::LoadedSpec;
use crate::spec::SpecError;

/// Why a spec could not be validated or explained.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The spec is unreadable or invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// An asset could not be loaded.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// A frame could not be sampled.
    #[error(transparent)]
    Randomize(#[from] RandomizeError),
}

/// How many frames `validate` samples: placement can only be judged with the assets'
/// bounds, so an impossible placement is reported before a render, not in it.
pub const VALIDATE_SAMPLED_FRAMES: u64 = 16;

/// What `validate` found: the spec is usable.
#[derive(Debug, Clone)]
pub struct ValidateReport {
    /// The spec file.
    pub file: PathBuf,
    /// Assets loaded.
    pub assets: usize,
    /// Categories.
    pub categories: usize,
    /// Object groups.
    pub groups: usize,
    /// Frames a render produces.
    pub frames: u64,
    /// `(width, height)`.
    pub resolution: (u32, u32),
    /// Frames sampled.
    pub sampled: u64,
    /// Loader warnings, each naming its file, and frames whose dropped objects did not
    /// come to rest, each naming the frame and groups.
    pub warnings: Vec<String>,
    /// Assets without licence information, one issue each (`assets[i].license`): a
    /// warning, or an error under `validate --require-licenses`.
    pub unlicensed: Vec<crate::spec::SpecIssue>,
}

impl fmt::Display for ValidateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok: {} ({} assets, {} categories, {} object groups, {} frames at {}x{}; first {} frames sampled)",
            self.file.display(),
            self.assets,
            self.categories,
            self.groups,
            self.frames,
            self.resolution.0,
            self.resolution.1,
            self.sampled
        )
    }
}

/// Checks the spec at `file`, loads its assets and samples its first
/// [`VALIDATE_SAMPLED_FRAMES`] frames; nothing is rendered.
pub fn validate(file: &Path) -> Result<ValidateReport, InspectError> {
    let loaded = LoadedSpec::from_file(file)?;
    let library = AssetLibrary::load(&loaded)?;
    let bounds = library.bounds();
    let colliders = library.colliders(&loaded);
    let suns = library.environment_suns();
    let sampler = FrameSampler::new(&loaded.resolved, &bounds)?
        .with_colliders(&colliders)
        .with_environment_suns(&suns);
    let spec = &loaded.spec;
    let sampled = spec.images().min(VALIDATE_SAMPLED_FRAMES);
    let mut warnings = library.warnings();
    for frame in 0..sampled {
        let scene = sampler.sample(spec.seed, frame)?;
        warnings.extend(scene.physics.as_ref().and_then(|p| p.warning(frame)));
    }
    let unlicensed = spec
        .assets
        .iter()
        .zip(&library.licenses)
        .enumerate()
        .filter(|(_, (_, l))| l.is_missing())
        .map(|(i, (a, _))| crate::spec::SpecIssue {
            path: format!("assets[{i}].license"),
            message: format!(
                "`{}` ({}) has no licence information: set `license` (an SPDX id such as \
                 CC-BY-4.0) and `attribution`, or put {}.license or a LICENSE file beside it",
                a.name,
                a.path.as_deref().unwrap_or(Path::new("")).display(),
                a.path
                    .as_deref()
                    .and_then(Path::file_name)
                    .unwrap_or_default()
                    .to_string_lossy()
            ),
        })
        .collect();
    Ok(ValidateReport {
        unlicensed,
        file: file.to_owned(),
        assets: library.assets.len(),
        categories: spec.categories.len(),
        groups: spec.objects.len(),
        frames: spec.images(),
        resolution: (spec.resolution.width, spec.resolution.height),
        sampled,
        warnings,
    })
}

/// The scene frame `frame` of the spec at `file` draws, with `seed` or the spec's: the
/// record `labels/NNNNNN.json` carries under `scene`. Assets are loaded only when
/// placement needs their bounds or a light comes from an environment map's sun.
pub fn explain(file: &Path, frame: u64, seed: Option<u64>) -> Result<FrameScene, InspectError> {
    explain_spec(&LoadedSpec::from_file(file)?, frame, seed)
}

/// [`explain`] for a spec already loaded (the Python package's `Renderer.explain`).
pub fn explain_spec(
    loaded: &LoadedSpec,
    frame: u64,
    seed: Option<u64>,
) -> Result<FrameScene, InspectError> {
    let map_suns = (loaded.resolved.render.environment.as_ref()).is_some_and(|e| e.sun);
    let (bounds, colliders, suns) = if loaded.resolved.needs_asset_bounds() || map_suns {
        let library = AssetLibrary::load(loaded)?;
        (
            library.bounds(),
            library.colliders(loaded),
            library.environment_suns(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let sampler = FrameSampler::new(&loaded.resolved, &bounds)?
        .with_colliders(&colliders)
        .with_environment_suns(&suns);
    Ok(sampler.sample(seed.unwrap_or(loaded.spec.seed), frame)?)
}

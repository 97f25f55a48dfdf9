//! Golden-image regression tests for users and for synthvis itself.
//!
//! - [`record`] renders chosen frames of a spec into a golden set: a folder in the dataset
//!   layout (colour, depth as PNG and EXR, instance and class images, labels) with
//!   `golden.json` (spec hash, seed, synthvis version, adapter, tolerances).
//! - [`check`] renders the same frames again and compares them with the set, metric by
//!   metric ([`metrics`]), under the stored or given tolerances ([`tolerance`]); it never
//!   writes a reference. [`report`] turns the result into a table, a report folder with an
//!   HTML page, and JUnit XML.
//! - [`bless`] is the only way references change: all frames or named ones, and it says
//!   which files changed.
//! - [`diff`] compares two rendered datasets frame by frame with the same metrics and
//!   report (before and after an upgrade).

pub mod frames;
pub mod metrics;
pub mod report;
pub mod tolerance;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use metrics::{FrameComparison, Measurement};
pub use report::Comparison;
pub use tolerance::{Bound, Profile, Tolerances};

use crate::VERSION;
use crate::gpu::{AdapterSummary, BackendChoice};
use crate::hash::sha256_hex;
use crate::output::OutputError;
use crate::output::reader::DatasetFiles;
use crate::output::{self, Modality, layout};
use crate::render::RenderError;
use crate::render::{RenderOptions, Renderer};
use crate::spec::SpecError;
use crate::spec::{LoadedSpec, OutputsSpec};

/// The golden set's description, `golden.json` in its folder.
pub const GOLDEN_FILE: &str = "golden.json";

/// What a golden set holds and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenSet {
    /// Always `synthvis golden`.
    pub tool: String,
    /// The synthvis version that rendered the references.
    pub version: String,
    /// The spec file, as given to `record` or `bless`.
    pub spec_file: String,
    /// SHA-256 of the spec file's bytes then.
    pub spec_sha256: String,
    /// The spec's seed then.
    pub seed: u64,
    /// The frames held, ascending.
    pub frames: Vec<u64>,
    /// `[width, height]`.
    pub resolution: [u32; 2],
    /// The adapter that rendered the references.
    pub adapter: AdapterSummary,
    /// The limits `check` uses unless told otherwise.
    pub tolerances: Tolerances,
}

const TOOL: &str = "synthvis golden";

/// Why a golden operation could not run.
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    /// The folder holds no golden set.
    #[error(
        "{file}: no golden set here (missing); record one with `synthvis golden record SPEC --frames LIST --dir DIR`"
    )]
    Missing {
        /// The `golden.json` that is missing.
        file: PathBuf,
    },
    /// `golden.json` is unreadable.
    #[error("{file}: not a readable golden set: {message}")]
    Corrupt {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `record` into a folder that holds something.
    #[error(
        "{dir}: not empty; record into a new folder, or change existing goldens on purpose with `synthvis golden bless`"
    )]
    NotEmpty {
        /// The folder.
        dir: PathBuf,
    },
    /// No frame to record.
    #[error("no frames given: --frames takes a list such as 0,5,10..12")]
    NoFrames,
    /// A `--tolerance` override that names no metric or gives no number.
    #[error("--tolerance {0}")]
    BadTolerance(String),
    /// A dataset compared by `diff` has no frames.
    #[error(
        "{dir}: holds no frames (no labels/NNNNNN.json, in folders or tars): not a synthvis dataset"
    )]
    NoDataset {
        /// The folder.
        dir: PathBuf,
    },
    /// The spec is unreadable or invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The frames could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A golden set, report or its files could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A report file could not be made (a temporary folder, an image, the JUnit XML).
    #[error("{0}")]
    Report(String),
    /// `golden check` or `diff` found frames past their tolerances (each is in the
    /// comparison's table).
    #[error("{what}: {failed} of {total} frames differ beyond their tolerances")]
    Mismatch {
        /// What was compared.
        what: String,
        /// Frames that failed.
        failed: usize,
        /// Frames compared.
        total: usize,
    },
}

/// Reads `dir/golden.json`.
pub fn read_set(dir: &Path) -> Result<GoldenSet, GoldenError> {
    let file = dir.join(GOLDEN_FILE);
    let bytes = std::fs::read(&file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => GoldenError::Missing { file: file.clone() },
        _ => GoldenError::Corrupt {
            file: file.clone(),
            message: e.to_string(),
        },
    })?;
    let set: GoldenSet = serde_json::from_slice(&bytes).map_err(|e| GoldenError::Corrupt {
        file: file.clone(),
        message: e.to_string(),
    })?;
    if set.tool != TOOL {
        return Err(GoldenError::Corrupt {
            file,
            message: format!("written by `{}`, not {TOOL}", set.tool),
        });
    }
    Ok(set)
}

fn write_set(dir: &Path, set: &GoldenSet) -> Result<(), GoldenError> {
    let mut json =
        serde_json::to_vec_pretty(set).map_err(|e| GoldenError::Report(e.to_string()))?;
    json.push(b'\n');
    output::write_atomic(&dir.join(GOLDEN_FILE), &json)?;
    Ok(())
}

/// Every output, whatever the spec writes: goldens compare all of them.
fn all_outputs(spec: &OutputsSpec) -> OutputsSpec {
    OutputsSpec {
        rgb: true,
        depth: true,
        depth_exr: true,
        instance: true,
        class: true,
        amodal_masks: spec.amodal_masks,
        normals: spec.normals,
        nocs: spec.nocs,
        flow: spec.flow,
        disparity: spec.disparity,
        scene_flow: spec.scene_flow,
        flow_kitti: spec.flow_kitti,
        png_compression: spec.png_compression,
    }
}

/// Renders `frames` of `spec` into `dir` in the dataset layout, every output on.
fn render_frames(
    spec: &LoadedSpec,
    frames: &[u64],
    dir: &Path,
    backend: BackendChoice,
) -> Result<AdapterSummary, GoldenError> {
    let mut with_all = spec.spec.clone();
    with_all.outputs = all_outputs(&spec.spec.outputs);
    let spec = spec.with_spec(with_all)?;
    let options = RenderOptions {
        backend,
        ..RenderOptions::default()
    };
    let mut renderer = Renderer::new(&spec, options)?;
    output::create_layout(dir, &spec.spec.outputs, output::Format::Folders)?;
    for &frame in frames {
        let encoded = renderer.render(frame)?.encode(&spec.spec.outputs)?;
        output::write_files(dir, &encoded.files, output::Durability::Renamed)?;
    }
    Ok(renderer.adapter().clone())
}

fn describe(
    spec_file: &Path,
    spec: &LoadedSpec,
    frames: Vec<u64>,
    adapter: AdapterSummary,
    tolerances: Tolerances,
) -> GoldenSet {
    GoldenSet {
        tool: TOOL.into(),
        version: VERSION.into(),
        spec_file: spec_file.display().to_string(),
        spec_sha256: sha256_hex(&spec.bytes),
        seed: spec.spec.seed,
        frames,
        resolution: [spec.spec.resolution.width, spec.spec.resolution.height],
        adapter,
        tolerances,
    }
}

fn sorted(frames: &[u64]) -> Vec<u64> {
    let mut v = frames.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Records a new golden set of `frames` of the spec at `spec_file` into `dir` (new or
/// empty), with `tolerances` as the limits `check` will use.
pub fn record(
    spec_file: &Path,
    frames: &[u64],
    dir: &Path,
    tolerances: Tolerances,
    backend: BackendChoice,
) -> Result<GoldenSet, GoldenError> {
    let frames = sorted(frames);
    if frames.is_empty() {
        return Err(GoldenError::NoFrames);
    }
    let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(GoldenError::NotEmpty {
            dir: dir.to_owned(),
        });
    }
    let spec = LoadedSpec::from_file(spec_file)?;
    let adapter = render_frames(&spec, &frames, dir, backend)?;
    let set = describe(spec_file, &spec, frames, adapter, tolerances);
    write_set(dir, &set)?;
    Ok(set)
}

/// What `bless` changed.
#[derive(Debug, Clone, Default)]
pub struct BlessReport {
    /// Files rewritten because their bytes changed, relative to the golden folder.
    pub changed: Vec<String>,
    /// Files new to the set.
    pub added: Vec<String>,
    /// Frames rendered and found identical to their references.
    pub unchanged_frames: Vec<u64>,
}

impl std::fmt::Display for BlessReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in &self.changed {
            writeln!(f, "changed: {c}")?;
        }
        for a in &self.added {
            writeln!(f, "added: {a}")?;
        }
        if !self.unchanged_frames.is_empty() {
            writeln!(f, "unchanged frames: {:?}", self.unchanged_frames)?;
        }
        write!(
            f,
            "{} files changed, {} added",
            self.changed.len(),
            self.added.len()
        )
    }
}

/// Re-renders `frames` (all the set's frames when none) and writes over the references
/// whose bytes changed; `golden.json` then records this spec, version and adapter. The
/// only way references change.
pub fn bless(
    spec_file: &Path,
    dir: &Path,
    frames: Option<&[u64]>,
    backend: BackendChoice,
) -> Result<BlessReport, GoldenError> {
    let set = read_set(dir)?;
    let frames = sorted(frames.unwrap_or(&set.frames));
    if frames.is_empty() {
        return Err(GoldenError::NoFrames);
    }
    let spec = LoadedSpec::from_file(spec_file)?;
    let fresh =
        tempfile::tempdir().map_err(|e| GoldenError::Report(format!("temporary folder: {e}")))?;
    let adapter = render_frames(&spec, &frames, fresh.path(), backend)?;
    output::create_layout(
        dir,
        &all_outputs(&spec.spec.outputs),
        output::Format::Folders,
    )?;
    let mut report = BlessReport::default();
    for &frame in &frames {
        let mut touched = false;
        for kind in &layout::LAYOUT {
            let rel = kind.modality.path(frame);
            let Ok(new) = std::fs::read(fresh.path().join(&rel)) else {
                continue;
            };
            match std::fs::read(dir.join(&rel)) {
                Ok(old) if old == new => continue,
                Ok(_) => report.changed.push(rel.clone()),
                Err(_) => report.added.push(rel.clone()),
            }
            output::write_atomic(&dir.join(&rel), &new)?;
            touched = true;
        }
        if !touched {
            report.unchanged_frames.push(frame);
        }
    }
    let mut all = set.frames.clone();
    all.extend(&frames);
    let updated = describe(spec_file, &spec, sorted(&all), adapter, set.tolerances);
    write_set(dir, &updated)?;
    Ok(report)
}

/// How `check` and `diff` compare.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// A named profile instead of the stored limits (check) or the defaults (diff).
    pub profile: Option<Profile>,
    /// `metric=value` overrides, applied last.
    pub overrides: Vec<String>,
    /// Writes the report folder here.
    pub report: Option<PathBuf>,
    /// Writes JUnit XML here.
    pub junit: Option<PathBuf>,
}

impl CompareOptions {
    fn tolerances(&self, stored: Option<&Tolerances>) -> Result<Tolerances, GoldenError> {
        let mut t = match (self.profile, stored) {
            (Some(p), _) => Tolerances::profile(p),
            (None, Some(stored)) => stored.clone(),
            (None, None) => Tolerances::default(),
        };
        for o in &self.overrides {
            t = t.with_override(o).map_err(GoldenError::BadTolerance)?;
        }
        Ok(t)
    }

    fn finish(
        &self,
        comparison: &Comparison,
        reference: &Path,
        actual: &Path,
        suite: &str,
    ) -> Result<(), GoldenError> {
        if let Some(dir) = &self.report {
            comparison.write_report(dir, reference, actual)?;
        }
        if let Some(path) = &self.junit {
            comparison.write_junit(path, suite)?;
        }
        Ok(())
    }
}

fn compare_frames(
    reference: &Path,
    actual: &Path,
    frames: &[u64],
    tol: &Tolerances,
) -> Vec<FrameComparison> {
    let mut reference = DatasetFiles::open(reference);
    let mut actual = DatasetFiles::open(actual);
    frames
        .iter()
        .map(|&frame| {
            let read = |files: &mut DatasetFiles, side: &str| {
                frames::read_frame(files, frame).map_err(|e| format!("{side}: {e}"))
            };
            match (
                read(&mut reference, "reference"),
                read(&mut actual, "actual"),
            ) {
                (Ok(r), Ok(a)) => metrics::compare(frame, &r, &a, tol),
                (Err(e), _) | (_, Err(e)) => FrameComparison::failed(frame, e),
            }
        })
        .collect()
}

/// Renders the set's frames of the spec at `spec_file` again and compares them with the
/// references in `dir`. Never writes a reference. The comparison fails (see
/// [`Comparison::pass`]) on any metric past its limit or any reference file missing or
/// unreadable; `Err` means nothing could be compared.
pub fn check(
    spec_file: &Path,
    dir: &Path,
    options: &CompareOptions,
    backend: BackendChoice,
) -> Result<Comparison, GoldenError> {
    let set = read_set(dir)?;
    let tolerances = options.tolerances(Some(&set.tolerances))?;
    let spec = LoadedSpec::from_file(spec_file)?;
    let actual =
        tempfile::tempdir().map_err(|e| GoldenError::Report(format!("temporary folder: {e}")))?;
    let adapter = render_frames(&spec, &set.frames, actual.path(), backend)?;
    let mut notes = Vec::new();
    if sha256_hex(&spec.bytes) != set.spec_sha256 {
        notes.push(format!(
            "the spec's bytes differ from those the goldens were recorded with ({})",
            set.spec_file
        ));
    }
    if set.version != VERSION {
        notes.push(format!(
            "the goldens were rendered by synthvis {}, this is {VERSION}",
            set.version
        ));
    }
    if set.adapter != adapter {
        notes.push(format!("the goldens were rendered on {}", set.adapter));
    }
    let comparison = Comparison {
        reference: format!(
            "golden set {} ({} frames, synthvis {}, {})",
            dir.display(),
            set.frames.len(),
            set.version,
            set.adapter
        ),
        actual: format!("{} rendered now on {adapter}", spec_file.display()),
        notes,
        frames: compare_frames(dir, actual.path(), &set.frames, &tolerances),
        tolerances,
    };
    options.finish(&comparison, dir, actual.path(), "synthvis golden check")?;
    Ok(comparison)
}

/// Compares two rendered datasets frame by frame: every frame of either must be in both.
pub fn diff(a: &Path, b: &Path, options: &CompareOptions) -> Result<Comparison, GoldenError> {
    let tolerances = options.tolerances(None)?;
    let (fa, fb) = (frames::frames_in(a), frames::frames_in(b));
    for (dir, f) in [(a, &fa), (b, &fb)] {
        if f.is_empty() {
            return Err(GoldenError::NoDataset {
                dir: dir.to_owned(),
            });
        }
    }
    let common: Vec<u64> = fa.iter().copied().filter(|f| fb.contains(f)).collect();
    let mut frames = compare_frames(a, b, &common, &tolerances);
    for (only, dir) in [(&fa, b), (&fb, a)] {
        for f in only.iter().filter(|f| !common.contains(f)) {
            frames.push(FrameComparison::failed(
                *f,
                format!(
                    "{}: missing",
                    DatasetFiles::open(dir).name(&Modality::Labels.path(*f))
                ),
            ));
        }
    }
    frames.sort_by_key(|f| f.frame);
    let manifest = |dir: &Path| -> Option<output::manifest::Manifest> {
        serde_json::from_slice(&std::fs::read(dir.join(layout::MANIFEST_FILE)).ok()?).ok()
    };
    let mut notes = Vec::new();
    if let (Some(ma), Some(mb)) = (manifest(a), manifest(b)) {
        if ma.spec_sha256 != mb.spec_sha256 {
            notes.push("the datasets were rendered from different spec files".into());
        }
        if ma.version != mb.version {
            notes.push(format!("synthvis {} against {}", ma.version, mb.version));
        }
        if ma.adapter != mb.adapter {
            notes.push(format!("rendered on {} against {}", ma.adapter, mb.adapter));
        }
    }
    let comparison = Comparison {
        reference: format!("dataset {}", a.display()),
        actual: format!("dataset {}", b.display()),
        notes,
        frames,
        tolerances,
    };
    options.finish(&comparison, a, b, "synthvis diff")?;
    Ok(comparison)
}

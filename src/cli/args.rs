//! The command line's arguments (clap): commands, their options, and the parsers of
//! frame ranges, frame lists and resolutions.

use std::ops::Range;
use std::path::PathBuf;

use crate::golden::{CompareOptions, Profile};
use crate::gpu::{BackendChoice, DrawMode};
use crate::output::Format;
use crate::shard::Shard;
use crate::spec::Preset;
use clap::{Parser, Subcommand};

/// Render labeled synthetic vision datasets (RGB, depth, segmentation, COCO) from a
/// JSON scene spec, headless, on any GPU or Mesa's CPU drivers.
#[derive(Parser)]
#[command(name = "synthvis", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Graphics API: auto, vulkan, gl, metal or dx12 (auto honours WGPU_BACKEND).
    #[arg(long, global = true, default_value = "auto")]
    pub backend: BackendChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// `--format`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum StorageFormat {
    Folders,
    Webdataset,
}

/// How `render` stores frames.
#[derive(clap::Args)]
pub(crate) struct StorageArgs {
    /// How frames are stored: `folders` (a file per frame and modality) or
    /// `webdataset` (tars of --frames-per-tar frames, members NNNNNN.<folder>.<ext>,
    /// for datasets of millions of frames).
    #[arg(long, value_enum, default_value = "folders")]
    format: StorageFormat,
    /// Frames per tar with --format webdataset (default 1000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    frames_per_tar: Option<u64>,
}

impl StorageArgs {
    /// The format asked for; `--frames-per-tar` without webdataset is a usage error
    /// (exit 2, as clap's own).
    pub fn format(&self) -> Format {
        match (self.format, self.frames_per_tar) {
            (StorageFormat::Folders, Some(_)) => <Cli as clap::CommandFactory>::command()
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    "--frames-per-tar applies to --format webdataset only",
                )
                .exit(),
            (StorageFormat::Folders, None) => Format::Folders,
            (StorageFormat::Webdataset, n) => Format::Webdataset {
                frames_per_tar: n.unwrap_or(1000),
            },
        }
    }
}

/// What `render` and `sweep` share: how the run is spread, stopped and resumed.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Threads that encode and write frames (default: one per core). The files are
    /// the same for any number.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Render workers, each with its own device and queue (default: one on a GPU, one
    /// per core up to 8 on Vulkan's CPU rasterizer, one per two cores on GL's). The files
    /// are the same for any number.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Render only shard K of N (K/N: contiguous blocks of the frames, or of a sweep's
    /// (point, frame) pairs), or `auto`: K (and N) from a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX) or a Slurm job array (SLURM_ARRAY_TASK_ID).
    #[arg(long)]
    shard: Option<String>,
    /// The number of shards for `--shard auto` where the scheduler does not say it
    /// (Kubernetes); SYNTHVIS_SHARDS works too.
    #[arg(long)]
    shards: Option<u64>,
    /// Continue the job in --out: keep what it finished, render the rest (a new or
    /// empty --out starts from scratch).
    #[arg(long)]
    pub resume: bool,
    /// Flush every file and folder to the disk before the dataset counts as complete,
    /// so a power loss cannot leave a complete-looking dataset with empty files.
    #[arg(long)]
    pub durable: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl RunArgs {
    /// `--shard K/N` or `--shard auto` (with `--shards N`).
    pub fn shard(&self) -> Result<Option<Shard>, crate::shard::ShardError> {
        Ok(match self.shard.as_deref() {
            None => None,
            Some("auto") => Some(Shard::from_env(|k| std::env::var_os(k), self.shards)?),
            Some(k_of_n) => Some(Shard::parse(k_of_n)?),
        })
    }

    /// `--threads`.
    pub fn threads(&self) -> Option<usize> {
        self.threads.map(|n| n as usize)
    }

    /// `--workers`.
    pub fn workers(&self) -> Option<usize> {
        self.workers.map(|n| n as usize)
    }
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Render a dataset from a scene spec.
    Render(RenderArgs),
    /// Render a sweep: datasets at every point of a grid, zip or random sample of spec
    /// parameters (JSON pointers), each into DIR/<point>/, with DIR/index.json and
    /// DIR/index.csv listing the points.
    Sweep(SweepArgs),
    /// Join shard datasets into one, byte for byte what a single run of all their frames
    /// writes (provenance in shards.json); shards of a sweep into one sweep folder.
    Merge(MergeArgs),
    /// Measure the pipeline on a spec: per-stage times, frames/s, CPU use, memory and the
    /// encode-and-write floor. Renders into a temporary directory.
    Bench(BenchArgs),
    /// Check a dataset against its manifest: complete, every file present and matching
    /// its checksum. Exit code 0 when intact, 3 when incomplete or corrupt.
    Verify(VerifyArgs),
    /// Check a spec and load its assets without rendering.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the scene spec (point an editor at it to complete and
    /// check specs).
    Schema,
    /// Print the scene sampled for one frame (camera, lights, objects) as JSON without
    /// rendering: the record `labels/NNNNNN.json` carries under `scene`.
    Explain(ExplainArgs),
    /// List graphics adapters and say which one a render would use.
    Info,
    /// Golden-image regression tests: record reference frames of a spec, check that the
    /// spec still renders them within tolerances, bless changes on purpose.
    Golden {
        #[command(subcommand)]
        action: GoldenAction,
    },
    /// Pictures of a dataset: each frame's RGB with mask outlines, boxes, amodal boxes
    /// (dashed), cuboids and category names, beside its depth and instance ids; and a
    /// contact sheet.
    Preview(PreviewArgs),
    /// What a dataset holds: instances and annotations per category and per image,
    /// visibility, truncation, box sizes and aspects, pixel coverage.
    Stats(StatsArgs),
    /// Rewrite a finished dataset in a layout training code reads.
    Export {
        #[command(subcommand)]
        format: ExportFormat,
    },
    /// Compare two rendered datasets frame by frame (colour, depth, instance and class
    /// images, labels), with the same metrics and report as `golden check`. Exit code 4
    /// when a frame differs beyond its tolerances.
    Diff(DiffArgs),
}

#[derive(Subcommand)]
pub(crate) enum ExportFormat {
    /// Ultralytics YOLO: images/{train,val}, labels/{train,val} (one line an object, crowds
    /// left out), data.yaml.
    Yolo(YoloArgs),
    /// The BOP benchmark's layout: scenes with rgb, depth, mask, mask_visib and
    /// scene_camera/scene_gt/scene_gt_info JSON, models/ (PLY, mm) and camera.json.
    Bop(BopArgs),
    /// MOTChallenge (a sequence dataset): a folder per sequence and camera with img1/,
    /// gt/gt.txt (frame, id, box, conf, class, visibility) and seqinfo.ini.
    Mot(MotArgs),
}

/// `--task`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum YoloTaskArg {
    Detect,
    Segment,
}

/// `--images`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ImageModeArg {
    Copy,
    Symlink,
}

impl From<YoloTaskArg> for crate::export::yolo::YoloTask {
    fn from(t: YoloTaskArg) -> Self {
        match t {
            YoloTaskArg::Detect => Self::Detect,
            YoloTaskArg::Segment => Self::Segment,
        }
    }
}

impl From<ImageModeArg> for crate::export::yolo::ImageMode {
    fn from(m: ImageModeArg) -> Self {
        match m {
            ImageModeArg::Copy => Self::Copy,
            ImageModeArg::Symlink => Self::Symlink,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum GoldenAction {
    /// Render chosen frames of a spec into a new golden set.
    Record(RecordArgs),
    /// Render the golden frames again and compare them with the references; never writes
    /// a reference. Exit code 4 when a frame differs beyond its tolerances.
    Check(CheckArgs),
    /// Re-render golden frames and write over the references that changed (all frames,
    /// or those named); says which files changed.
    Bless(BlessArgs),
}

/// How `golden check` and `diff` compare and report.
#[derive(clap::Args)]
pub(crate) struct CompareArgs {
    /// Write actual, diff and FLIP heat-map PNGs and report.html (self-contained) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write JUnit XML (one test case per frame) here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Use a named tolerance profile (default or gpu) instead of the stored limits.
    #[arg(long)]
    tolerances: Option<Profile>,
    /// Override one limit, METRIC=VALUE (e.g. rgb.flip_mean=0.01); repeatable.
    #[arg(long = "tolerance", value_name = "METRIC=VALUE")]
    overrides: Vec<String>,
}

impl CompareArgs {
    /// The comparison options asked for.
    pub fn options(self) -> CompareOptions {
        CompareOptions {
            profile: self.tolerances,
            overrides: self.overrides,
            report: self.report,
            junit: self.junit,
        }
    }
}

/// Frame numbers from a list such as `0,5,10..12`.
#[derive(Debug, Clone)]
pub(crate) struct FrameList(pub Vec<u64>);

fn parse_frame_list(s: &str) -> Result<FrameList, String> {
    let mut frames = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part.contains("..") {
            frames.extend(parse_frames(part)?);
        } else {
            frames.push(
                part.parse::<u64>()
                    .map_err(|_| format!("`{part}` is not a frame number or A..B"))?,
            );
        }
    }
    if frames.is_empty() {
        return Err(format!("`{s}` names no frame"));
    }
    Ok(FrameList(frames))
}

fn parse_resolution(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}` is not WxH"))?;
    let num = |t: &str| t.parse::<u32>().map_err(|_| format!("`{s}` is not WxH"));
    Ok((num(w)?, num(h)?))
}

fn parse_frames(s: &str) -> Result<Range<u64>, String> {
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{t}` is not a frame number"))
    };
    let range = match s.split_once("..") {
        Some((a, b)) => num(a)?..num(b)?,
        None => 0..num(s)?,
    };
    if range.start >= range.end {
        return Err(format!("frame range `{s}` is empty"));
    }
    Ok(range)
}

/// The arguments of `Command::Render`.
#[derive(clap::Args)]
pub(crate) struct RenderArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// Output directory (must be new or empty unless --overwrite).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Frames to render: N (frames 0..N) or A..B (half-open); overrides the spec.
    #[arg(long, value_parser = parse_frames)]
    pub(crate) frames: Option<Range<u64>>,
    /// Run seed; overrides the spec.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Replace the synthvis dataset in --out (only its files are removed).
    #[arg(long, conflicts_with = "resume")]
    pub(crate) overwrite: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
}

/// The arguments of `Command::Sweep`.
#[derive(clap::Args)]
pub(crate) struct SweepArgs {
    /// The sweep file (JSON: base spec, parameters, combine).
    pub(crate) sweep: PathBuf,
    /// The sweep folder.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Print the points, their values and frames (and this shard's part); render
    /// nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
}

/// The arguments of `Command::Merge`.
#[derive(clap::Args)]
pub(crate) struct MergeArgs {
    /// The merged dataset's folder (new or empty).
    pub(crate) out: PathBuf,
    /// The shard datasets, in any order.
    #[arg(required = true)]
    pub(crate) shards: Vec<PathBuf>,
    /// Flush every file to the disk before the merged dataset counts as complete.
    #[arg(long)]
    pub(crate) durable: bool,
}

/// The arguments of `Command::Bench`.
#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// Frames measured.
    #[arg(long, default_value_t = 200)]
    pub(crate) frames: u64,
    /// Frames rendered before measuring.
    #[arg(long, default_value_t = 10)]
    pub(crate) warmup: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Override the resolution, WxH (scaling studies).
    #[arg(long, value_parser = parse_resolution)]
    pub(crate) resolution: Option<(u32, u32)>,
    /// Override the object instances per frame; the spec's groups share them in turn.
    #[arg(long)]
    pub(crate) objects: Option<u32>,
    /// How draws are issued: instanced or per-object (the images are the same; the
    /// default is the adapter's faster mode: per-object on CPU rasterizers).
    #[arg(long)]
    pub(crate) draw_mode: Option<DrawMode>,
    /// Render workers, each with its own device and queue (default: one on a GPU, one
    /// per core up to 8 on Vulkan's CPU rasterizer, one per two cores on GL's). The
    /// files are the same for any number.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) workers: Option<u32>,
    /// Override the spec's `render.preset`: fast or realistic (each look's frames/s
    /// from one spec).
    #[arg(long)]
    pub(crate) preset: Option<Preset>,
}

/// The arguments of `Command::Verify`.
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// The dataset directory.
    pub(crate) dir: PathBuf,
}

/// The arguments of `Command::Validate`.
#[derive(clap::Args)]
pub(crate) struct ValidateArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// Refuse (exit 2) when an asset has no licence information, instead of warning.
    #[arg(long)]
    pub(crate) require_licenses: bool,
}

/// The arguments of `Command::Explain`.
#[derive(clap::Args)]
pub(crate) struct ExplainArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// Frame index.
    #[arg(long, default_value_t = 0)]
    pub(crate) frame: u64,
    /// Run seed; overrides the spec.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
}

/// The arguments of `Command::Preview`.
#[derive(clap::Args)]
pub(crate) struct PreviewArgs {
    /// The dataset (folder layout or webdataset).
    pub(crate) dataset: PathBuf,
    /// Folder for the pictures (created if missing).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Frames to show: a list of frame numbers and half-open ranges, e.g. 0,5,10..12
    /// (default: the first 16).
    #[arg(long, value_parser = parse_frame_list)]
    pub(crate) frames: Option<FrameList>,
    /// Also put the frames on one sheet (contact-sheet.png).
    #[arg(long)]
    pub(crate) contact_sheet: bool,
}

/// The arguments of `Command::Stats`.
#[derive(clap::Args)]
pub(crate) struct StatsArgs {
    /// The dataset (folder layout or webdataset).
    pub(crate) dataset: PathBuf,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also draw the figures as bar charts into this SVG file.
    #[arg(long)]
    pub(crate) chart: Option<PathBuf>,
}

/// The arguments of `Command::Diff`.
#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The reference dataset.
    pub(crate) a: PathBuf,
    /// The dataset compared with it.
    pub(crate) b: PathBuf,
    #[command(flatten)]
    pub(crate) compare: CompareArgs,
}

/// The arguments of `ExportFormat::Yolo`.
#[derive(clap::Args)]
pub(crate) struct YoloArgs {
    /// The dataset (folder layout or webdataset).
    pub(crate) dataset: PathBuf,
    /// Output folder (new or empty, or an earlier export with --overwrite).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// detect: boxes; segment: one polygon an object (parts joined).
    #[arg(long, value_enum, default_value = "detect")]
    pub(crate) task: YoloTaskArg,
    /// Share of DATASET's frames in val, between 0 and 1 (default 0.1); each frame's side
    /// depends only on the seed and its index (but for one frame moved across, should a
    /// side be left empty).
    #[arg(long, conflicts_with = "val")]
    pub(crate) val_fraction: Option<f64>,
    /// Seed of the train/val split.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// A dataset rendered apart to be the val split (with DATASET's categories); DATASET is
    /// then all train.
    #[arg(long, value_name = "DATASET")]
    pub(crate) val: Option<PathBuf>,
    /// A dataset rendered apart to be a test split (with DATASET's categories).
    #[arg(long, value_name = "DATASET")]
    pub(crate) test: Option<PathBuf>,
    /// copy the images, or symlink them (folder layout only).
    #[arg(long, value_enum, default_value = "copy")]
    pub(crate) images: ImageModeArg,
    /// Replace an earlier synthvis export in --out.
    #[arg(long)]
    pub(crate) overwrite: bool,
}

/// The arguments of `ExportFormat::Mot`.
#[derive(clap::Args)]
pub(crate) struct MotArgs {
    /// The dataset (rendered from a spec with a `sequence`).
    pub(crate) dataset: PathBuf,
    /// Output folder (new or empty, or an earlier export with --overwrite).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Replace an earlier synthvis export in --out.
    #[arg(long)]
    pub(crate) overwrite: bool,
}

/// The arguments of `ExportFormat::Bop`.
#[derive(clap::Args)]
pub(crate) struct BopArgs {
    /// The dataset (rendered with outputs.amodal_masks and depth on).
    pub(crate) dataset: PathBuf,
    /// Output folder (new or empty, or an earlier export with --overwrite).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// The spec that rendered the dataset: its assets become the models.
    #[arg(long)]
    pub(crate) spec: PathBuf,
    /// Split folder name.
    #[arg(long, default_value = "train_pbr")]
    pub(crate) split: String,
    /// Frames per scene folder.
    #[arg(long, default_value_t = 1000)]
    pub(crate) frames_per_scene: u64,
    /// Replace an earlier synthvis export in --out.
    #[arg(long)]
    pub(crate) overwrite: bool,
}

/// The arguments of `GoldenAction::Record`.
#[derive(clap::Args)]
pub(crate) struct RecordArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// Frames to keep: a list of frame numbers and half-open ranges, e.g. 0,5,10..12.
    #[arg(long, value_parser = parse_frame_list)]
    pub(crate) frames: FrameList,
    /// The golden folder (new or empty).
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// The limits stored with the goldens: default (measured between Mesa's Vulkan and
    /// GL drivers) or gpu (room for real GPUs).
    #[arg(long, default_value = "default")]
    pub(crate) tolerances: Profile,
}

/// The arguments of `GoldenAction::Check`.
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// The golden folder.
    #[arg(long)]
    pub(crate) dir: PathBuf,
    #[command(flatten)]
    pub(crate) compare: CompareArgs,
}

/// The arguments of `GoldenAction::Bless`.
#[derive(clap::Args)]
pub(crate) struct BlessArgs {
    /// The scene spec (JSON).
    pub(crate) spec: PathBuf,
    /// The golden folder.
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// Frames to bless (default: every frame of the set), e.g. 0,5,10..12.
    #[arg(long, value_parser = parse_frame_list)]
    pub(crate) frames: Option<FrameList>,
}

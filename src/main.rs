//! The `synthvis` command line: argument parsing, progress and printing. Every command's
//! work is a library function; every error's exit code comes from
//! [`synthvis::Error::exit_code`].

use std::fmt::Display;
use std::io::Write;
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use synthvis::golden::{CompareOptions, Comparison, Profile};
use synthvis::gpu::{AdapterSummary, BackendChoice, DrawMode, GpuError, list_adapters};
use synthvis::output::Format;
use synthvis::pipeline::{Cancel, FrameTimings, Progress};
use synthvis::shard::Shard;
use synthvis::{Error, LoadedSpec, RenderOptions, render_dataset};

/// Render labeled synthetic vision datasets (RGB, depth, segmentation, COCO) from a
/// JSON scene spec, headless, on any GPU or Mesa's CPU drivers.
#[derive(Parser)]
#[command(name = "synthvis", version, about, long_about = None)]
struct Cli {
    /// Graphics API: auto, vulkan, gl, metal or dx12 (auto honours WGPU_BACKEND).
    #[arg(long, global = true, default_value = "auto")]
    backend: BackendChoice,
    #[command(subcommand)]
    command: Command,
}

/// `--format`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum StorageFormat {
    Folders,
    Webdataset,
}

#[derive(Subcommand)]
enum Command {
    /// Render a dataset from a scene spec.
    Render {
        /// The scene spec (JSON).
        spec: PathBuf,
        /// Output directory (must be new or empty unless --overwrite).
        #[arg(long)]
        out: PathBuf,
        /// Frames to render: N (frames 0..N) or A..B (half-open); overrides the spec.
        #[arg(long, value_parser = parse_frames)]
        frames: Option<Range<u64>>,
        /// Run seed; overrides the spec.
        #[arg(long)]
        seed: Option<u64>,
        /// Replace the synthvis dataset in --out (only its files are removed).
        #[arg(long)]
        overwrite: bool,
        /// Threads that encode and write frames (default: one per core). The files are
        /// the same for any number.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
        threads: Option<u32>,
        /// Render workers, each with its own device and queue (default: one on a GPU, one
        /// per two cores on a CPU rasterizer). The files are the same for any number.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
        workers: Option<u32>,
        /// Render only shard K of N (K/N, contiguous blocks of frames), or `auto`: K (and
        /// N) from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm job array
        /// (SLURM_ARRAY_TASK_ID).
        #[arg(long)]
        shard: Option<String>,
        /// The number of shards for `--shard auto` where the scheduler does not say it
        /// (Kubernetes); SYNTHVIS_SHARDS works too.
        #[arg(long)]
        shards: Option<u64>,
        /// Continue the run in --out: keep its finished frames, render the rest (a new or
        /// empty --out starts from scratch).
        #[arg(long, conflicts_with = "overwrite")]
        resume: bool,
        /// Flush every file and folder to the disk before the dataset counts as complete,
        /// so a power loss cannot leave a complete-looking dataset with empty files.
        #[arg(long)]
        durable: bool,
        /// How frames are stored: `folders` (a file per frame and modality) or
        /// `webdataset` (tars of --frames-per-tar frames, members NNNNNN.<folder>.<ext>,
        /// for datasets of millions of frames).
        #[arg(long, value_enum, default_value = "folders")]
        format: StorageFormat,
        /// Frames per tar with --format webdataset (default 1000).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        frames_per_tar: Option<u64>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Render a sweep: datasets at every point of a grid, zip or random sample of spec
    /// parameters (JSON pointers), each into DIR/<point>/, with DIR/index.json and
    /// DIR/index.csv listing the points.
    Sweep {
        /// The sweep file (JSON: base spec, parameters, combine).
        sweep: PathBuf,
        /// The sweep folder.
        #[arg(long)]
        out: PathBuf,
        /// Render workers, each with its own device and queue (default: one on a GPU, one
        /// per two cores on a CPU rasterizer). The files are the same for any number.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
        workers: Option<u32>,
        /// Render only shard K of N of the sweep's (point, frame) pairs, or `auto` (as
        /// for render).
        #[arg(long)]
        shard: Option<String>,
        /// The number of shards for `--shard auto` where the scheduler does not say it.
        #[arg(long)]
        shards: Option<u64>,
        /// Continue the sweep in --out.
        #[arg(long)]
        resume: bool,
        /// Print the points, their values and frames (and this shard's part); render
        /// nothing.
        #[arg(long)]
        dry_run: bool,
        /// Sync every file to the disk as it is written.
        #[arg(long)]
        durable: bool,
        /// Threads that encode and write frames.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
        threads: Option<u32>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join shard datasets into one, byte for byte what a single run of all their frames
    /// writes (provenance in shards.json); shards of a sweep into one sweep folder.
    Merge {
        /// The merged dataset's folder (new or empty).
        out: PathBuf,
        /// The shard datasets, in any order.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Flush every file to the disk before the merged dataset counts as complete.
        #[arg(long)]
        durable: bool,
    },
    /// Measure the pipeline on a spec: per-stage times, frames/s, CPU use, memory and the
    /// encode-and-write floor. Renders into a temporary directory.
    Bench {
        /// The scene spec (JSON).
        spec: PathBuf,
        /// Frames measured.
        #[arg(long, default_value_t = 200)]
        frames: u64,
        /// Frames rendered before measuring.
        #[arg(long, default_value_t = 10)]
        warmup: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Override the resolution, WxH (scaling studies).
        #[arg(long, value_parser = parse_resolution)]
        resolution: Option<(u32, u32)>,
        /// Override the object instances per frame; the spec's groups share them in turn.
        #[arg(long)]
        objects: Option<u32>,
        /// How draws are issued: instanced or per-object (the images are the same; the
        /// default is the adapter's faster mode: per-object on CPU rasterizers).
        #[arg(long)]
        draw_mode: Option<DrawMode>,
        /// Render workers, each with its own device and queue (default: one on a GPU, one
        /// per two cores on a CPU rasterizer). The files are the same for any number.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
        workers: Option<u32>,
    },
    /// Check a dataset against its manifest: complete, every file present and matching
    /// its checksum. Exit code 0 when intact, 3 when incomplete or corrupt.
    Verify {
        /// The dataset directory.
        dir: PathBuf,
    },
    /// Check a spec and load its assets without rendering.
    Validate {
        /// The scene spec (JSON).
        spec: PathBuf,
    },
    /// Print the JSON Schema of the scene spec (point an editor at it to complete and
    /// check specs).
    Schema,
    /// Print the scene sampled for one frame (camera, lights, objects) as JSON without
    /// rendering: the record `labels/NNNNNN.json` carries under `scene`.
    Explain {
        /// The scene spec (JSON).
        spec: PathBuf,
        /// Frame index.
        #[arg(long, default_value_t = 0)]
        frame: u64,
        /// Run seed; overrides the spec.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// List graphics adapters and say which one a render would use.
    Info,
    /// Golden-image regression tests: record reference frames of a spec, check that the
    /// spec still renders them within tolerances, bless changes on purpose.
    Golden {
        #[command(subcommand)]
        action: GoldenAction,
    },
    /// Compare two rendered datasets frame by frame (colour, depth, instance and class
    /// images, labels), with the same metrics and report as `golden check`. Exit code 4
    /// when a frame differs beyond its tolerances.
    Diff {
        /// The reference dataset.
        a: PathBuf,
        /// The dataset compared with it.
        b: PathBuf,
        #[command(flatten)]
        compare: CompareArgs,
    },
}

#[derive(Subcommand)]
enum GoldenAction {
    /// Render chosen frames of a spec into a new golden set.
    Record {
        /// The scene spec (JSON).
        spec: PathBuf,
        /// Frames to keep: a list of frame numbers and half-open ranges, e.g. 0,5,10..12.
        #[arg(long, value_parser = parse_frame_list)]
        frames: FrameList,
        /// The golden folder (new or empty).
        #[arg(long)]
        dir: PathBuf,
        /// The limits stored with the goldens: default (measured between Mesa's Vulkan and
        /// GL drivers) or gpu (room for real GPUs).
        #[arg(long, default_value = "default")]
        tolerances: Profile,
    },
    /// Render the golden frames again and compare them with the references; never writes
    /// a reference. Exit code 4 when a frame differs beyond its tolerances.
    Check {
        /// The scene spec (JSON).
        spec: PathBuf,
        /// The golden folder.
        #[arg(long)]
        dir: PathBuf,
        #[command(flatten)]
        compare: CompareArgs,
    },
    /// Re-render golden frames and write over the references that changed (all frames,
    /// or those named); says which files changed.
    Bless {
        /// The scene spec (JSON).
        spec: PathBuf,
        /// The golden folder.
        #[arg(long)]
        dir: PathBuf,
        /// Frames to bless (default: every frame of the set), e.g. 0,5,10..12.
        #[arg(long, value_parser = parse_frame_list)]
        frames: Option<FrameList>,
    },
}

/// How `golden check` and `diff` compare and report.
#[derive(clap::Args)]
struct CompareArgs {
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
    fn options(self) -> CompareOptions {
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
struct FrameList(Vec<u64>);

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

/// Writes a line to stdout. A reader that went away (`synthvis explain ... | head`) is
/// not a failure: the process ends quietly with exit 0.
fn say(text: impl Display) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        note(format!("error: cannot write to standard output: {e}"));
        std::process::exit(1);
    }
}

/// Writes a line to stderr; a closed stderr never stops the work.
fn note(text: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A progress bar on stderr, or none when `quiet`.
    fn new(quiet: bool) -> Self {
        let bar = (!quiet).then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} frames  {per_sec}  eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Self { bar }
    }
}

/// `--shard K/N` or `--shard auto` (with `--shards N`).
fn shard_option(shard: Option<&str>, shards: Option<u64>) -> Result<Option<Shard>, Error> {
    Ok(match shard {
        None => None,
        Some("auto") => Some(Shard::from_env(|k| std::env::var_os(k), shards)?),
        Some(k_of_n) => Some(Shard::parse(k_of_n)?),
    })
}

impl Progress for Bar {
    fn started(&mut self, adapter: &AdapterSummary, total: u64, kept: u64) {
        if kept > 0 {
            note(format!(
                "resuming: {kept} frames were finished already; rendering the other {total} on {adapter}"
            ));
        } else {
            note(format!("rendering {total} frames on {adapter}"));
        }
        if let Some(bar) = &mut self.bar {
            bar.set_length(total);
        }
    }
    fn frame_done(&mut self, done: u64, _timings: &FrameTimings) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }
    fn warning(&mut self, message: &str) {
        note(format!("warning: {message}"));
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Render {
            spec,
            out,
            frames,
            seed,
            overwrite,
            threads,
            workers,
            shard,
            shards,
            resume,
            durable,
            format,
            frames_per_tar,
            quiet,
        } => {
            let shard = shard_option(shard.as_deref(), shards)?;
            let loaded = LoadedSpec::from_file(&spec).map_err(Error::from)?;
            let format = match (format, frames_per_tar) {
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
            };
            let opts = RenderOptions {
                frames,
                seed,
                overwrite,
                backend: cli.backend,
                threads: threads.map(|n| n as usize),
                workers: workers.map(|n| n as usize),
                shard,
                resume,
                durable,
                format,
                ..RenderOptions::new(out)
            };
            let cancel = Cancel::new();
            stop_on_signals(&cancel);
            let mut progress = Bar::new(quiet);
            let result = render_dataset(&loaded, &opts, &mut progress, &cancel);
            if let Some(b) = &progress.bar {
                b.finish_and_clear();
            }
            let summary = result.with_context(|| format!("rendering {}", spec.display()))?;
            let n = summary.rendered;
            say(format_args!(
                "rendered {n} frames ({}..{}{}) in {:.2} s, {:.1} frames/s, on {}\ndataset: {}",
                summary.frames.start,
                summary.frames.end,
                shard.map_or(String::new(), |s| format!(", shard {s}")),
                summary.seconds,
                n as f64 / summary.seconds.max(1e-9),
                summary.adapter,
                summary.out.display()
            ));
        }
        Command::Sweep {
            sweep,
            out,
            workers,
            shard,
            shards,
            resume,
            dry_run,
            durable,
            threads,
            quiet,
        } => {
            let shard = shard_option(shard.as_deref(), shards)?;
            let loaded = synthvis::sweep::Sweep::load(&sweep, &out).map_err(Error::from)?;
            if dry_run {
                say(synthvis::sweep::run::describe(&loaded, shard));
                return Ok(());
            }
            let opts = synthvis::sweep::run::SweepOptions {
                out: out.clone(),
                shard,
                resume,
                durable,
                backend: cli.backend,
                threads: threads.map(|n| n as usize),
                workers: workers.map(|n| n as usize),
            };
            let cancel = Cancel::new();
            stop_on_signals(&cancel);
            let mut progress = Bar::new(quiet);
            let mut started = |id: &str, values: &str, frames: &Range<u64>| {
                note(format!(
                    "point {id} ({values}): frames {}..{}",
                    frames.start, frames.end
                ));
            };
            let blocks =
                synthvis::sweep::run::run(&loaded, &opts, &mut progress, &mut started, &cancel);
            if let Some(b) = &progress.bar {
                b.finish_and_clear();
            }
            let blocks = blocks.with_context(|| format!("sweeping {}", sweep.display()))?;
            say(format_args!(
                "rendered {} points of {}{} into {}",
                blocks.len(),
                loaded.points.len(),
                shard.map_or(String::new(), |s| format!(" (shard {s})")),
                out.display()
            ));
        }
        Command::Merge {
            out,
            shards,
            durable,
        } => {
            let durability = if durable {
                synthvis::output::Durability::Synced
            } else {
                synthvis::output::Durability::Renamed
            };
            if synthvis::sweep::merge::is_sweep(&shards[0]) {
                let summary = synthvis::sweep::merge::merge(&out, &shards, durability)
                    .with_context(|| format!("merging into {}", out.display()))?;
                say(format_args!(
                    "merged {} sweep folders, {} points, into {}",
                    summary.shards,
                    summary.points,
                    out.display()
                ));
                return Ok(());
            }
            let summary = synthvis::output::merge::merge(&out, &shards, durability)
                .map_err(Error::from)
                .with_context(|| format!("merging into {}", out.display()))?;
            say(format_args!(
                "merged {} shards, frames {}..{} ({} files), into {}",
                summary.shards,
                summary.frames.start,
                summary.frames.end,
                summary.files,
                out.display()
            ));
        }
        Command::Bench {
            spec,
            frames,
            warmup,
            json,
            resolution,
            objects,
            draw_mode,
            workers,
        } => {
            let loaded = LoadedSpec::from_file(&spec).map_err(Error::from)?;
            let opts = synthvis::bench::BenchOptions {
                frames: frames.max(1),
                warmup,
                backend: cli.backend,
                resolution,
                objects,
                draw_mode,
                workers: workers.map(|n| n as usize),
            };
            let report = synthvis::bench::run(&loaded, &opts)
                .with_context(|| format!("benchmarking {}", spec.display()))?;
            if json {
                say(serde_json::to_string_pretty(&report).map_err(internal)?);
            } else {
                say(report);
            }
        }
        Command::Verify { dir } => {
            let report = synthvis::output::verify::verify(&dir);
            for p in &report.problems {
                note(format!("problem: {p}"));
            }
            let report = report.into_result(&dir)?;
            say(format_args!(
                "ok: {} frames, {} files match the manifest ({})",
                report.frames_checked,
                report.files_ok,
                dir.display()
            ));
        }
        Command::Validate { spec } => {
            let report = synthvis::inspect::validate(&spec)?;
            for w in &report.warnings {
                note(format!("warning: {w}"));
            }
            say(report);
        }
        Command::Schema => {
            say(serde_json::to_string_pretty(&synthvis::spec::json_schema()).map_err(internal)?);
        }
        Command::Explain { spec, frame, seed } => {
            let scene = synthvis::inspect::explain(&spec, frame, seed)?;
            say(serde_json::to_string_pretty(&scene).map_err(internal)?);
        }
        Command::Info => {
            let adapters = list_adapters(cli.backend);
            if adapters.is_empty() {
                return Err(Error::from(GpuError::NoAdapter {
                    backends: format!("{:?}", cli.backend),
                })
                .into());
            }
            let mut text = String::from("adapters (most preferred first):");
            for (adapter, used) in &adapters {
                let mark = if *used {
                    "  <- a render uses this one"
                } else {
                    ""
                };
                text.push_str(&format!("\n  {adapter}{mark}"));
            }
            say(text);
        }
        Command::Golden { action } => match action {
            GoldenAction::Record {
                spec,
                frames,
                dir,
                tolerances,
            } => {
                let set = synthvis::golden::record(
                    &spec,
                    &frames.0,
                    &dir,
                    synthvis::golden::Tolerances::profile(tolerances),
                    cli.backend,
                )
                .with_context(|| format!("recording goldens of {}", spec.display()))?;
                say(format_args!(
                    "recorded {} frames {:?} of {} into {} on {} ({tolerances} tolerances)",
                    set.frames.len(),
                    set.frames,
                    spec.display(),
                    dir.display(),
                    set.adapter
                ));
            }
            GoldenAction::Check { spec, dir, compare } => {
                let options = compare.options();
                let comparison = synthvis::golden::check(&spec, &dir, &options, cli.backend)
                    .with_context(|| {
                        format!("checking {} against {}", spec.display(), dir.display())
                    })?;
                conclude(&comparison, &options, "golden check")?;
            }
            GoldenAction::Bless { spec, dir, frames } => {
                let report = synthvis::golden::bless(
                    &spec,
                    &dir,
                    frames.as_ref().map(|f| f.0.as_slice()),
                    cli.backend,
                )
                .with_context(|| format!("blessing {} from {}", dir.display(), spec.display()))?;
                say(report);
            }
        },
        Command::Diff { a, b, compare } => {
            let options = compare.options();
            let comparison = synthvis::golden::diff(&a, &b, &options)
                .with_context(|| format!("comparing {} with {}", a.display(), b.display()))?;
            conclude(&comparison, &options, "diff")?;
        }
    }
    Ok(())
}

/// Prints a comparison's table and where its reports went; a failing comparison is an
/// error (exit code 4).
fn conclude(comparison: &Comparison, options: &CompareOptions, what: &str) -> Result<(), Error> {
    say(comparison.table());
    if let Some(dir) = &options.report {
        say(format_args!(
            "report: {}",
            dir.join("report.html").display()
        ));
    }
    if let Some(junit) = &options.junit {
        say(format_args!("junit: {}", junit.display()));
    }
    if comparison.pass() {
        return Ok(());
    }
    if options.report.is_none() {
        note("hint: --report DIR writes the actual, diff and FLIP images and an HTML report");
    }
    Err(Error::GoldenMismatch {
        what: what.into(),
        failed: comparison.failed_frames().len(),
        total: comparison.frames.len(),
    })
}

fn internal(e: impl Display) -> Error {
    Error::Internal(e.to_string())
}

/// SIGINT (Ctrl-C) and SIGTERM (what Kubernetes and Slurm send) ask the run to stop after
/// the frames in flight; a second one ends the process at once, the usual way.
fn stop_on_signals(cancel: &Cancel) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let seen = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        let registered =
            flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&seen))
                .and_then(|_| flag::register(signal, Arc::clone(&seen)))
                .and_then(|_| flag::register_usize(signal, cancel.word(), signal as usize));
        if let Err(e) = registered {
            note(format!("warning: cannot handle signal {signal}: {e}"));
        }
    }
}

/// Any panic left is a bug: say so briefly, with what to put in a report.
fn install_panic_report() {
    std::panic::set_hook(Box::new(|info| {
        if synthvis::panic_guard::active() {
            return; // Contained and reported as an error by the library.
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        note(format!(
            "synthvis {} crashed: {message}{location}\n\
             This is a bug. Please report it with the command line, the scene spec (and its \
             assets if you can share them) and the output of `synthvis info`.",
            synthvis::VERSION
        ));
    }));
}

fn main() -> ExitCode {
    install_panic_report();
    // Quiet, headless defaults for Mesa's drivers (see gpu::driver_env); a user's own
    // settings are kept.
    for (key, value) in synthvis::gpu::driver_env::quiet_defaults(|k| std::env::var_os(k)) {
        // SAFETY: single-threaded at this point; no other thread reads the environment.
        unsafe { std::env::set_var(key, value) };
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note(format!("error: {}", error_chain(&e)));
            // Every error carries its code in synthvis::Error; anything else is internal.
            let code = e
                .chain()
                .find_map(|c| c.downcast_ref::<Error>())
                .map_or(1, Error::exit_code);
            ExitCode::from(code)
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message
/// before it already includes (our errors print their I/O source inline).
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

//! Rendering a dataset: the frames a run owes ([`plan`]: its range, a shard's block,
//! less what `--resume` keeps), written as the render API hands them over
//! ([`crate::render::Renderer::frames`]), and the files that finish a dataset (COCO, the
//! manifest).

pub mod plan;
mod writer;

use std::collections::VecDeque;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use crate::gpu::{AdapterSummary, BackendChoice, DrawMode};
use crate::output::OutputError;
use crate::output::licenses::LicenseTable;
use crate::output::manifest::{Manifest, ShardInfo};
use crate::output::store::FrameStore;
use crate::output::{Durability, Format, FramesDigest, coco, create_layout, mark_complete};
use crate::render::{Cancel, FrameTimings, RenderError, RenderOptions, Renderer};
use crate::shard::Shard;
use crate::spec::LoadedSpec;

/// Why a dataset could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A frame could not be rendered, or the run was interrupted.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The dataset could not be written, or its folder is not one to write into.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The encoder threads could not start.
    #[error("internal error: {0}")]
    Threads(String),
}

/// How to render a dataset.
#[derive(Debug, Clone)]
pub struct DatasetOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Frames to render (half-open); the spec's `0..frames` when none.
    pub frames: Option<Range<u64>>,
    /// Seed; the spec's when none.
    pub seed: Option<u64>,
    /// Replace an existing synthvis dataset in `out`.
    pub overwrite: bool,
    /// Graphics API.
    pub backend: BackendChoice,
    /// How draws are issued; the adapter's faster mode when none (images are the same).
    pub draw_mode: Option<DrawMode>,
    /// Threads that encode and write frames; rayon's global pool (one per core) when
    /// none. The files do not depend on it.
    pub threads: Option<usize>,
    /// Render workers, each with its own device and queue; [`crate::render::default_workers`] when
    /// none. The files do not depend on it.
    pub workers: Option<usize>,
    /// Render only this shard's block of the frames.
    pub shard: Option<Shard>,
    /// When set, `frames` is already this shard's part, as the caller chose it (a sweep
    /// shards its (point, frame) pairs), and `shard` only labels the manifest, whose
    /// `shard.of` is this range.
    pub shard_of: Option<Range<u64>>,
    /// Continue a run in `out`, keeping the frames it finished (a new or empty `out`
    /// starts from scratch).
    pub resume: bool,
    /// Flush every file to the disk as it is written, so the frames finished before a
    /// power loss survive it (`resume` keeps them). Without it the whole run is flushed
    /// once (`syncfs`) before the manifest says complete: a power loss can cost frames,
    /// never leave a complete-looking dataset with empty files.
    pub durable: bool,
    /// How frames are stored: a file per frame (the default) or webdataset tars.
    pub format: Format,
}

impl DatasetOptions {
    /// Options to render the spec's frames with its seed into `out`: a new or empty
    /// directory, the automatic backend and draw mode, one encoder thread per core.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            out: out.into(),
            frames: None,
            seed: None,
            overwrite: false,
            backend: BackendChoice::Auto,
            draw_mode: None,
            threads: None,
            workers: None,
            shard: None,
            shard_of: None,
            resume: false,
            durable: false,
            format: Format::Folders,
        }
    }
}

/// What a finished render did.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    /// Output directory.
    pub out: PathBuf,
    /// The run's frames (a shard's block when sharded).
    pub frames: Range<u64>,
    /// Frames rendered now (fewer than `frames` when `--resume` kept some).
    pub rendered: u64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Adapter that rendered.
    pub adapter: AdapterSummary,
    /// How draws were issued.
    pub draw_mode: DrawMode,
    /// Render workers.
    pub workers: usize,
}

/// Progress callbacks from the frame loop.
pub trait Progress {
    /// Called once with the adapter in use before the first frame: `total` frames to
    /// render now, `kept` frames an earlier run finished (`--resume`).
    fn started(&mut self, _adapter: &AdapterSummary, _total: u64, _kept: u64) {}
    /// Called after each frame is written, in frame order, with its stage timings.
    fn frame_done(&mut self, _done: u64, _timings: &FrameTimings) {}
    /// Called for each loader warning.
    fn warning(&mut self, _message: &str) {}
}

/// Ignores progress.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Renders a dataset of `spec` into `opts.out`. Stops early with
/// [`RenderError::Interrupted`]
/// when `cancel` is requested; the manifest then stays `complete: false`, and a run with
/// `resume` finishes the job.
pub fn render_dataset(
    spec: &LoadedSpec,
    opts: &DatasetOptions,
    progress: &mut dyn Progress,
    cancel: &Cancel,
) -> Result<RenderSummary, DatasetError> {
    let start = Instant::now();
    let s = &spec.spec;
    let all = opts.frames.clone().unwrap_or(0..s.images());
    let (frames, of) = match (opts.shard, &opts.shard_of) {
        // Whole storage units (frames in the folder layout, tars in webdataset) and
        // whole sequences.
        (Some(shard), None) => (
            shard.frames_by_block(
                &all,
                lcm(opts.format.frames_per_unit(), s.images_per_frame()),
            ),
            all.clone(),
        ),
        (_, Some(of)) => (all.clone(), of.clone()),
        (None, None) => (all.clone(), all.clone()),
    };
    let seed = opts.seed.unwrap_or(s.seed);
    let durability = Durability::synced_if(opts.durable);

    let mut renderer = Renderer::new(
        spec,
        RenderOptions {
            backend: opts.backend,
            workers: opts.workers,
            draw_mode: opts.draw_mode,
            seed: Some(seed),
        },
    )?;
    renderer.set_cancel(cancel.clone());
    for warning in renderer.warnings() {
        progress.warning(warning);
    }
    let adapter = renderer.adapter().clone();
    let pool = match opts.threads {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("synthvis-encode-{i}"))
                .build()
                .map_err(|e| {
                    DatasetError::Threads(format!("cannot start {n} encoder threads: {e}"))
                })?,
        ),
        None => None,
    };

    let mut manifest = Manifest::for_run(spec, renderer.library(), seed, &frames, &adapter);
    manifest.format = opts.format;
    manifest.shard = opts.shard.map(|shard| ShardInfo {
        index: shard.index,
        count: shard.count,
        of: [of.start, of.end],
    });
    let plan = plan::prepare(&opts.out, &manifest, opts.overwrite, opts.resume)?;
    manifest.write(&opts.out, Durability::Renamed)?;
    create_layout(&opts.out, &s.outputs, opts.format)?;
    progress.started(&adapter, plan.todo.len() as u64, plan.kept.len() as u64);

    let store = FrameStore::new(&opts.out, opts.format, durability)?;
    let draw_mode = renderer.draw_mode();
    let workers = renderer.workers_for(plan.todo.len());
    let written = write_frames(&mut renderer, &plan.todo, store, pool.as_ref(), progress)?;
    if let Some(signal) = cancel.requested() {
        return Err(RenderError::Interrupted { signal }.into());
    }

    let mut checksums = plan.kept;
    checksums.extend(written);
    let mut digest = FramesDigest::new();
    for (frame, sha) in &checksums {
        digest.add(*frame, sha);
    }
    let licenses = LicenseTable::new(&manifest.licenses);
    let header = coco::CocoHeader {
        resolution: (s.resolution.width, s.resolution.height),
        categories: &s.categories,
        keypoints: s.labels.keypoints,
        tool_version: crate::VERSION,
        licenses: &licenses,
    };
    coco::write_coco(&opts.out, frames.clone(), &header, durability, opts.format)?;
    mark_complete(
        &opts.out,
        manifest.completed(digest.finish()),
        &s.outputs,
        durability,
    )?;
    Ok(RenderSummary {
        out: opts.out.clone(),
        rendered: plan.todo.len() as u64,
        frames,
        seconds: start.elapsed().as_secs_f64(),
        adapter,
        draw_mode,
        workers,
    })
}

/// The least common multiple of two block lengths (at least 1).
fn lcm(a: u64, b: u64) -> u64 {
    let (a, b) = (a.max(1), b.max(1));
    let gcd = {
        let (mut x, mut y) = (a, b);
        while y != 0 {
            (x, y) = (y, x % y);
        }
        x
    };
    (a / gcd).saturating_mul(b)
}

/// Renders `todo` and writes each frame as it comes, in order (a writer thread writes
/// frame i while frame i + 1 is labelled and encoded); returns each frame's labels
/// checksum. Stops at the first error or when the renderer's cancel is requested.
fn write_frames(
    renderer: &mut Renderer,
    todo: &[u64],
    store: FrameStore<'_>,
    pool: Option<&rayon::ThreadPool>,
    progress: &mut dyn Progress,
) -> Result<Vec<(u64, String)>, DatasetError> {
    let outputs = renderer.outputs().clone();
    std::thread::scope(|scope| {
        let writer = writer::FrameWriter::start(scope, store);
        // Frames handed to the writer and not yet reported written, in order.
        let mut handed = VecDeque::new();
        let mut written = Vec::with_capacity(todo.len());
        let mut rendered = || -> Result<(), DatasetError> {
            let mut frames = renderer.frames(todo.iter().copied());
            while let Some(frame) = frames.next() {
                let frame = frame?;
                if let Some(warning) = frame
                    .scene
                    .physics
                    .as_ref()
                    .and_then(|p| p.warning(frame.index))
                {
                    progress.warning(&warning);
                }
                let mut timings = frame.timings;
                let t = Instant::now();
                // Encoding runs on the encoder pool when one is asked for.
                let encoded = match pool {
                    Some(pool) => pool.install(|| frame.encode(&outputs)),
                    None => frame.encode(&outputs),
                }?;
                timings.encode = t.elapsed().as_secs_f64();
                handed.push_back((frame.index, timings, encoded.labels_sha256));
                let index = frame.index;
                frames.recycle(frame);
                if !writer.put(index, encoded.files) {
                    break; // The writer stopped; its error comes from close.
                }
                report_written(writer.written(), &mut handed, &mut written, progress);
            }
            Ok(())
        };
        let rendered = rendered();
        let (last, stored) = writer.close(rendered.is_ok());
        report_written(last.into_iter(), &mut handed, &mut written, progress);
        rendered?;
        stored?;
        Ok(written)
    })
}

/// Reports frames the writer finished (their write times, in order) to `progress`, and
/// moves them from `handed` to `written`.
fn report_written(
    seconds: impl Iterator<Item = f64>,
    handed: &mut VecDeque<(u64, FrameTimings, String)>,
    written: &mut Vec<(u64, String)>,
    progress: &mut dyn Progress,
) {
    for write in seconds {
        let Some((index, timings, sha)) = handed.pop_front() else {
            return;
        };
        written.push((index, sha));
        progress.frame_done(written.len() as u64, &FrameTimings { write, ..timings });
    }
}

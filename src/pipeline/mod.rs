//! Rendering a dataset: the frames a run owes ([`plan`]: its range, a shard's block,
//! less what `--resume` keeps), the frame loop that renders and writes them
//! ([`frame_loop`], [`sink`]), and the files that finish a dataset (COCO, the manifest).
//! [`FrameRenderer`] renders single frames outside a run.

mod frame_loop;
mod frame_renderer;
pub mod plan;
pub mod sink;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub use frame_renderer::FrameRenderer;
pub use sink::FrameSink;

use crate::Error;
use crate::assets::AssetLibrary;
use crate::gpu::{AdapterSummary, BackendChoice, DrawMode, GpuContext, Renderer};
use crate::output::manifest::{Manifest, ShardInfo};
use crate::output::store::FrameStore;
use crate::output::{Durability, Format, FramesDigest, coco, create_layout, mark_complete};
use crate::randomize::FrameSampler;
use crate::shard::Shard;
use crate::spec::LoadedSpec;

/// How to render a dataset.
#[derive(Debug, Clone)]
pub struct RenderOptions {
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
    /// Render workers, each with its own device and queue; [`default_workers`] when
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

impl RenderOptions {
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

/// A request to stop a run, as a signal handler makes it: the signal's number, 0 while
/// none came. The run stops after the frames in flight and reports
/// [`Error::Interrupted`] with the signal.
#[derive(Debug, Default, Clone)]
pub struct Cancel(Arc<AtomicUsize>);

impl Cancel {
    /// No request yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop, because of `signal` (the first request is the one kept).
    pub fn request(&self, signal: i32) {
        let _ = self.0.compare_exchange(
            0,
            usize::try_from(signal).unwrap_or(1),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// The signal that asked the run to stop, if any did.
    pub fn requested(&self) -> Option<i32> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            s => Some(i32::try_from(s).unwrap_or(1)),
        }
    }

    /// The shared word a signal handler writes the signal's number into
    /// (`signal_hook::flag::register_usize`).
    pub fn word(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.0)
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

/// Seconds each stage of one frame took.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameTimings {
    /// Sampling the frame scene.
    pub randomize: f64,
    /// Draw list, uniform uploads, command recording and submission.
    pub record_submit: f64,
    /// Waiting for the GPU and reading the targets back.
    pub wait_readback: f64,
    /// Finishing the colour image on the CPU (anti-aliasing, sensor effects).
    pub post: f64,
    /// Instance masks, boxes and RLE.
    pub labels: f64,
    /// PNG/EXR encoding and the labels JSON.
    pub encode: f64,
    /// Writing the files (temp file + rename).
    pub write: f64,
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

/// Renders a dataset of `spec` into `opts.out`. Stops early with [`Error::Interrupted`]
/// when `cancel` is requested; the manifest then stays `complete: false`, and a run with
/// `resume` finishes the job.
pub fn render_dataset(
    spec: &LoadedSpec,
    opts: &RenderOptions,
    progress: &mut dyn Progress,
    cancel: &Cancel,
) -> Result<RenderSummary, Error> {
    let start = Instant::now();
    let s = &spec.spec;
    let all = opts.frames.clone().unwrap_or(0..s.frames);
    let (frames, of) = match (opts.shard, &opts.shard_of) {
        // Whole storage units: frames in the folder layout, tars in webdataset.
        (Some(shard), None) => (
            shard.frames_by_block(&all, opts.format.frames_per_unit()),
            all.clone(),
        ),
        (_, Some(of)) => (all.clone(), of.clone()),
        (None, None) => (all.clone(), all.clone()),
    };
    let seed = opts.seed.unwrap_or(s.seed);
    let durability = Durability::synced_if(opts.durable);

    let library = AssetLibrary::load(spec)?;
    for warning in library.warnings() {
        progress.warning(&warning);
    }
    let bounds = library.bounds();
    let colliders = library.colliders(spec);
    let suns = library.environment_suns();
    let sampler = FrameSampler::new(&spec.resolved, &bounds)?
        .with_colliders(&colliders)
        .with_environment_suns(&suns);
    let first = GpuContext::new(opts.backend)?;
    let adapter = first.summary.clone();
    // By default no more workers than frames: each one costs a device and an upload.
    let workers = opts
        .workers
        .unwrap_or_else(|| {
            default_workers(&first).min(frames.end.saturating_sub(frames.start) as usize)
        })
        .max(1);
    let mut contexts = vec![first];
    for _ in 1..workers {
        contexts.push(GpuContext::new(opts.backend)?);
    }
    let mut renderers = contexts
        .into_iter()
        .map(|ctx| {
            let mut r = Renderer::new(ctx, &library, s.resolution.width, s.resolution.height)?;
            r.set_normals(s.outputs.normals);
            if let Some(mode) = opts.draw_mode {
                r.set_draw_mode(mode);
            }
            Ok(r)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let pool = match opts.threads {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("synthvis-encode-{i}"))
                .build()
                .map_err(|e| Error::Internal(format!("cannot start {n} encoder threads: {e}")))?,
        ),
        None => None,
    };

    let mut manifest = Manifest::for_run(spec, &library, seed, &frames, &adapter);
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

    let sink = FrameSink {
        dir: &opts.out,
        outputs: &s.outputs,
        durability,
        bounds: &bounds,
        labels: spec.resolved.labels,
    };
    let store = FrameStore::new(&opts.out, opts.format, durability)?;
    let draw_mode = renderers[0].draw_mode();
    let written = frame_loop::FrameLoop {
        sampler,
        renderers: &mut renderers,
        sink,
        store,
        seed,
        pool: pool.as_ref(),
    }
    .run(&plan.todo, progress, cancel)?;
    if let Some(signal) = cancel.requested() {
        return Err(Error::Interrupted { signal });
    }

    let mut checksums = plan.kept;
    checksums.extend(written);
    let mut digest = FramesDigest::new();
    for (frame, sha) in &checksums {
        digest.add(*frame, sha);
    }
    let header = coco::CocoHeader {
        resolution: (s.resolution.width, s.resolution.height),
        categories: &s.categories,
        keypoints: s.labels.keypoints,
        tool_version: crate::VERSION,
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

/// Render workers by default: one on a GPU (it renders frames in parallel by itself);
/// on Vulkan's CPU rasterizer, whose vertex stage is single-threaded and whose
/// submissions block, one per core up to [`MAX_DEFAULT_CPU_WORKERS`], so one worker's
/// frame rasterizes while another's is recorded or finished (measured in the README,
/// "Performance"). Mesa's GL rasterizer keeps one per two cores: a GL render with two
/// workers (two contexts in one process) once died without a message in CI. A run with
/// fewer frames gets fewer ([`render_dataset`]).
pub fn default_workers(ctx: &GpuContext) -> usize {
    let info = ctx.adapter.get_info();
    if info.device_type != wgpu::DeviceType::Cpu {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if info.backend == wgpu::Backend::Gl {
        (cores / 2).max(1)
    } else {
        cores.clamp(1, MAX_DEFAULT_CPU_WORKERS)
    }
}

/// Most render workers a CPU rasterizer gets by default: each holds every asset on its
/// own device, so memory grows with them.
pub const MAX_DEFAULT_CPU_WORKERS: usize = 8;

//! The frame loop: randomize → render → readback on one thread, labels → encode → write
//! on another (encoding fans out on rayon), so the GPU renders frame i+1 while frame i
//! is encoded. Output does not depend on this overlap: frames are written in order.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::Error;
use crate::assets::AssetLibrary;
use crate::gpu::{AdapterSummary, BackendChoice, DrawMode, FrameBuffers, GpuContext, Renderer};
use crate::labels::label_frame;
use crate::output::frame::encode_frame;
use crate::output::manifest::Manifest;
use crate::output::{FramesDigest, coco, create_layout, prepare_dir, write_files};
use crate::randomize::{Bounds, FrameSampler};
use crate::scene::FrameScene;
use crate::spec::{LoadedSpec, OutputsSpec, ResolvedSpec};

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
        }
    }
}

/// What a finished render did.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    /// Output directory.
    pub out: PathBuf,
    /// Frames rendered.
    pub frames: Range<u64>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Adapter that rendered.
    pub adapter: AdapterSummary,
    /// How draws were issued.
    pub draw_mode: DrawMode,
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
    /// Instance masks, boxes and RLE.
    pub labels: f64,
    /// PNG/EXR encoding and the labels JSON.
    pub encode: f64,
    /// Writing the files (temp file + rename).
    pub write: f64,
}

/// Progress callbacks from the frame loop.
pub trait Progress {
    /// Called once with the adapter in use, before the first frame.
    fn started(&mut self, _adapter: &AdapterSummary, _total: u64) {}
    /// Called after each frame is written, in frame order, with its stage timings.
    fn frame_done(&mut self, _done: u64, _timings: &FrameTimings) {}
    /// Called for each loader warning.
    fn warning(&mut self, _message: &str) {}
}

/// Ignores progress.
pub struct NoProgress;
impl Progress for NoProgress {}

struct RenderedFrame {
    scene: FrameScene,
    buffers: FrameBuffers,
    timings: FrameTimings,
}

/// Renders a dataset of `spec` into `opts.out`. Stops early with [`Error::Interrupted`]
/// when `cancel` becomes true; the manifest then stays `complete: false`.
pub fn render_dataset(
    spec: &LoadedSpec,
    opts: &RenderOptions,
    progress: &mut dyn Progress,
    cancel: &AtomicBool,
) -> Result<RenderSummary, Error> {
    let start = Instant::now();
    let s = &spec.spec;
    let frames = opts.frames.clone().unwrap_or(0..s.frames);
    let seed = opts.seed.unwrap_or(s.seed);

    let library = AssetLibrary::load(spec)?;
    for warning in library.warnings() {
        progress.warning(&warning);
    }
    let bounds = library.bounds();
    let sampler = FrameSampler::new(&spec.resolved, &bounds)?;
    let ctx = GpuContext::new(opts.backend)?;
    let adapter = ctx.summary.clone();
    let mut renderer = Renderer::new(ctx, &library, s.resolution.width, s.resolution.height)?;
    if let Some(mode) = opts.draw_mode {
        renderer.set_draw_mode(mode);
    }

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

    prepare_dir(&opts.out, opts.overwrite)?;
    create_layout(&opts.out, &s.outputs)?;

    let manifest = Manifest::for_run(spec, &library, seed, &frames, &adapter);
    manifest.write(&opts.out)?;
    progress.started(&adapter, frames.end - frames.start);

    let digest = std::thread::scope(|scope| -> Result<String, Error> {
        let (tx, rx) = mpsc::sync_channel::<RenderedFrame>(2);
        let (done_tx, done_rx) = mpsc::channel::<FrameTimings>();
        // Written frames' buffers come back here to be filled again: no per-frame allocation.
        let (free_tx, free_rx) = mpsc::channel::<FrameBuffers>();
        let out = &opts.out;
        let pool = pool.as_ref();
        let writer = scope.spawn(move || -> Result<String, Error> {
            let mut digest = FramesDigest::new();
            for frame in rx {
                let mut timings = frame.timings;
                let mut write =
                    || write_frame(out, &frame.scene, &frame.buffers, &s.outputs, &mut timings);
                let labels_sha = match pool {
                    Some(pool) => pool.install(write)?,
                    None => write()?,
                };
                digest.add(frame.scene.frame_index, &labels_sha);
                let _ = done_tx.send(timings);
                let _ = free_tx.send(frame.buffers);
            }
            Ok(digest.finish())
        });
        let mut done = 0;
        let mut render_result = Ok(());
        // One frame stays in flight: frame i+1 is submitted before frame i is read back,
        // so the GPU renders while the CPU copies and hands frames to the writer.
        let mut pending = None;
        let mut next = frames.clone();
        loop {
            if cancel.load(Ordering::Relaxed) {
                render_result = Err(Error::Interrupted);
                break;
            }
            let submitted = match next.next() {
                Some(i) => {
                    let t0 = Instant::now();
                    let sampled = sampler.sample(seed, i).map_err(Error::from);
                    let randomize = t0.elapsed().as_secs_f64();
                    match sampled.and_then(|scene| Ok((renderer.submit(&scene)?, scene, randomize)))
                    {
                        Ok(p) => Some(p),
                        Err(e) => {
                            render_result = Err(e);
                            break;
                        }
                    }
                }
                None => None,
            };
            if let Some((p, scene, randomize)) = pending.take() {
                let mut buffers = free_rx.try_recv().unwrap_or_default();
                let r = match renderer.finish_into(p, &mut buffers) {
                    Ok(r) => r,
                    Err(e) => {
                        render_result = Err(e.into());
                        break;
                    }
                };
                let timings = FrameTimings {
                    randomize,
                    record_submit: r.record_submit,
                    wait_readback: r.wait_readback,
                    ..FrameTimings::default()
                };
                if tx
                    .send(RenderedFrame {
                        buffers,
                        scene,
                        timings,
                    })
                    .is_err()
                {
                    break; // The writer failed; its error is reported below.
                }
            }
            while let Ok(t) = done_rx.try_recv() {
                done += 1;
                progress.frame_done(done, &t);
            }
            match submitted {
                Some(p) => pending = Some(p),
                None => break,
            }
        }
        drop(tx);
        let written = writer.join().unwrap_or(Err(Error::WriterPanicked));
        while let Ok(t) = done_rx.try_recv() {
            done += 1;
            progress.frame_done(done, &t);
        }
        render_result?;
        written
    })?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }

    coco::write_coco(
        &opts.out,
        frames.clone(),
        (s.resolution.width, s.resolution.height),
        &s.categories,
        crate::VERSION,
    )?;
    manifest.completed(digest).write(&opts.out)?;
    Ok(RenderSummary {
        out: opts.out.clone(),
        frames,
        seconds: start.elapsed().as_secs_f64(),
        adapter,
        draw_mode: renderer.draw_mode(),
    })
}

/// Labels, encodes and writes one rendered frame into the dataset at `out`; returns the
/// SHA-256 of its labels file and records the stage times in `timings`.
pub fn write_frame(
    out: &Path,
    scene: &FrameScene,
    buffers: &FrameBuffers,
    outputs: &OutputsSpec,
    timings: &mut FrameTimings,
) -> Result<String, Error> {
    let t0 = Instant::now();
    let labels = label_frame(scene, buffers);
    let t1 = Instant::now();
    let encoded = encode_frame(scene, buffers, &labels, outputs)?;
    let t2 = Instant::now();
    write_files(out, &encoded.files)?;
    timings.labels = (t1 - t0).as_secs_f64();
    timings.encode = (t2 - t1).as_secs_f64();
    timings.write = t2.elapsed().as_secs_f64();
    Ok(encoded.labels_sha256)
}

/// Renders single frames outside a dataset run (tests, `explain`-style tools, goldens).
pub struct FrameRenderer {
    renderer: Renderer,
    spec: ResolvedSpec,
    bounds: Vec<Bounds>,
}

impl FrameRenderer {
    /// Loads the spec's assets and opens a device.
    pub fn new(spec: &LoadedSpec, backend: BackendChoice) -> Result<Self, Error> {
        let library = AssetLibrary::load(spec)?;
        let ctx = GpuContext::new(backend)?;
        let r = &spec.spec.resolution;
        Ok(Self {
            renderer: Renderer::new(ctx, &library, r.width, r.height)?,
            spec: spec.resolved.clone(),
            bounds: library.bounds(),
        })
    }

    /// Issues draws in `mode` from the next frame on (images do not change).
    pub fn set_draw_mode(&mut self, mode: DrawMode) {
        self.renderer.set_draw_mode(mode);
    }

    /// Samples frame `frame` of this renderer's spec with the loaded assets' bounds, as a
    /// dataset render does.
    pub fn sample(&self, seed: u64, frame: u64) -> Result<FrameScene, Error> {
        Ok(FrameSampler::new(&self.spec, &self.bounds)?.sample(seed, frame)?)
    }

    /// The GPU context (device, queue, adapter facts).
    pub fn context(&self) -> &GpuContext {
        self.renderer.context()
    }

    /// Draw calls the last rendered frame issued.
    pub fn last_draw_calls(&self) -> usize {
        self.renderer.last_draw_calls()
    }

    /// Renders a sampled scene.
    pub fn render(&mut self, scene: &FrameScene) -> Result<FrameBuffers, Error> {
        Ok(self.renderer.render(scene)?)
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.renderer.context().summary
    }
}

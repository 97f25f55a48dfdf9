//! The render API: one way to turn a spec's frames into labelled images in memory (the
//! crate's front page shows it in use).
//!
//! A [`Renderer`] loads the spec's assets once, opens a device per render worker and
//! samples, renders, finishes (anti-aliasing, sensor effects) and labels frames. Frame `i`
//! is a pure function of (spec, seed, `i`): the worker count, the order frames are asked
//! for and the frames asked before do not change it. A [`Frame`] is plain data; encoding
//! it ([`Frame::encode`]) gives the bytes `synthvis render` writes for that frame. Every
//! command renders through this module: a dataset run ([`crate::dataset`]) writes the
//! frames of [`Renderer::frames`], golden sets and the bench floor those of
//! [`Renderer::render`].

mod error;
mod frame;
mod frames;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use error::RenderError;
pub use frame::Frame;
pub use frames::Frames;

use crate::assets::AssetLibrary;
use crate::assets::environment::MapSun;
use crate::gpu::{AdapterSummary, BackendChoice, DrawMode, FrameBuffers, GpuContext};
use crate::labels::label_frame;
use crate::physics::AssetCollider;
use crate::randomize::{Bounds, FrameSampler, RandomizeError};
use crate::scene::FrameScene;
use crate::spec::{LoadedSpec, OutputsSpec, ResolvedSpec};

/// How a [`Renderer`] renders. The frames do not depend on any of these.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Graphics API; the automatic choice (a real GPU first) by default.
    pub backend: BackendChoice,
    /// Render workers, each with its own device and queue, used by
    /// [`Renderer::frames`]; [`default_workers`] when none.
    pub workers: Option<usize>,
    /// How draws are issued; the adapter's faster mode when none (images are the same).
    pub draw_mode: Option<DrawMode>,
    /// The run seed; the spec's when none.
    pub seed: Option<u64>,
}

/// A request to stop rendering, as a signal handler makes it: the signal's number, 0
/// while none came. [`Renderer::frames`] stops after the frames in flight and yields
/// [`RenderError::Interrupted`] with the signal.
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
    /// Optical flow and occlusion masks towards the neighbouring steps (a sequence with
    /// flow outputs; 0 otherwise).
    pub flow: f64,
    /// PNG/EXR encoding and the labels JSON (filled in by whoever encodes the frame).
    pub encode: f64,
    /// Writing the files (filled in by whoever writes them).
    pub write: f64,
}

/// What a render worker samples frames from: the resolved spec and what the loaded assets
/// tell the sampler (boxes, colliders, environment suns). Shared by the workers' threads.
struct SceneSource {
    spec: ResolvedSpec,
    bounds: Vec<Bounds>,
    colliders: Vec<AssetCollider>,
    suns: Vec<Option<MapSun>>,
    licenses: crate::output::licenses::LicenseTable,
    /// The last sequences' step-0 scenes, by (seed, sequence): the steps of a sequence
    /// are posed from it instead of drawing (and simulating) it again for each step.
    heads: Mutex<VecDeque<(u64, u64, Arc<FrameScene>)>>,
}

/// Sequences whose step-0 scene [`SceneSource`] keeps: enough for every worker's
/// sequence in flight and the rayon batch that samples ahead.
const KEPT_SEQUENCE_HEADS: usize = 64;

impl SceneSource {
    fn new(
        spec: ResolvedSpec,
        bounds: Vec<Bounds>,
        colliders: Vec<AssetCollider>,
        suns: Vec<Option<MapSun>>,
        licenses: crate::output::licenses::LicenseTable,
    ) -> Self {
        Self {
            spec,
            bounds,
            colliders,
            suns,
            licenses,
            heads: Mutex::new(VecDeque::new()),
        }
    }

    fn sampler(&self) -> Result<FrameSampler<'_>, RenderError> {
        Ok(FrameSampler::new(&self.spec, &self.bounds)?
            .with_colliders(&self.colliders)
            .with_environment_suns(&self.suns))
    }

    /// Samples frame `index` of the run with seed `seed` (with a sequence: one camera's
    /// image of one step, [`ResolvedSpec::image_of`], posed from the sequence's step 0).
    fn sample(&self, seed: u64, index: u64) -> Result<FrameScene, RenderError> {
        let sampler = self.sampler()?;
        if self.spec.sequence.is_none() {
            return Ok(sampler.sample(seed, index)?);
        }
        let (sequence, step, camera) = self.spec.image_of(index);
        let head = self.sequence_head(&sampler, seed, sequence)?;
        Ok(head.at(step, camera).map_err(RandomizeError::from)?)
    }

    /// Step 0 of sequence `sequence`, drawn once and kept for its other steps (a pure
    /// function of its key, so which thread draws it changes nothing).
    fn sequence_head(
        &self,
        sampler: &FrameSampler<'_>,
        seed: u64,
        sequence: u64,
    ) -> Result<Arc<FrameScene>, RenderError> {
        let lock = || self.heads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, head)) = lock().iter().find(|(s, q, _)| *s == seed && *q == sequence) {
            return Ok(Arc::clone(head));
        }
        let head = Arc::new(sampler.sample_sequence(seed, sequence)?);
        let mut heads = lock();
        if heads.len() >= KEPT_SEQUENCE_HEADS {
            heads.pop_front();
        }
        heads.push_back((seed, sequence, Arc::clone(&head)));
        Ok(head)
    }

    /// Whether sampling a frame runs a simulation (seconds, not microseconds).
    fn simulates(&self) -> bool {
        self.spec.simulates()
    }

    /// The colour image's CPU stage ([`crate::post`]: anti-aliasing, sensor effects), on
    /// the thread that read the frame back; returns its seconds.
    fn post(scene: &FrameScene, buffers: &mut FrameBuffers) -> f64 {
        let t0 = Instant::now();
        crate::post::finish_rgb(
            &mut buffers.rgb,
            (buffers.width, buffers.height),
            (&buffers.depth, &buffers.instance),
            &scene.render,
        );
        t0.elapsed().as_secs_f64()
    }

    /// Labels a finished frame of the run with seed `seed` into a [`Frame`].
    fn label(
        &self,
        seed: u64,
        scene: FrameScene,
        buffers: FrameBuffers,
        timings: FrameTimings,
    ) -> Frame {
        let t0 = Instant::now();
        let labels = label_frame(&scene, &buffers, &self.bounds, &self.spec.labels);
        let timings = FrameTimings {
            labels: t0.elapsed().as_secs_f64(),
            ..timings
        };
        let licenses = self
            .licenses
            .image_ids(scene.objects.iter().map(|o| o.asset.as_str()));
        Frame {
            index: scene.frame_index,
            seed,
            licenses,
            scene,
            buffers,
            labels,
            timings,
            flow: Default::default(),
        }
    }
}

/// Renders the frames of one spec: assets loaded once, a device per render worker.
///
/// `Renderer` is [`Send`]: it can be made on one thread and used on another, and several
/// can be made at once from different threads (instance creation is serialized inside
/// [`crate::gpu`]).
pub struct Renderer {
    source: Arc<SceneSource>,
    library: AssetLibrary,
    outputs: OutputsSpec,
    options: RenderOptions,
    /// The run seed frames are sampled with.
    seed: u64,
    /// Worker 0 always; the others are opened by [`Renderer::frames`] when it needs them.
    workers: Vec<crate::gpu::Renderer>,
    warnings: Vec<String>,
    cancel: Cancel,
}

impl Renderer {
    /// Loads `spec`'s assets and opens the first render worker's device.
    pub fn new(spec: &LoadedSpec, options: RenderOptions) -> Result<Self, RenderError> {
        let library = AssetLibrary::load(spec)?;
        let bounds = library.bounds();
        // Fails here, once, when the spec places objects by bounds the assets lack.
        FrameSampler::new(&spec.resolved, &bounds)?;
        let source = SceneSource::new(
            spec.resolved.clone(),
            bounds,
            library.colliders(spec),
            library.environment_suns(),
            crate::output::licenses::LicenseTable::new(&library.licenses),
        );
        let mut this = Self {
            source: Arc::new(source),
            warnings: library.warnings(),
            library,
            outputs: spec.spec.outputs.clone(),
            seed: options.seed.unwrap_or(spec.spec.seed),
            options,
            workers: Vec::new(),
            cancel: Cancel::new(),
        };
        let first = this.open_worker()?;
        this.workers.push(first);
        Ok(this)
    }

    /// A new render worker: a device with every asset uploaded.
    fn open_worker(&self) -> Result<crate::gpu::Renderer, RenderError> {
        let ctx = GpuContext::new(self.options.backend)?;
        let r = &self.source.spec.resolution;
        let (width, height) = (r.width, r.height);
        let mut worker = crate::gpu::Renderer::new(ctx, &self.library, width, height)?;
        worker.set_normals(self.outputs.normals);
        if let Some(mode) = self.options.draw_mode {
            worker.set_draw_mode(mode);
        }
        Ok(worker)
    }

    /// Renders frame `index`, alone, on the first worker (with a sequence's flow outputs,
    /// through [`Renderer::frames`], with the neighbouring steps its occlusion masks
    /// need).
    pub fn render(&mut self, index: u64) -> Result<Frame, RenderError> {
        if self.needs_neighbours() {
            // Its occlusion masks need the neighbouring steps' depth.
            return self.frames([index]).next().unwrap_or_else(|| {
                Err(RenderError::Worker(
                    "the render stopped with no frame".into(),
                ))
            });
        }
        let t0 = Instant::now();
        let scene = self.source.sample(self.seed, index)?;
        let randomize = t0.elapsed().as_secs_f64();
        let mut frame = self.render_scene(&scene)?;
        frame.timings.randomize = randomize;
        Ok(frame)
    }

    /// Renders `scene` as given (sampled by [`Renderer::sample`] and perhaps changed, or
    /// made by hand) on the first worker, and labels it with this spec's assets and
    /// label options.
    pub fn render_scene(&mut self, scene: &FrameScene) -> Result<Frame, RenderError> {
        let worker = &mut self.workers[0];
        let pending = worker.submit(scene)?;
        let mut buffers = FrameBuffers::default();
        let read = worker.finish_into(pending, &mut buffers)?;
        let timings = FrameTimings {
            record_submit: read.record_submit,
            wait_readback: read.wait_readback,
            post: SceneSource::post(scene, &mut buffers),
            ..FrameTimings::default()
        };
        Ok(self
            .source
            .label(self.seed, scene.clone(), buffers, timings))
    }

    /// The frames at `indices`, in that order, rendered by all the render workers at
    /// once (each keeps a frame in flight on its device) and labelled on the calling
    /// thread as they are taken. With a sequence's flow outputs, the neighbouring steps
    /// of each frame are rendered too (those not asked for are not handed out), so each
    /// frame comes with its occlusion masks. The first error ends the sequence.
    pub fn frames(&mut self, indices: impl IntoIterator<Item = u64>) -> Frames<'_> {
        Frames::start(self, indices.into_iter().collect())
    }

    /// Whether a frame of this spec needs its neighbouring steps rendered with it (a
    /// sequence with flow outputs: the occlusion masks compare their depth).
    fn needs_neighbours(&self) -> bool {
        self.outputs.flow && self.source.spec.sequence.is_some()
    }

    /// Samples frame `index`'s scene without rendering it (what `synthvis explain`
    /// prints).
    pub fn sample(&self, index: u64) -> Result<FrameScene, RenderError> {
        self.source.sample(self.seed, index)
    }

    /// Stops [`Renderer::frames`] when `cancel` is requested (by a signal handler, say).
    pub fn set_cancel(&mut self, cancel: Cancel) {
        self.cancel = cancel;
    }

    /// Issues draws in `mode` from the next frame on, on every worker (images do not
    /// change).
    pub fn set_draw_mode(&mut self, mode: DrawMode) {
        self.options.draw_mode = Some(mode);
        for w in &mut self.workers {
            w.set_draw_mode(mode);
        }
    }

    /// How draws are issued.
    pub fn draw_mode(&self) -> DrawMode {
        self.workers[0].draw_mode()
    }

    /// Draw calls the first worker's last frame issued.
    pub fn last_draw_calls(&self) -> usize {
        self.workers[0].last_draw_calls()
    }

    /// The adapter every worker renders on.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.context().summary
    }

    /// The first worker's GPU context (device, queue, adapter facts).
    pub fn context(&self) -> &GpuContext {
        self.workers[0].context()
    }

    /// The run seed frames are sampled with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Samples frames with `seed` from now on: the same assets and devices serve another
    /// run of the spec.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// The loaded assets' boxes, in asset order.
    pub fn bounds(&self) -> &[Bounds] {
        &self.source.bounds
    }

    /// The loaded assets (meshes, materials, environment maps).
    pub fn library(&self) -> &AssetLibrary {
        &self.library
    }

    /// Which files a frame of this spec writes ([`Frame::encode`] takes it).
    pub fn outputs(&self) -> &OutputsSpec {
        &self.outputs
    }

    /// What loading the assets warned about (unsupported glTF features, say).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Render workers [`Renderer::frames`] uses for `frames` frames: the option's count,
    /// else [`default_workers`] but never more than frames.
    pub fn workers_for(&self, frames: usize) -> usize {
        self.options
            .workers
            .unwrap_or_else(|| default_workers(self.workers[0].context()).min(frames))
            .max(1)
    }
}

/// Render workers by default: one on a GPU (it renders frames in parallel by itself);
/// on Vulkan's CPU rasterizer, whose vertex stage is single-threaded and whose
/// submissions block, one per core up to [`MAX_DEFAULT_CPU_WORKERS`], so one worker's
/// frame rasterizes while another's is recorded or finished (measured in the book,
/// "Performance"). Mesa's GL rasterizer keeps one per two cores: a GL render with two
/// workers (two contexts in one process) once died without a message in CI. A run with
/// fewer frames gets fewer ([`Renderer::workers_for`]).
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

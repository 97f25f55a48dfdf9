//! `synthvis bench`: renders a spec into a temporary directory through the real pipeline
//! and reports per-stage times, frames/s, CPU use, peak memory, and the floor (frames/s
//! of labelling, encoding and writing the same buffers with no rendering).

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::LoadedSpec;
use crate::dataset::DatasetError;
use crate::dataset::{DatasetOptions, Progress, render_dataset};
use crate::gpu::{AdapterSummary, BackendChoice, DrawMode};
use crate::labels::label_frame;
use crate::output::OutputError;
use crate::output::frame::encode_frame;
use crate::render::RenderError;
use crate::render::{Cancel, FrameTimings, RenderOptions, Renderer};
use crate::spec::Preset;
use crate::spec::SpecError;

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The overrides make the spec invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The measured run failed.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The floor's frame could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The floor's files could not be encoded or written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// No temporary folder, or no frame measured.
    #[error("bench: {0}")]
    Setup(String),
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Frames measured.
    pub frames: u64,
    /// Frames rendered first and not measured.
    pub warmup: u64,
    /// Graphics API.
    pub backend: BackendChoice,
    /// Overrides the spec's resolution (scaling studies).
    pub resolution: Option<(u32, u32)>,
    /// Overrides the number of object instances per frame: the spec's object groups
    /// share it in turn (scaling studies).
    pub objects: Option<u32>,
    /// How draws are issued; the adapter's faster mode when none.
    pub draw_mode: Option<DrawMode>,
    /// Render workers; the adapter's default when none.
    pub workers: Option<usize>,
    /// Overrides the spec's `render.preset` (the look's speed floors are measured with
    /// each).
    pub preset: Option<Preset>,
}

impl BenchOptions {
    /// The spec with this run's overrides applied, validated again.
    fn apply(&self, spec: &LoadedSpec) -> Result<LoadedSpec, SpecError> {
        let mut out = spec.spec.clone();
        if let Some((width, height)) = self.resolution {
            out.resolution = crate::spec::Resolution { width, height };
        }
        if let Some(n) = self.objects {
            let groups = out.objects.len().max(1) as u32;
            for (i, g) in out.objects.iter_mut().enumerate() {
                g.count =
                    crate::spec::Count::Const(n / groups + u32::from((i as u32) < n % groups));
            }
        }
        if let Some(preset) = self.preset {
            out.render.preset = Some(preset);
        }
        spec.with_spec(out)
    }
}

/// Mean and 95th percentile of one stage, milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct StageStats {
    /// Stage name.
    pub stage: &'static str,
    /// Mean, ms.
    pub mean_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
}

/// The measurements.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Frames measured.
    pub frames: u64,
    /// Warm-up frames.
    pub warmup: u64,
    /// `[width, height]`.
    pub resolution: [u32; 2],
    /// Most object instances a frame can have.
    pub objects: u32,
    /// Adapter used.
    pub adapter: AdapterSummary,
    /// The look rendered (`render.preset`, or the spec version's default).
    pub preset: Preset,
    /// How draws were issued.
    pub draw_mode: DrawMode,
    /// Render workers.
    pub workers: usize,
    /// Per-stage times of the measured frames.
    pub stages: Vec<StageStats>,
    /// Process CPU time / (wall time × cores) over the measured frames.
    pub cpu_busy: f64,
    /// Cores available to the process.
    pub cores: usize,
    /// Peak resident memory of the process, MiB.
    pub peak_rss_mib: f64,
    /// Bytes written per frame (all files of a frame).
    pub bytes_per_frame: f64,
    /// Frames/s of labelling + encoding + writing alone, on all cores.
    pub floor_frames_per_s: f64,
    /// Frames/s of the whole pipeline over the measured frames.
    pub frames_per_s: f64,
}

/// Resource usage of this process.
fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes into the zero-initialised struct we pass.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    }
}

/// Process CPU time (user + system), seconds.
pub fn cpu_seconds() -> f64 {
    let usage = rusage();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Peak resident set size of the process, MiB (Linux reports KiB).
pub fn peak_rss_mib() -> f64 {
    rusage().ru_maxrss as f64 / 1024.0
}

#[derive(Default)]
struct Collector {
    warmup: u64,
    timings: Vec<FrameTimings>,
    window_start: Option<(Instant, f64)>,
    window_end: Option<(Instant, f64)>,
    adapter: Option<AdapterSummary>,
}

impl Progress for Collector {
    fn started(&mut self, adapter: &AdapterSummary, _total: u64, _kept: u64) {
        self.adapter = Some(adapter.clone());
        if self.warmup == 0 {
            self.window_start = Some((Instant::now(), cpu_seconds()));
        }
    }
    fn frame_done(&mut self, done: u64, timings: &FrameTimings) {
        if done == self.warmup {
            self.window_start = Some((Instant::now(), cpu_seconds()));
        }
        if done > self.warmup {
            self.timings.push(*timings);
            self.window_end = Some((Instant::now(), cpu_seconds()));
        }
    }
}

fn stats(stage: &'static str, mut v: Vec<f64>) -> StageStats {
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    let p95 = v
        .get(((v.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0);
    StageStats {
        stage,
        mean_ms: mean * 1e3,
        p95_ms: p95 * 1e3,
    }
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Runs the benchmark.
pub fn run(spec: &LoadedSpec, opts: &BenchOptions) -> Result<BenchReport, BenchError> {
    let spec = &opts.apply(spec)?;
    let tmp =
        tempfile::tempdir().map_err(|e| BenchError::Setup(format!("temporary directory: {e}")))?;
    let ds = tmp.path().join("dataset");
    let total = opts.warmup + opts.frames;
    let render_opts = DatasetOptions {
        frames: Some(0..total),
        backend: opts.backend,
        draw_mode: opts.draw_mode,
        workers: opts.workers,
        ..DatasetOptions::new(&ds)
    };
    let mut c = Collector {
        warmup: opts.warmup,
        ..Collector::default()
    };
    let summary = render_dataset(spec, &render_opts, &mut c, &Cancel::new())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (Some((t0, c0)), Some((t1, c1))) = (c.window_start, c.window_end) else {
        return Err(BenchError::Setup("no frame was measured".into()));
    };
    let wall = (t1 - t0).as_secs_f64().max(1e-9);
    let pick = |f: fn(&FrameTimings) -> f64| c.timings.iter().map(f).collect::<Vec<_>>();
    let mut stages = vec![
        stats("randomize", pick(|t| t.randomize)),
        stats("record_submit", pick(|t| t.record_submit)),
        stats("gpu_wait_readback", pick(|t| t.wait_readback)),
        stats("post", pick(|t| t.post)),
        stats("labels_rle", pick(|t| t.labels)),
        stats("png_encode", pick(|t| t.encode)),
        stats("write", pick(|t| t.write)),
    ];
    if spec.spec.outputs.flow && spec.spec.sequence.is_some() {
        // After the labels: the flow is made as a labelled frame is handed out.
        stages.insert(5, stats("flow_occlusion", pick(|t| t.flow)));
    }
    let bytes_per_frame = dir_bytes(&ds) as f64 / total.max(1) as f64;

    // The floor: the same buffers labelled, encoded and written on every core, no GPU.
    let options = RenderOptions {
        backend: opts.backend,
        ..RenderOptions::default()
    };
    let mut renderer = Renderer::new(spec, options)?;
    let frame = renderer.render(0)?;
    let floor_dir = tmp.path().join("floor");
    crate::output::create_layout(
        &floor_dir,
        &spec.spec.outputs,
        crate::output::Format::Folders,
    )?;
    let floor_start = Instant::now();
    let bounds = renderer.bounds();
    (0..opts.frames.max(1)).into_par_iter().try_for_each(|i| {
        let mut scene = frame.scene.clone();
        scene.frame_index = i;
        let labels = label_frame(&scene, &frame.buffers, bounds, &spec.resolved.labels);
        let encoded = encode_frame(
            (&scene, &frame.buffers, &labels, &frame.flow),
            &spec.spec.outputs,
        )?;
        crate::output::write_files(
            &floor_dir,
            &encoded.files,
            crate::output::Durability::Renamed,
        )
    })?;
    let floor_frames_per_s =
        opts.frames.max(1) as f64 / floor_start.elapsed().as_secs_f64().max(1e-9);

    let r = &spec.spec.resolution;
    Ok(BenchReport {
        frames: opts.frames,
        warmup: opts.warmup,
        resolution: [r.width, r.height],
        objects: spec.spec.objects.iter().map(|o| o.count.max()).sum(),
        adapter: c.adapter.unwrap_or_else(|| renderer.adapter().clone()),
        preset: spec.spec.render.effective_preset(spec.spec.version),
        draw_mode: summary.draw_mode,
        workers: summary.workers,
        stages,
        cpu_busy: (c1 - c0) / (wall * cores as f64),
        cores,
        peak_rss_mib: peak_rss_mib(),
        bytes_per_frame,
        floor_frames_per_s,
        frames_per_s: c.timings.len() as f64 / wall,
    })
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "bench: {} frames (+{} warm-up) at {}x{}, {} look, on {}, {} draws, {} render workers",
            self.frames,
            self.warmup,
            self.resolution[0],
            self.resolution[1],
            self.preset,
            self.adapter,
            self.draw_mode,
            self.workers
        )?;
        writeln!(f, "{:<20} {:>9} {:>9}", "stage", "mean_ms", "p95_ms")?;
        for s in &self.stages {
            writeln!(f, "{:<20} {:>9.3} {:>9.3}", s.stage, s.mean_ms, s.p95_ms)?;
        }
        writeln!(f, "cpu_busy {:.3} ({} cores)", self.cpu_busy, self.cores)?;
        writeln!(f, "peak_rss_mib {:.1}", self.peak_rss_mib)?;
        writeln!(f, "bytes_per_frame {:.0}", self.bytes_per_frame)?;
        writeln!(f, "floor_frames_per_s {:.2}", self.floor_frames_per_s)?;
        write!(f, "frames_per_s {:.2}", self.frames_per_s)
    }
}

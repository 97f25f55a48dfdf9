//! `Renderer`: the library's [`synthvis::Renderer`] for Python. It opens its device on
//! first use (so an unopened one can be pickled into `DataLoader` workers), renders with
//! the GIL released, and refuses, with a message, a device inherited across `fork`.
//! `FrameIterator` is `Renderer.frames`: a thread of its own drives the library's
//! pipelined sequence and hands converted frames over a short queue.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyRange, PyTuple};
use synthvis::gpu::BackendChoice;
use synthvis::render::{RenderError, RenderOptions};

use crate::frame::{Frame, PreparedFrame};
use crate::spec::Spec;
use crate::{errors, json};

/// Frames converted ahead of Python by a `FrameIterator`'s thread.
const QUEUE_DEPTH: usize = 2;

/// How often a waiting `FrameIterator` lets Python handle signals (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// What a `Renderer` shares with the thread of its `FrameIterator`.
struct Shared {
    /// The library's renderer, once opened.
    renderer: Mutex<Option<synthvis::Renderer>>,
    /// The process that opened it (0 until then): a forked child must not touch it.
    opened_in: AtomicU32,
    /// Set while a `FrameIterator` runs.
    busy: AtomicBool,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let opened_in = *self.opened_in.get_mut();
        if opened_in != 0 && opened_in != std::process::id() {
            // A forked child: the device, its driver threads and our render workers
            // live in the parent. Dropping them here could wait on threads that do not
            // exist in this process; leave them be.
            let renderer = match self.renderer.get_mut() {
                Ok(r) => r.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            };
            std::mem::forget(renderer);
        }
    }
}

/// Clears `Shared::busy` when the frames thread ends, however it ends.
struct BusyGuard(Arc<Shared>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

/// Renders the frames of a spec. `Renderer(spec, seed=None, backend="auto",
/// workers=None)`: `spec` is a `Spec` or a path; `seed` replaces the spec's run seed;
/// `backend` is `auto` (honours `WGPU_BACKEND`), `vulkan`, `gl`, `metal` or `dx12`;
/// `workers` is the number of render workers `frames` uses (default: one on a GPU, one
/// per core up to 8 on Vulkan's CPU rasterizer).
///
/// The assets are loaded and the device opened on first use. A `Renderer` pickles as its
/// spec and options, so it can be handed to `DataLoader` workers; one whose device was
/// opened before a `fork` raises `RenderError` in the child rather than use it.
#[pyclass(frozen, module = "synthvis._native", name = "Renderer")]
pub struct Renderer {
    spec: Spec,
    options: RenderOptions,
    backend: String,
    shared: Arc<Shared>,
}

impl Renderer {
    /// An error unless this process may use the device (it is unopened, or opened here).
    fn check_process(&self) -> PyResult<()> {
        let opened_in = self.shared.opened_in.load(Ordering::Acquire);
        let here = std::process::id();
        if opened_in != 0 && opened_in != here {
            return Err(errors::runtime(format!(
                "this Renderer opened its GPU device in process {opened_in}, and this is \
                 process {here} (a child made by fork): a device does not survive a fork. \
                 Hand the child an unopened Renderer (it pickles as its spec and options and \
                 opens its device on first use), or make a new one there"
            )));
        }
        if self.shared.busy.load(Ordering::Acquire) {
            return Err(errors::runtime(
                "this Renderer is busy with a frames() iterator: exhaust it or call its \
                 close() first",
            ));
        }
        Ok(())
    }
}

/// The library renderer in `slot`, opened first if need be.
fn opened<'a>(
    slot: &'a mut MutexGuard<'_, Option<synthvis::Renderer>>,
    shared: &Shared,
    spec: &Spec,
    options: &RenderOptions,
) -> Result<&'a mut synthvis::Renderer, RenderError> {
    if slot.is_none() {
        let renderer = synthvis::Renderer::new(&spec.loaded, options.clone())?;
        shared
            .opened_in
            .store(std::process::id(), Ordering::Release);
        **slot = Some(renderer);
    }
    match slot.as_mut() {
        Some(renderer) => Ok(renderer),
        None => Err(RenderError::Worker("renderer not opened".into())),
    }
}

/// Locks the renderer's slot; a panic while it was held (a bug) is not a reason to stop.
fn lock(shared: &Shared) -> MutexGuard<'_, Option<synthvis::Renderer>> {
    shared
        .renderer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The frame indices `indices` names: a `range` (start, stop, step) or any iterable of
/// non-negative ints.
fn frame_indices(indices: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
    if let Ok(range) = indices.cast::<PyRange>() {
        let (start, stop, step): (i64, i64, i64) = (
            range.getattr("start")?.extract()?,
            range.getattr("stop")?.extract()?,
            range.getattr("step")?.extract()?,
        );
        if start < 0 || (step < 0 && stop < -1) {
            return Err(errors::invalid(format!(
                "frames: range({start}, {stop}, {step}) names negative frame indices"
            )));
        }
        let mut out = Vec::new();
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            out.push(i as u64);
            i += step;
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for item in indices.try_iter()? {
        let value: i64 = item?.extract()?;
        let index = u64::try_from(value)
            .map_err(|_| errors::invalid(format!("frames: frame index {value} is negative")))?;
        out.push(index);
    }
    Ok(out)
}

#[pymethods]
impl Renderer {
    #[new]
    #[pyo3(signature = (spec, seed = None, backend = "auto", workers = None))]
    fn new(
        py: Python<'_>,
        spec: &Bound<'_, PyAny>,
        seed: Option<u64>,
        backend: &str,
        workers: Option<usize>,
    ) -> PyResult<Self> {
        let spec = match spec.cast::<Spec>() {
            Ok(spec) => spec.get().clone(),
            Err(_) => {
                let path = spec.extract::<std::path::PathBuf>()?;
                Spec::open(py, path)?
            }
        };
        let backend_choice: BackendChoice = backend
            .parse()
            .map_err(|m: String| pyo3::exceptions::PyValueError::new_err(m))?;
        if workers == Some(0) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "workers must be at least 1 (or None for the default)",
            ));
        }
        Ok(Self {
            spec,
            options: RenderOptions {
                backend: backend_choice,
                workers,
                draw_mode: None,
                seed,
            },
            backend: backend.to_owned(),
            shared: Arc::new(Shared {
                renderer: Mutex::new(None),
                opened_in: AtomicU32::new(0),
                busy: AtomicBool::new(false),
            }),
        })
    }

    /// The spec this renderer renders.
    #[getter]
    fn spec(&self) -> Spec {
        self.spec.clone()
    }

    /// The run seed frames are sampled with (the `seed` given, else the spec's).
    #[getter]
    fn seed(&self) -> u64 {
        self.options.seed.unwrap_or(self.spec.loaded.spec.seed)
    }

    /// The backend asked for.
    #[getter]
    fn backend(&self) -> String {
        self.backend.clone()
    }

    /// The render workers asked for (`None`: the adapter's default).
    #[getter]
    fn workers(&self) -> Option<usize> {
        self.options.workers
    }

    /// Whether the device is open (in this process or, after a fork, in the parent).
    #[getter]
    fn is_open(&self) -> bool {
        self.shared.opened_in.load(Ordering::Acquire) != 0
    }

    /// Renders frame `index`, alone, and labels it. The GIL is released meanwhile.
    fn render(&self, py: Python<'_>, index: u64) -> PyResult<Frame> {
        self.check_process()?;
        let prepared = py.detach(|| {
            let mut slot = lock(&self.shared);
            let renderer = opened(&mut slot, &self.shared, &self.spec, &self.options)?;
            let outputs = renderer.outputs().clone();
            let frame = renderer.render(index)?;
            Ok::<_, RenderError>(PreparedFrame::new(frame, &outputs))
        });
        prepared.map_err(|e| errors::render(&e))?.into_python(py)
    }

    /// Renders sequence `sequence` (every step of every camera) and returns, by camera
    /// name, its frames' arrays stacked over the steps (see `synthvis.sequence.stack`):
    /// `rgb` (T, H, W, 3), `depth`, `instance`, `class_ids` (T, H, W), `K` (T, 3, 3),
    /// `world_to_camera` (T, 4, 4), with flow outputs `flow_forward` (T-1, H, W, 2) for
    /// steps 0..T-1 and `flow_backward` for steps 1..T (and their occlusion masks),
    /// `disparity` (T, H, W) for a stereo pair's left camera, `labels` and `image_ids`
    /// (lists of T).
    fn render_sequence<'py>(&self, py: Python<'py>, sequence: u64) -> PyResult<Bound<'py, PyAny>> {
        let per = self.spec.loaded.spec.images_per_frame();
        if self.spec.loaded.spec.sequence.is_none() {
            return Err(errors::invalid(
                "render_sequence: the spec has no `sequence`; render(i) renders its stills",
            ));
        }
        // Any sequence renders (as any still does), the spec's `frames` or beyond.
        let span = sequence.checked_mul(per).and_then(|start| {
            Some((
                isize::try_from(start).ok()?,
                isize::try_from(start + per).ok()?,
            ))
        });
        let Some((start, end)) = span else {
            return Err(errors::invalid(format!(
                "render_sequence: sequence {sequence} is too large"
            )));
        };
        let range = pyo3::types::PyRange::new(py, start, end)?;
        let frames: Vec<Bound<'py, PyAny>> = self
            .frames(range.as_any())?
            .into_pyobject(py)?
            .try_iter()?
            .collect::<PyResult<_>>()?;
        py.import("synthvis.sequence")?
            .getattr("stack")?
            .call1((frames, self.spec.cameras()))
    }

    /// The frames at `indices` (a `range` or an iterable of ints), in that order,
    /// rendered by all the render workers at once and labelled on a thread of their own:
    /// an iterator of `Frame`. The first error ends it (raised by `next`). While it runs,
    /// the renderer renders nothing else; `close()` it (or exhaust it) to stop early.
    fn frames(&self, indices: &Bound<'_, PyAny>) -> PyResult<FrameIterator> {
        let indices = frame_indices(indices)?;
        self.check_process()?;
        if (self.shared.busy)
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(errors::runtime(
                "this Renderer is busy with another frames() iterator: exhaust it or call \
                 its close() first",
            ));
        }
        let busy = BusyGuard(Arc::clone(&self.shared));
        let (sender, receiver) = sync_channel(QUEUE_DEPTH);
        let spec = self.spec.clone();
        let options = self.options.clone();
        let handle = std::thread::Builder::new()
            .name("synthvis-frames".into())
            .spawn(move || run_frames(busy, spec, options, indices, sender))
            .map_err(|e| errors::runtime(format!("cannot start the frames thread: {e}")))?;
        Ok(FrameIterator {
            receiver: Mutex::new(Some(receiver)),
            handle: Mutex::new(Some(handle)),
            started_in: std::process::id(),
        })
    }

    /// The scene frame `index` draws, sampled without rendering: the dict
    /// `synthvis explain` prints (`labels["scene"]` of the rendered frame).
    fn explain<'py>(&self, py: Python<'py>, index: u64) -> PyResult<Bound<'py, PyAny>> {
        let seed = Some(self.seed());
        let scene = py
            .detach(|| synthvis::inspect::explain_spec(&self.spec.loaded, index, seed))
            .map_err(|e| errors::inspect(&e))?;
        json::to_python(py, &scene)
    }

    /// The adapter rendering (`name`, `backend`, `device_type`, `driver`,
    /// `driver_info`); opens the device.
    #[getter]
    fn adapter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check_process()?;
        let adapter = py.detach(|| {
            let mut slot = lock(&self.shared);
            opened(&mut slot, &self.shared, &self.spec, &self.options).map(|r| r.adapter().clone())
        });
        json::to_python(py, &adapter.map_err(|e| errors::render(&e))?)
    }

    /// What loading the assets warned about (a missing texture, say); opens the device.
    #[getter]
    fn warnings(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.check_process()?;
        let warnings = py.detach(|| {
            let mut slot = lock(&self.shared);
            opened(&mut slot, &self.shared, &self.spec, &self.options)
                .map(|r| r.warnings().to_vec())
        });
        warnings.map_err(|e| errors::render(&e))
    }

    /// Closes the device (it opens again on next use).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.check_process()?;
        let renderer = py.detach(|| lock(&self.shared).take());
        self.shared.opened_in.store(0, Ordering::Release);
        py.detach(|| drop(renderer));
        Ok(())
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// Pickles as `Renderer(spec, seed, backend, workers)`: the device is not pickled,
    /// the copy opens its own on first use.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let args = (
            this.spec.clone(),
            this.options.seed,
            this.backend.clone(),
            this.options.workers,
        );
        PyTuple::new(
            py,
            [
                py.get_type::<Renderer>().into_any(),
                args.into_pyobject(py)?.into_any(),
            ],
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Renderer({:?}, seed={}, backend={:?}, workers={}, open={})",
            self.spec.loaded.file.display().to_string(),
            self.seed(),
            self.backend,
            self.options
                .workers
                .map_or("default".into(), |w| w.to_string()),
            self.is_open()
        )
    }
}

/// Why the frames thread stopped early.
enum ThreadError {
    Render(RenderError),
}

/// The frames thread: opens the renderer if need be, runs the library's sequence and
/// sends each frame, converted, until the sequence ends, an error, or the iterator is
/// dropped.
fn run_frames(
    busy: BusyGuard,
    spec: Spec,
    options: RenderOptions,
    indices: Vec<u64>,
    sender: SyncSender<Result<PreparedFrame, ThreadError>>,
) {
    let shared = Arc::clone(&busy.0);
    let mut slot = lock(&shared);
    let renderer = match opened(&mut slot, &shared, &spec, &options) {
        Ok(renderer) => renderer,
        Err(e) => {
            let _ = sender.send(Err(ThreadError::Render(e)));
            return;
        }
    };
    let outputs = renderer.outputs().clone();
    for frame in renderer.frames(indices) {
        let item = frame
            .map(|f| PreparedFrame::new(f, &outputs))
            .map_err(ThreadError::Render);
        let failed = item.is_err();
        if sender.send(item).is_err() || failed {
            break;
        }
    }
    drop(slot);
    drop(busy);
}

/// The iterator `Renderer.frames` returns: `Frame`s in the order asked for.
#[pyclass(frozen, module = "synthvis._native", name = "FrameIterator")]
pub struct FrameIterator {
    receiver: Mutex<Option<Receiver<Result<PreparedFrame, ThreadError>>>>,
    handle: Mutex<Option<JoinHandle<()>>>,
    /// The process whose thread renders.
    started_in: u32,
}

impl FrameIterator {
    /// Stops the thread (after the frame it is rendering) and waits for it.
    fn stop(&self, py: Python<'_>) {
        let receiver = self.receiver.lock().map(|mut r| r.take());
        drop(receiver);
        let handle = self.handle.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            if std::process::id() == self.started_in {
                let _ = py.detach(|| handle.join());
            } else {
                // A forked child: the thread is the parent's.
                std::mem::forget(handle);
            }
        }
    }
}

#[pymethods]
impl FrameIterator {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Frame>> {
        if std::process::id() != self.started_in {
            return Err(errors::runtime(
                "this frames() iterator was started in another process (before a fork)",
            ));
        }
        loop {
            let got = py.detach(|| {
                let receiver = self.receiver.lock().unwrap_or_else(|p| p.into_inner());
                match receiver.as_ref() {
                    Some(r) => r.recv_timeout(SIGNAL_POLL),
                    None => Err(RecvTimeoutError::Disconnected),
                }
            });
            match got {
                Ok(Ok(frame)) => return frame.into_python(py).map(Some),
                Ok(Err(ThreadError::Render(e))) => {
                    self.stop(py);
                    return Err(errors::render(&e));
                }
                Err(RecvTimeoutError::Timeout) => py.check_signals()?,
                Err(RecvTimeoutError::Disconnected) => {
                    self.stop(py);
                    return Ok(None);
                }
            }
        }
    }

    /// Stops rendering (after the frame in progress) and frees the renderer.
    fn close(&self, py: Python<'_>) {
        self.stop(py);
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.stop(py);
        false
    }
}

impl Drop for FrameIterator {
    fn drop(&mut self) {
        let receiver = self.receiver.get_mut().map(|r| r.take());
        drop(receiver);
        if let Ok(handle) = self.handle.get_mut()
            && let Some(handle) = handle.take()
        {
            if std::process::id() == self.started_in {
                let _ = handle.join();
            } else {
                std::mem::forget(handle);
            }
        }
    }
}

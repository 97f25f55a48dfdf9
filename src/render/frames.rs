//! [`Frames`]: a sequence of frames rendered by several render workers at once, each with
//! its own device and queue, and handed out in order.
//!
//! Worker `w` of `N` renders the frames at positions `w, w + N, w + 2N, ...` of the list,
//! keeping one frame in flight on its GPU (frame i+1 is submitted before frame i is read
//! back), finishes their colour images ([`crate::post`]) and hands them over through its
//! own channel of two; the caller takes them from the workers in turn, so frames arrive in
//! order with no reordering buffer and memory stays bounded, and labels each one as it
//! takes it. Sampling runs on the worker, or ahead of it on rayon when the spec simulates
//! physics. The frames do not depend on the number of workers or the overlap.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Instant;

use super::{Cancel, Frame, FrameTimings, RenderError, Renderer, SceneSource};
use crate::gpu::{self, FrameBuffers, PendingFrame};
use crate::labels::flow::FlowDirection;
use crate::scene::FrameScene;

/// A frame as a worker hands it over: rendered, read back and finished, not yet labelled.
struct Rendered {
    scene: FrameScene,
    buffers: FrameBuffers,
    timings: FrameTimings,
}

/// When a worker stops: the caller's cancel, or the [`Frames`] being dropped.
#[derive(Clone)]
struct Stop {
    cancel: Cancel,
    dropped: Arc<AtomicBool>,
}

impl Stop {
    fn now(&self) -> bool {
        self.cancel.requested().is_some() || self.dropped.load(Ordering::SeqCst)
    }
}

/// The frames of [`Renderer::frames`], in the order asked for. Dropping it stops the
/// workers after the frames in flight and gives them back to the renderer.
pub struct Frames<'r> {
    renderer: &'r mut Renderer,
    /// Each worker's channel of finished frames.
    inbox: Vec<Receiver<Result<Rendered, RenderError>>>,
    /// Each worker's channel of buffers to reuse.
    recycle: Vec<Sender<FrameBuffers>>,
    /// Each worker's thread; it returns the worker's renderer.
    threads: Vec<JoinHandle<gpu::Renderer>>,
    /// Workers this sequence does not need, given back as they are.
    idle: Vec<gpu::Renderer>,
    stop: Stop,
    /// Position of the next frame in the list, and the list's length.
    next: usize,
    total: usize,
    /// Buffers handed back so far (they go to the workers in turn).
    recycled: usize,
    /// An error to yield before anything else (a worker that could not be opened).
    failed: Option<RenderError>,
    done: bool,
    /// With flow outputs: the frames asked for, held until their neighbours' depth is
    /// known (for the occlusion masks).
    window: Option<Window>,
}

/// The frames asked for when each needs its neighbouring steps' depth: they are rendered
/// with those neighbours (which are rendered too when not asked for) and handed out in
/// the order asked, each once its neighbours have come.
struct Window {
    /// Frames asked for, not yet handed out, in order.
    requested: VecDeque<u64>,
    /// How many times each index is in `requested`.
    pending: HashMap<u64, usize>,
    /// Rendered frames asked for, waiting for their neighbours.
    ready: Vec<Frame>,
    /// Depth images of rendered frames some waiting frame needs.
    depths: HashMap<u64, Vec<f32>>,
    /// Which image of which sequence an index is.
    spec: Arc<SceneSource>,
}

impl Window {
    /// The same camera's previous and next step of image `index`, where they exist.
    fn neighbours(&self, index: u64) -> [(FlowDirection, Option<u64>); 2] {
        let spec = &self.spec.spec;
        let (_, step, _) = spec.image_of(index);
        let cameras = spec.cameras();
        let steps = spec.sequence.map_or(1, |s| s.steps);
        [FlowDirection::Forward, FlowDirection::Backward].map(|d| {
            let other = d.neighbour(step, steps).map(|n| {
                if n > step {
                    index + cameras
                } else {
                    index - cameras
                }
            });
            (d, other)
        })
    }

    /// Renders `indices` with their neighbours: each index asked for, then any neighbour
    /// not scheduled yet.
    fn schedule(spec: Arc<SceneSource>, indices: &[u64]) -> (Self, Vec<u64>) {
        let mut window = Self {
            requested: indices.iter().copied().collect(),
            pending: HashMap::new(),
            ready: Vec::new(),
            depths: HashMap::new(),
            spec,
        };
        let mut scheduled = HashSet::new();
        let mut order = Vec::with_capacity(indices.len() + 2);
        for &i in indices {
            *window.pending.entry(i).or_default() += 1;
            order.push(i);
            scheduled.insert(i);
        }
        // Neighbours asked for by nobody go right after the last frame that needs them.
        let mut expanded = Vec::with_capacity(order.len() + 2);
        let mut placed = HashSet::new();
        for &i in &order {
            expanded.push(i);
            placed.insert(i);
            for (_, n) in window.neighbours(i) {
                if let Some(n) = n
                    && !scheduled.contains(&n)
                    && placed.insert(n)
                {
                    expanded.push(n);
                }
            }
        }
        (window, expanded)
    }

    /// Whether a waiting frame needs image `index`'s depth.
    fn needed(&self, index: u64) -> bool {
        self.neighbours(index)
            .iter()
            .any(|(_, n)| n.is_some_and(|n| self.pending.get(&n).is_some_and(|&c| c > 0)))
    }

    /// Takes a rendered frame: keeps its depth if a waiting frame needs it, and the frame
    /// if it was asked for (else it is handed back).
    fn take(&mut self, frame: Frame) -> Option<Frame> {
        if self.needed(frame.index) {
            self.depths
                .entry(frame.index)
                .or_insert_with(|| frame.buffers.depth.clone());
        }
        let asked = self.pending.get(&frame.index).is_some_and(|&c| c > 0)
            && self.ready.iter().filter(|f| f.index == frame.index).count()
                < self.pending[&frame.index];
        if asked {
            self.ready.push(frame);
            None
        } else {
            Some(frame)
        }
    }

    /// The next frame asked for, with its flow and occlusion masks, if it and its
    /// neighbours have come.
    fn release(&mut self) -> Option<Result<Frame, RenderError>> {
        let want = *self.requested.front()?;
        let neighbours = self.neighbours(want);
        if neighbours
            .iter()
            .any(|(_, n)| n.is_some_and(|n| !self.depths.contains_key(&n)))
        {
            return None;
        }
        let at = self.ready.iter().position(|f| f.index == want)?;
        let mut frame = self.ready.remove(at);
        self.requested.pop_front();
        if let Some(c) = self.pending.get_mut(&want) {
            *c -= 1;
        }
        let size = (frame.width(), frame.height());
        let t0 = Instant::now();
        for (direction, n) in neighbours {
            let Some(other) = n.and_then(|n| self.depths.get(&n)) else {
                continue;
            };
            let flow = crate::labels::flow::flow_and_occlusion(
                &frame.scene,
                (&frame.buffers.depth, &frame.buffers.instance),
                other,
                size,
                direction,
            );
            match flow {
                Ok(flow) => frame.flow.set(direction, flow),
                Err(e) => return Some(Err(RenderError::Randomize(e.into()))),
            }
        }
        frame.timings.flow = t0.elapsed().as_secs_f64();
        let keep: Vec<u64> = self
            .depths
            .keys()
            .copied()
            .filter(|&k| self.needed(k))
            .collect();
        self.depths.retain(|k, _| keep.contains(k));
        Some(Ok(frame))
    }
}

impl<'r> Frames<'r> {
    /// Opens the workers `indices` needs and starts them.
    pub(super) fn start(renderer: &'r mut Renderer, indices: Vec<u64>) -> Self {
        let (window, indices) = if renderer.needs_neighbours() {
            let (window, expanded) = Window::schedule(Arc::clone(&renderer.source), &indices);
            (Some(window), expanded)
        } else {
            (None, indices)
        };
        let total = indices.len();
        let n = renderer.workers_for(total);
        let mut failed = None;
        while renderer.workers.len() < n {
            match renderer.open_worker() {
                Ok(w) => renderer.workers.push(w),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let stop = Stop {
            cancel: renderer.cancel.clone(),
            dropped: Arc::new(AtomicBool::new(false)),
        };
        let mut frames = Self {
            inbox: Vec::new(),
            recycle: Vec::new(),
            threads: Vec::new(),
            idle: Vec::new(),
            stop,
            next: 0,
            total,
            recycled: 0,
            done: failed.is_some(),
            failed,
            renderer,
            window,
        };
        if frames.failed.is_some() {
            return frames;
        }
        let mut workers = std::mem::take(&mut frames.renderer.workers);
        frames.idle = workers.split_off(n.min(workers.len()));
        for (w, mut worker) in workers.into_iter().enumerate() {
            let (tx, rx) = sync_channel(2);
            // Taken frames' buffers go back to a worker: nothing is allocated per frame
            // when the caller hands them back ([`Frames::recycle`]).
            let (free_tx, free_rx) = channel::<FrameBuffers>();
            frames.inbox.push(rx);
            frames.recycle.push(free_tx);
            let mine: Vec<u64> = indices.iter().copied().skip(w).step_by(n).collect();
            let source = Arc::clone(&frames.renderer.source);
            let seed = frames.renderer.seed;
            let stop = frames.stop.clone();
            let thread = std::thread::Builder::new()
                .name(format!("synthvis-render-{w}"))
                .spawn(move || {
                    with_scenes(&source, seed, mine, |scenes| {
                        render_worker(&mut worker, scenes, &tx, &free_rx, &stop);
                    });
                    worker
                });
            match thread {
                Ok(t) => frames.threads.push(t),
                Err(e) => {
                    frames.failed = Some(RenderError::Worker(format!(
                        "cannot start render worker {w}: {e}"
                    )));
                    frames.done = true;
                    break;
                }
            }
        }
        frames
    }

    /// Render workers in use.
    pub fn workers(&self) -> usize {
        self.threads.len()
    }

    /// Hands a taken frame's buffers back to the workers, to be filled again instead of
    /// allocating new ones.
    pub fn recycle(&mut self, frame: Frame) {
        if self.recycle.is_empty() {
            return;
        }
        let w = self.recycled % self.recycle.len();
        self.recycled += 1;
        let _ = self.recycle[w].send(frame.buffers);
    }
}

impl Iterator for Frames<'_> {
    type Item = Result<Frame, RenderError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.window.is_none() {
            return self.next_rendered();
        }
        loop {
            if let Some(out) = self.window.as_mut().and_then(Window::release) {
                return Some(out);
            }
            let frame = match self.next_rendered()? {
                Ok(frame) => frame,
                Err(e) => return Some(Err(e)),
            };
            if let Some(unasked) = self.window.as_mut().and_then(|w| w.take(frame)) {
                self.recycle(unasked);
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.window {
            Some(w) => (
                0,
                Some(w.requested.len() + usize::from(self.failed.is_some())),
            ),
            None => {
                let left = self.total - self.next;
                (0, Some(left + usize::from(self.failed.is_some())))
            }
        }
    }
}

impl Frames<'_> {
    /// The next frame the workers rendered, in the order they were given.
    fn next_rendered(&mut self) -> Option<Result<Frame, RenderError>> {
        if let Some(e) = self.failed.take() {
            return Some(Err(e));
        }
        if self.done || self.next >= self.total {
            return None;
        }
        let w = self.next % self.inbox.len();
        let rendered = match self.inbox[w].recv() {
            Ok(Ok(rendered)) => rendered,
            Ok(Err(e)) => {
                self.done = true;
                return Some(Err(e));
            }
            Err(mpsc::RecvError) => {
                // A worker stops early only when asked to, or when it panicked (the
                // panic is raised again when this sequence is dropped).
                self.done = true;
                return Some(Err(match self.stop.cancel.requested() {
                    Some(signal) => RenderError::Interrupted { signal },
                    None => RenderError::Worker("a render worker stopped with no frame".into()),
                }));
            }
        };
        self.next += 1;
        let Rendered {
            scene,
            buffers,
            timings,
        } = rendered;
        let seed = self.renderer.seed;
        Some(Ok(self
            .renderer
            .source
            .label(seed, scene, buffers, timings)))
    }
}

impl Drop for Frames<'_> {
    fn drop(&mut self) {
        self.stop.dropped.store(true, Ordering::SeqCst);
        // Unblocks workers waiting to hand over a frame.
        self.inbox.clear();
        self.recycle.clear();
        let mut panicked = None;
        for thread in self.threads.drain(..) {
            match thread.join() {
                Ok(worker) => self.renderer.workers.push(worker),
                Err(payload) => panicked = Some(payload),
            }
        }
        self.renderer.workers.append(&mut self.idle);
        if let Some(payload) = panicked
            && !std::thread::panicking()
        {
            std::panic::resume_unwind(payload);
        }
    }
}

/// A frame's sampled scene (or why it could not be sampled), and the seconds the
/// render worker waited for it.
type Sampled = (Result<FrameScene, RenderError>, f64);

/// Calls `body` with the scenes of `frames` in order. Sampling is a pure function of the
/// frame, so where it runs changes nothing: inline on the render worker when it is cheap,
/// and, when the spec drops objects (a simulation of milliseconds to seconds a frame),
/// ahead of rendering on the library's rayon pool, a batch of frames at a time, from a thread of
/// its own, so simulation overlaps rendering.
fn with_scenes<R>(
    source: &SceneSource,
    seed: u64,
    frames: Vec<u64>,
    body: impl FnOnce(&mut dyn Iterator<Item = Sampled>) -> R,
) -> R {
    if !source.simulates() {
        let mut inline = frames.into_iter().map(|i| {
            let t0 = Instant::now();
            let scene = source.sample(seed, i);
            (scene, t0.elapsed().as_secs_f64())
        });
        return body(&mut inline);
    }
    use rayon::prelude::*;
    let batch = crate::parallel::install(rayon::current_num_threads).max(1);
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel(2 * batch);
        scope.spawn(move || {
            for chunk in frames.chunks(batch) {
                let scenes: Vec<_> = crate::parallel::install(|| {
                    chunk.par_iter().map(|&i| source.sample(seed, i)).collect()
                });
                for scene in scenes {
                    if tx.send(scene).is_err() {
                        return; // The worker stopped.
                    }
                }
            }
        });
        let mut ahead = std::iter::from_fn(|| {
            let t0 = Instant::now();
            let scene = rx.recv().ok()?;
            Some((scene, t0.elapsed().as_secs_f64()))
        });
        body(&mut ahead)
    })
}

/// One worker: renders its frames in order and sends them (or the first error) on. A
/// frame still in flight when it stops is read back and dropped, so the worker's device
/// is ready for the next sequence.
fn render_worker(
    renderer: &mut gpu::Renderer,
    scenes: &mut dyn Iterator<Item = Sampled>,
    out: &SyncSender<Result<Rendered, RenderError>>,
    free: &Receiver<FrameBuffers>,
    stop: &Stop,
) {
    let mut pending = None;
    let mut leftover = None;
    loop {
        if stop.now() {
            leftover = pending.take();
            break; // The caller reports the interruption.
        }
        let submitted = match scenes.next() {
            Some((sampled, randomize)) => {
                match sampled.and_then(|scene| Ok((renderer.submit(&scene)?, scene, randomize))) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        // Frames before this one are still owed to the caller first.
                        if let Some((p, scene, randomize)) = pending.take() {
                            let _ = finish(renderer, p, scene, randomize, out, free);
                        }
                        let _ = out.send(Err(e));
                        break;
                    }
                }
            }
            None => None,
        };
        if let Some((p, scene, randomize)) = pending.take()
            && !finish(renderer, p, scene, randomize, out, free)
        {
            leftover = submitted;
            break;
        }
        match submitted {
            Some(p) => pending = Some(p),
            None => break,
        }
    }
    if let Some((p, _, _)) = leftover {
        let _ = renderer.finish_into(p, &mut FrameBuffers::default());
    }
}

/// Reads a submitted frame back, finishes its colour image and sends it on; false when
/// the worker should stop.
fn finish(
    renderer: &mut gpu::Renderer,
    pending: PendingFrame,
    scene: FrameScene,
    randomize: f64,
    out: &SyncSender<Result<Rendered, RenderError>>,
    free: &Receiver<FrameBuffers>,
) -> bool {
    let mut buffers = free.try_recv().unwrap_or_default();
    match renderer.finish_into(pending, &mut buffers) {
        Ok(r) => {
            let post = SceneSource::post(&scene, &mut buffers);
            let timings = FrameTimings {
                randomize,
                record_submit: r.record_submit,
                wait_readback: r.wait_readback,
                post,
                ..FrameTimings::default()
            };
            out.send(Ok(Rendered {
                scene,
                buffers,
                timings,
            }))
            .is_ok()
        }
        Err(e) => {
            let _ = out.send(Err(e.into()));
            false
        }
    }
}

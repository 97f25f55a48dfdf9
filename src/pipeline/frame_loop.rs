//! The frame loop: render workers (each with its own device and queue) sample, render and
//! read back frames (sampling runs ahead on rayon when it simulates physics); this thread
//! labels, encodes (fanning out on rayon) and writes them, in frame order.
//!
//! Worker `w` of `N` renders the frames at positions `w, w + N, w + 2N, ...` of the list,
//! keeping one frame in flight on its GPU (frame i+1 is submitted before frame i is read
//! back), and hands them over through its own channel of two; the writer takes them
//! from the workers in turn, so frames arrive in order with no reordering buffer and
//! memory stays bounded. The files do not depend on the number of workers or the
//! overlap.

use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::time::Instant;

use super::sink::FrameSink;
use super::{Cancel, FrameTimings, Progress};
use crate::Error;
use crate::gpu::{FrameBuffers, Renderer};
use crate::output::store::FrameStore;
use crate::randomize::FrameSampler;
use crate::scene::FrameScene;

struct RenderedFrame {
    scene: FrameScene,
    buffers: FrameBuffers,
    timings: FrameTimings,
}

/// What the loop needs.
pub(super) struct FrameLoop<'a> {
    pub sampler: FrameSampler<'a>,
    /// One renderer per worker, each on its own device.
    pub renderers: &'a mut [Renderer],
    pub sink: FrameSink<'a>,
    /// Where the encoded frames go.
    pub store: FrameStore<'a>,
    pub seed: u64,
    /// The pool encoding runs on; rayon's global one when none.
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// A frame's sampled scene (or why it could not be sampled), and the seconds the
/// render worker waited for it.
type Sampled = (Result<FrameScene, Error>, f64);

/// Calls `body` with the scenes of `frames` in order. Sampling is a pure function of the
/// frame, so where it runs changes nothing: inline on the render worker when it is cheap,
/// and, when the spec drops objects (a simulation of milliseconds to seconds a frame),
/// ahead of rendering on rayon's pool, a batch of frames at a time, from a thread of
/// its own, so simulation overlaps rendering.
fn with_scenes<R>(
    sampler: FrameSampler<'_>,
    seed: u64,
    frames: Vec<u64>,
    body: impl FnOnce(&mut dyn Iterator<Item = Sampled>) -> R,
) -> R {
    let sample = move |i: u64| sampler.sample(seed, i).map_err(Error::from);
    if !sampler.simulates() {
        let mut inline = frames.into_iter().map(|i| {
            let t0 = Instant::now();
            let scene = sample(i);
            (scene, t0.elapsed().as_secs_f64())
        });
        return body(&mut inline);
    }
    use rayon::prelude::*;
    let batch = rayon::current_num_threads().max(1);
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel(2 * batch);
        scope.spawn(move || {
            for chunk in frames.chunks(batch) {
                let scenes: Vec<_> = chunk.par_iter().map(|&i| sample(i)).collect();
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

/// One worker: renders its frames in order and sends them (or the first error) on.
fn render_worker(
    renderer: &mut Renderer,
    scenes: &mut dyn Iterator<Item = Sampled>,
    out: &SyncSender<Result<RenderedFrame, Error>>,
    free: &Receiver<FrameBuffers>,
    cancel: &Cancel,
) {
    let mut pending = None;
    loop {
        if cancel.requested().is_some() {
            return; // The writer reports the interruption.
        }
        let submitted = match scenes.next() {
            Some((sampled, randomize)) => {
                match sampled.and_then(|scene| Ok((renderer.submit(&scene)?, scene, randomize))) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        // Frames before this one are still owed to the writer first.
                        if let Some((p, scene, randomize)) = pending.take() {
                            let _ = finish(renderer, p, scene, randomize, out, free);
                        }
                        let _ = out.send(Err(e));
                        return;
                    }
                }
            }
            None => None,
        };
        if let Some((p, scene, randomize)) = pending.take()
            && !finish(renderer, p, scene, randomize, out, free)
        {
            return;
        }
        match submitted {
            Some(p) => pending = Some(p),
            None => return,
        }
    }
}

/// Reads a submitted frame back and sends it on; false when the loop should stop.
fn finish(
    renderer: &mut Renderer,
    pending: crate::gpu::PendingFrame,
    scene: FrameScene,
    randomize: f64,
    out: &SyncSender<Result<RenderedFrame, Error>>,
    free: &Receiver<FrameBuffers>,
) -> bool {
    let mut buffers = free.try_recv().unwrap_or_default();
    match renderer.finish_into(pending, &mut buffers) {
        Ok(r) => {
            let timings = FrameTimings {
                randomize,
                record_submit: r.record_submit,
                wait_readback: r.wait_readback,
                post: r.post,
                ..FrameTimings::default()
            };
            out.send(Ok(RenderedFrame {
                buffers,
                scene,
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

impl FrameLoop<'_> {
    /// Renders and writes `frames` in order; returns each frame's labels checksum, in
    /// order. Stops at the first error or when `cancel` is requested.
    pub fn run(
        self,
        frames: &[u64],
        progress: &mut dyn Progress,
        cancel: &Cancel,
    ) -> Result<Vec<(u64, String)>, Error> {
        let FrameLoop {
            sampler,
            renderers,
            sink,
            mut store,
            seed,
            pool,
        } = self;
        let workers = renderers.len().max(1);
        std::thread::scope(|scope| {
            let mut inbox = Vec::with_capacity(workers);
            let mut recycle = Vec::with_capacity(workers);
            for (w, renderer) in renderers.iter_mut().enumerate() {
                let (tx, rx) = sync_channel(2);
                // Written frames' buffers go back to their worker: nothing is allocated
                // per frame.
                let (free_tx, free_rx) = channel::<FrameBuffers>();
                inbox.push(rx);
                recycle.push(free_tx);
                let mine = frames.iter().copied().skip(w).step_by(workers).collect();
                scope.spawn(move || {
                    with_scenes(sampler, seed, mine, |scenes| {
                        render_worker(renderer, scenes, &tx, &free_rx, cancel)
                    })
                });
            }
            let mut written = Vec::with_capacity(frames.len());
            for (k, _) in frames.iter().enumerate() {
                let w = k % workers;
                let frame = match inbox[w].recv() {
                    Ok(Ok(frame)) => frame,
                    Ok(Err(e)) => return Err(e),
                    Err(_) => {
                        // A worker stops early only when asked to.
                        let signal = cancel.requested().unwrap_or(15);
                        return Err(Error::Interrupted { signal });
                    }
                };
                if let Some(warning) = frame
                    .scene
                    .physics
                    .as_ref()
                    .and_then(|p| p.warning(frame.scene.frame_index))
                {
                    progress.warning(&warning);
                }
                let mut timings = frame.timings;
                let mut encode = || sink.encode(&frame.scene, &frame.buffers, &mut timings);
                let encoded = match pool {
                    Some(pool) => pool.install(encode)?,
                    None => encode()?,
                };
                let t = Instant::now();
                store.put(frame.scene.frame_index, &encoded.files)?;
                timings.write = t.elapsed().as_secs_f64();
                let labels_sha = encoded.labels_sha256;
                written.push((frame.scene.frame_index, labels_sha));
                progress.frame_done(written.len() as u64, &timings);
                let _ = recycle[w].send(frame.buffers);
            }
            store.finish()?;
            Ok(written)
        })
    }
}

//! The frame loop: sample → render → read back on this thread, label → encode → write on
//! a writer thread (encoding fans out on rayon), so the GPU renders frame i+1 while frame
//! i is encoded. Frames are written in the order given; the files do not depend on the
//! overlap.

use std::sync::mpsc;
use std::time::Instant;

use super::sink::FrameSink;
use super::{Cancel, FrameTimings, Progress};
use crate::Error;
use crate::gpu::{FrameBuffers, Renderer};
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
    pub renderer: &'a mut Renderer,
    pub sink: FrameSink<'a>,
    pub seed: u64,
    /// The pool encoding runs on; rayon's global one when none.
    pub pool: Option<&'a rayon::ThreadPool>,
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
            renderer,
            sink,
            seed,
            pool,
        } = self;
        std::thread::scope(|scope| -> Result<Vec<(u64, String)>, Error> {
            let (tx, rx) = mpsc::sync_channel::<RenderedFrame>(2);
            let (done_tx, done_rx) = mpsc::channel::<FrameTimings>();
            // Written frames' buffers come back here to be filled again: no per-frame
            // allocation.
            let (free_tx, free_rx) = mpsc::channel::<FrameBuffers>();
            let writer = scope.spawn(move || -> Result<Vec<(u64, String)>, Error> {
                let mut written = Vec::new();
                for frame in rx {
                    let mut timings = frame.timings;
                    let mut write = || sink.write(&frame.scene, &frame.buffers, &mut timings);
                    let labels_sha = match pool {
                        Some(pool) => pool.install(write)?,
                        None => write()?,
                    };
                    written.push((frame.scene.frame_index, labels_sha));
                    let _ = done_tx.send(timings);
                    let _ = free_tx.send(frame.buffers);
                }
                Ok(written)
            });
            let mut done = 0;
            let mut render_result = Ok(());
            // One frame stays in flight: frame i+1 is submitted before frame i is read
            // back, so the GPU renders while the CPU copies and hands frames on.
            let mut pending = None;
            let mut next = frames.iter().copied();
            loop {
                if let Some(signal) = cancel.requested() {
                    render_result = Err(Error::Interrupted { signal });
                    break;
                }
                let submitted = match next.next() {
                    Some(i) => {
                        let t0 = Instant::now();
                        let sampled = sampler.sample(seed, i).map_err(Error::from);
                        let randomize = t0.elapsed().as_secs_f64();
                        match sampled
                            .and_then(|scene| Ok((renderer.submit(&scene)?, scene, randomize)))
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
        })
    }
}

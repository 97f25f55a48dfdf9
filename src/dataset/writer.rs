//! The thread that writes a run's encoded frames, in order, while the next frames are
//! labelled and encoded: a frame's files (a few MB with flow, where writing costs as much
//! as encoding) no longer hold up the frames behind it.
//!
//! The writer reports each frame once its files are in place, so progress counts written
//! frames; it finishes the store (closes the last tar) only when told the run is whole,
//! so a run that stops early leaves what it always left: complete frames and temporary
//! files `--resume` removes.

use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Instant;

use crate::output::OutputError;
use crate::output::store::FrameStore;

/// Frames encoded ahead of the writer (each a few MB at most).
const WRITE_AHEAD: usize = 2;

/// What the writer is handed.
enum Job {
    /// A frame's files (paths relative to the dataset root), in the order to write them.
    Frame(u64, Vec<(String, Vec<u8>)>),
    /// Every frame was handed over: finish the store.
    Finish,
}

/// The writer thread of one run, and the channels to it and back.
pub(super) struct FrameWriter<'scope> {
    jobs: Option<SyncSender<Job>>,
    /// Per frame written, in order: the seconds its files took.
    written: Receiver<f64>,
    thread: ScopedJoinHandle<'scope, Result<(), OutputError>>,
}

impl<'scope> FrameWriter<'scope> {
    /// Starts the writer of `store` on `scope`.
    pub(super) fn start<'env>(scope: &'scope Scope<'scope, 'env>, store: FrameStore<'env>) -> Self
    where
        'env: 'scope,
    {
        let (jobs, inbox) = sync_channel(WRITE_AHEAD);
        let (done, written) = channel();
        let thread = scope.spawn(move || write_in_order(store, &inbox, &done));
        Self {
            jobs: Some(jobs),
            written,
            thread,
        }
    }

    /// Hands a frame's files over; false when the writer has stopped (its error comes
    /// from [`FrameWriter::close`]).
    pub(super) fn put(&self, frame: u64, files: Vec<(String, Vec<u8>)>) -> bool {
        self.jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(Job::Frame(frame, files)).is_ok())
    }

    /// The write times of frames written since the last call, in order, without waiting.
    pub(super) fn written(&self) -> impl Iterator<Item = f64> + '_ {
        self.written.try_iter()
    }

    /// Waits for the writer: with `whole`, it finishes the store after the frames handed
    /// over; otherwise it writes them and stops there. Gives the write times of the
    /// frames not yet reported, and the writer's error, if any.
    pub(super) fn close(mut self, whole: bool) -> (Vec<f64>, Result<(), OutputError>) {
        if let Some(jobs) = self.jobs.take()
            && whole
        {
            // A writer that has stopped has its error to give instead.
            let _ = jobs.send(Job::Finish);
        }
        let outcome = self.thread.join().unwrap_or_else(|panic| {
            std::panic::resume_unwind(panic);
        });
        (self.written.try_iter().collect(), outcome)
    }
}

/// The writer's loop: each frame's files in turn, its time sent back; the store finished
/// on [`Job::Finish`] only.
fn write_in_order(
    mut store: FrameStore<'_>,
    inbox: &Receiver<Job>,
    done: &Sender<f64>,
) -> Result<(), OutputError> {
    for job in inbox {
        match job {
            Job::Frame(frame, files) => {
                let t = Instant::now();
                store.put(frame, &files)?;
                let _ = done.send(t.elapsed().as_secs_f64());
            }
            Job::Finish => return store.finish(),
        }
    }
    Ok(())
}

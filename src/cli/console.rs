//! What the command line prints and how it behaves as a process: stdout and stderr
//! lines, the progress bar, signals, the panic report, error chains.

use std::fmt::Display;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::dataset::Progress;
use crate::gpu::AdapterSummary;
use crate::render::{Cancel, FrameTimings};
use indicatif::{ProgressBar, ProgressStyle};

/// Writes a line to stdout. A reader that went away (`synthvis explain ... | head`) is
/// not a failure: the process ends quietly with exit 0.
pub(crate) fn say(text: impl Display) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        note(format!("error: cannot write to standard output: {e}"));
        std::process::exit(1);
    }
}

/// Writes a line to stderr; a closed stderr never stops the work.
pub(crate) fn note(text: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// The progress bar of a render or sweep, on stderr; it prints the run's own lines.
pub(crate) struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A progress bar on stderr, or none when `quiet`.
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet).then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} frames  {per_sec}  eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Self { bar }
    }

    /// Takes the bar off the terminal, before the run's last lines.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn started(&mut self, adapter: &AdapterSummary, total: u64, kept: u64) {
        if kept > 0 {
            note(format!(
                "resuming: {kept} frames were finished already; rendering the other {total} on {adapter}"
            ));
        } else {
            note(format!("rendering {total} frames on {adapter}"));
        }
        if let Some(bar) = &mut self.bar {
            bar.set_length(total);
        }
    }
    fn frame_done(&mut self, done: u64, _timings: &FrameTimings) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }
    fn warning(&mut self, message: &str) {
        note(format!("warning: {message}"));
    }
}

/// SIGINT (Ctrl-C) and SIGTERM (what Kubernetes and Slurm send) ask the run to stop after
/// the frames in flight; a second one ends the process at once, the usual way.
pub(crate) fn stop_on_signals(cancel: &Cancel) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let seen = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        let registered =
            flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&seen))
                .and_then(|_| flag::register(signal, Arc::clone(&seen)))
                .and_then(|_| flag::register_usize(signal, cancel.word(), signal as usize));
        if let Err(e) = registered {
            note(format!("warning: cannot handle signal {signal}: {e}"));
        }
    }
}

/// Any panic left is a bug: say so briefly, with what to put in a report.
pub(crate) fn install_panic_report() {
    std::panic::set_hook(Box::new(|info| {
        if crate::panic_guard::active() {
            return; // Contained and reported as an error by the library.
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        note(format!(
            "synthvis {} crashed: {message}{location}\n\
             This is a bug. Please report it with the command line, the scene spec (and its \
             assets if you can share them) and the output of `synthvis info`.",
            crate::VERSION
        ));
    }));
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message
/// before it already includes (our errors print their I/O source inline).
pub(crate) fn error_chain(e: &anyhow::Error) -> String {
    join_causes(e.chain())
}

/// An error's message as the command line prints it (after `error: `): the error and its
/// causes joined by ": ", leaving out a cause whose text the message before it already
/// includes. The Python package raises its exceptions with these messages.
pub fn error_message(e: &(dyn std::error::Error + 'static)) -> String {
    join_causes(std::iter::successors(Some(e), |e| e.source()))
}

fn join_causes<'a>(causes: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>) -> String {
    let mut out = String::new();
    for cause in causes {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

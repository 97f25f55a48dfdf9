//! `synthvis sweep`: a dataset per point of a parameter sweep.

use std::ops::Range;

use crate::gpu::BackendChoice;
use crate::render::Cancel;
use crate::sweep::Sweep;
use crate::sweep::run::{SweepOptions, describe};
use anyhow::Context;

use super::args::SweepArgs;
use super::console::{Bar, note, say, stop_on_signals};

/// Renders the sweep (or, with `--dry-run`, says what it would render).
pub(crate) fn run(args: SweepArgs, backend: BackendChoice) -> anyhow::Result<()> {
    let SweepArgs {
        sweep,
        out,
        dry_run,
        run,
    } = args;
    let shard = run.shard()?;
    let loaded = Sweep::load(&sweep, &out)?;
    if dry_run {
        say(describe(&loaded, shard));
        return Ok(());
    }
    let opts = SweepOptions {
        out: out.clone(),
        shard,
        resume: run.resume,
        durable: run.durable,
        backend,
        threads: run.threads(),
        workers: run.workers(),
    };
    let cancel = Cancel::new();
    stop_on_signals(&cancel);
    let mut progress = Bar::new(run.quiet);
    let mut started = |id: &str, values: &str, frames: &Range<u64>| {
        note(format!(
            "point {id} ({values}): frames {}..{}",
            frames.start, frames.end
        ));
    };
    let blocks = crate::sweep::run::run(&loaded, &opts, &mut progress, &mut started, &cancel);
    progress.finish();
    let blocks = blocks.with_context(|| format!("sweeping {}", sweep.display()))?;
    say(format_args!(
        "rendered {} points of {}{} into {}",
        blocks.len(),
        loaded.points.len(),
        shard.map_or(String::new(), |s| format!(" (shard {s})")),
        out.display()
    ));
    Ok(())
}

//! `synthvis render`: a dataset from a scene spec.

use crate::gpu::BackendChoice;
use crate::render::Cancel;
use crate::{DatasetOptions, LoadedSpec, render_dataset};
use anyhow::Context;

use super::args::RenderArgs;
use super::console::{Bar, say, stop_on_signals};

/// Renders the dataset and prints its summary.
pub(crate) fn run(args: RenderArgs, backend: BackendChoice) -> anyhow::Result<()> {
    let RenderArgs {
        spec,
        out,
        frames,
        seed,
        overwrite,
        run,
        storage,
    } = args;
    let shard = run.shard()?;
    let format = storage.format();
    let loaded = LoadedSpec::from_file(&spec)?;
    let opts = DatasetOptions {
        frames,
        seed,
        overwrite,
        backend,
        threads: run.threads(),
        workers: run.workers(),
        shard,
        resume: run.resume,
        durable: run.durable,
        format,
        ..DatasetOptions::new(out)
    };
    let cancel = Cancel::new();
    stop_on_signals(&cancel);
    let mut progress = Bar::new(run.quiet);
    let result = render_dataset(&loaded, &opts, &mut progress, &cancel);
    progress.finish();
    let summary = result.with_context(|| format!("rendering {}", spec.display()))?;
    let n = summary.rendered;
    say(format_args!(
        "rendered {n} frames ({}..{}{}) in {:.2} s, {:.1} frames/s, on {}\ndataset: {}",
        summary.frames.start,
        summary.frames.end,
        shard.map_or(String::new(), |s| format!(", shard {s}")),
        summary.seconds,
        n as f64 / summary.seconds.max(1e-9),
        summary.adapter,
        summary.out.display()
    ));
    Ok(())
}

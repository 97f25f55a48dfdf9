//! `synthvis bench`: the pipeline measured stage by stage.

use crate::LoadedSpec;
use crate::bench::BenchOptions;
use crate::gpu::BackendChoice;
use anyhow::Context;

use super::args::BenchArgs;
use super::console::say;

/// Runs the benchmark and prints its report (text or JSON).
pub(crate) fn run(args: BenchArgs, backend: BackendChoice) -> anyhow::Result<()> {
    let loaded = LoadedSpec::from_file(&args.spec)?;
    let opts = BenchOptions {
        frames: args.frames.max(1),
        warmup: args.warmup,
        backend,
        resolution: args.resolution,
        objects: args.objects,
        draw_mode: args.draw_mode,
        workers: args.workers.map(|n| n as usize),
        preset: args.preset,
    };
    let report = crate::bench::run(&loaded, &opts)
        .with_context(|| format!("benchmarking {}", args.spec.display()))?;
    if args.json {
        say(serde_json::to_string_pretty(&report)?);
    } else {
        say(report);
    }
    Ok(())
}

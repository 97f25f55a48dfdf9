//! `synthvis merge`: shard datasets (or sweep folders) joined into one.

use crate::output::Durability;
use anyhow::Context;

use super::args::MergeArgs;
use super::console::say;

/// Merges the shards and prints what was joined.
pub(crate) fn run(args: MergeArgs) -> anyhow::Result<()> {
    let MergeArgs {
        out,
        shards,
        durable,
    } = args;
    let durability = Durability::synced_if(durable);
    if crate::sweep::merge::is_sweep(&shards[0]) {
        let summary = crate::sweep::merge::merge(&out, &shards, durability)
            .with_context(|| format!("merging into {}", out.display()))?;
        say(format_args!(
            "merged {} sweep folders, {} points, into {}",
            summary.shards,
            summary.points,
            out.display()
        ));
        return Ok(());
    }
    let summary = crate::output::merge::merge(&out, &shards, durability)
        .with_context(|| format!("merging into {}", out.display()))?;
    say(format_args!(
        "merged {} shards, frames {}..{} ({} files), into {}",
        summary.shards,
        summary.frames.start,
        summary.frames.end,
        summary.files,
        out.display()
    ));
    Ok(())
}

//! `synthvis explain`: one frame's sampled scene as JSON, without rendering.

use super::args::ExplainArgs;
use super::console::say;

/// Prints one frame's sampled scene as JSON.
pub(crate) fn run(args: ExplainArgs) -> anyhow::Result<()> {
    let scene = crate::inspect::explain(&args.spec, args.frame, args.seed)?;
    say(serde_json::to_string_pretty(&scene)?);
    Ok(())
}

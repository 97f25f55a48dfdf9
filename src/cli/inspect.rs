//! `synthvis validate`, `explain` and `schema`: a spec looked at without rendering.

use synthvis::inspect;

use super::args::{ExplainArgs, ValidateArgs};
use super::console::{note, say};

/// Checks the spec and its assets, printing warnings and the summary.
pub(crate) fn validate(args: ValidateArgs) -> anyhow::Result<()> {
    let report = inspect::validate(&args.spec)?;
    for w in &report.warnings {
        note(format!("warning: {w}"));
    }
    say(report);
    Ok(())
}

/// Prints one frame's sampled scene as JSON.
pub(crate) fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let scene = inspect::explain(&args.spec, args.frame, args.seed)?;
    say(serde_json::to_string_pretty(&scene)?);
    Ok(())
}

/// Prints the scene spec's JSON Schema.
pub(crate) fn schema() -> anyhow::Result<()> {
    say(serde_json::to_string_pretty(&synthvis::spec::json_schema())?);
    Ok(())
}

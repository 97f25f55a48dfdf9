//! `synthvis schema`: the scene spec's JSON Schema.

use super::console::say;

/// Prints the scene spec's JSON Schema.
pub(crate) fn run() -> anyhow::Result<()> {
    say(serde_json::to_string_pretty(&crate::spec::json_schema())?);
    Ok(())
}

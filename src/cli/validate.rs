//! `synthvis validate`: a spec and its assets checked, its first frames sampled; nothing
//! rendered.

use super::args::ValidateArgs;
use super::console::{note, say};

/// Checks the spec and its assets, printing warnings and the summary.
pub(crate) fn run(args: ValidateArgs) -> anyhow::Result<()> {
    let report = crate::inspect::validate(&args.spec)?;
    for w in &report.warnings {
        note(format!("warning: {w}"));
    }
    if args.require_licenses && !report.unlicensed.is_empty() {
        return Err(crate::spec::SpecError::Invalid {
            file: report.file,
            issues: report.unlicensed,
        }
        .into());
    }
    for issue in &report.unlicensed {
        note(format!("warning: {}: {issue}", report.file.display()));
    }
    say(report);
    Ok(())
}

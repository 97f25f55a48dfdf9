//! `synthvis golden record|check|bless`: frames of a spec compared with references.

use crate::golden::{self, CompareOptions, Comparison, GoldenError, Tolerances};
use crate::gpu::BackendChoice;
use anyhow::Context;

use super::args::{BlessArgs, CheckArgs, GoldenAction, RecordArgs};
use super::console::{note, say};

/// Runs a golden action.
pub(crate) fn run(action: GoldenAction, backend: BackendChoice) -> anyhow::Result<()> {
    match action {
        GoldenAction::Record(args) => record(args, backend),
        GoldenAction::Check(args) => check(args, backend),
        GoldenAction::Bless(args) => bless(args, backend),
    }
}

fn record(args: RecordArgs, backend: BackendChoice) -> anyhow::Result<()> {
    let RecordArgs {
        spec,
        frames,
        dir,
        tolerances,
    } = args;
    let set = golden::record(
        &spec,
        &frames.0,
        &dir,
        Tolerances::profile(tolerances),
        backend,
    )
    .with_context(|| format!("recording goldens of {}", spec.display()))?;
    say(format_args!(
        "recorded {} frames {:?} of {} into {} on {} ({tolerances} tolerances)",
        set.frames.len(),
        set.frames,
        spec.display(),
        dir.display(),
        set.adapter
    ));
    Ok(())
}

fn check(args: CheckArgs, backend: BackendChoice) -> anyhow::Result<()> {
    let CheckArgs { spec, dir, compare } = args;
    let options = compare.options();
    let comparison = golden::check(&spec, &dir, &options, backend)
        .with_context(|| format!("checking {} against {}", spec.display(), dir.display()))?;
    conclude(&comparison, &options, "golden check")
}

fn bless(args: BlessArgs, backend: BackendChoice) -> anyhow::Result<()> {
    let BlessArgs { spec, dir, frames } = args;
    let report = golden::bless(
        &spec,
        &dir,
        frames.as_ref().map(|f| f.0.as_slice()),
        backend,
    )
    .with_context(|| format!("blessing {} from {}", dir.display(), spec.display()))?;
    say(report);
    Ok(())
}

/// Prints a comparison's table and where its reports went; a failing comparison is an
/// error (exit code 4).
pub(super) fn conclude(
    comparison: &Comparison,
    options: &CompareOptions,
    what: &str,
) -> anyhow::Result<()> {
    say(comparison.table());
    if let Some(dir) = &options.report {
        say(format_args!(
            "report: {}",
            dir.join("report.html").display()
        ));
    }
    if let Some(junit) = &options.junit {
        say(format_args!("junit: {}", junit.display()));
    }
    if comparison.pass() {
        return Ok(());
    }
    if options.report.is_none() {
        note("hint: --report DIR writes the actual, diff and FLIP images and an HTML report");
    }
    Err(GoldenError::Mismatch {
        what: what.into(),
        failed: comparison.failed_frames().len(),
        total: comparison.frames.len(),
    }
    .into())
}

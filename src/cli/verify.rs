//! `synthvis verify`: a dataset checked against its manifest.

use super::args::VerifyArgs;
use super::console::{note, say};

/// Verifies the dataset, printing each problem; an incomplete or corrupt one is an error
/// (exit code 3).
pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let dir = args.dir;
    let report = crate::output::verify::verify(&dir);
    for p in &report.problems {
        note(format!("problem: {p}"));
    }
    let report = report.into_result(&dir)?;
    say(format_args!(
        "ok: {} frames, {} files match the manifest ({})",
        report.frames_checked,
        report.files_ok,
        dir.display()
    ));
    Ok(())
}

//! The one mapping of errors to exit codes: 2 for bad input (spec, asset, golden set,
//! shards that do not fit together, `--resume` on another run's folder), 3 for a dataset
//! `verify` finds incomplete or corrupt or `export` cannot read, 4 for frames that
//! `golden check` or `diff` find different, 128 + the signal for an interruption (130
//! SIGINT, 143 SIGTERM), 1 for runtime failures (GPU, disk) and anything else.

use std::error::Error as StdError;

use crate::assets::AssetError;
use crate::bench::BenchError;
use crate::dataset::DatasetError;
use crate::export::ExportError;
use crate::golden::GoldenError;
use crate::gpu::GpuError;
use crate::inspect::InspectError;
use crate::output::OutputError;
use crate::output::verify::DatasetInvalid;
use crate::randomize::RandomizeError;
use crate::render::RenderError;
use crate::shard::ShardError;
use crate::spec::SpecError;
use crate::sweep::SweepError;

/// Bad input: the user's spec, asset, folder or flags.
const BAD_INPUT: u8 = 2;
/// A runtime failure: the GPU, the disk, or a bug.
const FAILURE: u8 = 1;

/// The exit code of a failed command: that of the outermost synthvis error in its chain
/// (context lines added on the way up are skipped), else 1.
pub(crate) fn exit_code(error: &anyhow::Error) -> u8 {
    error.chain().find_map(code_of).unwrap_or(FAILURE)
}

/// The code of one error, when it is one of synthvis' own.
fn code_of(e: &(dyn StdError + 'static)) -> Option<u8> {
    if e.is::<SpecError>() || e.is::<AssetError>() || e.is::<ShardError>() {
        return Some(BAD_INPUT);
    }
    if e.is::<GpuError>() {
        return Some(FAILURE);
    }
    if e.is::<DatasetInvalid>() {
        return Some(3);
    }
    if let Some(e) = e.downcast_ref::<RandomizeError>() {
        return Some(randomize(e));
    }
    if let Some(e) = e.downcast_ref::<RenderError>() {
        return Some(render(e));
    }
    if let Some(e) = e.downcast_ref::<OutputError>() {
        return Some(output(e));
    }
    if let Some(e) = e.downcast_ref::<DatasetError>() {
        return Some(dataset(e));
    }
    if let Some(e) = e.downcast_ref::<SweepError>() {
        return Some(sweep(e));
    }
    if let Some(e) = e.downcast_ref::<GoldenError>() {
        return Some(golden(e));
    }
    if let Some(e) = e.downcast_ref::<ExportError>() {
        return Some(export(e));
    }
    if let Some(e) = e.downcast_ref::<InspectError>() {
        return Some(match e {
            InspectError::Spec(_) | InspectError::Asset(_) => BAD_INPUT,
            InspectError::Randomize(e) => randomize(e),
        });
    }
    if let Some(e) = e.downcast_ref::<BenchError>() {
        return Some(match e {
            BenchError::Spec(_) => BAD_INPUT,
            BenchError::Dataset(e) => dataset(e),
            BenchError::Render(e) => render(e),
            BenchError::Output(e) => output(e),
            BenchError::Setup(_) => FAILURE,
        });
    }
    None
}

/// A placement or view the spec asks for that cannot be met is bad input, not a crash.
fn randomize(e: &RandomizeError) -> u8 {
    match e {
        RandomizeError::Placement { .. }
        | RandomizeError::DegenerateCamera { .. }
        | RandomizeError::Unsettled { .. }
        | RandomizeError::Motion(_) => BAD_INPUT,
        RandomizeError::NeedsAssetBounds => FAILURE,
    }
}

fn render(e: &RenderError) -> u8 {
    match e {
        RenderError::Asset(_) => BAD_INPUT,
        RenderError::Randomize(e) => randomize(e),
        // The shell's convention: 128 + the signal.
        RenderError::Interrupted { signal } => u8::try_from(128 + signal).unwrap_or(130),
        RenderError::Gpu(_) | RenderError::Worker(_) => FAILURE,
    }
}

/// Shards that do not fit together, or `--resume` on another run's folder, are bad
/// input; the disk failing is not.
fn output(e: &OutputError) -> u8 {
    match e {
        OutputError::Merge(_) | OutputError::ResumeMismatch { .. } => BAD_INPUT,
        _ => FAILURE,
    }
}

fn dataset(e: &DatasetError) -> u8 {
    match e {
        DatasetError::Render(e) => render(e),
        DatasetError::Output(e) => output(e),
        DatasetError::Threads(_) => FAILURE,
    }
}

fn sweep(e: &SweepError) -> u8 {
    match e {
        SweepError::Dataset(e) => dataset(e),
        SweepError::Output(e) => output(e),
        SweepError::Index { .. } => FAILURE,
        SweepError::Read { .. }
        | SweepError::Invalid { .. }
        | SweepError::Point { .. }
        | SweepError::Base { .. }
        | SweepError::Folder { .. } => BAD_INPUT,
    }
}

fn golden(e: &GoldenError) -> u8 {
    match e {
        GoldenError::Render(e) => render(e),
        GoldenError::Output(e) => output(e),
        GoldenError::Report(_) => FAILURE,
        GoldenError::Mismatch { .. } => 4,
        GoldenError::Missing { .. }
        | GoldenError::Corrupt { .. }
        | GoldenError::NotEmpty { .. }
        | GoldenError::NoFrames
        | GoldenError::BadTolerance(_)
        | GoldenError::NoDataset { .. }
        | GoldenError::Spec(_) => BAD_INPUT,
    }
}

fn export(e: &ExportError) -> u8 {
    match e {
        ExportError::Dataset { .. }
        | ExportError::NotEmpty { .. }
        | ExportError::Spec(_)
        | ExportError::Asset(_) => BAD_INPUT,
        ExportError::Read { .. } | ExportError::Output(OutputError::Labels { .. }) => 3,
        ExportError::Output(e) => output(e),
        ExportError::Io { .. } => FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_errors_keep_their_codes_whatever_wraps_them() {
        let interrupted = RenderError::Interrupted { signal: 15 };
        let in_a_sweep = SweepError::Dataset(DatasetError::Render(interrupted));
        let with_context = anyhow::Error::new(in_a_sweep).context("sweeping x.json");
        assert_eq!(exit_code(&with_context), 143);
        let mismatch = GoldenError::Mismatch {
            what: "diff".into(),
            failed: 1,
            total: 2,
        };
        assert_eq!(exit_code(&mismatch.into()), 4);
        let resume = DatasetError::Output(OutputError::Merge("shards overlap".into()));
        assert_eq!(
            exit_code(&anyhow::Error::new(resume).context("rendering")),
            2
        );
        assert_eq!(exit_code(&anyhow::anyhow!("something else")), 1);
    }
}

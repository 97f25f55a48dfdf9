//! `synthvis diff`: two rendered datasets compared frame by frame, with the metrics and
//! report of `golden check`.

use crate::golden;
use anyhow::Context;

use super::args::DiffArgs;
use super::golden::conclude;

/// `synthvis diff`: two datasets compared frame by frame.
pub(crate) fn run(args: DiffArgs) -> anyhow::Result<()> {
    let DiffArgs { a, b, compare } = args;
    let options = compare.options();
    let comparison = golden::diff(&a, &b, &options)
        .with_context(|| format!("comparing {} with {}", a.display(), b.display()))?;
    conclude(&comparison, &options, "diff")
}

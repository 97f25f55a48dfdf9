//! `synthvis preview`: a finished dataset's labels drawn over its frames.

use anyhow::Context;

use super::args::PreviewArgs;
use super::console::say;

/// Draws the chosen frames' labels (and a contact sheet) into a folder.
pub(crate) fn run(args: PreviewArgs) -> anyhow::Result<()> {
    let PreviewArgs {
        dataset,
        out,
        frames,
        contact_sheet,
    } = args;
    let frames = frames.map(|f| f.0);
    let summary = crate::preview::preview(&dataset, &out, frames.as_deref(), contact_sheet)
        .with_context(|| format!("previewing {}", dataset.display()))?;
    say(format_args!(
        "previewed {} frames ({} boxes, {} crowd boxes) into {}",
        summary.frames,
        summary.boxes,
        summary.crowd_boxes,
        out.display()
    ));
    Ok(())
}

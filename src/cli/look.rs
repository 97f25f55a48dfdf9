//! `synthvis preview` and `stats`: a finished dataset looked at.

use anyhow::Context;

use super::args::{PreviewArgs, StatsArgs};
use super::console::{note, say};

/// Draws the chosen frames' labels (and a contact sheet) into a folder.
pub(crate) fn preview(args: PreviewArgs) -> anyhow::Result<()> {
    let PreviewArgs {
        dataset,
        out,
        frames,
        contact_sheet,
    } = args;
    let frames = frames.map(|f| f.0);
    let summary = synthvis::preview::preview(&dataset, &out, frames.as_deref(), contact_sheet)
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

/// Prints what the dataset holds (a table or JSON), and draws it as an SVG chart.
pub(crate) fn stats(args: StatsArgs) -> anyhow::Result<()> {
    let stats = synthvis::stats::dataset_stats(&args.dataset)
        .with_context(|| format!("reading {}", args.dataset.display()))?;
    if args.json {
        say(serde_json::to_string_pretty(&stats)?);
    } else {
        say(stats.table().trim_end());
    }
    if let Some(path) = args.chart {
        synthvis::stats::chart::write_chart(&stats, &path).map_err(anyhow::Error::msg)?;
        note(format_args!("chart: {}", path.display()));
    }
    Ok(())
}

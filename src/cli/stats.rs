//! `synthvis stats`: what a finished dataset holds, per category.

use anyhow::Context;

use super::args::StatsArgs;
use super::console::{note, say};

/// Prints what the dataset holds (a table or JSON), and draws it as an SVG chart.
pub(crate) fn run(args: StatsArgs) -> anyhow::Result<()> {
    let stats = crate::stats::dataset_stats(&args.dataset)
        .with_context(|| format!("reading {}", args.dataset.display()))?;
    if args.json {
        say(serde_json::to_string_pretty(&stats)?);
    } else {
        say(stats.table().trim_end());
    }
    if let Some(path) = args.chart {
        crate::stats::chart::write_chart(&stats, &path).map_err(anyhow::Error::msg)?;
        note(format_args!("chart: {}", path.display()));
    }
    Ok(())
}

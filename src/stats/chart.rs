//! The stats as an SVG sheet of bar charts, drawn with `plotters`' SVG backend: the text
//! is SVG text the viewer sets, so no font file or fontconfig is needed to make it.

use std::path::Path;

use plotters::prelude::*;

use super::{ASPECT_BINS, DatasetStats, FRACTION_BINS, SIZE_CLASSES};

/// One bar chart: a title, bar labels and counts.
struct Bars {
    title: String,
    labels: Vec<String>,
    counts: Vec<u64>,
}

/// Each bin by its lower bound (the axis is too narrow for ranges).
fn fraction_labels() -> Vec<String> {
    (0..FRACTION_BINS)
        .map(|i| format!("{:.1}", i as f64 / FRACTION_BINS as f64))
        .collect()
}

/// The six charts of a dataset's stats.
fn charts(s: &DatasetStats) -> Vec<Bars> {
    vec![
        Bars {
            title: "annotations per category".into(),
            labels: s.categories.iter().map(|c| c.name.clone()).collect(),
            counts: s.categories.iter().map(|c| c.annotations).collect(),
        },
        Bars {
            title: "annotations per image".into(),
            labels: s.annotations_per_image.iter().map(|b| b.label()).collect(),
            counts: s.annotations_per_image.iter().map(|b| b.frames).collect(),
        },
        Bars {
            title: "visibility, bins of 0.1 (visible instances)".into(),
            labels: fraction_labels(),
            counts: s.visibility.clone(),
        },
        Bars {
            title: "truncation, bins of 0.1 (visible instances)".into(),
            labels: fraction_labels(),
            counts: s.truncation.clone(),
        },
        Bars {
            title: "box size (COCO classes)".into(),
            labels: SIZE_CLASSES.iter().map(|n| n.to_string()).collect(),
            counts: s.box_sizes.to_vec(),
        },
        Bars {
            title: "box aspect (w/h)".into(),
            labels: ASPECT_BINS.iter().map(|(n, _)| n.to_string()).collect(),
            counts: s.box_aspects.to_vec(),
        },
    ]
}

/// Writes the stats sheet to `path` (SVG).
pub fn write_chart(stats: &DatasetStats, path: &Path) -> Result<(), String> {
    let root = SVGBackend::new(path, (1200, 760)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| format!("{}: cannot draw the chart: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let title = format!(
        "{} frames at {}x{}",
        stats.frames, stats.resolution[0], stats.resolution[1]
    );
    let root = root
        .titled(&title, ("sans-serif", 22))
        .map_err(|e| err(&e))?;
    for (area, bars) in root.split_evenly((2, 3)).iter().zip(charts(stats)) {
        draw_bars(area, &bars).map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    bars: &Bars,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    // A segmented range a..b has a segment for each of a..=b.
    let last = bars.counts.len().saturating_sub(1) as u32;
    let top = bars.counts.iter().copied().max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(&bars.title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d((0..last).into_segmented(), 0..top + top / 10 + 1)?;
    let labels = bars.labels.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(last as usize + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(BLUE.mix(0.6).filled())
            .margin(4)
            .data(bars.counts.iter().enumerate().map(|(i, &c)| (i as u32, c))),
    )?;
    Ok(())
}

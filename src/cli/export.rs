//! `synthvis export yolo|bop|mot`: a finished dataset in a training layout.

use crate::export::bop::{BopOptions, export_bop};
use crate::export::mot::{MotOptions, export_mot};
use crate::export::yolo::{YoloOptions, export_yolo};
use anyhow::Context;

use super::args::{BopArgs, ExportFormat, MotArgs, YoloArgs};
use super::console::{note, say};

/// Exports the dataset in the format asked for.
pub(crate) fn run(format: ExportFormat) -> anyhow::Result<()> {
    match format {
        ExportFormat::Yolo(args) => yolo(args),
        ExportFormat::Bop(args) => bop(args),
        ExportFormat::Mot(args) => mot(args),
    }
}

fn mot(args: MotArgs) -> anyhow::Result<()> {
    let MotArgs {
        dataset,
        out,
        overwrite,
    } = args;
    let summary = export_mot(&dataset, &out, &MotOptions { overwrite }).with_context(|| {
        format!(
            "exporting {} as MOTChallenge to {}",
            dataset.display(),
            out.display()
        )
    })?;
    say(format_args!(
        "exported {} sequences ({} images, {} boxes, {} tracks) to {}",
        summary.sequences,
        summary.images,
        summary.boxes,
        summary.tracks,
        out.display()
    ));
    Ok(())
}

fn bop(args: BopArgs) -> anyhow::Result<()> {
    let BopArgs {
        dataset,
        out,
        spec,
        split,
        frames_per_scene,
        overwrite,
    } = args;
    let opts = BopOptions {
        spec,
        split,
        frames_per_scene,
        overwrite,
    };
    let summary = export_bop(&dataset, &out, &opts).with_context(|| {
        format!(
            "exporting {} as BOP to {}",
            dataset.display(),
            out.display()
        )
    })?;
    say(format_args!(
        "exported {} images in {} scenes, {} objects, {} models to {}",
        summary.images,
        summary.scenes,
        summary.objects,
        summary.models,
        out.display()
    ));
    Ok(())
}

fn yolo(args: YoloArgs) -> anyhow::Result<()> {
    let YoloArgs {
        dataset,
        out,
        task,
        val_fraction,
        seed,
        val,
        test,
        images,
        overwrite,
    } = args;
    let opts = YoloOptions {
        task: task.into(),
        val_fraction,
        seed,
        val,
        test,
        images: images.into(),
        overwrite,
    };
    let summary = export_yolo(&dataset, &out, &opts).with_context(|| {
        format!(
            "exporting {} as YOLO to {}",
            dataset.display(),
            out.display()
        )
    })?;
    if let Some((frame, side)) = summary.moved {
        let side = side.name();
        note(format!(
            "note: the seeded split left {side} empty, so frame {frame} (the nearest draw) moved to {side}"
        ));
    }
    let [train, val, test] = summary.images;
    say(format_args!(
        "exported {} images (train {train}, val {val}{}), {} objects{} to {}",
        train + val + test,
        if test > 0 {
            format!(", test {test}")
        } else {
            String::new()
        },
        summary.objects,
        if summary.crowds_skipped > 0 {
            format!(" ({} crowd annotations left out)", summary.crowds_skipped)
        } else {
            String::new()
        },
        out.display()
    ));
    Ok(())
}

//! The `synthvis` command line: argument parsing ([`cli::args`]), progress and printing
//! ([`cli::console`]). Every command's work is a library function; every error's exit
//! code comes from [`synthvis::Error::exit_code`].

mod cli;

use std::fmt::Display;
use std::ops::Range;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use synthvis::golden::{CompareOptions, Comparison};
use synthvis::gpu::{GpuError, list_adapters};
use synthvis::render::Cancel;
use synthvis::{DatasetOptions, Error, LoadedSpec, render_dataset};

use cli::args::{Cli, Command, ExportFormat, GoldenAction};
use cli::console::{Bar, error_chain, install_panic_report, note, say, stop_on_signals};

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Render {
            spec,
            out,
            frames,
            seed,
            overwrite,
            run,
            storage,
        } => {
            let shard = run.shard()?;
            let format = storage.format();
            let loaded = LoadedSpec::from_file(&spec).map_err(Error::from)?;
            let opts = DatasetOptions {
                frames,
                seed,
                overwrite,
                backend: cli.backend,
                threads: run.threads(),
                workers: run.workers(),
                shard,
                resume: run.resume,
                durable: run.durable,
                format,
                ..DatasetOptions::new(out)
            };
            let cancel = Cancel::new();
            stop_on_signals(&cancel);
            let mut progress = Bar::new(run.quiet);
            let result = render_dataset(&loaded, &opts, &mut progress, &cancel);
            progress.finish();
            let summary = result.with_context(|| format!("rendering {}", spec.display()))?;
            let n = summary.rendered;
            say(format_args!(
                "rendered {n} frames ({}..{}{}) in {:.2} s, {:.1} frames/s, on {}\ndataset: {}",
                summary.frames.start,
                summary.frames.end,
                shard.map_or(String::new(), |s| format!(", shard {s}")),
                summary.seconds,
                n as f64 / summary.seconds.max(1e-9),
                summary.adapter,
                summary.out.display()
            ));
        }
        Command::Sweep {
            sweep,
            out,
            dry_run,
            run,
        } => {
            let shard = run.shard()?;
            let loaded = synthvis::sweep::Sweep::load(&sweep, &out).map_err(Error::from)?;
            if dry_run {
                say(synthvis::sweep::run::describe(&loaded, shard));
                return Ok(());
            }
            let opts = synthvis::sweep::run::SweepOptions {
                out: out.clone(),
                shard,
                resume: run.resume,
                durable: run.durable,
                backend: cli.backend,
                threads: run.threads(),
                workers: run.workers(),
            };
            let cancel = Cancel::new();
            stop_on_signals(&cancel);
            let mut progress = Bar::new(run.quiet);
            let mut started = |id: &str, values: &str, frames: &Range<u64>| {
                note(format!(
                    "point {id} ({values}): frames {}..{}",
                    frames.start, frames.end
                ));
            };
            let blocks =
                synthvis::sweep::run::run(&loaded, &opts, &mut progress, &mut started, &cancel);
            progress.finish();
            let blocks = blocks.with_context(|| format!("sweeping {}", sweep.display()))?;
            say(format_args!(
                "rendered {} points of {}{} into {}",
                blocks.len(),
                loaded.points.len(),
                shard.map_or(String::new(), |s| format!(" (shard {s})")),
                out.display()
            ));
        }
        Command::Merge {
            out,
            shards,
            durable,
        } => {
            let durability = synthvis::output::Durability::synced_if(durable);
            if synthvis::sweep::merge::is_sweep(&shards[0]) {
                let summary = synthvis::sweep::merge::merge(&out, &shards, durability)
                    .with_context(|| format!("merging into {}", out.display()))?;
                say(format_args!(
                    "merged {} sweep folders, {} points, into {}",
                    summary.shards,
                    summary.points,
                    out.display()
                ));
                return Ok(());
            }
            let summary = synthvis::output::merge::merge(&out, &shards, durability)
                .map_err(Error::from)
                .with_context(|| format!("merging into {}", out.display()))?;
            say(format_args!(
                "merged {} shards, frames {}..{} ({} files), into {}",
                summary.shards,
                summary.frames.start,
                summary.frames.end,
                summary.files,
                out.display()
            ));
        }
        Command::Bench {
            spec,
            frames,
            warmup,
            json,
            resolution,
            objects,
            draw_mode,
            workers,
            preset,
        } => {
            let loaded = LoadedSpec::from_file(&spec).map_err(Error::from)?;
            let opts = synthvis::bench::BenchOptions {
                frames: frames.max(1),
                warmup,
                backend: cli.backend,
                resolution,
                objects,
                draw_mode,
                workers: workers.map(|n| n as usize),
                preset,
            };
            let report = synthvis::bench::run(&loaded, &opts)
                .with_context(|| format!("benchmarking {}", spec.display()))?;
            if json {
                say(serde_json::to_string_pretty(&report).map_err(internal)?);
            } else {
                say(report);
            }
        }
        Command::Verify { dir } => {
            let report = synthvis::output::verify::verify(&dir);
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
        }
        Command::Validate { spec } => {
            let report = synthvis::inspect::validate(&spec)?;
            for w in &report.warnings {
                note(format!("warning: {w}"));
            }
            say(report);
        }
        Command::Schema => {
            say(serde_json::to_string_pretty(&synthvis::spec::json_schema()).map_err(internal)?);
        }
        Command::Explain { spec, frame, seed } => {
            let scene = synthvis::inspect::explain(&spec, frame, seed)?;
            say(serde_json::to_string_pretty(&scene).map_err(internal)?);
        }
        Command::Info => {
            let adapters = list_adapters(cli.backend);
            if adapters.is_empty() {
                return Err(Error::from(GpuError::NoAdapter {
                    backends: format!("{:?}", cli.backend),
                })
                .into());
            }
            let mut text = String::from("adapters (most preferred first):");
            for (adapter, used) in &adapters {
                let mark = if *used {
                    "  <- a render uses this one"
                } else {
                    ""
                };
                text.push_str(&format!("\n  {adapter}{mark}"));
            }
            say(text);
        }
        Command::Preview {
            dataset,
            out,
            frames,
            contact_sheet,
        } => {
            let frames = frames.map(|f| f.0);
            let summary =
                synthvis::preview::preview(&dataset, &out, frames.as_deref(), contact_sheet)
                    .map_err(Error::from)
                    .with_context(|| format!("previewing {}", dataset.display()))?;
            say(format_args!(
                "previewed {} frames ({} boxes, {} crowd boxes) into {}",
                summary.frames,
                summary.boxes,
                summary.crowd_boxes,
                out.display()
            ));
        }
        Command::Stats {
            dataset,
            json,
            chart,
        } => {
            let stats = synthvis::stats::dataset_stats(&dataset)
                .map_err(Error::from)
                .with_context(|| format!("reading {}", dataset.display()))?;
            if json {
                let text = serde_json::to_string_pretty(&stats)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                say(text);
            } else {
                say(stats.table().trim_end());
            }
            if let Some(path) = chart {
                synthvis::stats::chart::write_chart(&stats, &path).map_err(Error::Internal)?;
                note(format_args!("chart: {}", path.display()));
            }
        }
        Command::Export {
            format:
                ExportFormat::Bop {
                    dataset,
                    out,
                    spec,
                    split,
                    frames_per_scene,
                    overwrite,
                },
        } => {
            let opts = synthvis::export::bop::BopOptions {
                spec,
                split,
                frames_per_scene,
                overwrite,
            };
            let summary =
                synthvis::export::bop::export_bop(&dataset, &out, &opts).with_context(|| {
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
        }
        Command::Export {
            format:
                ExportFormat::Yolo {
                    dataset,
                    out,
                    task,
                    val_fraction,
                    seed,
                    images,
                    overwrite,
                },
        } => {
            let opts = synthvis::export::yolo::YoloOptions {
                task: task.into(),
                val_fraction,
                seed,
                images: images.into(),
                overwrite,
            };
            let summary = synthvis::export::yolo::export_yolo(&dataset, &out, &opts)
                .map_err(Error::from)
                .with_context(|| {
                    format!(
                        "exporting {} as YOLO to {}",
                        dataset.display(),
                        out.display()
                    )
                })?;
            say(format_args!(
                "exported {} images (train {}, val {}), {} objects{} to {}",
                summary.images[0] + summary.images[1],
                summary.images[0],
                summary.images[1],
                summary.objects,
                if summary.crowds_skipped > 0 {
                    format!(" ({} crowd annotations left out)", summary.crowds_skipped)
                } else {
                    String::new()
                },
                out.display()
            ));
        }
        Command::Golden { action } => match action {
            GoldenAction::Record {
                spec,
                frames,
                dir,
                tolerances,
            } => {
                let set = synthvis::golden::record(
                    &spec,
                    &frames.0,
                    &dir,
                    synthvis::golden::Tolerances::profile(tolerances),
                    cli.backend,
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
            }
            GoldenAction::Check { spec, dir, compare } => {
                let options = compare.options();
                let comparison = synthvis::golden::check(&spec, &dir, &options, cli.backend)
                    .with_context(|| {
                        format!("checking {} against {}", spec.display(), dir.display())
                    })?;
                conclude(&comparison, &options, "golden check")?;
            }
            GoldenAction::Bless { spec, dir, frames } => {
                let report = synthvis::golden::bless(
                    &spec,
                    &dir,
                    frames.as_ref().map(|f| f.0.as_slice()),
                    cli.backend,
                )
                .with_context(|| format!("blessing {} from {}", dir.display(), spec.display()))?;
                say(report);
            }
        },
        Command::Diff { a, b, compare } => {
            let options = compare.options();
            let comparison = synthvis::golden::diff(&a, &b, &options)
                .with_context(|| format!("comparing {} with {}", a.display(), b.display()))?;
            conclude(&comparison, &options, "diff")?;
        }
    }
    Ok(())
}

/// Prints a comparison's table and where its reports went; a failing comparison is an
/// error (exit code 4).
fn conclude(comparison: &Comparison, options: &CompareOptions, what: &str) -> Result<(), Error> {
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
    Err(Error::GoldenMismatch {
        what: what.into(),
        failed: comparison.failed_frames().len(),
        total: comparison.frames.len(),
    })
}

fn internal(e: impl Display) -> Error {
    Error::Internal(e.to_string())
}

fn main() -> ExitCode {
    install_panic_report();
    // Quiet, headless defaults for Mesa's drivers (see gpu::driver_env); a user's own
    // settings are kept.
    for (key, value) in synthvis::gpu::driver_env::quiet_defaults(|k| std::env::var_os(k)) {
        // SAFETY: single-threaded at this point; no other thread reads the environment.
        unsafe { std::env::set_var(key, value) };
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note(format!("error: {}", error_chain(&e)));
            // Every error carries its code in synthvis::Error; anything else is internal.
            let code = e
                .chain()
                .find_map(|c| c.downcast_ref::<Error>())
                .map_or(1, Error::exit_code);
            ExitCode::from(code)
        }
    }
}

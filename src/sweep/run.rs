//! Rendering a sweep: every point into `DIR/<id>/` (a complete dataset, with its resolved
//! spec as `spec.json`), and `DIR/index.json` and `DIR/index.csv` listing the points and
//! their values. Sharding spreads the (point, frame) pairs: shard K of N renders a
//! contiguous block of them, so a sweep fills a cluster as one run does; `merge` joins
//! the shards' folders.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::{Combine, INDEX_CSV, INDEX_FILE, POINT_SPEC, Point, Sweep, SweepError};
use crate::dataset::{DatasetOptions, Progress, render_dataset};
use crate::gpu::BackendChoice;
use crate::output::{Durability, write_atomic, write_atomic_with};
use crate::render::Cancel;
use crate::shard::Shard;

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The sweep folder.
    pub out: PathBuf,
    /// Render only this shard of the (point, frame) pairs.
    pub shard: Option<Shard>,
    /// Continue a sweep in `out`.
    pub resume: bool,
    /// Sync every file as it is written.
    pub durable: bool,
    /// Graphics API.
    pub backend: BackendChoice,
    /// Encoder threads.
    pub threads: Option<usize>,
    /// Render workers.
    pub workers: Option<usize>,
}

/// The part of one point a run renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Index of the point.
    pub point: usize,
    /// Its frames in this run.
    pub frames: Range<u64>,
}

/// The blocks of a shard of the sweep's (point, frame) pairs (all of them without a
/// shard), in order; points with no frame in the shard are left out. Shards take whole
/// sequences: they split the list of (point, sequence) pairs, a sequence being one
/// image of a point of still frames.
pub fn blocks(sweep: &Sweep, shard: Option<Shard>) -> Vec<Block> {
    let units = |p: &Point| p.frames.div_ceil(p.sequence_images.max(1));
    let all = 0..sweep.points.iter().map(units).sum::<u64>();
    let mine = shard.map_or(all.clone(), |s| s.frames(&all));
    let mut start = 0;
    let mut out = Vec::new();
    for (point, p) in sweep.points.iter().enumerate() {
        let span = start..start + units(p);
        let (a, b) = (span.start.max(mine.start), span.end.min(mine.end));
        if a < b {
            let image = |unit: u64| ((unit - start) * p.sequence_images.max(1)).min(p.frames);
            out.push(Block {
                point,
                frames: image(a)..image(b),
            });
        }
        start = span.end;
    }
    out
}

#[derive(Serialize)]
struct Index<'a> {
    sweep_sha256: String,
    base: &'a Path,
    combine: &'a Combine,
    parameters: Vec<&'a str>,
    points: Vec<IndexPoint<'a>>,
}

#[derive(Serialize)]
struct IndexPoint<'a> {
    id: &'a str,
    values: &'a [Value],
    frames: u64,
}

/// `index.json` and `index.csv`: the same bytes for every shard of a sweep.
fn index_files(sweep: &Sweep) -> Result<(Vec<u8>, Vec<u8>), SweepError> {
    let bytes = std::fs::read(&sweep.file).map_err(|source| SweepError::Read {
        file: sweep.file.clone(),
        source,
    })?;
    let index = Index {
        sweep_sha256: crate::hash::sha256_hex(&bytes),
        base: &sweep.sweep.base,
        combine: &sweep.sweep.combine,
        parameters: sweep
            .sweep
            .parameters
            .iter()
            .map(|p| p.pointer.as_str())
            .collect(),
        points: sweep
            .points
            .iter()
            .map(|p| IndexPoint {
                id: &p.id,
                values: &p.values,
                frames: p.frames,
            })
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&index).map_err(|e| SweepError::Index {
        file: INDEX_FILE,
        message: e.to_string(),
    })?;
    json.push(b'\n');
    let mut csv = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| SweepError::Index {
        file: INDEX_CSV,
        message: e.to_string(),
    };
    let mut header = vec!["id".to_owned()];
    header.extend(sweep.sweep.parameters.iter().map(|p| p.pointer.clone()));
    header.push("frames".into());
    csv.write_record(&header).map_err(csv_error)?;
    for p in &sweep.points {
        let mut row = vec![p.id.clone()];
        row.extend(p.values.iter().map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }));
        row.push(p.frames.to_string());
        csv.write_record(&row).map_err(csv_error)?;
    }
    let csv = csv.into_inner().map_err(|e| SweepError::Index {
        file: INDEX_CSV,
        message: e.to_string(),
    })?;
    Ok((json, csv))
}

/// What `--dry-run` prints: the points, their values and frames, and what this shard
/// would render.
pub fn describe(sweep: &Sweep, shard: Option<Shard>) -> String {
    let mut out = format!(
        "{} points, {} frames in all (base {})\n",
        sweep.points.len(),
        sweep.pairs(),
        sweep.base_file.display()
    );
    for p in &sweep.points {
        out.push_str(&format!(
            "  {}: {} frames  {}\n",
            p.id,
            p.frames,
            p.describe(&sweep.sweep.parameters)
        ));
    }
    if let Some(s) = shard {
        out.push_str(&format!("shard {s} renders:\n"));
        for b in blocks(sweep, Some(s)) {
            out.push_str(&format!(
                "  {}: frames {}..{}\n",
                sweep.points[b.point].id, b.frames.start, b.frames.end
            ));
        }
    }
    out
}

/// Renders a sweep (or its shard) into `opts.out`. `started` is told of each point
/// before it renders.
pub fn run(
    sweep: &Sweep,
    opts: &SweepOptions,
    progress: &mut dyn Progress,
    started: &mut dyn FnMut(&str, &str, &Range<u64>),
    cancel: &Cancel,
) -> Result<Vec<Block>, SweepError> {
    let (index, csv) = index_files(sweep)?;
    let dir = &opts.out;
    let folder = |message: String| SweepError::Folder {
        dir: dir.clone(),
        message,
    };
    let occupied = std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_some());
    if occupied {
        if !opts.resume {
            return Err(folder(
                "not empty: sweep into a new folder, or pass --resume to continue the sweep in it"
                    .into(),
            ));
        }
        match std::fs::read(dir.join(INDEX_FILE)) {
            Ok(existing) if existing == index => {}
            Ok(_) => {
                return Err(folder(
                    "holds another sweep (its index.json differs): sweep into a new folder".into(),
                ));
            }
            Err(_) => {
                return Err(folder(
                    "not empty and holds no sweep (no index.json)".into(),
                ));
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| folder(format!("cannot create: {e}")))?;
    write_atomic(&dir.join(INDEX_FILE), &index)?;
    write_atomic(&dir.join(INDEX_CSV), &csv)?;
    let durability = Durability::synced_if(opts.durable);
    let blocks = blocks(sweep, opts.shard);
    for b in &blocks {
        let point = &sweep.points[b.point];
        let spec = point.load(dir, &sweep.sweep.parameters)?;
        started(
            &point.id,
            &point.describe(&sweep.sweep.parameters),
            &b.frames,
        );
        let render = DatasetOptions {
            frames: Some(b.frames.clone()),
            shard: opts.shard,
            shard_of: opts.shard.map(|_| 0..point.frames),
            resume: opts.resume,
            durable: opts.durable,
            backend: opts.backend,
            threads: opts.threads,
            workers: opts.workers,
            ..DatasetOptions::new(dir.join(&point.id))
        };
        render_dataset(&spec, &render, progress, cancel)?;
        write_atomic_with(
            &dir.join(&point.id).join(POINT_SPEC),
            &point.spec,
            durability,
        )?;
    }
    Ok(blocks)
}

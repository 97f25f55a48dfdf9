//! Sweeps: many datasets over ranges of a spec's parameters.
//!
//! A sweep file names a base spec and parameters addressed by JSON pointer:
//!
//! ```json
//! {"base": "lighting.json",
//!  "parameters": [{"pointer": "/lights/0/intensity", "values": [1, 2, 4]},
//!                 {"pointer": "/seed", "range": {"start": 0, "stop": 2, "num": 2}}],
//!  "combine": "grid"}
//! ```
//!
//! `combine` is `grid` (every combination, the first parameter varying slowest), `zip`
//! (the n-th value of each; all parameters the same length) or `{"random": N, "seed": S}`
//! (N points, each parameter drawn uniformly from its values or from its range's
//! interval: integers when both ends are integers). A `range` is numpy's `linspace`: both
//! ends included, integers when both ends are integers and every point falls on one.
//!
//! Each point is the base spec with the values set ([`Point::spec`]), relative paths made
//! absolute (the base's against the base's folder, a parameter's against the sweep
//! file's), so it renders from wherever it is written. [`run`] renders the points into
//! `DIR/<id>/`, sharding (point, frame) pairs across machines; [`merge`] joins sharded
//! sweeps.

pub mod merge;
pub mod run;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::edit::{absolutize_paths, set_pointer};
use crate::spec::{LoadedSpec, SpecError};

/// `index.json` of a sweep folder.
pub const INDEX_FILE: &str = "index.json";
/// `index.csv` of a sweep folder.
pub const INDEX_CSV: &str = "index.csv";
/// A point's resolved spec, in its dataset folder.
pub const POINT_SPEC: &str = "spec.json";

/// A sweep file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// The base spec; relative to the sweep file's folder.
    pub base: PathBuf,
    /// The parameters, in order.
    pub parameters: Vec<Parameter>,
    /// How the parameters' values combine into points.
    #[serde(default)]
    pub combine: Combine,
}

/// One swept field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// JSON pointer into the spec (`/lights/0/intensity`).
    pub pointer: String,
    /// The values, any JSON (a distribution form too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// Evenly spaced numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Linspace>,
}

/// `num` evenly spaced numbers from `start` to `stop`, both included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Linspace {
    /// First value.
    pub start: serde_json::Number,
    /// Last value.
    pub stop: serde_json::Number,
    /// How many (at least 1).
    pub num: u64,
}

/// How parameter values combine: `"grid"`, `"zip"` or `{"random": N, "seed": S}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "CombineForm", into = "CombineForm")]
pub enum Combine {
    /// Every combination.
    #[default]
    Grid,
    /// The n-th value of every parameter.
    Zip,
    /// Random points.
    Random {
        /// How many points.
        count: u64,
        /// Their seed.
        seed: u64,
    },
}

/// The JSON forms of [`Combine`].
#[derive(Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum CombineForm {
    Name(String),
    Random {
        random: u64,
        #[serde(default)]
        seed: u64,
    },
}

impl TryFrom<CombineForm> for Combine {
    type Error = String;

    fn try_from(form: CombineForm) -> Result<Self, String> {
        match form {
            CombineForm::Name(n) if n == "grid" => Ok(Combine::Grid),
            CombineForm::Name(n) if n == "zip" => Ok(Combine::Zip),
            CombineForm::Name(n) => Err(format!(
                "unknown combine `{n}`: use \"grid\", \"zip\" or {{\"random\": N, \"seed\": S}}"
            )),
            CombineForm::Random { random, seed } => Ok(Combine::Random {
                count: random,
                seed,
            }),
        }
    }
}

impl From<Combine> for CombineForm {
    fn from(c: Combine) -> Self {
        match c {
            Combine::Grid => CombineForm::Name("grid".into()),
            Combine::Zip => CombineForm::Name("zip".into()),
            Combine::Random { count, seed } => CombineForm::Random {
                random: count,
                seed,
            },
        }
    }
}

/// Why a sweep cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file could not be read.
    #[error("{file}: cannot read the sweep: {source}")]
    Read {
        /// The sweep file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The sweep file is malformed.
    #[error("{file}: {message}")]
    Invalid {
        /// The sweep file.
        file: PathBuf,
        /// What is wrong, with the field.
        message: String,
    },
    /// A point's spec is invalid.
    #[error("point {id} ({values}): {source}")]
    Point {
        /// The point.
        id: String,
        /// Its values, for people.
        values: String,
        /// Why its spec is invalid.
        source: Box<SpecError>,
    },
    /// The base spec is unreadable or not JSON.
    #[error("{file}: cannot use the base spec: {message}")]
    Base {
        /// The base spec.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The output folder holds something else.
    #[error("{dir}: {message}")]
    Folder {
        /// The sweep folder.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A point's dataset could not be rendered.
    #[error(transparent)]
    Dataset(#[from] crate::dataset::DatasetError),
    /// The sweep's own files (index, point specs) could not be written or merged.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// `index.json` or `index.csv` could not be encoded.
    #[error("{file}: cannot encode: {message}")]
    Index {
        /// The index file.
        file: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// A sweep ready to run: its file, base spec and points.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The sweep file.
    pub file: PathBuf,
    /// As parsed.
    pub sweep: SweepFile,
    /// The base spec file.
    pub base_file: PathBuf,
    /// The points, in order.
    pub points: Vec<Point>,
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Its id: its index, zero-padded (`007`); also its folder's name.
    pub id: String,
    /// The value of each parameter, in parameter order.
    pub values: Vec<Value>,
    /// Its resolved spec (JSON, with a final newline).
    pub spec: Vec<u8>,
    /// Its images (the spec's `frames`, times a sequence's steps and cameras).
    pub frames: u64,
    /// Images a shard keeps together: a sequence's (steps × cameras), else 1.
    pub sequence_images: u64,
}

impl Point {
    /// `pointer=value` pairs, for people.
    pub fn describe(&self, parameters: &[Parameter]) -> String {
        parameters
            .iter()
            .zip(&self.values)
            .map(|(p, v)| format!("{}={v}", p.pointer))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parses and validates this point's spec as the file `DIR/<id>/spec.json`.
    pub fn load(&self, dir: &Path, parameters: &[Parameter]) -> Result<LoadedSpec, SweepError> {
        let file = dir.join(&self.id).join(POINT_SPEC);
        LoadedSpec::from_bytes(self.spec.clone(), &file).map_err(|source| SweepError::Point {
            id: self.id.clone(),
            values: self.describe(parameters),
            source: Box::new(source),
        })
    }
}

impl Sweep {
    /// Reads a sweep file and computes its points; every point's spec is checked here,
    /// before anything renders (`dir` is where the points will be written).
    pub fn load(file: &Path, dir: &Path) -> Result<Self, SweepError> {
        let invalid = |message: String| SweepError::Invalid {
            file: file.to_owned(),
            message,
        };
        let bytes = std::fs::read(file).map_err(|source| SweepError::Read {
            file: file.to_owned(),
            source,
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let sweep: SweepFile = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| invalid(format!("{}: {}", e.path(), e.inner())))?;
        let folder = absolute(file.parent().unwrap_or(Path::new("")));
        let base_file = folder.join(&sweep.base);
        let base: Value = std::fs::read(&base_file)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            .map_err(|message| SweepError::Base {
                file: base_file.clone(),
                message,
            })?;
        let columns = sweep
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| values_of(p).map_err(|m| invalid(format!("parameters[{i}]: {m}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if columns.is_empty() {
            return Err(invalid("parameters: a sweep needs at least one".into()));
        }
        let rows = combine(&sweep.combine, &columns, &sweep.parameters).map_err(invalid)?;
        let base_folder = absolute(base_file.parent().unwrap_or(Path::new("")));
        let width = rows.len().saturating_sub(1).to_string().len().max(3);
        let mut points = Vec::with_capacity(rows.len());
        for (n, values) in rows.into_iter().enumerate() {
            let id = format!("{n:0width$}");
            let mut spec = base.clone();
            absolutize_paths(&mut spec, &base_folder);
            for (p, v) in sweep.parameters.iter().zip(&values) {
                set_pointer(&mut spec, &p.pointer, v.clone())
                    .map_err(|m| invalid(format!("point {id}: parameter {}: {m}", p.pointer)))?;
            }
            absolutize_paths(&mut spec, &folder);
            let mut text = serde_json::to_vec_pretty(&spec).map_err(|e| invalid(e.to_string()))?;
            text.push(b'\n');
            let point = Point {
                id,
                values,
                spec: text,
                frames: 0,
                sequence_images: 1,
            };
            let loaded = point.load(dir, &sweep.parameters)?;
            points.push(Point {
                frames: loaded.spec.images(),
                sequence_images: loaded.spec.images_per_frame(),
                ..point
            });
        }
        Ok(Self {
            file: file.to_owned(),
            sweep,
            base_file,
            points,
        })
    }

    /// Every (point, frame) pair, in order: point by point, frame by frame.
    pub fn pairs(&self) -> u64 {
        self.points.iter().map(|p| p.frames).sum()
    }
}

/// `path` made absolute against the working directory (an empty path is the working
/// directory itself).
fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// The values of one parameter.
fn values_of(p: &Parameter) -> Result<Vec<Value>, String> {
    if !p.pointer.starts_with('/') {
        return Err(format!(
            "pointer `{}` must start with `/` (a JSON pointer, e.g. /lights/0/intensity)",
            p.pointer
        ));
    }
    match (&p.values, &p.range) {
        (Some(v), None) if !v.is_empty() => Ok(v.clone()),
        (Some(_), None) => Err("values: give at least one".into()),
        (None, Some(r)) => linspace(r),
        _ => Err("give either `values` or `range`".into()),
    }
}

/// numpy's linspace, integers kept as integers where they fall on integers.
pub fn linspace(r: &Linspace) -> Result<Vec<Value>, String> {
    let (a, b) = match (r.start.as_f64(), r.stop.as_f64()) {
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => (a, b),
        _ => return Err("range: start and stop must be finite numbers".into()),
    };
    if r.num == 0 {
        return Err("range.num: must be at least 1".into());
    }
    let points: Vec<f64> = (0..r.num)
        .map(|i| {
            if r.num == 1 {
                a
            } else if i == r.num - 1 {
                b
            } else {
                a + (b - a) * i as f64 / (r.num - 1) as f64
            }
        })
        .collect();
    let integers = (r.start.is_i64() || r.start.is_u64())
        && (r.stop.is_i64() || r.stop.is_u64())
        && points.iter().all(|x| x.fract() == 0.0);
    Ok(points
        .into_iter()
        .map(|x| {
            if integers {
                Value::from(x as i64)
            } else {
                Value::from(x)
            }
        })
        .collect())
}

/// The points' values, row by row.
fn combine(
    how: &Combine,
    columns: &[Vec<Value>],
    parameters: &[Parameter],
) -> Result<Vec<Vec<Value>>, String> {
    match how {
        Combine::Grid => {
            let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
            for column in columns {
                rows = rows
                    .into_iter()
                    .flat_map(|row| {
                        column.iter().map(move |v| {
                            let mut r = row.clone();
                            r.push(v.clone());
                            r
                        })
                    })
                    .collect();
            }
            Ok(rows)
        }
        Combine::Zip => {
            let n = columns[0].len();
            if let Some((i, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != n) {
                return Err(format!(
                    "combine zip: parameters[{i}] has {} values, parameters[0] {n}",
                    c.len()
                ));
            }
            Ok((0..n)
                .map(|k| columns.iter().map(|c| c[k].clone()).collect())
                .collect())
        }
        Combine::Random { count, seed } => {
            let mut rng = crate::rng::FrameRng::new(*seed, 0).stream("sweep");
            Ok((0..*count)
                .map(|_| {
                    parameters
                        .iter()
                        .zip(columns)
                        .map(|(p, column)| match &p.range {
                            Some(r) => draw_in(r, &mut rng),
                            None => column[rng.below(column.len() as u64) as usize].clone(),
                        })
                        .collect()
                })
                .collect())
        }
    }
}

/// A uniform draw from a range's interval: an integer when both ends are integers.
fn draw_in(r: &Linspace, rng: &mut crate::rng::StreamRng) -> Value {
    match (r.start.as_i64(), r.stop.as_i64()) {
        (Some(a), Some(b)) => {
            let (lo, hi) = (a.min(b), a.max(b));
            Value::from(lo + rng.below((hi - lo) as u64 + 1) as i64)
        }
        _ => {
            let (a, b) = (
                r.start.as_f64().unwrap_or(0.0),
                r.stop.as_f64().unwrap_or(0.0),
            );
            Value::from(a + (b - a) * rng.unit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lin(start: Value, stop: Value, num: u64) -> Vec<Value> {
        let r: Linspace =
            serde_json::from_value(json!({"start": start, "stop": stop, "num": num})).unwrap();
        linspace(&r).unwrap()
    }

    #[test]
    fn linspace_keeps_integers_where_they_fall() {
        assert_eq!(lin(json!(0), json!(2), 3), [json!(0), json!(1), json!(2)]);
        assert_eq!(
            lin(json!(0), json!(1), 3),
            [json!(0.0), json!(0.5), json!(1.0)]
        );
        assert_eq!(
            lin(json!(0.0), json!(2.0), 3),
            [json!(0.0), json!(1.0), json!(2.0)]
        );
        assert_eq!(lin(json!(5), json!(9), 1), [json!(5)]);
        assert_eq!(lin(json!(1), json!(0), 2), [json!(1), json!(0)]);
    }

    #[test]
    fn grid_zip_and_random() {
        let p = |vals: Value| Parameter {
            pointer: "/a".into(),
            values: serde_json::from_value(vals).ok(),
            range: None,
        };
        let params = [p(json!([1, 2])), p(json!(["x", "y", "z"]))];
        let cols: Vec<Vec<Value>> = params.iter().map(|p| values_of(p).unwrap()).collect();
        let grid = combine(&Combine::Grid, &cols, &params).unwrap();
        assert_eq!(grid.len(), 6);
        assert_eq!(grid[0], [json!(1), json!("x")]);
        assert_eq!(grid[1], [json!(1), json!("y")]);
        assert_eq!(grid[5], [json!(2), json!("z")]);
        assert!(combine(&Combine::Zip, &cols, &params).is_err());
        let r = Combine::Random { count: 50, seed: 4 };
        let a = combine(&r, &cols, &params).unwrap();
        assert_eq!(a, combine(&r, &cols, &params).unwrap(), "seeded");
        assert_eq!(a.len(), 50);
        assert!(a.iter().any(|row| row[0] == json!(1)) && a.iter().any(|row| row[0] == json!(2)));
    }
}

//! Shards: a run's frames split across machines or processes in contiguous blocks.
//!
//! Shard `K` of `N` over frames `A..B` (`F = B - A` frames) renders frames
//! `A + F·K/N .. A + F·(K+1)/N` (integer division): blocks differ in length by at most
//! one frame, and together they cover `A..B` once. `--shard auto` reads `K` (and `N` where
//! the scheduler says it) from the environment: a Kubernetes Indexed Job sets
//! `JOB_COMPLETION_INDEX` (the count comes from `--shards N` or `SYNTHVIS_SHARDS`, since
//! Kubernetes exposes none), a Slurm job array sets `SLURM_ARRAY_TASK_ID`,
//! `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_COUNT`.

use std::ffi::OsString;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// One shard of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which one, from 0.
    pub index: u64,
    /// How many.
    pub count: u64,
}

/// Why a shard could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard: {0}")]
pub struct ShardError(pub String);

impl Shard {
    /// Shard `index` of `count`.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardError> {
        if count == 0 || index >= count {
            return Err(ShardError(format!(
                "shard {index} of {count}: the index must lie in 0..{count} and the count be at least 1"
            )));
        }
        Ok(Self { index, count })
    }

    /// This shard's block of `frames`.
    pub fn frames(&self, frames: &Range<u64>) -> Range<u64> {
        let n = u128::from(frames.end - frames.start);
        let at = |k: u64| frames.start + (n * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// This shard's block of `frames` when frames are stored in blocks of `block_len` by
    /// their number (webdataset tars): shards take whole blocks, so no tar is split
    /// between two of them. With `block_len` 1 it is [`Shard::frames`].
    pub fn frames_by_block(&self, frames: &Range<u64>, block_len: u64) -> Range<u64> {
        let block_len = block_len.max(1);
        let first = frames.start / block_len;
        let last = frames.end.div_ceil(block_len);
        let blocks = self.frames(&(first..last));
        let clamp = |f: u64| f.clamp(frames.start, frames.end);
        clamp(blocks.start * block_len)..clamp(blocks.end * block_len)
    }

    /// Parses `K/N`.
    pub fn parse(s: &str) -> Result<Self, ShardError> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| ShardError(format!("`{s}` is not K/N (e.g. 0/4) or auto")))?;
        let num = |t: &str| {
            t.trim()
                .parse::<u64>()
                .map_err(|_| ShardError(format!("`{s}`: `{t}` is not a number")))
        };
        Self::new(num(k)?, num(n)?)
    }

    /// The shard a scheduler gave this process: `get` reads the environment, `count` is
    /// `--shards N` when given.
    pub fn from_env(
        get: impl Fn(&str) -> Option<OsString>,
        count: Option<u64>,
    ) -> Result<Self, ShardError> {
        let var = |name: &str| -> Result<Option<u64>, ShardError> {
            match get(name) {
                None => Ok(None),
                Some(v) => v
                    .to_str()
                    .and_then(|t| t.trim().parse::<u64>().ok())
                    .map(Some)
                    .ok_or_else(|| ShardError(format!("{name}={v:?} is not a number"))),
            }
        };
        if let Some(index) = var("JOB_COMPLETION_INDEX")? {
            let count = match (count, var("SYNTHVIS_SHARDS")?) {
                (Some(n), _) | (None, Some(n)) => n,
                (None, None) => {
                    return Err(ShardError(
                        "auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the \
                         number of shards: pass --shards N or set SYNTHVIS_SHARDS to the Job's \
                         completions"
                            .into(),
                    ));
                }
            };
            return Self::new(index, count);
        }
        if let Some(id) = var("SLURM_ARRAY_TASK_ID")? {
            let min = var("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let task_count = var("SLURM_ARRAY_TASK_COUNT")?;
            let max = var("SLURM_ARRAY_TASK_MAX")?;
            if let Some(step) = var("SLURM_ARRAY_TASK_STEP")?
                && step != 1
            {
                return Err(ShardError(format!(
                    "auto: the Slurm array steps by {step}; shards need consecutive task ids \
                     (--array=0-{})",
                    task_count.map_or(0, |c| c.saturating_sub(1))
                )));
            }
            if let (Some(c), Some(max)) = (task_count, max)
                && max.checked_sub(min).map(|d| d + 1) != Some(c)
            {
                return Err(ShardError(format!(
                    "auto: the Slurm array has {c} tasks over ids {min}..={max}: it is sparse; \
                     shards need consecutive task ids"
                )));
            }
            let count = count.or(task_count).ok_or_else(|| {
                ShardError("auto: SLURM_ARRAY_TASK_COUNT is not set; pass --shards N".into())
            })?;
            let index = id.checked_sub(min).ok_or_else(|| {
                ShardError(format!(
                    "auto: SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}"
                ))
            })?;
            return Self::new(index, count);
        }
        Err(ShardError(
            "auto: neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor \
             SLURM_ARRAY_TASK_ID (a Slurm job array) is set"
                .into(),
        ))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn blocks_cover_the_range_once() {
        for n in 1..9u64 {
            let range = 5..42;
            let mut next = range.start;
            for k in 0..n {
                let b = Shard::new(k, n).unwrap().frames(&range);
                assert_eq!(b.start, next);
                assert!((b.end - b.start).abs_diff(37 / n) <= 1);
                next = b.end;
            }
            assert_eq!(next, range.end);
        }
        // More shards than frames: some are empty, none overlap.
        assert_eq!(Shard::new(0, 4).unwrap().frames(&(0..2)), 0..0);
        assert_eq!(Shard::new(3, 4).unwrap().frames(&(0..2)), 1..2);
    }

    #[test]
    fn block_shards_take_whole_blocks() {
        let range = 5..47;
        let mut next = range.start;
        for k in 0..3 {
            let b = Shard::new(k, 3).unwrap().frames_by_block(&range, 10);
            assert_eq!(b.start, next);
            assert!(
                b.start == range.start || b.start.is_multiple_of(10),
                "{b:?}"
            );
            next = b.end;
        }
        assert_eq!(next, range.end);
        // Five blocks (the first and last partial) over three shards: 1, 2 and 2 blocks.
        assert_eq!(Shard::new(0, 3).unwrap().frames_by_block(&range, 10), 5..10);
        assert_eq!(
            Shard::new(2, 3).unwrap().frames_by_block(&range, 10),
            30..47
        );
    }

    #[test]
    fn parse_and_refuse() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("a/4").is_err());
        assert!(Shard::parse("3").is_err());
    }

    #[test]
    fn schedulers() {
        let k8s = env(&[("JOB_COMPLETION_INDEX", "3")]);
        assert_eq!(
            Shard::from_env(&k8s, Some(8)).unwrap(),
            Shard { index: 3, count: 8 }
        );
        assert!(
            Shard::from_env(&k8s, None)
                .unwrap_err()
                .0
                .contains("--shards")
        );
        let k8s_count = env(&[("JOB_COMPLETION_INDEX", "1"), ("SYNTHVIS_SHARDS", "2")]);
        assert_eq!(
            Shard::from_env(&k8s_count, None).unwrap(),
            Shard { index: 1, count: 2 }
        );
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "12"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_MAX", "13"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_env(&slurm, None).unwrap(),
            Shard { index: 2, count: 4 }
        );
        let stepped = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "6"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]);
        assert!(
            Shard::from_env(&stepped, None)
                .unwrap_err()
                .0
                .contains("steps by 2")
        );
        let sparse = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "9"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert!(
            Shard::from_env(&sparse, None)
                .unwrap_err()
                .0
                .contains("sparse")
        );
        assert!(
            Shard::from_env(env(&[]), None)
                .unwrap_err()
                .0
                .contains("neither")
        );
    }
}

//! What can be wrong with a spec: a problem located by JSON path, and the error a load
//! returns (unreadable file, syntax, or every semantic problem at once).

use std::fmt;
use std::path::PathBuf;

/// One problem found in a spec, located by JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecIssue {
    /// JSON path of the field, e.g. `objects[2].position`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("{file}: cannot read the spec: {source}")]
    Read {
        /// The spec file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// JSON syntax or type error (serde stops at the first).
    #[error("{file}:{line}:{column}: {path}: {message}")]
    Parse {
        /// The spec file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON path of the offending field (`.` for the whole document).
        path: String,
        /// What serde said.
        message: String,
    },
    /// Semantic problems, all of them at once.
    #[error("{file}: invalid spec:\n{}", list(.issues))]
    Invalid {
        /// The spec file.
        file: PathBuf,
        /// Each problem with its path.
        issues: Vec<SpecIssue>,
    },
}

fn list(issues: &[SpecIssue]) -> String {
    issues
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

//! synthvis: render labeled synthetic vision datasets from a scene spec.
//!
//! Data flow (one direction):
//! scene spec → [`spec::LoadedSpec`] → [`randomize::FrameSampler`] → [`scene::FrameScene`]
//! → [`gpu::Renderer`] → [`gpu::FrameBuffers`] → [`post`] → [`labels`] → [`Frame`]
//! → [`output`] files on disk.
//!
//! [`Renderer`] is the one way to render: it turns a spec's frames into [`Frame`]s in
//! memory, and every command is its client ([`dataset::render_dataset`] writes its frames
//! as a dataset).
//!
//! ```
//! # fn main() -> Result<(), synthvis::Error> {
//! let spec = synthvis::LoadedSpec::from_file("scenes/quickstart.json".as_ref())?;
//! let mut renderer = synthvis::Renderer::new(&spec, synthvis::RenderOptions::default())?;
//! let frame = renderer.render(7)?; // one frame, in memory
//! assert_eq!(frame.buffers.rgb.len(), 3 * (frame.width() * frame.height()) as usize);
//! for frame in renderer.frames(0..4) {
//!     let frame = frame?; // in order, pipelined over the render workers
//!     println!("frame {}: {} labelled instances", frame.index, frame.labels.instances.len());
//! }
//! # Ok(())
//! # }
//! ```

// No panics in the library: errors are values. Tests may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod assets;
pub mod bench;
pub mod dataset;
pub mod export;
pub mod geometry;
pub mod golden;
pub mod gpu;
pub mod hash;
pub mod inspect;
pub mod labels;
pub mod output;
pub mod panic_guard;
pub mod physics;
pub mod post;
pub mod preview;
pub mod primitives;
pub mod randomize;
pub mod render;
pub mod rng;
pub mod scene;
pub mod shard;
pub mod spec;
pub mod stats;
pub mod sweep;

pub use dataset::{DatasetOptions, RenderSummary, render_dataset};
pub use render::{Frame, Frames, RenderOptions, Renderer};
pub use spec::LoadedSpec;

/// The synthvis version written into datasets.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit this build comes from ("unknown" outside a checkout), written into
/// manifests.
pub const GIT_COMMIT: &str = env!("SYNTHVIS_GIT_COMMIT");

/// Any failure of a synthvis operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec is unreadable or invalid.
    #[error(transparent)]
    Spec(#[from] spec::SpecError),
    /// An asset could not be loaded.
    #[error(transparent)]
    Asset(#[from] assets::AssetError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] gpu::GpuError),
    /// A frame could not be sampled.
    #[error(transparent)]
    Randomize(#[from] randomize::RandomizeError),
    /// Writing the dataset failed.
    #[error(transparent)]
    Output(#[from] output::OutputError),
    /// The run was stopped by a signal (Ctrl-C, SIGTERM); the dataset is marked
    /// incomplete and can be resumed.
    #[error(
        "interrupted by signal {signal} ({}): the dataset is incomplete (manifest.json says complete: false); run the same command with --resume to finish it",
        signal_name(*.signal)
    )]
    Interrupted {
        /// The signal number (2 SIGINT, 15 SIGTERM).
        signal: i32,
    },
    /// A sweep file or one of its points is invalid, or its folder holds something else.
    #[error(transparent)]
    Sweep(#[from] sweep::SweepError),
    /// The shard could not be determined.
    #[error(transparent)]
    Shard(#[from] shard::ShardError),
    /// A golden set is missing or unreadable, or a golden operation was asked wrongly.
    #[error(transparent)]
    Golden(#[from] golden::GoldenError),
    /// Exporting a dataset failed.
    #[error(transparent)]
    Export(#[from] export::ExportError),
    /// `golden check` or `diff` found frames past their tolerances (each is in the
    /// comparison's table).
    #[error("{what}: {failed} of {total} frames differ beyond their tolerances")]
    GoldenMismatch {
        /// What was compared.
        what: String,
        /// Frames that failed.
        failed: usize,
        /// Frames compared.
        total: usize,
    },
    /// `verify` found the dataset incomplete or corrupt (each problem is in its report).
    #[error("{dir}: {problems} problem(s); the dataset is incomplete or corrupt")]
    DatasetInvalid {
        /// The dataset directory.
        dir: std::path::PathBuf,
        /// How many problems were found.
        problems: usize,
    },
    /// The writer thread panicked.
    #[error("internal error: the frame writer thread panicked")]
    WriterPanicked,
    /// Any other internal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Process exit code, the one mapping of errors to codes: 2 for bad input (spec,
    /// asset, golden set), 3 for a dataset `verify` finds incomplete or corrupt, 4 for
    /// frames that `golden check` or `diff` find different, 130 for an interruption, 1
    /// for runtime failures (GPU, disk).
    pub fn exit_code(&self) -> u8 {
        use randomize::RandomizeError;
        match self {
            Error::Spec(_)
            | Error::Asset(_)
            | Error::Golden(_)
            | Error::Shard(_)
            | Error::Sweep(_) => 2,
            // A placement or view the spec asks for cannot be met: bad input, not a crash.
            Error::Randomize(
                RandomizeError::Placement { .. }
                | RandomizeError::DegenerateCamera { .. }
                | RandomizeError::Unsettled { .. },
            ) => 2,
            // Shards that do not fit together, or --resume on another run's folder.
            Error::Output(
                output::OutputError::Merge(_) | output::OutputError::ResumeMismatch { .. },
            ) => 2,
            Error::DatasetInvalid { .. } => 3,
            Error::Export(e) => match e {
                export::ExportError::Dataset { .. } | export::ExportError::NotEmpty { .. } => 2,
                export::ExportError::Read { .. } => 3,
                export::ExportError::Io { .. } => 1,
            },
            Error::GoldenMismatch { .. } => 4,
            // The shell's convention: 128 + the signal (130 for SIGINT, 143 for SIGTERM).
            Error::Interrupted { signal } => u8::try_from(128 + signal).unwrap_or(130),
            Error::Randomize(RandomizeError::NeedsAssetBounds)
            | Error::Gpu(_)
            | Error::Output(_)
            | Error::WriterPanicked
            | Error::Internal(_) => 1,
        }
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        1 => "SIGHUP",
        _ => "a signal",
    }
}

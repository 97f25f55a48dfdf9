//! [`RenderError`]: why a frame could not be rendered.

use crate::assets::AssetError;
use crate::gpu::GpuError;
use crate::randomize::RandomizeError;

/// Why the render API could not render a frame.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// An asset of the spec could not be loaded.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// The GPU failed, or no adapter was found.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// A frame could not be sampled (an impossible placement, say).
    #[error(transparent)]
    Randomize(#[from] RandomizeError),
    /// Rendering was stopped by a signal (Ctrl-C, SIGTERM) through a
    /// [`super::Cancel`].
    #[error(
        "interrupted by signal {signal} ({}): the dataset is incomplete (manifest.json says complete: false); run the same command with --resume to finish it",
        signal_name(*.signal)
    )]
    Interrupted {
        /// The signal number (2 SIGINT, 15 SIGTERM).
        signal: i32,
    },
    /// A render worker's thread could not start, or stopped without a frame.
    #[error("internal error: {0}")]
    Worker(String),
}

/// The name of a signal the run stops on.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        1 => "SIGHUP",
        _ => "a signal",
    }
}

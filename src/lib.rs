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
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
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
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod assets;
pub mod bench;
pub mod camera;
pub mod cli;
pub mod dataset;
pub mod export;
pub mod geometry;
pub mod golden;
pub mod gpu;
pub mod hash;
pub mod inspect;
pub mod labels;
pub mod motion;
pub mod output;
pub mod panic_guard;
pub mod parallel;
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
pub use render::{Frame, Frames, RenderError, RenderOptions, Renderer};
pub use spec::LoadedSpec;

/// The synthvis version written into datasets.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit this build comes from ("unknown" outside a checkout), written into
/// manifests.
pub const GIT_COMMIT: &str = env!("SYNTHVIS_GIT_COMMIT");

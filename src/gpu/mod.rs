//! GPU side: headless context and the frame renderer.

pub mod context;
pub mod mipmaps;
pub mod renderer;

pub use context::{AdapterSummary, BackendChoice, GpuContext, GpuError, list_adapters};
pub use renderer::{DrawMode, FrameBuffers, PendingFrame, RenderTimings, Renderer};

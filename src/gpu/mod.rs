//! GPU side: headless context and the frame renderer. `gpu/` reads only the frame scene
//! ([`crate::scene`]) and the asset library; it knows nothing of the spec.
//!
//! - [`context`]: adapter and device; [`driver_env`]: quiet driver defaults;
//! - [`amodal`]: the labeled objects' unoccluded masks (bitmasks and their readback);
//! - [`renderer`]: the orchestrator, `passes` one file per render pass;
//! - `layouts` (bind group layouts), `pipelines` (pipelines, draw modes), `uniforms`
//!   (what shaders read), `draws` (the frame's draw list), `shadows` (shadow views and
//!   maps), `upload` (assets to the GPU), `targets` (render targets and readback),
//!   `environment` (environment maps, prefiltered), `brdf_table` (the GGX albedo
//!   table), `bounce` (objects that bounce light), [`mipmaps`].

pub mod amodal;
mod bounce;
mod brdf_table;
pub mod context;
mod draws;
pub mod driver_env;
mod environment;
mod layouts;
pub mod mipmaps;
mod passes;
mod pipeline_build;
mod pipeline_key;
mod pipelines;
pub mod renderer;
mod shadows;
mod targets;
mod uniforms;
mod upload;

pub use context::{AdapterSummary, BackendChoice, GpuContext, GpuError, list_adapters};
pub use pipeline_key::DrawMode;
pub use renderer::{PendingFrame, RenderTimings, Renderer};
pub use targets::{FrameBuffers, READBACK_RING, unpack_normal};
pub use uniforms::projection;

/// Layers to give a texture that is bound as an array and must hold `count`. wgpu's GL
/// backend picks a texture's GL target from its layer count: one layer makes a plain 2D
/// texture and six square layers a cube map, either of which an array binding samples
/// as black. So never one, never six (the shaders clamp the layer index, and extra
/// layers are never read).
fn array_layers(count: u32) -> u32 {
    match count {
        0 | 1 => 2,
        6 => 7,
        n => n,
    }
}

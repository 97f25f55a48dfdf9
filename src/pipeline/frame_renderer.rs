//! Single frames outside a dataset run: tests, goldens, the bench floor.

use crate::Error;
use crate::assets::AssetLibrary;
use crate::gpu::{AdapterSummary, BackendChoice, DrawMode, FrameBuffers, GpuContext, Renderer};
use crate::randomize::{Bounds, FrameSampler};
use crate::scene::FrameScene;
use crate::spec::{LoadedSpec, ResolvedSpec};

/// Renders single frames outside a dataset run (tests, `explain`-style tools, goldens).
pub struct FrameRenderer {
    renderer: Renderer,
    spec: ResolvedSpec,
    bounds: Vec<Bounds>,
    colliders: Vec<crate::physics::AssetCollider>,
    suns: Vec<Option<crate::assets::environment::MapSun>>,
}

impl FrameRenderer {
    /// Loads the spec's assets and opens a device.
    pub fn new(spec: &LoadedSpec, backend: BackendChoice) -> Result<Self, Error> {
        let library = AssetLibrary::load(spec)?;
        let ctx = GpuContext::new(backend)?;
        let r = &spec.spec.resolution;
        let mut renderer = Renderer::new(ctx, &library, r.width, r.height)?;
        renderer.set_normals(spec.spec.outputs.normals);
        Ok(Self {
            renderer,
            spec: spec.resolved.clone(),
            bounds: library.bounds(),
            colliders: library.colliders(spec),
            suns: library.environment_suns(),
        })
    }

    /// Issues draws in `mode` from the next frame on (images do not change).
    pub fn set_draw_mode(&mut self, mode: DrawMode) {
        self.renderer.set_draw_mode(mode);
    }

    /// Samples frame `frame` of this renderer's spec with the loaded assets' bounds, as a
    /// dataset render does.
    pub fn sample(&self, seed: u64, frame: u64) -> Result<FrameScene, Error> {
        Ok(FrameSampler::new(&self.spec, &self.bounds)?
            .with_colliders(&self.colliders)
            .with_environment_suns(&self.suns)
            .sample(seed, frame)?)
    }

    /// The loaded assets' boxes, in asset order.
    pub fn bounds(&self) -> &[Bounds] {
        &self.bounds
    }

    /// The GPU context (device, queue, adapter facts).
    pub fn context(&self) -> &GpuContext {
        self.renderer.context()
    }

    /// Draw calls the last rendered frame issued.
    pub fn last_draw_calls(&self) -> usize {
        self.renderer.last_draw_calls()
    }

    /// Renders a sampled scene.
    pub fn render(&mut self, scene: &FrameScene) -> Result<FrameBuffers, Error> {
        Ok(self.renderer.render(scene)?)
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.renderer.context().summary
    }
}

//! Render pipelines and draw modes: how each kind of draw is set up (the bind group
//! layouts they share are in [`super::layouts`]).
//!
//! A pipeline is made the first time a frame needs its [`PipelineKey`] and cached.

use std::collections::HashMap;

use super::layouts::Layouts;
use super::pipeline_build::{
    make_amodal_pipeline, make_background_pipeline, make_pipeline, make_shadow_pipeline,
};
pub use super::pipeline_key::DrawMode;
pub(super) use super::pipeline_key::{AmodalView, Look, PassKind, PipelineKey};

/// The scene shader: one WGSL module, kept in files by concern.
const SHADER: &str = concat!(
    include_str!("../../shaders/scene/interface.wgsl"),
    include_str!("../../shaders/scene/vertex.wgsl"),
    include_str!("../../shaders/scene/materials.wgsl"),
    include_str!("../../shaders/scene/lighting.wgsl"),
    include_str!("../../shaders/scene/shadows.wgsl"),
    include_str!("../../shaders/scene/shading.wgsl"),
    include_str!("../../shaders/scene/background.wgsl"),
    include_str!("../../shaders/scene/amodal.wgsl"),
);
/// The attribute the amodal fragment entry points carry (left out where unsupported).
const EARLY_DEPTH_TEST: &str = "@early_depth_test(force)";

/// The scene shader and every pipeline made from it so far.
pub(super) struct Pipelines {
    shader: wgpu::ShaderModule,
    /// Draws a procedural background over the whole image, colour target only: for a
    /// scene pass without and with the normals target.
    pub(super) background: [wgpu::RenderPipeline; 2],
    /// Draws the environment map as the background, by (normals target, tone mapping).
    environment_background: HashMap<(bool, u8), wgpu::RenderPipeline>,
    made: HashMap<PipelineKey, wgpu::RenderPipeline>,
    amodal: HashMap<(PipelineKey, AmodalView), wgpu::RenderPipeline>,
    shadow: HashMap<PipelineKey, wgpu::RenderPipeline>,
}

impl Pipelines {
    pub(super) fn new(device: &wgpu::Device, layouts: &Layouts) -> Self {
        // The amodal fragments force the early depth test where the device can (Vulkan,
        // GL 4.2, GLES 3.1): then only hidden fragments run. Elsewhere every fragment runs
        // and marks its pixel, which gives the same masks.
        let source = if device
            .features()
            .contains(wgpu::Features::SHADER_EARLY_DEPTH_TEST)
        {
            SHADER.into()
        } else {
            SHADER.replace(EARLY_DEPTH_TEST, "").into()
        };
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("shaders/scene"),
            source: wgpu::ShaderSource::Wgsl(source),
        });
        let background_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("background"),
            bind_group_layouts: &[Some(&layouts.frame)],
            immediate_size: 0,
        });
        let background = [false, true].map(|normals| {
            make_background_pipeline(
                device,
                &background_layout,
                &shader,
                normals,
                ("fs_background", &[]),
            )
        });
        Self {
            shader,
            background,
            environment_background: HashMap::new(),
            made: HashMap::new(),
            amodal: HashMap::new(),
            shadow: HashMap::new(),
        }
    }

    /// The pipeline that draws the environment as the background, for a scene pass with
    /// (or without) the normals target and a look's tone mapping, once prepared.
    pub(super) fn get_environment_background(
        &self,
        normals: bool,
        tone_mapping: u8,
    ) -> Option<&wgpu::RenderPipeline> {
        self.environment_background.get(&(normals, tone_mapping))
    }

    /// Makes the environment background pipeline if this is its first use.
    pub(super) fn prepare_environment_background(
        &mut self,
        device: &wgpu::Device,
        layouts: &Layouts,
        normals: bool,
        tone_mapping: u8,
    ) {
        let shader = &self.shader;
        self.environment_background
            .entry((normals, tone_mapping))
            .or_insert_with(|| {
                make_background_pipeline(
                    device,
                    &layouts.environment_background,
                    shader,
                    normals,
                    (
                        "fs_background_environment",
                        &[("TONE_MAPPING", f64::from(tone_mapping))],
                    ),
                )
            });
    }

    /// Makes the shadow pipeline of a draw of `key` if this is its first use (draws that
    /// own no labels cast no shadow).
    pub(super) fn prepare_shadow(
        &mut self,
        device: &wgpu::Device,
        layouts: &Layouts,
        key: PipelineKey,
    ) {
        if key.pass == PassKind::BlendUnlabeled {
            return;
        }
        let shader = &self.shader;
        self.shadow.entry(key.geometry_only()).or_insert_with(|| {
            make_shadow_pipeline(
                device,
                &layouts.shadow_pipeline,
                shader,
                key.geometry_only(),
            )
        });
    }

    /// The shadow pipeline of a draw of `key`, once prepared.
    pub(super) fn get_shadow(&self, key: &PipelineKey) -> Option<&wgpu::RenderPipeline> {
        self.shadow.get(&key.geometry_only())
    }

    /// Makes the pipeline of `key` if this is its first use.
    pub(super) fn prepare(&mut self, device: &wgpu::Device, layouts: &Layouts, key: PipelineKey) {
        let shader = &self.shader;
        self.made
            .entry(key)
            .or_insert_with(|| make_pipeline(device, &layouts.pipeline, shader, key));
    }

    /// The pipeline of `key`, once prepared.
    pub(super) fn get(&self, key: &PipelineKey) -> Option<&wgpu::RenderPipeline> {
        self.made.get(key)
    }

    /// Makes the amodal pipeline of a draw of `key` if this is its first use (draws that
    /// own no labels have none).
    pub(super) fn prepare_amodal(
        &mut self,
        device: &wgpu::Device,
        layouts: &Layouts,
        key: PipelineKey,
    ) {
        if key.pass == PassKind::BlendUnlabeled {
            return;
        }
        let shader = &self.shader;
        let key = key.geometry_only();
        for view in [AmodalView::Exact, AmodalView::Wide] {
            self.amodal.entry((key, view)).or_insert_with(|| {
                make_amodal_pipeline(device, &layouts.amodal_pipeline, shader, key, view)
            });
        }
    }

    /// The amodal pipeline of a draw of `key` in pass `view`, once prepared.
    pub(super) fn get_amodal(
        &self,
        key: &PipelineKey,
        view: AmodalView,
    ) -> Option<&wgpu::RenderPipeline> {
        self.amodal.get(&(key.geometry_only(), view))
    }
}

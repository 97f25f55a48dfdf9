//! Render pipelines and draw modes: how each kind of draw is set up (the bind group
//! layouts they share are in [`super::layouts`]).
//!
//! A pipeline is made the first time a frame needs its [`PipelineKey`] and cached.

use std::collections::HashMap;

use super::layouts::Layouts;
use super::pipeline_build::{
    make_amodal_pipeline, make_background_pipeline, make_pipeline, make_shadow_pipeline,
};
use crate::scene::ToneMapping;

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

/// Which fragment program and target writes a draw uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum PassKind {
    /// Opaque and masked materials: colour, depth and labels.
    Opaque,
    /// A blended material's fragments with alpha ≥ 0.5: blended colour, depth and labels.
    BlendLabeled,
    /// A blended material's other fragments: blended colour only.
    BlendUnlabeled,
}

/// How the draws of one frame reach the GPU. Both modes compute the same values with the
/// same operations, so they produce byte-identical images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrawMode {
    /// One instanced draw per primitive for all instances of the same mesh: fewest
    /// commands, the better choice on GPUs.
    Instanced,
    /// One draw per instance with its data in a uniform: on Mesa's CPU rasterizers the
    /// vertex stage dominates, and per-vertex instance attribute fetches cost more there
    /// than the saved draw calls (measured in `README.md`, "Performance").
    PerObject,
}

impl std::str::FromStr for DrawMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "instanced" => Ok(Self::Instanced),
            "per-object" => Ok(Self::PerObject),
            other => Err(format!(
                "unknown draw mode `{other}`: use instanced or per-object"
            )),
        }
    }
}

impl std::fmt::Display for DrawMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Instanced => "instanced",
            Self::PerObject => "per-object",
        })
    }
}

impl DrawMode {
    /// The faster mode for an adapter: [`DrawMode::PerObject`] on CPU rasterizers,
    /// [`DrawMode::Instanced`] otherwise.
    pub fn for_adapter(info: &wgpu::AdapterInfo) -> Self {
        if info.device_type == wgpu::DeviceType::Cpu {
            Self::PerObject
        } else {
            Self::Instanced
        }
    }
}

/// Which lighting and finishing code a scene pipeline runs: pipeline-overridable
/// constants of the scene shader (`shaders/scene/interface.wgsl`) (`SHADOWS`, `TONE_MAPPING`, `MATERIAL_MAPS`, `LAYERED`,
/// `BOUNCE`, `OBJECT_BOUNCE`, `IBL`), so the shader compiler drops what a frame does not use (a CPU
/// rasterizer would run it masked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(super) struct Look {
    /// Lights sample their shadow maps.
    pub(super) shadows: bool,
    /// 0: none; 1: Khronos PBR Neutral; 2: ACES.
    pub(super) tone_mapping: u8,
    /// Normal and occlusion maps shade.
    pub(super) material_maps: bool,
    /// The energy-conserving layered BRDF shades direct light.
    pub(super) layered: bool,
    /// Directional light bounces off the ground.
    pub(super) bounce: bool,
    /// Directional light bounces off the objects.
    pub(super) object_bounce: bool,
    /// An environment map lights the frame (image-based light in place of the ambient).
    pub(super) ibl: bool,
}

impl Look {
    /// The look of a frame that draws shadow maps when `shadows`.
    pub(super) fn new(
        shadows: bool,
        tone_mapping: ToneMapping,
        material_maps: bool,
        layered: bool,
        (bounce, object_bounce): (bool, bool),
        ibl: bool,
    ) -> Self {
        Self {
            shadows,
            material_maps,
            layered,
            bounce,
            object_bounce,
            ibl,
            tone_mapping: match tone_mapping {
                ToneMapping::None => 0,
                ToneMapping::PbrNeutral => 1,
                ToneMapping::Aces => 2,
            },
        }
    }

    /// The constants of a pipeline with this look, for a material with (or without)
    /// texture transforms.
    pub(super) fn constants(self, uv_transform: bool) -> [(&'static str, f64); 8] {
        [
            ("BOUNCE", f64::from(u8::from(self.bounce))),
            ("OBJECT_BOUNCE", f64::from(u8::from(self.object_bounce))),
            ("LAYERED", f64::from(u8::from(self.layered))),
            ("IBL", f64::from(u8::from(self.ibl))),
            ("SHADOWS", f64::from(u8::from(self.shadows))),
            ("TONE_MAPPING", f64::from(self.tone_mapping)),
            ("MATERIAL_MAPS", f64::from(u8::from(self.material_maps))),
            ("UV_TRANSFORM", f64::from(u8::from(uv_transform))),
        ]
    }
}

/// Everything that selects a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct PipelineKey {
    /// How draws are issued (which vertex entry point and buffers).
    pub(super) mode: DrawMode,
    /// Which fragment program and target writes.
    pub(super) pass: PassKind,
    /// Whether back faces are drawn.
    pub(super) double_sided: bool,
    /// The model transform mirrors (negative determinant), so front faces wind clockwise.
    pub(super) mirrored: bool,
    /// A MASK material: fragments under its alpha cutoff are discarded.
    pub(super) masked: bool,
    /// The scene pass has the normals target (only when normals are read back: a
    /// target costs even unwritten).
    pub(super) normals: bool,
    /// The shading code compiled in.
    pub(super) look: Look,
    /// The material transforms its texture coordinates (KHR_texture_transform).
    pub(super) uv_transform: bool,
}

impl PipelineKey {
    /// The key of a pipeline that draws only geometry (shadow and amodal passes): the
    /// scene's targets and shading play no part.
    fn geometry_only(self) -> Self {
        Self {
            normals: false,
            look: Look::default(),
            ..self
        }
    }
}

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

/// Which amodal pass a pipeline serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum AmodalView {
    /// The image's own view, drawn behind the scene's depth (hidden fragments only).
    Exact,
    /// The wider field, no depth test.
    Wide,
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

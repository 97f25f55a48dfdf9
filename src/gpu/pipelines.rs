//! Render pipelines and draw modes: how each kind of draw is set up (the bind group
//! layouts they share are in [`super::layouts`]).
//!
//! A pipeline is made the first time a frame needs its [`PipelineKey`] and cached.

use std::collections::HashMap;

use super::draws::INSTANCE_STRIDE;
use super::layouts::Layouts;
use super::shadows::SHADOW_FORMAT;
use super::targets::{COLOR_FORMAT, DEPTH_FORMAT, ID_FORMAT, LINEAR_DEPTH_FORMAT, NORMAL_FORMAT};
use crate::assets::Vertex;
use crate::scene::ToneMapping;

const SHADER: &str = include_str!("../../shaders/scene.wgsl");
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
/// constants of `scene.wgsl` (`SHADOWS`, `TONE_MAPPING`, `MATERIAL_MAPS`, `BOUNCE`), so the shader
/// compiler drops what a frame does not use (a CPU rasterizer would run it masked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(super) struct Look {
    /// Lights sample their shadow maps.
    pub(super) shadows: bool,
    /// 0: none; 1: Khronos PBR Neutral; 2: ACES.
    pub(super) tone_mapping: u8,
    /// Normal and occlusion maps shade.
    pub(super) material_maps: bool,
    /// Directional light bounces off the ground.
    pub(super) bounce: bool,
    /// An environment map lights the frame (image-based light in place of the ambient).
    pub(super) ibl: bool,
}

impl Look {
    /// The look of a frame that draws shadow maps when `shadows`.
    pub(super) fn new(
        shadows: bool,
        tone_mapping: ToneMapping,
        material_maps: bool,
        bounce: bool,
        ibl: bool,
    ) -> Self {
        Self {
            shadows,
            material_maps,
            bounce,
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
    fn constants(self, uv_transform: bool) -> [(&'static str, f64); 6] {
        [
            ("BOUNCE", f64::from(u8::from(self.bounce))),
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
            label: Some("scene.wgsl"),
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

/// A full-screen background pass: colour only (labels and linear depth stay clear),
/// never tested against or written to the depth buffer; `fragment` is the entry point
/// and its constants.
fn make_background_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    shader: &wgpu::ShaderModule,
    normals: bool,
    (entry, constants): (&str, &[(&str, f64)]),
) -> wgpu::RenderPipeline {
    let target = |format, write_mask| {
        Some(wgpu::ColorTargetState {
            format,
            blend: None,
            write_mask,
        })
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("background"),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some("vs_background"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: depth_state(false, wgpu::CompareFunction::Always),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: shader,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                ..Default::default()
            },
            targets: &[
                target(COLOR_FORMAT, wgpu::ColorWrites::ALL),
                target(LINEAR_DEPTH_FORMAT, wgpu::ColorWrites::empty()),
                target(ID_FORMAT, wgpu::ColorWrites::empty()),
                target(NORMAL_FORMAT, wgpu::ColorWrites::empty()),
            ][..3 + usize::from(normals)],
        }),
        multiview_mask: None,
        cache: None,
    })
}

fn make_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    shader: &wgpu::ShaderModule,
    key: PipelineKey,
) -> wgpu::RenderPipeline {
    let (entry, blend, label_writes, depth_write) = match key.pass {
        PassKind::Opaque => ("fs_opaque", None, wgpu::ColorWrites::ALL, true),
        PassKind::BlendLabeled => (
            "fs_blend_labeled",
            Some(wgpu::BlendState::ALPHA_BLENDING),
            wgpu::ColorWrites::ALL,
            true,
        ),
        PassKind::BlendUnlabeled => (
            "fs_blend_unlabeled",
            Some(wgpu::BlendState::ALPHA_BLENDING),
            wgpu::ColorWrites::empty(),
            false,
        ),
    };
    let targets = [
        Some(wgpu::ColorTargetState {
            format: COLOR_FORMAT,
            blend,
            write_mask: wgpu::ColorWrites::ALL,
        }),
        Some(wgpu::ColorTargetState {
            format: LINEAR_DEPTH_FORMAT,
            blend: None,
            write_mask: label_writes,
        }),
        Some(wgpu::ColorTargetState {
            format: ID_FORMAT,
            blend: None,
            write_mask: label_writes,
        }),
        Some(wgpu::ColorTargetState {
            format: NORMAL_FORMAT,
            blend: None,
            write_mask: label_writes,
        }),
    ];
    let targets = &targets[..3 + usize::from(key.normals)];
    let vertex = if key.look.material_maps {
        ["vs_instanced_mapped", "vs_per_object_mapped"]
    } else {
        ["vs_instanced", "vs_per_object"]
    };
    let stages = MeshStages {
        vertex,
        fragment: Some(entry),
        constants: &key.look.constants(key.uv_transform),
        depth: depth_state(depth_write, wgpu::CompareFunction::Greater),
        targets,
    };
    make_mesh_pipeline(device, layout, shader, key, stages)
}

/// A draw's shadow pipeline: depth only, with the scene's culling and alpha rules and a
/// slope-scaled depth bias; OPAQUE draws run no fragment stage.
fn make_shadow_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    shader: &wgpu::ShaderModule,
    key: PipelineKey,
) -> wgpu::RenderPipeline {
    let (vertex, fragment) = match key.pass {
        PassKind::Opaque if !key.masked => (
            ["vs_shadow_lean_instanced", "vs_shadow_lean_per_object"],
            None,
        ),
        PassKind::Opaque => (
            ["vs_shadow_instanced", "vs_shadow_per_object"],
            Some("fs_shadow_masked"),
        ),
        PassKind::BlendLabeled | PassKind::BlendUnlabeled => (
            ["vs_shadow_instanced", "vs_shadow_per_object"],
            Some("fs_shadow_blend"),
        ),
    };
    let depth = wgpu::DepthStencilState {
        format: SHADOW_FORMAT,
        depth_write_enabled: Some(true),
        depth_compare: Some(wgpu::CompareFunction::Less),
        stencil: wgpu::StencilState::default(),
        bias: wgpu::DepthBiasState {
            constant: 2,
            slope_scale: 2.0,
            clamp: 0.0,
        },
    };
    let stages = MeshStages {
        vertex,
        fragment,
        constants: &key.look.constants(key.uv_transform),
        depth: Some(depth),
        targets: &[],
    };
    make_mesh_pipeline(device, layout, shader, key, stages)
}

/// The entry points, depth use and colour targets of a pipeline drawing meshes.
struct MeshStages<'a> {
    /// Vertex entry point for instanced and for per-object draws.
    vertex: [&'a str; 2],
    /// Fragment entry point (none: depth only).
    fragment: Option<&'a str>,
    /// Values of the overridable constants, both stages.
    constants: &'a [(&'a str, f64)],
    depth: Option<wgpu::DepthStencilState>,
    targets: &'a [Option<wgpu::ColorTargetState>],
}

/// A pipeline drawing a draw list's meshes: the vertex layout of `key`'s draw mode, its
/// culling and winding, and `stages`.
fn make_mesh_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    shader: &wgpu::ShaderModule,
    key: PipelineKey,
    stages: MeshStages<'_>,
) -> wgpu::RenderPipeline {
    let (vertex_entry, buffer_count) = match key.mode {
        DrawMode::Instanced => (stages.vertex[0], 2),
        DrawMode::PerObject => (stages.vertex[1], 1),
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(stages.fragment.unwrap_or(stages.vertex[0])),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some(vertex_entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: stages.constants,
                ..Default::default()
            },
            buffers: if key.look.material_maps {
                &VERTEX_BUFFERS_MAPPED[..buffer_count]
            } else {
                &VERTEX_BUFFERS[..buffer_count]
            },
        },
        primitive: primitive_state(key),
        depth_stencil: stages.depth,
        multisample: wgpu::MultisampleState::default(),
        fragment: stages.fragment.map(|entry| wgpu::FragmentState {
            module: shader,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: stages.constants,
                ..Default::default()
            },
            targets: stages.targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The vertex's position, normal, two UV sets and colour.
const VERTEX_ATTRIBUTES: [wgpu::VertexAttribute; 5] = wgpu::vertex_attr_array![
    0 => Float32x3, 1 => Float32x3, 2 => Float32x2, 3 => Float32x2, 4 => Float32x4
];
/// The same and the tangent, at 15 after the instance words (16 attributes: every
/// adapter's minimum), for pipelines that shade with material maps.
const VERTEX_ATTRIBUTES_MAPPED: [wgpu::VertexAttribute; 6] = wgpu::vertex_attr_array![
    0 => Float32x3, 1 => Float32x3, 2 => Float32x2, 3 => Float32x2, 4 => Float32x4,
    15 => Float32x4
];
/// InstanceData's ten words, as raw bits.
const INSTANCE_ATTRIBUTES: [wgpu::VertexAttribute; 10] = wgpu::vertex_attr_array![
    5 => Uint32x4, 6 => Uint32x4, 7 => Uint32x4, 8 => Uint32x4, 9 => Uint32x4,
    10 => Uint32x4, 11 => Uint32x4, 12 => Uint32x4, 13 => Uint32x4, 14 => Uint32x4
];
/// Slot 0: the mesh's vertices; slot 1 (instanced draws only): the per-instance data.
const VERTEX_BUFFERS: [Option<wgpu::VertexBufferLayout<'static>>; 2] =
    vertex_buffers(&VERTEX_ATTRIBUTES);
/// [`VERTEX_BUFFERS`] with the tangent.
const VERTEX_BUFFERS_MAPPED: [Option<wgpu::VertexBufferLayout<'static>>; 2] =
    vertex_buffers(&VERTEX_ATTRIBUTES_MAPPED);

const fn vertex_buffers(
    vertex: &'static [wgpu::VertexAttribute],
) -> [Option<wgpu::VertexBufferLayout<'static>>; 2] {
    [
        Some(wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<Vertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: vertex,
        }),
        Some(wgpu::VertexBufferLayout {
            array_stride: INSTANCE_STRIDE,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &INSTANCE_ATTRIBUTES,
        }),
    ]
}

/// The depth buffer's use: written or not, tested with `compare`.
fn depth_state(write: bool, compare: wgpu::CompareFunction) -> Option<wgpu::DepthStencilState> {
    Some(wgpu::DepthStencilState {
        format: DEPTH_FORMAT,
        depth_write_enabled: Some(write),
        depth_compare: Some(compare),
        stencil: wgpu::StencilState::default(),
        bias: wgpu::DepthBiasState::default(),
    })
}

/// Triangles, culled and wound as the draw's material and transform say.
fn primitive_state(key: PipelineKey) -> wgpu::PrimitiveState {
    wgpu::PrimitiveState {
        topology: wgpu::PrimitiveTopology::TriangleList,
        front_face: if key.mirrored {
            wgpu::FrontFace::Cw
        } else {
            wgpu::FrontFace::Ccw
        },
        cull_mode: if key.double_sided {
            None
        } else {
            Some(wgpu::Face::Back)
        },
        ..Default::default()
    }
}

/// A draw's amodal pipeline: the scene pipeline's vertex stage and rasterization, no
/// colour target; the fragment marks the object's bit (`fs_amodal_*` in scene.wgsl).
/// The exact view passes only fragments behind the scene's depth (reversed Z: smaller);
/// the wide view tests nothing.
fn make_amodal_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    shader: &wgpu::ShaderModule,
    key: PipelineKey,
    view: AmodalView,
) -> wgpu::RenderPipeline {
    let (vertex, fragment) = match key.pass {
        PassKind::Opaque if !key.masked => (
            ["vs_amodal_lean_instanced", "vs_amodal_lean_per_object"],
            "fs_amodal_lean",
        ),
        PassKind::Opaque => (
            ["vs_amodal_instanced", "vs_amodal_per_object"],
            "fs_amodal_opaque",
        ),
        PassKind::BlendLabeled | PassKind::BlendUnlabeled => (
            ["vs_amodal_instanced", "vs_amodal_per_object"],
            "fs_amodal_blend",
        ),
    };
    let compare = match view {
        AmodalView::Exact => wgpu::CompareFunction::Less,
        AmodalView::Wide => wgpu::CompareFunction::Always,
    };
    let stages = MeshStages {
        vertex,
        fragment: Some(fragment),
        constants: &key.look.constants(key.uv_transform),
        depth: depth_state(false, compare),
        targets: &[],
    };
    make_mesh_pipeline(device, layout, shader, key, stages)
}

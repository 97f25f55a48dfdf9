//! How each kind of pipeline is built: its shader entry points, vertex layout, culling,
//! depth use and colour targets ([`super::pipelines`] decides which are needed and caches
//! them).

use super::draws::INSTANCE_STRIDE;
use super::pipeline_key::{AmodalView, DrawMode, PassKind, PipelineKey};
use super::shadows::SHADOW_FORMAT;
use super::targets::{COLOR_FORMAT, DEPTH_FORMAT, ID_FORMAT, LINEAR_DEPTH_FORMAT, NORMAL_FORMAT};
use crate::assets::Vertex;

/// A full-screen background pass: colour only (labels and linear depth stay clear),
/// never tested against or written to the depth buffer; `fragment` is the entry point
/// and its constants.
pub(super) fn make_background_pipeline(
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

pub(super) fn make_pipeline(
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
pub(super) fn make_shadow_pipeline(
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
/// colour target; the fragment marks the object's bit (`fs_amodal_*` in `shaders/scene/amodal.wgsl`).
/// The exact view passes only fragments behind the scene's depth (reversed Z: smaller);
/// the wide view tests nothing.
pub(super) fn make_amodal_pipeline(
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

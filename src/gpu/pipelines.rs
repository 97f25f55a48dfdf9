//! Bind group layouts, render pipelines and draw modes: how each kind of draw is set up.
//!
//! A pipeline is made the first time a frame needs its [`PipelineKey`] and cached.

use std::collections::HashMap;

use super::draws::INSTANCE_STRIDE;
use super::targets::{COLOR_FORMAT, DEPTH_FORMAT, ID_FORMAT, LINEAR_DEPTH_FORMAT};
use crate::assets::Vertex;

const SHADER: &str = include_str!("../../shaders/scene.wgsl");

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
}

/// The bind group layouts: 0 the frame (uniform, image pool, its sampler), 1 the instance
/// data (a uniform at a dynamic offset), 2 a material (uniform, three textures and their
/// samplers).
pub(super) struct Layouts {
    /// Group 0.
    pub(super) frame: wgpu::BindGroupLayout,
    /// Group 1.
    pub(super) instance: wgpu::BindGroupLayout,
    /// Group 2.
    pub(super) material: wgpu::BindGroupLayout,
    /// The three together.
    pub(super) pipeline: wgpu::PipelineLayout,
}

impl Layouts {
    pub(super) fn new(device: &wgpu::Device) -> Self {
        let uniform_entry = |binding, dynamic| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: dynamic,
                min_binding_size: None,
            },
            count: None,
        };
        let frame = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &[
                uniform_entry(0, false),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2Array,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let instance = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("instance"),
            entries: &[uniform_entry(0, true)],
        });
        let mut material_entries = vec![uniform_entry(0, false)];
        for k in 0..3u32 {
            material_entries.push(wgpu::BindGroupLayoutEntry {
                binding: 1 + 2 * k,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: true },
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            });
            material_entries.push(wgpu::BindGroupLayoutEntry {
                binding: 2 + 2 * k,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                count: None,
            });
        }
        let material = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("material"),
            entries: &material_entries,
        });
        let pipeline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene"),
            bind_group_layouts: &[Some(&frame), Some(&instance), Some(&material)],
            immediate_size: 0,
        });
        Self {
            frame,
            instance,
            material,
            pipeline,
        }
    }
}

/// The scene shader and every pipeline made from it so far.
pub(super) struct Pipelines {
    shader: wgpu::ShaderModule,
    /// Draws a procedural background over the whole image, colour target only.
    pub(super) background: wgpu::RenderPipeline,
    made: HashMap<PipelineKey, wgpu::RenderPipeline>,
}

impl Pipelines {
    pub(super) fn new(device: &wgpu::Device, layouts: &Layouts) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("scene.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let background = make_background_pipeline(device, &layouts.frame, &shader);
        Self {
            shader,
            background,
            made: HashMap::new(),
        }
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
}

/// The full-screen background pass: colour only (labels and linear depth stay clear),
/// never tested against or written to the depth buffer.
pub(super) fn make_background_pipeline(
    device: &wgpu::Device,
    frame_layout: &wgpu::BindGroupLayout,
    shader: &wgpu::ShaderModule,
) -> wgpu::RenderPipeline {
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("background"),
        bind_group_layouts: &[Some(frame_layout)],
        immediate_size: 0,
    });
    let target = |format, write_mask| {
        Some(wgpu::ColorTargetState {
            format,
            blend: None,
            write_mask,
        })
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("background"),
        layout: Some(&layout),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some("vs_background"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(false),
            depth_compare: Some(wgpu::CompareFunction::Always),
            stencil: wgpu::StencilState::default(),
            bias: wgpu::DepthBiasState::default(),
        }),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: shader,
            entry_point: Some("fs_background"),
            compilation_options: Default::default(),
            targets: &[
                target(COLOR_FORMAT, wgpu::ColorWrites::ALL),
                target(LINEAR_DEPTH_FORMAT, wgpu::ColorWrites::empty()),
                target(ID_FORMAT, wgpu::ColorWrites::empty()),
            ],
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
    let attributes = wgpu::vertex_attr_array![
        0 => Float32x3, 1 => Float32x3, 2 => Float32x2, 3 => Float32x2, 4 => Float32x4
    ];
    // InstanceData's ten words, as raw bits.
    let instance_attributes = wgpu::vertex_attr_array![
        5 => Uint32x4, 6 => Uint32x4, 7 => Uint32x4, 8 => Uint32x4, 9 => Uint32x4,
        10 => Uint32x4, 11 => Uint32x4, 12 => Uint32x4, 13 => Uint32x4, 14 => Uint32x4
    ];
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
    let buffers = [
        Some(wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<Vertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &attributes,
        }),
        Some(wgpu::VertexBufferLayout {
            array_stride: INSTANCE_STRIDE,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &instance_attributes,
        }),
    ];
    let (vertex_entry, buffer_count) = match key.mode {
        DrawMode::Instanced => ("vs_instanced", 2),
        DrawMode::PerObject => ("vs_per_object", 1),
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
    ];
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(entry),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some(vertex_entry),
            compilation_options: Default::default(),
            buffers: &buffers[..buffer_count],
        },
        primitive: wgpu::PrimitiveState {
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
        },
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(depth_write),
            depth_compare: Some(wgpu::CompareFunction::Greater),
            stencil: wgpu::StencilState::default(),
            bias: wgpu::DepthBiasState::default(),
        }),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: shader,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            targets: &targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

//! Environment maps on the GPU: each map's source (with a box-filtered mip chain, for the
//! background and for prefiltering) and its prefiltered specular map (one mip level per
//! roughness step, `shaders/environment.wgsl`), made once when the renderer is created
//! and kept for the whole run. Diffuse light comes from the map's spherical
//! harmonics ([`crate::assets::environment`]), which the frame uniform carries.

use super::context::GpuContext;
use super::layouts::{sampler_entry, texture_entry};
use super::upload::texture_2d;
use crate::assets::environment::{EnvironmentMap, halve};

const SHADER: &str = include_str!("../../shaders/environment.wgsl");
/// Texels of both maps: half floats, filterable everywhere.
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
/// Width of the prefiltered specular map's first level (half as tall).
const SPECULAR_WIDTH: u32 = 256;
/// Roughness steps of the specular map at most (0, 0.2, ..., 1).
const SPECULAR_LEVELS: u32 = 6;
/// Importance samples per texel of a rough level.
const PREFILTER_SAMPLES: u32 = 128;

/// One map ready to shade with.
pub(super) struct PreparedEnvironment {
    /// Group 3 of the scene pipelines: source, specular map, sampler.
    pub(super) bind_group: wgpu::BindGroup,
    /// The specular map's last mip level.
    pub(super) last_level: u32,
    /// The map's irradiance coefficients.
    pub(super) sh: [[f32; 3]; 9],
}

/// Every map of the asset library, prepared, in its order.
pub(super) struct Environments {
    pub(super) prepared: Vec<PreparedEnvironment>,
    /// Bound when a frame has no environment (its pipelines never sample it).
    pub(super) stand_in: wgpu::BindGroup,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    settings: [f32; 4],
    sizes: [f32; 4],
}

/// What prefiltering needs.
struct Prefilter {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
}

impl Environments {
    /// Uploads and prefilters every map (each once: maps the frames share are shared).
    pub(super) fn new(
        ctx: &GpuContext,
        layout: &wgpu::BindGroupLayout,
        maps: &[EnvironmentMap],
    ) -> Self {
        let device = &ctx.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("environment.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let prefilter_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("prefilter"),
            entries: &[
                texture_entry(0, wgpu::TextureViewDimension::D2),
                sampler_entry(1),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("prefilter"),
            bind_group_layouts: &[Some(&prefilter_layout)],
            immediate_size: 0,
        });
        let prefilter = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("prefilter"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_prefilter"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: FORMAT,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        // Longitude wraps, latitude does not.
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("environment"),
            address_mode_u: wgpu::AddressMode::Repeat,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        let black =
            upload(ctx, "environment stand-in", 1, 1, &[[0.0; 3]]).create_view(&Default::default());
        let stand_in = bind_group(device, layout, &black, &black, &sampler);
        let prefilter = Prefilter {
            pipeline: prefilter,
            layout: prefilter_layout,
            sampler,
        };
        Self {
            prepared: maps
                .iter()
                .map(|map| prefilter.run(ctx, layout, map))
                .collect(),
            stand_in,
        }
    }
}

impl Prefilter {
    fn run(
        &self,
        ctx: &GpuContext,
        layout: &wgpu::BindGroupLayout,
        map: &EnvironmentMap,
    ) -> PreparedEnvironment {
        let device = &ctx.device;
        let source = upload(ctx, &map.name, map.width, map.height, &map.rgb);
        let width = SPECULAR_WIDTH.min(map.width).max(2);
        let height = (width / 2).max(1);
        // The smallest level stays at least 4 texels wide.
        let levels = SPECULAR_LEVELS.min(width.ilog2().saturating_sub(1).max(1));
        let specular = device.create_texture(&texture_2d(
            "environment specular",
            (width, height, levels),
            FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT,
        ));
        let source_view = source.create_view(&Default::default());
        let source_levels = source.mip_level_count();
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("prefilter"),
        });
        // Uniforms of every level, kept alive until the submission.
        let mut buffers = Vec::new();
        for level in 0..levels {
            let roughness = if levels > 1 {
                level as f32 / (levels - 1) as f32
            } else {
                0.0
            };
            let (w, h) = ((width >> level).max(1), (height >> level).max(1));
            let params = Params {
                settings: [
                    roughness,
                    PREFILTER_SAMPLES as f32,
                    source_levels as f32,
                    0.0,
                ],
                sizes: [map.width as f32, map.height as f32, w as f32, h as f32],
            };
            let buffer = wgpu::util::DeviceExt::create_buffer_init(
                device,
                &wgpu::util::BufferInitDescriptor {
                    label: Some("prefilter params"),
                    contents: bytemuck::bytes_of(&params),
                    usage: wgpu::BufferUsages::UNIFORM,
                },
            );
            let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("prefilter"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&source_view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::Sampler(&self.sampler),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: buffer.as_entire_binding(),
                    },
                ],
            });
            let target = specular.create_view(&wgpu::TextureViewDescriptor {
                base_mip_level: level,
                mip_level_count: Some(1),
                ..Default::default()
            });
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("prefilter"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.draw(0..3, 0..1);
            drop(pass);
            buffers.push(buffer);
        }
        ctx.queue.submit([encoder.finish()]);
        let specular_view = specular.create_view(&Default::default());
        PreparedEnvironment {
            bind_group: bind_group(device, layout, &source_view, &specular_view, &self.sampler),
            last_level: levels - 1,
            sh: map.sh,
        }
    }
}

fn bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    source: &wgpu::TextureView,
    specular: &wgpu::TextureView,
    sampler: &wgpu::Sampler,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("environment"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 3,
                resource: wgpu::BindingResource::TextureView(source),
            },
            wgpu::BindGroupEntry {
                binding: 4,
                resource: wgpu::BindingResource::TextureView(specular),
            },
            wgpu::BindGroupEntry {
                binding: 5,
                resource: wgpu::BindingResource::Sampler(sampler),
            },
        ],
    })
}

/// A map and its box-filtered mip chain down to one texel, as half floats.
fn upload(
    ctx: &GpuContext,
    label: &str,
    width: u32,
    height: u32,
    rgb: &[[f32; 3]],
) -> wgpu::Texture {
    let mut data: Vec<u16> = Vec::new();
    let mut push = |level: &[[f32; 3]]| {
        for p in level {
            data.extend(p.iter().map(|&c| half::f16::from_f32(c).to_bits()));
            data.push(half::f16::ONE.to_bits());
        }
    };
    push(rgb);
    let (mut w, mut h, mut level) = (width, height, rgb.to_vec());
    let mut levels = 1;
    while w > 1 || h > 1 {
        (w, h, level) = halve(w, h, &level);
        push(&level);
        levels += 1;
    }
    wgpu::util::DeviceExt::create_texture_with_data(
        &ctx.device,
        &ctx.queue,
        &texture_2d(
            label,
            (width, height, levels),
            FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        ),
        wgpu::util::TextureDataOrder::LayerMajor,
        bytemuck::cast_slice(&data),
    )
}

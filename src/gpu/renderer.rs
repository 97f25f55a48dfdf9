//! The frame renderer: assets uploaded once, one pass per frame into colour, linear depth
//! and instance-id targets, read back into [`FrameBuffers`].

use std::collections::HashMap;

use bytemuck::{Pod, Zeroable};
use glam::{DMat3, DMat4, DVec3};
use wgpu::util::DeviceExt;

use super::context::{GpuContext, GpuError};
use crate::assets::{
    AlphaMode, Asset, AssetLibrary, Image, MipFilter, Sampling, TextureRef, Vertex, Wrap,
};
use crate::geometry::srgb_to_linear;
use crate::scene::{FrameScene, LightSample};
use crate::spec::material::{MaterialSample, PatternKind, TextureSample};

const SHADER: &str = include_str!("../../shaders/scene.wgsl");
const MAX_LIGHTS: usize = crate::spec::MAX_LIGHTS;
const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// Linear depth travels as f32 bits in an integer target: R32Float is not renderable on
/// every GL implementation, R32Uint is.
const LINEAR_DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;
const ID_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;
const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Frames that can be in flight at once (see [`Renderer::submit`]).
pub const READBACK_RING: usize = 2;
/// Every target is 4 bytes a pixel, so all share one padded row pitch.
const BYTES_PER_PIXEL: u32 = 4;

/// One frame read back from the GPU.
#[derive(Debug, Clone, Default)]
pub struct FrameBuffers {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// sRGB colour, 8-bit RGB, row-major.
    pub rgb: Vec<u8>,
    /// Depth along the optical axis in metres, 0 where no surface is.
    pub depth: Vec<f32>,
    /// Instance id per pixel, 0 for background and unlabeled objects.
    pub instance: Vec<u32>,
}

/// A frame submitted by [`Renderer::submit`], to be read back by [`Renderer::finish`].
pub struct PendingFrame {
    slot: usize,
    submission: wgpu::SubmissionIndex,
    mapped: std::sync::mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    record_submit: f64,
}

/// Where the time of one [`Renderer::render_timed`] call went, in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderTimings {
    /// Building the draw list, uniform uploads, recording and submitting.
    pub record_submit: f64,
    /// Waiting for the GPU and copying the mapped readback into [`FrameBuffers`].
    pub wait_readback: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct LightUniform {
    /// x: 0 directional, 1 point, 2 spot; y, z: cosines of a spot's inner and outer cone.
    kind: [f32; 4],
    /// Directional: unit direction of travel. Point and spot: world position.
    vector: [f32; 4],
    /// Linear RGB colour × intensity.
    radiance: [f32; 4],
    /// Spot: unit direction of the cone's axis.
    axis: [f32; 4],
}

/// A texture's two vec3 parameters: its colours (linear) for a pattern; for a pool
/// image, (offset u, offset v, layer) and unused.
fn pattern_colors(t: &TextureSample) -> ([f64; 3], [f64; 3]) {
    match (t.pattern, t.offset) {
        (PatternKind::Image, Some([u, v])) => ([u, v, f64::from(t.layer)], [1.0; 3]),
        _ => (
            t.colors[0].map(srgb_to_linear),
            t.colors[1].map(srgb_to_linear),
        ),
    }
}

fn vec4(v: [f64; 3], w: f32) -> [f32; 4] {
    DVec3::from_array(v).as_vec3().extend(w).to_array()
}

/// A light's uniform, its radiance scaled by the exposure.
fn light_uniform(light: &LightSample, exposure: f64) -> LightUniform {
    let radiance = |r: [f64; 3]| vec4(r.map(|c| c * exposure), 0.0);
    match *light {
        LightSample::Directional {
            direction,
            radiance_linear,
        } => LightUniform {
            kind: [0.0; 4],
            vector: vec4(direction, 0.0),
            radiance: radiance(radiance_linear),
            axis: [0.0; 4],
        },
        LightSample::Point {
            position,
            radiance_linear,
        } => LightUniform {
            kind: [1.0, 0.0, 0.0, 0.0],
            vector: vec4(position, 1.0),
            radiance: radiance(radiance_linear),
            axis: [0.0; 4],
        },
        LightSample::Spot {
            position,
            direction,
            inner_cone_deg,
            outer_cone_deg,
            radiance_linear,
        } => LightUniform {
            kind: [
                2.0,
                libm::cos(inner_cone_deg.to_radians()) as f32,
                libm::cos(outer_cone_deg.to_radians()) as f32,
                0.0,
            ],
            vector: vec4(position, 1.0),
            radiance: radiance(radiance_linear),
            axis: vec4(direction, 0.0),
        },
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct FrameUniform {
    projection: [[f32; 4]; 4],
    view_to_world: [[f32; 4]; 4],
    camera_position: [f32; 4],
    ambient: [f32; 4],
    /// x: lights; y: background pattern (0: none); z, w: image width and height.
    counts: [u32; 4],
    /// Background pattern colour A (linear), scale.
    background_a: [f32; 4],
    /// Background pattern colour B (linear), angle (radians).
    background_b: [f32; 4],
    /// x: 1 when some texture this frame samples the image pool.
    flags: [u32; 4],
    lights: [LightUniform; MAX_LIGHTS],
}

/// Per-instance data of one (object, mesh node) pair. The instance buffer holds one per
/// [`INSTANCE_STRIDE`] bytes; [`DrawMode::Instanced`] reads them as instanced vertex
/// attributes, [`DrawMode::PerObject`] as a uniform at a dynamic offset.
///
/// Ten vec4 words of 32-bit values (floats as their bits), so the instanced path stays
/// within 16 vertex attributes; `shaders/scene.wgsl` (`unpack`) reads the same layout:
/// - 0-2: rows 0-2 of the affine model → camera matrix;
/// - 3-5.x: the model's normal matrix (inverse-transpose of its 3×3 part, model → world)
///   as columns; 5.y: instance id; 5.z: procedural pattern (0: none);
/// - 6: material colour override (linear RGB; x < 0: none), roughness override (< 0: none);
/// - 7: HSV shift (hue degrees, saturation and value multipliers), metallic override;
/// - 8: pattern colour A (linear RGB), scale; 9: pattern colour B, angle (radians).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct InstanceData {
    words: [[u32; 4]; 10],
}

impl InstanceData {
    fn new(
        model_view: DMat4,
        normal: DMat3,
        instance_id: u16,
        material: Option<&MaterialSample>,
    ) -> Self {
        let f = |v: f64| (v as f32).to_bits();
        let mv = model_view.transpose().to_cols_array_2d(); // rows
        let n = normal.to_cols_array(); // column-major 9 values
        let none = -1.0;
        let linear = |c: [f64; 3]| c.map(srgb_to_linear);
        let plain = MaterialSample::default();
        let m = material.unwrap_or(&plain);
        let color = m.color.map_or([none; 3], linear);
        let hsv = m.hsv_jitter.unwrap_or([0.0, 1.0, 1.0]);
        let (pattern, a, b, scale, angle) = match &m.texture {
            Some(t) => {
                let (a, b) = pattern_colors(t);
                (t.pattern as u32, a, b, t.scale, t.angle_deg.to_radians())
            }
            None => (0, [0.0; 3], [0.0; 3], 1.0, 0.0),
        };
        Self {
            words: [
                mv[0].map(f),
                mv[1].map(f),
                mv[2].map(f),
                [f(n[0]), f(n[1]), f(n[2]), f(n[3])],
                [f(n[4]), f(n[5]), f(n[6]), f(n[7])],
                [f(n[8]), u32::from(instance_id), pattern, 0],
                [
                    f(color[0]),
                    f(color[1]),
                    f(color[2]),
                    f(m.roughness.unwrap_or(none)),
                ],
                [
                    f(hsv[0]),
                    f(hsv[1]),
                    f(hsv[2]),
                    f(m.metallic.unwrap_or(none)),
                ],
                [f(a[0]), f(a[1]), f(a[2]), f(scale)],
                [f(b[0]), f(b[1]), f(b[2]), f(angle)],
            ],
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct MaterialUniform {
    base_color: [f32; 4],
    emissive: [f32; 4],
    params: [f32; 4],
    tex_coords: [u32; 4],
}

/// Which fragment program and target writes a draw uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PassKind {
    Opaque,
    BlendLabeled,
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

/// Bytes between consecutive [`InstanceData`] in the instance buffer: a multiple of every
/// adapter's uniform offset alignment (at most 256), so each is a valid dynamic offset.
const INSTANCE_STRIDE: u64 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PipelineKey {
    mode: DrawMode,
    pass: PassKind,
    double_sided: bool,
    /// The model transform mirrors (negative determinant), so front faces wind clockwise.
    mirrored: bool,
}

struct GpuPrimitive {
    vertices: wgpu::Buffer,
    indices: wgpu::Buffer,
    index_count: u32,
    material: usize,
}

struct GpuMaterial {
    bind_group: wgpu::BindGroup,
    alpha_mode: AlphaMode,
    double_sided: bool,
}

struct GpuAsset {
    meshes: Vec<Vec<GpuPrimitive>>,
    materials: Vec<GpuMaterial>,
    /// (mesh index, node→asset transform) pairs to draw.
    draws: Vec<(usize, DMat4)>,
}

/// One draw call: a primitive drawn for `instance_count` consecutive entries of the
/// `draws` storage array.
#[derive(Clone, Copy)]
struct DrawItem {
    first_instance: u32,
    instance_count: u32,
    asset: usize,
    mesh: usize,
    prim: usize,
    key: PipelineKey,
    /// Camera-space depth of the instance's origin (blended draws are sorted by it).
    depth: f64,
}

/// One (object, mesh node) pair of a frame, before batching.
struct MeshInstance {
    asset: usize,
    /// Index into the asset's node draws.
    node: usize,
    mirrored: bool,
    depth: f64,
    uniform: InstanceData,
}

struct Targets {
    color: wgpu::Texture,
    linear_depth: wgpu::Texture,
    ids: wgpu::Texture,
    depth: wgpu::TextureView,
    views: [wgpu::TextureView; 3],
}

/// Renders [`FrameScene`]s of one asset library at one resolution.
pub struct Renderer {
    ctx: GpuContext,
    width: u32,
    height: u32,
    padded_row: u32,
    targets: Targets,
    /// Readback buffers used in turn, so one frame can render while another is read.
    readbacks: Vec<wgpu::Buffer>,
    in_flight: Vec<bool>,
    next_readback: usize,
    frame_buffer: wgpu::Buffer,
    frame_bind_group: wgpu::BindGroup,
    draw_mode: DrawMode,
    instance_layout: wgpu::BindGroupLayout,
    /// The frame's [`InstanceData`], [`INSTANCE_STRIDE`] apart.
    instance_buffer: wgpu::Buffer,
    instance_bind_group: wgpu::BindGroup,
    /// How many [`InstanceData`]s `instance_buffer` holds.
    instance_capacity: usize,
    pipeline_layout: wgpu::PipelineLayout,
    /// Draws a procedural background over the whole image, colour target only.
    background_pipeline: wgpu::RenderPipeline,
    shader: wgpu::ShaderModule,
    pipelines: HashMap<PipelineKey, wgpu::RenderPipeline>,
    assets: Vec<GpuAsset>,
    /// The frame's instances, reused between frames.
    instances: Vec<MeshInstance>,
    /// The frame's draw calls, reused between frames.
    items: Vec<DrawItem>,
    /// Staging for the `draws` upload, reused between frames.
    draw_data: Vec<u8>,
}

/// Clip-space projection for a pinhole camera in the OpenCV frame with reversed-Z depth
/// (1 at `near`, 0 at `far`) for precision.
pub fn projection(
    (fx, fy, cx, cy): (f64, f64, f64, f64),
    width: u32,
    height: u32,
    near: f64,
    far: f64,
) -> DMat4 {
    let (w, h) = (f64::from(width), f64::from(height));
    let a = -near / (far - near);
    let b = near * far / (far - near);
    DMat4::from_cols_array_2d(&[
        [2.0 * fx / w, 0.0, 2.0 * cx / w - 1.0, 0.0],
        [0.0, -2.0 * fy / h, 1.0 - 2.0 * cy / h, 0.0],
        [0.0, 0.0, a, b],
        [0.0, 0.0, 1.0, 0.0],
    ])
    .transpose()
}

impl Renderer {
    /// Uploads every asset once and prepares targets of `width`×`height`.
    pub fn new(
        ctx: GpuContext,
        library: &AssetLibrary,
        width: u32,
        height: u32,
    ) -> Result<Self, GpuError> {
        let limit = ctx.device.limits().max_texture_dimension_2d;
        if width > limit || height > limit {
            return Err(GpuError::TooLarge {
                width,
                height,
                limit,
                adapter: ctx.summary.to_string(),
            });
        }
        let device = &ctx.device;
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("scene.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });

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
        let frame_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
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
        let instance_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
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
        let material_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("material"),
            entries: &material_entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene"),
            bind_group_layouts: &[
                Some(&frame_layout),
                Some(&instance_layout),
                Some(&material_layout),
            ],
            immediate_size: 0,
        });

        let background_pipeline = make_background_pipeline(device, &frame_layout, &shader);

        let frame_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("frame uniform"),
            size: std::mem::size_of::<FrameUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let pool_view = upload_pool(&ctx, &library.pool);
        let pool_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("image pool"),
            address_mode_u: wgpu::AddressMode::Repeat,
            address_mode_v: wgpu::AddressMode::Repeat,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        let frame_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout: &frame_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&pool_view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::Sampler(&pool_sampler),
                },
            ],
        });

        let (instance_buffer, instance_bind_group) =
            instance_resources(device, &instance_layout, 64);
        let draw_mode = DrawMode::for_adapter(&ctx.adapter.get_info());

        let targets = make_targets(device, width, height);
        let padded_row = (width * BYTES_PER_PIXEL).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let readbacks = (0..READBACK_RING)
            .map(|_| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: u64::from(padded_row) * u64::from(height) * 3,
                    usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                    mapped_at_creation: false,
                })
            })
            .collect();

        let mut uploader = Uploader::new(&ctx, &material_layout);
        let assets = library.assets.iter().map(|a| uploader.asset(a)).collect();
        ctx.check_errors()?;

        Ok(Self {
            width,
            height,
            padded_row,
            targets,
            readbacks,
            in_flight: vec![false; READBACK_RING],
            next_readback: 0,
            frame_buffer,
            frame_bind_group,
            draw_mode,
            instance_layout,
            instance_buffer,
            instance_bind_group,
            instance_capacity: 64,
            pipeline_layout,
            background_pipeline,
            shader,
            pipelines: HashMap::new(),
            assets,
            instances: Vec::new(),
            items: Vec::new(),
            draw_data: Vec::new(),
            ctx,
        })
    }

    /// The GPU context (adapter facts, device).
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Draw calls the last submitted frame issued.
    pub fn last_draw_calls(&self) -> usize {
        match self.draw_mode {
            DrawMode::Instanced => self.items.len(),
            DrawMode::PerObject => self.items.iter().map(|i| i.instance_count as usize).sum(),
        }
    }

    /// How draws are issued: by default [`DrawMode::for_adapter`].
    pub fn draw_mode(&self) -> DrawMode {
        self.draw_mode
    }

    /// Issues draws in `mode` from the next frame on (images do not change).
    pub fn set_draw_mode(&mut self, mode: DrawMode) {
        self.draw_mode = mode;
    }

    fn pipeline(&mut self, key: PipelineKey) -> &wgpu::RenderPipeline {
        let (device, layout, shader) = (&self.ctx.device, &self.pipeline_layout, &self.shader);
        self.pipelines
            .entry(key)
            .or_insert_with(|| make_pipeline(device, layout, shader, key))
    }

    /// Renders one frame and reads its buffers back.
    pub fn render(&mut self, scene: &FrameScene) -> Result<FrameBuffers, GpuError> {
        self.render_timed(scene).map(|(buffers, _)| buffers)
    }

    /// [`Renderer::render`], also reporting how long recording and waiting took.
    pub fn render_timed(
        &mut self,
        scene: &FrameScene,
    ) -> Result<(FrameBuffers, RenderTimings), GpuError> {
        let pending = self.submit(scene)?;
        self.finish(pending)
    }

    /// Records and submits a frame without waiting for it; [`Renderer::finish`] reads it
    /// back. Up to [`READBACK_RING`] frames may be in flight: the next frame renders
    /// while the previous one is read back.
    pub fn submit(&mut self, scene: &FrameScene) -> Result<PendingFrame, GpuError> {
        let slot = self.next_readback;
        if self.in_flight[slot] {
            return Err(GpuError::Readback(format!(
                "more than {READBACK_RING} frames in flight"
            )));
        }
        let started = std::time::Instant::now();
        let cam = &scene.camera;
        let view = cam.world_to_camera();
        let proj = projection(cam.intrinsics(), self.width, self.height, cam.near, cam.far);
        self.write_frame_uniform(scene, view, proj);

        self.collect_instances(scene, view);
        self.batch_draws();
        self.upload_draws();
        for i in 0..self.items.len() {
            self.pipeline(self.items[i].key);
        }

        let device = &self.ctx.device;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("frame"),
        });
        {
            let bg = scene.background_srgb.map(srgb_to_linear);
            let clear = |c: wgpu::Color, view| {
                Some(wgpu::RenderPassColorAttachment {
                    view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(c),
                        store: wgpu::StoreOp::Store,
                    },
                })
            };
            let [color_view, depth_view, id_view] = &self.targets.views;
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("scene"),
                color_attachments: &[
                    clear(
                        wgpu::Color {
                            r: bg[0],
                            g: bg[1],
                            b: bg[2],
                            a: 1.0,
                        },
                        color_view,
                    ),
                    clear(wgpu::Color::TRANSPARENT, depth_view),
                    clear(wgpu::Color::TRANSPARENT, id_view),
                ],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.targets.depth,
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(0.0),
                        store: wgpu::StoreOp::Discard,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &self.frame_bind_group, &[]);
            if scene.background_texture.is_some() {
                pass.set_pipeline(&self.background_pipeline);
                pass.draw(0..3, 0..1);
            }
            pass.set_bind_group(1, &self.instance_bind_group, &[0]);
            if self.draw_mode == DrawMode::Instanced {
                pass.set_vertex_buffer(1, self.instance_buffer.slice(..));
            }
            for item in &self.items {
                let Some(pipeline) = self.pipelines.get(&item.key) else {
                    continue;
                };
                let asset = &self.assets[item.asset];
                let prim = &asset.meshes[item.mesh][item.prim];
                pass.set_pipeline(pipeline);
                pass.set_bind_group(2, &asset.materials[prim.material].bind_group, &[]);
                pass.set_vertex_buffer(0, prim.vertices.slice(..));
                pass.set_index_buffer(prim.indices.slice(..), wgpu::IndexFormat::Uint32);
                let first = item.first_instance;
                match self.draw_mode {
                    DrawMode::Instanced => pass.draw_indexed(
                        0..prim.index_count,
                        0,
                        first..first + item.instance_count,
                    ),
                    DrawMode::PerObject => {
                        for instance in first..first + item.instance_count {
                            let offset = u64::from(instance) * INSTANCE_STRIDE;
                            // Offsets stay below the buffer size, far below u32::MAX.
                            pass.set_bind_group(1, &self.instance_bind_group, &[offset as u32]);
                            pass.draw_indexed(0..prim.index_count, 0, 0..1);
                        }
                    }
                }
            }
        }
        let plane = u64::from(self.padded_row) * u64::from(self.height);
        for (i, texture) in [
            &self.targets.color,
            &self.targets.linear_depth,
            &self.targets.ids,
        ]
        .into_iter()
        .enumerate()
        {
            encoder.copy_texture_to_buffer(
                wgpu::TexelCopyTextureInfo {
                    texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::TexelCopyBufferInfo {
                    buffer: &self.readbacks[slot],
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: plane * i as u64,
                        bytes_per_row: Some(self.padded_row),
                        rows_per_image: Some(self.height),
                    },
                },
                wgpu::Extent3d {
                    width: self.width,
                    height: self.height,
                    depth_or_array_layers: 1,
                },
            );
        }
        let submission = self.ctx.queue.submit([encoder.finish()]);
        self.ctx.check_errors()?;
        let (tx, mapped) = std::sync::mpsc::channel();
        self.readbacks[slot]
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.in_flight[slot] = true;
        self.next_readback = (slot + 1) % READBACK_RING;
        Ok(PendingFrame {
            slot,
            submission,
            mapped,
            record_submit: started.elapsed().as_secs_f64(),
        })
    }

    /// Waits for a submitted frame and reads its buffers back.
    pub fn finish(
        &mut self,
        pending: PendingFrame,
    ) -> Result<(FrameBuffers, RenderTimings), GpuError> {
        let mut out = FrameBuffers::default();
        let timings = self.finish_into(pending, &mut out)?;
        Ok((out, timings))
    }

    /// [`Renderer::finish`] into `out`, reusing its allocations (a frame loop hands
    /// written frames' buffers back so nothing is allocated per frame).
    pub fn finish_into(
        &mut self,
        pending: PendingFrame,
        out: &mut FrameBuffers,
    ) -> Result<RenderTimings, GpuError> {
        let started = std::time::Instant::now();
        let read = self.read_back(&pending, out);
        self.in_flight[pending.slot] = false;
        read?;
        self.ctx.check_errors()?;
        Ok(RenderTimings {
            record_submit: pending.record_submit,
            wait_readback: started.elapsed().as_secs_f64(),
        })
    }

    fn write_frame_uniform(&self, scene: &FrameScene, view: DMat4, proj: DMat4) {
        let background = scene.background_texture.as_ref();
        let mut lights = [LightUniform::zeroed(); MAX_LIGHTS];
        let exposure = scene.exposure_scale();
        for (slot, light) in lights.iter_mut().zip(&scene.lights) {
            *slot = light_uniform(light, exposure);
        }
        let uniform = FrameUniform {
            projection: proj.as_mat4().to_cols_array_2d(),
            view_to_world: view.inverse().as_mat4().to_cols_array_2d(),
            camera_position: DVec3::from_array(scene.camera.position)
                .as_vec3()
                .extend(1.0)
                .to_array(),
            ambient: (DVec3::from_array(scene.ambient_linear) * exposure)
                .as_vec3()
                .extend(0.0)
                .to_array(),
            counts: [
                scene.lights.len().min(MAX_LIGHTS) as u32,
                background.map_or(0, |t| t.pattern as u32),
                self.width,
                self.height,
            ],
            background_a: background
                .map_or([0.0; 4], |t| vec4(pattern_colors(t).0, t.scale as f32)),
            background_b: background.map_or([0.0; 4], |t| {
                vec4(pattern_colors(t).1, t.angle_deg.to_radians() as f32)
            }),
            flags: [u32::from(uses_pool(scene)), 0, 0, 0],
            lights,
        };
        self.ctx
            .queue
            .write_buffer(&self.frame_buffer, 0, bytemuck::bytes_of(&uniform));
    }

    /// One [`MeshInstance`] per (object, mesh node) of `scene`, grouped so that instances
    /// of the same mesh with the same winding are adjacent (a stable sort: within a group
    /// they keep placement order).
    fn collect_instances(&mut self, scene: &FrameScene, view: DMat4) {
        self.instances.clear();
        for obj in &scene.objects {
            let world = obj.world_matrix();
            for (node, &(_, transform)) in self.assets[obj.asset_index].draws.iter().enumerate() {
                let model = world * transform;
                let model_view = view * model;
                let m3 = DMat3::from_mat4(model);
                self.instances.push(MeshInstance {
                    asset: obj.asset_index,
                    node,
                    mirrored: m3.determinant() < 0.0,
                    depth: model_view.transform_point3(DVec3::ZERO).z,
                    uniform: InstanceData::new(
                        model_view,
                        m3.inverse().transpose(),
                        obj.instance_id,
                        obj.material.as_ref(),
                    ),
                });
            }
        }
        self.instances
            .sort_by_key(|i| (i.asset, i.node, i.mirrored));
    }

    /// The frame's draw calls from [`Renderer::collect_instances`]: each opaque or masked
    /// primitive once per group of identical meshes, instanced over the group; blended
    /// primitives one instance at a time, back to front, each drawing its labeled
    /// (alpha >= 0.5) then its unlabeled fragments.
    fn batch_draws(&mut self) {
        let mode = self.draw_mode;
        self.items.clear();
        let mut blended = Vec::new();
        let mut start = 0;
        while start < self.instances.len() {
            let first = &self.instances[start];
            let group = (first.asset, first.node, first.mirrored);
            let count = self.instances[start..]
                .iter()
                .take_while(|i| (i.asset, i.node, i.mirrored) == group)
                .count();
            let asset = &self.assets[first.asset];
            let mesh = asset.draws[first.node].0;
            for (prim, primitive) in asset.meshes[mesh].iter().enumerate() {
                let material = &asset.materials[primitive.material];
                let item = |pass, first_instance, instance_count, depth| DrawItem {
                    first_instance,
                    instance_count,
                    asset: first.asset,
                    mesh,
                    prim,
                    key: PipelineKey {
                        mode,
                        pass,
                        double_sided: material.double_sided,
                        mirrored: first.mirrored,
                    },
                    depth,
                };
                if material.alpha_mode == AlphaMode::Blend {
                    for (k, instance) in self.instances[start..start + count].iter().enumerate() {
                        let slot = (start + k) as u32;
                        blended.push(item(PassKind::BlendLabeled, slot, 1, instance.depth));
                    }
                } else {
                    self.items
                        .push(item(PassKind::Opaque, start as u32, count as u32, 0.0));
                }
            }
            start += count;
        }
        // Stable, so ties keep the grouped order.
        blended.sort_by(|a, b| b.depth.total_cmp(&a.depth));
        for labeled in blended {
            self.items.push(labeled);
            self.items.push(DrawItem {
                key: PipelineKey {
                    pass: PassKind::BlendUnlabeled,
                    ..labeled.key
                },
                ..labeled
            });
        }
    }

    /// Uploads the instances' [`InstanceData`]s, growing the storage buffer if needed.
    fn upload_draws(&mut self) {
        if self.instances.len() > self.instance_capacity {
            let capacity = self.instances.len().next_power_of_two();
            (self.instance_buffer, self.instance_bind_group) =
                instance_resources(&self.ctx.device, &self.instance_layout, capacity);
            self.instance_capacity = capacity;
        }
        let stride = INSTANCE_STRIDE as usize;
        self.draw_data.clear();
        self.draw_data.resize(self.instances.len() * stride, 0);
        for (chunk, instance) in self.draw_data.chunks_exact_mut(stride).zip(&self.instances) {
            let bytes = bytemuck::bytes_of(&instance.uniform);
            chunk[..bytes.len()].copy_from_slice(bytes);
        }
        if !self.draw_data.is_empty() {
            self.ctx
                .queue
                .write_buffer(&self.instance_buffer, 0, &self.draw_data);
        }
    }

    fn read_back(&self, pending: &PendingFrame, out: &mut FrameBuffers) -> Result<(), GpuError> {
        let buffer = &self.readbacks[pending.slot];
        self.ctx
            .device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(pending.submission.clone()),
                timeout: None,
            })
            .map_err(|e| GpuError::Poll(e.to_string()))?;
        pending
            .mapped
            .recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let (w, h) = (self.width as usize, self.height as usize);
        let row = self.padded_row as usize;
        let plane = row * h;
        out.width = self.width;
        out.height = self.height;
        out.rgb.clear();
        out.depth.clear();
        out.instance.clear();
        out.rgb.reserve(w * h * 3);
        out.depth.reserve(w * h);
        out.instance.reserve(w * h);
        {
            let data = buffer
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            for y in 0..h {
                let color = &data[y * row..y * row + w * 4];
                out.rgb
                    .extend(color.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]));
                let depth = &data[plane + y * row..plane + y * row + w * 4];
                out.depth.extend(
                    depth
                        .chunks_exact(4)
                        .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                );
                let ids = &data[2 * plane + y * row..2 * plane + y * row + w * 4];
                out.instance.extend(
                    ids.chunks_exact(4)
                        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                );
            }
        }
        buffer.unmap();
        Ok(())
    }
}

fn instance_resources(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    capacity: usize,
) -> (wgpu::Buffer, wgpu::BindGroup) {
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("instances"),
        size: capacity as u64 * INSTANCE_STRIDE,
        usage: wgpu::BufferUsages::VERTEX
            | wgpu::BufferUsages::UNIFORM
            | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("instance"),
        layout,
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &buffer,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<InstanceData>() as u64),
            }),
        }],
    });
    (buffer, bind_group)
}

fn make_targets(device: &wgpu::Device, width: u32, height: u32) -> Targets {
    let size = wgpu::Extent3d {
        width,
        height,
        depth_or_array_layers: 1,
    };
    let texture = |label, format, copy: bool| {
        let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
        if copy {
            usage |= wgpu::TextureUsages::COPY_SRC;
        }
        device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage,
            view_formats: &[],
        })
    };
    let color = texture("color", COLOR_FORMAT, true);
    let linear_depth = texture("linear depth", LINEAR_DEPTH_FORMAT, true);
    let ids = texture("instance ids", ID_FORMAT, true);
    let depth = texture("depth buffer", DEPTH_FORMAT, false).create_view(&Default::default());
    let views = [&color, &linear_depth, &ids].map(|t| t.create_view(&Default::default()));
    Targets {
        color,
        linear_depth,
        ids,
        depth,
        views,
    }
}

/// The full-screen background pass: colour only (labels and linear depth stay clear),
/// never tested against or written to the depth buffer.
fn make_background_pipeline(
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

/// Uploads assets: each image once, each sampler once, one bind group per material.
struct Uploader<'a> {
    ctx: &'a GpuContext,
    material_layout: &'a wgpu::BindGroupLayout,
    samplers: HashMap<Sampling, wgpu::Sampler>,
    white: wgpu::TextureView,
}

impl<'a> Uploader<'a> {
    fn new(ctx: &'a GpuContext, material_layout: &'a wgpu::BindGroupLayout) -> Self {
        let white = upload_image(
            ctx,
            1,
            1,
            &[255; 4],
            wgpu::TextureFormat::Rgba8Unorm,
            "white",
        );
        Self {
            ctx,
            material_layout,
            samplers: HashMap::new(),
            white,
        }
    }

    fn sampler(&mut self, s: Sampling) -> wgpu::Sampler {
        let device = &self.ctx.device;
        self.samplers
            .entry(s)
            .or_insert_with(|| {
                let address = |w| match w {
                    Wrap::Repeat => wgpu::AddressMode::Repeat,
                    Wrap::Mirror => wgpu::AddressMode::MirrorRepeat,
                    Wrap::Clamp => wgpu::AddressMode::ClampToEdge,
                };
                let filter = |linear| {
                    if linear {
                        wgpu::FilterMode::Linear
                    } else {
                        wgpu::FilterMode::Nearest
                    }
                };
                device.create_sampler(&wgpu::SamplerDescriptor {
                    label: Some("material sampler"),
                    address_mode_u: address(s.wrap_u),
                    address_mode_v: address(s.wrap_v),
                    mag_filter: filter(s.mag_linear),
                    min_filter: filter(s.min_linear),
                    mipmap_filter: match s.mipmaps {
                        MipFilter::Linear => wgpu::MipmapFilterMode::Linear,
                        _ => wgpu::MipmapFilterMode::Nearest,
                    },
                    lod_max_clamp: if s.mipmaps == MipFilter::None {
                        0.0
                    } else {
                        32.0
                    },
                    ..Default::default()
                })
            })
            .clone()
    }

    fn asset(&mut self, asset: &Asset) -> GpuAsset {
        let device = &self.ctx.device;
        // Each image is uploaded once per colour space it is used in (sRGB for base colour
        // and emissive, linear for metallic-roughness).
        let mut views: HashMap<(usize, bool), wgpu::TextureView> = HashMap::new();
        let mut materials = Vec::with_capacity(asset.materials.len());
        for (mi, m) in asset.materials.iter().enumerate() {
            let mut bind =
                |r: Option<TextureRef>, srgb: bool| -> (wgpu::TextureView, wgpu::Sampler) {
                    match r.and_then(|r| asset.textures.get(r.texture)) {
                        Some(t) if t.image < asset.images.len() => {
                            let img = &asset.images[t.image];
                            let view = views
                                .entry((t.image, srgb))
                                .or_insert_with(|| {
                                    let format = if srgb {
                                        wgpu::TextureFormat::Rgba8UnormSrgb
                                    } else {
                                        wgpu::TextureFormat::Rgba8Unorm
                                    };
                                    upload_image(
                                        self.ctx,
                                        img.width,
                                        img.height,
                                        &img.rgba,
                                        format,
                                        "material image",
                                    )
                                })
                                .clone();
                            (view, self.sampler(t.sampling))
                        }
                        _ => (
                            self.white.clone(),
                            self.sampler(Sampling {
                                wrap_u: Wrap::Repeat,
                                wrap_v: Wrap::Repeat,
                                mag_linear: true,
                                min_linear: true,
                                mipmaps: MipFilter::None,
                            }),
                        ),
                    }
                };
            let (base_view, base_sampler) = bind(m.base_color_texture, true);
            let (mr_view, mr_sampler) = bind(m.metallic_roughness_texture, false);
            let (em_view, em_sampler) = bind(m.emissive_texture, true);
            let tex = |r: Option<TextureRef>| r.map_or(0, |r| r.tex_coord);
            let cutoff = match m.alpha_mode {
                AlphaMode::Mask(c) => c,
                _ => 0.0,
            };
            let uniform = MaterialUniform {
                base_color: m.base_color,
                emissive: [m.emissive[0], m.emissive[1], m.emissive[2], 0.0],
                params: [m.metallic, m.roughness, cutoff, 0.0],
                tex_coords: [
                    tex(m.base_color_texture),
                    tex(m.metallic_roughness_texture),
                    tex(m.emissive_texture),
                    0,
                ],
            };
            let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("material uniform"),
                contents: bytemuck::bytes_of(&uniform),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&format!("{} material {mi}", asset.name)),
                layout: self.material_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: buffer.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::TextureView(&base_view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::Sampler(&base_sampler),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::TextureView(&mr_view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: wgpu::BindingResource::Sampler(&mr_sampler),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: wgpu::BindingResource::TextureView(&em_view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: wgpu::BindingResource::Sampler(&em_sampler),
                    },
                ],
            });
            materials.push(GpuMaterial {
                bind_group,
                alpha_mode: m.alpha_mode,
                double_sided: m.double_sided,
            });
        }
        let meshes = asset
            .meshes
            .iter()
            .map(|mesh| {
                mesh.primitives
                    .iter()
                    .map(|p| GpuPrimitive {
                        vertices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                            label: Some("vertices"),
                            contents: bytemuck::cast_slice(&p.vertices),
                            usage: wgpu::BufferUsages::VERTEX,
                        }),
                        indices: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                            label: Some("indices"),
                            contents: bytemuck::cast_slice(&p.indices),
                            usage: wgpu::BufferUsages::INDEX,
                        }),
                        index_count: p.indices.len() as u32,
                        material: p.material,
                    })
                    .collect()
            })
            .collect();
        let draws = asset.draws.iter().map(|d| (d.mesh, d.transform)).collect();
        GpuAsset {
            meshes,
            materials,
            draws,
        }
    }
}

/// Uploads an RGBA8 image with its full mip chain (see [`super::mipmaps`]).
/// Whether any texture of `scene` (an object's or the background's) is a pool image.
fn uses_pool(scene: &FrameScene) -> bool {
    let image = |t: Option<&TextureSample>| t.is_some_and(|t| t.pattern == PatternKind::Image);
    image(scene.background_texture.as_ref())
        || scene
            .objects
            .iter()
            .any(|o| image(o.material.as_ref().and_then(|m| m.texture.as_ref())))
}

/// The image pool as one sRGB texture array with mip chains (one white texel when the
/// spec has no pool).
fn upload_pool(ctx: &GpuContext, pool: &[Image]) -> wgpu::TextureView {
    let white = Image {
        width: 1,
        height: 1,
        rgba: vec![255; 4],
    };
    let layers: Vec<&Image> = if pool.is_empty() {
        vec![&white]
    } else {
        pool.iter().collect()
    };
    let (width, height) = (layers[0].width, layers[0].height);
    let mut data = Vec::new();
    let mut levels = 1;
    for image in &layers {
        let chain = super::mipmaps::mip_chain(&image.rgba, width, height, true);
        levels = 1 + chain.len() as u32;
        data.extend_from_slice(&image.rgba);
        for (_, _, level) in &chain {
            data.extend_from_slice(level);
        }
    }
    let texture = ctx.device.create_texture_with_data(
        &ctx.queue,
        &wgpu::TextureDescriptor {
            label: Some("image pool"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: layers.len() as u32,
            },
            mip_level_count: levels,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8UnormSrgb,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        },
        wgpu::util::TextureDataOrder::LayerMajor,
        &data,
    );
    texture.create_view(&wgpu::TextureViewDescriptor {
        dimension: Some(wgpu::TextureViewDimension::D2Array),
        ..Default::default()
    })
}

fn upload_image(
    ctx: &GpuContext,
    width: u32,
    height: u32,
    rgba: &[u8],
    format: wgpu::TextureFormat,
    label: &str,
) -> wgpu::TextureView {
    let srgb = format == wgpu::TextureFormat::Rgba8UnormSrgb;
    let chain = super::mipmaps::mip_chain(rgba, width, height, srgb);
    let mut data = rgba.to_vec();
    for (_, _, level) in &chain {
        data.extend_from_slice(level);
    }
    let texture = ctx.device.create_texture_with_data(
        &ctx.queue,
        &wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1 + chain.len() as u32,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        },
        wgpu::util::TextureDataOrder::LayerMajor,
        &data,
    );
    texture.create_view(&Default::default())
}

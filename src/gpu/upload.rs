//! Uploads, once per run: every asset's meshes, materials and textures (each image once
//! per colour space, each sampler once), and the image pool as one texture array.

use std::collections::HashMap;

use glam::DMat4;
use wgpu::util::DeviceExt;

use super::context::GpuContext;
use super::uniforms::MaterialUniform;
use crate::assets::material::IDENTITY_UV;
use crate::assets::{AlphaMode, Asset, Image, MipFilter, Sampling, TextureRef, Wrap};

/// A primitive's vertex and index buffers.
pub(super) struct GpuPrimitive {
    pub(super) vertices: wgpu::Buffer,
    pub(super) indices: wgpu::Buffer,
    pub(super) index_count: u32,
    /// Index into the asset's materials.
    pub(super) material: usize,
}

/// A material's bind group and what selects its pipeline.
pub(super) struct GpuMaterial {
    pub(super) bind_group: wgpu::BindGroup,
    /// The same with 16× anisotropic samplers (opaque materials with a trilinear
    /// texture only).
    pub(super) anisotropic_bind_group: Option<wgpu::BindGroup>,
    /// Some texture has a KHR_texture_transform.
    pub(super) uv_transform: bool,
    /// It has a normal or an occlusion map (else the material-map shading has nothing
    /// to read, and its draws use pipelines without it).
    pub(super) has_maps: bool,
    pub(super) alpha_mode: AlphaMode,
    pub(super) double_sided: bool,
}

/// An asset on the GPU, drawn by handle.
pub(super) struct GpuAsset {
    pub(super) meshes: Vec<Vec<GpuPrimitive>>,
    pub(super) materials: Vec<GpuMaterial>,
    /// (mesh index, node→asset transform) pairs to draw.
    pub(super) draws: Vec<(usize, DMat4)>,
    /// Axis-aligned box of everything it draws, asset space.
    pub(super) bounds: (glam::DVec3, glam::DVec3),
    /// Its mean diffuse colour (the light it bounces onto other objects).
    pub(super) albedo: crate::assets::MeanAlbedo,
}

/// Whether `s` filters linearly within and between mip levels (trilinear).
fn trilinear(s: Sampling) -> bool {
    s.mag_linear && s.min_linear && s.mipmaps == MipFilter::Linear
}

/// Uploads assets: each image once, each sampler once, one bind group per material
/// (two where anisotropic filtering applies).
pub(super) struct Uploader<'a> {
    ctx: &'a GpuContext,
    material_layout: &'a wgpu::BindGroupLayout,
    samplers: HashMap<(Sampling, bool), wgpu::Sampler>,
    white: wgpu::TextureView,
}

impl<'a> Uploader<'a> {
    pub(super) fn new(ctx: &'a GpuContext, material_layout: &'a wgpu::BindGroupLayout) -> Self {
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

    /// The sampler of `s`, 16× anisotropic when `anisotropic` and `s` filters linearly
    /// at every step (anisotropy needs trilinear filtering).
    fn sampler(&mut self, s: Sampling, anisotropic: bool) -> wgpu::Sampler {
        let device = &self.ctx.device;
        let anisotropic = anisotropic && trilinear(s);
        self.samplers
            .entry((s, anisotropic))
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
                    anisotropy_clamp: if anisotropic { 16 } else { 1 },
                    ..Default::default()
                })
            })
            .clone()
    }

    pub(super) fn asset(&mut self, asset: &Asset) -> GpuAsset {
        let device = &self.ctx.device;
        // Each image is uploaded once per colour space it is used in (sRGB for base colour
        // and emissive, linear for metallic-roughness, normal and occlusion).
        let mut views: HashMap<(usize, bool), wgpu::TextureView> = HashMap::new();
        let mut materials = Vec::with_capacity(asset.materials.len());
        for (mi, m) in asset.materials.iter().enumerate() {
            let mut bind = |r: Option<TextureRef>, srgb: bool| -> (wgpu::TextureView, Sampling) {
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
                        (view, t.sampling)
                    }
                    _ => (
                        self.white.clone(),
                        Sampling {
                            wrap_u: Wrap::Repeat,
                            wrap_v: Wrap::Repeat,
                            mag_linear: true,
                            min_linear: true,
                            mipmaps: MipFilter::None,
                        },
                    ),
                }
            };
            // Base colour, metallic-roughness, emissive, normal, occlusion.
            let bound = [
                bind(m.base_color_texture, true),
                bind(m.metallic_roughness_texture, false),
                bind(m.emissive_texture, true),
                bind(m.normal_texture, false),
                bind(m.occlusion_texture, false),
            ];
            let tex = |r: Option<TextureRef>| r.map_or(0, |r| r.tex_coord);
            let textures = [
                m.base_color_texture,
                m.metallic_roughness_texture,
                m.emissive_texture,
                m.normal_texture,
                m.occlusion_texture,
            ];
            let mut uv_transforms = [[0.0; 4]; 10];
            for (k, r) in textures.iter().enumerate() {
                let t = r.map_or(IDENTITY_UV, |r| r.transform);
                uv_transforms[2 * k] = [t[0][0], t[0][1], t[0][2], 0.0];
                uv_transforms[2 * k + 1] = [t[1][0], t[1][1], t[1][2], 0.0];
            }
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
                    tex(m.normal_texture),
                ],
                maps: [
                    m.normal_scale,
                    m.occlusion_strength,
                    f32::from(u8::from(m.normal_texture.is_some())),
                    f32::from(u8::from(m.occlusion_texture.is_some())),
                ],
                tex_coords_b: [tex(m.occlusion_texture), 0, 0, 0],
                uv_transforms,
            };
            let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("material uniform"),
                contents: bytemuck::bytes_of(&uniform),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let label = format!("{} material {mi}", asset.name);
            let mut bind_group = |anisotropic: bool| {
                let samplers = bound.each_ref().map(|(_, s)| self.sampler(*s, anisotropic));
                let mut entries = vec![wgpu::BindGroupEntry {
                    binding: 0,
                    resource: buffer.as_entire_binding(),
                }];
                for (k, ((view, _), sampler)) in bound.iter().zip(&samplers).enumerate() {
                    entries.push(wgpu::BindGroupEntry {
                        binding: 1 + 2 * k as u32,
                        resource: wgpu::BindingResource::TextureView(view),
                    });
                    entries.push(wgpu::BindGroupEntry {
                        binding: 2 + 2 * k as u32,
                        resource: wgpu::BindingResource::Sampler(sampler),
                    });
                }
                device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some(&label),
                    layout: self.material_layout,
                    entries: &entries,
                })
            };
            // Only opaque materials filter anisotropically: a MASK or BLEND material's
            // sampled alpha decides which fragments own the labels, so it must be the
            // same under every look.
            let anisotropic_bind_group = (m.alpha_mode == AlphaMode::Opaque
                && bound.iter().any(|(_, s)| trilinear(*s)))
            .then(|| bind_group(true));
            let bind_group = bind_group(false);
            materials.push(GpuMaterial {
                bind_group,
                anisotropic_bind_group,
                uv_transform: textures
                    .iter()
                    .any(|r| r.is_some_and(|r| r.transform != IDENTITY_UV)),
                has_maps: m.normal_texture.is_some() || m.occlusion_texture.is_some(),
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
            bounds: asset.bounds,
            albedo: asset.mean_albedo(),
        }
    }
}

/// The image pool as one sRGB texture array with mip chains (one white texel when the
/// spec has no pool).
pub(super) fn upload_pool(ctx: &GpuContext, pool: &[Image]) -> wgpu::TextureView {
    let white = Image {
        width: 1,
        height: 1,
        rgba: vec![255; 4],
    };
    let mut layers: Vec<&Image> = if pool.is_empty() {
        vec![&white]
    } else {
        pool.iter().collect()
    };
    // The last image fills the layers an array texture needs beyond the pool.
    while (layers.len() as u32) < super::array_layers(layers.len() as u32) {
        layers.push(layers[layers.len() - 1]);
    }
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

/// Uploads an RGBA8 image with its full mip chain (see [`super::mipmaps`]).
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
        &texture_2d(
            label,
            (width, height, 1 + chain.len() as u32),
            format,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        ),
        wgpu::util::TextureDataOrder::LayerMajor,
        &data,
    );
    texture.create_view(&Default::default())
}

/// A plain 2D texture of `width`×`height` with `levels` mip levels.
pub(super) fn texture_2d(
    label: &str,
    (width, height, levels): (u32, u32, u32),
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::TextureDescriptor<'_> {
    wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: levels,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    }
}

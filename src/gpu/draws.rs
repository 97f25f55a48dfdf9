//! The frame's draw list: one entry per (object, mesh node), grouped by mesh, batched
//! into draw calls (instanced or one per object), blended draws sorted back to front, and
//! the per-instance data uploaded in one write.

use glam::{DMat3, DMat4, DVec3};

use super::context::GpuContext;
use super::pipeline_key::{DrawMode, Look, PassKind, PipelineKey};
use super::uniforms::InstanceData;
use super::upload::GpuAsset;
use crate::assets::AlphaMode;
use crate::geometry::box_corners;
use crate::primitives::part_matrix;
use crate::scene::{FrameScene, ShapeSample};

/// Bytes between consecutive [`InstanceData`] in the instance buffer: a multiple of every
/// adapter's uniform offset alignment (at most 256), so each is a valid dynamic offset.
pub(super) const INSTANCE_STRIDE: u64 = 256;

/// One draw call: a primitive drawn for `instance_count` consecutive entries of the
/// instance buffer.
#[derive(Clone, Copy)]
pub(super) struct DrawItem {
    pub(super) first_instance: u32,
    pub(super) instance_count: u32,
    pub(super) asset: usize,
    pub(super) mesh: usize,
    pub(super) prim: usize,
    pub(super) key: PipelineKey,
    /// Camera-space depth of the instance's origin (blended draws are sorted by it).
    depth: f64,
}

/// One (object, mesh node) pair of a frame, before batching.
struct MeshInstance {
    /// Index of its object in the frame scene.
    object: usize,
    /// Whether the amodal passes draw it: exact (labeled), wide (labeled, and its box
    /// may reach outside the image).
    amodal: [bool; 2],
    asset: usize,
    /// Index into the asset's node draws.
    node: usize,
    mirrored: bool,
    depth: f64,
    uniform: InstanceData,
}

/// The draws of the frame being recorded, and the instance buffer they read; every
/// vector is reused between frames.
pub(super) struct DrawList {
    instances: Vec<MeshInstance>,
    /// The frame's draw calls.
    pub(super) items: Vec<DrawItem>,
    /// Staging for the instance upload.
    draw_data: Vec<u8>,
    /// The frame's [`InstanceData`], [`INSTANCE_STRIDE`] apart.
    pub(super) buffer: wgpu::Buffer,
    /// Binds `buffer` for per-object draws (at a dynamic offset).
    pub(super) bind_group: wgpu::BindGroup,
    /// How many [`InstanceData`]s `buffer` holds.
    capacity: usize,
    /// Per instance slot: whether the exact and the wide amodal pass draw it.
    pub(super) amodal: [Vec<bool>; 2],
    /// Per instance slot: the index of its object in the frame scene.
    pub(super) slot_objects: Vec<usize>,
}

impl DrawList {
    pub(super) fn new(device: &wgpu::Device, layout: &wgpu::BindGroupLayout) -> Self {
        let capacity = 64;
        let (buffer, bind_group) = instance_resources(device, layout, capacity);
        Self {
            instances: Vec::new(),
            items: Vec::new(),
            draw_data: Vec::new(),
            buffer,
            bind_group,
            capacity,
            amodal: [Vec::new(), Vec::new()],
            slot_objects: Vec::new(),
        }
    }

    /// Builds the frame's draws and uploads their instance data; `bouncer_slots` holds
    /// each object's bouncer slot + 1 ([`super::bounce::bouncers`]).
    pub(super) fn build(
        &mut self,
        ctx: &GpuContext,
        layout: &wgpu::BindGroupLayout,
        (scene, bouncer_slots): (&FrameScene, &[u32]),
        view: DMat4,
        assets: &[GpuAsset],
        (mode, normals, look): (DrawMode, bool, Look),
    ) {
        self.collect_instances(scene, view, assets, bouncer_slots);
        self.batch_draws(assets, mode, (normals, look));
        self.upload(ctx, layout);
    }

    /// Draw calls the last built frame issues in `mode`.
    pub(super) fn draw_calls(&self, mode: DrawMode) -> usize {
        match mode {
            DrawMode::Instanced => self.items.len(),
            DrawMode::PerObject => self.items.iter().map(|i| i.instance_count as usize).sum(),
        }
    }

    /// One [`MeshInstance`] per (object, mesh node) of `scene`, grouped so that instances
    /// of the same mesh with the same winding are adjacent (a stable sort: within a group
    /// they keep placement order). `bouncer_slots` holds each object's bouncer slot + 1
    /// (0: none; empty: no object bounces light).
    fn collect_instances(
        &mut self,
        scene: &FrameScene,
        view: DMat4,
        assets: &[GpuAsset],
        bouncer_slots: &[u32],
    ) {
        self.instances.clear();
        let extents: Vec<ScreenExtent> = scene
            .objects
            .iter()
            .map(|o| {
                let bounds = o.bounds_or(assets[o.asset_index].bounds);
                ScreenExtent::of(bounds, view * o.world_matrix(), scene)
            })
            .collect();
        for (k, obj) in scene.objects.iter().enumerate() {
            let world = obj.world_matrix();
            let labeled = obj.instance_id > 0;
            let amodal = [
                labeled && may_be_hidden(k, &extents),
                labeled && !extents[k].inside_image,
            ];
            // A container drawn at its own size moves and scales its asset's parts.
            let parts = obj.shape.as_ref().map(ShapeSample::parts);
            for (node, &(_, transform)) in assets[obj.asset_index].draws.iter().enumerate() {
                let transform = parts
                    .as_ref()
                    .and_then(|p| p.get(node))
                    .map_or(transform, part_matrix);
                let model = world * transform;
                let model_view = view * model;
                let m3 = DMat3::from_mat4(model);
                self.instances.push(MeshInstance {
                    object: k,
                    amodal,
                    asset: obj.asset_index,
                    node,
                    mirrored: m3.determinant() < 0.0,
                    depth: model_view.transform_point3(DVec3::ZERO).z,
                    uniform: InstanceData::new(
                        model_view,
                        m3.inverse().transpose(),
                        obj.instance_id,
                        obj.material.as_ref(),
                        bouncer_slots.get(k).copied().unwrap_or(0),
                    ),
                });
            }
        }
        self.instances
            .sort_by_key(|i| (i.asset, i.node, i.mirrored));
        self.slot_objects.clear();
        self.slot_objects
            .extend(self.instances.iter().map(|i| i.object));
        for (pass, flags) in self.amodal.iter_mut().enumerate() {
            flags.clear();
            flags.extend(self.instances.iter().map(|i| i.amodal[pass]));
        }
    }

    /// The frame's draw calls from [`DrawList::collect_instances`]: each opaque or masked
    /// primitive once per group of identical meshes, instanced over the group; blended
    /// primitives one instance at a time, back to front, each drawing its labeled
    /// (alpha >= 0.5) then its unlabeled fragments.
    fn batch_draws(&mut self, assets: &[GpuAsset], mode: DrawMode, (normals, look): (bool, Look)) {
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
            let asset = &assets[first.asset];
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
                        masked: matches!(material.alpha_mode, AlphaMode::Mask(_)),
                        uv_transform: material.uv_transform,
                        normals,
                        look: Look {
                            material_maps: look.material_maps && material.has_maps,
                            ..look
                        },
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
    fn upload(&mut self, ctx: &GpuContext, layout: &wgpu::BindGroupLayout) {
        if self.instances.len() > self.capacity {
            let capacity = self.instances.len().next_power_of_two();
            (self.buffer, self.bind_group) = instance_resources(&ctx.device, layout, capacity);
            self.capacity = capacity;
        }
        let stride = INSTANCE_STRIDE as usize;
        self.draw_data.clear();
        self.draw_data.resize(self.instances.len() * stride, 0);
        for (chunk, instance) in self.draw_data.chunks_exact_mut(stride).zip(&self.instances) {
            let bytes = bytemuck::bytes_of(&instance.uniform);
            chunk[..bytes.len()].copy_from_slice(bytes);
        }
        if !self.draw_data.is_empty() {
            ctx.queue.write_buffer(&self.buffer, 0, &self.draw_data);
        }
    }
}

/// Where an object's box can appear: a conservative screen rectangle and depth range,
/// so the amodal passes can leave out objects with nothing to measure.
struct ScreenExtent {
    /// `[u0, v0, u1, v1]` in pixel-corner coordinates (unbounded when a corner is at or
    /// behind the near plane).
    rect: [f64; 4],
    /// Nearest and farthest camera z of the box.
    depth: (f64, f64),
    /// Whether the whole box projects inside the image (then so does its silhouette).
    inside_image: bool,
}

impl ScreenExtent {
    fn of(bounds: (DVec3, DVec3), model_view: DMat4, scene: &FrameScene) -> Self {
        let cam = &scene.camera;
        let (fx, fy, cx, cy) = cam.raster_intrinsics();
        let mut rect = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut depth = (f64::INFINITY, f64::NEG_INFINITY);
        let mut behind = false;
        for c in box_corners(bounds) {
            let p = model_view.transform_point3(c);
            depth = (depth.0.min(p.z), depth.1.max(p.z));
            behind |= p.z <= cam.near;
            let (u, v) = (fx * p.x / p.z + cx, fy * p.y / p.z + cy);
            rect = [
                rect[0].min(u),
                rect[1].min(v),
                rect[2].max(u),
                rect[3].max(v),
            ];
        }
        if behind {
            rect = [
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::INFINITY,
            ];
        }
        let (w, h) = (f64::from(cam.width), f64::from(cam.height));
        Self {
            rect,
            depth,
            inside_image: rect[0] >= 0.0 && rect[1] >= 0.0 && rect[2] <= w && rect[3] <= h,
        }
    }
}

/// Whether object `k` may be hidden in part by another object: one whose rectangle
/// overlaps its own and whose nearest point is nearer than its farthest. (Past 1024
/// objects every one is assumed to be, sparing the quadratic test.)
fn may_be_hidden(k: usize, extents: &[ScreenExtent]) -> bool {
    if extents.len() > 1024 {
        return true;
    }
    let me = &extents[k];
    extents.iter().enumerate().any(|(j, other)| {
        j != k
            && other.depth.0 < me.depth.1
            && other.rect[0] <= me.rect[2]
            && me.rect[0] <= other.rect[2]
            && other.rect[1] <= me.rect[3]
            && me.rect[1] <= other.rect[3]
    })
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

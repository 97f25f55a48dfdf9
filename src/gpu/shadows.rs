//! Shadow maps: where each shadowed light looks ([`ShadowPlan`]), and the depth texture
//! array the shadow pass draws into and the scene pass samples.
//!
//! Each view is fitted to the frame: a directional light's orthographic box covers the
//! casters that can shade what the camera sees (the camera's frustum out to the farthest
//! object, in the light's frame, meets the objects' boxes); a spot light's perspective
//! view covers its cone; a point light has six square views of a little over 90°, one per
//! axis, so a face can filter across its edge. Depth runs 0 (near) to 1 (far); only the
//! objects whose boxes reach a view are drawn into it.

use glam::dcamera::rh::proj::directx as proj;
use glam::dcamera::rh::view::look_to_mat4;
use glam::{DMat4, DVec3, DVec4};

use super::context::GpuContext;
use crate::geometry::box_corners;
use crate::scene::{FrameScene, LightSample, MAX_LIGHTS, ObjectSample};

/// Views one frame can hold: six per light.
pub(super) const MAX_SHADOW_VIEWS: usize = 6 * MAX_LIGHTS;
/// The shadow maps' format: copyable, comparable, renderable everywhere.
pub(super) const SHADOW_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Bytes between the per-view uniforms (a valid dynamic offset on every adapter).
pub(super) const VIEW_STRIDE: u64 = 256;
/// Field of view of a point light's faces, degrees: a margin over 90° so the filter of a
/// point near a face's edge stays inside the face.
const POINT_FACE_FOV_DEG: f64 = 96.0;

/// One shadow map to draw: its layer of the array, its square viewport and its
/// world → clip transform.
#[derive(Debug, Clone)]
pub(super) struct ShadowView {
    pub(super) layer: u32,
    pub(super) size: u32,
    pub(super) world_to_clip: DMat4,
    /// Per object of the frame: whether its box reaches this view.
    pub(super) objects: Vec<bool>,
}

/// A light's shadow as the scene shader reads it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct LightShadow {
    /// First layer (and view) of the light.
    pub(super) first_layer: u32,
    /// Filter radius, texels.
    pub(super) softness: f32,
    /// Side of its map (its viewport in the layer), texels.
    pub(super) map_size: u32,
    /// World size of one texel: directional lights, metres; spot and point lights,
    /// metres per metre of distance along the view axis.
    pub(super) texel: f32,
}

/// Every shadow view of a frame and, per light, where its views are.
#[derive(Debug, Clone, Default)]
pub(super) struct ShadowPlan {
    pub(super) views: Vec<ShadowView>,
    /// Per light of the frame (none: no shadow).
    pub(super) lights: Vec<Option<LightShadow>>,
    /// Side of the array's layers: the largest map of the frame.
    pub(super) size: u32,
}

/// The world-space corners of every object's box, in object order.
pub(super) fn object_corners(
    scene: &FrameScene,
    bounds: impl Fn(&ObjectSample) -> (DVec3, DVec3),
) -> Vec<[DVec3; 8]> {
    scene
        .objects
        .iter()
        .map(|o| {
            let world = o.world_matrix();
            box_corners(bounds(o)).map(|c| world.transform_point3(c))
        })
        .collect()
}

impl ShadowPlan {
    /// Plans the frame's shadow views; `corners` from [`object_corners`].
    pub(super) fn new(scene: &FrameScene, corners: &[[DVec3; 8]]) -> Self {
        let mut plan = Self::default();
        let size = scene
            .lights
            .iter()
            .filter_map(|l| l.shadow().map(|s| s.map_size))
            .max();
        let Some(size) = size else {
            plan.lights = vec![None; scene.lights.len()];
            return plan;
        };
        plan.size = size;
        for light in scene.lights.iter().take(MAX_LIGHTS) {
            let shadow = light.shadow().and_then(|s| {
                let first_layer = plan.views.len() as u32;
                let texel = plan.add_views(light, s.map_size, scene, corners)?;
                Some(LightShadow {
                    first_layer,
                    softness: s.softness as f32,
                    map_size: s.map_size,
                    texel: texel as f32,
                })
            });
            plan.lights.push(shadow);
        }
        plan
    }

    /// Adds `light`'s views; returns its texel size (see [`LightShadow::texel`]), or
    /// nothing when no object can cast a visible shadow.
    fn add_views(
        &mut self,
        light: &LightSample,
        size: u32,
        scene: &FrameScene,
        corners: &[[DVec3; 8]],
    ) -> Option<f64> {
        let layer = self.views.len() as u32;
        let push = |k: u32, world_to_clip: DMat4, views: &mut Vec<ShadowView>| {
            let objects = corners.iter().map(|c| reaches(world_to_clip, c)).collect();
            views.push(ShadowView {
                layer: layer + k,
                size,
                world_to_clip,
                objects,
            });
        };
        match *light {
            LightSample::Directional { direction, .. } => {
                let (world_to_clip, extent) = directional_view(direction, scene, corners)?;
                push(0, world_to_clip, &mut self.views);
                Some(extent / f64::from(size))
            }
            LightSample::Spot {
                position,
                direction,
                outer_cone_deg,
                ..
            } => {
                let position = DVec3::from_array(position);
                let (near, far) = depth_range(position, corners)?;
                // A cone of half-angle θ fits a square view of half-angle θ (plus a
                // margin for the filter); never 180°.
                let fov = (2.0 * outer_cone_deg + 4.0).min(170.0).to_radians();
                let view = look_to(position, DVec3::from_array(direction));
                push(
                    0,
                    proj::perspective(fov, 1.0, near, far) * view,
                    &mut self.views,
                );
                Some(2.0 * libm::tan(fov / 2.0) / f64::from(size))
            }
            LightSample::Point { position, .. } => {
                let position = DVec3::from_array(position);
                let (near, far) = depth_range(position, corners)?;
                let fov = POINT_FACE_FOV_DEG.to_radians();
                let projection = proj::perspective(fov, 1.0, near, far);
                for (k, axis) in CUBE_FACES.iter().enumerate() {
                    let view = look_to(position, *axis);
                    push(k as u32, projection * view, &mut self.views);
                }
                Some(2.0 * libm::tan(fov / 2.0) / f64::from(size))
            }
        }
    }
}

/// A point light's faces in the order the shader picks them: +X, -X, +Y, -Y, +Z, -Z.
const CUBE_FACES: [DVec3; 6] = [
    DVec3::X,
    DVec3::NEG_X,
    DVec3::Y,
    DVec3::NEG_Y,
    DVec3::Z,
    DVec3::NEG_Z,
];

/// A right-handed view from `eye` along `forward`, with an up vector not parallel to it.
fn look_to(eye: DVec3, forward: DVec3) -> DMat4 {
    let forward = forward.normalize();
    let up = if forward.y.abs() > 0.99 {
        DVec3::Z
    } else {
        DVec3::Y
    };
    look_to_mat4(eye, forward, up)
}

/// Near and far distances a perspective view from `eye` needs to hold every box.
fn depth_range(eye: DVec3, corners: &[[DVec3; 8]]) -> Option<(f64, f64)> {
    let far = corners
        .iter()
        .flatten()
        .map(|c| c.distance(eye))
        .fold(0.0, f64::max);
    (far > 0.0).then(|| ((far * 1e-3).max(1e-3), far * 1.01))
}

/// Whether a box's corners can reach the clip volume of `world_to_clip` (no single clip
/// plane has all eight outside).
fn reaches(world_to_clip: DMat4, corners: &[DVec3; 8]) -> bool {
    let clip: Vec<DVec4> = corners
        .iter()
        .map(|c| world_to_clip * c.extend(1.0))
        .collect();
    let all = |f: &dyn Fn(&DVec4) -> bool| clip.iter().all(f);
    !(all(&|p| p.x < -p.w)
        || all(&|p| p.x > p.w)
        || all(&|p| p.y < -p.w)
        || all(&|p| p.y > p.w)
        || all(&|p| p.z < 0.0)
        || all(&|p| p.z > p.w))
}

/// A directional light's orthographic view and its width in metres: in the light's
/// frame, the camera's frustum (to the farthest object) meets the boxes of the objects;
/// its depth spans every box in that footprint. None when nothing is in both.
fn directional_view(
    direction: [f64; 3],
    scene: &FrameScene,
    corners: &[[DVec3; 8]],
) -> Option<(DMat4, f64)> {
    let view = look_to(DVec3::ZERO, DVec3::from_array(direction));
    let cam = &scene.camera;
    let world_to_camera = DMat4::from_cols_array_2d(&cam.world_to_camera).transpose();
    let camera_to_world = world_to_camera.inverse();
    let farthest = corners
        .iter()
        .flatten()
        .map(|c| world_to_camera.transform_point3(*c).z)
        .fold(f64::NEG_INFINITY, f64::max)
        .min(cam.far);
    if farthest <= cam.near {
        return None;
    }
    let (fx, fy, cx, cy) = cam.raster_intrinsics();
    let (w, h) = (f64::from(cam.width), f64::from(cam.height));
    let mut seen = Rect::EMPTY;
    for z in [cam.near, farthest] {
        for (u, v) in [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)] {
            let p = DVec3::new((u - cx) / fx * z, (v - cy) / fy * z, z);
            seen.add(view.transform_point3(camera_to_world.transform_point3(p)));
        }
    }
    let boxes: Vec<(Rect, f64, f64)> = corners
        .iter()
        .map(|c| {
            let mut r = Rect::EMPTY;
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for p in c.map(|p| view.transform_point3(p)) {
                r.add(p);
                lo = lo.min(p.z);
                hi = hi.max(p.z);
            }
            (r, lo, hi)
        })
        .collect();
    let casters = boxes
        .iter()
        .filter(|(r, ..)| r.meets(&seen))
        .fold(Rect::EMPTY, |acc, (r, ..)| acc.union(r));
    let footprint = casters.intersection(&seen)?;
    let (lo, hi) = boxes
        .iter()
        .filter(|(r, ..)| r.meets(&footprint))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, a, b)| {
            (lo.min(*a), hi.max(*b))
        });
    // Looking down -z: near is -hi, far is -lo; a margin keeps the boxes off the planes.
    let margin = 0.01 * (hi - lo) + 1e-3;
    let extent = (footprint.max[0] - footprint.min[0]).max(footprint.max[1] - footprint.min[1]);
    let centre = [
        0.5 * (footprint.min[0] + footprint.max[0]),
        0.5 * (footprint.min[1] + footprint.max[1]),
    ];
    let half = 0.5 * extent * 1.02 + 1e-4;
    let projection = proj::orthographic(
        centre[0] - half,
        centre[0] + half,
        centre[1] - half,
        centre[1] + half,
        -hi - margin,
        -lo + margin,
    );
    Some((projection * view, 2.0 * half))
}

/// An axis-aligned rectangle in a light's x, y.
#[derive(Debug, Clone, Copy)]
struct Rect {
    min: [f64; 2],
    max: [f64; 2],
}

impl Rect {
    const EMPTY: Self = Self {
        min: [f64::INFINITY; 2],
        max: [f64::NEG_INFINITY; 2],
    };

    fn add(&mut self, p: DVec3) {
        self.min = [self.min[0].min(p.x), self.min[1].min(p.y)];
        self.max = [self.max[0].max(p.x), self.max[1].max(p.y)];
    }

    fn union(&self, o: &Rect) -> Rect {
        Rect {
            min: [self.min[0].min(o.min[0]), self.min[1].min(o.min[1])],
            max: [self.max[0].max(o.max[0]), self.max[1].max(o.max[1])],
        }
    }

    fn intersection(&self, o: &Rect) -> Option<Rect> {
        let r = Rect {
            min: [self.min[0].max(o.min[0]), self.min[1].max(o.min[1])],
            max: [self.max[0].min(o.max[0]), self.max[1].min(o.max[1])],
        };
        (r.min[0] < r.max[0] && r.min[1] < r.max[1]).then_some(r)
    }

    fn meets(&self, o: &Rect) -> bool {
        self.min[0] <= o.max[0]
            && o.min[0] <= self.max[0]
            && self.min[1] <= o.max[1]
            && o.min[1] <= self.max[1]
    }
}

/// The shadow map array and the per-view uniforms, grown as frames need.
pub(super) struct ShadowMaps {
    texture: wgpu::Texture,
    /// All layers, for sampling.
    pub(super) array_view: wgpu::TextureView,
    /// One view per layer, for drawing.
    pub(super) layer_views: Vec<wgpu::TextureView>,
    /// Per-view world → clip matrices, [`VIEW_STRIDE`] apart.
    pub(super) view_buffer: wgpu::Buffer,
    /// Binds `view_buffer` at a dynamic offset (group 3 of the shadow pipelines).
    pub(super) view_bind_group: wgpu::BindGroup,
    staging: Vec<u8>,
}

impl ShadowMaps {
    /// A 1×1, one-layer array: what frames without shadows bind.
    pub(super) fn new(device: &wgpu::Device, view_layout: &wgpu::BindGroupLayout) -> Self {
        let (texture, array_view, layer_views) = make_array(device, 1, 1);
        let view_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("shadow views"),
            size: MAX_SHADOW_VIEWS as u64 * VIEW_STRIDE,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let view_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("shadow view"),
            layout: view_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 2,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &view_buffer,
                    offset: 0,
                    size: wgpu::BufferSize::new(64),
                }),
            }],
        });
        Self {
            texture,
            array_view,
            layer_views,
            view_buffer,
            view_bind_group,
            staging: Vec::new(),
        }
    }

    /// Makes room for `plan` (returns whether the array was replaced, so bind groups that
    /// sample it must be made again) and uploads its view matrices.
    pub(super) fn prepare(&mut self, ctx: &GpuContext, plan: &ShadowPlan) -> bool {
        let layers = plan.views.len() as u32;
        let size = self.texture.size();
        let grown = layers > size.depth_or_array_layers || plan.size > size.width;
        if grown {
            let side = plan.size.max(size.width);
            let count = layers.max(size.depth_or_array_layers);
            (self.texture, self.array_view, self.layer_views) =
                make_array(&ctx.device, side, count);
        }
        if !plan.views.is_empty() {
            self.staging.clear();
            self.staging
                .resize(plan.views.len() * VIEW_STRIDE as usize, 0);
            for (chunk, view) in self
                .staging
                .chunks_exact_mut(VIEW_STRIDE as usize)
                .zip(&plan.views)
            {
                let m = view.world_to_clip.as_mat4().to_cols_array();
                chunk[..64].copy_from_slice(bytemuck::cast_slice(&m));
            }
            ctx.queue.write_buffer(&self.view_buffer, 0, &self.staging);
        }
        grown
    }

    /// Side of the array's layers.
    pub(super) fn side(&self) -> u32 {
        self.texture.size().width
    }
}

/// A `side`² array of `layers` layers (see [`super::array_layers`]).
fn make_array(
    device: &wgpu::Device,
    side: u32,
    layers: u32,
) -> (wgpu::Texture, wgpu::TextureView, Vec<wgpu::TextureView>) {
    let layers = super::array_layers(layers);
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("shadow maps"),
        size: wgpu::Extent3d {
            width: side,
            height: side,
            depth_or_array_layers: layers,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: SHADOW_FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        view_formats: &[],
    });
    let array_view = texture.create_view(&wgpu::TextureViewDescriptor {
        label: Some("shadow maps"),
        dimension: Some(wgpu::TextureViewDimension::D2Array),
        ..Default::default()
    });
    let layer_views = (0..layers)
        .map(|layer| {
            texture.create_view(&wgpu::TextureViewDescriptor {
                label: Some("shadow map layer"),
                dimension: Some(wgpu::TextureViewDimension::D2),
                base_array_layer: layer,
                array_layer_count: Some(1),
                ..Default::default()
            })
        })
        .collect();
    (texture, array_view, layer_views)
}

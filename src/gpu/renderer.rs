//! The frame renderer: assets uploaded once; per frame, the draw list and uniforms are
//! built, the passes recorded (`super::passes`) and the targets read back into
//! [`FrameBuffers`]. This file orchestrates; each concern lives in its own module.

use super::amodal::AmodalTargets;
use super::bounce;
use super::brdf_table;
use super::context::{GpuContext, GpuError};
use super::draws::DrawList;
use super::environment::Environments;
use super::layouts::Layouts;
use super::passes::amodal::AmodalPass;
use super::passes::scene::ScenePass;
use super::passes::shadow::ShadowPass;
use super::pipelines::{DrawMode, Look, Pipelines};
use super::shadows::{ShadowMaps, ShadowPlan, object_corners};
use super::targets::{FrameBuffers, READBACK_RING, Readback, Slot, Targets};
use super::uniforms::{EnvironmentLight, FrameUniform, projection};
use super::upload::{GpuAsset, Uploader, upload_pool};
use crate::assets::AssetLibrary;
use crate::scene::{Brdf, FrameScene, LightSample};

/// A frame submitted by [`Renderer::submit`], to be read back by [`Renderer::finish_into`].
pub struct PendingFrame {
    slot: Slot,
    /// Word planes of the frame's amodal masks (0: no labeled object).
    amodal_words: u32,
    submission: wgpu::SubmissionIndex,
    record_submit: f64,
}

/// Where the time of one frame went on the device's side, in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderTimings {
    /// Building the draw list, uniform uploads, recording and submitting.
    pub record_submit: f64,
    /// Waiting for the GPU and copying the mapped readback into [`FrameBuffers`].
    pub wait_readback: f64,
}

/// What group 0 binds besides the shadow maps, kept to bind them again when the shadow
/// array grows.
struct FrameResources {
    pool_view: wgpu::TextureView,
    pool_sampler: wgpu::Sampler,
    shadow_sampler: wgpu::Sampler,
    brdf_table: wgpu::TextureView,
}

impl FrameResources {
    fn bind_group(
        &self,
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        frame_buffer: &wgpu::Buffer,
        shadow_maps: &wgpu::TextureView,
    ) -> wgpu::BindGroup {
        device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: frame_buffer.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&self.pool_view),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::Sampler(&self.pool_sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::TextureView(shadow_maps),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: wgpu::BindingResource::Sampler(&self.shadow_sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: wgpu::BindingResource::TextureView(&self.brdf_table),
                },
            ],
        })
    }
}

/// Renders [`FrameScene`]s of one asset library at one resolution.
pub struct Renderer {
    ctx: GpuContext,
    width: u32,
    height: u32,
    layouts: Layouts,
    pipelines: Pipelines,
    targets: Targets,
    readback: Readback,
    amodal: AmodalTargets,
    frame_buffer: wgpu::Buffer,
    frame_bind_group: wgpu::BindGroup,
    /// Group 0 of the shadow pass: as `frame_bind_group` with a stand-in shadow array.
    shadow_pass_bind_group: wgpu::BindGroup,
    frame_resources: FrameResources,
    shadow_maps: ShadowMaps,
    draw_mode: DrawMode,
    normals: bool,
    draws: DrawList,
    assets: Vec<GpuAsset>,
    environments: Environments,
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
        let layouts = Layouts::new(device);
        let pipelines = Pipelines::new(device, &layouts);
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
        // Bilinear comparisons: each of the filter's taps is itself smooth.
        let shadow_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("shadow maps"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            compare: Some(wgpu::CompareFunction::LessEqual),
            ..Default::default()
        });
        let frame_resources = FrameResources {
            pool_view,
            pool_sampler,
            shadow_sampler,
            brdf_table: brdf_table::upload(&ctx),
        };
        let shadow_maps = ShadowMaps::new(device, &layouts.shadow_view);
        let frame_bind_group = frame_resources.bind_group(
            device,
            &layouts.frame,
            &frame_buffer,
            &shadow_maps.array_view,
        );
        let stand_in = ShadowMaps::new(device, &layouts.shadow_view);
        let shadow_pass_bind_group =
            frame_resources.bind_group(device, &layouts.frame, &frame_buffer, &stand_in.array_view);
        let draws = DrawList::new(device, &layouts.instance);
        let draw_mode = DrawMode::for_adapter(&ctx.adapter.get_info());
        let targets = Targets::new(device, width, height);
        let readback = Readback::new(device, width, height, false);
        let amodal = AmodalTargets::new(&ctx, width, height, READBACK_RING);
        let mut uploader = Uploader::new(&ctx, &layouts.material);
        let assets = library.assets.iter().map(|a| uploader.asset(a)).collect();
        let environments = Environments::new(&ctx, &layouts.environment, &library.environments);
        ctx.check_errors()?;
        Ok(Self {
            width,
            height,
            layouts,
            pipelines,
            targets,
            readback,
            amodal,
            frame_buffer,
            frame_bind_group,
            shadow_pass_bind_group,
            frame_resources,
            shadow_maps,
            draw_mode,
            normals: false,
            draws,
            assets,
            environments,
            ctx,
        })
    }

    /// The GPU context (adapter facts, device).
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Draw calls the last submitted frame issued.
    pub fn last_draw_calls(&self) -> usize {
        self.draws.draw_calls(self.draw_mode)
    }

    /// How draws are issued: by default [`DrawMode::for_adapter`].
    pub fn draw_mode(&self) -> DrawMode {
        self.draw_mode
    }

    /// Reads camera-frame normals back with every frame from now on (or stops); frames
    /// already submitted must be finished first.
    pub fn set_normals(&mut self, on: bool) {
        if on != self.normals {
            self.readback = Readback::new(&self.ctx.device, self.width, self.height, on);
            self.normals = on;
        }
    }

    /// Issues draws in `mode` from the next frame on (images do not change).
    pub fn set_draw_mode(&mut self, mode: DrawMode) {
        self.draw_mode = mode;
    }

    /// Records and submits a frame without waiting for it; [`Renderer::finish_into`]
    /// reads it back. Up to [`super::targets::READBACK_RING`] frames may be in flight: the next
    /// frame renders while the previous one is read back.
    pub fn submit(&mut self, scene: &FrameScene) -> Result<PendingFrame, GpuError> {
        let slot = self.readback.next_free()?;
        let started = std::time::Instant::now();
        let cam = &scene.camera;
        let view = cam.world_to_camera();
        let proj = projection(
            cam.raster_intrinsics(),
            self.width,
            self.height,
            cam.near,
            cam.far,
        );
        // The objects' world boxes, for shadow views and bouncers (when a frame has either).
        let assets = &self.assets;
        let shadowed = scene.lights.iter().any(|l| l.shadow().is_some());
        let corners = if shadowed || scene.render.object_bounce {
            object_corners(scene, |o| o.bounds_or(assets[o.asset_index].bounds))
        } else {
            Vec::new()
        };
        let plan = if shadowed {
            ShadowPlan::new(scene, &corners)
        } else {
            ShadowPlan::default()
        };
        let (bouncers, bouncer_slots) = if scene.render.object_bounce {
            bounce::bouncers(scene, &corners, |i| &assets[i].albedo)
        } else {
            (Vec::new(), Vec::new())
        };
        if self.shadow_maps.prepare(&self.ctx, &plan) {
            self.frame_bind_group = self.frame_resources.bind_group(
                &self.ctx.device,
                &self.layouts.frame,
                &self.frame_buffer,
                &self.shadow_maps.array_view,
            );
        }
        // The frame's environment, when its map is in the library (frames sampled from
        // another spec's settings may name none).
        let environment = scene.render.environment.as_ref().and_then(|e| {
            let prepared = self.environments.prepared.get(e.map_index)?;
            Some((e, prepared))
        });
        let environment_light = environment.map(|(e, prepared)| EnvironmentLight {
            rotation_deg: e.rotation_deg,
            scale: e.radiance_scale,
            sh: prepared.sh,
            last_level: prepared.last_level,
        });
        let uniform = FrameUniform::new(
            scene,
            (view, proj),
            (self.width, self.height),
            &plan,
            self.shadow_maps.side(),
            environment_light.as_ref(),
            &bouncers,
        );
        self.ctx
            .queue
            .write_buffer(&self.frame_buffer, 0, bytemuck::bytes_of(&uniform));
        let look = Look::new(
            !plan.views.is_empty(),
            scene.render.tone_mapping,
            scene.render.material_maps,
            scene.render.brdf == Brdf::Layered,
            (
                scene.render.ground_bounce > 0.0,
                !bouncers.is_empty() && scene.lights.iter().any(LightSample::is_directional),
            ),
            environment.is_some_and(|(e, _)| e.radiance_scale.iter().any(|&c| c > 0.0)),
        );
        let environment_bind_group =
            environment.map_or(&self.environments.stand_in, |(_, p)| &p.bind_group);
        let shows_environment = environment.is_some_and(|(e, _)| e.background);
        if shows_environment {
            self.pipelines.prepare_environment_background(
                &self.ctx.device,
                &self.layouts,
                self.normals,
                look.tone_mapping,
            );
        }
        self.draws.build(
            &self.ctx,
            &self.layouts.instance,
            (scene, &bouncer_slots),
            view,
            &self.assets,
            (self.draw_mode, self.normals, look),
        );
        for item in &self.draws.items {
            self.pipelines
                .prepare(&self.ctx.device, &self.layouts, item.key);
            self.pipelines
                .prepare_amodal(&self.ctx.device, &self.layouts, item.key);
            if !plan.views.is_empty() {
                self.pipelines
                    .prepare_shadow(&self.ctx.device, &self.layouts, item.key);
            }
        }
        let largest_id = scene.objects.iter().map(|o| o.instance_id).max();
        let amodal_words = u32::from(largest_id.unwrap_or(0)).div_ceil(32);

        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        if !plan.views.is_empty() {
            ShadowPass {
                plan: &plan,
                maps: &self.shadow_maps,
                frame_bind_group: &self.shadow_pass_bind_group,
                pipelines: &self.pipelines,
                draws: &self.draws,
                assets: &self.assets,
                mode: self.draw_mode,
            }
            .record(&mut encoder);
        }
        ScenePass {
            targets: &self.targets,
            frame_bind_group: &self.frame_bind_group,
            pipelines: &self.pipelines,
            draws: &self.draws,
            assets: &self.assets,
            mode: self.draw_mode,
            normals: self.normals,
            environment: environment_bind_group,
            environment_background: shows_environment
                .then(|| {
                    self.pipelines
                        .get_environment_background(self.normals, look.tone_mapping)
                })
                .flatten(),
        }
        .record(&mut encoder, scene);
        if amodal_words > 0 {
            let mask_bind_groups =
                self.amodal
                    .begin_frame(&self.ctx, &self.layouts, &mut encoder, amodal_words)?;
            AmodalPass {
                targets: &self.targets,
                frame_bind_group: &self.frame_bind_group,
                mask_bind_groups,
                pipelines: &self.pipelines,
                draws: &self.draws,
                assets: &self.assets,
                mode: self.draw_mode,
            }
            .record(&mut encoder);
            self.amodal
                .record_copies(&self.ctx, &mut encoder, slot, amodal_words);
        }
        self.readback
            .record_copies(&mut encoder, &self.targets, slot);
        let submission = self.ctx.queue.submit([encoder.finish()]);
        self.ctx.check_errors()?;
        if amodal_words > 0 {
            self.amodal.map(slot, amodal_words);
        }
        let slot = self.readback.map(slot);
        Ok(PendingFrame {
            amodal_words,
            slot,
            submission,
            record_submit: started.elapsed().as_secs_f64(),
        })
    }

    /// Waits for a submitted frame and reads its buffers back into `out`, reusing its
    /// allocations (a frame loop hands written frames' buffers back so nothing is
    /// allocated per frame). The colour image is as the GPU drew it: its CPU stage
    /// ([`crate::post`]) is the caller's.
    pub fn finish_into(
        &mut self,
        pending: PendingFrame,
        out: &mut FrameBuffers,
    ) -> Result<RenderTimings, GpuError> {
        let started = std::time::Instant::now();
        let slot = pending.slot.index;
        self.readback
            .read(&self.ctx, &pending.submission, pending.slot, out)?;
        self.amodal
            .read(slot, pending.amodal_words, &mut out.amodal)?;
        self.ctx.check_errors()?;
        Ok(RenderTimings {
            record_submit: pending.record_submit,
            wait_readback: started.elapsed().as_secs_f64(),
        })
    }
}

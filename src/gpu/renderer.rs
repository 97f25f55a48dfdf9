//! The frame renderer: assets uploaded once; per frame, the draw list and uniforms are
//! built, the passes recorded ([`super::passes`]) and the targets read back into
//! [`FrameBuffers`]. This file orchestrates; each concern lives in its own module.

use super::amodal::AmodalTargets;
use super::context::{GpuContext, GpuError};
use super::draws::DrawList;
use super::passes::amodal::AmodalPass;
use super::passes::scene::ScenePass;
use super::pipelines::{DrawMode, Layouts, Pipelines};
use super::targets::{FrameBuffers, READBACK_RING, Readback, Slot, Targets};
use super::uniforms::{FrameUniform, projection};
use super::upload::{GpuAsset, Uploader, upload_pool};
use crate::assets::AssetLibrary;
use crate::scene::FrameScene;

/// A frame submitted by [`Renderer::submit`], to be read back by [`Renderer::finish`].
pub struct PendingFrame {
    slot: Slot,
    /// Word planes of the frame's amodal masks (0: no labeled object).
    amodal_words: u32,
    submission: wgpu::SubmissionIndex,
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
    draw_mode: DrawMode,
    normals: bool,
    draws: DrawList,
    assets: Vec<GpuAsset>,
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
        let frame_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("frame"),
            layout: &layouts.frame,
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
        let draws = DrawList::new(device, &layouts.instance);
        let draw_mode = DrawMode::for_adapter(&ctx.adapter.get_info());
        let targets = Targets::new(device, width, height);
        let readback = Readback::new(device, width, height, false);
        let amodal = AmodalTargets::new(&ctx, width, height, READBACK_RING);
        let mut uploader = Uploader::new(&ctx, &layouts.material);
        let assets = library.assets.iter().map(|a| uploader.asset(a)).collect();
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
            draw_mode,
            normals: false,
            draws,
            assets,
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
    /// back. Up to [`super::targets::READBACK_RING`] frames may be in flight: the next
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
        let uniform = FrameUniform::new(scene, view, proj, self.width, self.height);
        self.ctx
            .queue
            .write_buffer(&self.frame_buffer, 0, bytemuck::bytes_of(&uniform));
        self.draws.build(
            &self.ctx,
            &self.layouts.instance,
            scene,
            view,
            &self.assets,
            (self.draw_mode, self.normals),
        );
        for item in &self.draws.items {
            self.pipelines
                .prepare(&self.ctx.device, &self.layouts, item.key);
            self.pipelines
                .prepare_amodal(&self.ctx.device, &self.layouts, item.key);
        }
        let largest_id = scene.objects.iter().map(|o| o.instance_id).max();
        let amodal_words = u32::from(largest_id.unwrap_or(0)).div_ceil(32);

        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        ScenePass {
            targets: &self.targets,
            frame_bind_group: &self.frame_bind_group,
            pipelines: &self.pipelines,
            draws: &self.draws,
            assets: &self.assets,
            mode: self.draw_mode,
            normals: self.normals,
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

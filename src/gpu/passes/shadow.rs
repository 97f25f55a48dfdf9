//! The shadow pass: for each view of the frame's [`ShadowPlan`], the objects whose boxes
//! reach it drawn into its layer of the shadow map array (depth only).

use super::issue_draws;
use crate::gpu::draws::DrawList;
use crate::gpu::pipelines::{DrawMode, Pipelines};
use crate::gpu::shadows::{ShadowMaps, ShadowPlan, VIEW_STRIDE};
use crate::gpu::upload::GpuAsset;

/// What the shadow pass reads.
pub(in crate::gpu) struct ShadowPass<'a> {
    /// The frame's views.
    pub plan: &'a ShadowPlan,
    /// The array drawn into and the views' uniforms.
    pub maps: &'a ShadowMaps,
    /// Group 0: the frame uniform with a stand-in for the shadow maps (a texture cannot
    /// be drawn into and bound in one pass).
    pub frame_bind_group: &'a wgpu::BindGroup,
    /// Prepared shadow pipelines for every casting draw's key.
    pub pipelines: &'a Pipelines,
    /// The frame's draws.
    pub draws: &'a DrawList,
    /// The uploaded assets the draws refer to.
    pub assets: &'a [GpuAsset],
    /// How draws are issued.
    pub mode: DrawMode,
}

impl ShadowPass<'_> {
    /// Records one render pass per view into `encoder`, before the scene pass.
    pub(in crate::gpu) fn record(&self, encoder: &mut wgpu::CommandEncoder) {
        let mut wanted = Vec::new();
        for (k, view) in self.plan.views.iter().enumerate() {
            wanted.clear();
            wanted.extend(self.draws.slot_objects.iter().map(|&o| view.objects[o]));
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("shadow"),
                color_attachments: &[],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.maps.layer_views[view.layer as usize],
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(1.0),
                        store: wgpu::StoreOp::Store,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            let side = view.size as f32;
            pass.set_viewport(0.0, 0.0, side, side, 0.0, 1.0);
            pass.set_scissor_rect(0, 0, view.size, view.size);
            pass.set_bind_group(0, self.frame_bind_group, &[]);
            // At most 48 views of 256 bytes: far below u32::MAX.
            let offset = (k as u64 * VIEW_STRIDE) as u32;
            pass.set_bind_group(3, &self.maps.view_bind_group, &[offset]);
            issue_draws(
                &mut pass,
                self.draws,
                self.assets,
                (self.mode, false),
                Some(&wanted),
                |key| self.pipelines.get_shadow(key),
            );
        }
    }
}

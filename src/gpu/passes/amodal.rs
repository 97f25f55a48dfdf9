//! The amodal passes: labeled objects drawn again into the per-pixel bitmasks of
//! [`crate::gpu::amodal`]: once in the image's own view behind the scene's depth (the
//! hidden parts of each silhouette), once in a wider field for the objects whose box may
//! leave the image. Each is one pass over the frame's draw list, whatever the number of
//! objects.

use super::issue_draws;
use crate::gpu::draws::DrawList;
use crate::gpu::pipelines::{AmodalView, DrawMode, Pipelines};
use crate::gpu::targets::Targets;
use crate::gpu::upload::GpuAsset;

/// What the amodal passes read.
pub(in crate::gpu) struct AmodalPass<'a> {
    /// The scene's depth buffer: the exact pass tests against it, the wide pass clears it.
    pub targets: &'a Targets,
    /// Group 0: the frame uniform and the image pool.
    pub frame_bind_group: &'a wgpu::BindGroup,
    /// Group 3 of the exact and of the wide pass.
    pub mask_bind_groups: [&'a wgpu::BindGroup; 2],
    /// Prepared amodal pipelines for every labeled draw's key.
    pub pipelines: &'a Pipelines,
    /// The frame's draws.
    pub draws: &'a DrawList,
    /// The uploaded assets the draws refer to.
    pub assets: &'a [GpuAsset],
    /// How draws are issued.
    pub mode: DrawMode,
}

impl AmodalPass<'_> {
    /// Records the exact and the wide pass into `encoder`, after the scene pass.
    pub(in crate::gpu) fn record(&self, encoder: &mut wgpu::CommandEncoder) {
        let views = [
            (AmodalView::Exact, "amodal", wgpu::LoadOp::Load),
            (AmodalView::Wide, "amodal wide", wgpu::LoadOp::Clear(0.0)),
        ];
        for (i, (view, label, load)) in views.into_iter().enumerate() {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some(label),
                color_attachments: &[],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.targets.depth,
                    depth_ops: Some(wgpu::Operations {
                        load,
                        store: wgpu::StoreOp::Discard,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, self.frame_bind_group, &[]);
            pass.set_bind_group(3, self.mask_bind_groups[i], &[]);
            let only = Some(self.draws.amodal[i].as_slice());
            issue_draws(
                &mut pass,
                self.draws,
                self.assets,
                (self.mode, false),
                only,
                |key| self.pipelines.get_amodal(key, view),
            );
        }
    }
}

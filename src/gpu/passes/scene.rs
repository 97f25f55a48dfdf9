//! The scene pass: clears the targets, draws the background (procedural, a pool image or
//! the environment map; colour only) and
//! every draw of the frame's [`DrawList`] into colour, linear depth and instance ids.

use super::issue_draws;
use crate::geometry::srgb_to_linear;
use crate::gpu::draws::DrawList;
use crate::gpu::pipelines::{DrawMode, Pipelines};
use crate::gpu::targets::Targets;
use crate::gpu::upload::GpuAsset;
use crate::scene::FrameScene;

/// What the scene pass reads.
pub(in crate::gpu) struct ScenePass<'a> {
    /// Where it draws.
    pub targets: &'a Targets,
    /// Group 0: the frame uniform and the image pool.
    pub frame_bind_group: &'a wgpu::BindGroup,
    /// Prepared pipelines for every draw's key.
    pub pipelines: &'a Pipelines,
    /// The frame's draws.
    pub draws: &'a DrawList,
    /// The uploaded assets the draws refer to.
    pub assets: &'a [GpuAsset],
    /// How draws are issued.
    pub mode: DrawMode,
    /// Whether the normals target is drawn (and attached).
    pub normals: bool,
    /// Group 3: the frame's environment maps (a stand-in when it has none).
    pub environment: &'a wgpu::BindGroup,
    /// Draws the environment as the background, when the frame shows it.
    pub environment_background: Option<&'a wgpu::RenderPipeline>,
}

impl ScenePass<'_> {
    /// Records the pass into `encoder`.
    pub(in crate::gpu) fn record(&self, encoder: &mut wgpu::CommandEncoder, scene: &FrameScene) {
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
        let [color_view, depth_view, id_view, normal_view] = &self.targets.views;
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
                clear(wgpu::Color::TRANSPARENT, normal_view),
            ][..3 + usize::from(self.normals)],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &self.targets.depth,
                // Kept for the amodal pass, which tests against it.
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(0.0),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_bind_group(0, self.frame_bind_group, &[]);
        pass.set_bind_group(3, self.environment, &[]);
        if let Some(pipeline) = self.environment_background {
            pass.set_pipeline(pipeline);
            pass.draw(0..3, 0..1);
        } else if scene.background_texture.is_some() {
            pass.set_pipeline(&self.pipelines.background[usize::from(self.normals)]);
            pass.draw(0..3, 0..1);
        }
        issue_draws(
            &mut pass,
            self.draws,
            self.assets,
            (self.mode, scene.render.anisotropic_filtering),
            None,
            |key| self.pipelines.get(key),
        );
    }
}

//! The render passes of a frame, one file each, recorded in order by
//! [`super::Renderer::submit`]: [`shadow`] (the shadow maps), [`scene`] (colour, depth,
//! instance ids, tone-mapped colour), then [`amodal`]
//! (the labeled objects' unoccluded masks).

pub(super) mod amodal;
pub(super) mod scene;
pub(super) mod shadow;

use crate::gpu::draws::{DrawList, INSTANCE_STRIDE};
use crate::gpu::pipelines::{DrawMode, PipelineKey};
use crate::gpu::upload::GpuAsset;

/// Issues every draw of `draws` with the pipeline `pipeline_of` gives its key (draws it
/// gives none are skipped): group 1 the instance data, group 2 the material. With
/// `only`, instance slots it marks false are skipped too (per-object draws leave them
/// out; an instanced draw is left out when none of its instances is marked). With
/// `anisotropic`, materials that have anisotropic samplers bind them.
pub(super) fn issue_draws<'p>(
    pass: &mut wgpu::RenderPass<'_>,
    draws: &DrawList,
    assets: &[GpuAsset],
    (mode, anisotropic): (DrawMode, bool),
    only: Option<&[bool]>,
    pipeline_of: impl Fn(&PipelineKey) -> Option<&'p wgpu::RenderPipeline>,
) {
    let wanted = |slot: u32| only.is_none_or(|o| o.get(slot as usize).copied().unwrap_or(false));
    pass.set_bind_group(1, &draws.bind_group, &[0]);
    if mode == DrawMode::Instanced {
        pass.set_vertex_buffer(1, draws.buffer.slice(..));
    }
    for item in &draws.items {
        let Some(pipeline) = pipeline_of(&item.key) else {
            continue;
        };
        let slots = item.first_instance..item.first_instance + item.instance_count;
        if !slots.clone().any(wanted) {
            continue;
        }
        let asset = &assets[item.asset];
        let prim = &asset.meshes[item.mesh][item.prim];
        pass.set_pipeline(pipeline);
        let material = &asset.materials[prim.material];
        let group = match &material.anisotropic_bind_group {
            Some(group) if anisotropic => group,
            _ => &material.bind_group,
        };
        pass.set_bind_group(2, group, &[]);
        pass.set_vertex_buffer(0, prim.vertices.slice(..));
        pass.set_index_buffer(prim.indices.slice(..), wgpu::IndexFormat::Uint32);
        let first = item.first_instance;
        match mode {
            DrawMode::Instanced => {
                pass.draw_indexed(0..prim.index_count, 0, first..first + item.instance_count)
            }
            DrawMode::PerObject => {
                for instance in slots.filter(|&s| wanted(s)) {
                    let offset = u64::from(instance) * INSTANCE_STRIDE;
                    // Offsets stay below the buffer size, far below u32::MAX.
                    pass.set_bind_group(1, &draws.bind_group, &[offset as u32]);
                    pass.draw_indexed(0..prim.index_count, 0, 0..1);
                }
            }
        }
    }
}

//! The amodal masks' GPU side: two per-pixel bitmasks a frame's labeled objects are drawn
//! into with no depth test (bit `(id - 1) % 32` of word plane `(id - 1) / 32`), and their
//! readback. The exact mask draws the image as the scene pass does; the wide mask draws a
//! field [`WIDE_FACTOR`] times wider and taller at the same resolution, so the share of a
//! silhouette outside the image (truncation) can be measured. One pass each, whatever
//! the number of objects: no render per object.

use super::context::{GpuContext, GpuError};
use super::layouts::Layouts;

/// How many times wider (and taller) the wide mask's field of view is than the image's.
pub const WIDE_FACTOR: u32 = 3;

/// The frame's amodal masks as read back: `words` planes of `width × height` u32 each.
#[derive(Debug, Clone, Default)]
pub struct AmodalMasks {
    /// Word planes per mask: ⌈largest instance id / 32⌉ (0: no labeled object).
    pub words: u32,
    /// The exact mask (the image's own pixels), plane after plane, rows top to bottom.
    pub exact: Vec<u32>,
    /// The wide mask: pixel (x, y) covers the `WIDE_FACTOR`² image pixels around image
    /// point `((x + 0.5 - W/2)·k + W/2, (y + 0.5 - H/2)·k + H/2)` (pixel-corner coordinates).
    pub wide: Vec<u32>,
}

/// Uniform of one amodal pass (`Amodal` in `shaders/scene/amodal.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct AmodalUniform {
    scale: [f32; 4],
    size: [u32; 4],
}

/// The bitmask buffers of the two passes and their bind groups, sized for `words` planes.
struct Masks {
    words: u32,
    exact: wgpu::Buffer,
    wide: wgpu::Buffer,
    exact_group: wgpu::BindGroup,
    wide_group: wgpu::BindGroup,
}

/// Bitmasks, their uniforms and a readback buffer per ring slot, grown as frames with
/// more objects come.
pub(super) struct AmodalTargets {
    width: u32,
    height: u32,
    uniforms: [wgpu::Buffer; 2],
    masks: Option<Masks>,
    readback: Vec<Option<(u32, wgpu::Buffer)>>,
    mapped: Vec<Option<std::sync::mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>>>,
}

impl AmodalTargets {
    pub(super) fn new(ctx: &GpuContext, width: u32, height: u32, ring: usize) -> Self {
        let uniform = |scale: f32| {
            let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("amodal uniform"),
                size: std::mem::size_of::<AmodalUniform>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let data = AmodalUniform {
                scale: [scale, 0.0, 0.0, 0.0],
                size: [width, height, 0, 0],
            };
            ctx.queue
                .write_buffer(&buffer, 0, bytemuck::bytes_of(&data));
            buffer
        };
        Self {
            width,
            height,
            uniforms: [uniform(1.0), uniform(1.0 / WIDE_FACTOR as f32)],
            masks: None,
            readback: (0..ring).map(|_| None).collect(),
            mapped: (0..ring).map(|_| None).collect(),
        }
    }

    fn plane_bytes(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height) * 4
    }

    /// Makes room for `words` planes; an error when the device's buffers cannot hold them.
    fn ensure(
        &mut self,
        ctx: &GpuContext,
        layouts: &Layouts,
        words: u32,
    ) -> Result<&Masks, GpuError> {
        if let Some(m) = self.masks.take_if(|m| m.words >= words) {
            return Ok(self.masks.insert(m));
        }
        let size = self.plane_bytes() * u64::from(words);
        let limits = ctx.device.limits();
        let limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if size > limit {
            return Err(GpuError::Validation(format!(
                "the amodal masks of {} labeled objects at {}x{} need {size} bytes, more than \
                 this device's storage buffer limit of {limit} bytes ({}): render fewer objects \
                 per frame or a smaller image",
                words * 32,
                self.width,
                self.height,
                ctx.summary
            )));
        }
        let buffer = |label| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let (exact, wide) = (buffer("amodal exact"), buffer("amodal wide"));
        let group = |uniform: &wgpu::Buffer, bits: &wgpu::Buffer| {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("amodal"),
                layout: &layouts.amodal,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: uniform.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: bits.as_entire_binding(),
                    },
                ],
            })
        };
        Ok(self.masks.insert(Masks {
            words,
            exact_group: group(&self.uniforms[0], &exact),
            wide_group: group(&self.uniforms[1], &wide),
            exact,
            wide,
        }))
    }

    /// Clears `words` planes of both masks for a frame and returns the bind groups of the
    /// exact and the wide pass.
    pub(super) fn begin_frame(
        &mut self,
        ctx: &GpuContext,
        layouts: &Layouts,
        encoder: &mut wgpu::CommandEncoder,
        words: u32,
    ) -> Result<[&wgpu::BindGroup; 2], GpuError> {
        let used = self.plane_bytes() * u64::from(words);
        let masks = self.ensure(ctx, layouts, words)?;
        encoder.clear_buffer(&masks.exact, 0, Some(used));
        encoder.clear_buffer(&masks.wide, 0, Some(used));
        Ok([&masks.exact_group, &masks.wide_group])
    }

    /// Records the copy of both masks' `words` planes into slot `slot`'s readback buffer
    /// (after [`AmodalTargets::begin_frame`]).
    pub(super) fn record_copies(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        words: u32,
    ) {
        let used = self.plane_bytes() * u64::from(words);
        let Some(masks) = &self.masks else {
            return;
        };
        let target = match self.readback[slot].take_if(|(w, _)| *w >= words) {
            Some(fits) => self.readback[slot].insert(fits),
            None => self.readback[slot].insert((
                words,
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("amodal readback"),
                    size: used * 2,
                    usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                    mapped_at_creation: false,
                }),
            )),
        };
        let target = &target.1;
        encoder.copy_buffer_to_buffer(&masks.exact, 0, target, 0, used);
        encoder.copy_buffer_to_buffer(&masks.wide, 0, target, used, used);
    }

    /// After submission: asks for slot `slot`'s readback of `words` planes to be mapped.
    pub(super) fn map(&mut self, slot: usize, words: u32) {
        let Some((_, buffer)) = &self.readback[slot] else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::channel();
        buffer
            .slice(..self.plane_bytes() * u64::from(words) * 2)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.mapped[slot] = Some(rx);
    }

    /// Once the submission is complete: copies slot `slot`'s masks into `out`.
    pub(super) fn read(
        &mut self,
        slot: usize,
        words: u32,
        out: &mut AmodalMasks,
    ) -> Result<(), GpuError> {
        out.words = words;
        out.exact.clear();
        out.wide.clear();
        let (Some(mapped), Some((_, buffer))) = (self.mapped[slot].take(), &self.readback[slot])
        else {
            return Ok(());
        };
        mapped
            .recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let used = (self.plane_bytes() * u64::from(words)) as usize;
        {
            let data = buffer
                .get_mapped_range(..(used * 2) as u64)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            let words_of = |bytes: &[u8]| -> Vec<u32> { bytemuck::pod_collect_to_vec(bytes) };
            out.exact = words_of(&data[..used]);
            out.wide = words_of(&data[used..used * 2]);
        }
        buffer.unmap();
        Ok(())
    }
}

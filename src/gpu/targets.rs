//! Render targets and their readback: the colour, linear-depth and instance-id targets one
//! frame is drawn into, and a ring of readback buffers so one frame can render while the
//! previous one is copied out into [`FrameBuffers`].

use super::context::{GpuContext, GpuError};

/// The colour target: sRGB-encoded on write, so shaders output linear colour.
pub(super) const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// Linear depth travels as f32 bits in an integer target: R32Float is not renderable on
/// every GL implementation, R32Uint is.
pub(super) const LINEAR_DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;
/// Instance ids, never blended or multisampled.
pub(super) const ID_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;
/// Camera-frame normals, octahedrally packed into two 16-bit codes (0: no surface).
pub(super) const NORMAL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R32Uint;
/// The depth buffer (reversed Z).
pub(super) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Frames that can be in flight at once (see [`super::Renderer::submit`]).
pub const READBACK_RING: usize = 2;
/// Every target is 4 bytes a pixel, so all share one padded row pitch.
const BYTES_PER_PIXEL: u32 = 4;

/// One frame read back from the GPU.
#[derive(Debug, Clone, Default)]
pub struct FrameBuffers {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// sRGB colour, 8-bit RGB, row-major.
    pub rgb: Vec<u8>,
    /// Depth along the optical axis in metres, 0 where no surface is.
    pub depth: Vec<f32>,
    /// Instance id per pixel, 0 for background and unlabeled objects.
    pub instance: Vec<u32>,
    /// Camera-frame normal per pixel, packed (see [`unpack_normal`]); empty unless the
    /// renderer reads normals back.
    pub normals: Vec<u32>,
    /// Each labeled object's unoccluded silhouette, in the image and in a wider field.
    pub amodal: super::amodal::AmodalMasks,
}

/// The targets of one frame.
pub(super) struct Targets {
    color: wgpu::Texture,
    linear_depth: wgpu::Texture,
    ids: wgpu::Texture,
    normals: wgpu::Texture,
    /// The depth buffer's view (never read back).
    pub(super) depth: wgpu::TextureView,
    /// Views of colour, linear depth, ids and normals, in attachment order.
    pub(super) views: [wgpu::TextureView; 4],
}

impl Targets {
    pub(super) fn new(device: &wgpu::Device, width: u32, height: u32) -> Self {
        let size = wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        };
        let texture = |label, format, copy: bool| {
            let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
            if copy {
                usage |= wgpu::TextureUsages::COPY_SRC;
            }
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats: &[],
            })
        };
        let color = texture("color", COLOR_FORMAT, true);
        let linear_depth = texture("linear depth", LINEAR_DEPTH_FORMAT, true);
        let ids = texture("instance ids", ID_FORMAT, true);
        let normals = texture("normals", NORMAL_FORMAT, true);
        let depth = texture("depth buffer", DEPTH_FORMAT, false).create_view(&Default::default());
        let views =
            [&color, &linear_depth, &ids, &normals].map(|t| t.create_view(&Default::default()));
        Self {
            color,
            linear_depth,
            ids,
            normals,
            depth,
            views,
        }
    }
}

/// Readback buffers used in turn, so one frame can render while another is read.
pub(super) struct Readback {
    width: u32,
    height: u32,
    padded_row: u32,
    /// Target planes read back: colour, depth, ids, and normals when asked for.
    planes: u64,
    buffers: Vec<wgpu::Buffer>,
    in_flight: Vec<bool>,
    next: usize,
}

/// A frame's place in the readback ring, from [`Readback::record_copies`] until
/// [`Readback::read`].
pub(super) struct Slot {
    /// Its index in the ring.
    pub(super) index: usize,
    mapped: std::sync::mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
}

impl Readback {
    pub(super) fn new(device: &wgpu::Device, width: u32, height: u32, normals: bool) -> Self {
        let padded_row = (width * BYTES_PER_PIXEL).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let planes = if normals { 4 } else { 3 };
        let buffers = (0..READBACK_RING)
            .map(|_| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: u64::from(padded_row) * u64::from(height) * planes,
                    usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                    mapped_at_creation: false,
                })
            })
            .collect();
        Self {
            width,
            height,
            padded_row,
            planes,
            buffers,
            in_flight: vec![false; READBACK_RING],
            next: 0,
        }
    }

    /// The next free buffer of the ring, or an error when every one holds a frame not yet
    /// read.
    pub(super) fn next_free(&self) -> Result<usize, GpuError> {
        if self.in_flight[self.next] {
            return Err(GpuError::Readback(format!(
                "more than {READBACK_RING} frames in flight"
            )));
        }
        Ok(self.next)
    }

    /// Records the copies of the three targets into buffer `index` of the ring.
    pub(super) fn record_copies(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        targets: &Targets,
        index: usize,
    ) {
        let plane = u64::from(self.padded_row) * u64::from(self.height);
        let textures = [
            &targets.color,
            &targets.linear_depth,
            &targets.ids,
            &targets.normals,
        ];
        for (i, texture) in textures.into_iter().take(self.planes as usize).enumerate() {
            encoder.copy_texture_to_buffer(
                wgpu::TexelCopyTextureInfo {
                    texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::TexelCopyBufferInfo {
                    buffer: &self.buffers[index],
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: plane * i as u64,
                        bytes_per_row: Some(self.padded_row),
                        rows_per_image: Some(self.height),
                    },
                },
                wgpu::Extent3d {
                    width: self.width,
                    height: self.height,
                    depth_or_array_layers: 1,
                },
            );
        }
    }

    /// After the copies are submitted: asks for buffer `index` to be mapped and marks it
    /// in flight.
    pub(super) fn map(&mut self, index: usize) -> Slot {
        let (tx, mapped) = std::sync::mpsc::channel();
        self.buffers[index]
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.in_flight[index] = true;
        self.next = (index + 1) % READBACK_RING;
        Slot { index, mapped }
    }

    /// Waits for `submission` and copies the slot's buffer into `out` (reusing its
    /// allocations); the slot is free again afterwards, whatever the outcome.
    pub(super) fn read(
        &mut self,
        ctx: &GpuContext,
        submission: &wgpu::SubmissionIndex,
        slot: Slot,
        out: &mut FrameBuffers,
    ) -> Result<(), GpuError> {
        let result = self.read_slot(ctx, submission, &slot, out);
        self.in_flight[slot.index] = false;
        result
    }

    fn read_slot(
        &self,
        ctx: &GpuContext,
        submission: &wgpu::SubmissionIndex,
        slot: &Slot,
        out: &mut FrameBuffers,
    ) -> Result<(), GpuError> {
        let buffer = &self.buffers[slot.index];
        ctx.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission.clone()),
                timeout: None,
            })
            .map_err(|e| GpuError::Poll(e.to_string()))?;
        slot.mapped
            .recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let (w, h) = (self.width as usize, self.height as usize);
        let row = self.padded_row as usize;
        let plane = row * h;
        out.width = self.width;
        out.height = self.height;
        out.rgb.clear();
        out.depth.clear();
        out.instance.clear();
        out.normals.clear();
        out.rgb.reserve(w * h * 3);
        out.depth.reserve(w * h);
        out.instance.reserve(w * h);
        {
            let data = buffer
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            for y in 0..h {
                let color = &data[y * row..y * row + w * 4];
                out.rgb
                    .extend(color.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]));
                let depth = &data[plane + y * row..plane + y * row + w * 4];
                out.depth.extend(
                    depth
                        .chunks_exact(4)
                        .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                );
                let ids = &data[2 * plane + y * row..2 * plane + y * row + w * 4];
                out.instance.extend(
                    ids.chunks_exact(4)
                        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                );
                if self.planes > 3 {
                    let normals = &data[3 * plane + y * row..3 * plane + y * row + w * 4];
                    out.normals.extend(
                        normals
                            .chunks_exact(4)
                            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                    );
                }
            }
        }
        buffer.unmap();
        Ok(())
    }
}

/// A packed normal of [`FrameBuffers::normals`] as a unit vector in the camera frame
/// (OpenCV axes); none where no surface is.
pub fn unpack_normal(packed: u32) -> Option<[f32; 3]> {
    if packed == 0 {
        return None;
    }
    let code = |c: u32| ((c as f32 - 1.0) / 65534.0) * 2.0 - 1.0;
    let (px, py) = (code(packed >> 16), code(packed & 0xffff));
    let z = 1.0 - px.abs() - py.abs();
    let (x, y) = if z < 0.0 {
        (
            (1.0 - py.abs()) * if px >= 0.0 { 1.0 } else { -1.0 },
            (1.0 - px.abs()) * if py >= 0.0 { 1.0 } else { -1.0 },
        )
    } else {
        (px, py)
    };
    let len = (x * x + y * y + z * z).sqrt();
    Some([x / len, y / len, z / len])
}

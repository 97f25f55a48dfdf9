//! Visibility from the amodal masks ([`crate::gpu::amodal`]): how much of each labeled
//! object the image would show with nothing in front of it, where that silhouette lies,
//! and how much of it falls outside the image.

use super::masks::InstanceMask;
use crate::gpu::FrameBuffers;
use crate::gpu::amodal::WIDE_FACTOR;

/// One instance's unoccluded silhouette, measured on the amodal masks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Silhouette {
    /// Pixels of the image the object covers with nothing in front of it: its visible
    /// pixels and its hidden ones.
    pub unoccluded_pixels: u64,
    /// Tight box `[x, y, w, h]` of those pixels; none when there are none.
    pub amodal_bbox: Option<[u32; 4]>,
    /// Image pixels the wide mask's pixels cover beyond the image (each wide pixel
    /// stands for `WIDE_FACTOR`² image pixels; one on the image's edge counts for the
    /// part of it outside).
    pub pixels_outside: u64,
    /// Box `[x0, y0, x1, y1]` (inclusive, image pixel indices, possibly outside the
    /// image) of the wide mask's pixels outside the image.
    pub wide_outside_box: Option<[i64; 4]>,
}

impl Silhouette {
    /// Visible / unoccluded pixels (occlusion only); none when the object covers no
    /// pixel of the image.
    pub fn visibility(&self, visible_pixels: u64) -> Option<f64> {
        (self.unoccluded_pixels > 0).then(|| visible_pixels as f64 / self.unoccluded_pixels as f64)
    }

    /// The silhouette's pixels as if the image reached `WIDE_FACTOR` times further: the
    /// unoccluded pixels plus the wide mask's outside ones × `WIDE_FACTOR`² (BOP's
    /// `px_count_all`).
    pub fn unclipped_pixels(&self) -> u64 {
        self.unoccluded_pixels + self.pixels_outside
    }

    /// Box `[x, y, w, h]` of the silhouette unclipped by the image (BOP's `bbox_obj`):
    /// the amodal box joined with the wide mask's pixels outside the image, whose edges
    /// are known to `WIDE_FACTOR` pixels; `x` and `y` may be negative. None when the
    /// object covers no pixel of either.
    pub fn unclipped_bbox(&self) -> Option<[i64; 4]> {
        let inside = self.amodal_bbox.map(|[x, y, w, h]| {
            [
                i64::from(x),
                i64::from(y),
                i64::from(x + w) - 1,
                i64::from(y + h) - 1,
            ]
        });
        let b = match (inside, self.wide_outside_box) {
            (Some(a), Some(b)) => [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ],
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => return None,
        };
        Some([b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1])
    }

    /// The share of the unclipped silhouette outside the image, measured in a field
    /// `WIDE_FACTOR` times wider and taller than the image (silhouette beyond it is not
    /// counted); none when the object covers no pixel of either.
    pub fn truncation(&self) -> Option<f64> {
        let total = self.unclipped_pixels();
        let outside = total - self.unoccluded_pixels;
        (total > 0).then(|| outside as f64 / total as f64)
    }
}

/// The unoccluded mask of instance `id` (its visible pixels and the exact amodal mask's
/// hidden ones), row-major over the whole image.
pub fn amodal_mask(buffers: &FrameBuffers, id: u16, amodal_bbox: [u32; 4]) -> Vec<bool> {
    let (w, h) = (buffers.width as usize, buffers.height as usize);
    let plane = w * h;
    let own = u32::from(id).wrapping_sub(1);
    let bits = buffers
        .amodal
        .exact
        .get((own / 32) as usize * plane..((own / 32) as usize + 1) * plane);
    let bit = 1u32 << (own % 32);
    let mut mask = vec![false; plane];
    let [x0, y0, bw, bh] = amodal_bbox.map(|v| v as usize);
    for y in y0..(y0 + bh).min(h) {
        for x in x0..(x0 + bw).min(w) {
            let i = y * w + x;
            mask[i] = buffers.instance[i] == u32::from(id) || bits.is_some_and(|b| b[i] & bit != 0);
        }
    }
    mask
}

/// Measures the silhouettes of instance ids `1..=max_id` (index `id - 1`) from their
/// visible masks (`visible`, in id order) and the frame's amodal masks, whose exact mask
/// holds the hidden fragments (a pixel whose visible id is the object's own counts once).
pub fn silhouettes(
    buffers: &FrameBuffers,
    visible: &[InstanceMask],
    max_id: u16,
) -> Vec<Silhouette> {
    let (w, h) = (buffers.width as usize, buffers.height as usize);
    let plane = w * h;
    let masks = &buffers.amodal;
    let words = (masks.words as usize).min(masks.exact.len() / plane.max(1));
    let n = usize::from(max_id);
    let mut out = vec![Silhouette::default(); n];
    // Boxes as [x0, y0, x1, y1], seeded with the visible boxes.
    let mut boxes = vec![[u32::MAX, u32::MAX, 0u32, 0u32]; n];
    for m in visible {
        let i = usize::from(m.instance_id).wrapping_sub(1);
        if let (Some(s), Some(b), Some([x, y, bw, bh])) = (out.get_mut(i), boxes.get_mut(i), m.bbox)
        {
            s.unoccluded_pixels = m.area;
            *b = [x, y, x + bw - 1, y + bh - 1];
        }
    }
    // By rows, so a pixel's coordinates take no division (an empty image has no rows, but
    // chunks need a length).
    let row_len = w.max(1);
    for p in 0..words {
        let exact = &masks.exact[p * plane..(p + 1) * plane];
        let rows = exact
            .chunks_exact(row_len)
            .zip(buffers.instance.chunks_exact(row_len));
        for (y, (exact_row, shown_row)) in rows.enumerate() {
            for (x, (&word, &shown)) in exact_row.iter().zip(shown_row).enumerate() {
                if word == 0 {
                    continue;
                }
                let mut bits = word;
                // The pixel's visible object is counted already.
                let own = shown.wrapping_sub(1);
                if shown > 0 && (own / 32) as usize == p {
                    bits &= !(1 << (own % 32));
                }
                let (x, y) = (x as u32, y as u32);
                while bits != 0 {
                    let id = p * 32 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let (Some(s), Some(b)) = (out.get_mut(id), boxes.get_mut(id)) else {
                        continue;
                    };
                    s.unoccluded_pixels += 1;
                    *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
                }
            }
        }
    }
    for (s, b) in out.iter_mut().zip(&boxes) {
        if s.unoccluded_pixels > 0 {
            s.amodal_bbox = Some([b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1]);
        }
    }
    // The wide mask: each object's pixels centred beyond the image, counted for the
    // image pixels they cover there.
    let k = f64::from(WIDE_FACTOR);
    // The image span `[lo, hi)` (pixel-corner coordinates) wide pixel `c` covers along
    // an axis of `size`, and how much of it lies inside `[0, size]`.
    let span = |c: usize, size: usize| {
        let half = size as f64 * 0.5;
        let lo = (c as f64 - half) * k + half;
        let hi = (c as f64 + 1.0 - half) * k + half;
        (lo, hi, (hi.min(size as f64) - lo.max(0.0)).max(0.0))
    };
    let mut outside_area = vec![0.0f64; n];
    for p in 0..words {
        for (i, &word) in masks.wide[p * plane..(p + 1) * plane].iter().enumerate() {
            if word == 0 {
                continue;
            }
            let ((x0, x1, inside_x), (y0, y1, inside_y)) = (span(i % w, w), span(i / w, h));
            // Only pixels whose centre lies beyond the image: an object wholly inside it
            // covers none (so it is 0 whether or not the wide pass drew it), and those on
            // the edge count for their part outside.
            let centre_outside = |lo: f64, hi: f64, size: usize| {
                let c = (lo + hi) * 0.5;
                c < 0.0 || c > size as f64
            };
            if !(centre_outside(x0, x1, w) || centre_outside(y0, y1, h)) {
                continue;
            }
            let outside = k * k - inside_x * inside_y;
            let mut bits = word;
            while bits != 0 {
                let id = p * 32 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let (Some(s), Some(area)) = (out.get_mut(id), outside_area.get_mut(id)) {
                    *area += outside;
                    let px = [x0.floor(), y0.floor(), x1.ceil() - 1.0, y1.ceil() - 1.0];
                    let px = px.map(|v| v as i64);
                    let b = s.wide_outside_box.get_or_insert(px);
                    *b = [
                        b[0].min(px[0]),
                        b[1].min(px[1]),
                        b[2].max(px[2]),
                        b[3].max(px[3]),
                    ];
                }
            }
        }
    }
    for (s, area) in out.iter_mut().zip(outside_area) {
        s.pixels_outside = area.round() as u64;
    }
    out
}

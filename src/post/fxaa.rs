//! FXAA, Lottes' console variant, on an sRGB RGB8 image (perceptual values, as FXAA
//! expects): where the luma of a pixel's diagonal neighbourhood spans enough contrast,
//! the pixel becomes a blend of samples along the local edge direction, kept only if its
//! luma stays within the neighbourhood's range. Flat pixels are left untouched.

use rayon::prelude::*;

/// Smallest contrast, in luma, that counts as an edge.
const EDGE_THRESHOLD_MIN: f32 = 0.0312;
/// Contrast, relative to the brightest neighbour, that counts as an edge.
const EDGE_THRESHOLD: f32 = 0.125;
/// Longest blur along the edge, pixels.
const SPAN_MAX: f32 = 8.0;
const REDUCE_MUL: f32 = 1.0 / 8.0;
const REDUCE_MIN: f32 = 1.0 / 128.0;

/// Anti-aliases `rgb` (row-major RGB8, `width`×`height`) in place, at the pixels where
/// `on_edge(x, y)` holds (see [`super::edges::EdgeFinder`]); it is asked only where the
/// colours show an edge.
pub fn fxaa(
    rgb: &mut [u8],
    width: usize,
    height: usize,
    on_edge: impl Fn(usize, usize) -> bool + Sync,
) {
    if width < 2 || height < 2 {
        return;
    }
    let source = Image::new(rgb.to_vec(), width, height);
    rgb.par_chunks_mut(width * 3)
        .enumerate()
        .for_each(|(y, row)| {
            let rows = source.luma_rows(y);
            for x in 0..width {
                if let Some(c) = source.filtered(x, y, rows, &on_edge) {
                    row[3 * x..3 * x + 3].copy_from_slice(&c);
                }
            }
        });
}

/// Rec. 601 luma of an sRGB pixel, 0 to 1.
fn luma(p: &[u8]) -> f32 {
    (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 255.0
}

/// A row of luma and the rows above and below it.
type LumaRows<'a> = [&'a [f32]; 3];

/// The unfiltered image with its luma.
struct Image {
    rgb: Vec<u8>,
    luma: Vec<f32>,
    width: usize,
    height: usize,
}

impl Image {
    fn new(rgb: Vec<u8>, width: usize, height: usize) -> Self {
        let mut luma = vec![0.0; width * height];
        luma.par_chunks_mut(width)
            .zip(rgb.par_chunks(width * 3))
            .for_each(|(out, row)| {
                for (l, p) in out.iter_mut().zip(row.chunks_exact(3)) {
                    *l = self::luma(p);
                }
            });
        Self {
            rgb,
            luma,
            width,
            height,
        }
    }

    /// The luma rows above, at and below row `y` (clamped to the image).
    fn luma_rows(&self, y: usize) -> LumaRows<'_> {
        let row = |r: usize| &self.luma[r * self.width..(r + 1) * self.width];
        [
            row(y.saturating_sub(1)),
            row(y),
            row((y + 1).min(self.height - 1)),
        ]
    }

    /// Bilinear sample at pixel coordinates (pixel centres at integers), clamped.
    fn sample(&self, px: f32, py: f32) -> [f32; 3] {
        let max_x = (self.width - 1) as f32;
        let max_y = (self.height - 1) as f32;
        let (px, py) = (px.clamp(0.0, max_x), py.clamp(0.0, max_y));
        let (x0, y0) = (px.floor() as usize, py.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (px - x0 as f32, py - y0 as f32);
        let at = |x: usize, y: usize, k: usize| f32::from(self.rgb[3 * (y * self.width + x) + k]);
        std::array::from_fn(|k| {
            let top = at(x0, y0, k) * (1.0 - fx) + at(x1, y0, k) * fx;
            let bottom = at(x0, y1, k) * (1.0 - fx) + at(x1, y1, k) * fx;
            top * (1.0 - fy) + bottom * fy
        })
    }

    /// The filtered colour of (x, y), or none where it is not on an edge (of the colours,
    /// and where `on_edge` says).
    fn filtered(
        &self,
        x: usize,
        y: usize,
        [above, here, below]: LumaRows,
        on_edge: impl Fn(usize, usize) -> bool,
    ) -> Option<[u8; 3]> {
        let (left, right) = (x.saturating_sub(1), (x + 1).min(self.width - 1));
        let m = here[x];
        let (nw, ne) = (above[left], above[right]);
        let (sw, se) = (below[left], below[right]);
        let lo = m.min(nw.min(ne).min(sw.min(se)));
        let hi = m.max(nw.max(ne).max(sw.max(se)));
        if hi - lo < EDGE_THRESHOLD_MIN.max(hi * EDGE_THRESHOLD) || !on_edge(x, y) {
            return None;
        }
        let dir = [-((nw + ne) - (sw + se)), (nw + sw) - (ne + se)];
        let reduce = ((nw + ne + sw + se) * 0.25 * REDUCE_MUL).max(REDUCE_MIN);
        let scale = 1.0 / (dir[0].abs().min(dir[1].abs()) + reduce);
        let d = dir.map(|c| (c * scale).clamp(-SPAN_MAX, SPAN_MAX));
        let (fx, fy) = (x as f32, y as f32);
        let at = |t: f32| self.sample(fx + d[0] * t, fy + d[1] * t);
        let (a1, a2) = (at(1.0 / 3.0 - 0.5), at(2.0 / 3.0 - 0.5));
        let (b1, b2) = (at(-0.5), at(0.5));
        let a: [f32; 3] = std::array::from_fn(|k| 0.5 * (a1[k] + a2[k]));
        let b: [f32; 3] = std::array::from_fn(|k| 0.5 * a[k] + 0.25 * (b1[k] + b2[k]));
        let luma_b = (0.299 * b[0] + 0.587 * b[1] + 0.114 * b[2]) / 255.0;
        let chosen = if luma_b < lo || luma_b > hi { a } else { b };
        Some(chosen.map(|c| c.round().clamp(0.0, 255.0) as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hard diagonal edge: black below the line y = x / 2, white above.
    fn edge(width: usize, height: usize) -> Vec<u8> {
        let mut rgb = vec![0u8; width * height * 3];
        for y in 0..height {
            for x in 0..width {
                if 2 * y < x {
                    rgb[3 * (y * width + x)..3 * (y * width + x) + 3].fill(255);
                }
            }
        }
        rgb
    }

    #[test]
    fn flat_images_are_left_untouched() {
        // A ramp of 2 levels a pixel: under the contrast that counts as an edge.
        let mut rgb: Vec<u8> = (0..32 * 16 * 3).map(|i| (i / 3 % 32 * 2) as u8).collect();
        let before = rgb.clone();
        fxaa(&mut rgb, 32, 16, |_, _| true);
        assert_eq!(rgb, before, "a gentle ramp is no edge");
    }

    #[test]
    fn a_stair_stepped_edge_gets_intermediate_values_only_along_it() {
        let (w, h) = (64, 32);
        let mut rgb = edge(w, h);
        let before = rgb.clone();
        fxaa(&mut rgb, w, h, |_, _| true);
        let grey = rgb.iter().filter(|&&c| c != 0 && c != 255).count();
        assert!(
            grey > 3 * w / 2,
            "only {grey} blended values along the edge"
        );
        for y in 0..h {
            for x in 0..w {
                let far = (2.0 * y as f64 - x as f64).abs() > 6.0;
                let i = 3 * (y * w + x);
                if far {
                    assert_eq!(rgb[i], before[i], "({x}, {y}) is far from the edge");
                }
            }
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_thread_count() {
        let (w, h) = (97, 61);
        let rgb = edge(w, h);
        let run =
            |threads| super::super::on_threads(threads, &rgb, |out| fxaa(out, w, h, |_, _| true));
        assert_eq!(run(1), run(3));
    }
}

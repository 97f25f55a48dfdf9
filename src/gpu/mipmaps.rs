//! Mip chains built on the CPU at upload: each level a 2×2 box filter of the one above,
//! averaged in linear light for sRGB images (averaging encoded values darkens them).
//! Mipmaps keep minified textures from aliasing and make a software rasterizer's
//! sampling far cheaper.

use rayon::prelude::*;

/// sRGB byte → linear, as a table.
fn srgb_table() -> [f32; 256] {
    let mut t = [0.0f32; 256];
    for (i, v) in t.iter_mut().enumerate() {
        *v = crate::geometry::srgb_to_linear(i as f64 / 255.0) as f32;
    }
    t
}

/// Linear → sRGB byte, by the formula (a power per call).
fn encode_srgb_byte(l: f32) -> u8 {
    let l = l.clamp(0.0, 1.0);
    let s = if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * libm::powf(l, 1.0 / 2.4) - 0.055
    };
    (s * 255.0 + 0.5) as u8
}

/// Per byte value k in 1..=255, the smallest linear value that [`encode_srgb_byte`] takes
/// to k or more (index 0 unused); made once. The encoding rises with its input, so these
/// thresholds give its exact result by a search instead of a power per texel.
fn srgb_byte_thresholds() -> &'static [f32; 256] {
    static TABLE: std::sync::OnceLock<[f32; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|k| {
            // Bisect on the bit patterns, which order non-negative floats.
            let (mut lo, mut hi) = (0u32, 1.0f32.to_bits());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if usize::from(encode_srgb_byte(f32::from_bits(mid))) >= k {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            f32::from_bits(lo)
        })
    })
}

/// Linear → sRGB byte: [`encode_srgb_byte`]'s result, read off [`srgb_byte_thresholds`].
fn linear_to_srgb_byte(l: f32) -> u8 {
    let thresholds = srgb_byte_thresholds();
    // Thresholds 1..=255 at or below l (NaN counts as 0, as the formula's cast gives).
    let above = thresholds[1..].partition_point(|&t| t <= l);
    above as u8
}

/// Every level below the base image, largest first, as (width, height, RGBA8 bytes).
/// Alpha is always averaged linearly.
pub fn mip_chain(rgba: &[u8], width: u32, height: u32, srgb: bool) -> Vec<(u32, u32, Vec<u8>)> {
    crate::parallel::install(|| mip_levels(rgba, width, height, srgb))
}

/// [`mip_chain`], its rows on the current rayon pool.
fn mip_levels(rgba: &[u8], width: u32, height: u32, srgb: bool) -> Vec<(u32, u32, Vec<u8>)> {
    let table = srgb_table();
    let mut levels: Vec<(u32, u32, Vec<u8>)> = Vec::new();
    let (mut w, mut h) = (width, height);
    while w > 1 || h > 1 {
        // Each level averages the one above: the base image, then the last level made.
        let prev: &[u8] = levels.last().map_or(rgba, |level| &level.2);
        let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
        let mut next = vec![0u8; (nw * nh * 4) as usize];
        next.par_chunks_mut((nw * 4) as usize)
            .enumerate()
            .for_each(|(y, row)| {
                let y = y as u32;
                let ys = [(2 * y).min(h - 1), (2 * y + 1).min(h - 1)];
                for x in 0..nw {
                    let xs = [(2 * x).min(w - 1), (2 * x + 1).min(w - 1)];
                    for c in 0..4 {
                        let mut sum = 0.0f32;
                        for &sy in &ys {
                            for &sx in &xs {
                                let v = prev[((sy * w + sx) * 4 + c) as usize];
                                sum += if srgb && c < 3 {
                                    table[usize::from(v)]
                                } else {
                                    f32::from(v) / 255.0
                                };
                            }
                        }
                        let avg = sum * 0.25;
                        row[(x * 4 + c) as usize] = if srgb && c < 3 {
                            linear_to_srgb_byte(avg)
                        } else {
                            (avg * 255.0 + 0.5) as u8
                        };
                    }
                }
            });
        levels.push((nw, nh, next));
        (w, h) = (nw, nh);
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_encoding_matches_the_formula() {
        let same = |l: f32| {
            assert_eq!(linear_to_srgb_byte(l), encode_srgb_byte(l), "at {l:e}");
        };
        // Either side of every threshold, a dense sweep of [0, 1] and beyond it.
        for &t in &srgb_byte_thresholds()[1..] {
            for bits in t.to_bits().saturating_sub(2)..=t.to_bits() + 2 {
                same(f32::from_bits(bits));
            }
        }
        for bits in (0..=1.0f32.to_bits()).step_by(997) {
            same(f32::from_bits(bits));
        }
        for l in [-1.0, -0.0, 1.0, 1.5, f32::INFINITY, f32::NEG_INFINITY] {
            same(l);
        }
    }

    #[test]
    fn chain_sizes_and_linear_light_average() {
        // 4×2 image: black and white columns alternate.
        let px = |v: u8| [v, v, v, 255];
        let rgba: Vec<u8> = [0u8, 255, 0, 255, 0, 255, 0, 255]
            .iter()
            .flat_map(|&v| px(v))
            .collect();
        let chain = mip_chain(&rgba, 4, 2, true);
        let sizes: Vec<(u32, u32)> = chain.iter().map(|l| (l.0, l.1)).collect();
        assert_eq!(sizes, vec![(2, 1), (1, 1)]);
        // Half white in linear light is sRGB 188, not 128.
        assert_eq!(chain[0].2[0], 188);
        assert_eq!(chain[0].2[3], 255);
        let linear = mip_chain(&rgba, 4, 2, false);
        assert_eq!(linear[0].2[0], 128);
    }
}

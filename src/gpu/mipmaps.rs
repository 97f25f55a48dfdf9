//! Mip chains built on the CPU at upload: each level a 2×2 box filter of the one above,
//! averaged in linear light for sRGB images (averaging encoded values darkens them).
//! Mipmaps keep minified textures from aliasing and make a software rasterizer's
//! sampling far cheaper.

/// sRGB byte → linear, as a table.
fn srgb_table() -> [f32; 256] {
    let mut t = [0.0f32; 256];
    for (i, v) in t.iter_mut().enumerate() {
        *v = crate::geometry::srgb_to_linear(i as f64 / 255.0) as f32;
    }
    t
}

fn linear_to_srgb_byte(l: f32) -> u8 {
    let l = l.clamp(0.0, 1.0);
    let s = if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * libm::powf(l, 1.0 / 2.4) - 0.055
    };
    (s * 255.0 + 0.5) as u8
}

/// Every level below the base image, largest first, as (width, height, RGBA8 bytes).
/// Alpha is always averaged linearly.
pub fn mip_chain(rgba: &[u8], width: u32, height: u32, srgb: bool) -> Vec<(u32, u32, Vec<u8>)> {
    let table = srgb_table();
    let mut levels = Vec::new();
    let (mut w, mut h) = (width, height);
    let mut prev: Vec<u8> = rgba.to_vec();
    while w > 1 || h > 1 {
        let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
        let mut next = vec![0u8; (nw * nh * 4) as usize];
        for y in 0..nh {
            for x in 0..nw {
                let xs = [(2 * x).min(w - 1), (2 * x + 1).min(w - 1)];
                let ys = [(2 * y).min(h - 1), (2 * y + 1).min(h - 1)];
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
                    next[((y * nw + x) * 4 + c) as usize] = if srgb && c < 3 {
                        linear_to_srgb_byte(avg)
                    } else {
                        (avg * 255.0 + 0.5) as u8
                    };
                }
            }
        }
        levels.push((nw, nh, next.clone()));
        prev = next;
        (w, h) = (nw, nh);
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

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

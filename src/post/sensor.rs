//! Sensor and lens effects on the read-back RGB image, in a camera's order: optics
//! (lateral chromatic aberration, defocus blur, motion blur, vignetting) and the sensor
//! (shot noise, read noise) in linear light, then processing (white balance; brightness,
//! contrast, saturation and hue in display values), quantization and JPEG
//! re-compression. Every random value is keyed by (the frame's noise seed, pixel,
//! channel), so a pixel's noise never depends on how rows are split across threads.

use rayon::prelude::*;

use crate::rng::keyed_unit;
use crate::scene::SensorSample;

/// Applies `s` to `rgb` (row-major sRGB RGB8, `width`×`height`) in place.
pub fn apply(rgb: &mut [u8], width: usize, height: usize, s: &SensorSample) {
    if width == 0 || height == 0 {
        return;
    }
    let decode = decode_table();
    let mut img: Vec<[f32; 3]> = rgb
        .par_chunks_exact(3)
        .map(|p| {
            [
                decode[p[0] as usize],
                decode[p[1] as usize],
                decode[p[2] as usize],
            ]
        })
        .collect();
    let size = (width, height);
    if s.chromatic_aberration_px > 0.0 {
        img = chromatic_aberration(&img, size, s.chromatic_aberration_px as f32);
    }
    if s.blur_sigma_px > 0.0 {
        img = gaussian_blur(&img, size, s.blur_sigma_px as f32);
    }
    if s.motion_blur_px > 0.0 {
        img = motion_blur(&img, size, s.motion_blur_px as f32, s.motion_blur_angle_deg);
    }
    let per_pixel_effects = s.vignetting > 0.0
        || s.shot_noise_photons > 0.0
        || s.gaussian_noise_std > 0.0
        || s.white_balance != [1.0; 3]
        || s.brightness != 1.0
        || s.contrast != 1.0
        || s.saturation != 1.0
        || s.hue_deg != 0.0;
    let optics = s.chromatic_aberration_px > 0.0 || s.blur_sigma_px > 0.0 || s.motion_blur_px > 0.0;
    if per_pixel_effects || optics {
        finish_pixels(&img, rgb, size, s);
    }
    if s.jpeg_quality > 0 {
        jpeg_roundtrip(rgb, width, height, s.jpeg_quality);
    }
}

/// Vignetting, noise, white balance and colour jitter of every pixel of `img` (linear),
/// written to `rgb` as sRGB bytes.
fn finish_pixels(
    img: &[[f32; 3]],
    rgb: &mut [u8],
    (width, height): (usize, usize),
    s: &SensorSample,
) {
    let encode = encode_table();
    let hue = libm::sincosf((s.hue_deg as f32).to_radians());
    let (cx, cy) = (0.5 * (width as f32 - 1.0), 0.5 * (height as f32 - 1.0));
    let corner2 = cx * cx + cy * cy;
    img.par_chunks(width)
        .zip(rgb.par_chunks_mut(width * 3))
        .enumerate()
        .for_each(|(y, (row, out))| {
            for (x, (px, o)) in row.iter().zip(out.chunks_exact_mut(3)).enumerate() {
                let index = (y * width + x) as u64;
                let mut c = *px;
                if s.vignetting > 0.0 {
                    let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                    let r2 = (dx * dx + dy * dy) / corner2.max(1.0);
                    let keep = 1.0 - s.vignetting as f32 * r2;
                    c = c.map(|v| v * keep.max(0.0));
                }
                for (k, v) in c.iter_mut().enumerate() {
                    *v = sensor_noise(*v, s, index, k as u64);
                }
                let c = [0, 1, 2].map(|k| c[k] * s.white_balance[k] as f32);
                let display = jitter(c.map(|v| encode[round_unit(v, 65535.0) as usize]), s, hue);
                for (o, v) in o.iter_mut().zip(display) {
                    *o = round_unit(v, 255.0) as u8;
                }
            }
        });
}

/// `v` clamped to [0, 1], times `scale`, rounded to the nearest integer (half up: the
/// values are non-negative, and `f32::round` is a libm call on baseline x86-64, a tenth
/// of this stage's time).
fn round_unit(v: f32, scale: f32) -> u32 {
    (v.clamp(0.0, 1.0) * scale + 0.5) as u32
}

/// sRGB bytes → linear values; made once.
fn decode_table() -> &'static [f32; 256] {
    static TABLE: std::sync::OnceLock<[f32; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|v| crate::geometry::srgb_to_linear(v as f64 / 255.0) as f32)
    })
}

/// Linear values in steps of 1/65535 → sRGB-encoded display values (a step moves the
/// display value by at most 0.0002, well under one 8-bit level); made once.
fn encode_table() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=65535u32)
            .map(|i| {
                let c = i as f32 / 65535.0;
                if c <= 0.003_130_8 {
                    12.92 * c
                } else {
                    1.055 * libm::powf(c, 1.0 / 2.4) - 0.055
                }
            })
            .collect()
    })
}

/// Shot noise (Poisson in photo-electrons) and read noise (Gaussian) of one channel, each
/// from its own keyed uniform.
fn sensor_noise(v: f32, s: &SensorSample, index: u64, channel: u64) -> f32 {
    let key = s.noise_seed;
    let draw = |k: u64| keyed_unit(key, index, channel * 64 + k);
    let mut v = v.max(0.0);
    if s.shot_noise_photons > 0.0 {
        let lambda = f64::from(v) * s.shot_noise_photons;
        v = (poisson(lambda, draw(40)) / s.shot_noise_photons) as f32;
    }
    if s.gaussian_noise_std > 0.0 {
        v += (s.gaussian_noise_std * standard_normal(draw(41))) as f32;
    }
    v
}

/// A standard normal draw from a uniform in [0, 1), by inversion (no transcendental
/// function in 95 % of draws).
fn standard_normal(u: f64) -> f64 {
    // Half a step off 0: the quantile's argument stays inside (0, 1).
    crate::rng::normal_quantile_approx(u + 0.5 / (1u64 << 53) as f64)
}

/// A Poisson draw of mean `lambda` from the uniform `u`: by inversion of the CDF below
/// 30 (one exponential, then a multiply-add a step), above by the normal approximation.
fn poisson(lambda: f64, u: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda >= 30.0 {
        return (lambda + libm::sqrt(lambda) * standard_normal(u))
            .round()
            .max(0.0);
    }
    let mut p = libm::exp(-lambda);
    let mut cumulative = p;
    let mut k = 0.0;
    // The tail beyond 100 (λ < 30) holds under 1e-20 of the mass.
    while u >= cumulative && k < 100.0 {
        k += 1.0;
        p *= lambda / k;
        cumulative += p;
    }
    k
}

/// Brightness, contrast (about mid-grey), saturation and hue rotation (in YIQ; `hue` is
/// the sine and cosine of its angle) of a display colour.
fn jitter(c: [f32; 3], s: &SensorSample, hue: (f32, f32)) -> [f32; 3] {
    let (b, k, sat) = (s.brightness as f32, s.contrast as f32, s.saturation as f32);
    let mut c = c.map(|v| (v * b - 0.5) * k + 0.5);
    let luma = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    c = c.map(|v| luma + (v - luma) * sat);
    if s.hue_deg != 0.0 {
        let (sin, cos) = hue;
        let i = 0.596 * c[0] - 0.274 * c[1] - 0.322 * c[2];
        let q = 0.211 * c[0] - 0.523 * c[1] + 0.312 * c[2];
        let (i, q) = (i * cos - q * sin, i * sin + q * cos);
        c = [
            luma + 0.956 * i + 0.621 * q,
            luma - 0.272 * i - 0.647 * q,
            luma - 1.106 * i + 1.703 * q,
        ];
    }
    c
}

/// Bilinear sample at pixel coordinates (centres at integers), clamped to the image.
fn sample(img: &[[f32; 3]], (w, h): (usize, usize), x: f32, y: f32) -> [f32; 3] {
    let (x, y) = (x.clamp(0.0, (w - 1) as f32), y.clamp(0.0, (h - 1) as f32));
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |x: usize, y: usize| img[y * w + x];
    let (a, b, c, d) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
    std::array::from_fn(|k| {
        (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy
    })
}

/// Maps every output pixel to a colour, rows on rayon's pool.
fn per_pixel((w, h): (usize, usize), f: impl Fn(usize, usize) -> [f32; 3] + Sync) -> Vec<[f32; 3]> {
    let mut out = vec![[0.0; 3]; w * h];
    out.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, px) in row.iter_mut().enumerate() {
            *px = f(x, y);
        }
    });
    out
}

/// Red scaled outwards from the centre, blue inwards, by `shift` pixels at the corners.
fn chromatic_aberration(img: &[[f32; 3]], size: (usize, usize), shift: f32) -> Vec<[f32; 3]> {
    let (w, h) = size;
    let (cx, cy) = (0.5 * (w as f32 - 1.0), 0.5 * (h as f32 - 1.0));
    let k = shift / (cx * cx + cy * cy).sqrt().max(1.0);
    per_pixel(size, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let red = sample(img, size, cx + dx * (1.0 - k), cy + dy * (1.0 - k))[0];
        let blue = sample(img, size, cx + dx * (1.0 + k), cy + dy * (1.0 + k))[2];
        [red, img[y * w + x][1], blue]
    })
}

/// Separable Gaussian blur (kernel to 3σ, edges clamped).
fn gaussian_blur(img: &[[f32; 3]], size: (usize, usize), sigma: f32) -> Vec<[f32; 3]> {
    let radius = (3.0 * sigma).ceil() as isize;
    let weights: Vec<f32> = (-radius..=radius)
        .map(|i| libm::expf(-((i * i) as f32) / (2.0 * sigma * sigma)))
        .collect();
    let total: f32 = weights.iter().sum();
    let (w, h) = size;
    let pass = |src: &[[f32; 3]], horizontal: bool| {
        per_pixel(size, |x, y| {
            let mut acc = [0.0f32; 3];
            for (i, wt) in (-radius..=radius).zip(&weights) {
                let (sx, sy) = if horizontal {
                    ((x as isize + i).clamp(0, w as isize - 1) as usize, y)
                } else {
                    (x, (y as isize + i).clamp(0, h as isize - 1) as usize)
                };
                let p = src[sy * w + sx];
                for k in 0..3 {
                    acc[k] += p[k] * wt;
                }
            }
            acc.map(|v| v / total)
        })
    };
    let rows = pass(img, true);
    pass(&rows, false)
}

/// The mean along a streak of `length` pixels through each pixel, at `angle_deg`
/// counter-clockwise from +u (image v points down).
fn motion_blur(
    img: &[[f32; 3]],
    size: (usize, usize),
    length: f32,
    angle_deg: f64,
) -> Vec<[f32; 3]> {
    let (sin, cos) = libm::sincosf((angle_deg as f32).to_radians());
    let taps = (length.ceil() as usize + 1).max(2);
    per_pixel(size, |x, y| {
        let mut acc = [0.0f32; 3];
        for t in 0..taps {
            let offset = (t as f32 / (taps - 1) as f32 - 0.5) * length;
            let p = sample(img, size, x as f32 + offset * cos, y as f32 - offset * sin);
            for k in 0..3 {
                acc[k] += p[k];
            }
        }
        acc.map(|v| v / taps as f32)
    })
}

/// Encodes the image as JPEG at `quality` and decodes it back in place.
fn jpeg_roundtrip(rgb: &mut [u8], width: usize, height: usize, quality: u8) {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    let encoded = image::ImageEncoder::write_image(
        encoder,
        rgb,
        width as u32,
        height as u32,
        image::ExtendedColorType::Rgb8,
    );
    // An in-memory encode of a valid RGB8 buffer does not fail; if it ever did, the frame
    // keeps its uncompressed pixels rather than losing them.
    if encoded.is_ok()
        && let Ok(decoded) = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
    {
        rgb.copy_from_slice(decoded.to_rgb8().as_raw());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neutral() -> SensorSample {
        SensorSample {
            chromatic_aberration_px: 0.0,
            blur_sigma_px: 0.0,
            motion_blur_px: 0.0,
            motion_blur_angle_deg: 0.0,
            vignetting: 0.0,
            shot_noise_photons: 0.0,
            gaussian_noise_std: 0.0,
            white_balance: [1.0; 3],
            brightness: 1.0,
            contrast: 1.0,
            saturation: 1.0,
            hue_deg: 0.0,
            jpeg_quality: 0,
            noise_seed: 7,
        }
    }

    fn grey(w: usize, h: usize, v: u8) -> Vec<u8> {
        vec![v; w * h * 3]
    }

    /// Mean and variance of an sRGB image's values in linear units.
    fn linear_stats(rgb: &[u8]) -> (f64, f64) {
        let linear: Vec<f64> = rgb
            .iter()
            .map(|&v| crate::geometry::srgb_to_linear(f64::from(v) / 255.0))
            .collect();
        let n = linear.len() as f64;
        let mean = linear.iter().sum::<f64>() / n;
        let var = linear.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn neutral_settings_leave_every_byte() {
        let mut rgb: Vec<u8> = (0..64 * 48 * 3).map(|i| (i * 7 % 256) as u8).collect();
        let before = rgb.clone();
        apply(&mut rgb, 64, 48, &neutral());
        assert_eq!(rgb, before);
    }

    #[test]
    fn read_noise_has_the_asked_spread_and_no_bias() {
        let (w, h) = (256, 256);
        let mut rgb = grey(w, h, 188); // about 0.5 linear
        let s = SensorSample {
            gaussian_noise_std: 0.02,
            ..neutral()
        };
        apply(&mut rgb, w, h, &s);
        let (mean, var) = linear_stats(&rgb);
        let std = var.sqrt();
        let base = crate::geometry::srgb_to_linear(188.0 / 255.0);
        assert!((mean - base).abs() < 0.002, "mean {mean} vs {base}");
        // Quantization to 8 bits adds a little spread.
        assert!((std - 0.02).abs() < 0.002, "std {std}");
    }

    #[test]
    fn shot_noise_variance_follows_the_signal() {
        let (w, h) = (200, 200);
        let spread = |v: u8| {
            let mut rgb = grey(w, h, v);
            let s = SensorSample {
                shot_noise_photons: 100.0,
                ..neutral()
            };
            apply(&mut rgb, w, h, &s);
            let linear: Vec<f64> = rgb
                .iter()
                .map(|&v| crate::geometry::srgb_to_linear(f64::from(v) / 255.0))
                .collect();
            let n = linear.len() as f64;
            let mean = linear.iter().sum::<f64>() / n;
            (
                linear.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n,
                mean,
            )
        };
        // Poisson: variance in linear units = signal / photons.
        for v in [100u8, 220] {
            let (var, mean) = spread(v);
            let expected = mean / 100.0;
            assert!(
                (var / expected - 1.0).abs() < 0.1,
                "level {v}: variance {var}, expected {expected}"
            );
        }
    }

    #[test]
    fn effects_do_not_depend_on_the_thread_count() {
        let (w, h) = (97, 61);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 13 % 256) as u8).collect();
        let s = SensorSample {
            chromatic_aberration_px: 1.5,
            blur_sigma_px: 0.8,
            motion_blur_px: 3.0,
            motion_blur_angle_deg: 30.0,
            vignetting: 0.3,
            shot_noise_photons: 500.0,
            gaussian_noise_std: 0.01,
            white_balance: [1.1, 1.0, 0.9],
            brightness: 1.1,
            contrast: 0.9,
            saturation: 1.2,
            hue_deg: 10.0,
            jpeg_quality: 70,
            noise_seed: 3,
        };
        let run = |threads| super::super::on_threads(threads, &rgb, |out| apply(out, w, h, &s));
        let one = run(1);
        assert_eq!(one, run(4));
        assert_ne!(one, rgb);
    }

    #[test]
    fn vignetting_darkens_the_corners_and_keeps_the_centre() {
        let (w, h) = (101, 81);
        let mut rgb = grey(w, h, 200);
        let s = SensorSample {
            vignetting: 0.5,
            ..neutral()
        };
        apply(&mut rgb, w, h, &s);
        let at = |x: usize, y: usize| rgb[3 * (y * w + x)];
        assert_eq!(at(50, 40), 200);
        let corner = crate::geometry::srgb_to_linear(f64::from(at(0, 0)) / 255.0);
        let centre = crate::geometry::srgb_to_linear(200.0 / 255.0);
        assert!((corner / centre - 0.5).abs() < 0.02, "{corner} vs {centre}");
    }

    #[test]
    fn jpeg_recompression_changes_bytes_as_its_quality_says() {
        let (w, h) = (64, 64);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| ((i / 3) * 37 % 256) as u8).collect();
        let error = |q: u8| {
            let mut out = rgb.clone();
            apply(
                &mut out,
                w,
                h,
                &SensorSample {
                    jpeg_quality: q,
                    ..neutral()
                },
            );
            out.iter()
                .zip(&rgb)
                .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
                .sum::<f64>()
        };
        assert!(error(20) > error(95), "quality 20 must lose more than 95");
        assert!(error(95) > 0.0);
    }
}

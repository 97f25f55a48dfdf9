//! Image encoders: 8-bit RGB PNG, 16-bit grey PNG, single-channel float EXR.
//!
//! PNGs are written by the `png` crate with the calls `image`'s `PngEncoder` makes for
//! these settings (the same crate, one copy in the lock file), so the bytes are the ones
//! `image` wrote; 16-bit samples go to PNG's big-endian order in one vectorised pass
//! rather than `image`'s byte-by-byte iterator, which took 5 % of a `fast` bench run's
//! CPU.

use crate::spec::PngCompression;

/// Depth PNG scale: one unit is this many metres (millimetres).
pub const DEPTH_PNG_METRES_PER_UNIT: f64 = 0.001;

/// The `png` crate's compression for a spec's (as `image` maps its own).
fn compression(c: PngCompression) -> png::Compression {
    match c {
        PngCompression::Fast => png::Compression::Fast,
        PngCompression::Default => png::Compression::Balanced,
        PngCompression::Best => png::Compression::High,
    }
}

/// Encodes row-major samples (16-bit ones big-endian, as PNG stores them) with adaptive
/// filtering.
fn png(
    data: &[u8],
    (width, height): (u32, u32),
    (color, depth): (png::ColorType, png::BitDepth),
    c: PngCompression,
) -> image::ImageResult<Vec<u8>> {
    let io = |e: png::EncodingError| image::ImageError::IoError(e.into());
    let mut out = Vec::new();
    let mut encoder =
        png::Encoder::with_info(&mut out, png::Info::with_size(width, height)).map_err(io)?;
    encoder.set_color(color);
    encoder.set_depth(depth);
    encoder.set_compression(compression(c));
    encoder.set_filter(png::Filter::Adaptive);
    let mut writer = encoder.write_header().map_err(io)?;
    writer.write_image_data(data).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(out)
}

/// Encodes row-major 8-bit RGB as PNG.
pub fn png_rgb8(
    rgb: &[u8],
    width: u32,
    height: u32,
    c: PngCompression,
) -> image::ImageResult<Vec<u8>> {
    let format = (png::ColorType::Rgb, png::BitDepth::Eight);
    png(rgb, (width, height), format, c)
}

/// Encodes row-major 8-bit grey as PNG.
pub fn png_gray8(
    grey: &[u8],
    width: u32,
    height: u32,
    c: PngCompression,
) -> image::ImageResult<Vec<u8>> {
    let format = (png::ColorType::Grayscale, png::BitDepth::Eight);
    png(grey, (width, height), format, c)
}

/// Encodes row-major 16-bit samples of `color` (`L16`, `Rgb16`) as PNG.
pub fn png16(
    values: &[u16],
    (width, height): (u32, u32),
    color: image::ExtendedColorType,
    c: PngCompression,
) -> image::ImageResult<Vec<u8>> {
    let color = match color {
        image::ExtendedColorType::L16 => png::ColorType::Grayscale,
        image::ExtendedColorType::La16 => png::ColorType::GrayscaleAlpha,
        image::ExtendedColorType::Rgb16 => png::ColorType::Rgb,
        image::ExtendedColorType::Rgba16 => png::ColorType::Rgba,
        other => {
            return Err(image::ImageError::Unsupported(
                image::error::UnsupportedError::from_format_and_kind(
                    image::ImageFormat::Png.into(),
                    image::error::UnsupportedErrorKind::Color(other),
                ),
            ));
        }
    };
    let big_endian: Vec<u16> = values.iter().map(|v| v.to_be()).collect();
    let format = (color, png::BitDepth::Sixteen);
    png(
        bytemuck::cast_slice(&big_endian),
        (width, height),
        format,
        c,
    )
}

/// Encodes row-major 16-bit grey as PNG.
pub fn png_gray16(
    values: &[u16],
    width: u32,
    height: u32,
    c: PngCompression,
) -> image::ImageResult<Vec<u8>> {
    png16(values, (width, height), image::ExtendedColorType::L16, c)
}

/// Packed camera-frame normals → 16-bit RGB: each component `n` as `(n + 1) / 2 · 65535`
/// rounded, `(0, 0, 0)` where no surface is.
pub fn normals_to_rgb16(packed: &[u32]) -> Vec<u16> {
    packed
        .iter()
        .flat_map(|&p| match crate::gpu::unpack_normal(p) {
            Some(n) => n.map(|c| ((f64::from(c) + 1.0) * 0.5 * 65535.0).round() as u16),
            None => [0; 3],
        })
        .collect()
}

/// Metres → 16-bit depth PNG units: millimetres rounded to nearest, 0 = no surface,
/// 65535 = 65.535 m or farther.
pub fn depth_to_millimetres(depth: &[f32]) -> Vec<u16> {
    depth
        .iter()
        .map(|&d| {
            // Rounding half away from zero without `f64::round` (a libm call per pixel on
            // x86-64's baseline): for x >= 0, truncating x + 0.5 gives round(x), as the sum
            // is exact unless it reaches the next power of two, where both give that
            // power. Checked equal to `round().clamp(1, 65535)` for every f32.
            let mm = ((f64::from(d) / DEPTH_PNG_METRES_PER_UNIT + 0.5).min(65535.0) as i32).max(1)
                as u16;
            if d > 0.0 && d.is_finite() { mm } else { 0 }
        })
        .collect()
}

/// Encodes depth in metres as a single-channel (`Z`) float32 EXR.
pub fn exr_depth(depth: &[f32], width: u32, height: u32) -> Result<Vec<u8>, exr::error::Error> {
    exr_channels(vec![("Z", depth.to_vec())], width, height)
}

/// Encodes float32 channels (name, row-major samples) as one EXR layer.
pub fn exr_channels(
    channels: Vec<(&str, Vec<f32>)>,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, exr::error::Error> {
    use exr::prelude::*;
    let channels: Vec<AnyChannel<FlatSamples>> = channels
        .into_iter()
        .map(|(name, samples)| AnyChannel::new(name, FlatSamples::F32(samples)))
        .collect();
    let layer = Layer::new(
        (width as usize, height as usize),
        LayerAttributes::default(),
        Encoding::FAST_LOSSLESS,
        AnyChannels::sort(SmallVec::from_vec(channels)),
    );
    let mut out = std::io::Cursor::new(Vec::new());
    Image::from_layer(layer)
        .write()
        .non_parallel()
        .to_buffered(&mut out)?;
    Ok(out.into_inner())
}

/// Encodes a flow field `(dx, dy)` per pixel, row-major, as a Middlebury `.flo` file: the
/// tag `PIEH` (the float 202021.25), width and height as little-endian i32, then the
/// `(dx, dy)` pairs as little-endian f32.
pub fn flo(flow: &[[f32; 2]], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + flow.len() * 8);
    out.extend_from_slice(b"PIEH");
    // Validated: image sides are at most 16384.
    out.extend_from_slice(&(width as i32).to_le_bytes());
    out.extend_from_slice(&(height as i32).to_le_bytes());
    if cfg!(target_endian = "little") {
        out.extend_from_slice(bytemuck::cast_slice(flow));
    } else {
        for [dx, dy] in flow {
            out.extend_from_slice(&dx.to_le_bytes());
            out.extend_from_slice(&dy.to_le_bytes());
        }
    }
    out
}

/// Encodes a single-channel float image, row-major from the top-left pixel, as a PFM
/// file (`Pf`, the size, a negative scale for little-endian, then the rows bottom to top
/// as f32), the format of stereo benchmarks' disparity maps.
pub fn pfm_gray(values: &[f32], width: u32, height: u32) -> Vec<u8> {
    let mut out = format!("Pf\n{width} {height}\n-1.0\n").into_bytes();
    out.reserve(values.len() * 4);
    for row in values.chunks_exact(width.max(1) as usize).rev() {
        for v in row {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `image`'s `PngEncoder` writes for these samples (native-endian 16-bit ones).
    fn png_by_image(
        data: &[u8],
        size: (u32, u32),
        color: image::ExtendedColorType,
    ) -> Vec<Vec<u8>> {
        use image::ImageEncoder;
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        [
            CompressionType::Fast,
            CompressionType::Default,
            CompressionType::Best,
        ]
        .into_iter()
        .map(|c| {
            let mut out = Vec::new();
            PngEncoder::new_with_quality(&mut out, c, FilterType::Adaptive)
                .write_image(data, size.0, size.1, color)
                .unwrap();
            out
        })
        .collect()
    }

    #[test]
    fn pngs_are_the_bytes_image_writes() {
        let levels = [
            PngCompression::Fast,
            PngCompression::Default,
            PngCompression::Best,
        ];
        // Smooth ramps with noise and flat runs: every filter and both deflate paths.
        let (w, h) = (37u32, 23u32);
        let sample = |i: u32, k: u32| {
            let (x, y) = (i % w, i / w);
            if y % 7 == 3 {
                0
            } else {
                (x * 1013 + y * 7919 + k * 31 + (i * i) % 97) as u16
            }
        };
        let grey16: Vec<u16> = (0..w * h).map(|i| sample(i, 0).wrapping_mul(41)).collect();
        let rgb16: Vec<u16> = (0..w * h * 3).map(|i| sample(i / 3, i % 3)).collect();
        let rgb8: Vec<u8> = rgb16.iter().map(|&v| v as u8).collect();
        let grey8: Vec<u8> = grey16.iter().map(|&v| (v >> 8) as u8).collect();
        type Encode<'a> = Box<dyn Fn(PngCompression) -> Vec<u8> + 'a>;
        let cases: [(Vec<Vec<u8>>, Encode); 4] = [
            (
                png_by_image(
                    bytemuck::cast_slice(&grey16),
                    (w, h),
                    image::ExtendedColorType::L16,
                ),
                Box::new(|c| png_gray16(&grey16, w, h, c).unwrap()),
            ),
            (
                png_by_image(
                    bytemuck::cast_slice(&rgb16),
                    (w, h),
                    image::ExtendedColorType::Rgb16,
                ),
                Box::new(|c| png16(&rgb16, (w, h), image::ExtendedColorType::Rgb16, c).unwrap()),
            ),
            (
                png_by_image(&rgb8, (w, h), image::ExtendedColorType::Rgb8),
                Box::new(|c| png_rgb8(&rgb8, w, h, c).unwrap()),
            ),
            (
                png_by_image(&grey8, (w, h), image::ExtendedColorType::L8),
                Box::new(|c| png_gray8(&grey8, w, h, c).unwrap()),
            ),
        ];
        for (case, (expected, ours)) in cases.iter().enumerate() {
            for (level, want) in levels.iter().zip(expected) {
                assert_eq!(&ours(*level), want, "case {case}, {level:?}");
            }
        }
    }

    #[test]
    fn a_png_of_the_wrong_size_is_an_error() {
        assert!(png_gray16(&[1, 2, 3], 2, 2, PngCompression::Fast).is_err());
        assert!(png_rgb8(&[1, 2, 3], 2, 2, PngCompression::Fast).is_err());
    }

    #[test]
    fn pfm_rows_run_bottom_to_top() {
        let bytes = pfm_gray(&[1.0, 2.0, 3.0, 4.0], 2, 2);
        let header = b"Pf\n2 2\n-1.0\n";
        assert_eq!(&bytes[..header.len()], header);
        let body: Vec<f32> = bytes[header.len()..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(body, [3.0, 4.0, 1.0, 2.0]);
    }

    #[test]
    fn flo_starts_with_the_middlebury_tag() {
        let bytes = flo(&[[1.5, -2.0], [0.0, 1e10]], 2, 1);
        assert_eq!(
            f32::from_le_bytes(bytes[0..4].try_into().unwrap()),
            202021.25
        );
        assert_eq!(i32::from_le_bytes(bytes[4..8].try_into().unwrap()), 2);
        assert_eq!(i32::from_le_bytes(bytes[8..12].try_into().unwrap()), 1);
        assert_eq!(f32::from_le_bytes(bytes[12..16].try_into().unwrap()), 1.5);
        assert_eq!(f32::from_le_bytes(bytes[24..28].try_into().unwrap()), 1e10);
        assert_eq!(bytes.len(), 12 + 2 * 8);
    }

    #[test]
    fn gray16_round_trips_through_image_decoder() {
        let values: Vec<u16> = (0..12u16).map(|v| v * 5000 + 7).collect();
        let png = png_gray16(&values, 4, 3, PngCompression::Fast).unwrap();
        let img = image::load_from_memory(&png).unwrap().into_luma16();
        assert_eq!(img.into_raw(), values);
    }

    #[test]
    fn depth_rounding_and_clamping() {
        let mm = depth_to_millimetres(&[0.0, 0.0004, 0.0016, 1.2346, 70.0, f32::INFINITY]);
        assert_eq!(mm, vec![0, 1, 2, 1235, 65535, 0]);
    }

    /// The reference: millimetres by `f64::round`, clamped; 0 where there is no surface.
    fn millimetres_by_round(d: f32) -> u16 {
        if d > 0.0 && d.is_finite() {
            (f64::from(d) / DEPTH_PNG_METRES_PER_UNIT)
                .round()
                .clamp(1.0, 65535.0) as u16
        } else {
            0
        }
    }

    #[test]
    fn depth_rounds_as_f64_round_does_at_every_half_millimetre_and_power_of_two() {
        // Every f32 within 64 ulps of each half millimetre up to 70 m and of each power of
        // two in millimetres, every 9973rd f32 besides, and the specials. (Every one of
        // the 2^32 f32 values was checked equal once, in a release build, 47 s.)
        let mut values = vec![0.0, -0.0, -1.0, f32::NAN, f32::INFINITY, f32::MAX, 1e-45];
        let around = |centre: f32, values: &mut Vec<f32>| {
            let bits = centre.to_bits();
            values.extend((bits.saturating_sub(64)..=bits + 64).map(f32::from_bits));
        };
        for half_mm in 0..140_000u32 {
            around((f64::from(half_mm) * 0.0005) as f32, &mut values);
        }
        for k in 0..18 {
            around((f64::from(1u32 << k) * 0.001) as f32, &mut values);
            around((f64::from(1u32 << k) * 0.001 - 0.0005) as f32, &mut values);
        }
        values.extend((0..u32::MAX / 9973).map(|i| f32::from_bits(i * 9973)));
        let expected: Vec<u16> = values.iter().map(|&d| millimetres_by_round(d)).collect();
        let got = depth_to_millimetres(&values);
        for ((d, e), g) in values.iter().zip(&expected).zip(&got) {
            assert_eq!(e, g, "depth {d:e} m ({:#x})", d.to_bits());
        }
    }
}

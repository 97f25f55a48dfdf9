//! Image decoding for glTF textures and texture pools: the header is read first and an
//! image whose claimed size is past the limits is refused before any pixel is decoded
//! (a decompression bomb costs nothing); the rest decode with the image crate's
//! allocation limit set to match, then become RGBA8.

use std::io::Cursor;

/// Largest accepted side of an encoded image, pixels: the 16384² textures the book
/// promises to downscale still load.
pub const MAX_IMAGE_SIDE: u32 = 16384;
/// Largest accepted decoded size: 16384² RGBA8 pixels, 1 GiB.
pub const MAX_DECODED_BYTES: u64 = 16384 * 16384 * 4;
/// Largest texture side kept as is; bigger images are downscaled deterministically (with
/// a warning) so no adapter's limit decides whether an asset loads.
pub const MAX_TEXTURE_SIZE: u32 = 8192;

/// A decoded RGBA8 image.
#[derive(Debug, Clone)]
pub struct Image {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Row-major RGBA8 pixels.
    pub rgba: Vec<u8>,
}

/// Decodes a PNG or JPEG (told apart by their first bytes) into RGBA8 after checking its
/// header against [`MAX_IMAGE_SIDE`] and [`MAX_DECODED_BYTES`]. Other pixel formats are
/// converted by the image crate (16-bit samples rounded to 8 bits, floats clamped).
pub fn decode(bytes: &[u8]) -> Result<Image, String> {
    if bytes.starts_with(&KTX2_IDENTIFIER) {
        return decode_ktx2(bytes);
    }
    let reader = || {
        image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| e.to_string())
    };
    let format = reader()?
        .format()
        .filter(|f| matches!(f, image::ImageFormat::Png | image::ImageFormat::Jpeg))
        .ok_or("not a PNG or JPEG image (glTF textures and texture pools take those two)")?;
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|e| format!("unreadable {format:?} header: {e}"))?;
    let decoded = u64::from(width) * u64::from(height) * 4;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || decoded > MAX_DECODED_BYTES {
        return Err(format!(
            "its header claims {width}x{height} pixels ({:.1} GiB decoded): refused before \
             decoding; synthvis accepts at most {MAX_IMAGE_SIDE} pixels a side and {} GiB decoded",
            decoded as f64 / f64::from(1u32 << 30),
            MAX_DECODED_BYTES >> 30
        ));
    }
    let mut reader = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    // Room for the widest pixel format (RGBA 32-bit float) at the largest accepted size.
    limits.max_alloc = Some(MAX_DECODED_BYTES * 4);
    reader.limits(limits);
    let rgba = crate::panic_guard::catch(|| reader.decode())
        .map_err(|panic| format!("the {format:?} decoder failed ({panic})"))?
        .map_err(|e| e.to_string())?
        .into_rgba8();
    Ok(Image {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// The first 12 bytes of every KTX2 file.
const KTX2_IDENTIFIER: [u8; 12] = [
    0xAB, 0x4B, 0x54, 0x58, 0x20, 0x32, 0x30, 0xBB, 0x0D, 0x0A, 0x1A, 0x0A,
];

/// A Basis Universal KTX2 texture (glTF's `KHR_texture_basisu`: ETC1S or UASTC), its base
/// level transcoded to 8-bit RGBA by the `basisu` crate (a pure-Rust port of Binomial's
/// transcoder); the same size limits as PNG and JPEG, checked before transcoding.
fn decode_ktx2(bytes: &[u8]) -> Result<Image, String> {
    let refuse =
        |e: basisu::Error| format!("not a transcodable Basis Universal KTX2 texture ({e:?})");
    let transcoder = crate::panic_guard::catch(|| basisu::Transcoder::new(bytes))
        .map_err(|panic| format!("the KTX2 reader failed ({panic})"))?
        .map_err(refuse)?;
    let (width, height) = transcoder.base_dimensions();
    let decoded = u64::from(width) * u64::from(height) * 4;
    if width == 0
        || height == 0
        || width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || decoded > MAX_DECODED_BYTES
    {
        return Err(format!(
            "its KTX2 header claims {width}x{height} pixels: synthvis accepts 1 to \
             {MAX_IMAGE_SIDE} pixels a side and {} GiB decoded",
            MAX_DECODED_BYTES >> 30
        ));
    }
    let rgba = crate::panic_guard::catch(|| {
        transcoder.transcode(0, basisu::TargetFormat::Rgba32, basisu::DecodeFlags::NONE)
    })
    .map_err(|panic| format!("the KTX2 transcoder failed ({panic})"))?
    .map_err(refuse)?;
    if rgba.len() as u64 != decoded {
        return Err(format!(
            "the KTX2 transcoder gave {} bytes for {width}x{height} pixels",
            rgba.len()
        ));
    }
    Ok(Image {
        width,
        height,
        rgba,
    })
}

/// `image` as is when no side exceeds [`MAX_TEXTURE_SIZE`]; otherwise downscaled
/// (triangle filter, deterministic) so the longer side is the cap, with a warning.
pub fn capped(image: Image, what: &str, warnings: &mut Vec<String>) -> Result<Image, String> {
    let (w, h) = (image.width, image.height);
    if w <= MAX_TEXTURE_SIZE && h <= MAX_TEXTURE_SIZE {
        return Ok(image);
    }
    let scale = f64::from(MAX_TEXTURE_SIZE) / f64::from(w.max(h));
    let nw = ((f64::from(w) * scale).floor() as u32).max(1);
    let nh = ((f64::from(h) * scale).floor() as u32).max(1);
    warnings.push(format!(
        "{what}: {w}x{h} exceeds the {MAX_TEXTURE_SIZE}px texture cap; downscaled to {nw}x{nh}"
    ));
    let img = image::RgbaImage::from_raw(w, h, image.rgba).ok_or("image buffer size mismatch")?;
    let small = image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle);
    Ok(Image {
        width: nw,
        height: nh,
        rgba: small.into_raw(),
    })
}

/// Side of the square every texture-pool image is resized to.
pub const POOL_IMAGE_SIZE: u32 = 512;

/// A texture-pool image: decoded and resized (triangle filter, deterministic) to
/// [`POOL_IMAGE_SIZE`] squared.
pub fn pool_image(bytes: &[u8]) -> Result<Image, String> {
    let decoded = decode(bytes)?;
    let img = image::RgbaImage::from_raw(decoded.width, decoded.height, decoded.rgba)
        .ok_or("image buffer size mismatch")?;
    let side = POOL_IMAGE_SIZE;
    let rgba = image::imageops::resize(&img, side, side, image::imageops::FilterType::Triangle);
    Ok(Image {
        width: side,
        height: side,
        rgba: rgba.into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG whose header claims `w`×`h` pixels, with no image data behind it.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgba);
        let mut writer = encoder.write_header().unwrap();
        // A few compressed bytes: decoders read the header up to the first data chunk.
        let data = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        writer.write_chunk(png::chunk::IDAT, &data).unwrap();
        drop(writer);
        out
    }

    #[test]
    fn a_bomb_is_refused_from_its_header() {
        let err = decode(&png_header(100_000, 100_000)).unwrap_err();
        assert!(err.contains("100000x100000"), "{err}");
        assert!(err.contains("16384"), "{err}");
        let err = decode(&png_header(16384, 16385)).unwrap_err();
        assert!(err.contains("refused before decoding"), "{err}");
    }

    #[test]
    fn not_an_image_is_named() {
        assert!(decode(b"GIF89a....").unwrap_err().contains("PNG or JPEG"));
    }
}

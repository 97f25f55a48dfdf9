//! Drawing on preview images: lines and boxes (from `imageproc`), dashed boxes, text in
//! the public-domain 8×8 bitmap font (`font8x8`, so no font file is needed), and colours
//! for ids and depth (`colorous`).

use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_hollow_rect_mut, draw_line_segment_mut};
use imageproc::rect::Rect;

/// A colour for instance `id`, far in hue from its neighbours' (golden-ratio steps
/// round the sinebow); background black.
pub fn id_colour(id: u32) -> Rgb<u8> {
    if id == 0 {
        return Rgb([0, 0, 0]);
    }
    let t = (f64::from(id) * 0.618_033_988_749_895).fract();
    let c = colorous::SINEBOW.eval_continuous(t);
    Rgb([c.r, c.g, c.b])
}

/// Turbo colour for depth `mm` between `near` and `far` millimetres; black where no
/// surface is (0).
pub fn depth_colour(mm: u16, near: u16, far: u16) -> Rgb<u8> {
    if mm == 0 {
        return Rgb([0, 0, 0]);
    }
    let span = f64::from(far.saturating_sub(near).max(1));
    let t = (f64::from(mm.saturating_sub(near)) / span).clamp(0.0, 1.0);
    let c = colorous::TURBO.eval_continuous(1.0 - t);
    Rgb([c.r, c.g, c.b])
}

/// A box `[x, y, w, h]` (whole pixels), solid.
pub fn solid_box(img: &mut RgbImage, [x, y, w, h]: [u32; 4], colour: Rgb<u8>) {
    if w > 0 && h > 0 {
        draw_hollow_rect_mut(img, Rect::at(x as i32, y as i32).of_size(w, h), colour);
    }
}

/// A box `[x, y, w, h]` drawn in dashes of 4 pixels on, 3 off.
pub fn dashed_box(img: &mut RgbImage, [x, y, w, h]: [u32; 4], colour: Rgb<u8>) {
    if w == 0 || h == 0 {
        return;
    }
    let (x1, y1) = (x + w - 1, y + h - 1);
    let mut put = |px: u32, py: u32, k: u32| {
        if k % 7 < 4 && px < img.width() && py < img.height() {
            img.put_pixel(px, py, colour);
        }
    };
    for (k, px) in (x..=x1).enumerate() {
        put(px, y, k as u32);
        put(px, y1, k as u32);
    }
    for (k, py) in (y..=y1).enumerate() {
        put(x, py, k as u32);
        put(x1, py, k as u32);
    }
}

/// A line between two points in pixel coordinates (pixel centres at integers).
pub fn line(img: &mut RgbImage, a: [f64; 2], b: [f64; 2], colour: Rgb<u8>) {
    // Far-off points (a corner near the camera plane) are clipped by imageproc; keep the
    // numbers finite and bounded first.
    let clamp = |v: f64| v.clamp(-1.0e5, 1.0e5) as f32;
    draw_line_segment_mut(
        img,
        (clamp(a[0]), clamp(a[1])),
        (clamp(b[0]), clamp(b[1])),
        colour,
    );
}

/// `text` in the 8×8 font with its top-left at `(x, y)`, on a dark backing so it reads
/// on any image; characters outside ASCII show as `?`.
pub fn text(img: &mut RgbImage, x: i64, y: i64, text: &str, colour: Rgb<u8>) {
    let backing = Rgb([0, 0, 0]);
    for (i, ch) in text.chars().enumerate() {
        let code = if ch.is_ascii() {
            ch as usize
        } else {
            '?' as usize
        };
        let glyph = font8x8::legacy::BASIC_LEGACY[code];
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                let (px, py) = (x + (i * 8 + col) as i64, y + row as i64);
                if px < 0 || py < 0 || px >= i64::from(img.width()) || py >= i64::from(img.height())
                {
                    continue;
                }
                let on = bits & (1 << col) != 0;
                img.put_pixel(px as u32, py as u32, if on { colour } else { backing });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_ids_get_distinct_colours() {
        for id in 1..64 {
            let (a, b) = (id_colour(id), id_colour(id + 1));
            let d: i32 = (0..3)
                .map(|k| (i32::from(a[k]) - i32::from(b[k])).abs())
                .sum();
            assert!(d > 60, "ids {id} and {}: {a:?} {b:?}", id + 1);
        }
    }

    #[test]
    fn text_draws_the_glyph_bits() {
        let mut img = RgbImage::new(16, 8);
        text(&mut img, 0, 0, "I", Rgb([255, 255, 255]));
        let lit = img.pixels().filter(|p| p[0] == 255).count();
        let bits: u32 = font8x8::legacy::BASIC_LEGACY['I' as usize]
            .iter()
            .map(|b| b.count_ones())
            .sum();
        assert_eq!(lit as u32, bits);
    }
}

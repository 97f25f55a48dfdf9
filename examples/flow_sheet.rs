//! A sequence dataset's frames beside their optical flow and occlusion masks (the
//! README's and the book's sequence pictures):
//! `cargo run --release --example flow_sheet -- DATASET_DIR OUT.png [FRAMES] [THUMB_WIDTH]`
//! (defaults: frames 0, 4 and 8, 320 px wide thumbnails). Each row is one frame: its RGB
//! image, its forward flow as colour (hue: direction, as OpenCV's tutorials draw it, 0°
//! = +x; saturation: speed, full at the row's largest; black: no surface) and its forward
//! occlusion mask.

use std::path::Path;

use image::{Rgb, RgbImage, imageops};

/// Middlebury's "unknown" threshold: larger components mean no surface.
const UNKNOWN: f32 = 1e9;

/// Any error, for a tool.
type Error = Box<dyn std::error::Error>;

/// A flow file: width, height and `(dx, dy)` per pixel.
type FlowField = (u32, u32, Vec<[f32; 2]>);

fn read_flo(path: &Path) -> Result<FlowField, Error> {
    let bytes = std::fs::read(path)?;
    let word = |i: usize| -> Result<[u8; 4], Error> {
        Ok(bytes
            .get(i * 4..i * 4 + 4)
            .ok_or("truncated .flo")?
            .try_into()?)
    };
    if f32::from_le_bytes(word(0)?) != 202_021.25 {
        return Err(format!("{}: not a .flo file", path.display()).into());
    }
    let (w, h) = (i32::from_le_bytes(word(1)?), i32::from_le_bytes(word(2)?));
    let (w, h) = (u32::try_from(w)?, u32::try_from(h)?);
    let flow = (0..(w * h) as usize)
        .map(|i| {
            Ok([
                f32::from_le_bytes(word(3 + 2 * i)?),
                f32::from_le_bytes(word(4 + 2 * i)?),
            ])
        })
        .collect::<Result<_, Error>>()?;
    Ok((w, h, flow))
}

/// Hue (degrees), saturation and value to RGB.
fn hsv(h: f32, s: f32, v: f32) -> Rgb<u8> {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    Rgb([r, g, b].map(|u| ((u + m) * 255.0).round() as u8))
}

fn flow_image(w: u32, h: u32, flow: &[[f32; 2]]) -> RgbImage {
    let known = |f: &[f32; 2]| f[0].abs() < UNKNOWN && f[1].abs() < UNKNOWN;
    let top = flow
        .iter()
        .filter(|f| known(f))
        .map(|f| f[0].hypot(f[1]))
        .fold(1e-6f32, f32::max);
    RgbImage::from_fn(w, h, |x, y| {
        let f = flow[(y * w + x) as usize];
        if !known(&f) {
            return Rgb([0, 0, 0]);
        }
        let angle = f[1].atan2(f[0]).to_degrees().rem_euclid(360.0);
        hsv(angle, (f[0].hypot(f[1]) / top).min(1.0), 1.0)
    })
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, out) = match args.as_slice() {
        [_, dir, out, ..] => (Path::new(dir), out),
        _ => return Err("usage: flow_sheet DATASET_DIR OUT.png [FRAMES] [THUMB_WIDTH]".into()),
    };
    let frames: Vec<u64> = match args.get(3) {
        Some(list) => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => vec![0, 4, 8],
    };
    let thumb_w: u32 = args.get(4).map_or(Ok(320), |a| a.parse())?;
    let gap = 4;
    let mut rows = Vec::new();
    for f in frames {
        let stem = format!("{f:06}");
        let rgb = image::open(dir.join("rgb").join(format!("{stem}.png")))?.into_rgb8();
        let (w, h, flow) = read_flo(&dir.join("flow_forward").join(format!("{stem}.flo")))?;
        let occlusion =
            image::open(dir.join("occlusion_forward").join(format!("{stem}.png")))?.into_rgb8();
        let th = thumb_w * h / w;
        let shrink =
            |i: &RgbImage| imageops::resize(i, thumb_w, th, imageops::FilterType::Triangle);
        rows.push([
            shrink(&rgb),
            shrink(&flow_image(w, h, &flow)),
            shrink(&occlusion),
        ]);
    }
    let Some(first) = rows.first() else {
        return Err("no frames".into());
    };
    let th = first[0].height();
    let mut sheet = RgbImage::from_pixel(
        3 * thumb_w + 4 * gap,
        rows.len() as u32 * th + (rows.len() as u32 + 1) * gap,
        Rgb([255, 255, 255]),
    );
    for (r, row) in rows.iter().enumerate() {
        for (c, panel) in row.iter().enumerate() {
            let x = gap + c as u32 * (thumb_w + gap);
            let y = gap + r as u32 * (th + gap);
            imageops::replace(&mut sheet, panel, i64::from(x), i64::from(y));
        }
    }
    sheet.save(out)?;
    println!("{out}: {} frames", rows.len());
    Ok(())
}

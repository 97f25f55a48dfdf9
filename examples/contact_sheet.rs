//! Tiles the first frames of a dataset into one picture (the book's scene pictures):
//! `cargo run --release --example contact_sheet -- DATASET_DIR OUT.png [FRAMES] [COLUMNS] [THUMB_WIDTH]`
//! (defaults: 8 frames, 4 columns, 320 px wide thumbnails). `DATASET_DIR` may list several
//! datasets separated by commas: each starts a new row (the book's fast / realistic
//! pairs).

use image::{RgbImage, imageops};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, out) = match args.as_slice() {
        [_, dir, out, ..] => (dir, out),
        _ => {
            return Err(
                "usage: contact_sheet DATASET_DIR OUT.png [FRAMES] [COLUMNS] [THUMB_WIDTH]".into(),
            );
        }
    };
    let arg = |i: usize, default: u32| args.get(i).map_or(Ok(default), |a| a.parse::<u32>());
    let (frames, columns, thumb_w) = (arg(3, 8)?, arg(4, 4)?.max(1), arg(5, 320)?);
    let mut thumbs: Vec<Option<image::RgbImage>> = Vec::new();
    for dir in dir.split(',') {
        let row_start = thumbs.len();
        thumbs.extend(dataset_thumbs(dir, frames, thumb_w)?.into_iter().map(Some));
        // The next dataset starts a row of its own.
        while !(thumbs.len() - row_start).is_multiple_of(columns as usize) {
            thumbs.push(None);
        }
    }
    let Some(Some(first_thumb)) = thumbs.first() else {
        return Err(format!("no rgb/ frames in {dir}").into());
    };
    let (tw, th) = first_thumb.dimensions();
    let gap = 4;
    let cols = columns.min(thumbs.len() as u32);
    let rows = (thumbs.len() as u32).div_ceil(cols);
    let mut sheet = RgbImage::from_pixel(
        cols * tw + (cols + 1) * gap,
        rows * th + (rows + 1) * gap,
        image::Rgb([255, 255, 255]),
    );
    for (k, t) in thumbs.iter().enumerate() {
        let Some(t) = t else { continue };
        let (c, r) = (k as u32 % cols, k as u32 / cols);
        imageops::overlay(
            &mut sheet,
            t,
            i64::from(gap + c * (tw + gap)),
            i64::from(gap + r * (th + gap)),
        );
    }
    sheet.save(out)?;
    println!("{out}: {} frames", thumbs.iter().flatten().count());
    Ok(())
}

/// Thumbnails `thumb_w` wide of the first `frames` frames of the dataset in `dir`.
fn dataset_thumbs(
    dir: &str,
    frames: u32,
    thumb_w: u32,
) -> Result<Vec<image::RgbImage>, Box<dyn std::error::Error>> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/manifest.json"))?)?;
    let first = manifest["frames"][0].as_u64().unwrap_or(0);
    let mut thumbs = Vec::new();
    for i in first..first + u64::from(frames) {
        let path = format!("{dir}/rgb/{i:06}.png");
        let Ok(img) = image::open(&path) else { break };
        let img = img.into_rgb8();
        let thumb_h = thumb_w * img.height() / img.width().max(1);
        thumbs.push(imageops::resize(
            &img,
            thumb_w,
            thumb_h,
            imageops::FilterType::Triangle,
        ));
    }
    Ok(thumbs)
}

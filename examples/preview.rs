//! Puts a frame's RGB image beside its colour-coded instance mask:
//! `cargo run --example preview -- DATASET_DIR FRAME OUT.png`.

use image::{Rgb, RgbImage};

/// A stable, well-spread colour per instance id (0 stays black).
fn colour(id: u16) -> Rgb<u8> {
    if id == 0 {
        return Rgb([0, 0, 0]);
    }
    let h = u32::from(id).wrapping_mul(2_654_435_761);
    Rgb([
        64 + (h >> 24) as u8 % 192,
        64 + (h >> 16) as u8 % 192,
        64 + (h >> 8) as u8 % 192,
    ])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, frame, out] = args.as_slice() else {
        return Err("usage: preview DATASET_DIR FRAME OUT.png".into());
    };
    let stem = format!("{:06}", frame.parse::<u64>()?);
    let rgb = image::open(format!("{dir}/rgb/{stem}.png"))?.into_rgb8();
    let ids = image::open(format!("{dir}/instance/{stem}.png"))?.into_luma16();
    let (w, h) = rgb.dimensions();
    let mut sheet = RgbImage::new(w * 2, h);
    for (x, y, p) in rgb.enumerate_pixels() {
        sheet.put_pixel(x, y, *p);
        sheet.put_pixel(w + x, y, colour(ids.get_pixel(x, y).0[0]));
    }
    sheet.save(out)?;
    println!("wrote {out}");
    Ok(())
}

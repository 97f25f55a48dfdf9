//! Micro-benchmark of the per-frame label stage: instance masks (bbox, area, RLE) from an
//! instance-id buffer, and pycocotools' compressed-string encoding.
//! Run: `cargo run --release --example label_bench [WIDTH HEIGHT INSTANCES]`.

use std::time::Instant;

use synthvis::labels::instance_masks;

/// An instance buffer of overlapping discs and boxes, deterministic.
fn synthetic_ids(w: u32, h: u32, n: u16) -> Vec<u32> {
    let mut ids = vec![0u32; (w * h) as usize];
    for k in 0..n {
        let t = f64::from(k) * 2.399_963; // golden angle spreads the shapes
        let (cx, cy) = (
            f64::from(w) * (0.5 + 0.35 * t.cos()),
            f64::from(h) * (0.5 + 0.35 * t.sin()),
        );
        let r = f64::from(w.min(h)) * (0.06 + 0.04 * f64::from(k % 3));
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
                let inside = if k % 2 == 0 {
                    dx * dx + dy * dy < r * r
                } else {
                    dx.abs() < r && dy.abs() < r * 0.6
                };
                if inside {
                    ids[(y * w + x) as usize] = u32::from(k) + 1;
                }
            }
        }
    }
    ids
}

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (w, h, n) = match args.as_slice() {
        [w, h, n] => (*w, *h, *n as u16),
        _ => (640, 480, 12),
    };
    let ids = synthetic_ids(w, h, n);
    let reps = 200;
    let start = Instant::now();
    let mut masks = 0usize;
    let mut chars = 0usize;
    for _ in 0..reps {
        let m = instance_masks(&ids, w, h, n);
        masks += m.len();
        chars += m
            .iter()
            .filter_map(|m| m.rle.as_ref())
            .map(|r| r.to_compressed().len())
            .sum::<usize>();
    }
    let s = start.elapsed().as_secs_f64();
    let mb = (reps as f64) * (w * h * 4) as f64 / 1e6;
    println!(
        "{w}x{h}, {n} instances, {reps} frames: {:.3} ms/frame",
        s * 1e3 / f64::from(reps)
    );
    println!("frames_per_s {:.1}", f64::from(reps) / s);
    println!("masks_per_s {:.0}", masks as f64 / s);
    println!("instance_buffer_mb_per_s {:.0}", mb / s);
    println!("rle_chars_per_frame {:.0}", chars as f64 / f64::from(reps));
}

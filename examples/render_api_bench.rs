//! The render API's speed with no file written: renders frames of a spec in memory
//! through `Renderer::frames` (what the Python datasets use) and prints frames/s and each
//! stage's mean time, with the CPU seconds the process used.
//!
//! `cargo run --release --example render_api_bench -- SPEC [FRAMES] [WARMUP]` (default 96
//! frames after 8 of warm-up). Comparing a spec with and without an output (say a
//! sequence's `flow`) gives what that output costs a frame.

use std::time::Instant;

use synthvis::bench::cpu_seconds;
use synthvis::render::FrameTimings;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec_path = args
        .next()
        .ok_or("usage: render_api_bench SPEC [FRAMES] [WARMUP]")?;
    let frames: u64 = args.next().map_or(Ok(96), |n| n.parse())?;
    let warmup: u64 = args.next().map_or(Ok(8), |n| n.parse())?;

    let spec = synthvis::LoadedSpec::from_file(spec_path.as_ref())?;
    let mut renderer = synthvis::Renderer::new(&spec, synthvis::RenderOptions::default())?;
    let adapter = renderer.adapter().to_string();
    let mut sum = FrameTimings::default();
    let mut start = (Instant::now(), cpu_seconds());
    let mut it = renderer.frames(0..warmup + frames);
    let mut taken = 0;
    while let Some(frame) = it.next() {
        let frame = frame?;
        taken += 1;
        if taken == warmup {
            start = (Instant::now(), cpu_seconds());
        } else if taken > warmup {
            let t = frame.timings;
            sum.randomize += t.randomize;
            sum.record_submit += t.record_submit;
            sum.wait_readback += t.wait_readback;
            sum.post += t.post;
            sum.labels += t.labels;
            sum.flow += t.flow;
        }
        it.recycle(frame);
    }
    let workers = it.workers();
    drop(it);
    let wall = start.0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - start.1;
    let n = frames.max(1) as f64;
    println!(
        "{frames} frames (+{warmup} warm-up) of {spec_path} on {adapter}, {workers} render workers"
    );
    for (stage, seconds) in [
        ("randomize", sum.randomize),
        ("record_submit", sum.record_submit),
        ("gpu_wait_readback", sum.wait_readback),
        ("post", sum.post),
        ("labels_rle", sum.labels),
        ("flow_occlusion", sum.flow),
    ] {
        println!("{stage:<20} {:>8.3} ms", seconds / n * 1e3);
    }
    println!("cpu_seconds_per_frame {:.4}", cpu / n);
    println!("frames_per_s {:.2}", n / wall);
    Ok(())
}

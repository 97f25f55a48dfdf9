//! synthvis as a library: renders a few frames of a spec in memory and prints statistics
//! taken straight from the arrays, with no file written.
//!
//! `cargo run --release --example embed -- [SPEC] [FRAMES]` (default: the quickstart scene,
//! 4 frames).

use std::collections::BTreeMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec_path = args
        .next()
        .unwrap_or_else(|| "scenes/quickstart.json".to_owned());
    let frames: u64 = args.next().map_or(Ok(4), |n| n.parse())?;

    let spec = synthvis::LoadedSpec::from_file(spec_path.as_ref())?;
    let mut renderer = synthvis::Renderer::new(&spec, synthvis::RenderOptions::default())?;
    println!(
        "rendering {frames} frames of {spec_path} on {}",
        renderer.adapter()
    );

    for frame in renderer.frames(0..frames) {
        let frame = frame?;
        // Depth is in metres, 0 where no surface is.
        let surface: Vec<f32> = frame
            .buffers
            .depth
            .iter()
            .copied()
            .filter(|&z| z > 0.0)
            .collect();
        let mean_depth =
            surface.iter().map(|&z| f64::from(z)).sum::<f64>() / surface.len().max(1) as f64;
        // Pixels per category, from the class ids (0: background).
        let mut per_class: BTreeMap<u16, usize> = BTreeMap::new();
        for id in frame.class_ids() {
            *per_class.entry(id).or_default() += 1;
        }
        let visible = frame.labels.instances.iter().filter(|i| i.area > 0).count();
        println!(
            "frame {}: {visible} of {} instances visible, mean depth {mean_depth:.3} m over {} px, \
             pixels by class {per_class:?}, {} COCO annotations",
            frame.index,
            frame.labels.instances.len(),
            surface.len(),
            frame.coco_annotations(1).len(),
        );
    }
    Ok(())
}

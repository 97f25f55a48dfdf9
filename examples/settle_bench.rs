//! Settle time of dropped piles: for 10, 50 and 200 objects (cubes, cylinders and cones
//! of 10 cm, half of them cubes) dropped from up to a metre onto the floor, the
//! milliseconds `FrameSampler::sample` takes a frame (almost all of it the simulation)
//! and the steps simulated, over 5 frames on one thread.
//! Run: `cargo run --release --example settle_bench`.

use std::time::Instant;

use serde_json::json;
use synthvis::randomize::FrameSampler;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    println!("objects  ms/frame (mean, max)  steps (mean, max)  at rest");
    for count in [10u32, 50, 200] {
        // A square wide enough for the pile to spread without stacking much.
        let half = 0.1 * f64::from(count).sqrt();
        let group = |asset: &str, n: u32| {
            json!({
                "asset": asset, "count": n, "scale": 0.1,
                "position": { "uniform": { "min": [-half, 0.1, -half], "max": [half, 1.0, half] } },
                "rotation": "uniform", "avoid_overlap": true, "max_trials": 2000,
                "drop": { "height": [0, 0.05] }
            })
        };
        let spec = json!({
            "version": 2, "seed": 5, "frames": 5,
            "resolution": { "width": 64, "height": 48 },
            "camera": { "fov_y_deg": 45, "position": [0, 3, 3], "look_at": [0, 0, 0] },
            "categories": [{ "name": "shape" }],
            "assets": [
                { "name": "cube", "primitive": "cube", "category": "shape" },
                { "name": "cylinder", "primitive": "cylinder", "category": "shape" },
                { "name": "cone", "primitive": "cone", "category": "shape" }
            ],
            "objects": [group("cube", count / 2), group("cylinder", count / 4),
                        group("cone", count - count / 2 - count / 4)],
            "physics": { "max_steps": 3000 }
        });
        let path = dir.path().join(format!("{count}.json"));
        std::fs::write(&path, serde_json::to_vec(&spec)?)?;
        let loaded = synthvis::LoadedSpec::from_file(&path)?;
        let library = synthvis::assets::AssetLibrary::load(&loaded)?;
        let (bounds, colliders) = (library.bounds(), library.colliders(&loaded));
        let sampler = FrameSampler::new(&loaded.resolved, &bounds)?.with_colliders(&colliders);
        let (mut ms, mut steps, mut rest) = (Vec::new(), Vec::new(), 0);
        for frame in 0..5 {
            let t0 = Instant::now();
            let scene = sampler.sample(5, frame)?;
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
            let physics = scene.physics.expect("the pile is simulated");
            steps.push(f64::from(physics.steps));
            rest += usize::from(physics.at_rest);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        println!(
            "{count:>7}  {:>8.1} {:>8.1}  {:>8.0} {:>6.0}  {rest}/5",
            mean(&ms),
            max(&ms),
            mean(&steps),
            max(&steps)
        );
    }
    Ok(())
}

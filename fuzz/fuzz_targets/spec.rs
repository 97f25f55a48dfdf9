//! Spec bytes → parse → validate → sample three frames: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = synthvis::spec::parse(data, std::path::Path::new("fuzz.json")) else {
        return;
    };
    if !synthvis::spec::validate(&spec).is_empty() {
        return;
    }
    let Ok(resolved) = synthvis::spec::resolve(&spec) else {
        panic!("a validated spec must resolve");
    };
    let unit = (glam::DVec3::splat(-0.5), glam::DVec3::splat(0.5));
    let bounds = vec![unit; spec.assets.len()];
    let Ok(sampler) = synthvis::randomize::FrameSampler::new(&resolved, &bounds) else {
        panic!("a sampler with every asset's bounds must start");
    };
    for frame in 0..3 {
        let _ = sampler.sample(1, frame);
    }
});

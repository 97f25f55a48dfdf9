//! Finishing of the RGB image after read-back, on the CPU: anti-aliasing ([`fxaa`] on the
//! [`edges`] the label buffers show) and sensor and lens effects ([`sensor`]). Each step is
//! a pure function of the frame's images (and, for noise, of named random streams), fanned
//! out over rows on the library's rayon pool ([`crate::parallel`]), so a frame's pixels never depend on how the work is
//! split.
//!
//! Why the CPU: on Mesa's CPU rasterizers every extra full-screen GPU pass costs about
//! 8 ms a frame at 640×480 whatever its shader does (measured with a pass that only
//! copied its input), while FXAA here costs well under that and runs while the GPU
//! renders the next frame.

pub mod edges;
pub mod fxaa;
pub mod sensor;

use crate::scene::{Antialiasing, RenderLook};

/// Applies the look's finishing steps to an sRGB, 8-bit RGB image of `width`×`height`:
/// FXAA on the geometric edges the frame's `depth` and `instance` images show (which
/// belongs to the renderer), then the camera's effects.
pub fn finish_rgb(
    rgb: &mut [u8],
    (width, height): (u32, u32),
    (depth, instance): (&[f32], &[u32]),
    look: &RenderLook,
) {
    let (w, h) = (width as usize, height as usize);
    crate::parallel::install(|| {
        if look.antialiasing == Antialiasing::Fxaa {
            let edges = edges::EdgeFinder::new(depth, instance, w, h);
            fxaa::fxaa(rgb, w, h, |x, y| edges.is_edge(x, y));
        }
        if let Some(sensor) = &look.sensor {
            sensor::apply(rgb, w, h, sensor);
        }
    });
}

/// Runs `step` over a copy of `rgb` on a pool of `threads` threads (tests of thread-count
/// independence).
#[cfg(test)]
fn on_threads(threads: usize, rgb: &[u8], step: impl Fn(&mut [u8]) + Send + Sync) -> Vec<u8> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a test thread pool");
    let mut out = rgb.to_vec();
    pool.install(|| step(&mut out));
    out
}

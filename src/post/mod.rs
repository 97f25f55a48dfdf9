//! Finishing of the RGB image after read-back, on the CPU: anti-aliasing now, sensor
//! effects beside it. Each step is a pure function of the image (and, for noise, of
//! named random streams), fanned out over rows on rayon's pool, so a frame's pixels never
//! depend on how the work is split.
//!
//! Why the CPU: on Mesa's CPU rasterizers every extra full-screen GPU pass costs about
//! 8 ms a frame at 640×480 whatever its shader does (measured with a pass that only
//! copied its input), while FXAA here costs well under that and runs while the GPU
//! renders the next frame.

pub mod fxaa;

use crate::scene::RenderLook;
use crate::spec::Antialiasing;

/// Applies the look's finishing steps to an sRGB, 8-bit RGB image of `width`×`height`.
pub fn finish_rgb(rgb: &mut [u8], width: u32, height: u32, look: RenderLook) {
    if look.antialiasing == Antialiasing::Fxaa {
        fxaa::fxaa(rgb, width as usize, height as usize);
    }
}

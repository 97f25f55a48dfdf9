//! The directional albedo of the GGX specular lobe, tabulated over (n·v, roughness): the
//! split-sum scale and bias of F0 (`E_spec = F0·A + B`, Schlick's Fresnel, Smith's
//! height-correlated masking as `shaders/scene/lighting.wgsl`'s `brdf`). Shading reads it to weigh the
//! diffuse base under the specular layer and to give the specular lobe back the energy a
//! single scattering loses (the layered BRDF and image-based light). Integrated once per
//! process on the CPU in f64, in a fixed order, so every run uploads the same table.
//!
//! Karis's analytic fit, used before, is off by up to 0.3 of `A + B` at high roughness
//! and grazing views (0.56 where the integral gives 0.72 at roughness 0.8, n·v 0.25),
//! which darkened rough dielectrics seen at a slant against a path tracer.

use std::sync::OnceLock;

use super::context::GpuContext;
use super::upload::texture_2d;

/// Texels along each axis; texel `i` holds n·v (or roughness) `(i + 0.5) / SIZE`.
pub(super) const SIZE: u32 = 32;
/// GGX importance samples per texel (a Hammersley set).
const SAMPLES: u32 = 1024;

/// `A` and `B` at one n·v and perceptual roughness.
fn split_sum(n_dot_v: f64, roughness: f64) -> [f64; 2] {
    let alpha = (roughness * roughness).max(1e-3);
    let a2 = alpha * alpha;
    let v = [(1.0 - n_dot_v * n_dot_v).max(0.0).sqrt(), 0.0, n_dot_v];
    let (mut a, mut b) = (0.0, 0.0);
    for i in 0..SAMPLES {
        // Hammersley point: i / N and the bit-reversed radical inverse of i.
        let u = (f64::from(i) + 0.5) / f64::from(SAMPLES);
        let w = f64::from(i.reverse_bits()) / 4_294_967_296.0;
        let phi = 2.0 * std::f64::consts::PI * w;
        let cos_h = ((1.0 - u) / (1.0 + (a2 - 1.0) * u)).sqrt();
        let sin_h = (1.0 - cos_h * cos_h).max(0.0).sqrt();
        let h = [sin_h * phi.cos(), sin_h * phi.sin(), cos_h];
        let v_dot_h = v[0] * h[0] + v[2] * h[2];
        let n_dot_l = 2.0 * v_dot_h * h[2] - v[2];
        if n_dot_l <= 0.0 || v_dot_h <= 0.0 {
            continue;
        }
        // f cos / pdf with pdf = D (n·h) / (4 v·h): 4 Vis (n·l) (v·h) / (n·h).
        let vis = 0.5
            / (n_dot_l * (n_dot_v * n_dot_v * (1.0 - a2) + a2).sqrt()
                + n_dot_v * (n_dot_l * n_dot_l * (1.0 - a2) + a2).sqrt());
        let weight = 4.0 * vis * n_dot_l * v_dot_h / cos_h;
        let fc = (1.0 - v_dot_h).powi(5);
        a += (1.0 - fc) * weight;
        b += fc * weight;
    }
    [a / f64::from(SAMPLES), b / f64::from(SAMPLES)]
}

/// The table, row by row (roughness down, n·v across), computed on first use.
pub(super) fn table() -> &'static [[f32; 2]] {
    static TABLE: OnceLock<Vec<[f32; 2]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let at = |i: u32| (f64::from(i) + 0.5) / f64::from(SIZE);
        (0..SIZE)
            .flat_map(|r| (0..SIZE).map(move |m| (at(m), at(r))))
            .map(|(n_dot_v, roughness)| split_sum(n_dot_v, roughness).map(|x| x as f32))
            .collect()
    })
}

/// The table as a filterable half-float texture (A in red, B in green).
pub(super) fn upload(ctx: &GpuContext) -> wgpu::TextureView {
    let data: Vec<u16> = table()
        .iter()
        .flat_map(|&[a, b]| [a, b, 0.0, 1.0].map(|c| half::f16::from_f32(c).to_bits()))
        .collect();
    wgpu::util::DeviceExt::create_texture_with_data(
        &ctx.device,
        &ctx.queue,
        &texture_2d(
            "GGX albedo table",
            (SIZE, SIZE, 1),
            wgpu::TextureFormat::Rgba16Float,
            wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        ),
        wgpu::util::TextureDataOrder::LayerMajor,
        bytemuck::cast_slice(&data),
    )
    .create_view(&wgpu::TextureViewDescriptor::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_smooth_lobe_reflects_all_it_receives_and_a_rough_one_loses_some() {
        // Roughness ~0: every sample is the mirror direction, A + B = 1.
        let [a, b] = split_sum(0.7, 0.0);
        assert!((a + b - 1.0).abs() < 1e-3, "{a} + {b}");
        // Roughness 0.8 loses energy to multiple scattering, more at normal incidence
        // than at a slant (the integral: 0.55 at n·v = 1, 0.72 at n·v = 0.25).
        let [a, b] = split_sum(1.0 - 1e-6, 0.8);
        assert!((a + b - 0.555).abs() < 0.01, "{}", a + b);
        let [a, b] = split_sum(0.25, 0.8);
        assert!((a + b - 0.718).abs() < 0.01, "{}", a + b);
        // F0 = 0.04: the dielectric's specular albedo (about 0.05 at n·v = 0.25).
        assert!((0.04 * a + b - 0.051).abs() < 0.005, "{}", 0.04 * a + b);
    }

    #[test]
    fn the_table_is_the_same_on_every_call() {
        let t = table();
        assert_eq!(t.len(), (SIZE * SIZE) as usize);
        assert!(std::ptr::eq(t, table()));
        assert!(
            t.iter()
                .all(|&[a, b]| a >= 0.0 && b >= 0.0 && a + b <= 1.0 + 1e-3)
        );
    }
}

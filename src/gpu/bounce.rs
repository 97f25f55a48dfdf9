//! The objects whose light bounces onto the others (`render.object_bounce`): each object a
//! diffuse sphere round its bounding box, of its mean colour, lit by the suns. The shader
//! (`objects_bounce` in `shaders/scene/lighting.wgsl`) sums what each sphere sends a fragment; a fragment
//! of the object itself gets none of its own sphere's light.

use glam::DVec3;

use crate::assets::MeanAlbedo;
use crate::geometry::srgb_to_linear;
use crate::scene::{FrameScene, MaterialSample, PatternKind};

/// Most objects a frame's shading sums the light of (the largest, when there are more).
pub(super) const MAX_BOUNCERS: usize = 16;

/// Flat objects (a ground, a wall, a board: the smallest side of their box under this share
/// of the largest) are no spheres; `render.ground_bounce` stands for a ground.
const FLAT: f64 = 0.05;

/// An object that bounces directional light onto the others, as a diffuse sphere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bouncer {
    /// Centre of its world bounding box.
    pub(super) centre: DVec3,
    /// Half its world bounding box's diagonal.
    pub(super) radius: f64,
    /// Mean linear albedo of its surface.
    pub(super) albedo: [f64; 3],
}

/// The frame's bouncers, and for each object its bouncer's slot + 1 (0: none), from the
/// objects' world box `corners` ([`super::shadows::object_corners`]) and each asset's mean
/// albedo (`albedo_of` an asset index).
pub(super) fn bouncers<'a>(
    scene: &FrameScene,
    corners: &[[DVec3; 8]],
    albedo_of: impl Fn(usize) -> &'a MeanAlbedo,
) -> (Vec<Bouncer>, Vec<u32>) {
    let mut candidates: Vec<(usize, Bouncer)> = scene
        .objects
        .iter()
        .zip(corners)
        .enumerate()
        .filter_map(|(k, (object, corners))| {
            let (lo, hi) = corners.iter().fold(
                (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY)),
                |(lo, hi), &p| (lo.min(p), hi.max(p)),
            );
            let size = hi - lo;
            if !size.is_finite() || size.min_element() <= FLAT * size.max_element() {
                return None;
            }
            let asset = albedo_of(object.asset_index);
            Some((
                k,
                Bouncer {
                    centre: 0.5 * (lo + hi),
                    radius: 0.5 * size.length(),
                    albedo: object_albedo(asset, object.material.as_ref()),
                },
            ))
        })
        .collect();
    // The largest first (a stable sort: ties keep the placement order).
    candidates.sort_by(|a, b| b.1.radius.total_cmp(&a.1.radius));
    candidates.truncate(MAX_BOUNCERS);
    let mut slots = vec![0; scene.objects.len()];
    let bouncers = candidates
        .into_iter()
        .enumerate()
        .map(|(slot, (k, b))| {
            slots[k] = slot as u32 + 1;
            b
        })
        .collect();
    (bouncers, slots)
}

/// An object's mean colour: its asset's, with a randomized colour in place of the
/// materials' factors, a procedural pattern's two colours in place of the textures (an
/// image from the pool counts as the asset's own textures), and the HSV shift applied to
/// the mean.
fn object_albedo(asset: &MeanAlbedo, material: Option<&MaterialSample>) -> [f64; 3] {
    let Some(m) = material else {
        return asset.with_factors;
    };
    let linear = |c: [f64; 3]| c.map(srgb_to_linear);
    let mut mean = match (m.color, &m.texture) {
        (_, Some(t)) if t.pattern != PatternKind::Image => {
            let [a, b] = t.colors.map(linear);
            let pattern: [f64; 3] = std::array::from_fn(|k| 0.5 * (a[k] + b[k]));
            let factor = m.color.map_or([1.0; 3], linear);
            std::array::from_fn(|k| pattern[k] * factor[k])
        }
        (Some(c), _) => {
            let c = linear(c);
            std::array::from_fn(|k| c[k] * asset.textures[k])
        }
        (None, _) => asset.with_factors,
    };
    if let Some(shift) = m.hsv_jitter {
        mean = hsv_shift(mean, shift);
    }
    mean
}

/// `shaders/scene/materials.wgsl`'s `hsv_shift`: hue turned by `shift[0]` degrees, saturation and value
/// multiplied by `shift[1]` and `shift[2]`.
fn hsv_shift(rgb: [f64; 3], shift: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb;
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let c = max - min;
    let h = if c <= 0.0 {
        0.0
    } else if max == r {
        (g - b) / c
    } else if max == g {
        (b - r) / c + 2.0
    } else {
        (r - g) / c + 4.0
    };
    let h = ((h * 60.0 + shift[0]) / 360.0).rem_euclid(1.0) * 6.0;
    let v = max * shift[2];
    let s = (if max > 0.0 { c / max } else { 0.0 } * shift[1]).clamp(0.0, 1.0);
    [5.0, 3.0, 1.0].map(|n| {
        let k = (n + h) % 6.0;
        v - v * s * k.min(4.0 - k).clamp(0.0, 1.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hsv_shift_turns_hue_and_scales_value_as_the_shader_does() {
        let red = [0.8, 0.0, 0.0];
        let green = hsv_shift(red, [120.0, 1.0, 1.0]);
        assert!(
            (green[1] - 0.8).abs() < 1e-12 && green[0].abs() < 1e-12,
            "{green:?}"
        );
        assert_eq!(hsv_shift(red, [0.0, 1.0, 0.5]), [0.4, 0.0, 0.0]);
        assert_eq!(hsv_shift([0.3; 3], [77.0, 2.0, 1.0]), [0.3; 3]);
    }

    #[test]
    fn a_randomized_colour_replaces_the_factor_and_keeps_the_texture() {
        let asset = crate::assets::MeanAlbedo {
            with_factors: [0.2, 0.2, 0.2],
            textures: [0.5, 0.5, 0.5],
        };
        assert_eq!(object_albedo(&asset, None), [0.2; 3]);
        let m = MaterialSample {
            color: Some([1.0, 0.0, 0.0]),
            ..MaterialSample::default()
        };
        assert_eq!(object_albedo(&asset, Some(&m)), [0.5, 0.0, 0.0]);
    }
}

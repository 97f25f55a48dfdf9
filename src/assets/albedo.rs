//! An asset's mean diffuse colour: what it reflects of the light that falls on it, as one
//! linear RGB value (the object bounce light treats each object as a sphere of it).
//!
//! Each primitive counts by its area; its colour is its material's base colour factor ×
//! its vertex colours × the mean of its base colour texture over the part of the image its
//! UVs span (a box mean from a summed-area table of a ≤ 64² reduction of the image).

use glam::DVec3;

use super::{Asset, Image};
use crate::geometry::srgb_to_linear;

/// Side of the reduced image the texture means are taken from, at most.
const REDUCED: u32 = 64;

/// An asset's area-weighted mean colour, with and without its materials' factors (a
/// randomized colour replaces the factors, the textures still multiply).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanAlbedo {
    /// Factor × vertex colour × texture, linear RGB.
    pub with_factors: [f64; 3],
    /// Vertex colour × texture alone.
    pub textures: [f64; 3],
}

impl MeanAlbedo {
    /// An asset with no area: mid grey.
    const GREY: Self = Self {
        with_factors: [0.5; 3],
        textures: [1.0; 3],
    };
}

/// Linear mean colour of an image over boxes of its texture space.
struct BoxMeans {
    width: usize,
    height: usize,
    /// (width + 1) × (height + 1) running sums of linear RGB.
    sums: Vec<[f64; 3]>,
}

impl BoxMeans {
    fn new(image: &Image) -> Self {
        let (w, h) = (image.width.max(1), image.height.max(1));
        // Each reduced texel averages the source texels it covers.
        let (rw, rh) = (w.min(REDUCED) as usize, h.min(REDUCED) as usize);
        let linear: [f64; 256] = std::array::from_fn(|c| srgb_to_linear(c as f64 / 255.0));
        let mut reduced = vec![[0.0f64; 3]; rw * rh];
        let mut counts = vec![0u32; rw * rh];
        for y in 0..h as usize {
            for x in 0..w as usize {
                let i = 4 * (y * w as usize + x);
                let Some(p) = image.rgba.get(i..i + 3) else {
                    continue;
                };
                let r = (y * rh / h as usize) * rw + x * rw / w as usize;
                for k in 0..3 {
                    reduced[r][k] += linear[usize::from(p[k])];
                }
                counts[r] += 1;
            }
        }
        let mut sums = vec![[0.0; 3]; (rw + 1) * (rh + 1)];
        for y in 0..rh {
            for x in 0..rw {
                let n = f64::from(counts[y * rw + x].max(1));
                for k in 0..3 {
                    sums[(y + 1) * (rw + 1) + x + 1][k] = reduced[y * rw + x][k] / n
                        + sums[y * (rw + 1) + x + 1][k]
                        + sums[(y + 1) * (rw + 1) + x][k]
                        - sums[y * (rw + 1) + x][k];
                }
            }
        }
        Self {
            width: rw,
            height: rh,
            sums,
        }
    }

    /// Texel range [lo, hi) that texture coordinates [a, b] cover along an axis of `n`
    /// texels: all of it when they span a whole repeat or wrap across one.
    fn span(a: f64, b: f64, n: usize) -> (usize, usize) {
        if !(a.is_finite() && b.is_finite()) || b - a >= 1.0 || a.floor() != b.floor() {
            return (0, n);
        }
        let (fa, fb) = (a - a.floor(), b - a.floor());
        let lo = ((fa * n as f64).floor() as usize).min(n - 1);
        let hi = ((fb * n as f64).ceil() as usize).clamp(lo + 1, n);
        (lo, hi)
    }

    /// Mean linear colour over texture coordinates `lo`..`hi`.
    fn mean(&self, lo: [f64; 2], hi: [f64; 2]) -> [f64; 3] {
        let (x0, x1) = Self::span(lo[0], hi[0], self.width);
        let (y0, y1) = Self::span(lo[1], hi[1], self.height);
        let at = |x: usize, y: usize| self.sums[y * (self.width + 1) + x];
        let n = ((x1 - x0) * (y1 - y0)) as f64;
        std::array::from_fn(|k| (at(x1, y1)[k] - at(x0, y1)[k] - at(x1, y0)[k] + at(x0, y0)[k]) / n)
    }
}

impl Asset {
    /// The asset's mean diffuse colour (see the module documentation), computed at the
    /// first call (from the asset as it is then) and kept.
    pub fn mean_albedo(&self) -> MeanAlbedo {
        *self.albedo_cache.get_or_init(|| self.compute_mean_albedo())
    }

    fn compute_mean_albedo(&self) -> MeanAlbedo {
        let mut means: Vec<Option<BoxMeans>> = (0..self.images.len()).map(|_| None).collect();
        let (mut area_sum, mut with_factors, mut textures) = (0.0, DVec3::ZERO, DVec3::ZERO);
        for draw in &self.draws {
            let Some(mesh) = self.meshes.get(draw.mesh) else {
                continue;
            };
            for primitive in &mesh.primitives {
                let corner = |i: u32| {
                    let v = &primitive.vertices[i as usize];
                    draw.transform
                        .transform_point3(DVec3::from_array(v.position.map(f64::from)))
                };
                let area: f64 = primitive
                    .indices
                    .chunks_exact(3)
                    .map(|t| {
                        0.5 * (corner(t[1]) - corner(t[0]))
                            .cross(corner(t[2]) - corner(t[0]))
                            .length()
                    })
                    .sum();
                if !area.is_finite() || area <= 0.0 {
                    continue;
                }
                let material = &self.materials[primitive.material.min(self.materials.len() - 1)];
                let vertex_colour = primitive.vertices.iter().fold(DVec3::ZERO, |s, v| {
                    let [r, g, b, _] = v.color.map(f64::from);
                    s + DVec3::new(r, g, b)
                }) / primitive.vertices.len().max(1) as f64;
                let texture = material
                    .base_color_texture
                    .and_then(|r| {
                        let image = self.textures.get(r.texture)?.image;
                        let means = means.get_mut(image)?;
                        let means = means.get_or_insert_with(|| BoxMeans::new(&self.images[image]));
                        let uv = |v: &super::Vertex| if r.tex_coord == 1 { v.uv1 } else { v.uv0 };
                        let (lo, hi) = primitive.vertices.iter().fold(
                            ([f64::MAX; 2], [f64::MIN; 2]),
                            |(lo, hi), v| {
                                let [a, b] = transformed(uv(v), r.transform);
                                ([lo[0].min(a), lo[1].min(b)], [hi[0].max(a), hi[1].max(b)])
                            },
                        );
                        Some(DVec3::from_array(means.mean(lo, hi)))
                    })
                    .unwrap_or(DVec3::ONE);
                let plain = vertex_colour * texture;
                let [r, g, b, _] = material.base_color.map(f64::from);
                let factor = DVec3::new(r, g, b);
                area_sum += area;
                textures += plain * area;
                with_factors += plain * factor * area;
            }
        }
        if !area_sum.is_finite() || area_sum <= 0.0 {
            return MeanAlbedo::GREY;
        }
        MeanAlbedo {
            with_factors: (with_factors / area_sum).to_array(),
            textures: (textures / area_sum).to_array(),
        }
    }
}

/// `uv` through a KHR_texture_transform's rows.
fn transformed(uv: [f32; 2], rows: [[f32; 3]; 2]) -> [f64; 2] {
    let (u, v) = (f64::from(uv[0]), f64::from(uv[1]));
    rows.map(|r| f64::from(r[0]) * u + f64::from(r[1]) * v + f64::from(r[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(side: u32, a: [u8; 3], b: [u8; 3]) -> Image {
        let mut rgba = Vec::new();
        for y in 0..side {
            for x in 0..side {
                let c = if (x / 4 + y / 4) % 2 == 0 { a } else { b };
                rgba.extend([c[0], c[1], c[2], 255]);
            }
        }
        Image {
            width: side,
            height: side,
            rgba,
        }
    }

    #[test]
    fn the_checker_cube_averages_its_texture_and_a_factor_scales_it() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cube.glb");
        let asset = crate::assets::load_asset("cube", &path).unwrap();
        // Every face maps the whole checker image: the mean is the image's.
        let image = &asset.images[0];
        let n = f64::from(image.width * image.height);
        let expected: [f64; 3] = std::array::from_fn(|k| {
            image
                .rgba
                .chunks_exact(4)
                .map(|p| srgb_to_linear(f64::from(p[k]) / 255.0))
                .sum::<f64>()
                / n
        });
        let mean = asset.mean_albedo();
        for k in 0..3 {
            assert!(
                (mean.textures[k] - expected[k]).abs() < 1e-6,
                "{mean:?} vs {expected:?}"
            );
        }
        let factor = asset.materials[0].base_color;
        assert!((mean.with_factors[0] - expected[0] * f64::from(factor[0])).abs() < 1e-6);
    }

    #[test]
    fn a_checker_averages_its_two_colours_in_linear_light() {
        let means = BoxMeans::new(&checker(256, [255, 255, 255], [0, 0, 0]));
        let m = means.mean([0.0, 0.0], [1.0, 1.0]);
        assert!(m.iter().all(|&c| (c - 0.5).abs() < 1e-9), "{m:?}");
        // A quarter of the image in one corner of a two-colour split.
        let split = Image {
            width: 2,
            height: 1,
            rgba: vec![255, 0, 0, 255, 0, 0, 255, 255],
        };
        let means = BoxMeans::new(&split);
        assert_eq!(means.mean([0.1, 0.0], [0.4, 1.0]), [1.0, 0.0, 0.0]);
        assert_eq!(means.mean([1.6, 0.2], [1.9, 0.3]), [0.0, 0.0, 1.0]);
        // Across a repeat: all of it.
        assert_eq!(means.mean([0.4, 0.0], [1.2, 1.0]), [0.5, 0.0, 0.5]);
    }
}

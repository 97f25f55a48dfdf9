//! Per-instance material randomization: colour, HSV jitter, roughness, metallic and
//! procedural textures.

use serde::{Deserialize, Serialize};

use super::{ColorDist, IssueSink, Scalar};
use crate::rng::StreamRng;
use crate::scene::{MaterialSample, PatternKind, TextureSample};

/// How each instance's material departs from its asset's. Every field is optional; an
/// absent field keeps the asset's value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    /// Replaces the base colour factor (sRGB); a base colour texture still multiplies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<ColorDist>,
    /// Shifts the final base colour in HSV: hue offset in degrees, saturation and value
    /// multipliers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hsv_jitter: Option<HsvJitterSpec>,
    /// Replaces the roughness factor ([0, 1]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roughness: Option<Scalar>,
    /// Replaces the metallic factor ([0, 1]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metallic: Option<Scalar>,
    /// Replaces the base colour texture with a procedural one (evaluated on the GPU from
    /// TEXCOORD_0, so any number of variants costs nothing to upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texture: Option<TextureSpec>,
}

/// A shift of a colour in HSV.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HsvJitterSpec {
    /// Hue offset, degrees.
    #[serde(default = "zero")]
    pub h: Scalar,
    /// Saturation multiplier.
    #[serde(default = "one")]
    pub s: Scalar,
    /// Value multiplier.
    #[serde(default = "one")]
    pub v: Scalar,
}

fn zero() -> Scalar {
    Scalar::Const(0.0)
}
fn one() -> Scalar {
    Scalar::Const(1.0)
}

/// A procedural texture, or a choice among several.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum TextureSpec {
    /// Squares of the two colours; `scale` squares across the UV square.
    Checker(PatternSpec),
    /// Bands of the two colours; `scale` pairs across the UV square, turned by `angle_deg`.
    Stripes(PatternSpec),
    /// Smooth value noise between the two colours; `scale` cells across the UV square.
    Noise(PatternSpec),
    /// A linear ramp from the first colour to the second, along `angle_deg`.
    Gradient(PatternSpec),
    /// An image file from a directory, at a random offset (a random crop), `scale`
    /// repetitions across the UV square, turned by `angle_deg`.
    Images(ImagesSpec),
    /// One of these, equally likely.
    Choice(Vec<TextureSpec>),
}

/// The parameters every pattern takes.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    /// The two colours (sRGB).
    pub colors: [ColorDist; 2],
    /// Repetitions across the UV square.
    #[serde(default = "default_scale")]
    pub scale: Scalar,
    /// Rotation of the pattern in UV space, degrees.
    #[serde(default = "zero")]
    pub angle_deg: Scalar,
}

fn default_scale() -> Scalar {
    Scalar::Const(8.0)
}

/// A pool of image files: every `.png`, `.jpg` and `.jpeg` directly in `dir`, in file
/// name order, each equally likely. They are resized to [`crate::assets::image::POOL_IMAGE_SIZE`] squared
/// when loaded.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImagesSpec {
    /// The directory; relative paths resolve against the spec's folder.
    pub dir: std::path::PathBuf,
    /// Repetitions across the UV square (for a background: across the image height).
    #[serde(default = "one")]
    pub scale: Scalar,
    /// Rotation in UV space, degrees.
    #[serde(default = "zero")]
    pub angle_deg: Scalar,
    /// The files found in `dir`, filled in when the spec is loaded from its file.
    #[serde(skip)]
    pub files: Vec<std::path::PathBuf>,
    /// The texture-pool layer of `files[0]` (the rest follow), filled in with `files`.
    #[serde(skip)]
    pub first_layer: u32,
}

impl MaterialSpec {
    /// Draws one instance's override: colour, jitter, roughness, metallic, texture, in
    /// that order; absent fields draw nothing.
    pub fn sample(&self, r: &mut StreamRng) -> MaterialSample {
        MaterialSample {
            color: self.color.as_ref().map(|c| c.sample(r)),
            hsv_jitter: self.hsv_jitter.as_ref().map(|j| {
                [
                    j.h.sample(r),
                    j.s.sample(r).max(0.0),
                    j.v.sample(r).max(0.0),
                ]
            }),
            roughness: self.roughness.as_ref().map(|s| s.sample(r).clamp(0.0, 1.0)),
            metallic: self.metallic.as_ref().map(|s| s.sample(r).clamp(0.0, 1.0)),
            texture: self.texture.as_ref().map(|t| t.sample(r)),
        }
    }

    /// Reports every problem with the parameters.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        if let Some(c) = &self.color {
            c.check(&format!("{path}.color"), sink);
        }
        if let Some(j) = &self.hsv_jitter {
            j.h.check(&format!("{path}.hsv_jitter.h"), sink);
            for (name, s) in [("s", &j.s), ("v", &j.v)] {
                let p = format!("{path}.hsv_jitter.{name}");
                s.check(&p, sink);
                if s.bounds().0 < 0.0 {
                    sink.issue(&p, "a multiplier must not be negative".into());
                }
            }
        }
        for (name, s) in [("roughness", &self.roughness), ("metallic", &self.metallic)] {
            if let Some(s) = s {
                let p = format!("{path}.{name}");
                s.check(&p, sink);
                let (lo, hi) = s.bounds();
                if lo < 0.0 || hi > 1.0 {
                    sink.issue(&p, format!("must lie in [0, 1], found [{lo}, {hi}]"));
                }
            }
        }
        if let Some(t) = &self.texture {
            t.check(&format!("{path}.texture"), sink);
        }
    }
}

impl TextureSpec {
    /// Draws a texture: for a choice, which one (one draw), then its colours, scale and
    /// angle.
    pub fn sample(&self, r: &mut StreamRng) -> TextureSample {
        let (pattern, p) = match self {
            TextureSpec::Checker(p) => (PatternKind::Checker, p),
            TextureSpec::Stripes(p) => (PatternKind::Stripes, p),
            TextureSpec::Noise(p) => (PatternKind::Noise, p),
            TextureSpec::Gradient(p) => (PatternKind::Gradient, p),
            TextureSpec::Images(images) => {
                // The file (one draw; none for a single file), the crop offset, scale, angle.
                let k = if images.files.len() > 1 {
                    r.below(images.files.len() as u64) as usize
                } else {
                    0
                };
                let offset = [r.unit(), r.unit()];
                return TextureSample {
                    pattern: PatternKind::Image,
                    colors: [[1.0; 3]; 2],
                    scale: images.scale.sample(r),
                    angle_deg: images.angle_deg.sample(r),
                    image: images.files.get(k).cloned(),
                    offset: Some(offset),
                    layer: images.first_layer + k as u32,
                };
            }
            TextureSpec::Choice(options) => {
                let k = r.below(options.len().max(1) as u64) as usize;
                return match options.get(k) {
                    Some(t) => t.sample(r),
                    // Validated non-empty; a plain grey checker otherwise.
                    None => TextureSample {
                        pattern: PatternKind::Checker,
                        colors: [[0.5; 3]; 2],
                        scale: 1.0,
                        angle_deg: 0.0,
                        image: None,
                        offset: None,
                        layer: 0,
                    },
                };
            }
        };
        TextureSample {
            pattern,
            colors: [p.colors[0].sample(r), p.colors[1].sample(r)],
            scale: p.scale.sample(r),
            angle_deg: p.angle_deg.sample(r),
            image: None,
            offset: None,
            layer: 0,
        }
    }

    /// Reports every problem with the parameters.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        match self {
            TextureSpec::Checker(p)
            | TextureSpec::Stripes(p)
            | TextureSpec::Noise(p)
            | TextureSpec::Gradient(p) => {
                p.colors[0].check(&format!("{path}.colors[0]"), sink);
                p.colors[1].check(&format!("{path}.colors[1]"), sink);
                p.scale.check(&format!("{path}.scale"), sink);
                if p.scale.bounds().0 <= 0.0 {
                    sink.issue(&format!("{path}.scale"), "must be positive".into());
                }
                p.angle_deg.check(&format!("{path}.angle_deg"), sink);
            }
            TextureSpec::Images(images) => {
                images.scale.check(&format!("{path}.images.scale"), sink);
                if images.scale.bounds().0 <= 0.0 {
                    sink.issue(&format!("{path}.images.scale"), "must be positive".into());
                }
                images
                    .angle_deg
                    .check(&format!("{path}.images.angle_deg"), sink);
            }
            TextureSpec::Choice(options) => {
                if options.is_empty() {
                    sink.issue(
                        &format!("{path}.choice"),
                        "needs at least one texture".into(),
                    );
                }
                for (i, t) in options.iter().enumerate() {
                    t.check(&format!("{path}.choice[{i}]"), sink);
                }
            }
        }
    }
}

impl TextureSpec {
    /// Calls `f` with every image pool in this texture (a choice may hold several) and
    /// the JSON path of its `dir`, `path` being this texture's.
    pub fn for_each_image_pool(&mut self, path: &str, f: &mut dyn FnMut(&str, &mut ImagesSpec)) {
        match self {
            TextureSpec::Images(images) => f(&format!("{path}.images.dir"), images),
            TextureSpec::Choice(options) => {
                for (i, t) in options.iter_mut().enumerate() {
                    t.for_each_image_pool(&format!("{path}.choice[{i}]"), f);
                }
            }
            _ => {}
        }
    }
}

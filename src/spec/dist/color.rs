//! Colour distributions (sRGB out).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{IssueSink, Scalar, fields, required, tagged, triple};
use crate::geometry::linear_to_srgb;
use crate::rng::StreamRng;

/// Lowest and highest colour temperature [`kelvin_to_srgb`] covers.
pub const KELVIN_RANGE: (f64, f64) = (1667.0, 25000.0);

/// An sRGB colour drawn per frame, components in `[0, 1]`.
///
/// Forms: `[r, g, b]` (constant); `{"uniform": {"min": [r, g, b], "max": [r, g, b]}}` (a
/// box in sRGB); `{"hsv": {"h": H, "s": S, "v": V}}` (hue in degrees, wrapping;
/// saturation and value in [0, 1]; each any [`Scalar`]); `{"kelvin": T}` (the colour of a
/// black body at T kelvin, brightest channel 1; any [`Scalar`], 1667 to 25000 K).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum ColorDist {
    /// Always this colour.
    Const([f64; 3]),
    /// Each sRGB channel uniform in its range.
    Uniform {
        /// Lower corner.
        min: [f64; 3],
        /// Upper corner.
        max: [f64; 3],
    },
    /// Hue, saturation, value.
    Hsv {
        /// Hue, degrees (taken modulo 360).
        h: Box<Scalar>,
        /// Saturation in [0, 1].
        s: Box<Scalar>,
        /// Value in [0, 1].
        v: Box<Scalar>,
    },
    /// Black-body colour temperature, kelvin.
    Kelvin(Box<Scalar>),
}

impl ColorDist {
    /// Draws an sRGB colour.
    pub fn sample(&self, rng: &mut StreamRng) -> [f64; 3] {
        match self {
            ColorDist::Const(c) => *c,
            ColorDist::Uniform { min, max } => [
                rng.uniform(min[0], max[0]),
                rng.uniform(min[1], max[1]),
                rng.uniform(min[2], max[2]),
            ],
            ColorDist::Hsv { h, s, v } => {
                let (h, s, v) = (h.sample(rng), s.sample(rng), v.sample(rng));
                hsv_to_rgb(h, s.clamp(0.0, 1.0), v.clamp(0.0, 1.0))
            }
            ColorDist::Kelvin(t) => kelvin_to_srgb(t.sample(rng)),
        }
    }

    /// Reports components outside [0, 1] and bad parameters.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        let unit = |c: &[f64; 3]| c.iter().all(|v| (0.0..=1.0).contains(v));
        match self {
            ColorDist::Const(c) => {
                if !unit(c) {
                    sink.issue(
                        path,
                        format!("sRGB components must lie in [0, 1], found {c:?}"),
                    );
                }
            }
            ColorDist::Uniform { min, max } => {
                if !(unit(min) && unit(max)) {
                    sink.issue(path, "sRGB components must lie in [0, 1]".into());
                } else if (0..3).any(|i| min[i] > max[i]) {
                    sink.issue(path, format!("min > max ({min:?} > {max:?})"));
                }
            }
            ColorDist::Hsv { h, s, v } => {
                h.check(&format!("{path}.hsv.h"), sink);
                for (name, d) in [("s", s), ("v", v)] {
                    let p = format!("{path}.hsv.{name}");
                    d.check(&p, sink);
                    let (lo, hi) = d.bounds();
                    if lo < 0.0 || hi > 1.0 {
                        sink.issue(&p, format!("must lie in [0, 1], found [{lo}, {hi}]"));
                    }
                }
            }
            ColorDist::Kelvin(t) => {
                let p = format!("{path}.kelvin");
                t.check(&p, sink);
                let (lo, hi) = t.bounds();
                if lo < KELVIN_RANGE.0 || hi > KELVIN_RANGE.1 {
                    sink.issue(
                        &p,
                        format!(
                            "colour temperature must lie in [{}, {}] K, found [{lo}, {hi}]",
                            KELVIN_RANGE.0, KELVIN_RANGE.1
                        ),
                    );
                }
            }
        }
    }
}

/// HSV (hue in degrees) to RGB in the same (sRGB) space.
pub fn hsv_to_rgb(h: f64, s: f64, v: f64) -> [f64; 3] {
    let h = h.rem_euclid(360.0) / 60.0;
    let sector = (h as u32).min(5);
    let f = h - f64::from(sector);
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    match sector {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// The sRGB colour of a black body at `kelvin` (clamped to `KELVIN_RANGE`), scaled so
/// its brightest channel is 1: the CIE 1931 chromaticity of the Planckian locus from
/// Kim et al.'s cubic fit (2002), converted through XYZ to linear sRGB (D65).
pub fn kelvin_to_srgb(kelvin: f64) -> [f64; 3] {
    let t = kelvin.clamp(KELVIN_RANGE.0, KELVIN_RANGE.1);
    let (t1, t2, t3) = (1e3 / t, 1e6 / (t * t), 1e9 / (t * t * t));
    let x = if t <= 4000.0 {
        -0.266_123_9 * t3 - 0.234_358_9 * t2 + 0.877_695_6 * t1 + 0.179_910
    } else {
        -3.025_846_9 * t3 + 2.107_037_9 * t2 + 0.222_634_7 * t1 + 0.240_390
    };
    let (x2, x3) = (x * x, x * x * x);
    let y = if t <= 2222.0 {
        -1.106_381_4 * x3 - 1.348_110_20 * x2 + 2.185_558_32 * x - 0.202_196_83
    } else if t <= 4000.0 {
        -0.954_947_6 * x3 - 1.374_185_93 * x2 + 2.091_370_15 * x - 0.167_488_67
    } else {
        3.081_758_0 * x3 - 5.873_386_70 * x2 + 3.751_129_97 * x - 0.370_014_83
    };
    let (cx, cy, cz) = (x / y, 1.0, (1.0 - x - y) / y);
    let rgb = [
        3.240_454_2 * cx - 1.537_138_5 * cy - 0.498_531_4 * cz,
        -0.969_266_0 * cx + 1.876_010_8 * cy + 0.041_556_0 * cz,
        0.055_643_4 * cx - 0.204_025_9 * cy + 1.057_225_2 * cz,
    ]
    .map(|c| c.max(0.0));
    let peak = rgb[0].max(rgb[1]).max(rgb[2]);
    rgb.map(|c| linear_to_srgb(c / peak).clamp(0.0, 1.0))
}

impl TryFrom<Value> for ColorDist {
    type Error = String;

    fn try_from(v: Value) -> Result<Self, String> {
        if v.is_array() {
            return triple(&v).map(ColorDist::Const);
        }
        let scalar = |x: &Value| Scalar::try_from(x.clone()).map(Box::new);
        match tagged(&v) {
            Some(("uniform", body)) => {
                let map = fields(body, "uniform", &["min", "max"])?;
                Ok(ColorDist::Uniform {
                    min: triple(required(map, "uniform", "min")?)?,
                    max: triple(required(map, "uniform", "max")?)?,
                })
            }
            Some(("hsv", body)) => {
                let map = fields(body, "hsv", &["h", "s", "v"])?;
                Ok(ColorDist::Hsv {
                    h: scalar(required(map, "hsv", "h")?)?,
                    s: scalar(required(map, "hsv", "s")?)?,
                    v: scalar(required(map, "hsv", "v")?)?,
                })
            }
            Some(("kelvin", body)) => scalar(body).map(ColorDist::Kelvin),
            _ => Err(format!(
                "expected an sRGB colour [r, g, b] or one of {{\"uniform\": {{\"min\", \"max\"}}}}, \
                 {{\"hsv\": {{\"h\", \"s\", \"v\"}}}}, {{\"kelvin\": T}}, found {v}"
            )),
        }
    }
}

impl From<ColorDist> for Value {
    fn from(c: ColorDist) -> Value {
        match c {
            ColorDist::Const(c) => json!(c),
            ColorDist::Uniform { min, max } => json!({ "uniform": { "min": min, "max": max } }),
            ColorDist::Hsv { h, s, v } => json!({
                "hsv": { "h": Value::from(*h), "s": Value::from(*s), "v": Value::from(*v) }
            }),
            ColorDist::Kelvin(t) => json!({ "kelvin": Value::from(*t) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kelvin_reference_points() {
        // Mitchell Charity's black-body table (CIE 1931 2°, sRGB, brightest channel 1):
        // 2000 K (1.000, 0.543, 0.054), 6500 K (1.000, 0.976, 0.998) at this fit's
        // precision, 20000 K (0.661, 0.745, 1.000).
        let close = |a: [f64; 3], b: [f64; 3], tol: f64| (0..3).all(|i| (a[i] - b[i]).abs() < tol);
        let warm = kelvin_to_srgb(2000.0);
        assert!(close(warm, [1.0, 0.543, 0.054], 0.04), "{warm:?}");
        let white = kelvin_to_srgb(6500.0);
        assert!(close(white, [1.0, 0.976, 0.998], 0.04), "{white:?}");
        let cold = kelvin_to_srgb(20000.0);
        assert!(close(cold, [0.661, 0.745, 1.0], 0.04), "{cold:?}");
    }

    #[test]
    fn hsv_primaries() {
        assert_eq!(hsv_to_rgb(0.0, 1.0, 1.0), [1.0, 0.0, 0.0]);
        assert_eq!(hsv_to_rgb(120.0, 1.0, 1.0), [0.0, 1.0, 0.0]);
        assert_eq!(hsv_to_rgb(240.0, 1.0, 0.5), [0.0, 0.0, 0.5]);
        assert_eq!(hsv_to_rgb(-120.0, 1.0, 1.0), [0.0, 0.0, 1.0]);
        assert_eq!(hsv_to_rgb(30.0, 0.0, 0.7), [0.7, 0.7, 0.7]);
    }
}

//! Environment maps: equirectangular HDR images (Radiance `.hdr`, OpenEXR `.exr`) or the
//! built-in neutral studio, decoded to linear RGB once per run, with the diffuse
//! irradiance of each as nine spherical-harmonic coefficients.
//!
//! Conventions (shared with `shaders/scene/` and `shaders/environment.wgsl`): pixel
//! column u ∈ [0, 1) is the azimuth φ = 2π(u − ½) about +y, φ = 0 looking along −z and
//! φ = π/2 along +x; row v ∈ [0, 1] is the polar angle θ = πv from +y (the top row is the
//! zenith). The direction of (u, v) is (sin θ sin φ, cos θ, −sin θ cos φ).

use std::path::Path;

use super::AssetError;

/// Widest map kept: larger ones are halved (2×2 box filter) until they fit. 2048 columns
/// give a background about 4 pixels per degree; light needs far less.
pub const MAX_ENVIRONMENT_WIDTH: u32 = 2048;
/// Largest value kept (half floats' largest finite value): brighter texels, such as a
/// sun's disc in a captured sky, are clamped to it.
pub const MAX_RADIANCE: f32 = 65504.0;
/// Name of the built-in map in specs and labels.
pub const NEUTRAL: &str = crate::spec::NEUTRAL_ENVIRONMENT;

/// A decoded environment map in linear RGB.
#[derive(Debug, Clone)]
pub struct EnvironmentMap {
    /// `neutral` or the file's path as the spec resolved it.
    pub name: String,
    /// Width, pixels (at most [`MAX_ENVIRONMENT_WIDTH`]).
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Row-major linear RGB radiance.
    pub rgb: Vec<[f32; 3]>,
    /// Diffuse irradiance over π as spherical harmonics (bands 0-2, nine coefficients
    /// of linear RGB): a white Lambertian surface with normal n reflects radiance
    /// Σₖ sh\[k\] Yₖ(n) ([`sh_basis`]), in the map's own frame.
    pub sh: [[f32; 3]; 9],
    /// The sun taken out of the map, when it was asked for and the map has one.
    pub sun: Option<MapSun>,
}

/// A map's sun as a directional light: the disc (and the glow close round it) above the
/// sky behind it, which stays in the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapSun {
    /// Unit direction towards the sun, in the map's frame.
    pub direction: [f64; 3],
    /// Irradiance it gives a surface facing it: linear RGB, the map's radiance units.
    pub irradiance: [f64; 3],
}

/// What counts as the sun: pixels within this angle of the brightest one, degrees.
const SUN_RADIUS_DEG: f64 = 6.0;
/// The ring (out to this angle) whose mean stands for the sky behind the sun.
const SKY_RING_DEG: f64 = 10.0;
/// The brightest pixel is a sun when it outshines that ring this many times.
const SUN_CONTRAST: f64 = 50.0;

fn luminance(p: [f32; 3]) -> f64 {
    0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
}

/// Takes the sun out of an equirectangular map of `width`×`height` linear RGB pixels: the
/// pixels within `SUN_RADIUS_DEG` of the brightest become the mean of the ring round
/// them, and what they held above it becomes a [`MapSun`]. None (and the map untouched)
/// when the brightest pixel does not outshine its ring `SUN_CONTRAST` times (an
/// overcast sky, a studio).
pub fn split_sun(width: u32, height: u32, rgb: &mut [[f32; 3]]) -> Option<MapSun> {
    let brightest = (0..rgb.len()).fold(0, |best, i| {
        if luminance(rgb[i]) > luminance(rgb[best]) {
            i
        } else {
            best
        }
    });
    let centre_of = |i: usize| {
        let (x, y) = ((i % width as usize) as f64, (i / width as usize) as f64);
        direction((x + 0.5) / f64::from(width), (y + 0.5) / f64::from(height))
    };
    let sun = centre_of(brightest);
    let (cos_sun, cos_ring) = (
        SUN_RADIUS_DEG.to_radians().cos(),
        SKY_RING_DEG.to_radians().cos(),
    );
    let d_phi = std::f64::consts::TAU / f64::from(width);
    let solid_angle = |y: usize| {
        let v0 = y as f64 / f64::from(height);
        let v1 = (y + 1) as f64 / f64::from(height);
        d_phi * (libm::cos(std::f64::consts::PI * v0) - libm::cos(std::f64::consts::PI * v1))
    };
    let cos_to_sun = |i: usize| {
        let d = centre_of(i);
        d[0] * sun[0] + d[1] * sun[1] + d[2] * sun[2]
    };
    // Only rows within the ring's angle of the sun's can hold it (a row spans 180° / height).
    let row_of = |polar_deg: f64| (polar_deg / 180.0 * f64::from(height)).floor();
    let sun_polar = libm::acos(sun[1].clamp(-1.0, 1.0)).to_degrees();
    let first = row_of(sun_polar - SKY_RING_DEG).max(0.0) as usize;
    let last = (row_of(sun_polar + SKY_RING_DEG) as usize + 1).min(height as usize);
    let near = first * width as usize..last * width as usize;
    let (mut ring, mut ring_area) = ([0.0f64; 3], 0.0);
    for (i, p) in rgb.iter().enumerate().take(near.end).skip(near.start) {
        let c = cos_to_sun(i);
        if c <= cos_sun && c > cos_ring {
            let a = solid_angle(i / width as usize);
            ring_area += a;
            for k in 0..3 {
                ring[k] += f64::from(p[k]) * a;
            }
        }
    }
    if ring_area <= 0.0 {
        return None;
    }
    let ring = ring.map(|c| c / ring_area);
    let sky = ring.map(|c| c as f32);
    if luminance(rgb[brightest]) < SUN_CONTRAST * luminance(sky).max(1e-6) {
        return None;
    }
    let (mut irradiance, mut towards) = ([0.0f64; 3], [0.0f64; 3]);
    for (i, p) in rgb.iter_mut().enumerate().take(near.end).skip(near.start) {
        let c = cos_to_sun(i);
        if c <= cos_sun {
            continue;
        }
        let a = solid_angle(i / width as usize);
        let excess: [f64; 3] = std::array::from_fn(|k| (f64::from(p[k]) - ring[k]).max(0.0));
        for k in 0..3 {
            irradiance[k] += excess[k] * a * c;
        }
        let weight = (0.2126 * excess[0] + 0.7152 * excess[1] + 0.0722 * excess[2]) * a;
        let d = centre_of(i);
        for k in 0..3 {
            towards[k] += d[k] * weight;
        }
        *p = sky;
    }
    let norm = (towards[0] * towards[0] + towards[1] * towards[1] + towards[2] * towards[2]).sqrt();
    (norm > 0.0).then(|| MapSun {
        direction: towards.map(|c| c / norm),
        irradiance,
    })
}

/// The nine real spherical harmonics of bands 0-2 at unit direction `d`, in the order
/// the shader evaluates them.
pub fn sh_basis(d: [f64; 3]) -> [f64; 9] {
    let [x, y, z] = d;
    [
        0.282_094_79,
        0.488_602_51 * y,
        0.488_602_51 * z,
        0.488_602_51 * x,
        1.092_548_43 * x * y,
        1.092_548_43 * y * z,
        0.315_391_57 * (3.0 * z * z - 1.0),
        1.092_548_43 * x * z,
        0.546_274_22 * (x * x - y * y),
    ]
}

/// The direction of map coordinates (u, v), in the map's frame.
pub fn direction(u: f64, v: f64) -> [f64; 3] {
    let phi = std::f64::consts::TAU * (u - 0.5);
    let theta = std::f64::consts::PI * v;
    let (st, ct) = (libm::sin(theta), libm::cos(theta));
    [st * libm::sin(phi), ct, -st * libm::cos(phi)]
}

impl EnvironmentMap {
    /// A map from linear RGB pixels, halved until it fits [`MAX_ENVIRONMENT_WIDTH`], with
    /// its irradiance computed.
    pub fn new(name: String, width: u32, height: u32, rgb: Vec<[f32; 3]>) -> Self {
        let (mut width, mut height, mut rgb) = (width, height, rgb);
        for px in &mut rgb {
            *px = px.map(|c| {
                if c.is_finite() {
                    c.clamp(0.0, MAX_RADIANCE)
                } else {
                    0.0
                }
            });
        }
        while width > MAX_ENVIRONMENT_WIDTH {
            (width, height, rgb) = halve(width, height, &rgb);
        }
        let sh = project_sh(width, height, &rgb);
        Self {
            name,
            width,
            height,
            rgb,
            sh,
            sun: None,
        }
    }

    /// The mean radiance over the sphere (solid-angle weighted).
    pub fn mean(&self) -> [f64; 3] {
        // Band 0 of the projection is the integral times Y₀₀.
        let y00 = sh_basis([0.0, 1.0, 0.0])[0];
        self.sh[0].map(|c| f64::from(c) / (y00 * 4.0 * std::f64::consts::PI))
    }

    /// The built-in neutral environment: a soft studio, brighter overhead, with a broad
    /// key light up and to the front-right and a darker floor; mean radiance 1 (the
    /// spec's `ambient` sets its level and colour).
    pub fn neutral() -> Self {
        let (w, h) = (256u32, 128u32);
        let key = {
            let k = [0.45f64, 0.75, -0.48];
            let n = (k[0] * k[0] + k[1] * k[1] + k[2] * k[2]).sqrt();
            k.map(|c| c / n)
        };
        let mut rgb = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let d = direction(
                    (f64::from(x) + 0.5) / f64::from(w),
                    (f64::from(y) + 0.5) / f64::from(h),
                );
                let sky = 1.0 + 0.5 * d[1].max(0.0);
                let floor = 0.35;
                let t = smoothstep(-0.08, 0.08, d[1]);
                let cos_key = d[0] * key[0] + d[1] * key[1] + d[2] * key[2];
                let lobe = 4.0 * libm::exp((cos_key - 1.0) / 0.06);
                let value = (floor + (sky - floor) * t + lobe) as f32;
                rgb.push([value; 3]);
            }
        }
        let map = Self::new(NEUTRAL.to_owned(), w, h, rgb);
        let mean = map.mean()[0] as f32;
        let rgb = map.rgb.iter().map(|p| p.map(|c| c / mean)).collect();
        Self::new(NEUTRAL.to_owned(), w, h, rgb)
    }

    /// A map of one radiance everywhere (the white furnace's environment).
    pub fn uniform(name: &str, radiance: [f32; 3]) -> Self {
        Self::new(name.to_owned(), 64, 32, vec![radiance; 64 * 32])
    }
}

fn smoothstep(a: f64, b: f64, x: f64) -> f64 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// One 2×2 box-filtered level below `rgb` (odd sides keep their last column or row).
pub fn halve(width: u32, height: u32, rgb: &[[f32; 3]]) -> (u32, u32, Vec<[f32; 3]>) {
    let (nw, nh) = ((width / 2).max(1), (height / 2).max(1));
    let mut out = Vec::with_capacity((nw * nh) as usize);
    for y in 0..nh {
        let ys = [(2 * y).min(height - 1), (2 * y + 1).min(height - 1)];
        for x in 0..nw {
            let xs = [(2 * x).min(width - 1), (2 * x + 1).min(width - 1)];
            let mut sum = [0.0f32; 3];
            for yy in ys {
                for xx in xs {
                    let p = rgb[(yy * width + xx) as usize];
                    for c in 0..3 {
                        sum[c] += p[c];
                    }
                }
            }
            out.push(sum.map(|s| s * 0.25));
        }
    }
    (nw, nh, out)
}

/// Projects the map onto bands 0-2 and convolves with the clamped cosine (Ramamoorthi
/// and Hanrahan 2001): the coefficients of irradiance over π.
fn project_sh(width: u32, height: u32, rgb: &[[f32; 3]]) -> [[f32; 3]; 9] {
    let mut acc = [[0.0f64; 3]; 9];
    let d_phi = std::f64::consts::TAU / f64::from(width);
    for y in 0..height {
        let v0 = f64::from(y) / f64::from(height);
        let v1 = f64::from(y + 1) / f64::from(height);
        let solid_angle =
            d_phi * (libm::cos(std::f64::consts::PI * v0) - libm::cos(std::f64::consts::PI * v1));
        let v = (f64::from(y) + 0.5) / f64::from(height);
        for x in 0..width {
            let u = (f64::from(x) + 0.5) / f64::from(width);
            let basis = sh_basis(direction(u, v));
            let p = rgb[(y * width + x) as usize];
            for (k, b) in basis.iter().enumerate() {
                for c in 0..3 {
                    acc[k][c] += f64::from(p[c]) * b * solid_angle;
                }
            }
        }
    }
    // Â_l / π for bands 0, 1, 2: 1, 2/3, 1/4.
    let band = [
        1.0,
        2.0 / 3.0,
        2.0 / 3.0,
        2.0 / 3.0,
        0.25,
        0.25,
        0.25,
        0.25,
        0.25,
    ];
    let mut sh = [[0.0f32; 3]; 9];
    for k in 0..9 {
        for c in 0..3 {
            sh[k][c] = (acc[k][c] * band[k]) as f32;
        }
    }
    sh
}

/// Largest side of an environment file accepted before decoding.
const MAX_FILE_SIDE: u32 = 16384;

/// Loads a `.hdr` or `.exr` equirectangular map (told apart by content), refusing files
/// whose header claims more than 16384 pixels a side before decoding them; with `sun`,
/// takes its sun out as a [`MapSun`] ([`split_sun`], on the full-resolution values
/// before they are clamped to half floats).
pub fn load_environment(path: &Path, sun: bool) -> Result<EnvironmentMap, AssetError> {
    let fail = |message: String| AssetError::Image {
        file: path.to_owned(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|source| AssetError::Read {
        file: path.to_owned(),
        source,
    })?;
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(&bytes[..]))
            .with_guessed_format()
            .map_err(|e| fail(e.to_string()))
    };
    let format = reader()?
        .format()
        .filter(|f| matches!(f, image::ImageFormat::Hdr | image::ImageFormat::OpenExr))
        .ok_or_else(|| {
            fail("not a Radiance .hdr or OpenEXR image (environment maps take those two)".into())
        })?;
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|e| fail(format!("unreadable {format:?} header: {e}")))?;
    if width > MAX_FILE_SIDE || height > MAX_FILE_SIDE || width == 0 || height == 0 {
        return Err(fail(format!(
            "its header claims {width}x{height} pixels: environment maps may have 1 to {MAX_FILE_SIDE} a side"
        )));
    }
    let mut reader = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_FILE_SIDE);
    limits.max_image_height = Some(MAX_FILE_SIDE);
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 16 * 2);
    reader.limits(limits);
    let decoded = crate::panic_guard::catch(|| reader.decode())
        .map_err(|panic| fail(format!("the {format:?} decoder failed ({panic})")))?
        .map_err(|e| fail(e.to_string()))?;
    let mut rgb = decoded
        .to_rgb32f()
        .pixels()
        .map(|p| p.0)
        .collect::<Vec<[f32; 3]>>();
    let sun = if sun {
        split_sun(width, height, &mut rgb)
    } else {
        None
    };
    let mut map = EnvironmentMap::new(path.display().to_string(), width, height, rgb);
    map.sun = sun;
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Irradiance over π at normal `n` from the coefficients.
    fn irradiance(map: &EnvironmentMap, n: [f64; 3]) -> f64 {
        sh_basis(n)
            .iter()
            .zip(&map.sh)
            .map(|(b, c)| b * f64::from(c[0]))
            .sum()
    }

    #[test]
    fn a_uniform_map_gives_its_radiance_in_every_direction() {
        let map = EnvironmentMap::uniform("u", [0.5; 3]);
        for n in [
            [0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 0.0, -1.0],
            [0.6, -0.8, 0.0],
        ] {
            // Midpoint quadrature over 32 rows: within 0.1 %.
            assert!(
                (irradiance(&map, n) - 0.5).abs() < 5e-4,
                "{n:?}: {}",
                irradiance(&map, n)
            );
        }
        assert!((map.mean()[0] - 0.5).abs() < 1e-4);
    }

    #[test]
    fn a_bright_upper_hemisphere_lights_up_facing_normals() {
        // Radiance 1 above the horizon, 0 below: irradiance/π is 1 facing up, 0 facing
        // down, 1/2 sideways (bands 0-2 approximate the step within a few per cent).
        let (w, h) = (128u32, 64u32);
        let rgb = (0..w * h)
            .map(|i| if i / w < h / 2 { [1.0; 3] } else { [0.0; 3] })
            .collect();
        let map = EnvironmentMap::new("half".into(), w, h, rgb);
        assert!((irradiance(&map, [0.0, 1.0, 0.0]) - 1.0).abs() < 0.06);
        assert!(irradiance(&map, [0.0, -1.0, 0.0]).abs() < 0.06);
        assert!((irradiance(&map, [1.0, 0.0, 0.0]) - 0.5).abs() < 0.01);
    }

    #[test]
    fn the_neutral_map_has_mean_one_and_is_brighter_overhead() {
        let map = EnvironmentMap::neutral();
        assert!((map.mean()[0] - 1.0).abs() < 1e-3, "{:?}", map.mean());
        assert!(irradiance(&map, [0.0, 1.0, 0.0]) > 1.5 * irradiance(&map, [0.0, -1.0, 0.0]));
    }

    #[test]
    fn directions_follow_the_documented_convention() {
        let close = |a: [f64; 3], b: [f64; 3]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9);
        assert!(close(direction(0.5, 0.5), [0.0, 0.0, -1.0]));
        assert!(close(direction(0.75, 0.5), [1.0, 0.0, 0.0]));
        assert!(close(direction(0.3, 0.0), [0.0, 1.0, 0.0]));
    }

    #[test]
    fn a_sun_by_the_zenith_is_found_and_a_faint_one_is_not() {
        let (w, h) = (256u32, 128u32);
        let at = |sun: [f64; 3], radiance: f32| -> Vec<[f32; 3]> {
            (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .map(|(x, y)| {
                    let d = direction(
                        (f64::from(x) + 0.5) / f64::from(w),
                        (f64::from(y) + 0.5) / f64::from(h),
                    );
                    let c = d[0] * sun[0] + d[1] * sun[1] + d[2] * sun[2];
                    [if c > 3f64.to_radians().cos() {
                        radiance
                    } else {
                        0.5
                    }; 3]
                })
                .collect()
        };
        // 2° from the zenith: its ring wraps round the pole.
        let zenith = [2f64.to_radians().sin(), 2f64.to_radians().cos(), 0.0];
        let mut rgb = at(zenith, 1000.0);
        let sun = split_sun(w, h, &mut rgb).expect("a sun by the zenith");
        let cos: f64 = (0..3).map(|k| sun.direction[k] * zenith[k]).sum();
        assert!(cos > 0.5f64.to_radians().cos(), "{:?}", sun.direction);
        assert!(
            rgb.iter().all(|p| (p[0] - 0.5).abs() < 1e-4),
            "the sky is left"
        );
        // Twenty times the sky is a bright patch, not a sun: the map stays as it was.
        let mut faint = at(zenith, 10.0);
        let before = faint.clone();
        assert_eq!(split_sun(w, h, &mut faint), None);
        assert_eq!(faint, before);
    }

    #[test]
    fn wide_maps_are_halved_to_fit() {
        let map = EnvironmentMap::new("w".into(), 4096, 2048, vec![[2.0; 3]; 4096 * 2048]);
        assert_eq!((map.width, map.height), (2048, 1024));
        assert!(map.rgb.iter().all(|p| *p == [2.0; 3]));
    }
}

//! Generates the project's own environment maps in `assets/skies/`: small equirectangular
//! Radiance `.hdr` skies (512×256, linear radiance, conventions of
//! `synthvis::assets::environment`) for `render.environment`, so example scenes need no
//! downloaded HDRI. Run: `cargo run --example make_skies`.
//!
//! - `noon.hdr`: clear blue sky, sun 60° high, sandy ground;
//! - `sunset.hdr`: warm horizon, low sun 6° high, dark blue zenith;
//! - `overcast.hdr`: CIE overcast sky (three times brighter at the zenith than at the
//!   horizon), grey ground;
//! - `studio.hdr`: dim grey room lit by two large soft boxes.
//!
//! The output is committed; rerunning gives byte-identical files.

use std::path::Path;

use synthvis::assets::environment::direction;

const WIDTH: usize = 512;
const HEIGHT: usize = 256;

type Rgb = [f64; 3];
/// Radiance of a sky in each direction.
type Sky = fn(Rgb) -> Rgb;

fn mix(a: Rgb, b: Rgb, t: f64) -> Rgb {
    std::array::from_fn(|c| a[c] + (b[c] - a[c]) * t)
}

fn scale(a: Rgb, s: f64) -> Rgb {
    a.map(|c| c * s)
}

fn add(a: Rgb, b: Rgb) -> Rgb {
    std::array::from_fn(|c| a[c] + b[c])
}

fn smoothstep(a: f64, b: f64, x: f64) -> f64 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn dot(a: Rgb, b: Rgb) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The unit direction at `elevation_deg` above the horizon and `azimuth_deg` from −z
/// towards +x.
fn towards(elevation_deg: f64, azimuth_deg: f64) -> Rgb {
    let (e, a) = (elevation_deg.to_radians(), azimuth_deg.to_radians());
    [e.cos() * a.sin(), e.sin(), -e.cos() * a.cos()]
}

/// A sun disc of angular radius `radius_deg` with a soft edge and a glow around it.
fn sun(d: Rgb, at: Rgb, radius_deg: f64, disc: Rgb, glow: Rgb) -> Rgb {
    let angle = dot(d, at).clamp(-1.0, 1.0).acos().to_degrees();
    let edge = 1.0 - smoothstep(radius_deg * 0.7, radius_deg, angle);
    add(scale(disc, edge), scale(glow, (-angle / 6.0).exp()))
}

/// Sky above, ground below, blended over a thin band at the horizon.
fn with_ground(d: Rgb, sky: Rgb, ground: Rgb) -> Rgb {
    mix(ground, sky, smoothstep(-0.02, 0.02, d[1]))
}

fn noon(d: Rgb) -> Rgb {
    let up = d[1].max(0.0);
    let sky = mix([1.05, 1.15, 1.3], [0.25, 0.45, 1.0], up.powf(0.6));
    let at = towards(60.0, 30.0);
    let sky = add(
        sky,
        sun(d, at, 1.5, [4000.0, 3800.0, 3500.0], [1.5, 1.4, 1.2]),
    );
    with_ground(d, sky, [0.32, 0.28, 0.22])
}

fn sunset(d: Rgb) -> Rgb {
    let up = d[1].max(0.0);
    let at = towards(6.0, -70.0);
    // Warmer towards the sun's side of the horizon.
    let facing = (dot([d[0], 0.0, d[2]], [at[0], 0.0, at[2]]) * 0.5 + 0.5).max(0.0);
    let horizon = mix([0.5, 0.35, 0.35], [1.4, 0.7, 0.3], facing);
    let sky = mix(horizon, [0.08, 0.12, 0.35], up.powf(0.4));
    let sky = add(
        sky,
        sun(d, at, 1.5, [1500.0, 700.0, 250.0], [2.0, 0.9, 0.3]),
    );
    with_ground(d, sky, [0.08, 0.06, 0.05])
}

fn overcast(d: Rgb) -> Rgb {
    let up = d[1].max(0.0);
    let sky = scale([1.0, 1.0, 1.02], (1.0 + 2.0 * up) / 3.0 * 1.5);
    with_ground(d, sky, [0.18, 0.18, 0.17])
}

fn studio(d: Rgb) -> Rgb {
    // Walls darker towards the floor.
    let room = mix([0.05, 0.05, 0.05], [0.18, 0.18, 0.19], d[1] * 0.5 + 0.5);
    let softbox = |at: Rgb, half_width: f64, level: f64| {
        let c = dot(d, at);
        let off = (1.0 - c.clamp(-1.0, 1.0)).sqrt();
        scale(
            [1.0, 0.98, 0.95],
            level * (1.0 - smoothstep(half_width * 0.8, half_width, off)),
        )
    };
    let key = softbox(towards(35.0, 45.0), 0.25, 12.0);
    let fill = softbox(towards(20.0, -120.0), 0.3, 3.0);
    add(room, add(key, fill))
}

fn write_hdr(path: &Path, sky: Sky) {
    let mut pixels = Vec::with_capacity(WIDTH * HEIGHT);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let d = direction(
                (x as f64 + 0.5) / WIDTH as f64,
                (y as f64 + 0.5) / HEIGHT as f64,
            );
            pixels.push(image::Rgb(sky(d).map(|c| c as f32)));
        }
    }
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display())),
    );
    image::codecs::hdr::HdrEncoder::new(&mut out)
        .encode(&pixels, WIDTH, HEIGHT)
        .unwrap_or_else(|e| panic!("encode {}: {e}", path.display()));
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/skies");
    std::fs::create_dir_all(&dir).expect("create assets/skies/");
    let skies: [(&str, Sky); 4] = [
        ("noon", noon),
        ("sunset", sunset),
        ("overcast", overcast),
        ("studio", studio),
    ];
    for (name, sky) in skies {
        let path = dir.join(format!("{name}.hdr"));
        write_hdr(&path, sky);
        println!("wrote {}", path.display());
    }
}

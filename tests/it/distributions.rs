//! Statistics of the randomization language, not single values: 10,000 draws of each
//! distribution are compared with its exact CDF (Kolmogorov–Smirnov, at a critical value
//! a correct sampler exceeds with probability about 1e-4), its mean, and its support.
//! Draws come from fixed seeds, so the tests are deterministic.

use glam::{DQuat, DVec3};
use serde_json::json;
use synthvis::rng::{FrameRng, StreamRng};
use synthvis::spec::dist::kelvin_to_srgb;
use synthvis::spec::{ColorDist, Count, Direction, RotationDist, Scalar, Vec3Dist, normal_cdf};

const N: usize = 10_000;

fn rng(name: &str) -> StreamRng {
    FrameRng::new(20_261_125, 0).stream(name)
}

fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// Kolmogorov–Smirnov distance between the sample and `cdf`; fails above 2.0 / √n
/// (a correct sampler exceeds it with probability ≈ 7e-4 per test).
fn assert_ks(name: &str, mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let d = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max);
    let limit = 2.0 / n.sqrt();
    assert!(d < limit, "{name}: KS distance {d:.4} exceeds {limit:.4}");
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The sample mean lies within 5 standard errors of `expected`.
fn assert_mean(name: &str, xs: &[f64], expected: f64, std: f64) {
    let m = mean(xs);
    let tol = 5.0 * std / (xs.len() as f64).sqrt();
    assert!(
        (m - expected).abs() < tol,
        "{name}: mean {m} vs {expected} (tolerance {tol})"
    );
}

fn scalar_draws(d: &Scalar, name: &str) -> Vec<f64> {
    let mut r = rng(name);
    (0..N).map(|_| d.sample(&mut r)).collect()
}

#[test]
fn uniform_scalar() {
    let d: Scalar = parse(json!([2.0, 5.0]));
    let xs = scalar_draws(&d, "uniform");
    assert!(xs.iter().all(|x| (2.0..=5.0).contains(x)));
    assert_mean("uniform", &xs, 3.5, 3.0 / 12f64.sqrt());
    assert_ks("uniform", xs, |x| ((x - 2.0) / 3.0).clamp(0.0, 1.0));
}

#[test]
fn normal_scalar() {
    let d: Scalar = parse(json!({ "normal": { "mean": 1.5, "std": 0.2 } }));
    let xs = scalar_draws(&d, "normal");
    assert_mean("normal", &xs, 1.5, 0.2);
    let var = xs.iter().map(|x| (x - 1.5) * (x - 1.5)).sum::<f64>() / N as f64;
    assert!((var.sqrt() - 0.2).abs() < 0.01, "std {}", var.sqrt());
    assert_ks("normal", xs, |x| normal_cdf((x - 1.5) / 0.2));
}

#[test]
fn truncated_normal_scalar() {
    let (mean, std, lo, hi) = (0.0, 1.0, -0.5, 2.0);
    let d: Scalar = parse(json!({ "normal": { "mean": mean, "std": std, "min": lo, "max": hi } }));
    let xs = scalar_draws(&d, "truncated");
    assert!(xs.iter().all(|x| (lo..=hi).contains(x)));
    let (a, b) = (normal_cdf(lo), normal_cdf(hi));
    assert_ks("truncated normal", xs, |x| {
        ((normal_cdf((x - mean) / std) - a) / (b - a)).clamp(0.0, 1.0)
    });
    // One-sided truncation far in a tail still samples correctly.
    let tail: Scalar = parse(json!({ "normal": { "mean": 0, "std": 1, "min": 4.0 } }));
    let ts = scalar_draws(&tail, "tail");
    assert!(ts.iter().all(|x| *x >= 4.0 && x.is_finite()));
    let t0 = normal_cdf(-4.0);
    assert_ks("upper tail", ts, |x| 1.0 - normal_cdf(-x) / t0);
}

#[test]
fn log_uniform_scalar() {
    let d: Scalar = parse(json!({ "log_uniform": [0.01, 100.0] }));
    let xs = scalar_draws(&d, "log_uniform");
    assert!(xs.iter().all(|x| (0.01..=100.0).contains(x)));
    // Each decade equally likely: the median is the geometric mean.
    let below_one = xs.iter().filter(|x| **x < 1.0).count() as f64 / N as f64;
    assert!((below_one - 0.5).abs() < 0.025, "{below_one}");
    assert_ks("log_uniform", xs, |x| {
        ((x.ln() - 0.01f64.ln()) / (100f64.ln() - 0.01f64.ln())).clamp(0.0, 1.0)
    });
}

/// Observed frequencies of `values` match `probs` within 5 standard errors each.
fn assert_frequencies(name: &str, draws: &[f64], values: &[f64], probs: &[f64]) {
    for (v, p) in values.iter().zip(probs) {
        let f = draws.iter().filter(|x| *x == v).count() as f64 / draws.len() as f64;
        let tol = 5.0 * (p * (1.0 - p) / draws.len() as f64).sqrt() + 1e-12;
        assert!((f - p).abs() <= tol, "{name}: value {v}: {f} vs {p}");
    }
    let known = draws.iter().filter(|x| values.contains(x)).count();
    assert_eq!(known, draws.len(), "{name}: a draw outside the values");
}

#[test]
fn integer_and_choice_scalars() {
    let d: Scalar = parse(json!({ "int": [-2, 3] }));
    let xs = scalar_draws(&d, "int");
    let values: Vec<f64> = (-2..=3).map(f64::from).collect();
    assert_frequencies("int", &xs, &values, &[1.0 / 6.0; 6]);

    let c: Scalar = parse(json!({ "choice": { "values": [0.5, 1.0, 2.0], "weights": [1, 0, 3] } }));
    let cs = scalar_draws(&c, "choice");
    assert_frequencies("choice", &cs, &[0.5, 1.0, 2.0], &[0.25, 0.0, 0.75]);

    let n: Count = parse(json!([2, 5]));
    let mut r = rng("count");
    let ns: Vec<f64> = (0..N).map(|_| f64::from(n.sample(&mut r))).collect();
    assert_frequencies("count", &ns, &[2.0, 3.0, 4.0, 5.0], &[0.25; 4]);
    let w: Count = parse(json!({ "choice": { "values": [0, 10], "weights": [9, 1] } }));
    let ws: Vec<f64> = (0..N).map(|_| f64::from(w.sample(&mut r))).collect();
    assert_frequencies("weighted count", &ws, &[0.0, 10.0], &[0.9, 0.1]);
}

fn vec_draws(d: &Vec3Dist, name: &str) -> Vec<DVec3> {
    let mut r = rng(name);
    (0..N)
        .map(|_| DVec3::from_array(d.sample(&mut r)))
        .collect()
}

#[test]
fn box_and_per_axis_vectors() {
    let d: Vec3Dist = parse(json!({ "uniform": { "min": [0, -1, 2], "max": [1, 1, 2] } }));
    let vs = vec_draws(&d, "box");
    assert!(vs.iter().all(|v| v.z == 2.0));
    assert_ks("box x", vs.iter().map(|v| v.x).collect(), |x| {
        x.clamp(0.0, 1.0)
    });
    assert_ks("box y", vs.iter().map(|v| v.y).collect(), |y| {
        ((y + 1.0) / 2.0).clamp(0.0, 1.0)
    });

    let p: Vec3Dist =
        parse(json!({ "per_axis": [0, { "normal": { "mean": 3, "std": 0.5 } }, [1, 2]] }));
    let ps = vec_draws(&p, "per_axis");
    assert_ks("per_axis y", ps.iter().map(|v| v.y).collect(), |y| {
        normal_cdf((y - 3.0) / 0.5)
    });
    assert_ks("per_axis z", ps.iter().map(|v| v.z).collect(), |z| {
        (z - 1.0).clamp(0.0, 1.0)
    });
}

#[test]
fn ball_and_shell_are_uniform_in_volume() {
    let centre = DVec3::new(1.0, 2.0, 3.0);
    let ball: Vec3Dist = parse(json!({ "sphere": { "center": [1, 2, 3], "radius": 2.0 } }));
    let vs = vec_draws(&ball, "ball");
    let radii: Vec<f64> = vs.iter().map(|v| (*v - centre).length()).collect();
    assert!(radii.iter().all(|r| *r <= 2.0 + 1e-12));
    assert_ks("ball radius", radii, |r| (r / 2.0).clamp(0.0, 1.0).powi(3));
    // Directions from the centre are isotropic: each coordinate of the unit offset is
    // uniform on [-1, 1] (Archimedes).
    assert_ks(
        "ball direction",
        vs.iter().map(|v| (*v - centre).normalize().y).collect(),
        |y| ((y + 1.0) / 2.0).clamp(0.0, 1.0),
    );
    assert_mean(
        "ball x",
        &vs.iter().map(|v| v.x).collect::<Vec<_>>(),
        1.0,
        2.0 * (0.2f64).sqrt(),
    );

    let shell: Vec3Dist = parse(json!({ "shell": { "min_radius": 1.0, "max_radius": 2.0 } }));
    let rs: Vec<f64> = vec_draws(&shell, "shell")
        .iter()
        .map(|v| v.length())
        .collect();
    assert!(rs.iter().all(|r| (1.0 - 1e-12..=2.0 + 1e-12).contains(r)));
    assert_ks("shell radius", rs, |r| {
        ((r.powi(3) - 1.0) / 7.0).clamp(0.0, 1.0)
    });
}

fn dir_draws(d: &Direction, name: &str) -> Vec<DVec3> {
    let mut r = rng(name);
    (0..N).map(|_| d.sample(&mut r, DVec3::Y)).collect()
}

#[test]
fn directions() {
    let sphere: Direction = parse(json!("sphere"));
    let ds = dir_draws(&sphere, "sphere");
    assert!(ds.iter().all(|d| (d.length() - 1.0).abs() < 1e-12));
    for (axis, pick) in [("x", 0), ("y", 1), ("z", 2)] {
        assert_ks(
            &format!("sphere {axis}"),
            ds.iter().map(|d| d.to_array()[pick]).collect(),
            |c| ((c + 1.0) / 2.0).clamp(0.0, 1.0),
        );
    }

    let axis = DVec3::new(1.0, 1.0, 0.0).normalize();
    let cone: Direction = parse(json!({ "cone": { "axis": [1, 1, 0], "max_angle_deg": 30 } }));
    let cos_max = 30f64.to_radians().cos();
    let cs: Vec<f64> = dir_draws(&cone, "cone")
        .iter()
        .map(|d| d.dot(axis))
        .collect();
    assert!(cs.iter().all(|c| *c >= cos_max - 1e-12));
    // Uniform over the cap: cos θ is uniform on [cos max, 1].
    assert_ks("cone", cs, |c| {
        ((c - cos_max) / (1.0 - cos_max)).clamp(0.0, 1.0)
    });

    let hemi: Direction = parse(json!({ "hemisphere": { "axis": [0, 0, -1] } }));
    let hs: Vec<f64> = dir_draws(&hemi, "hemisphere")
        .iter()
        .map(|d| -d.z)
        .collect();
    assert!(hs.iter().all(|c| *c >= -1e-12));
    assert_ks("hemisphere", hs, |c| c.clamp(0.0, 1.0));
}

fn rotation_draws(d: &RotationDist, name: &str) -> Vec<DQuat> {
    let mut r = rng(name);
    (0..N).map(|_| d.sample(&mut r)).collect()
}

#[test]
fn rotations_uniform_over_so3() {
    let qs = rotation_draws(&parse(json!("uniform")), "so3");
    assert!(qs.iter().all(|q| (q.length() - 1.0).abs() < 1e-12));
    // The image of any fixed axis is uniform on the sphere.
    for (name, v) in [("x", DVec3::X), ("z", DVec3::Z)] {
        assert_ks(
            &format!("rotated {name}, y component"),
            qs.iter().map(|q| (*q * v).y).collect(),
            |c| ((c + 1.0) / 2.0).clamp(0.0, 1.0),
        );
    }
    // The rotation angle θ of a uniform rotation has density (1 − cos θ)/π on [0, π].
    let angles: Vec<f64> = qs.iter().map(|q| 2.0 * q.w.abs().min(1.0).acos()).collect();
    assert_ks("rotation angle", angles, |t| {
        ((t - t.sin()) / std::f64::consts::PI).clamp(0.0, 1.0)
    });
}

#[test]
fn yaw_and_axis_angle_rotations() {
    let yaw = rotation_draws(&parse(json!({ "yaw_deg": [0, 360] })), "yaw");
    // Yaw keeps +Y fixed and spins +Z uniformly around it.
    assert!(
        yaw.iter()
            .all(|q| (*q * DVec3::Y - DVec3::Y).length() < 1e-12)
    );
    let headings: Vec<f64> = yaw
        .iter()
        .map(|q| {
            let v = *q * DVec3::Z;
            v.x.atan2(v.z).rem_euclid(std::f64::consts::TAU)
        })
        .collect();
    assert_ks("yaw heading", headings, |h| {
        (h / std::f64::consts::TAU).clamp(0.0, 1.0)
    });

    let aa = rotation_draws(
        &parse(json!({ "axis_angle": { "axis": [1, 0, 0], "angle_deg": [10, 20] } })),
        "axis_angle",
    );
    let angles: Vec<f64> = aa
        .iter()
        .map(|q| {
            let (axis, angle) = q.to_axis_angle();
            assert!((axis - DVec3::X).length() < 1e-9);
            angle.to_degrees()
        })
        .collect();
    assert_ks("axis-angle angle", angles, |a| {
        ((a - 10.0) / 10.0).clamp(0.0, 1.0)
    });
}

/// RGB → (hue in degrees, saturation, value).
fn rgb_to_hsv([r, g, b]: [f64; 3]) -> (f64, f64, f64) {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let c = max - min;
    let h = if c == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / c).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / c + 2.0)
    } else {
        60.0 * ((r - g) / c + 4.0)
    };
    (h, if max == 0.0 { 0.0 } else { c / max }, max)
}

#[test]
fn colours_stay_in_their_ranges() {
    let hsv: ColorDist =
        parse(json!({ "hsv": { "h": [20, 60], "s": [0.5, 0.9], "v": [0.3, 0.8] } }));
    let mut r = rng("hsv");
    let mut hues = Vec::new();
    for _ in 0..N {
        let c = hsv.sample(&mut r);
        assert!(c.iter().all(|x| (0.0..=1.0).contains(x)), "{c:?}");
        let (h, s, v) = rgb_to_hsv(c);
        assert!((20.0 - 1e-9..=60.0 + 1e-9).contains(&h), "h {h}");
        assert!((0.5 - 1e-9..=0.9 + 1e-9).contains(&s), "s {s}");
        assert!((0.3 - 1e-9..=0.8 + 1e-9).contains(&v), "v {v}");
        hues.push(h);
    }
    assert_ks("hue", hues, |h| ((h - 20.0) / 40.0).clamp(0.0, 1.0));

    // A hue range across 0° wraps.
    let wrap: ColorDist = parse(json!({ "hsv": { "h": [-30, 30], "s": 1, "v": 1 } }));
    for _ in 0..1000 {
        let (h, _, _) = rgb_to_hsv(wrap.sample(&mut r));
        assert!(h <= 30.0 + 1e-9 || h >= 330.0 - 1e-9, "h {h}");
    }

    let boxed: ColorDist =
        parse(json!({ "uniform": { "min": [0.1, 0.2, 0.3], "max": [0.4, 0.2, 0.9] } }));
    for _ in 0..1000 {
        let c = boxed.sample(&mut r);
        assert!((0.1..=0.4).contains(&c[0]) && c[1] == 0.2 && (0.3..=0.9).contains(&c[2]));
    }

    // Colour temperatures: always valid sRGB, warmer means redder.
    let kelvin: ColorDist = parse(json!({ "kelvin": [2000, 10000] }));
    for _ in 0..1000 {
        let c = kelvin.sample(&mut r);
        assert!(c.iter().all(|x| (0.0..=1.0).contains(x)), "{c:?}");
    }
    let ratios: Vec<f64> = [2000.0, 3000.0, 4500.0, 6500.0, 10000.0]
        .iter()
        .map(|k| {
            let c = kelvin_to_srgb(*k);
            c[2] / c[0]
        })
        .collect();
    assert!(ratios.windows(2).all(|w| w[0] < w[1]), "{ratios:?}");
}

#[test]
fn constants_consume_no_randomness() {
    // A constant anywhere leaves the stream where it was, so making one field random
    // never moves the draws of a field sampled after it in another stream.
    let mut a = rng("const");
    let b = rng("const");
    let _ = Scalar::Const(1.0).sample(&mut a);
    let _ = Vec3Dist::Const([1.0, 2.0, 3.0]).sample(&mut a);
    let _ = Count::Const(3).sample(&mut a);
    let _ = ColorDist::Const([0.1, 0.2, 0.3]).sample(&mut a);
    assert_eq!(a.clone().next_u64(), b.clone().next_u64());
}

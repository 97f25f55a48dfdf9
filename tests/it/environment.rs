//! Image-based light (`render.environment`): energy is conserved (the white furnace), the
//! map is seen and reflected where its conventions put it, `.hdr` and `.exr` maps agree,
//! and bad maps are refused with the file and field named.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common;
use synthvis::gpu::FrameBuffers;

/// An equirectangular map of `width`×`height` whose pixel (x, y) is `f(u, v)`.
fn map_pixels(width: u32, height: u32, f: impl Fn(f64, f64) -> [f32; 3]) -> image::Rgb32FImage {
    image::Rgb32FImage::from_fn(width, height, |x, y| {
        image::Rgb(f(
            (f64::from(x) + 0.5) / f64::from(width),
            (f64::from(y) + 0.5) / f64::from(height),
        ))
    })
}

fn write_hdr(path: &Path, img: &image::Rgb32FImage) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let pixels: Vec<image::Rgb<f32>> = img.pixels().copied().collect();
    image::codecs::hdr::HdrEncoder::new(file)
        .encode(&pixels, img.width() as usize, img.height() as usize)
        .unwrap();
}

fn write_exr(path: &Path, img: &image::Rgb32FImage) {
    img.save_with_format(path, image::ImageFormat::OpenExr)
        .unwrap();
}

/// One sphere of diameter 1 at the origin seen from +z, no lights, lit only by the
/// environment `map`, which is also the background.
fn sphere_spec(map: &Path, material: Value, rotation_deg: f64) -> Value {
    json!({
        "version": 2, "seed": 3, "frames": 1,
        "resolution": { "width": 160, "height": 120 },
        "camera": { "fov_y_deg": 30, "position": [0, 0, 3], "look_at": [0, 0, 0],
                    "near": 0.5, "far": 10 },
        "categories": [{ "name": "ball" }],
        "assets": [{ "name": "ball", "primitive": "sphere", "category": "ball" }],
        "objects": [{ "asset": "ball", "position": [0, 0, 0], "material": material }],
        "lights": [],
        "render": { "preset": "realistic", "antialiasing": "none", "tone_mapping": "none",
                    "environment": { "map": map, "rotation_deg": rotation_deg, "background": true } }
    })
}

fn render_one(dir: &Path, spec: &Value) -> FrameBuffers {
    std::fs::create_dir_all(dir).unwrap();
    let loaded = common::write_spec(dir, spec);
    let mut r = common::renderer(&loaded, 3);
    r.render(0).unwrap().buffers
}

/// Pixels of instance `id` at least `margin` pixels from any other instance.
fn interior(frame: &FrameBuffers, id: u32, margin: i64) -> Vec<usize> {
    let (w, h) = (i64::from(frame.width), i64::from(frame.height));
    let at = |x: i64, y: i64| {
        (0..w).contains(&x) && (0..h).contains(&y) && frame.instance[(y * w + x) as usize] == id
    };
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            (-margin..=margin).all(|dy| (-margin..=margin).all(|dx| at(x + dx, y + dy)))
        })
        .map(|(x, y)| (y * w + x) as usize)
        .collect()
}

#[test]
fn a_white_sphere_in_a_white_furnace_disappears() {
    // A white, rough, non-metallic sphere under a uniform environment reflects exactly
    // the environment's radiance in every direction: a uniform disc the colour of the
    // background. Both map formats, and a glossier sphere too (energy is conserved at
    // every roughness).
    let tmp = tempfile::tempdir().unwrap();
    let uniform = map_pixels(64, 32, |_, _| [0.5; 3]);
    let hdr = tmp.path().join("white.hdr");
    let exr = tmp.path().join("white.exr");
    write_hdr(&hdr, &uniform);
    write_exr(&exr, &uniform);
    let mut frames = Vec::new();
    for (k, (map, roughness)) in [(&hdr, 1.0), (&exr, 1.0), (&hdr, 0.4)]
        .into_iter()
        .enumerate()
    {
        let material = json!({ "color": [1, 1, 1], "roughness": roughness, "metallic": 0 });
        let frame = render_one(
            &tmp.path().join(k.to_string()),
            &sphere_spec(map, material, 0.0),
        );
        let background: Vec<f64> = (0..frame.instance.len())
            .filter(|&p| frame.instance[p] == 0)
            .map(|p| common::linear_u8(frame.rgb[3 * p + 1]))
            .collect();
        let bg = background.iter().sum::<f64>() / background.len() as f64;
        assert!(
            (bg - 0.5).abs() < 0.01,
            "the background shows the map's 0.5: {bg}"
        );
        let disc: Vec<f64> = interior(&frame, 1, 2)
            .into_iter()
            .flat_map(|p| (0..3).map(move |c| 3 * p + c))
            .map(|i| common::linear_u8(frame.rgb[i]))
            .collect();
        assert!(
            disc.len() > 3 * 2000,
            "the sphere covers {} pixels",
            disc.len() / 3
        );
        let mean = disc.iter().sum::<f64>() / disc.len() as f64;
        let within = disc.iter().filter(|v| (*v - bg).abs() <= 0.05 * bg).count();
        assert!(
            (mean - bg).abs() <= 0.02 * bg,
            "{}, roughness {roughness}: the disc's mean {mean:.4} is not within 2 % of the background's {bg:.4}",
            map.display()
        );
        assert!(
            within as f64 >= 0.95 * disc.len() as f64,
            "{}, roughness {roughness}: only {within} of {} channel values within 5 % of the background",
            map.display(),
            disc.len()
        );
        frames.push(frame);
    }
    assert!(
        frames[0].rgb == frames[1].rgb,
        "the same radiance as .hdr and as .exr renders differently"
    );
}

/// A map red where it looks towards −x (u < 1/2) and green towards +x.
fn two_colour_map(dir: &Path) -> PathBuf {
    let path = dir.join("halves.hdr");
    write_hdr(
        &path,
        &map_pixels(256, 128, |u, _| {
            if u < 0.5 {
                [0.6, 0.02, 0.02]
            } else {
                [0.02, 0.6, 0.02]
            }
        }),
    );
    path
}

/// Mean (red − green) over the image's left and right thirds of the background, and over
/// the left and right halves of the sphere's interior.
fn red_minus_green(frame: &FrameBuffers) -> ([f64; 2], [f64; 2]) {
    let w = frame.width as usize;
    let diff = |p: usize| f64::from(frame.rgb[3 * p]) - f64::from(frame.rgb[3 * p + 1]);
    let mean = |pixels: Vec<usize>| {
        assert!(!pixels.is_empty());
        pixels.iter().map(|&p| diff(p)).sum::<f64>() / pixels.len() as f64
    };
    let background = |left: bool| {
        mean(
            (0..frame.instance.len())
                .filter(|&p| {
                    frame.instance[p] == 0
                        && ((p % w) < w / 3) == left
                        && (p % w < w / 3 || p % w >= 2 * w / 3)
                })
                .collect(),
        )
    };
    let sphere = interior(frame, 1, 2);
    let centre = sphere.iter().map(|p| p % w).sum::<usize>() / sphere.len();
    let half = |left: bool| {
        mean(
            sphere
                .iter()
                .copied()
                .filter(|p| {
                    (p % w + 6 < centre) == left && (p % w + 6 < centre || p % w > centre + 6)
                })
                .collect(),
        )
    };
    (
        [background(true), background(false)],
        [half(true), half(false)],
    )
}

#[test]
fn the_map_is_seen_and_mirrored_where_its_conventions_say_and_turns_with_rotation() {
    let tmp = tempfile::tempdir().unwrap();
    let map = two_colour_map(tmp.path());
    let mirror = json!({ "color": [1, 1, 1], "roughness": 0.05, "metallic": 1 });
    // Looking along −z, the camera's right is +x: red left, green right. A mirror ball
    // reflects the same way (its left edge sends view rays off to −x).
    let frame = render_one(
        &tmp.path().join("0"),
        &sphere_spec(&map, mirror.clone(), 0.0),
    );
    let (bg, ball) = red_minus_green(&frame);
    assert!(
        bg[0] > 100.0 && bg[1] < -100.0,
        "background left/right red − green: {bg:?}"
    );
    assert!(
        ball[0] > 50.0 && ball[1] < -50.0,
        "mirror ball left/right red − green: {ball:?}"
    );
    // Turned by +90° about +y, the map's +x half (green) lies along −z, in front of the
    // camera; −90° brings the red half there.
    for (rotation, sign) in [(90.0, -1.0), (-90.0, 1.0)] {
        let frame = render_one(
            &tmp.path().join(format!("r{rotation}")),
            &sphere_spec(&map, mirror.clone(), rotation),
        );
        let (bg, _) = red_minus_green(&frame);
        assert!(
            bg.iter().all(|d| d * sign > 100.0),
            "turned {rotation}°: the background's red − green should be {} everywhere: {bg:?}",
            if sign > 0.0 { "positive" } else { "negative" }
        );
    }
}

#[test]
fn bad_environment_maps_are_refused_with_the_field_or_file_named() {
    let tmp = tempfile::tempdir().unwrap();
    let material = json!({ "color": [1, 1, 1] });
    let write = |name: &str, spec: &Value| {
        let path = tmp.path().join(name);
        std::fs::write(&path, serde_json::to_vec(spec).unwrap()).unwrap();
        path
    };
    let invalid = |name: &str, spec: Value, field: &str, needle: &str| {
        let err = synthvis::spec::LoadedSpec::from_file(&write(name, &spec))
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"))
            .to_string();
        assert!(err.contains(field) && err.contains(needle), "{name}: {err}");
    };
    invalid(
        "missing.json",
        sphere_spec(&tmp.path().join("nowhere.hdr"), material.clone(), 0.0),
        "render.environment.map",
        "does not exist",
    );
    invalid(
        "png.json",
        sphere_spec(Path::new("sky.png"), material.clone(), 0.0),
        "render.environment.map",
        "not a .hdr or .exr",
    );
    // A map's sun is a light: eight lights and the sun are one too many.
    let two_colours = two_colour_map(tmp.path());
    let mut crowded = sphere_spec(&two_colours, material.clone(), 0.0);
    crowded["lights"] = json!([{ "type": "directional", "direction": [0, -1, 0], "count": 8 }]);
    crowded["render"]["environment"]["sun"] = json!(true);
    invalid("crowded.json", crowded, "lights", "render.environment.sun");
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let mut spec = sphere_spec(Path::new("x.hdr"), material.clone(), 0.0);
    spec["render"]["environment"]["map"] = json!({ "dir": empty });
    invalid(
        "empty.json",
        spec,
        "render.environment.map.dir",
        "no .hdr or .exr",
    );
    let mut spec = sphere_spec(Path::new("neutral"), material.clone(), 0.0);
    spec["render"]["environment"]["intensity"] = json!([-1, 2]);
    invalid(
        "intensity.json",
        spec,
        "render.environment.intensity",
        "must lie in",
    );

    // A file with the right name and broken contents: the run stops before rendering,
    // naming the file.
    let broken = tmp.path().join("broken.hdr");
    std::fs::write(&broken, b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 10 +X").unwrap();
    let loaded = synthvis::spec::LoadedSpec::from_file(&write(
        "broken.json",
        &sphere_spec(&broken, material, 0.0),
    ))
    .unwrap();
    let err = match synthvis::Renderer::new(&loaded, common::render_options()) {
        Ok(_) => panic!("a broken map was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("broken.hdr"), "{err}");
}

/// A sky of radiance 0.2 with a sun disc of radius 2° and radiance 2000 at `sun` (map
/// frame): the sun's irradiance is π sin²(2°) × (2000 − 0.2).
fn sunny_map(path: &Path, sun: [f64; 3]) -> f64 {
    let cos_disc = 2f64.to_radians().cos();
    let img = map_pixels(1024, 512, |u, v| {
        let d = synthvis::assets::environment::direction(u, v);
        let c = d[0] * sun[0] + d[1] * sun[1] + d[2] * sun[2];
        if c > cos_disc { [2000.0; 3] } else { [0.2; 3] }
    });
    write_hdr(path, &img);
    std::f64::consts::PI * 2f64.to_radians().sin().powi(2) * (2000.0 - 0.2)
}

/// `render.environment.sun`: a map's sun leaves the map and becomes a directional light
/// along its direction (turned with the map), of its irradiance (scaled with the map), that
/// casts shadows: the ground where a ray towards the sun meets the cube is dark.
#[test]
fn a_maps_sun_becomes_a_light_that_casts_shadows() {
    let tmp = tempfile::tempdir().unwrap();
    let norm = |v: [f64; 3]| {
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        v.map(|c| c / n)
    };
    let sun = norm([0.5, 1.0, -0.3]);
    let path = tmp.path().join("sunny.hdr");
    let irradiance = sunny_map(&path, sun);

    // The map without its sun keeps the sky.
    let map = synthvis::assets::environment::load_environment(&path, true).unwrap();
    let taken = map.sun.expect("the disc is found as a sun");
    let cos = (0..3).map(|k| taken.direction[k] * sun[k]).sum::<f64>();
    assert!(
        cos > 0.2f64.to_radians().cos(),
        "sun direction off by {:.2}°",
        cos.acos().to_degrees()
    );
    assert!(
        (taken.irradiance[0] / irradiance - 1.0).abs() < 0.05,
        "irradiance {:?} vs {irradiance}",
        taken.irradiance
    );
    assert!(
        (map.mean()[0] - 0.2).abs() < 0.002,
        "the sky without the sun: {:?}",
        map.mean()
    );
    let plain = synthvis::assets::environment::load_environment(&path, false).unwrap();
    assert!(
        plain.sun.is_none() && plain.mean()[0] > 0.25,
        "without `sun` the map keeps its disc"
    );

    let spec = |with_sun: bool| {
        json!({
            "version": 2, "seed": 5, "frames": 1,
            "resolution": { "width": 200, "height": 150 },
            "camera": { "fov_y_deg": 50, "position": [0.0, 2.2, 2.4], "look_at": [0, 0, 0],
                        "near": 0.1, "far": 20 },
            "categories": [{ "name": "cube" }],
            "assets": [{ "name": "ground", "primitive": "plane" },
                       { "name": "cube", "primitive": "cube", "category": "cube" }],
            "objects": [
                { "asset": "ground", "position": [0, 0, 0], "scale": 8,
                  "material": { "color": [0.6, 0.6, 0.6], "roughness": 1.0 } },
                { "asset": "cube", "position": [0, 0.25, 0], "scale": 0.5 }
            ],
            "lights": [],
            "render": { "preset": "realistic", "antialiasing": "none", "tone_mapping": "none",
                        "environment": { "map": path.clone(), "rotation_deg": 90, "intensity": 1.5,
                                         "sun": with_sun } }
        })
    };
    let mut fractions = Vec::new();
    for with_sun in [true, false] {
        let dir = tmp.path().join(format!("sun-{with_sun}"));
        std::fs::create_dir_all(&dir).unwrap();
        let loaded = common::write_spec(&dir, &spec(with_sun));
        let mut r = common::renderer(&loaded, 5);
        let rendered = r.render(0).unwrap();
        let (scene, frame) = (rendered.scene, rendered.buffers);
        // The sun in the world: the map turned 90° about +y (the inverse of the shader's
        // map frame: x' = c x + s z, z' = -s x + c z).
        let towards = [sun[2], sun[1], -sun[0]];
        if with_sun {
            assert_eq!(scene.lights.len(), 1, "one light, the sun");
            let synthvis::scene::LightSample::Directional {
                direction,
                radiance_linear,
                shadow,
            } = scene.lights[0]
            else {
                panic!("the sun is a directional light");
            };
            let cos = -(0..3).map(|k| direction[k] * towards[k]).sum::<f64>();
            assert!(
                cos > 0.3f64.to_radians().cos(),
                "the sun travels along {direction:?}, not from {towards:?}"
            );
            assert!(
                (radiance_linear[0] / (1.5 * irradiance) - 1.0).abs() < 0.05,
                "{radiance_linear:?}"
            );
            assert!(
                shadow.is_some(),
                "the realistic preset's shadows apply to it"
            );
        } else {
            assert!(scene.lights.is_empty());
        }
        // Ground pixels whose ray towards the sun meets the cube (|x|, |z| < 0.25, y < 0.5)
        // against the others.
        let (mut shade, mut lit) = (Vec::new(), Vec::new());
        for p in 0..frame.instance.len() {
            if frame.instance[p] != 0 || frame.depth[p] <= 0.0 {
                continue;
            }
            let q = common::ground_point(&scene.camera, (p % 200) as f64, (p / 200) as f64);
            let t = glam::DVec3::from_array(towards);
            // Slab test of the ray q + s t against the cube's box.
            let (mut near, mut far) = (0.0f64, f64::INFINITY);
            for (k, (lo, hi)) in [(-0.25, 0.25), (0.0, 0.5), (-0.25, 0.25)]
                .into_iter()
                .enumerate()
            {
                let (a, b) = ((lo - q[k]) / t[k], (hi - q[k]) / t[k]);
                near = near.max(a.min(b));
                far = far.min(a.max(b));
            }
            let luma = f64::from(frame.rgb[3 * p]);
            if near < far - 0.02 {
                shade.push(luma);
            } else if near > far + 0.02 {
                lit.push(luma);
            }
        }
        assert!(
            shade.len() > 200,
            "{} ground pixels in the cube's shadow",
            shade.len()
        );
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        fractions.push(mean(&shade) / mean(&lit));
    }
    assert!(
        fractions[0] < 0.5,
        "the sun's shadow should be dark: {fractions:?}"
    );
    assert!(
        fractions[1] > 0.7,
        "without the sun light the map alone shades softly: {fractions:?}"
    );
}

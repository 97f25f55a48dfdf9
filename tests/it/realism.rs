//! The realistic look (`render` in the spec): shadows fall where geometry says, the look
//! never touches the label images, and version-1 specs keep the plain look.

use std::path::Path;

use glam::{DVec2, DVec3};
use serde_json::{Value, json};

use crate::common;
use synthvis::gpu::FrameBuffers;

/// A grey ground, a cube floating above it and a cube resting on it, lit by one sun with
/// no ambient light: every shadowed ground pixel is black.
fn shadow_scene(sun: [f64; 3], render: Value) -> Value {
    json!({
        "version": 2, "seed": 1, "frames": 1,
        "resolution": { "width": 320, "height": 240 },
        "camera": { "fov_y_deg": 45, "position": [0.4, 4.0, 2.6], "look_at": [0.3, 0, 0.1],
                    "near": 0.5, "far": 20 },
        "categories": [{ "name": "ground" }, { "name": "cube" }],
        "assets": [
            { "name": "ground", "primitive": "plane", "category": "ground" },
            { "name": "cube", "primitive": "cube", "category": "cube" }
        ],
        "objects": [
            { "asset": "ground", "position": [0, 0, 0], "scale": 6,
              "material": { "color": [0.6, 0.6, 0.6], "roughness": 1.0, "metallic": 0.0 } },
            { "asset": "cube", "position": [-0.3, 0.5, -0.2], "scale": 0.4 },
            { "asset": "cube", "position": [0.7, 0.15, 0.4], "scale": 0.3 }
        ],
        "lights": [{ "type": "directional", "direction": sun, "intensity": 3.0 }],
        "ambient": { "intensity": 0.0 },
        "background": { "color": [0.1, 0.1, 0.1] },
        "render": render
    })
}

/// The cube centres and half sides of [`shadow_scene`].
const CUBES: [([f64; 3], f64); 2] = [([-0.3, 0.5, -0.2], 0.2), ([0.7, 0.15, 0.4], 0.15)];

/// The convex hull (counter-clockwise) of points in the plane: Andrew's monotone chain.
fn hull(mut p: Vec<DVec2>) -> Vec<DVec2> {
    p.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    let cross = |o: DVec2, a: DVec2, b: DVec2| (a - o).perp_dot(b - o);
    let mut lower: Vec<DVec2> = Vec::new();
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<DVec2> = Vec::new();
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// Signed distance from `q` to a counter-clockwise convex polygon (negative inside).
fn signed_distance(poly: &[DVec2], q: DVec2) -> f64 {
    let mut inside = true;
    let mut nearest = f64::INFINITY;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let e = b - a;
        inside &= e.perp_dot(q - a) >= 0.0;
        let t = ((q - a).dot(e) / e.length_squared()).clamp(0.0, 1.0);
        nearest = nearest.min((a + e * t).distance(q));
    }
    if inside { -nearest } else { nearest }
}

/// Each cube's shadow on the ground (y = 0) under a sun travelling along `sun`: the hull
/// of its corners pushed along the light onto the plane, in (x, z).
fn analytic_shadows(sun: DVec3) -> Vec<Vec<DVec2>> {
    CUBES
        .iter()
        .map(|&(c, h)| {
            let mut pts = Vec::new();
            for i in 0..8 {
                let s = |bit: usize| if i & (1 << bit) == 0 { -h } else { h };
                let p = DVec3::from_array(c) + DVec3::new(s(0), s(1), s(2));
                let q = p + sun * (-p.y / sun.y);
                pts.push(DVec2::new(q.x, q.z));
            }
            hull(pts)
        })
        .collect()
}

/// Where the camera ray through the centre of pixel (u, v) meets the ground, in (x, z).
fn ground_point(camera: &synthvis::camera::CameraSample, u: f64, v: f64) -> DVec2 {
    let p = common::ground_point(camera, u, v);
    DVec2::new(p.x, p.z)
}

fn luma(rgb: &[u8]) -> f64 {
    0.299 * f64::from(rgb[0]) + 0.587 * f64::from(rgb[1]) + 0.114 * f64::from(rgb[2])
}

#[test]
fn shadows_fall_where_the_geometry_says_and_nowhere_else() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, sun) in [[0.4, -1.0, 0.3], [-0.8, -0.6, 0.2]]
        .into_iter()
        .enumerate()
    {
        // The map size changes from frame to frame (the array keeps its largest size, so
        // a small map covers part of a layer).
        let render = json!({ "preset": "realistic", "antialiasing": "none", "tone_mapping": "none",
                             "shadows": { "softness": 1.0, "map_size": { "choice": [1024, 2048] } } });
        let spec = shadow_scene(sun, render);
        let mut r = common::frame_renderer(&tmp.path().join(i.to_string()), &spec);
        let mut sizes = std::collections::BTreeSet::new();
        for f in 0..6 {
            r.set_seed(1);
            let scene = r.sample(f).unwrap();
            let size = scene.lights[0].shadow().unwrap().map_size;
            sizes.insert(size);
            let frame = r.render_scene(&scene).unwrap().buffers;
            let shadows = analytic_shadows(DVec3::from_array(sun).normalize());
            let cam = &scene.camera;
            let ground_id = scene.objects[0].instance_id;
            // Lit ground is one shade of grey (a flat, rough surface under a sun): the
            // threshold is half of it.
            let lit: Vec<f64> = (0..frame.instance.len())
                .filter(|&p| frame.instance[p] == u32::from(ground_id))
                .map(|p| luma(&frame.rgb[3 * p..3 * p + 3]))
                .collect();
            let mut sorted = lit.clone();
            sorted.sort_by(f64::total_cmp);
            let threshold = 0.5 * sorted[sorted.len() * 9 / 10];
            // Pixels whose ground point lies within this distance of a shadow's edge are the
            // penumbra (filter radius and a pixel's footprint), left out.
            let band = 0.04;
            let (mut both, mut either, mut stray) = (0u32, 0u32, 0u32);
            // Ground within 2 cm of the resting cube's base, inside its shadow: where
            // peter-panning would show a lit gap.
            let (contact_centre, contact_half) =
                (DVec2::new(CUBES[1].0[0], CUBES[1].0[2]), CUBES[1].1);
            let (mut contact, mut contact_lit) = (0u32, 0u32);
            for p in 0..frame.instance.len() {
                if frame.instance[p] != u32::from(ground_id) {
                    continue;
                }
                let (u, v) = ((p % 320) as f64, (p / 320) as f64);
                let q = ground_point(cam, u, v);
                let distance = shadows
                    .iter()
                    .map(|s| signed_distance(s, q))
                    .fold(f64::INFINITY, f64::min);
                let off_base = (q - contact_centre).abs() - DVec2::splat(contact_half);
                let from_base = off_base.max(DVec2::ZERO).length();
                if from_base > 0.0 && from_base < 0.02 && signed_distance(&shadows[1], q) < -0.01 {
                    contact += 1;
                    contact_lit += u32::from(luma(&frame.rgb[3 * p..3 * p + 3]) >= threshold);
                }
                if distance.abs() < band {
                    continue;
                }
                let expected = distance < 0.0;
                let dark = luma(&frame.rgb[3 * p..3 * p + 3]) < threshold;
                both += u32::from(expected && dark);
                either += u32::from(expected || dark);
                stray += u32::from(dark && !expected);
            }
            let iou = f64::from(both) / f64::from(either.max(1));
            assert!(
                either > 500,
                "sun {sun:?}: too few shadow pixels to judge ({either})"
            );
            assert!(
                iou >= 0.95,
                "sun {sun:?}: shadow IoU {iou:.3} against the analytic projection (shadowed and expected {both}, either {either})"
            );
            assert!(
                contact >= 10 && contact_lit == 0,
                "sun {sun:?}, frame {f} ({size}² map): {contact_lit} of {contact} ground pixels by the resting cube's base, inside its shadow, are lit (the shadow detaches from the object)"
            );
            assert!(
                stray <= 5,
                "sun {sun:?}: {stray} ground pixels are dark away from every cast shadow (acne or light leaking)"
            );
        }
        assert_eq!(sizes.len(), 2, "both map sizes should be drawn: {sizes:?}");
    }
}

/// Every sensor and lens effect, randomized.
fn every_sensor_effect() -> Value {
    json!({
        "chromatic_aberration_px": [0.5, 2], "blur_sigma_px": [0.3, 1], "motion_blur_px": [1, 4],
        "vignetting": [0.1, 0.4], "shot_noise_photons": { "log_uniform": [200, 2000] },
        "gaussian_noise_std": [0.002, 0.01], "white_balance": { "kelvin": [4500, 8000] },
        "brightness": [0.9, 1.1], "contrast": [0.9, 1.1], "saturation": [0.8, 1.2],
        "hue_deg": [-5, 5], "jpeg_quality": { "int": [60, 95] }
    })
}

/// Image-based light from every sky of `assets/skies`, randomly turned and scaled, seen
/// as the background.
fn every_sky() -> Value {
    let skies = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/skies");
    json!({ "map": { "dir": skies }, "rotation_deg": [0, 360], "intensity": [0.5, 2],
            "background": true })
}

/// With every effect of the look on, a frame is the same bytes whatever the encoder
/// thread count and frame range, and its labels record the sensor values it drew.
#[test]
fn every_effect_on_stays_deterministic_across_threads_and_ranges() {
    let scenes = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut spec: Value = common::read_json(&scenes.join("quickstart.json"));
    for asset in spec["assets"].as_array_mut().unwrap() {
        if let Some(p) = asset["path"].as_str() {
            asset["path"] = json!(scenes.join(p));
        }
    }
    spec["render"] = json!({ "preset": "realistic", "sensor": every_sensor_effect(),
                             "environment": every_sky(), "ground_bounce": [0.2, 0.6],
                             "object_bounce": true, "anisotropic_filtering": true });
    let tmp = tempfile::tempdir().unwrap();
    let loaded = common::write_spec(tmp.path(), &spec);
    let render = |name: &str, frames: std::ops::Range<u64>, threads: usize| {
        let out = tmp.path().join(name);
        common::render_threads(&loaded, &out, frames, Some(threads));
        out
    };
    let a = render("a", 0..3, 1);
    let b = render("b", 1..3, 2);
    for file in ["rgb/000001.png", "rgb/000002.png", "labels/000002.json"] {
        assert!(
            std::fs::read(a.join(file)).unwrap() == std::fs::read(b.join(file)).unwrap(),
            "{file} differs between one thread over 0..3 and two over 1..3"
        );
    }
    let labels = common::read_json(&a.join("labels/000001.json"));
    let sensor = &labels["scene"]["render"]["sensor"];
    assert!(
        sensor["jpeg_quality"]
            .as_u64()
            .is_some_and(|q| (60..=95).contains(&q)),
        "the labels record the drawn sensor values: {sensor}"
    );
}

/// The label images of `frame` as bytes: depth, instance ids and normals.
fn labels_of(frame: &FrameBuffers) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(frame.depth.iter().flat_map(|d| d.to_le_bytes()));
    out.extend(frame.instance.iter().flat_map(|d| d.to_le_bytes()));
    out.extend(frame.normals.iter().flat_map(|d| d.to_le_bytes()));
    out
}

#[test]
fn the_look_changes_colour_and_never_a_label() {
    let scenes = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let tmp = tempfile::tempdir().unwrap();
    for name in ["tabletop", "quickstart", "lighting"] {
        let path = scenes.join(format!("{name}.json"));
        let mut spec: Value = common::read_json(&path);
        // Resolve relative asset paths against the scene's folder.
        for asset in spec["assets"].as_array_mut().unwrap() {
            if let Some(p) = asset["path"].as_str() {
                asset["path"] = json!(scenes.join(p));
            }
        }
        spec["outputs"]["normals"] = json!(true);
        let mut rgb = Vec::new();
        let mut labels = Vec::new();
        for (k, render) in [
            json!({ "preset": "fast" }),
            json!({ "preset": "realistic", "tone_mapping": "aces",
                    "shadows": { "softness": [0, 4], "map_size": { "choice": [512, 2048] } },
                    "sensor": every_sensor_effect(), "environment": every_sky(),
                    "anisotropic_filtering": true, "ground_bounce": 0.5, "object_bounce": true }),
        ]
        .into_iter()
        .enumerate()
        {
            spec["render"] = render;
            let mut r = common::frame_renderer(&tmp.path().join(format!("{name}{k}")), &spec);
            let frames: Vec<FrameBuffers> = (0..3)
                .map(|f| r.render(f).map(|f| f.buffers).unwrap())
                .collect();
            labels.push(frames.iter().map(labels_of).collect::<Vec<_>>());
            rgb.push(frames.into_iter().map(|f| f.rgb).collect::<Vec<_>>());
        }
        assert!(
            labels[0] == labels[1],
            "{name}: depth, instance or normal images differ between the fast and the realistic look"
        );
        assert!(
            rgb[0] != rgb[1],
            "{name}: the realistic look left the colour image as the fast one"
        );
    }
}

#[test]
fn version_one_specs_keep_the_plain_look_and_version_two_defaults_to_realistic() {
    let tmp = tempfile::tempdir().unwrap();
    let sun = [0.4, -1.0, 0.3];
    let mut v1 = shadow_scene(sun, json!({}));
    v1["version"] = json!(1);
    v1.as_object_mut().unwrap().remove("render");
    let mut fast = shadow_scene(sun, json!({ "preset": "fast" }));
    fast.as_object_mut().unwrap().remove("version");
    fast["version"] = json!(2);
    let mut v2 = shadow_scene(sun, json!({}));
    v2.as_object_mut().unwrap().remove("render");
    let rgb = |name: &str, spec: &Value| {
        let mut r = common::frame_renderer(&tmp.path().join(name), spec);
        r.set_seed(1);
        let frame = r.render(0).unwrap();
        (frame.buffers.rgb, frame.scene)
    };
    let (a, scene_v1) = rgb("v1", &v1);
    let (b, _) = rgb("fast", &fast);
    let (c, scene_v2) = rgb("v2", &v2);
    assert!(scene_v1.lights.iter().all(|l| l.shadow().is_none()));
    assert!(scene_v1.render.is_plain());
    assert!(scene_v2.lights.iter().all(|l| l.shadow().is_some()));
    assert!(!scene_v2.render.is_plain());
    // Version 2 puts intrinsics in another convention, but this spec gives a field of
    // view, so the two cameras agree and the fast look matches version 1 to the byte.
    assert!(
        a == b,
        "a version-1 spec and preset fast should render the same bytes"
    );
    assert!(
        a != c,
        "version 2 without a preset should render the realistic look"
    );
}

#[test]
fn shadow_settings_are_validated_with_their_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = shadow_scene(
        [0.0, -1.0, 0.0],
        json!({ "shadows": { "map_size": [8, 100000], "softness": -1, "probability": 2 } }),
    );
    spec["lights"][0]["shadow"] = json!({ "softness": 40 });
    spec["render"]["sensor"] = json!({ "jpeg_quality": [0, 100], "vignetting": 2 });
    let path = tmp.path().join("spec.json");
    std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
    let err = synthvis::LoadedSpec::from_file(&path)
        .expect_err("invalid shadow settings must be refused")
        .to_string();
    for needle in [
        "render.shadows.map_size",
        "render.shadows.softness",
        "render.shadows.probability",
        "lights[0].shadow.softness",
        "render.sensor.jpeg_quality",
        "render.sensor.vignetting",
    ] {
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
    }
}

/// Ground bounce lights the faces the sun does not reach (a cube's face turned from the
/// sun is black without it, lit with it), and leaves the labels alone.
#[test]
fn ground_bounce_lights_the_faces_the_sun_misses() {
    let tmp = tempfile::tempdir().unwrap();
    // The sun travels along +x and down: the cubes' +x faces are turned from it and, with
    // no ambient light, lit by nothing but the bounce.
    let sun = [1.0, -1.0, 0.0];
    let plain = json!({ "preset": "realistic", "antialiasing": "none", "tone_mapping": "none" });
    let mut bounced = plain.clone();
    bounced["ground_bounce"] = json!(0.5);
    let render = |name: &str, look: &Value| {
        let mut r =
            common::frame_renderer(&tmp.path().join(name), &shadow_scene(sun, look.clone()));
        r.set_seed(1);
        r.render(0).unwrap().buffers
    };
    let (a, b) = (render("plain", &plain), render("bounce", &bounced));
    assert_eq!(a.instance, b.instance);
    assert_eq!(a.depth, b.depth);
    // Cube pixels whose face is turned from the sun: black without the bounce.
    let cube_ids = [2u32, 3];
    let (mut dark, mut lit) = (0u32, 0u32);
    for p in 0..a.instance.len() {
        if cube_ids.contains(&a.instance[p]) && luma(&a.rgb[3 * p..3 * p + 3]) < 1.0 {
            dark += 1;
            lit += u32::from(luma(&b.rgb[3 * p..3 * p + 3]) > 20.0);
        }
    }
    assert!(
        dark > 50,
        "the scene should show faces turned from the sun ({dark} pixels)"
    );
    assert!(
        f64::from(lit) > 0.9 * f64::from(dark),
        "{lit} of {dark} faces turned from the sun are lit by the ground's bounce"
    );
}

/// Point and spot lights cast where a projection from the light puts the shadows: each
/// ground pixel counts as shadowed when it is under half its brightness with shadows
/// off (the ground is unevenly lit by a near light), against the cubes' corners projected
/// from the light onto the ground. The point light's six faces all see ground.
#[test]
fn point_and_spot_shadows_fall_where_projection_from_the_light_says() {
    let tmp = tempfile::tempdir().unwrap();
    let at = DVec3::new(0.3, 2.2, 0.5);
    let lights = [
        json!({ "type": "point", "position": at.to_array(), "intensity": 12.0 }),
        json!({ "type": "spot", "position": at.to_array(), "direction": [0, -1, 0],
                "inner_cone_deg": 40, "outer_cone_deg": 45, "intensity": 12.0 }),
    ];
    for (i, light) in lights.into_iter().enumerate() {
        let render = |name: &str, shadows: bool| {
            let look = json!({ "preset": "realistic", "antialiasing": "none", "tone_mapping": "none",
                               "shadows": { "enabled": shadows, "softness": 1.0 } });
            let mut spec = shadow_scene([0.0, -1.0, 0.0], look);
            spec["lights"] = json!([light.clone()]);
            let mut r = common::frame_renderer(&tmp.path().join(format!("{i}{name}")), &spec);
            r.set_seed(1);
            let frame = r.render(0).unwrap();
            (frame.buffers, frame.scene)
        };
        let (lit, _) = render("off", false);
        let (frame, scene) = render("on", true);
        // Corners pushed from the light onto y = 0.
        let shadows: Vec<Vec<DVec2>> = CUBES
            .iter()
            .map(|&(c, h)| {
                let corners = (0..8).map(|k| {
                    let s = |bit: usize| if k & (1 << bit) == 0 { -h } else { h };
                    let p = DVec3::from_array(c) + DVec3::new(s(0), s(1), s(2));
                    let q = at + (p - at) * (at.y / (at.y - p.y));
                    DVec2::new(q.x, q.z)
                });
                hull(corners.collect())
            })
            .collect();
        let cam = &scene.camera;
        let ground_id = u32::from(scene.objects[0].instance_id);
        let (mut both, mut either, mut stray) = (0u32, 0u32, 0u32);
        for p in 0..frame.instance.len() {
            let reference = luma(&lit.rgb[3 * p..3 * p + 3]);
            if frame.instance[p] != ground_id || reference < 20.0 {
                continue;
            }
            let q = ground_point(cam, (p % 320) as f64, (p / 320) as f64);
            let distance = shadows
                .iter()
                .map(|s| signed_distance(s, q))
                .fold(f64::INFINITY, f64::min);
            if distance.abs() < 0.04 {
                continue;
            }
            let expected = distance < 0.0;
            let dark = luma(&frame.rgb[3 * p..3 * p + 3]) < 0.5 * reference;
            both += u32::from(expected && dark);
            either += u32::from(expected || dark);
            stray += u32::from(dark && !expected);
        }
        let iou = f64::from(both) / f64::from(either.max(1));
        assert!(
            either > 300,
            "light {i}: too few shadow pixels to judge ({either})"
        );
        assert!(
            iou >= 0.95,
            "light {i}: shadow IoU {iou:.3} ({both} of {either})"
        );
        assert!(
            stray <= 5,
            "light {i}: {stray} ground pixels dark away from every shadow"
        );
    }
}

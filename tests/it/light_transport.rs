//! How the realistic look moves light: the layered BRDF against its integral, the objects'
//! bounce light, and anti-aliasing kept to geometric edges.

use std::path::Path;

use glam::DVec3;
use serde_json::{Value, json};

use crate::common;
use synthvis::gpu::FrameBuffers;

fn render(dir: &Path, spec: &Value) -> (synthvis::scene::FrameScene, FrameBuffers) {
    let mut r = common::frame_renderer(dir, spec);
    let frame = r.render(0).unwrap();
    let (scene, frame) = (frame.scene, frame.buffers);
    (scene, frame)
}

/// A plane of `material` filling the view at a slant (the view's n·v runs from about 0.25
/// at the top of the image to 0.85 at the bottom), one sun, nothing else.
fn plane_spec(material: Value, render: Value, objects: Value) -> Value {
    let mut all = vec![
        json!({ "asset": "ground", "position": [0, 0, 0], "scale": 12,
                              "material": material }),
    ];
    all.extend(objects.as_array().cloned().unwrap_or_default());
    json!({
        "version": 2, "seed": 3, "frames": 1,
        "resolution": { "width": 160, "height": 120 },
        "camera": { "fov_y_deg": 60, "position": [0, 1.2, 2.0], "look_at": [0, 0, -0.4],
                    "near": 0.1, "far": 50 },
        "categories": [{ "name": "thing" }],
        "assets": [
            { "name": "ground", "primitive": "plane" },
            { "name": "cube", "primitive": "cube", "category": "thing" }
        ],
        "objects": all,
        "lights": [{ "type": "directional", "direction": [1.0, -1.0, 0.0], "intensity": 3.0 }],
        "ambient": { "intensity": 0.0 },
        "background": { "color": [0, 0, 0] },
        "render": render
    })
}

/// The plain look of this file's renders: no shadows, AA, tone mapping, environment or
/// bounce unless a test turns one on.
fn plain(brdf: &str) -> Value {
    json!({ "preset": "realistic", "brdf": brdf, "antialiasing": "none", "tone_mapping": "none",
            "shadows": { "enabled": false }, "environment": { "enabled": false },
            "object_bounce": false })
}

/// GGX with Smith's height-correlated masking at roughness `r`: the specular lobe the
/// renderer documents, written out here independently of it.
struct Ggx {
    a2: f64,
}

impl Ggx {
    fn new(roughness: f64) -> Self {
        let a = (roughness * roughness).max(1e-3);
        Self { a2: a * a }
    }

    fn d(&self, n_h: f64) -> f64 {
        let t = n_h * n_h * (self.a2 - 1.0) + 1.0;
        self.a2 / (std::f64::consts::PI * t * t)
    }

    fn vis(&self, n_l: f64, n_v: f64) -> f64 {
        let a2 = self.a2;
        0.5 / (n_l * (n_v * n_v * (1.0 - a2) + a2).sqrt()
            + n_v * (n_l * n_l * (1.0 - a2) + a2).sqrt())
    }

    /// The lobe's directional albedo with Fresnel 1 and with Schlick's Fresnel of `f0`
    /// at n·v = `n_v`: a plain midpoint sum over the hemisphere of light directions.
    fn albedo(&self, n_v: f64, f0: f64) -> (f64, f64) {
        let v = DVec3::new((1.0 - n_v * n_v).sqrt(), n_v, 0.0);
        let (steps_t, steps_p) = (400, 200);
        let (mut one, mut schlick) = (0.0, 0.0);
        for i in 0..steps_t {
            let theta = (f64::from(i) + 0.5) / f64::from(steps_t) * std::f64::consts::FRAC_PI_2;
            for j in 0..steps_p {
                let phi = (f64::from(j) + 0.5) / f64::from(steps_p) * std::f64::consts::TAU;
                let l = DVec3::new(
                    theta.sin() * phi.cos(),
                    theta.cos(),
                    theta.sin() * phi.sin(),
                );
                let h = (l + v).normalize();
                let f = self.d(h.y) * self.vis(l.y, n_v) * l.y * theta.sin();
                let fresnel = f0 + (1.0 - f0) * (1.0 - v.dot(h)).powi(5);
                one += f;
                schlick += f * fresnel;
            }
        }
        let cell = std::f64::consts::FRAC_PI_2 / f64::from(steps_t) * std::f64::consts::TAU
            / f64::from(steps_p);
        (one * cell, schlick * cell)
    }
}

/// For each ground pixel: the unit direction from its ground point to the camera.
fn ground_views(scene: &synthvis::scene::FrameScene, frame: &FrameBuffers) -> Vec<(usize, DVec3)> {
    let cam = &scene.camera;
    let (origin, _) = common::pixel_ray(cam, 0.0, 0.0);
    let width = frame.width as usize;
    (0..frame.depth.len())
        .filter(|&p| frame.depth[p] > 0.0)
        .map(|p| {
            let point = common::ground_point(cam, (p % width) as f64, (p / width) as f64);
            (p, (origin - point).normalize())
        })
        .collect()
}

/// A rough white metal and a rough grey dielectric plane shade as the layered BRDF's
/// integral says at every view angle: the metal's lobe gets back the energy one scattering
/// loses (1 + F0 (1/E − 1), about 1.4 to 1.8 here), the dielectric's diffuse base gets
/// 1 − the lobe's albedo. glTF's reference BRDF misses the metal by far more than the
/// tolerance, so the test fails if the table or the compensation goes.
#[test]
fn the_layered_brdf_matches_its_integral_at_every_view_angle() {
    let tmp = tempfile::tempdir().unwrap();
    let l = DVec3::new(-1.0, 1.0, 0.0).normalize();
    let cases = [
        (
            "metal",
            json!({ "color": [0.95, 0.95, 0.95], "roughness": 0.9, "metallic": 1.0 }),
        ),
        (
            "dielectric",
            json!({ "color": [0.7, 0.7, 0.7], "roughness": 0.8, "metallic": 0.0 }),
        ),
    ];
    for (name, material) in cases {
        let metallic = material["metallic"].as_f64().unwrap();
        let roughness = material["roughness"].as_f64().unwrap();
        let base = synthvis::geometry::srgb_to_linear(material["color"][0].as_f64().unwrap());
        let f0 = 0.04 * (1.0 - metallic) + base * metallic;
        let ggx = Ggx::new(roughness);
        let mut worst = [0.0f64; 2];
        for (k, brdf) in ["layered", "gltf"].into_iter().enumerate() {
            let spec = plane_spec(material.clone(), plain(brdf), json!([]));
            let (scene, frame) = render(&tmp.path().join(format!("{name}-{brdf}")), &spec);
            let sun = 3.0 * scene.exposure_scale();
            let mut albedo_at: std::collections::BTreeMap<i64, (f64, f64)> = Default::default();
            for (p, v) in ground_views(&scene, &frame) {
                let n_v = v.y;
                if n_v < 0.2 {
                    continue;
                }
                let h = (v + l).normalize();
                let fresnel = f0 + (1.0 - f0) * (1.0 - v.dot(h)).powi(5);
                let specular = fresnel * ggx.d(h.y) * ggx.vis(l.y, n_v);
                let (e_one, e_f0) = *albedo_at
                    .entry((n_v * 200.0).round() as i64)
                    .or_insert_with(|| ggx.albedo(((n_v * 200.0).round() / 200.0).min(1.0), f0));
                let compensation = 1.0 + f0 * (1.0 / e_one - 1.0);
                let diffuse =
                    (1.0 - e_f0 * compensation) * (1.0 - metallic) * base / std::f64::consts::PI;
                let expected = (diffuse + specular * compensation) * l.y * sun;
                let actual = common::linear_u8(frame.rgb[3 * p]);
                let error = (actual - expected).abs() / expected;
                worst[k] = worst[k].max(error);
            }
        }
        assert!(
            worst[0] < 0.03,
            "{name}: the layered BRDF is {:.1} % from its integral somewhere",
            100.0 * worst[0]
        );
        if name == "metal" {
            assert!(
                worst[1] > 0.15,
                "{name}: glTF's reference BRDF should miss the layered integral ({:.1} %)",
                100.0 * worst[1]
            );
        }
    }
}

/// The world point of pixel `p` from the depth image (metres along the optical axis).
fn world_point(scene: &synthvis::scene::FrameScene, frame: &FrameBuffers, p: usize) -> DVec3 {
    let width = frame.width as usize;
    let (origin, dir) = common::pixel_ray(&scene.camera, (p % width) as f64, (p / width) as f64);
    origin + dir * f64::from(frame.depth[p])
}

/// A red cube lit by a sun from -x sends red light onto the face of a white cube that the
/// sun does not reach (black without the bounce), as much as a diffuse sphere of its
/// colour would (Lambert's phase law), and brightens the ground beside it; the cube
/// alone gets none of its own light, and no label changes.
#[test]
fn objects_bounce_their_colour_onto_each_other_and_not_onto_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    let ground = json!({ "color": [0.6, 0.6, 0.6], "roughness": 1.0, "metallic": 0.0 });
    let red = json!({ "asset": "cube", "position": [-0.4, 0.2, -0.4], "scale": 0.4,
                      "material": { "color": [0.9, 0.1, 0.1], "roughness": 1.0, "metallic": 0.0 } });
    let white = json!({ "asset": "cube", "position": [-1.2, 0.15, -0.4], "scale": 0.3,
                        "material": { "color": [1.0, 1.0, 1.0], "roughness": 1.0, "metallic": 0.0 } });
    let look = |on: bool| {
        let mut r = plain("gltf");
        r["object_bounce"] = json!(on);
        r
    };
    let mut spec = plane_spec(ground, look(false), json!([red, white]));
    spec["camera"] = json!({ "fov_y_deg": 50, "position": [0.2, 1.4, 1.4],
                             "look_at": [-0.8, 0.1, -0.4], "near": 0.1, "far": 50 });
    spec["resolution"] = json!({ "width": 320, "height": 240 });
    let (scene, off) = render(&tmp.path().join("off"), &spec);
    spec["render"] = look(true);
    let (_, on) = render(&tmp.path().join("on"), &spec);
    assert_eq!(off.instance, on.instance, "instance ids changed");
    assert_eq!(off.depth, on.depth, "depth changed");

    // The white cube's +x face (x = -1.05), turned from the sun.
    let red_albedo = synthvis::geometry::srgb_to_linear(0.9);
    let centre = DVec3::new(-0.4, 0.2, -0.4);
    let radius = 0.2 * 3f64.sqrt();
    let sun = 3.0 * scene.exposure_scale();
    let l = DVec3::new(-1.0, 1.0, 0.0).normalize();
    let (mut face, mut worst) = (0u32, 0.0f64);
    for p in 0..on.instance.len() {
        if on.instance[p] != 2 {
            continue;
        }
        let q = world_point(&scene, &on, p);
        if (q.x + 1.05).abs() > 0.003 || (q.y - 0.15).abs() > 0.12 || (q.z + 0.4).abs() > 0.12 {
            continue;
        }
        face += 1;
        let before = &off.rgb[3 * p..3 * p + 3];
        let after = &on.rgb[3 * p..3 * p + 3];
        assert!(
            before.iter().all(|&c| c <= 1),
            "the face the sun misses is lit without the bounce: {before:?}"
        );
        assert!(
            after[0] > 2 * after[1].max(1) && after[1] == after[2],
            "the bounce off a red cube is red: {after:?}"
        );
        // Lambert's sphere: (2/3) ρ Φ(α) (r/d)² cos θ of the sun's irradiance.
        let to_centre = centre - q;
        let d = to_centre.length();
        let cos_a = (-to_centre / d).dot(l);
        let a = cos_a.acos();
        let phase = (a.sin() + (std::f64::consts::PI - a) * cos_a) / std::f64::consts::PI;
        let irradiance =
            2.0 / 3.0 * red_albedo * phase * (radius / d).powi(2) * (to_centre.x / d) * sun;
        let expected = irradiance / std::f64::consts::PI;
        worst = worst.max((common::linear_u8(after[0]) - expected).abs() / expected);
    }
    assert!(
        face > 100,
        "too little of the white cube's shaded face in view ({face} pixels)"
    );
    assert!(
        worst < 0.05,
        "the bounce is {:.1} % from a Lambertian sphere's",
        100.0 * worst
    );

    // The red cube alone: its own pixels do not change, the ground beside its lit face does.
    let mut alone = plane_spec(
        json!({ "color": [0.6, 0.6, 0.6], "roughness": 1.0, "metallic": 0.0 }),
        look(false),
        json!([spec["objects"][1].clone()]),
    );
    alone["camera"] = spec["camera"].clone();
    alone["resolution"] = spec["resolution"].clone();
    let (_, off) = render(&tmp.path().join("alone-off"), &alone);
    alone["render"] = look(true);
    let (scene, on) = render(&tmp.path().join("alone-on"), &alone);
    let (mut own, mut beside, mut redder) = (0u32, 0u32, 0u32);
    for p in 0..on.instance.len() {
        if on.instance[p] == 1 {
            own += 1;
            assert_eq!(
                off.rgb[3 * p..3 * p + 3],
                on.rgb[3 * p..3 * p + 3],
                "the cube lights itself"
            );
        } else if on.depth[p] > 0.0 {
            let q = world_point(&scene, &on, p);
            if q.x < -0.62 && q.x > -0.8 && (q.z + 0.4).abs() < 0.15 {
                beside += 1;
                let (b, a) = (&off.rgb[3 * p..3 * p + 3], &on.rgb[3 * p..3 * p + 3]);
                redder += u32::from(a[0] > b[0] && a[1] == b[1]);
            }
        }
    }
    assert!(
        own > 500 && beside > 30,
        "{own} cube and {beside} ground pixels in view"
    );
    assert!(
        redder * 10 >= beside * 9,
        "{redder} of {beside} ground pixels beside the lit face turned redder"
    );
}

/// FXAA filters the silhouettes and creases the label images show, never the inside of a
/// textured face (where run over the whole image it draws crosses at a checker's corners).
#[test]
fn fxaa_keeps_to_geometric_edges() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = plane_spec(
        json!({ "color": [0.5, 0.5, 0.5] }),
        plain("layered"),
        json!([{ "asset": "checker", "position": [0, 0.5, -0.6], "scale": 1.0,
                 "rotation_deg": [0, 30, 0] }]),
    );
    spec["assets"].as_array_mut().unwrap().push(
        json!({ "name": "checker", "path": common::assets_dir().join("cube.glb"), "category": "thing" }));
    let (_, none) = render(&tmp.path().join("none"), &spec);
    spec["render"]["antialiasing"] = json!("fxaa");
    let (_, fxaa) = render(&tmp.path().join("fxaa"), &spec);
    let (w, h) = (none.width as usize, none.height as usize);
    let edges = synthvis::post::edges::geometric_edges(&none.depth, &none.instance, w, h);
    let changed = |a: &[u8], b: &[u8], p: usize| a[3 * p..3 * p + 3] != b[3 * p..3 * p + 3];
    let (mut on_edges, mut inside) = (0u32, 0u32);
    for (p, &edge) in edges.iter().enumerate() {
        if changed(&none.rgb, &fxaa.rgb, p) {
            *(if edge { &mut on_edges } else { &mut inside }) += 1;
        }
    }
    assert_eq!(inside, 0, "FXAA changed pixels off the geometric edges");
    assert!(on_edges > 30, "FXAA smoothed only {on_edges} edge pixels");
    // Over the whole image it would change the checker's inside: the test can fail.
    let mut everywhere = none.rgb.clone();
    synthvis::post::fxaa::fxaa(&mut everywhere, w, h, |_, _| true);
    let off_edges = (0..w * h)
        .filter(|&p| !edges[p] && changed(&none.rgb, &everywhere, p))
        .count();
    assert!(
        off_edges > 50,
        "the checker should give FXAA texture edges to smear ({off_edges})"
    );
}

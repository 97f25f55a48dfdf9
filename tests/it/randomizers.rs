//! The randomizers do what the spec says, checked on sampled scenes (no GPU) and, for
//! lights, on real renders.

use crate::common;

use glam::DVec3;
use serde_json::{Value, json};
use synthvis::geometry::Obb;
use synthvis::randomize::sample_frame;
use synthvis::spec::{ResolvedSpec, Spec};

fn spec_from(v: Value) -> ResolvedSpec {
    let spec: Spec = serde_json::from_value(v).unwrap();
    let issues = synthvis::spec::validate(&spec);
    assert!(issues.is_empty(), "{issues:?}");
    synthvis::spec::resolve(&spec).unwrap()
}

fn base(camera: Value, objects: Value) -> Value {
    let a = common::assets_dir();
    json!({
        "version": 1, "frames": 200,
        "resolution": { "width": 320, "height": 240 },
        "camera": camera,
        "categories": [{ "name": "cube" }, { "name": "ball" }],
        "assets": [
            { "name": "cube", "path": a.join("cube.glb"), "category": "cube" },
            { "name": "ball", "path": a.join("ball.glb"), "category": "ball" },
            { "name": "can", "path": a.join("can.glb"), "category": "ball" }
        ],
        "objects": objects
    })
}

#[test]
fn orbit_camera_stays_on_its_shell_and_looks_at_the_target() {
    let spec = spec_from(base(
        json!({
            "fov_y_deg": 45,
            "orbit": { "target": [0.5, 0.2, -0.3], "distance": [2, 3], "elevation_deg": [10, 40] }
        }),
        json!([]),
    ));
    let target = DVec3::new(0.5, 0.2, -0.3);
    let mut azimuths = Vec::new();
    for i in 0..200 {
        let cam = sample_frame(&spec, 0, i).unwrap().camera;
        let offset = DVec3::from_array(cam.position) - target;
        let d = offset.length();
        assert!(
            (2.0 - 1e-9..=3.0 + 1e-9).contains(&d),
            "frame {i}: distance {d}"
        );
        let elevation = (offset.y / d).asin().to_degrees();
        assert!(
            (10.0 - 1e-6..=40.0 + 1e-6).contains(&elevation),
            "frame {i}: {elevation}"
        );
        // The target projects onto the principal point.
        let p = cam.world_to_camera().transform_point3(target);
        assert!(p.x.abs() < 1e-9 && p.y.abs() < 1e-9 && p.z > 0.0);
        azimuths.push(offset.x.atan2(offset.z));
    }
    // The default azimuth range is the full turn: every quadrant is visited.
    for q in 0..4 {
        let lo = -std::f64::consts::PI + f64::from(q) * std::f64::consts::FRAC_PI_2;
        let n = azimuths
            .iter()
            .filter(|a| (lo..lo + std::f64::consts::FRAC_PI_2).contains(*a))
            .count();
        assert!(n > 25, "quadrant {q}: {n} of 200");
    }
}

#[test]
fn roll_turns_the_image_about_the_optical_axis() {
    let camera = |roll: f64| json!({ "fov_y_deg": 45, "position": [0, 0, 3], "look_at": [0, 0, 0], "roll_deg": roll });
    let project = |roll: f64, p: DVec3| {
        let cam = sample_frame(&spec_from(base(camera(roll), json!([]))), 0, 0)
            .unwrap()
            .camera;
        let c = cam.world_to_camera().transform_point3(p);
        (c.x / c.z, c.y / c.z)
    };
    let above = DVec3::new(0.0, 1.0, 0.0);
    let (x0, y0) = project(0.0, above);
    assert!(
        x0.abs() < 1e-12 && y0 < 0.0,
        "unrolled: above is up ({x0}, {y0})"
    );
    // Positive roll turns the camera clockwise as seen from behind it: what was above
    // the centre now appears to its left.
    let (x, y) = project(90.0, above);
    assert!(x < 0.0 && y.abs() < 1e-12, "rolled 90: ({x}, {y})");
    let (x, y) = project(-90.0, above);
    assert!(x > 0.0 && y.abs() < 1e-12, "rolled -90: ({x}, {y})");
    // The optical axis (and the target on it) does not move.
    let (x, y) = project(37.0, DVec3::ZERO);
    assert!(x.abs() < 1e-12 && y.abs() < 1e-12);
}

/// Assets drawn over 200 frames of one object group, and the set of counts seen.
fn asset_draws(group: Value) -> (std::collections::BTreeMap<String, usize>, Vec<usize>) {
    let spec = spec_from(base(
        json!({ "fov_y_deg": 45, "position": [0, 1, 4] }),
        json!([group]),
    ));
    let mut assets = std::collections::BTreeMap::new();
    let mut counts = Vec::new();
    for i in 0..200 {
        let scene = sample_frame(&spec, 9, i).unwrap();
        let ids: Vec<u16> = scene.objects.iter().map(|o| o.instance_id).collect();
        assert_eq!(
            ids,
            (1..=ids.len() as u16).collect::<Vec<_>>(),
            "instance ids are 1..=n"
        );
        counts.push(scene.objects.len());
        for o in &scene.objects {
            *assets.entry(o.asset.clone()).or_insert(0) += 1;
        }
    }
    (assets, counts)
}

#[test]
fn objects_draw_assets_by_weight_or_category_and_counts_in_range() {
    let place = json!({ "uniform": { "min": [-1, 0, -1], "max": [1, 1, 1] } });
    let (assets, counts) = asset_draws(json!({
        "asset": { "choice": { "values": ["cube", "ball", "can"], "weights": [3, 1, 0] } },
        "count": [1, 4], "position": place
    }));
    assert!(counts.iter().all(|n| (1..=4).contains(n)));
    for n in 1..=4 {
        assert!(counts.contains(&n), "count {n} never drawn");
    }
    let (cube, ball) = (assets["cube"] as f64, assets["ball"] as f64);
    let p = cube / (cube + ball);
    let se = (0.75 * 0.25 / (cube + ball)).sqrt();
    assert!((p - 0.75).abs() < 5.0 * se, "cube share {p}");
    assert!(!assets.contains_key("can"), "weight 0 was drawn");

    // Category `ball` holds the assets `ball` and `can`, equally likely.
    let (assets, counts) = asset_draws(json!({
        "asset": { "category": "ball" }, "count": { "choice": [0, 2] }, "position": place
    }));
    assert!(counts.iter().all(|n| *n == 0 || *n == 2));
    assert!(counts.contains(&0) && counts.contains(&2));
    assert_eq!(assets.keys().collect::<Vec<_>>(), ["ball", "can"]);
    let share = assets["ball"] as f64 / (assets["ball"] + assets["can"]) as f64;
    let se = (0.25 / (assets["ball"] + assets["can"]) as f64).sqrt();
    assert!((share - 0.5).abs() < 5.0 * se, "ball share {share}");
}

/// Renders a large cube's top face from above, lit by one light of `light`'s kind, and
/// returns the red channel along the image's middle row.
fn top_face_row(light: Value) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::assets_dir();
    let spec = common::write_spec(
        tmp.path(),
        &json!({
            "version": 1, "frames": 1,
            "resolution": { "width": 161, "height": 121 },
            "camera": { "fov_y_deg": 60, "position": [0, 4, 0], "look_at": [0, 0, 0], "up": [0, 0, -1] },
            "categories": [{ "name": "cube" }],
            "assets": [{ "name": "cube", "path": a.join("cube.glb"), "category": "cube" }],
            "objects": [{ "asset": "cube", "position": [0, -2, 0], "scale": 4.0 }],
            "lights": [light],
            "ambient": { "intensity": 0.0 }
        }),
    );
    let mut r = common::renderer(&spec, 0);
    let b = r
        .render_scene(&sample_frame(&spec.resolved, 0, 0).unwrap())
        .unwrap()
        .buffers;
    let y = (b.height / 2) as usize;
    (0..b.width as usize)
        .map(|x| b.rgb[(y * b.width as usize + x) * 3])
        .collect()
}

#[test]
fn spot_light_lights_only_its_cone() {
    // The face is 4 m below the light (top at y = 0, light at y = 4 beside the camera);
    // a 10° outer cone lights a disc of radius 4·tan 10° = 0.7 m, about 14 px here.
    let spot = top_face_row(json!({
        "type": "spot", "position": [0, 4, 0], "direction": [0, -1, 0],
        "inner_cone_deg": 5, "outer_cone_deg": 10, "intensity": 40
    }));
    let point = top_face_row(json!({
        "type": "point", "position": [0, 4, 0], "intensity": 40
    }));
    let centre = spot.len() / 2;
    let bright = |row: &[u8], x: usize| {
        row[x - 2..=x + 2]
            .iter()
            .map(|v| u32::from(*v))
            .max()
            .unwrap()
    };
    assert!(
        bright(&spot, centre) > 40,
        "spot centre {}",
        bright(&spot, centre)
    );
    // Well outside the cone (30 px ≈ 1.5 m off axis, 20° from it): black under the spot,
    // lit under a point light of the same intensity.
    for x in [centre - 30, centre + 30] {
        assert_eq!(
            bright(&spot, x),
            0,
            "spot leaks at x {x}: {:?}",
            &spot[x - 2..=x + 2]
        );
        assert!(
            bright(&point, x) > 20,
            "point light at x {x}: {}",
            bright(&point, x)
        );
    }
    // Inside the inner cone the spot equals the point light.
    assert!(
        (i32::from(spot[centre]) - i32::from(point[centre])).abs() <= 1,
        "inner cone {} vs point {}",
        spot[centre],
        point[centre]
    );
}

/// A loaded spec with the project's cube and can, and the assets' bounds.
fn placement_spec(
    dir: &std::path::Path,
    objects: Value,
) -> (synthvis::LoadedSpec, Vec<(DVec3, DVec3)>) {
    let a = common::assets_dir();
    let spec = common::write_spec(
        dir,
        &json!({
            "version": 1, "frames": 200,
            "resolution": { "width": 320, "height": 240 },
            "camera": { "fov_y_deg": 50, "orbit": { "distance": [3, 4], "elevation_deg": [20, 60] }, "look_at": [0, 0.3, 0] },
            "categories": [{ "name": "cube" }, { "name": "can" }],
            "assets": [
                { "name": "cube", "path": a.join("cube.glb"), "category": "cube", "normalize_diagonal": 0.5 },
                { "name": "can", "path": a.join("can.glb"), "category": "can", "normalize_diagonal": 0.5 }
            ],
            "objects": objects
        }),
    );
    let bounds = synthvis::assets::AssetLibrary::load(&spec)
        .unwrap()
        .bounds();
    (spec, bounds)
}

fn boxes(scene: &synthvis::scene::FrameScene, bounds: &[(DVec3, DVec3)]) -> Vec<Obb> {
    scene
        .objects
        .iter()
        .map(|o| {
            let p = &o.pose_world;
            Obb::from_bounds(
                bounds[o.asset_index],
                p.scale,
                glam::DQuat::from_array(p.rotation_xyzw),
                DVec3::from_array(p.translation),
            )
        })
        .collect()
}

fn assert_disjoint(frame: u64, boxes: &[Obb]) {
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            assert!(
                !boxes[i].intersects(&boxes[j]),
                "frame {frame}: objects {i} and {j} overlap"
            );
        }
    }
}

#[test]
fn on_plane_placement_rests_on_the_plane_without_overlap() {
    let tmp = tempfile::tempdir().unwrap();
    let (spec, bounds) = placement_spec(
        tmp.path(),
        json!([{
            "asset": { "choice": ["cube", "can"] }, "count": [3, 8],
            "placement": { "on_plane": { "height": 0.1, "x": [-0.8, 0.8], "z": [-0.8, 0.8] } },
            "scale": [0.8, 1.2], "avoid_overlap": true
        }]),
    );
    let mut yaws = Vec::new();
    for i in 0..200 {
        let scene = synthvis::randomize::FrameSampler::new(&spec.resolved, &bounds)
            .unwrap()
            .sample(0, i)
            .unwrap();
        let bs = boxes(&scene, &bounds);
        for b in &bs {
            let lowest = b
                .corners()
                .iter()
                .map(|c| c.y)
                .fold(f64::INFINITY, f64::min);
            assert!(
                (lowest - 0.1).abs() < 1e-9,
                "frame {i}: lowest corner at {lowest}"
            );
            assert!(b.center.x.abs() <= 0.8 + 1e-9 && b.center.z.abs() <= 0.8 + 1e-9);
            // Upright with a random yaw: the asset's up axis stays world up.
            assert!((b.axes[1] - DVec3::Y).length() < 1e-9, "frame {i}: tilted");
            yaws.push(b.axes[0].z.atan2(b.axes[0].x));
        }
        assert_disjoint(i, &bs);
    }
    let quadrants: std::collections::BTreeSet<i32> = yaws
        .iter()
        .map(|y| (y / std::f64::consts::FRAC_PI_2).floor() as i32)
        .collect();
    assert_eq!(quadrants.len(), 4, "yaw should cover the full turn");
}

#[test]
fn in_frustum_placement_keeps_every_box_inside_the_image() {
    let tmp = tempfile::tempdir().unwrap();
    let (spec, bounds) = placement_spec(
        tmp.path(),
        json!([{
            "asset": { "choice": ["cube", "can"] }, "count": [2, 6],
            "placement": { "in_frustum": { "distance": [1.5, 4], "margin_px": 4 } },
            "rotation": "uniform", "avoid_overlap": true
        }]),
    );
    for i in 0..200 {
        let scene = synthvis::randomize::FrameSampler::new(&spec.resolved, &bounds)
            .unwrap()
            .sample(0, i)
            .unwrap();
        let cam = &scene.camera;
        let bs = boxes(&scene, &bounds);
        for b in &bs {
            for c in b.corners() {
                let p = cam.world_to_camera().transform_point3(c);
                // K's pixel coordinates: the image spans [-0.5, W - 0.5] × [-0.5, H - 0.5].
                let [u, v] = cam.project(p);
                assert!(p.z > cam.near, "frame {i}: a corner behind the near plane");
                assert!(
                    (3.5 - 1e-9..=315.5 + 1e-9).contains(&u)
                        && (3.5 - 1e-9..=235.5 + 1e-9).contains(&v),
                    "frame {i}: corner projects to ({u}, {v})"
                );
            }
        }
        assert_disjoint(i, &bs);
    }
}

#[test]
fn impossible_placement_is_reported_not_looped() {
    let tmp = tempfile::tempdir().unwrap();
    let (spec, bounds) = placement_spec(
        tmp.path(),
        json!([{
            "asset": "cube", "count": 40, "max_trials": 25,
            "placement": { "on_plane": { "x": [-0.3, 0.3], "z": [-0.3, 0.3] } },
            "avoid_overlap": true
        }]),
    );
    let err = synthvis::randomize::FrameSampler::new(&spec.resolved, &bounds)
        .unwrap()
        .sample(0, 0)
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("objects[0]") && msg.contains("cube") && msg.contains("25 trials"),
        "{msg}"
    );
    // Without bounds a bounds-dependent spec is refused, not sampled differently.
    assert!(matches!(
        synthvis::randomize::sample_frame(&spec.resolved, 0, 0),
        Err(synthvis::randomize::RandomizeError::NeedsAssetBounds)
    ));
}

/// Renders a primitive `kind` filling the view under a white light from the camera,
/// with `material`; returns the RGB of the pixels the instance mask covers.
fn primitive_pixels(kind: &str, material: Value) -> Vec<[u8; 3]> {
    let tmp = tempfile::tempdir().unwrap();
    let spec = common::write_spec(
        tmp.path(),
        &json!({
            "version": 1, "frames": 1,
            "resolution": { "width": 96, "height": 96 },
            "camera": { "fov_y_deg": 40, "position": [0, 0, 2.2], "look_at": [0, 0, 0] },
            "categories": [{ "name": "thing" }],
            "assets": [{ "name": "thing", "primitive": kind, "category": "thing" }],
            // The plane lies in XZ: turn it to face the camera.
            "objects": [{ "asset": "thing", "position": [0, 0, 0], "material": material,
                          "rotation_deg": if kind == "plane" { [90, 0, 0] } else { [0, 0, 0] } }],
            "lights": [{ "type": "directional", "direction": [0, 0, -1], "intensity": 3.0 }],
            "ambient": { "intensity": 0.2 }
        }),
    );
    let mut r = common::renderer(&spec, 0);
    let b = r.render(0).unwrap().buffers;
    b.instance
        .iter()
        .enumerate()
        .filter(|(_, id)| **id == 1)
        .map(|(i, _)| [b.rgb[3 * i], b.rgb[3 * i + 1], b.rgb[3 * i + 2]])
        .collect()
}

fn dominant(p: [u8; 3]) -> usize {
    (0..3).max_by_key(|&k| p[k]).unwrap()
}

#[test]
fn material_colour_jitter_and_procedural_textures_change_the_pixels() {
    // A plain primitive is white; a colour override makes it red.
    let white = primitive_pixels("cube", json!({}));
    assert!(white.len() > 1000, "the cube should fill much of the view");
    assert!(
        white.iter().all(|p| p[0].abs_diff(p[2]) <= 2),
        "plain cube not grey"
    );
    let red = primitive_pixels("cube", json!({ "color": [0.9, 0.05, 0.05] }));
    assert!(red.iter().all(|p| dominant(*p) == 0), "colour override");
    // Turning the hue by 120° makes red green.
    let green = primitive_pixels(
        "cube",
        json!({ "color": [0.9, 0.05, 0.05], "hsv_jitter": { "h": 120 } }),
    );
    assert!(green.iter().all(|p| dominant(*p) == 1), "hue shift");
    // A two-colour checker shows both colours in about equal shares.
    let checker = primitive_pixels(
        "cube",
        json!({ "texture": { "checker": { "colors": [[0.9, 0.1, 0.1], [0.1, 0.1, 0.9]], "scale": 4 } } }),
    );
    let reds = checker.iter().filter(|p| dominant(**p) == 0).count() as f64;
    let blues = checker.iter().filter(|p| dominant(**p) == 2).count() as f64;
    let share = reds / (reds + blues);
    assert!(
        reds + blues > 0.95 * checker.len() as f64 && (0.3..0.7).contains(&share),
        "{share}"
    );
    // Every pattern renders and differs from the plain surface.
    for pattern in ["stripes", "noise", "gradient"] {
        let px = primitive_pixels(
            "sphere",
            json!({ "texture": { pattern: { "colors": [[1, 1, 0], [0, 0.3, 1]], "scale": 6, "angle_deg": 30 } } }),
        );
        let yellowish = px.iter().filter(|p| p[2] < p[0]).count();
        let bluish = px.iter().filter(|p| p[2] > p[0]).count();
        assert!(
            yellowish > 20 && bluish > 20,
            "{pattern}: {yellowish} {bluish}"
        );
    }
}

#[test]
fn every_primitive_renders_and_is_labeled() {
    for kind in ["cube", "sphere", "cylinder", "cone", "torus", "plane"] {
        let px = primitive_pixels(kind, json!({}));
        assert!(px.len() > 100, "{kind}: {} labeled pixels", px.len());
    }
}

#[test]
fn materials_draw_from_their_own_stream() {
    let place = json!({ "uniform": { "min": [-1, 0, -1], "max": [1, 1, 1] } });
    let group = |material: Option<Value>| {
        let mut g =
            json!({ "asset": "cube", "count": 5, "position": place, "rotation": "uniform" });
        if let Some(m) = material {
            g["material"] = m;
        }
        spec_from(base(
            json!({ "fov_y_deg": 45, "position": [0, 1, 4] }),
            json!([g]),
        ))
    };
    let plain = group(None);
    let textured = group(Some(json!({
        "color": { "hsv": { "h": [0, 360], "s": 0.8, "v": 0.9 } },
        "texture": { "choice": [ { "checker": { "colors": [[0, 0, 0], [1, 1, 1]] } },
                                 { "noise": { "colors": [[1, 0, 0], [0, 0, 1]], "scale": [2, 20] } } ] }
    })));
    let mut patterns = std::collections::BTreeSet::new();
    for i in 0..50 {
        let a = sample_frame(&plain, 3, i).unwrap();
        let b = sample_frame(&textured, 3, i).unwrap();
        for (x, y) in a.objects.iter().zip(&b.objects) {
            assert_eq!(
                x.pose_world, y.pose_world,
                "frame {i}: a material moved a pose"
            );
            assert!(x.material.is_none());
            let m = y.material.as_ref().unwrap();
            patterns.insert(format!("{:?}", m.texture.as_ref().unwrap().pattern));
        }
    }
    assert_eq!(patterns.len(), 2, "{patterns:?}");
}

/// The RGB of a white sphere lit by a sun of `sun` and an ambient of `ambient`, with
/// the camera's exposure set to `ev100` (physical units) or absent (relative).
fn lit_sphere(ev100: Option<f64>, sun: f64, ambient: f64) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let mut camera = json!({ "fov_y_deg": 40, "position": [0, 0, 2.2], "look_at": [0, 0, 0] });
    if let Some(ev) = ev100 {
        camera["exposure_ev100"] = json!(ev);
    }
    let spec = common::write_spec(
        tmp.path(),
        &json!({
            "version": 1, "frames": 1,
            "resolution": { "width": 64, "height": 64 },
            "camera": camera,
            "categories": [{ "name": "thing" }],
            "assets": [{ "name": "thing", "primitive": "sphere", "category": "thing" }],
            "objects": [{ "asset": "thing", "position": [0, 0, 0] }],
            "lights": [{ "type": "directional", "direction": [-0.3, -0.5, -1], "intensity": sun }],
            "ambient": { "intensity": ambient }
        }),
    );
    let mut r = common::renderer(&spec, 0);
    r.render(0).unwrap().buffers.rgb
}

#[test]
fn physical_light_units_with_exposure_match_relative_units() {
    // EV100 15: a pixel receives lux × 1 / (1.2 · 2^15). A 100 000 lux sun and a
    // 20 000 lux sky look like relative intensities 100000 / 39321.6 and
    // 20000 / (π · 39321.6).
    let k = 1.2 * 32768.0;
    let physical = lit_sphere(Some(15.0), 100_000.0, 20_000.0);
    let relative = lit_sphere(None, 100_000.0 / k, 20_000.0 / (std::f64::consts::PI * k));
    let worst = physical
        .iter()
        .zip(&relative)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(worst <= 1, "physical and relative differ by {worst} levels");
    assert!(
        physical.iter().any(|v| *v > 100),
        "the sphere should be well lit"
    );
    // One stop more exposure (lower EV) doubles the linear light: brighter everywhere lit.
    let brighter = lit_sphere(Some(14.0), 100_000.0, 20_000.0);
    let gained = brighter
        .iter()
        .zip(&physical)
        .filter(|(b, p)| b > p)
        .count();
    let lost = brighter
        .iter()
        .zip(&physical)
        .filter(|(b, p)| b < p)
        .count();
    assert!(gained > 1000 && lost == 0, "gained {gained}, lost {lost}");
}

fn solid_png(path: &std::path::Path, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(16, 16, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

/// A pool of one image: on GL a one-layer texture array used to sample as black.
#[test]
fn a_pool_of_a_single_image_is_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("one");
    std::fs::create_dir_all(&dir).unwrap();
    solid_png(&dir.join("red.png"), [230, 20, 20]);
    let spec = common::write_spec(
        tmp.path(),
        &json!({
            "version": 2, "frames": 1,
            "resolution": { "width": 64, "height": 64 },
            "camera": { "fov_y_deg": 40, "position": [0, 0, 3], "look_at": [0, 0, 0] },
            "categories": [{ "name": "thing" }],
            "assets": [{ "name": "thing", "primitive": "cube", "category": "thing" }],
            "objects": [{ "asset": "thing", "position": [0, 0, 0],
                          "material": { "texture": { "images": { "dir": "one" } } } }],
            "ambient": { "intensity": 1.0 },
            "background": { "color": [0, 0, 0] },
            "render": { "preset": "fast" }
        }),
    );
    let mut r = common::renderer(&spec, 0);
    let b = r.render(0).unwrap().buffers;
    let centre = 3 * (32 * 64 + 32);
    let px = [b.rgb[centre], b.rgb[centre + 1], b.rgb[centre + 2]];
    assert!(
        px[0] > 150 && px[1] < 80 && px[2] < 80,
        "the cube shows its only pool image (red): {px:?}"
    );
}

#[test]
fn image_textures_come_from_directory_pools() {
    let tmp = tempfile::tempdir().unwrap();
    let objects_dir = tmp.path().join("object textures");
    let backgrounds_dir = tmp.path().join("backgrounds");
    std::fs::create_dir_all(&objects_dir).unwrap();
    std::fs::create_dir_all(&backgrounds_dir).unwrap();
    solid_png(&objects_dir.join("a-red.png"), [230, 20, 20]);
    solid_png(&objects_dir.join("b-blue.png"), [20, 20, 230]);
    std::fs::write(objects_dir.join("notes.txt"), "not an image").unwrap();
    solid_png(&backgrounds_dir.join("green.png"), [20, 200, 20]);
    let spec = common::write_spec(
        tmp.path(),
        &json!({
            "version": 1, "frames": 12,
            "resolution": { "width": 64, "height": 64 },
            "camera": { "fov_y_deg": 40, "position": [0, 0, 3], "look_at": [0, 0, 0] },
            "categories": [{ "name": "thing" }],
            "assets": [{ "name": "thing", "primitive": "sphere", "category": "thing" }],
            "objects": [{ "asset": "thing", "position": [0, 0, 0],
                          "material": { "texture": { "images": { "dir": "object textures", "scale": [1, 3] } } } }],
            "lights": [{ "type": "directional", "direction": [0, 0, -1], "intensity": 3 }],
            "ambient": { "intensity": 0.3 },
            "background": { "texture": { "images": { "dir": backgrounds_dir, "scale": [0.5, 2] } } }
        }),
    );
    assert_eq!(spec.texture_pool.len(), 3, "{:?}", spec.texture_pool);
    let mut r = common::renderer(&spec, 0);
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..12 {
        let scene = r.sample(i).unwrap();
        let texture = scene.objects[0]
            .material
            .as_ref()
            .unwrap()
            .texture
            .as_ref()
            .unwrap();
        let file = texture
            .image
            .as_ref()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let b = r.render_scene(&scene).unwrap().buffers;
        let object: Vec<[u8; 3]> = b
            .instance
            .iter()
            .enumerate()
            .filter(|(_, id)| **id == 1)
            .map(|(k, _)| [b.rgb[3 * k], b.rgb[3 * k + 1], b.rgb[3 * k + 2]])
            .collect();
        let expect = if file.contains("red") { 0 } else { 2 };
        assert!(
            object.iter().filter(|p| dominant(**p) == expect).count() > object.len() * 9 / 10,
            "frame {i}: {file} not shown"
        );
        // Background: the green image everywhere the object is not.
        let corner = [b.rgb[0], b.rgb[1], b.rgb[2]];
        assert_eq!(dominant(corner), 1, "frame {i}: background {corner:?}");
        seen.insert(file);
    }
    assert_eq!(seen.len(), 2, "both object images drawn: {seen:?}");

    // A missing or empty directory is a spec error at the pool's path.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for (dir, words) in [
        ("missing", "cannot read directory"),
        ("empty", "holds no .png"),
    ] {
        let path = tmp.path().join(format!("{dir}.json"));
        let mut v: Value = serde_json::from_slice(&spec.bytes).unwrap();
        v["background"]["texture"]["images"]["dir"] = json!(dir);
        std::fs::write(&path, v.to_string()).unwrap();
        let err = synthvis::LoadedSpec::from_file(&path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("background.texture.images.dir") && err.contains(words),
            "{err}"
        );
    }
}

#[test]
fn adding_a_light_or_a_group_moves_no_other_draw() {
    let place = json!({ "uniform": { "min": [-1, 0, -1], "max": [1, 1, 1] } });
    let group = json!({ "asset": "cube", "count": [1, 5], "position": place, "rotation": "uniform", "scale": [0.5, 1] });
    let camera = json!({ "fov_y_deg": [40, 60], "orbit": { "distance": [3, 5] } });
    let plain = spec_from(base(camera.clone(), json!([group])));
    let mut richer = base(
        camera,
        json!([group, { "asset": "ball", "count": 3, "position": place }]),
    );
    richer["lights"] = json!([
        { "type": "point", "count": [0, 3], "position": { "sphere": { "radius": 2 } }, "color": { "kelvin": [2000, 9000] } }
    ]);
    let richer = spec_from(richer);
    for i in 0..50 {
        let (a, b) = (
            sample_frame(&plain, 4, i).unwrap(),
            sample_frame(&richer, 4, i).unwrap(),
        );
        assert_eq!(
            a.camera.world_to_camera, b.camera.world_to_camera,
            "frame {i}: camera moved"
        );
        let n = a.objects.len();
        assert!(b.objects.len() == n + 3);
        for (x, y) in a.objects.iter().zip(&b.objects[..n]) {
            assert_eq!(x.pose_world, y.pose_world, "frame {i}: an object moved");
        }
    }
}

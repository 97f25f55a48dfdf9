//! Physics placement (`drop` and `physics`): dropped objects come to rest on their faces,
//! on the floor and on each other, the same way every time, and a simulation that cannot
//! settle says so.

use glam::{DMat3, DQuat, DVec3};
use serde_json::{Value, json};

use crate::common;
use synthvis::randomize::FrameSampler;
use synthvis::scene::FrameScene;

/// `count` instances of `primitive` (scaled to 0.2 m) placed at random heights and turns
/// above the floor, dropped.
fn dropped(primitive: &str, count: u32, physics: Value) -> Value {
    json!({
        "version": 2, "seed": 11, "frames": 8,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 2, 2], "look_at": [0, 0, 0] },
        "categories": [{ "name": "shape" }],
        "assets": [{ "name": "shape", "primitive": primitive, "category": "shape" }],
        "objects": [{
            "asset": "shape", "count": count, "scale": 0.2,
            "position": { "uniform": { "min": [-0.3, 0.3, -0.3], "max": [0.3, 1.2, 0.3] } },
            "rotation": "uniform", "avoid_overlap": true, "max_trials": 500,
            "drop": { "height": [0, 0.1], "friction": [0.4, 0.8], "restitution": 0.1 }
        }],
        "physics": physics
    })
}

/// Why `spec`, written into `dir`, does not load.
fn refusal(dir: &std::path::Path, spec: &Value) -> String {
    let path = dir.join("spec.json");
    std::fs::write(&path, serde_json::to_vec(spec).unwrap()).unwrap();
    synthvis::spec::LoadedSpec::from_file(&path)
        .unwrap_err()
        .to_string()
}

fn cubes(count: u32, physics: Value) -> Value {
    dropped("cube", count, physics)
}

/// A spec written to `dir`, its assets' bounds and colliders.
struct Loaded {
    spec: synthvis::LoadedSpec,
    bounds: Vec<(DVec3, DVec3)>,
    colliders: Vec<synthvis::physics::AssetCollider>,
}

impl Loaded {
    fn new(dir: &std::path::Path, spec: &Value) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let spec = common::write_spec(dir, spec);
        let library = synthvis::assets::AssetLibrary::load(&spec).unwrap();
        Self {
            bounds: library.bounds(),
            colliders: library.colliders(&spec),
            spec,
        }
    }

    fn sampler(&self) -> FrameSampler<'_> {
        FrameSampler::new(&self.spec.resolved, &self.bounds)
            .unwrap()
            .with_colliders(&self.colliders)
    }

    fn frames(&self, n: u64) -> Vec<FrameScene> {
        (0..n)
            .map(|f| self.sampler().sample(11, f).unwrap())
            .collect()
    }
}

/// The world-space corners of a cube object of half side `h` (unit cube × scale).
fn corners(o: &synthvis::scene::ObjectSample) -> Vec<DVec3> {
    let h = 0.5 * o.pose_world.scale;
    let r = DQuat::from_array(o.pose_world.rotation_xyzw);
    let t = DVec3::from_array(o.pose_world.translation);
    (0..8)
        .map(|i| {
            let s = |b: u32| if i & (1 << b) == 0 { -h } else { h };
            t + r * DVec3::new(s(0), s(1), s(2))
        })
        .collect()
}

#[test]
fn a_dropped_cube_comes_to_rest_on_a_face_on_the_floor() {
    let tmp = tempfile::tempdir().unwrap();
    let loaded = Loaded::new(tmp.path(), &cubes(1, json!({})));
    assert!(
        matches!(
            loaded.colliders[0].dropped,
            Some(synthvis::physics::Collider::Hull(_))
        ),
        "the cube collides as its hull"
    );
    for scene in loaded.frames(8) {
        let physics = scene.physics.expect("the frame records its simulation");
        assert!(physics.at_rest, "frame {}: {physics:?}", scene.frame_index);
        let cube = &scene.objects[0];
        assert!(
            cube.initial_pose_world.is_some(),
            "the initial pose is recorded"
        );
        // One of the cube's axes is vertical within 2°.
        let m = DMat3::from_quat(DQuat::from_array(cube.pose_world.rotation_xyzw));
        let tilt = [m.x_axis, m.y_axis, m.z_axis]
            .iter()
            .map(|a| a.y.abs().clamp(0.0, 1.0).acos().to_degrees())
            .fold(f64::INFINITY, f64::min);
        assert!(
            tilt < 2.0,
            "frame {}: the cube rests {tilt:.2}° off a face",
            scene.frame_index
        );
        // Its lowest corner is on the floor (within 2 mm).
        let lowest = corners(cube)
            .iter()
            .map(|c| c.y)
            .fold(f64::INFINITY, f64::min);
        assert!(
            lowest.abs() < 0.002,
            "frame {}: lowest corner at y = {lowest:.4}",
            scene.frame_index
        );
    }
}

/// How deep two cube objects interpenetrate (0 when apart), by parry's contact query.
fn penetration(a: &synthvis::scene::ObjectSample, b: &synthvis::scene::ObjectSample) -> f64 {
    use rapier3d::parry::{query, shape::Cuboid};
    use rapier3d::prelude::{Pose, Rotation, Vector};
    let shape = |o: &synthvis::scene::ObjectSample| {
        let h = (0.5 * o.pose_world.scale) as f32;
        let [x, y, z, w] = o.pose_world.rotation_xyzw.map(|c| c as f32);
        let [tx, ty, tz] = o.pose_world.translation.map(|c| c as f32);
        (
            Pose::from_parts(Vector::new(tx, ty, tz), Rotation::from_xyzw(x, y, z, w)),
            Cuboid::new(Vector::new(h, h, h)),
        )
    };
    let ((pa, sa), (pb, sb)) = (shape(a), shape(b));
    query::contact(&pa, &sa, &pb, &sb, 0.0)
        .unwrap()
        .map_or(0.0, |c| f64::from((-c.dist).max(0.0)))
}

#[test]
fn dropped_cubes_rest_without_sinking_into_each_other_the_same_way_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    let loaded = Loaded::new(tmp.path(), &cubes(6, json!({ "gravity": [9, 10] })));
    let a = loaded.frames(4);
    for scene in &a {
        let physics = scene.physics.as_ref().unwrap();
        assert!(physics.at_rest, "frame {}: {physics:?}", scene.frame_index);
        for (i, o) in scene.objects.iter().enumerate() {
            let lowest = corners(o).iter().map(|c| c.y).fold(f64::INFINITY, f64::min);
            assert!(
                lowest > -0.002,
                "frame {}: a cube sank to {lowest:.4}",
                scene.frame_index
            );
            // At rest on the floor or on others, not hanging in the air above its start.
            let start = o.initial_pose_world.as_ref().unwrap().translation[1];
            assert!(o.pose_world.translation[1] <= start + 0.002);
            // Interpenetration at most 2 mm (1 % of a 0.35 m diagonal is less).
            for other in &scene.objects[i + 1..] {
                let depth = penetration(o, other);
                assert!(
                    depth <= 0.002,
                    "frame {}: cubes overlap by {depth:.4} m",
                    scene.frame_index
                );
            }
        }
    }
    // The same frames sampled again, in another order and by another sampler: the
    // same bytes.
    let sampler = loaded.sampler();
    for f in [3u64, 1, 2, 0] {
        let again = serde_json::to_vec(&sampler.sample(11, f).unwrap()).unwrap();
        assert!(
            again == serde_json::to_vec(&a[f as usize]).unwrap(),
            "frame {f} settled differently when sampled again"
        );
    }
}

#[test]
fn a_dropped_cylinder_ends_on_its_side_or_its_base() {
    let tmp = tempfile::tempdir().unwrap();
    let loaded = Loaded::new(tmp.path(), &dropped("cylinder", 1, json!({})));
    for scene in loaded.frames(8) {
        assert!(
            scene.physics.unwrap().at_rest,
            "frame {}",
            scene.frame_index
        );
        let o = &scene.objects[0];
        // The cylinder's axis is its +Y.
        let axis = DQuat::from_array(o.pose_world.rotation_xyzw) * DVec3::Y;
        let from_vertical = axis.y.abs().clamp(0.0, 1.0).acos().to_degrees();
        let upright = from_vertical < 2.0;
        let lying = (from_vertical - 90.0).abs() < 2.0;
        assert!(
            upright || lying,
            "frame {}: the cylinder's axis rests {from_vertical:.2}° from vertical",
            scene.frame_index
        );
        // On the floor: its lowest point (a rim or the side) within 2 mm of y = 0.
        let r = 0.5 * o.pose_world.scale;
        let centre_height = o.pose_world.translation[1];
        let expected = if upright { r } else { r * (1.0 - 0.01) };
        assert!(
            (centre_height - expected).abs() < 0.01 * r + 0.002,
            "frame {}: centre at {centre_height:.4}, expected about {expected:.4}",
            scene.frame_index
        );
    }
}

/// A dropped group starts from poses apart even when the spec does not ask it to avoid
/// overlap: twelve cubes drawn in a small volume have disjoint boxes where the
/// simulation starts.
#[test]
fn a_dropped_group_starts_from_poses_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = cubes(12, json!({}));
    spec["objects"][0]["avoid_overlap"] = json!(false);
    spec["objects"][0]["position"] =
        json!({ "uniform": { "min": [-0.5, 0.2, -0.5], "max": [0.5, 0.8, 0.5] } });
    let loaded = Loaded::new(tmp.path(), &spec);
    for scene in loaded.frames(4) {
        let boxes: Vec<synthvis::geometry::Obb> = scene
            .objects
            .iter()
            .map(|o| {
                let p = o.initial_pose_world.as_ref().expect("dropped");
                synthvis::geometry::Obb::from_bounds(
                    loaded.bounds[o.asset_index],
                    p.scale,
                    DQuat::from_array(p.rotation_xyzw),
                    DVec3::from_array(p.translation),
                )
            })
            .collect();
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                assert!(
                    !boxes[i].intersects(&boxes[j]),
                    "frame {}: cubes {i} and {j} start overlapping",
                    scene.frame_index
                );
            }
        }
    }
}

#[test]
fn a_dropped_cone_rests_on_its_hull_not_its_box() {
    // A cone (base diameter and height 1) lying down rests on its base rim and its
    // apex: its axis 26.6° (atan 1/2) from horizontal, which its bounding box could not
    // do (a box rests on a face: axis vertical or horizontal).
    let tmp = tempfile::tempdir().unwrap();
    let loaded = Loaded::new(tmp.path(), &dropped("cone", 1, json!({})));
    let lying_angle = (0.5f64).atan().to_degrees();
    let mut lying = 0;
    for scene in loaded.frames(8) {
        assert!(
            scene.physics.unwrap().at_rest,
            "frame {}",
            scene.frame_index
        );
        let axis = DQuat::from_array(scene.objects[0].pose_world.rotation_xyzw) * DVec3::Y;
        let elevation = axis.y.clamp(-1.0, 1.0).asin().to_degrees();
        let on_base = elevation > 88.0;
        let on_side = (elevation.abs() - lying_angle).abs() < 2.0;
        assert!(
            on_base || on_side,
            "frame {}: the cone's axis rests {elevation:.2}° above horizontal",
            scene.frame_index
        );
        lying += usize::from(on_side);
    }
    assert!(
        lying > 0,
        "no frame tipped the cone over: the side case went untested"
    );
}

#[test]
fn a_pile_that_cannot_settle_in_the_step_limit_is_recorded_or_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // Three steps cannot bring a cube dropped from up to a metre to rest.
    let loaded = Loaded::new(
        &tmp.path().join("warn"),
        &cubes(2, json!({ "max_steps": 3 })),
    );
    let scene = &loaded.frames(1)[0];
    let physics = scene.physics.as_ref().unwrap();
    assert!(!physics.at_rest && physics.steps == 3, "{physics:?}");
    assert_eq!(
        physics.unsettled_groups,
        vec![0],
        "the moving group is named"
    );
    let loaded = Loaded::new(
        &tmp.path().join("error"),
        &cubes(2, json!({ "max_steps": 3, "on_unsettled": "error" })),
    );
    let err = loaded.sampler().sample(11, 0).unwrap_err().to_string();
    assert!(
        err.contains("frame 0") && err.contains("objects[0]") && err.contains("physics.max_steps"),
        "{err}"
    );
}

#[test]
fn bad_physics_values_are_refused_with_their_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = cubes(1, json!({ "max_steps": 0, "gravity": -1 }));
    spec["objects"][0]["drop"]["restitution"] = json!(2);
    // A dropped asset cannot collide as a triangle mesh; decomposition settings need a
    // decomposition and values in range.
    spec["assets"][0]["collider"] = json!("mesh");
    spec["assets"][0]["decomposition"] = json!({ "resolution": 8, "concavity": 0 });
    let err = refusal(tmp.path(), &spec);
    for field in [
        "physics.max_steps",
        "physics.gravity",
        "objects[0].drop.restitution",
        "assets[0].collider",
        "assets[0].decomposition",
    ] {
        assert!(err.contains(field), "{field} not named: {err}");
    }
    assert!(err.contains("objects[0] drops `shape`"), "{err}");
    spec["assets"][0]["collider"] = json!("decomposition");
    let err = refusal(tmp.path(), &spec);
    for field in [
        "assets[0].decomposition.resolution",
        "assets[0].decomposition.concavity",
    ] {
        assert!(err.contains(field), "{field} not named: {err}");
    }
}

#[test]
fn bad_container_shapes_are_refused_with_their_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = cubes(1, json!({}));
    spec["objects"][0]["shape"] = json!({ "size": [0.5, 0.5, 0.5] });
    spec["assets"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "bin", "primitive": "bin", "normalize_diagonal": 1 }));
    spec["objects"].as_array_mut().unwrap().push(json!({
        "asset": "bin", "position": [0, 0.2, 0],
        "shape": { "size": { "uniform": { "min": [0.4, 0.3, 0.5], "max": [1, 0.5, 200] } },
                   "thickness": [0.01, 0.1] }
    }));
    spec["assets"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "tray", "primitive": "tray" }));
    spec["objects"].as_array_mut().unwrap().push(json!({
        "asset": "tray", "position": [1, 0.05, 0], "shape": { "thickness": 0.05 }
    }));
    let err = refusal(tmp.path(), &spec);
    for needle in [
        "objects[0].shape: asset `shape` is not a built-in bin, tray, shelf or table",
        "objects[1].shape: asset `bin` sets `normalize_diagonal`",
        "objects[1].shape.size: each side must lie in [0.02, 100] m",
        "objects[1].shape.thickness: must stay under a quarter of every side",
        // Without a size, the tray's own (10 cm tall) bounds the thickness.
        "objects[2].shape.thickness: must stay under a quarter of every side: up to 0.05 m \
         against sides down to 0.1 m",
    ] {
        assert!(err.contains(needle), "`{needle}` not said: {err}");
    }
}

/// A torus (ring radius 0.35, tube 0.15: a hole 0.4 m wide) lying on the floor, and an
/// 8 cm cube dropped over its hole from 0.6 m: where the cube comes to rest (its centre's
/// height), with the ring colliding as `collider` and dropped too or fixed.
fn cube_over_a_ring(collider: &str, ring_dropped: bool) -> f64 {
    let tmp = tempfile::tempdir().unwrap();
    let mut ring = json!({ "asset": "ring", "position": [0, 0.151, 0] });
    if ring_dropped {
        ring["drop"] = json!({ "height": 0 });
    }
    let spec = json!({
        "version": 2, "seed": 11, "frames": 1,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 2, 2], "look_at": [0, 0, 0] },
        "categories": [{ "name": "part" }],
        "assets": [
            { "name": "ring", "primitive": "torus", "collider": collider },
            { "name": "cube", "primitive": "cube", "category": "part" }
        ],
        "objects": [ring, { "asset": "cube", "scale": 0.08, "position": [0.02, 0.6, -0.01],
                            "drop": { "height": 0 } }]
    });
    let loaded = Loaded::new(tmp.path(), &spec);
    let scene = &loaded.frames(1)[0];
    assert!(
        scene.physics.as_ref().unwrap().at_rest,
        "{:?}",
        scene.physics
    );
    scene.objects[1].pose_world.translation[1]
}

/// With the ring colliding as `open`, the cube falls through its hole to the floor (its
/// centre at 4 cm); as `lidded`, it lands on the lid a hull puts over the hole (0.34 m).
fn assert_hole_kept(open: &str, lidded: &str, ring_dropped: bool) {
    let through = cube_over_a_ring(open, ring_dropped);
    assert!(
        (through - 0.04).abs() < 0.003,
        "as {open}, the cube rests at {through:.4}"
    );
    let on_lid = cube_over_a_ring(lidded, ring_dropped);
    assert!(
        (on_lid - 0.34).abs() < 0.01,
        "as {lidded}, the cube rests at {on_lid:.4}"
    );
}

#[test]
fn a_fixed_ring_collides_as_its_triangles_so_a_part_falls_through_its_hole() {
    // `auto` gives a fixed asset its triangle mesh.
    assert_hole_kept("auto", "hull", false);
}

#[test]
fn a_dropped_ring_decomposed_into_convex_pieces_keeps_its_hole() {
    // `auto` drops it as its hull.
    assert_hole_kept("decomposition", "auto", true);
}

/// Bins drawn at a size per instance (`shape`): the labels record each instance's size,
/// its cuboid spans that size, its mask fills the projection of that box (the rim of an
/// open box is its silhouette), and parts dropped into it rest inside its inner walls.
#[test]
fn containers_are_drawn_simulated_and_labeled_at_the_size_drawn_per_instance() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = json!({
        "version": 2, "seed": 5, "frames": 4,
        "resolution": { "width": 160, "height": 120 },
        "render": { "preset": "fast" },
        "camera": { "fov_y_deg": 50, "position": [0, 2.2, 1.6], "look_at": [0, 0, 0] },
        "lights": [{ "type": "directional", "direction": [0.2, -1, -0.3], "intensity": 3 }],
        "categories": [{ "name": "bin" }, { "name": "part" }],
        "assets": [
            { "name": "bin", "primitive": "bin", "category": "bin" },
            { "name": "cube", "primitive": "cube", "category": "part" }
        ],
        "objects": [
            { "asset": "bin", "placement": { "on_plane": { "x": [-0.1, 0.1], "z": [-0.1, 0.1] } },
              "rotation_deg": [0, 0, 0],
              "shape": { "size": { "uniform": { "min": [0.5, 0.15, 0.4], "max": [1.2, 0.4, 0.9] } },
                         "thickness": [0.01, 0.03] } },
            { "asset": "cube", "count": 8, "scale": 0.06, "rotation": "uniform",
              "position": { "uniform": { "min": [-0.15, 0.6, -0.12], "max": [0.15, 1.2, 0.12] } },
              "avoid_overlap": true, "max_trials": 500, "drop": { "height": 0 } }
        ]
    });
    let (_, out) = common::render_spec(tmp.path(), &spec);
    let mut sizes = Vec::new();
    for frame in 0..4 {
        let labels = common::read_json(&out.join(format!("labels/{frame:06}.json")));
        let bin = &labels["scene"]["objects"][0];
        let size: Vec<f64> = (0..3)
            .map(|k| bin["shape"]["size"][k].as_f64().unwrap())
            .collect();
        let thickness = bin["shape"]["thickness"].as_f64().unwrap();
        assert!(
            (0.5..=1.2).contains(&size[0]) && (0.15..=0.4).contains(&size[1]),
            "frame {frame}: size {size:?}"
        );
        sizes.push(size.clone());
        // Its cuboid spans the drawn size.
        let instance = labels["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["asset"] == "bin")
            .unwrap();
        let corner = |k: usize| {
            let c = &instance["cuboid_camera"][k];
            DVec3::new(
                c[0].as_f64().unwrap(),
                c[1].as_f64().unwrap(),
                c[2].as_f64().unwrap(),
            )
        };
        let spans: Vec<f64> = (0..8).map(|k| (corner(k) - corner(0)).length()).collect();
        let diagonal = DVec3::from_array([size[0], size[1], size[2]]).length();
        let longest = spans.iter().copied().fold(0.0, f64::max);
        assert!(
            (longest - diagonal).abs() < 1e-6,
            "frame {frame}: cuboid diagonal {longest} for a {size:?} bin"
        );
        // The mask's box is the projected cuboid's box (within a pixel and a half).
        let px: Vec<[f64; 2]> = (0..8)
            .map(|k| {
                let p = &instance["cuboid_pixels"][k];
                [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]
            })
            .collect();
        let lo = px
            .iter()
            .fold([f64::INFINITY; 2], |m, p| [m[0].min(p[0]), m[1].min(p[1])]);
        let hi = px.iter().fold([f64::NEG_INFINITY; 2], |m, p| {
            [m[0].max(p[0]), m[1].max(p[1])]
        });
        let bbox: Vec<f64> = (0..4)
            .map(|k| instance["bbox"][k].as_f64().unwrap())
            .collect();
        let mask = [bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]];
        for (got, want) in mask.iter().zip([lo[0], lo[1], hi[0], hi[1]]) {
            assert!(
                (got - want).abs() <= 1.5,
                "frame {frame}: mask box {mask:?} against the cuboid's {lo:?}..{hi:?}"
            );
        }
        // Parts dropped into it rest inside its inner walls, the lowest on its floor (the
        // bin stands on the ground, unturned; a cube's centre is 3 cm above what it lies on).
        let (hx, hz) = (size[0] / 2.0 - thickness, size[2] / 2.0 - thickness);
        let origin = &bin["pose_world"]["translation"];
        let (bx, bz) = (origin[0].as_f64().unwrap(), origin[2].as_f64().unwrap());
        let mut lowest = f64::INFINITY;
        for part in labels["scene"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
        {
            let t = &part["pose_world"]["translation"];
            let [x, y, z] = [0, 1, 2].map(|k| t[k].as_f64().unwrap());
            lowest = lowest.min(y);
            assert!(
                (x - bx).abs() < hx && (z - bz).abs() < hz,
                "frame {frame}: a part rests at ({x:.3}, {y:.3}, {z:.3}) outside a {size:?} bin"
            );
        }
        assert!(
            (lowest - (thickness + 0.03)).abs() < 0.003,
            "frame {frame}: the lowest part at {lowest:.4}, the floor's top at {thickness:.4}"
        );
    }
    assert!(
        sizes.windows(2).all(|w| w[0] != w[1]),
        "sizes repeat: {sizes:?}"
    );
}

/// Concave assets dropped tumbling as V-HACD pieces (a torus, the WaterBottle sample)
/// come to rest in every frame: a bottle on its side stops rather than rocking on its
/// pieces (it did, for the whole step limit, while rapier merged the pieces' contacts).
#[test]
fn decomposed_assets_dropped_tumbling_come_to_rest() {
    let Some(samples) = common::gltf_samples() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let bottle = samples.join("WaterBottle/glTF/WaterBottle.gltf");
    let group = |asset: &str, scale: f64| {
        json!({ "asset": asset, "count": 3, "rotation": "uniform", "scale": scale,
                "position": { "uniform": { "min": [-0.6, 0.3, -0.6], "max": [0.6, 1.0, 0.6] } },
                "drop": { "height": [0, 0.1] } })
    };
    let spec = json!({
        "version": 2, "seed": 3, "frames": 6,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 2, 2], "look_at": [0, 0, 0] },
        "categories": [{ "name": "thing" }],
        "assets": [
            { "name": "ring", "primitive": "torus", "category": "thing", "collider": "decomposition" },
            { "name": "bottle", "path": bottle, "normalize_diagonal": 0.3, "category": "thing",
              "collider": "decomposition" }
        ],
        "objects": [group("ring", 0.3), group("bottle", 1.0)]
    });
    let loaded = Loaded::new(tmp.path(), &spec);
    assert!(
        loaded.colliders.iter().all(
            |c| matches!(&c.dropped, Some(synthvis::physics::Collider::Pieces(p)) if p.len() > 1)
        ),
        "both assets decompose into pieces"
    );
    for scene in loaded.frames(6) {
        let physics = scene.physics.as_ref().unwrap();
        assert!(physics.at_rest, "frame {}: {physics:?}", scene.frame_index);
    }
}

/// Rendered with dropped objects, a dataset is the same bytes whatever the thread count
/// and frame range (the simulation runs ahead of rendering on rayon's pool).
#[test]
fn a_dropped_pile_renders_the_same_bytes_across_threads_and_ranges() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = dropped("cylinder", 8, json!({}));
    spec["objects"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "asset": "shape", "count": 4, "scale": 0.15,
                      "position": { "uniform": { "min": [-0.3, 0.3, -0.3], "max": [0.3, 1.2, 0.3] } },
                      "rotation": "uniform", "avoid_overlap": false }));
    spec["lights"] =
        json!([{ "type": "directional", "direction": [0.3, -1, -0.2], "intensity": 3 }]);
    let loaded = common::write_spec(tmp.path(), &spec);
    let render = |name: &str, frames: std::ops::Range<u64>, threads: usize| {
        let out = tmp.path().join(name);
        common::render_threads(&loaded, &out, frames, Some(threads));
        out
    };
    let a = render("a", 0..4, 1);
    let b = render("b", 2..4, 2);
    for file in [
        "rgb/000002.png",
        "rgb/000003.png",
        "instance/000003.png",
        "labels/000003.json",
    ] {
        assert!(
            std::fs::read(a.join(file)).unwrap() == std::fs::read(b.join(file)).unwrap(),
            "{file} differs between one thread over 0..4 and two over 2..4"
        );
    }
    let labels = common::read_json(&a.join("labels/000003.json"));
    assert!(
        labels["scene"]["physics"]["steps"].as_u64().unwrap() > 0,
        "{}",
        labels["scene"]["physics"]
    );
}

#[test]
fn parts_dropped_into_a_bin_settle_inside_its_walls() {
    // The bin (1 × 0.4 × 0.8 m outside, 2 cm walls) stands on the floor; twenty 8 cm
    // cubes and cylinders fall into it from above its opening.
    let tmp = tempfile::tempdir().unwrap();
    let parts = |asset: &str| {
        json!({ "asset": asset, "count": 10, "scale": 0.08, "rotation": "uniform",
                "position": { "uniform": { "min": [-0.4, 0.5, -0.3], "max": [0.4, 1.4, 0.3] } },
                "avoid_overlap": true, "max_trials": 500, "drop": { "height": 0 } })
    };
    let spec = json!({
        "version": 2, "seed": 11, "frames": 4,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 2, 0.5], "look_at": [0, 0, 0] },
        "categories": [{ "name": "part" }],
        "assets": [
            { "name": "bin", "primitive": "bin" },
            { "name": "cube", "primitive": "cube", "category": "part" },
            { "name": "cylinder", "primitive": "cylinder", "category": "part" }
        ],
        "objects": [{ "asset": "bin", "position": [0, 0.2, 0] }, parts("cube"), parts("cylinder")]
    });
    let loaded = Loaded::new(tmp.path(), &spec);
    for scene in loaded.frames(4) {
        let physics = scene.physics.as_ref().unwrap();
        assert!(physics.at_rest, "frame {}: {physics:?}", scene.frame_index);
        for o in &scene.objects[1..] {
            let [x, y, z] = o.pose_world.translation;
            // Inside the walls (inner half sides 0.48 and 0.38), above the bin's floor
            // (its top at y = 0.02) and below its rim (y = 0.4): in it, not spilled onto
            // the ground nor lying on a lid a convex hull would have made.
            assert!(
                x.abs() < 0.48 && z.abs() < 0.38 && y > 0.02 && y < 0.38,
                "frame {}: a part rests at ({x:.3}, {y:.3}, {z:.3}), outside the bin",
                scene.frame_index
            );
        }
    }
}

/// Round parts (cans and cylinders, whose hulls have many-sided caps) dropped tumbling onto
/// a table and into a bin come to rest in every frame: a can standing on its cap or lying
/// on its side stops, rather than rocking or rolling on until the step limit.
#[test]
fn round_parts_come_to_rest_on_boards_in_every_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let can = common::assets_dir().join("can.glb");
    let parts = |asset: &str, min: [f64; 3], max: [f64; 3]| {
        json!({ "asset": asset, "count": 6, "scale": 0.1, "rotation": "uniform",
                "position": { "uniform": { "min": min, "max": max } },
                "avoid_overlap": true, "max_trials": 500,
                "drop": { "height": [0, 0.1], "friction": [0.3, 0.9], "restitution": [0, 0.3] } })
    };
    let spec = json!({
        "version": 2, "seed": 11, "frames": 12,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 2, 2], "look_at": [0, 0, 0] },
        "categories": [{ "name": "part" }],
        "assets": [
            { "name": "table", "primitive": "table" },
            { "name": "bin", "primitive": "bin" },
            { "name": "can", "path": can, "category": "part" },
            { "name": "cylinder", "primitive": "cylinder", "category": "part" }
        ],
        "objects": [
            { "asset": "table", "position": [-1.5, 0.375, 0] },
            { "asset": "bin", "position": [1.5, 0.2, 0] },
            parts("can", [-1.9, 1.0, -0.25], [-1.1, 1.6, 0.25]),
            parts("cylinder", [-1.9, 1.0, -0.25], [-1.1, 1.6, 0.25]),
            parts("can", [1.1, 0.5, -0.25], [1.9, 1.0, 0.25]),
            parts("cylinder", [1.1, 0.5, -0.25], [1.9, 1.0, 0.25])
        ],
        "physics": { "max_steps": 1200 }
    });
    let loaded = Loaded::new(tmp.path(), &spec);
    for scene in loaded.frames(12) {
        let physics = scene.physics.as_ref().unwrap();
        assert!(
            physics.at_rest && physics.steps < 900,
            "frame {}: {physics:?}",
            scene.frame_index
        );
    }
}

/// `scenes/bin_picking.json` at a small resolution, rendered by two processes (one with
/// one thread over frames 0..4, one with two over 2..4): the same files for frames 2
/// and 3, piles and all.
#[test]
fn two_processes_render_the_bin_scene_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut spec: Value = common::read_json(&scenes.join("bin_picking.json"));
    spec["resolution"] = json!({ "width": 96, "height": 72 });
    for asset in spec["assets"].as_array_mut().unwrap() {
        if let Some(p) = asset["path"].as_str() {
            asset["path"] = json!(scenes.join(p));
        }
    }
    let path = tmp.path().join("bin.json");
    std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
    let render = |name: &str, frames: &str, threads: &str| {
        let out = tmp.path().join(name);
        let o = common::synthvis_command()
            .args([
                "render",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .args(["--frames", frames, "--threads", threads])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", common::stderr(&o));
        out
    };
    let a = render("a", "0..4", "1");
    let b = render("b", "2..4", "2");
    for frame in ["000002", "000003"] {
        for kind in ["rgb", "depth", "instance", "class"] {
            let file = format!("{kind}/{frame}.png");
            assert!(
                std::fs::read(a.join(&file)).unwrap() == std::fs::read(b.join(&file)).unwrap(),
                "{file} differs between the two processes"
            );
        }
        let file = format!("labels/{frame}.json");
        assert!(
            std::fs::read(a.join(&file)).unwrap() == std::fs::read(b.join(&file)).unwrap(),
            "{file} differs between the two processes"
        );
    }
    let labels = common::read_json(&a.join("labels/000003.json"));
    assert!(labels["scene"]["physics"]["steps"].as_u64().unwrap() > 0);
}

//! Physics placement (`drop` and `physics`): dropped objects come to rest on their faces,
//! on the floor and on each other, the same way every time, and a simulation that cannot
//! settle says so.

use glam::{DMat3, DQuat, DVec3};
use serde_json::{Value, json};

use crate::common;
use synthvis::randomize::FrameSampler;
use synthvis::scene::FrameScene;

/// Cubes of `side` metres placed at random heights and turns above the floor, dropped.
fn cubes(count: u32, physics: Value) -> Value {
    json!({
        "version": 2, "seed": 11, "frames": 8,
        "resolution": { "width": 64, "height": 48 },
        "camera": { "fov_y_deg": 45, "position": [0, 2, 2], "look_at": [0, 0, 0] },
        "categories": [{ "name": "cube" }],
        "assets": [{ "name": "cube", "primitive": "cube", "category": "cube" }],
        "objects": [{
            "asset": "cube", "count": count, "scale": 0.2,
            "position": { "uniform": { "min": [-0.3, 0.3, -0.3], "max": [0.3, 1.2, 0.3] } },
            "rotation": "uniform", "avoid_overlap": true, "max_trials": 500,
            "drop": { "height": [0, 0.1], "friction": [0.4, 0.8], "restitution": 0.1 }
        }],
        "physics": physics
    })
}

fn sampler_for(dir: &std::path::Path, spec: &Value) -> (synthvis::LoadedSpec, Vec<(DVec3, DVec3)>) {
    std::fs::create_dir_all(dir).unwrap();
    let loaded = common::write_spec(dir, spec);
    let bounds = synthvis::assets::AssetLibrary::load(&loaded)
        .unwrap()
        .bounds();
    (loaded, bounds)
}

fn frames(loaded: &synthvis::LoadedSpec, bounds: &[(DVec3, DVec3)], n: u64) -> Vec<FrameScene> {
    let sampler = FrameSampler::new(&loaded.resolved, bounds).unwrap();
    (0..n).map(|f| sampler.sample(11, f).unwrap()).collect()
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
    let (loaded, bounds) = sampler_for(tmp.path(), &cubes(1, json!({})));
    for scene in frames(&loaded, &bounds, 8) {
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

#[test]
fn dropped_cubes_rest_without_sinking_into_each_other_the_same_way_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    let (loaded, bounds) = sampler_for(tmp.path(), &cubes(6, json!({ "gravity": [9, 10] })));
    let a = frames(&loaded, &bounds, 4);
    for scene in &a {
        let physics = scene.physics.unwrap();
        assert!(physics.at_rest, "frame {}: {physics:?}", scene.frame_index);
        for o in &scene.objects {
            let lowest = corners(o).iter().map(|c| c.y).fold(f64::INFINITY, f64::min);
            assert!(
                lowest > -0.002,
                "frame {}: a cube sank to {lowest:.4}",
                scene.frame_index
            );
            // At rest on the floor or on others, not hanging in the air above its start.
            let start = o.initial_pose_world.as_ref().unwrap().translation[1];
            assert!(o.pose_world.translation[1] <= start + 0.002);
        }
    }
    // The same frames sampled again, in another order and by another sampler: the
    // same bytes.
    let sampler = FrameSampler::new(&loaded.resolved, &bounds).unwrap();
    for f in [3u64, 1, 2, 0] {
        let again = serde_json::to_vec(&sampler.sample(11, f).unwrap()).unwrap();
        assert!(
            again == serde_json::to_vec(&a[f as usize]).unwrap(),
            "frame {f} settled differently when sampled again"
        );
    }
}

#[test]
fn a_pile_that_cannot_settle_in_the_step_limit_is_recorded_or_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // Three steps cannot bring a cube dropped from up to a metre to rest.
    let (loaded, bounds) = sampler_for(
        &tmp.path().join("warn"),
        &cubes(2, json!({ "max_steps": 3 })),
    );
    let scene = &frames(&loaded, &bounds, 1)[0];
    let physics = scene.physics.unwrap();
    assert!(!physics.at_rest && physics.steps == 3, "{physics:?}");
    let (loaded, bounds) = sampler_for(
        &tmp.path().join("error"),
        &cubes(2, json!({ "max_steps": 3, "on_unsettled": "error" })),
    );
    let err = FrameSampler::new(&loaded.resolved, &bounds)
        .unwrap()
        .sample(11, 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("frame 0") && err.contains("physics.max_steps"),
        "{err}"
    );
}

#[test]
fn bad_physics_values_are_refused_with_their_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = cubes(1, json!({ "max_steps": 0, "gravity": -1 }));
    spec["objects"][0]["drop"]["restitution"] = json!(2);
    let path = tmp.path().join("spec.json");
    std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
    let err = synthvis::spec::LoadedSpec::from_file(&path)
        .unwrap_err()
        .to_string();
    for field in [
        "physics.max_steps",
        "physics.gravity",
        "objects[0].drop.restitution",
    ] {
        assert!(err.contains(field), "{field} not named: {err}");
    }
}

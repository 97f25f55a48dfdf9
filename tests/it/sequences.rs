//! Sequences (spec version 3): optical flow against a reprojection written here from the
//! frames' own labels and cameras, and against the next frame's pixels (warping); track
//! ids; sequences byte-identical across workers, shards and merge.

use std::collections::BTreeMap;
use std::path::Path;

use glam::{DMat3, DMat4, DVec3};
use serde_json::{Value, json};
use synthvis::labels::flow::{FlowDirection, UNKNOWN_FLOW};
use synthvis::{Frame, LoadedSpec};

use crate::common;

const W: usize = 160;
const H: usize = 120;

/// A static textured floor (diffuse, ambient light only, so colours do not depend on the
/// view), labelled objects that move and spin, and a camera that orbits and dollies.
fn moving_scene() -> Value {
    let assets = common::assets_dir();
    json!({
        "version": 3, "seed": 11, "frames": 2,
        "sequence": { "steps": 4, "fps": 10 },
        "resolution": { "width": W, "height": H },
        "camera": {
            "fov_y_deg": 50,
            "orbit": { "target": [0, 0.2, 0], "distance": 2.0, "elevation_deg": 35, "azimuth_deg": [0, 360] },
            "motion": { "orbit_deg_per_s": 40, "velocity": [0.2, 0, 0.1] }
        },
        "categories": [ { "name": "cube" }, { "name": "can" } ],
        "assets": [
            { "name": "cube", "path": assets.join("cube.glb"), "category": "cube", "normalize_diagonal": 0.35 },
            { "name": "can", "path": assets.join("can.glb"), "category": "can", "normalize_diagonal": 0.35 },
            { "name": "floor", "primitive": "plane" }
        ],
        "objects": [
            { "asset": "floor", "position": [0, 0, 0], "scale": 4.0,
              "material": { "texture": { "checker": { "colors": [[0.8, 0.3, 0.2], [0.2, 0.5, 0.8]], "scale": 4 } },
                            "roughness": 1.0, "metallic": 0.0 } },
            { "asset": { "choice": ["cube", "can"] }, "count": 4,
              "position": { "uniform": { "min": [-0.5, 0.15, -0.5], "max": [0.5, 0.5, 0.5] } },
              "rotation": "uniform",
              "motion": {
                  "velocity": { "uniform": { "min": [-0.4, -0.1, -0.4], "max": [0.4, 0.1, 0.4] } },
                  "angular_velocity_deg": { "uniform": { "min": [-90, -90, -90], "max": [90, 90, 90] } }
              },
              "material": { "roughness": 1.0, "metallic": 0.0 } }
        ],
        "lights": [],
        "ambient": { "intensity": 1.0 },
        "background": { "color": [0, 0, 0] },
        "outputs": { "flow": true, "depth_exr": true }
    })
}

fn mat4(rows: &[[f64; 4]; 4]) -> DMat4 {
    DMat4::from_cols_array_2d(rows).transpose()
}

fn mat3(rows: &[[f64; 3]; 3]) -> DMat3 {
    DMat3::from_cols_array_2d(rows).transpose()
}

/// Each labelled instance's world pose by track id.
fn poses(frame: &Frame) -> BTreeMap<u64, (u16, DMat4)> {
    frame
        .labels
        .instances
        .iter()
        .map(|i| {
            let track = i.track_id.expect("a sequence's instance has a track id");
            (track, (i.instance_id, mat4(&i.pose_world.matrix)))
        })
        .collect()
}

/// Pixels whose 5×5 neighbourhood shows one instance id (away from silhouettes).
fn interior(ids: &[u32]) -> Vec<bool> {
    (0..W * H)
        .map(|i| {
            let (u, v) = ((i % W) as i64, (i / W) as i64);
            (-2..=2).all(|dv| {
                (-2..=2).all(|du| {
                    let (x, y) = (u + du, v + dv);
                    x >= 0
                        && y >= 0
                        && (x as usize) < W
                        && (y as usize) < H
                        && ids[y as usize * W + x as usize] == ids[i]
                })
            })
        })
        .collect()
}

/// Where pixel `i` of `now`'s surface is in `other`, camera frame of `other`, by the
/// poses and cameras both frames' labels carry (the flow's definition, written out).
fn reprojected(now: &Frame, other: &Frame, i: usize) -> Option<DVec3> {
    let z = f64::from(now.buffers.depth[i]);
    if z <= 0.0 {
        return None;
    }
    let (u, v) = ((i % W) as f64, (i / W) as f64);
    let k = mat3(&now.scene.camera.k);
    let cam = k.inverse() * DVec3::new(u * z, v * z, z);
    let world = mat4(&now.scene.camera.camera_to_world) * cam.extend(1.0);
    let id = now.buffers.instance[i];
    let moved = if id == 0 {
        world
    } else {
        let (now_poses, other_poses) = (poses(now), poses(other));
        let track = now_poses
            .iter()
            .find(|(_, (iid, _))| u32::from(*iid) == id)
            .map(|(t, _)| *t)?;
        other_poses[&track].1 * now_poses[&track].1.inverse() * world
    };
    Some((mat4(&other.scene.camera.world_to_camera) * moved).truncate())
}

fn project(frame: &Frame, p: DVec3) -> [f64; 2] {
    let q = mat3(&frame.scene.camera.k) * p;
    [q.x / q.z, q.y / q.z]
}

fn bilinear(rgb: &[u8], x: f64, y: f64) -> [f64; 3] {
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let at = |xx: usize, yy: usize, c: usize| f64::from(rgb[(yy * W + xx) * 3 + c]);
    std::array::from_fn(|c| {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x0 + 1, y0, c) * fx;
        let bottom = at(x0, y0 + 1, c) * (1.0 - fx) + at(x0 + 1, y0 + 1, c) * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

fn sequence_frames(dir: &Path) -> (LoadedSpec, Vec<Frame>) {
    let spec = common::write_spec(dir, &moving_scene());
    let mut r = common::renderer(&spec, spec.spec.seed);
    let frames = r.frames(0..8).map(Result::unwrap).collect();
    (spec, frames)
}

/// `now`'s flow towards `other` (the same camera's next or previous step) against the
/// reprojection of its depth; returns the pixels checked.
fn assert_flow_is_the_reprojection(now: &Frame, other: &Frame, direction: FlowDirection) -> usize {
    let flow = now
        .optical_flow(direction)
        .unwrap()
        .expect("a step with a neighbour has a flow");
    let inside = interior(&now.buffers.instance);
    let (mut worst, mut checked) = (0.0f64, 0);
    for i in 0..W * H {
        let Some(p) = reprojected(now, other, i) else {
            assert!(
                flow[i][0] >= UNKNOWN_FLOW,
                "pixel {i} without a surface holds a flow"
            );
            continue;
        };
        assert!(
            flow[i][0].abs() < 1e9,
            "pixel {i} with a surface holds the unknown value"
        );
        if !inside[i] || p.z <= 0.0 {
            continue;
        }
        let [x, y] = project(other, p);
        let expected = [x - (i % W) as f64, y - (i / W) as f64];
        let err = (f64::from(flow[i][0]) - expected[0]).hypot(f64::from(flow[i][1]) - expected[1]);
        worst = worst.max(err);
        checked += 1;
    }
    assert!(
        worst < 0.01,
        "frame {} {direction:?}: flow off the reprojection by {worst} px",
        now.index
    );
    checked
}

#[test]
fn flow_matches_the_reprojection_of_depth_by_poses_and_cameras() {
    let dir = tempfile::tempdir().unwrap();
    let (_, frames) = sequence_frames(dir.path());
    let mut checked = 0usize;
    for steps in frames.chunks(4) {
        for t in 0..4usize {
            let now = &steps[t];
            assert_eq!(
                t < 3,
                now.optical_flow(FlowDirection::Forward).unwrap().is_some()
            );
            assert_eq!(
                t > 0,
                now.optical_flow(FlowDirection::Backward).unwrap().is_some()
            );
            if t < 3 {
                checked +=
                    assert_flow_is_the_reprojection(now, &steps[t + 1], FlowDirection::Forward);
            }
            if t > 0 {
                checked +=
                    assert_flow_is_the_reprojection(now, &steps[t - 1], FlowDirection::Backward);
            }
        }
    }
    assert!(checked > 10_000, "only {checked} pixels checked");
}

#[test]
fn the_next_frame_warped_by_the_forward_flow_reproduces_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (_, frames) = sequence_frames(dir.path());
    let mut moved = 0.0f64;
    for steps in frames.chunks(4) {
        for t in 0..3 {
            let (now, next) = (&steps[t], &steps[t + 1]);
            let flow = now.optical_flow(FlowDirection::Forward).unwrap().unwrap();
            let back = next.optical_flow(FlowDirection::Backward).unwrap().unwrap();
            let inside = interior(&now.buffers.instance);
            let (mut visible, mut in_image) = (0usize, 0usize);
            let (mut err_flow, mut err_still) = (Vec::new(), Vec::new());
            let mut round_trip = Vec::new();
            for i in 0..W * H {
                let Some(p) = reprojected(now, next, i).filter(|_| inside[i]) else {
                    continue;
                };
                let (u, v) = ((i % W) as f64, (i / W) as f64);
                let (x, y) = (u + f64::from(flow[i][0]), v + f64::from(flow[i][1]));
                if !(x >= 1.0 && y >= 1.0 && x < (W - 2) as f64 && y < (H - 2) as f64) || p.z <= 0.0
                {
                    continue;
                }
                in_image += 1;
                moved = moved.max(f64::from(flow[i][0]).hypot(f64::from(flow[i][1])));
                // Occlusion by a depth test: the point is what the next frame shows there.
                let j = y.round() as usize * W + x.round() as usize;
                let shown = f64::from(next.buffers.depth[j]);
                if next.buffers.instance[j] != now.buffers.instance[i]
                    || (shown - p.z).abs() > 0.02 * p.z
                {
                    continue;
                }
                visible += 1;
                let warped = bilinear(&next.buffers.rgb, x, y);
                let still = bilinear(&next.buffers.rgb, u, v);
                let own: [f64; 3] = std::array::from_fn(|c| f64::from(now.buffers.rgb[i * 3 + c]));
                let diff = |a: [f64; 3]| (0..3).map(|c| (a[c] - own[c]).abs()).sum::<f64>() / 3.0;
                err_flow.push(diff(warped));
                err_still.push(diff(still));
                round_trip.push(
                    (f64::from(flow[i][0]) + f64::from(back[j][0]))
                        .hypot(f64::from(flow[i][1]) + f64::from(back[j][1])),
                );
            }
            assert!(
                visible * 10 >= in_image * 8,
                "step {t}: only {visible} of {in_image} pixels land where the next frame shows the same surface"
            );
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (warp, still) = (mean(&err_flow), mean(&err_still));
            let mut sorted = err_flow.clone();
            sorted.sort_by(f64::total_cmp);
            let p90 = sorted[sorted.len() * 9 / 10];
            // Tolerance: 90 % of the visible pixels within 1.5 of 255 levels (they differ
            // only by resampling); the mean within 4 (the checker's edges, resampled,
            // differ by up to the contrast of its colours).
            assert!(
                p90 < 1.5,
                "step {t}: 90th percentile of the warp error {p90:.2} levels"
            );
            assert!(
                warp < 4.0,
                "step {t}: the warped next frame differs by {warp:.2} levels on average"
            );
            assert!(
                still > 3.0 * warp,
                "step {t}: warping ({warp:.2}) is no better than not moving ({still:.2})"
            );
            round_trip.sort_by(f64::total_cmp);
            let p95 = round_trip[round_trip.len() * 95 / 100];
            assert!(
                p95 < 0.75,
                "step {t}: forward then backward flow misses by {p95:.3} px (95th percentile)"
            );
        }
    }
    assert!(
        moved > 5.0,
        "the scene barely moves ({moved:.1} px): the test would prove little"
    );
}

#[test]
fn track_ids_keep_their_object_through_the_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let (_, frames) = sequence_frames(dir.path());
    for steps in frames.chunks(4) {
        let first: BTreeMap<u64, String> = steps[0]
            .labels
            .instances
            .iter()
            .map(|i| (i.track_id.unwrap(), i.asset.clone()))
            .collect();
        assert!(first.len() >= 4);
        for (t, f) in steps.iter().enumerate() {
            let seq = f.scene.sequence.as_ref().unwrap();
            assert_eq!(seq.step as usize, t);
            let these: BTreeMap<u64, String> = f
                .labels
                .instances
                .iter()
                .map(|i| (i.track_id.unwrap(), i.asset.clone()))
                .collect();
            assert_eq!(these, first, "step {t}: the tracks changed");
        }
        // The camera and the objects did move.
        assert_ne!(
            steps[0].scene.camera.world_to_camera,
            steps[3].scene.camera.world_to_camera
        );
        assert_ne!(
            steps[0].labels.instances[0].pose_world,
            steps[3].labels.instances[0].pose_world
        );
    }
}

#[test]
fn a_sequence_dataset_is_the_same_across_workers_shards_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let spec_file = dir.path().join("seq.json");
    std::fs::write(&spec_file, serde_json::to_vec(&moving_scene()).unwrap()).unwrap();
    let whole = dir.path().join("whole");
    let o = common::render(&spec_file, &whole, &["--workers", "1"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let coco = common::read_json(&whole.join("annotations.json"));
    assert_eq!(coco["images"].as_array().unwrap().len(), 8);
    let videos = coco["videos"].as_array().unwrap();
    assert_eq!(videos.len(), 2);
    assert_eq!(videos[1]["id"], 2);
    assert_eq!(videos[1]["length"], 4);
    for image in coco["images"].as_array().unwrap() {
        let (frame, step) = (
            image["frame_index"].as_u64().unwrap(),
            image["frame_id"].as_u64().unwrap(),
        );
        assert_eq!(image["video_id"].as_u64().unwrap(), frame / 4 + 1);
        assert_eq!(step, frame % 4);
        assert_eq!(image["camera"], "camera");
        assert_eq!(
            image.get("flow_forward_file_name").is_some(),
            step < 3,
            "{image}"
        );
        assert_eq!(
            image.get("flow_backward_file_name").is_some(),
            step > 0,
            "{image}"
        );
    }
    let annotations = coco["annotations"].as_array().unwrap();
    assert!(!annotations.is_empty());
    assert!(annotations.iter().all(|a| a["track_id"].as_u64().is_some()));

    // MOTChallenge: a folder per sequence, a gt.txt line per annotation.
    let mot = dir.path().join("mot");
    let mut cmd = common::synthvis_command();
    let o = cmd
        .args(["export", "mot"])
        .arg(&whole)
        .arg("--out")
        .arg(&mot)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let mut lines = 0;
    for s in 0..2 {
        let folder = mot.join(format!("sequence_{s:06}"));
        let info = std::fs::read_to_string(folder.join("seqinfo.ini")).unwrap();
        assert!(
            info.contains("seqLength=4") && info.contains("frameRate=10"),
            "{info}"
        );
        assert_eq!(std::fs::read_dir(folder.join("img1")).unwrap().count(), 4);
        let gt = std::fs::read_to_string(folder.join("gt/gt.txt")).unwrap();
        for line in gt.lines() {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 9, "{line}");
            let frame: u64 = f[0].parse().unwrap();
            assert!((1..=4).contains(&frame));
        }
        lines += gt.lines().count();
    }
    let annotated = annotations.iter().filter(|a| a["iscrowd"] == 0).count();
    assert!(
        lines >= annotated,
        "{lines} gt lines for {annotated} annotations"
    );
    // A dataset of still frames has no sequences to export.
    let stills = dir.path().join("stills");
    let o = common::render(&common::small_spec(dir.path(), 1), &stills, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = common::synthvis_command()
        .args(["export", "mot"])
        .arg(&stills)
        .arg("--out")
        .arg(dir.path().join("mot-stills"))
        .output()
        .unwrap();
    common::assert_fails_with(&o, 2, "not part of a sequence");

    let two = dir.path().join("two-workers");
    let o = common::render(&spec_file, &two, &["--workers", "2"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    common::assert_same_files(&whole, &two, |p| p == "manifest.json");

    // Three shards of two sequences: whole sequences each (one shard gets none).
    let mut parts = Vec::new();
    for k in 0..3 {
        let part = dir.path().join(format!("part{k}"));
        let o = common::render(&spec_file, &part, &["--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        let manifest = common::read_json(&part.join("manifest.json"));
        let range = manifest["frames"].as_array().unwrap();
        for edge in range {
            assert_eq!(
                edge.as_u64().unwrap() % 4,
                0,
                "shard {k} splits a sequence: {range:?}"
            );
        }
        parts.push(part);
    }
    let merged = dir.path().join("merged");
    let o = common::merge(&merged, &parts);
    assert!(o.status.success(), "{}", common::stderr(&o));
    common::assert_same_files(&whole, &merged, |p| {
        p == "manifest.json" || p == "shards.json"
    });
}

#[test]
fn a_killed_or_damaged_sequence_run_resumes_into_the_bytes_of_a_whole_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = moving_scene();
    spec["frames"] = json!(3);
    spec["outputs"] = json!({ "flow": true, "depth_exr": true, "scene_flow": true });
    let spec_file = dir.path().join("seq.json");
    std::fs::write(&spec_file, serde_json::to_vec(&spec).unwrap()).unwrap();
    let whole = dir.path().join("whole");
    let o = common::render(&spec_file, &whole, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let same = |a: &Path, b: &Path| common::assert_same_files(a, b, |_| false);

    // Killed mid-sequence (a frame's flow needs neighbours the run had not written).
    let mut interrupted = 0;
    for (k, finished) in [2usize, 6].into_iter().enumerate() {
        let out = dir.path().join(format!("killed{k}"));
        let labels = out.join("labels");
        interrupted += u32::from(common::render_killed_when(
            &spec_file,
            &out,
            &[],
            |_| common::finished_files(&labels) >= finished,
            std::time::Duration::from_millis(2 * k as u64),
        ));
        let o = common::render(&spec_file, &out, &["--resume"]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        same(&whole, &out);
    }
    assert!(interrupted >= 1, "no kill caught the run unfinished");

    // Damaged frames inside sequences: each is rendered again with the neighbours its
    // flow and masks need, which stay as they were.
    let damaged = dir.path().join("damaged");
    let o = common::render(&spec_file, &damaged, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    std::fs::remove_file(damaged.join("flow_forward/000005.flo")).unwrap();
    let mask = damaged.join("occlusion_backward/000002.png");
    let bytes = std::fs::read(&mask).unwrap();
    std::fs::write(&mask, &bytes[..bytes.len() / 2]).unwrap();
    let o = common::render(&spec_file, &damaged, &["--resume"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("10 frames were finished already"),
        "{}",
        common::stderr(&o)
    );
    same(&whole, &damaged);
}

/// A change to a spec.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn sequence_fields_are_refused_where_they_cannot_apply() {
    let cases: [(&str, Edit, &str); 6] = [
        (
            "version 2",
            Box::new(|v| v["version"] = json!(2)),
            "sequence",
        ),
        (
            "no sequence",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("sequence");
            }),
            "objects[1].motion",
        ),
        (
            "zero steps",
            Box::new(|v| v["sequence"]["steps"] = json!(0)),
            "sequence.steps",
        ),
        (
            "bad fps",
            Box::new(|v| v["sequence"]["fps"] = json!(-1)),
            "sequence.fps",
        ),
        (
            "orbit rate without an orbit",
            Box::new(|v| {
                let cam = v["camera"].as_object_mut().unwrap();
                cam.remove("orbit");
                cam.insert("position".into(), json!([0, 1, 2]));
            }),
            "camera.motion.orbit_deg_per_s",
        ),
        (
            "a moving unlabelled asset",
            Box::new(|v| v["objects"][0]["motion"] = json!({ "velocity": [1, 0, 0] })),
            "objects[0].motion",
        ),
    ];
    for (name, edit, path) in cases {
        let mut v = moving_scene();
        edit(&mut v);
        let bytes = serde_json::to_vec(&v).unwrap();
        let err = match LoadedSpec::from_bytes(bytes, Path::new("seq.json")) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(path),
            "{name}: the error does not name {path}: {err}"
        );
    }
}

/// The moving scene filmed by a rig of three cameras (two with lenses of their own) for
/// one sequence of three steps.
fn rig_scene() -> Value {
    let mut v = moving_scene();
    v["frames"] = json!(1);
    v["sequence"] = json!({ "steps": 3, "fps": 10 });
    v["cameras"] = json!([
        { "name": "centre" },
        { "name": "left", "position": [-0.3, 0, 0], "rotation_deg": [0, 8, 0], "fov_y_deg": 60 },
        { "name": "high", "position": [0, -0.2, 0.1], "rotation_deg": [-5, 0, 0],
          "intrinsics": { "fx": 150, "fy": 150, "cx": 79.5, "cy": 59.5 } }
    ]);
    v
}

#[test]
fn a_rig_films_one_scene_state_per_step_and_each_camera_has_its_own_flow() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::write_spec(dir.path(), &rig_scene());
    assert_eq!(spec.spec.images(), 9);
    let mut r = common::renderer(&spec, spec.spec.seed);
    let frames: Vec<Frame> = r.frames(0..9).map(Result::unwrap).collect();
    let names = ["centre", "left", "high"];
    for (i, f) in frames.iter().enumerate() {
        let seq = f.scene.sequence.as_ref().unwrap();
        assert_eq!(
            (seq.step as usize, seq.camera_index as usize),
            (i / 3, i % 3)
        );
        assert_eq!(seq.camera, names[i % 3]);
    }
    assert_eq!(frames[2].scene.camera.k[0][0], 150.0);
    assert_ne!(
        frames[0].scene.camera.k[0][0],
        frames[1].scene.camera.k[0][0]
    );
    for step in frames.chunks(3) {
        // One scene state: every camera sees the objects at the same poses.
        let poses: Vec<Vec<_>> = step
            .iter()
            .map(|f| {
                f.scene
                    .objects
                    .iter()
                    .map(|o| o.pose_world.clone())
                    .collect()
            })
            .collect();
        assert!(poses.iter().all(|p| *p == poses[0]));
        // The cameras sit where the rig puts them: `left` 0.3 m to the rig's left.
        let centre = DVec3::from_array(step[0].scene.camera.position);
        let left = DVec3::from_array(step[1].scene.camera.position);
        assert!(((centre - left).length() - 0.3).abs() < 1e-9);
        let x_axis = mat4(&step[0].scene.camera.camera_to_world).transform_vector3(DVec3::X);
        assert!(((left - centre).dot(x_axis) + 0.3).abs() < 1e-9);
    }
    let mut checked = 0;
    for (i, now) in frames.iter().enumerate() {
        if i + 3 < 9 {
            checked += assert_flow_is_the_reprojection(now, &frames[i + 3], FlowDirection::Forward);
        }
        if i >= 3 {
            checked +=
                assert_flow_is_the_reprojection(now, &frames[i - 3], FlowDirection::Backward);
        }
    }
    assert!(checked > 5_000, "only {checked} pixels checked");
}

#[test]
fn stereo_disparity_is_f_b_over_depth_and_matches_the_right_image() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = moving_scene();
    v["frames"] = json!(1);
    v["sequence"] = json!({ "steps": 2, "fps": 10 });
    v["stereo"] = json!({ "baseline": 0.12 });
    v["outputs"]["disparity"] = json!(true);
    let spec = common::write_spec(dir.path(), &v);
    let mut r = common::renderer(&spec, spec.spec.seed);
    let frames: Vec<Frame> = r.frames(0..4).map(Result::unwrap).collect();
    for pair in frames.chunks(2) {
        let (left, right) = (&pair[0], &pair[1]);
        assert_eq!(left.scene.sequence.as_ref().unwrap().camera, "left");
        assert_eq!(right.scene.sequence.as_ref().unwrap().camera, "right");
        // The right camera sits the baseline along the left camera's x axis.
        let lw = mat4(&left.scene.camera.world_to_camera);
        let rw = mat4(&right.scene.camera.world_to_camera);
        let shift = rw * lw.inverse();
        assert!((shift.w_axis.truncate() - DVec3::new(-0.12, 0.0, 0.0)).length() < 1e-9);
        // The left image's disparity file: f·B/Z, read back from the PFM bytes.
        let files = left.encode(&spec.spec.outputs).unwrap().files;
        let pfm = &files
            .iter()
            .find(|(p, _)| p.starts_with("disparity/"))
            .unwrap()
            .1;
        let header = format!("Pf\n{W} {H}\n-1.0\n");
        assert!(pfm.starts_with(header.as_bytes()));
        let rows: Vec<f32> = pfm[header.len()..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let disparity: Vec<f32> = rows.chunks_exact(W).rev().flatten().copied().collect();
        assert!(
            right
                .encode(&spec.spec.outputs)
                .unwrap()
                .files
                .iter()
                .all(|(p, _)| !p.starts_with("disparity/"))
        );
        let fx = left.scene.camera.k[0][0];
        let inside = interior(&left.buffers.instance);
        let (mut matched, mut compared) = (0, 0);
        for i in 0..W * H {
            let z = f64::from(left.buffers.depth[i]);
            let d = f64::from(disparity[i]);
            if z <= 0.0 {
                assert_eq!(d, 0.0);
                continue;
            }
            assert!(
                (d - fx * 0.12 / z).abs() < 1e-4 * d.max(1.0),
                "pixel {i}: disparity {d}, depth {z}"
            );
            let x = (i % W) as f64 - d;
            if !inside[i] || x < 0.0 {
                continue;
            }
            let j = (i / W) * W + x.round() as usize;
            // Seen by the right camera too (a depth test), the same surface: the same id.
            if (f64::from(right.buffers.depth[j]) - z).abs() > 0.02 * z {
                continue;
            }
            compared += 1;
            matched += usize::from(right.buffers.instance[j] == left.buffers.instance[i]);
        }
        assert!(compared > 5_000, "only {compared} pixels compared");
        assert!(
            matched * 1000 >= compared * 995,
            "{matched} of {compared} pixels match"
        );
    }
}

/// Three labelled objects tossed onto the floor, filmed for two seconds.
fn toss_scene() -> Value {
    let mut v = moving_scene();
    v["frames"] = json!(2);
    v["sequence"] = json!({ "steps": 24, "fps": 12 });
    v["camera"] = json!({
        "fov_y_deg": 50,
        "orbit": { "target": [0, 0.2, 0], "distance": 2.5, "elevation_deg": 35, "azimuth_deg": [0, 360] }
    });
    let objects = &mut v["objects"][1];
    objects.as_object_mut().unwrap().remove("motion");
    objects["count"] = json!(3);
    objects["position"] =
        json!({ "uniform": { "min": [-0.4, 0.4, -0.4], "max": [0.4, 0.9, 0.4] } });
    objects["toss"] = json!({
        "velocity": { "uniform": { "min": [-0.5, 0, -0.5], "max": [0.5, 0.5, 0.5] } },
        "angular_velocity_deg": { "uniform": { "min": [-180, -180, -180], "max": [180, 180, 180] } }
    });
    v
}

#[test]
fn tossed_objects_fall_come_to_rest_and_flow_with_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::write_spec(dir.path(), &toss_scene());
    let mut r = common::renderer(&spec, spec.spec.seed);
    for sequence in 0..2u64 {
        let first = sequence * 24;
        let start = r.sample(first).unwrap();
        let end = r.sample(first + 23).unwrap();
        let before_end = r.sample(first + 22).unwrap();
        for ((a, b), c) in start
            .objects
            .iter()
            .zip(&end.objects)
            .zip(&before_end.objects)
            .skip(1)
        {
            let motion = a.motion.as_ref().expect("a tossed object has a motion");
            assert!(motion.tossed);
            let (y0, y1) = (a.pose_world.translation[1], b.pose_world.translation[1]);
            assert!(
                y1 < y0 - 0.1,
                "sequence {sequence}: {} did not fall ({y0} → {y1})",
                a.asset
            );
            assert!(
                y1 < 0.25,
                "sequence {sequence}: {} rests at {y1} m, not on the floor",
                a.asset
            );
            let last_move = DVec3::from_array(b.pose_world.translation)
                .distance(DVec3::from_array(c.pose_world.translation));
            assert!(
                last_move < 1e-3,
                "sequence {sequence}: {} still moves {last_move} m a step",
                a.asset
            );
        }
    }
    // Steps rendered in flight with others, on two workers, from a later range: the
    // bytes of the steps rendered alone, and the flow follows the simulated poses.
    let options = synthvis::RenderOptions {
        workers: Some(2),
        ..common::render_options()
    };
    let mut two = synthvis::Renderer::new(&spec, options).unwrap();
    let frames: Vec<Frame> = two.frames(26..30).map(Result::unwrap).collect();
    for f in &frames {
        let alone = r.render(f.index).unwrap();
        assert!(
            alone.encode(&spec.spec.outputs).unwrap().files
                == f.encode(&spec.spec.outputs).unwrap().files,
            "frame {} differs rendered alone",
            f.index
        );
    }
    let mut checked = 0;
    for pair in frames.windows(2) {
        checked += assert_flow_is_the_reprojection(&pair[0], &pair[1], FlowDirection::Forward);
        checked += assert_flow_is_the_reprojection(&pair[1], &pair[0], FlowDirection::Backward);
    }
    assert!(checked > 5_000, "only {checked} pixels checked");
}

#[test]
fn the_movi_style_example_s_objects_rest_on_the_floor_by_the_last_step() {
    if common::gltf_samples().is_none() {
        return; // gltf_samples() said why (and fails under CI).
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/movi_toss.json");
    let spec = LoadedSpec::from_file(&path).unwrap();
    let r = common::renderer(&spec, spec.spec.seed);
    for sequence in 0..spec.spec.frames {
        let last = (sequence + 1) * 24 - 1;
        let (end, before) = (r.sample(last).unwrap(), r.sample(last - 1).unwrap());
        for (a, b) in end.objects.iter().zip(&before.objects) {
            if a.motion.is_none() {
                continue;
            }
            let moved = DVec3::from_array(a.pose_world.translation)
                .distance(DVec3::from_array(b.pose_world.translation));
            assert!(
                moved < 1e-3,
                "sequence {sequence}: {} moves {moved} m in the last step",
                a.asset
            );
            assert!(
                a.pose_world.translation[1] < 0.3,
                "sequence {sequence}: {} is not on the floor",
                a.asset
            );
        }
    }
}

#[test]
fn occlusion_masks_agree_with_a_depth_test_and_come_with_frames_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (spec, frames) = sequence_frames(dir.path());
    let mut checked = 0usize;
    for steps in frames.chunks(4) {
        for t in 0..4usize {
            let now = &steps[t];
            for (direction, other) in [
                (FlowDirection::Forward, t + 1),
                (FlowDirection::Backward, t.wrapping_sub(1)),
            ] {
                let mask = now.flow.get(direction).map(|f| &f.occlusion);
                let Some(other) = steps.get(other) else {
                    assert!(
                        mask.is_none(),
                        "step {t}: a {direction:?} mask without a neighbour"
                    );
                    continue;
                };
                let mask = mask.expect("a step with a neighbour has its occlusion mask");
                let inside = interior(&now.buffers.instance);
                let (mut agree, mut total, mut occluded) = (0usize, 0usize, 0usize);
                for i in 0..W * H {
                    let Some(p) = reprojected(now, other, i) else {
                        assert_eq!(mask[i], 0, "pixel {i} without a surface is marked");
                        continue;
                    };
                    if !inside[i] {
                        continue;
                    }
                    let [x, y] = project(other, p);
                    let out = p.z <= 0.0
                        || x < -0.5
                        || y < -0.5
                        || x >= W as f64 - 0.5
                        || y >= H as f64 - 0.5;
                    let hidden = !out && {
                        let j = y.round() as usize * W + x.round() as usize;
                        let shown = f64::from(other.buffers.depth[j]);
                        shown > 0.0 && p.z > shown * 1.02
                    };
                    total += 1;
                    occluded += usize::from(mask[i] == 1);
                    agree += usize::from((mask[i] == 1) == (out || hidden));
                }
                assert!(
                    agree * 100 >= total * 99,
                    "step {t} {direction:?}: the mask agrees with a depth test on {agree} of {total} pixels"
                );
                assert!(
                    occluded > 0,
                    "step {t} {direction:?}: nothing occluded in a moving scene"
                );
                checked += total;
            }
        }
    }
    assert!(checked > 10_000);
    // A frame rendered alone comes with the masks its neighbours give it.
    let mut r = common::renderer(&spec, spec.spec.seed);
    let alone = r.render(5).unwrap();
    assert_eq!(alone.flow, frames[5].flow);
    assert!(
        alone.encode(&spec.spec.outputs).unwrap().files
            == frames[5].encode(&spec.spec.outputs).unwrap().files
    );
}

#[test]
fn keyframes_put_objects_and_the_camera_where_they_say_and_flow_follows_them_and_the_shake() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = moving_scene();
    v["frames"] = json!(1);
    v["sequence"] = json!({ "steps": 5, "fps": 10 });
    v["camera"] = json!({
        "fov_y_deg": 50, "position": [0, 1.5, 2.2], "look_at": [0, 0.2, 0],
        "motion": {
            "keyframes": [
                { "time": 0.0, "position": [0, 1.5, 2.2] },
                { "time": 0.4, "position": [0.6, 1.3, 2.0], "look_at": [0.1, 0.2, 0] }
            ],
            "interpolation": "smooth",
            "shake": { "amplitude_deg": 0.8, "translation_m": 0.01, "frequency_hz": 2 }
        }
    });
    v["objects"][1]["motion"] = json!({
        "keyframes": [
            { "time": 0.1, "offset": [0, 0, 0] },
            { "time": 0.3, "offset": [0.2, 0.05, 0], "rotation_deg": [0, 45, 0] }
        ]
    });
    let spec = common::write_spec(dir.path(), &v);
    let mut r = common::renderer(&spec, spec.spec.seed);
    let frames: Vec<Frame> = r.frames(0..5).map(Result::unwrap).collect();
    // Held before the first key; the last key's offset and turn from its time on.
    for (a, b) in frames[0]
        .scene
        .objects
        .iter()
        .zip(&frames[3].scene.objects)
        .skip(1)
    {
        let (ta, tb) = (
            DVec3::from_array(a.pose_world.translation),
            DVec3::from_array(b.pose_world.translation),
        );
        assert!(
            (tb - ta - DVec3::new(0.2, 0.05, 0.0)).length() < 1e-9,
            "{ta} → {tb}"
        );
        let qa = glam::DQuat::from_array(a.pose_world.rotation_xyzw);
        let qb = glam::DQuat::from_array(b.pose_world.rotation_xyzw);
        // q and -q are one rotation: the turn is 45° either way round.
        let turn = (qb * qa.inverse()).to_axis_angle().1.to_degrees();
        assert!(
            (turn.min(360.0 - turn) - 45.0).abs() < 1e-6,
            "turned {turn}°"
        );
        assert_eq!(
            frames[1].scene.objects[1].pose_world,
            frames[0].scene.objects[1].pose_world
        );
    }
    // The camera reaches its last key by 0.4 s, shaken by at most the shake's size.
    let last = DVec3::from_array(frames[4].scene.camera.position);
    assert!((last - DVec3::new(0.6, 1.3, 2.0)).length() < 0.05, "{last}");
    assert!(
        (last - DVec3::new(0.6, 1.3, 2.0)).length() > 1e-6,
        "no shake"
    );
    let mut checked = 0;
    for pair in frames.windows(2) {
        checked += assert_flow_is_the_reprojection(&pair[0], &pair[1], FlowDirection::Forward);
        checked += assert_flow_is_the_reprojection(&pair[1], &pair[0], FlowDirection::Backward);
    }
    assert!(checked > 10_000);
}

/// A float channel of an EXR file, by name.
fn exr_channel(path: &Path, name: &str) -> Vec<f32> {
    let image = exr::prelude::read_first_flat_layer_from_file(path).unwrap();
    let channel = image
        .layer_data
        .channel_data
        .list
        .iter()
        .find(|c| c.name.to_string() == name)
        .unwrap_or_else(|| panic!("{}: no channel {name}", path.display()));
    match &channel.sample_data {
        exr::prelude::FlatSamples::F32(v) => v.clone(),
        _ => panic!("{}: channel {name} is not float32", path.display()),
    }
}

#[test]
fn scene_flow_projects_onto_the_flow_and_kitti_pngs_decode_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = moving_scene();
    v["frames"] = json!(1);
    v["sequence"] = json!({ "steps": 3, "fps": 10 });
    v["outputs"] =
        json!({ "flow": true, "depth_exr": true, "scene_flow": true, "flow_kitti": true });
    let (spec, out) = common::render_spec(dir.path(), &v);
    let coco = common::read_json(&out.join("annotations.json"));
    let mut r = common::renderer(&spec, spec.spec.seed);
    let mut checked = 0;
    for image in coco["images"].as_array().unwrap() {
        let Some(sf_name) = image["scene_flow_forward_file_name"].as_str() else {
            assert_eq!(image["frame_id"], 2);
            continue;
        };
        let frame = r.render(image["frame_index"].as_u64().unwrap()).unwrap();
        let flow = frame.optical_flow(FlowDirection::Forward).unwrap().unwrap();
        let sf = [0, 1, 2].map(|k| exr_channel(&out.join(sf_name), ["X", "Y", "Z"][k]));
        let kitti = image::open(out.join(image["flow_kitti_forward_file_name"].as_str().unwrap()))
            .unwrap()
            .into_rgb16();
        let (fx, fy, cx, cy) = frame.scene.camera.intrinsics();
        for i in 0..W * H {
            let z = f64::from(frame.buffers.depth[i]);
            let px = kitti.as_raw()[i * 3..i * 3 + 3].to_vec();
            if z <= 0.0 {
                assert_eq!([sf[0][i], sf[1][i], sf[2][i]], [0.0; 3]);
                assert_eq!(
                    px,
                    [0, 0, 0],
                    "pixel {i} without a surface is valid in KITTI's PNG"
                );
                continue;
            }
            let (u, v) = ((i % W) as f64, (i / W) as f64);
            let p = DVec3::new((u - cx) / fx * z, (v - cy) / fy * z, z)
                + DVec3::new(
                    f64::from(sf[0][i]),
                    f64::from(sf[1][i]),
                    f64::from(sf[2][i]),
                );
            if p.z <= 0.0 {
                continue;
            }
            // The next camera has the same intrinsics here.
            let (x, y) = (fx * p.x / p.z + cx, fy * p.y / p.z + cy);
            let (dx, dy) = (f64::from(flow[i][0]), f64::from(flow[i][1]));
            assert!(
                (x - u - dx).hypot(y - v - dy) < 1e-3,
                "pixel {i}: scene flow lands {x},{y}, flow at {},{}",
                u + dx,
                v + dy
            );
            if dx.abs() < 512.0 && dy.abs() < 512.0 {
                assert_eq!(px[2], 1);
                let decode = |c: u16| (f64::from(c) - 32768.0) / 64.0;
                assert!(
                    (decode(px[0]) - dx).abs() <= 0.5 / 64.0 + 1e-6
                        && (decode(px[1]) - dy).abs() <= 0.5 / 64.0 + 1e-6
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked}");
}

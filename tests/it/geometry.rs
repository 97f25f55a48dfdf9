//! A unit cube at a known pose seen by a known camera, checked against analytic ray
//! casting: depth at the centre pixel within 1 mm, instance pixels equal to the analytic
//! projection outside a 1-px silhouette band, COCO bbox equal to the projected box within
//! 1 px, the labels' cuboid equal to the analytic corners. And the pixel convention of `K`
//! (OpenCV's from spec version 2, the old one before): a square centred on a pixel centre
//! covers that pixel symmetrically. Real renders through the whole pipeline.

use crate::common;

use glam::{DMat3, DQuat, DVec3};
use serde_json::json;

const W: u32 = 320;
const H: u32 = 240;
const FX: f64 = 300.0;
const FY: f64 = 310.0;
const CX: f64 = 163.0;
const CY: f64 = 118.0;
const CAMERA: [f64; 3] = [0.0, 0.0, 3.0];
const CUBE_POS: [f64; 3] = [0.1, -0.05, 0.2];
const CUBE_ROT_DEG: [f64; 3] = [20.0, 35.0, 10.0];

fn spec() -> serde_json::Value {
    let cube = common::assets_dir().join("cube.glb");
    json!({
        "version": 0,
        "frames": 1,
        "resolution": { "width": W, "height": H },
        "camera": {
            "intrinsics": { "fx": FX, "fy": FY, "cx": CX, "cy": CY },
            "near": 0.1, "far": 20.0,
            "position": CAMERA, "look_at": [0.0, 0.0, 0.0]
        },
        "categories": [{ "name": "cube" }],
        "assets": [{ "name": "cube", "path": cube, "category": "cube" }],
        "objects": [{ "asset": "cube", "position": CUBE_POS, "rotation_deg": CUBE_ROT_DEG }],
        "lights": [{ "type": "directional", "direction": [0, -1, -1] }],
        "outputs": { "normals": true, "nocs": true }
    })
}

/// Cube rotation computed independently of synthvis: R = Rz · Ry · Rx.
fn cube_rotation() -> DQuat {
    let [x, y, z] = CUBE_ROT_DEG.map(f64::to_radians);
    DQuat::from_rotation_z(z) * DQuat::from_rotation_y(y) * DQuat::from_rotation_x(x)
}

/// Corner `c` of the cube in the camera frame (bit 0 of `c`: +x half, bit 1: +y, bit 2: +z).
fn cube_corner_in_camera(c: usize) -> DVec3 {
    let half = |bit: usize| if c & (1 << bit) == 0 { -0.5 } else { 0.5 };
    let w = cube_rotation() * DVec3::new(half(0), half(1), half(2)) + DVec3::from_array(CUBE_POS);
    // Camera at +3 Z looking at the origin with +Y up.
    DVec3::new(w.x, -w.y, CAMERA[2] - w.z)
}

/// Camera-frame depth where the ray through pixel centre (u, v) first hits the cube.
fn analytic_depth(u: f64, v: f64) -> Option<f64> {
    analytic_hit(u, v).map(|(t, _, _)| t)
}

/// Depth, camera-frame (OpenCV) unit normal and cube-space point where the ray through
/// pixel centre (u, v) first hits the cube.
fn analytic_hit(u: f64, v: f64) -> Option<(f64, DVec3, DVec3)> {
    // Camera at +3 Z looking at the origin with +Y up: camera x = world x, y = -world y,
    // z = -world z. The ray direction has camera z = 1, so the ray parameter is depth.
    let d_cam = DVec3::new((u - CX) / FX, (v - CY) / FY, 1.0);
    let dir = DVec3::new(d_cam.x, -d_cam.y, -d_cam.z);
    let inv = DMat3::from_quat(cube_rotation()).transpose();
    let o = inv * (DVec3::from_array(CAMERA) - DVec3::from_array(CUBE_POS));
    let d = inv * dir;
    let (mut t0, mut t1) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut face = DVec3::ZERO;
    for k in 0..3 {
        let (a, b) = ((-0.5 - o[k]) / d[k], (0.5 - o[k]) / d[k]);
        if a.min(b) > t0 {
            t0 = a.min(b);
            // The entered face's outward normal points against the ray.
            face = DVec3::ZERO;
            face[k] = -d[k].signum();
        }
        t1 = t1.min(a.max(b));
    }
    let n = cube_rotation() * face;
    // Depth along the optical axis is the ray parameter (the direction has z = 1).
    (t0 <= t1 && t0 > 0.0).then_some((t0, DVec3::new(n.x, -n.y, -n.z), o + d * t0))
}

#[test]
fn unit_cube_depth_mask_and_bbox_match_analytic_projection() {
    let tmp = tempfile::tempdir().unwrap();
    let (loaded, out) = common::render_spec(tmp.path(), &spec());

    // Float depth and ids straight from the renderer.
    let mut renderer = common::renderer(&loaded, 0);
    let scene = synthvis::randomize::sample_frame(&loaded.resolved, 0, 0).unwrap();
    let buffers = renderer.render_scene(&scene).unwrap().buffers;

    // Depth at the centre pixel.
    let (cx, cy) = (W / 2, H / 2);
    let expected =
        analytic_depth(f64::from(cx) + 0.5, f64::from(cy) + 0.5).expect("centre hits the cube");
    let got = f64::from(buffers.depth[(cy * W + cx) as usize]);
    assert!(
        (got - expected).abs() < 1e-3,
        "centre depth {got} m, analytic {expected} m"
    );
    let png = image::open(out.join("depth/000000.png"))
        .unwrap()
        .into_luma16();
    let mm = f64::from(png.get_pixel(cx, cy).0[0]);
    assert!(
        (mm - expected * 1000.0).abs() <= 1.0,
        "depth PNG {mm} mm, analytic {} mm",
        expected * 1000.0
    );

    // Instance mask vs analytic coverage, outside a 1-px band around the analytic silhouette.
    let analytic: Vec<u16> = (0..H)
        .flat_map(|y| (0..W).map(move |x| (x, y)))
        .map(|(x, y)| u16::from(analytic_depth(f64::from(x) + 0.5, f64::from(y) + 0.5).is_some()))
        .collect();
    let band = synthvis::golden::metrics::silhouette_band(&analytic, W, H, 1);
    let instance_png = image::open(out.join("instance/000000.png"))
        .unwrap()
        .into_luma16();
    let mut mismatches = 0;
    let mut covered = 0;
    for i in 0..(W * H) as usize {
        let (x, y) = (i as u32 % W, i as u32 / W);
        let id = u32::from(instance_png.get_pixel(x, y).0[0]);
        assert_eq!(
            id, buffers.instance[i],
            "PNG and buffer agree at ({x}, {y})"
        );
        covered += usize::from(analytic[i] == 1);
        if id != u32::from(analytic[i]) && !band[i] {
            mismatches += 1;
        }
    }
    assert!(
        covered > 5000,
        "the cube should cover a good part of the image, covers {covered}"
    );
    assert_eq!(
        mismatches, 0,
        "instance pixels off the analytic projection outside the silhouette band"
    );

    // Depth everywhere on the cube (not only the centre), away from the silhouette.
    let mut worst: f64 = 0.0;
    for i in 0..(W * H) as usize {
        if analytic[i] == 1 && !band[i] {
            let (x, y) = (f64::from(i as u32 % W) + 0.5, f64::from(i as u32 / W) + 0.5);
            let e = analytic_depth(x, y).unwrap();
            worst = worst.max((f64::from(buffers.depth[i]) - e).abs());
        }
    }
    assert!(worst < 1e-3, "worst depth error on the cube {worst} m");

    // Normals (outputs.normals): the hit face's, in the camera frame, on every cube pixel
    // away from the silhouette and the cube's edges; none on the background.
    let normals = image::open(out.join("normals/000000.png"))
        .unwrap()
        .into_rgb16();
    let (mut worst_angle, mut checked) = (0.0f64, 0);
    for i in 0..(W * H) as usize {
        let (x, y) = (i as u32 % W, i as u32 / W);
        let px = normals.get_pixel(x, y).0;
        if analytic[i] == 0 && !band[i] {
            assert_eq!(px, [0, 0, 0], "background normal at ({x}, {y})");
            continue;
        }
        if band[i] {
            continue;
        }
        // Pixels next to a cube edge may see the neighbouring face: compare where the
        // four neighbouring rays hit the same face.
        let hit = |dx: f64, dy: f64| analytic_hit(f64::from(x) + 0.5 + dx, f64::from(y) + 0.5 + dy);
        let Some((_, want, _)) = hit(0.0, 0.0) else {
            continue;
        };
        let same = [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]
            .iter()
            .all(|&(dx, dy)| hit(dx, dy).is_some_and(|(_, n, _)| (n - want).length() < 1e-9));
        if !same {
            continue;
        }
        let got = DVec3::from_array(px.map(|c| f64::from(c) / 65535.0 * 2.0 - 1.0));
        worst_angle = worst_angle.max(got.normalize().angle_between(want));
        checked += 1;
    }
    assert!(checked > 5000, "{checked} normal pixels checked");
    assert!(worst_angle < 1e-3, "worst normal error {worst_angle} rad");

    // Object coordinates (outputs.nocs): the hit point in the unit cube's box, [0, 1]³,
    // stored as 1 + c · 65534; 0 off the cube.
    let nocs = image::open(out.join("nocs/000000.png"))
        .unwrap()
        .into_rgb16();
    let mut worst_nocs = 0.0f64;
    for (i, &near_silhouette) in band.iter().enumerate() {
        let (x, y) = (i as u32 % W, i as u32 / W);
        let px = nocs.get_pixel(x, y).0;
        if near_silhouette {
            continue;
        }
        match analytic_hit(f64::from(x) + 0.5, f64::from(y) + 0.5) {
            None => assert_eq!(
                px,
                [0, 0, 0],
                "object coordinates off the cube at ({x}, {y})"
            ),
            Some((_, _, local)) => {
                let got = DVec3::from_array(px.map(|c| (f64::from(c) - 1.0) / 65534.0));
                worst_nocs =
                    worst_nocs.max((got - (local + DVec3::splat(0.5))).abs().max_element());
            }
        }
    }
    assert!(
        worst_nocs < 2e-3,
        "worst object-coordinate error {worst_nocs}"
    );

    // COCO bbox vs the projected box of the 8 corners.
    let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for c in 0..8 {
        let p = cube_corner_in_camera(c);
        let (u, v) = (FX * p.x / p.z + CX, FY * p.y / p.z + CY);
        lo = (lo.0.min(u), lo.1.min(v));
        hi = (hi.0.max(u), hi.1.max(v));
    }
    let coco: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("annotations.json")).unwrap()).unwrap();
    let anns = coco["annotations"].as_array().unwrap();
    assert_eq!(anns.len(), 1);
    let b: Vec<f64> = anns[0]["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (x0, y0, x1, y1) = (b[0], b[1], b[0] + b[2], b[1] + b[3]);
    for (got, want, what) in [
        (x0, lo.0, "left"),
        (y0, lo.1, "top"),
        (x1, hi.0, "right"),
        (y1, hi.1, "bottom"),
    ] {
        assert!(
            (got - want).abs() <= 1.0,
            "bbox {what}: {got} vs analytic {want}"
        );
    }
    assert_eq!(
        anns[0]["area"].as_u64().unwrap() as usize,
        buffers.instance.iter().filter(|&&v| v == 1).count()
    );

    // The labels' geometry: K in OpenCV's convention (this version-0 spec gave the old
    // one), the cuboid in the documented corner order, its pixels at the silhouette's
    // extremes.
    let image = &coco["images"][0];
    assert_eq!(
        image["K"],
        json!([[FX, 0.0, CX - 0.5], [0.0, FY, CY - 0.5], [0.0, 0.0, 1.0]])
    );
    assert_eq!(image["depth_file_name"], "depth/000000.png");
    assert_eq!(image["instance_file_name"], "instance/000000.png");
    assert_eq!(image["class_file_name"], "class/000000.png");
    assert_eq!(image["labels_file_name"], "labels/000000.json");
    let w2c = image["world_to_camera"].as_array().unwrap();
    assert_eq!(w2c[1], json!([0.0, -1.0, 0.0, 0.0]), "camera y is world -y");
    let cuboid = anns[0]["cuboid_camera"].as_array().unwrap();
    let pixels = anns[0]["cuboid_pixels"].as_array().unwrap();
    assert_eq!((cuboid.len(), pixels.len()), (8, 8));
    let num = |v: &serde_json::Value, i: usize| v[i].as_f64().unwrap();
    for c in 0..8 {
        let want = cube_corner_in_camera(c);
        let got = DVec3::new(num(&cuboid[c], 0), num(&cuboid[c], 1), num(&cuboid[c], 2));
        assert!(
            (got - want).length() < 1e-9,
            "corner {c}: {got} vs analytic {want}"
        );
        let (u, v) = (num(&pixels[c], 0), num(&pixels[c], 1));
        let (eu, ev) = (
            FX * want.x / want.z + CX - 0.5,
            FY * want.y / want.z + CY - 0.5,
        );
        assert!(
            (u - eu).abs() < 1e-9 && (v - ev).abs() < 1e-9,
            "corner {c} pixels"
        );
    }
    // The mask's outer pixel edges (OpenCV coordinates: pixel j spans [j - 0.5, j + 0.5])
    // vs the extreme projected corners. (Pixel centres can miss a sharp corner's wedge by
    // more than a pixel; the edges of the covering pixels cannot.)
    let extreme = |axis: usize, max: bool| {
        let it = pixels.iter().map(|p| num(p, axis));
        if max {
            it.fold(f64::MIN, f64::max)
        } else {
            it.fold(f64::MAX, f64::min)
        }
    };
    for (got, want, what) in [
        (b[0] - 0.5, extreme(0, false), "left"),
        (b[1] - 0.5, extreme(1, false), "top"),
        (b[0] + b[2] - 0.5, extreme(0, true), "right"),
        (b[1] + b[3] - 0.5, extreme(1, true), "bottom"),
    ] {
        assert!(
            (got - want).abs() <= 1.0,
            "{what} edge of the mask {got} vs cuboid corner {want}"
        );
    }
    let quat = anns[0]["pose_camera"]["rotation_xyzw"].as_array().unwrap();
    assert!(
        quat[3].as_f64().unwrap() >= 0.0,
        "quaternion w >= 0: {quat:?}"
    );
}

/// A fronto-parallel square of half-side 2.3 px centred on pixel (17, 29), seen through
/// intrinsics given as a spec of `version` writes them.
fn square_on_a_pixel(version: u32, cx: f64, cy: f64) -> (serde_json::Value, Vec<u8>) {
    const F: f64 = 50.0;
    const Z: f64 = 2.0;
    // Where the square's centre projects in OpenCV's convention, for either version.
    let shift = if version >= 2 { 0.0 } else { 0.5 };
    let (u0, v0) = (17.0, 29.0);
    let x = (u0 - (cx - shift)) / F * Z;
    let y = (v0 - (cy - shift)) / F * Z;
    let spec = json!({
        "version": version,
        "frames": 1,
        "resolution": { "width": 64, "height": 48 },
        "camera": {
            "intrinsics": { "fx": F, "fy": F, "cx": cx, "cy": cy },
            "near": 0.1, "far": 10.0,
            "position": [0, 0, 0], "look_at": [0, 0, -1]
        },
        "categories": [{ "name": "square" }],
        "assets": [{ "name": "square", "primitive": "plane", "category": "square" }],
        // Camera x is world x, camera y is world -y; the plane turned to face +Z.
        "objects": [{ "asset": "square", "position": [x, -y, -Z],
                      "rotation_deg": [90, 0, 0], "scale": 2.0 * 2.3 * Z / F }],
        "lights": [{ "type": "directional", "direction": [0, 0, -1] }]
    });
    let tmp = tempfile::tempdir().unwrap();
    let (_, out) = common::render_spec(tmp.path(), &spec);
    (
        common::read_json(&out.join("annotations.json")),
        std::fs::read(out.join("instance/000000.png")).unwrap(),
    )
}

#[test]
fn version_2_intrinsics_put_pixel_centres_at_integers() {
    let (coco, instance) = square_on_a_pixel(2, 30.3, 20.7);
    let ann = &coco["annotations"][0];
    // Pixels 15..=19 and 27..=31: symmetric about (17, 29). With pixel corners at
    // integers the square would sit half a pixel up and left, 4 pixels across.
    assert_eq!(ann["bbox"], json!([15, 27, 5, 5]), "{ann}");
    assert_eq!(ann["area"], 25);
    assert_eq!(
        coco["images"][0]["K"],
        json!([[50.0, 0.0, 30.3], [0.0, 50.0, 20.7], [0.0, 0.0, 1.0]])
    );
    // The same camera written as a version-1 spec writes it (pixel corners at integers):
    // the same pixels and the same K in the labels.
    let (coco_v1, instance_v1) = square_on_a_pixel(1, 30.8, 21.2);
    assert_eq!(
        instance, instance_v1,
        "version 1 and 2 cameras render alike"
    );
    assert_eq!(coco_v1["images"][0]["K"], coco["images"][0]["K"]);
    assert_eq!(coco_v1["annotations"][0]["bbox"], ann["bbox"]);
}

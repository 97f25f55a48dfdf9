//! A unit cube at a known pose seen by a known camera, checked against analytic ray
//! casting: depth at the centre pixel within 1 mm, instance pixels equal to the analytic
//! projection outside a 1-px silhouette band, COCO bbox equal to the projected box within
//! 1 px. Real renders through the whole pipeline.

use crate::common;

use synthvis::pipeline::Cancel;

use glam::{DMat3, DQuat, DVec3};
use serde_json::json;
use synthvis::pipeline::NoProgress;
use synthvis::{RenderOptions, render_dataset};

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
        "lights": [{ "type": "directional", "direction": [0, -1, -1] }]
    })
}

/// Cube rotation computed independently of synthvis: R = Rz · Ry · Rx.
fn cube_rotation() -> DQuat {
    let [x, y, z] = CUBE_ROT_DEG.map(f64::to_radians);
    DQuat::from_rotation_z(z) * DQuat::from_rotation_y(y) * DQuat::from_rotation_x(x)
}

/// Camera-frame depth where the ray through pixel centre (u, v) first hits the cube.
fn analytic_depth(u: f64, v: f64) -> Option<f64> {
    // Camera at +3 Z looking at the origin with +Y up: camera x = world x, y = -world y,
    // z = -world z. The ray direction has camera z = 1, so the ray parameter is depth.
    let d_cam = DVec3::new((u - CX) / FX, (v - CY) / FY, 1.0);
    let dir = DVec3::new(d_cam.x, -d_cam.y, -d_cam.z);
    let inv = DMat3::from_quat(cube_rotation()).transpose();
    let o = inv * (DVec3::from_array(CAMERA) - DVec3::from_array(CUBE_POS));
    let d = inv * dir;
    let (mut t0, mut t1) = (f64::NEG_INFINITY, f64::INFINITY);
    for k in 0..3 {
        let (a, b) = ((-0.5 - o[k]) / d[k], (0.5 - o[k]) / d[k]);
        t0 = t0.max(a.min(b));
        t1 = t1.min(a.max(b));
    }
    (t0 <= t1 && t0 > 0.0).then_some(t0)
}

#[test]
fn unit_cube_depth_mask_and_bbox_match_analytic_projection() {
    let tmp = tempfile::tempdir().unwrap();
    let loaded = common::write_spec(tmp.path(), &spec());
    let out = tmp.path().join("out");
    let opts = RenderOptions::new(&out);
    render_dataset(&loaded, &opts, &mut NoProgress, &Cancel::new()).unwrap();

    // Float depth and ids straight from the renderer.
    let mut renderer = synthvis::FrameRenderer::new(&loaded, common::backend()).unwrap();
    let scene = synthvis::randomize::sample_frame(&loaded.resolved, 0, 0).unwrap();
    let buffers = renderer.render(&scene).unwrap();

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

    // COCO bbox vs the projected box of the 8 corners.
    let q = cube_rotation();
    let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for c in 0..8 {
        let corner = DVec3::new(
            if c & 1 == 0 { -0.5 } else { 0.5 },
            if c & 2 == 0 { -0.5 } else { 0.5 },
            if c & 4 == 0 { -0.5 } else { 0.5 },
        );
        let w = q * corner + DVec3::from_array(CUBE_POS);
        let p = DVec3::new(w.x, -w.y, CAMERA[2] - w.z);
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
}

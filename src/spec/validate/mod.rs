//! Semantic checks of a parsed spec, one `check_*` function per section. Every problem is
//! reported (not just the first), each with the JSON path of its field.

mod assets;
mod sequence;

use std::collections::HashSet;

use assets::{check_assets, check_colliders, check_shape};
use sequence::check_sequence;

use super::camera::CameraSpec;
use super::lights::LightSpec;
use super::objects::{AssetChoice, ObjectSpec, PlacementSpec};
use super::{
    IssueSink, MAX_LIGHTS, MAX_RESOLUTION, OLDEST_SPEC_VERSION, SPEC_VERSION, Scalar, Spec,
    SpecIssue, Vec3Dist,
};

/// Semantic checks; returns every problem found, each with its JSON path.
pub fn validate(spec: &Spec) -> Vec<SpecIssue> {
    let mut issues = Vec::new();
    let mut sink = |path: String, message: String| issues.push(SpecIssue { path, message });
    check_run(spec, &mut sink);
    check_camera(&spec.camera, &mut sink);
    check_categories(spec, &mut sink);
    check_assets(spec, &mut sink);
    check_colliders(spec, &mut sink);
    check_objects(spec, &mut sink);
    // A map's sun joins the frame's lights.
    let map_sun = spec
        .render
        .environment
        .as_ref()
        .is_some_and(|e| e.sun == Some(true));
    check_lights(&spec.lights, u64::from(map_sun), &mut sink);
    check_environment(spec, &mut sink);
    check_labels(spec, &mut sink);
    check_sequence(spec, &mut sink);
    spec.render.check(&mut sink);
    if let Some(physics) = &spec.physics {
        physics.check(&mut sink);
    }
    for (i, o) in spec.objects.iter().enumerate() {
        if let Some(drop) = &o.drop {
            drop.check(&format!("objects[{i}]"), &mut sink);
        }
    }
    issues
}

/// `version`, `frames` and `resolution`.
fn check_run(spec: &Spec, sink: &mut dyn IssueSink) {
    if !(OLDEST_SPEC_VERSION..=SPEC_VERSION).contains(&spec.version) {
        sink.issue(
            "version",
            format!(
                "this synthvis reads spec versions {OLDEST_SPEC_VERSION} to {SPEC_VERSION}, found {}: \
                 the spec was written for a newer synthvis; upgrade synthvis to render it",
                spec.version
            ),
        );
    }
    if spec.frames == 0 {
        sink.issue("frames", "must be at least 1".into());
    }
    for (name, v) in [
        ("width", spec.resolution.width),
        ("height", spec.resolution.height),
    ] {
        if v == 0 || v > MAX_RESOLUTION {
            sink.issue(
                &format!("resolution.{name}"),
                format!("must be in 1..={MAX_RESOLUTION}, found {v}"),
            );
        }
    }
}

/// A lens at `path`: a vertical field of view in (0, 180) degrees or intrinsics with
/// positive focal lengths, not both (neither is the caller's to judge).
pub(super) fn check_lens(
    (fov, intrinsics): (Option<&Scalar>, Option<&super::IntrinsicsSpec>),
    path: &str,
    sink: &mut dyn IssueSink,
) {
    match (fov, intrinsics) {
        (Some(_), Some(_)) => sink.issue(
            path,
            "give either `fov_y_deg` or `intrinsics`, not both".into(),
        ),
        (Some(fov), None) => {
            fov.check(&format!("{path}.fov_y_deg"), sink);
            let (lo, hi) = fov.bounds();
            if !(lo > 0.0 && hi < 180.0) {
                sink.issue(
                    &format!("{path}.fov_y_deg"),
                    format!("must lie in (0, 180) degrees, found [{lo}, {hi}]"),
                );
            }
        }
        (None, Some(k)) => {
            for (name, v) in [("fx", &k.fx), ("fy", &k.fy), ("cx", &k.cx), ("cy", &k.cy)] {
                v.check(&format!("{path}.intrinsics.{name}"), sink);
            }
            for (name, v) in [("fx", &k.fx), ("fy", &k.fy)] {
                if v.bounds().0 <= 0.0 {
                    sink.issue(
                        &format!("{path}.intrinsics.{name}"),
                        "must be positive".into(),
                    );
                }
            }
        }
        (None, None) => {}
    }
}

/// `camera`: exactly one lens and one viewpoint, sane clipping planes, a usable up vector.
fn check_camera(cam: &CameraSpec, sink: &mut dyn IssueSink) {
    if cam.fov_y_deg.is_none() && cam.intrinsics.is_none() {
        sink.issue("camera", "give `fov_y_deg` or `intrinsics`".into());
    }
    check_lens(
        (cam.fov_y_deg.as_ref(), cam.intrinsics.as_ref()),
        "camera",
        sink,
    );
    if !(cam.near > 0.0 && cam.far > cam.near && cam.far.is_finite()) {
        sink.issue(
            "camera.near",
            format!(
                "need 0 < near < far, found near {} and far {}",
                cam.near, cam.far
            ),
        );
    }
    match (&cam.position, &cam.orbit) {
        (Some(_), Some(_)) => sink.issue(
            "camera",
            "give either `position` or `orbit`, not both".into(),
        ),
        (None, None) => sink.issue("camera", "give `position` or `orbit`".into()),
        (Some(p), None) => p.check("camera.position", sink),
        (None, Some(o)) => {
            o.target.check("camera.orbit.target", sink);
            o.distance.check("camera.orbit.distance", sink);
            if o.distance.bounds().0 <= 0.0 {
                sink.issue("camera.orbit.distance", "must be positive".into());
            }
            o.elevation_deg.check("camera.orbit.elevation_deg", sink);
            let (lo, hi) = o.elevation_deg.bounds();
            if lo < -90.0 || hi > 90.0 {
                sink.issue(
                    "camera.orbit.elevation_deg",
                    format!("must lie in [-90, 90] degrees, found [{lo}, {hi}]"),
                );
            }
            o.azimuth_deg.check("camera.orbit.azimuth_deg", sink);
        }
    }
    if let Some(l) = &cam.look_at {
        l.check("camera.look_at", sink);
    }
    cam.roll_deg.check("camera.roll_deg", sink);
    if let Some(ev) = &cam.exposure_ev100 {
        ev.check("camera.exposure_ev100", sink);
        let (lo, hi) = ev.bounds();
        if lo < -10.0 || hi > 25.0 {
            sink.issue(
                "camera.exposure_ev100",
                format!("must lie in [-10, 25], found [{lo}, {hi}]"),
            );
        }
    }
    if cam.up.iter().any(|c| !c.is_finite()) || cam.up.iter().all(|c| *c == 0.0) {
        sink.issue("camera.up", "must be a finite, non-zero vector".into());
    }
    let look_at = cam.look_at.clone().unwrap_or(Vec3Dist::Const([0.0; 3]));
    if let (Some(Vec3Dist::Const(p)), Vec3Dist::Const(t)) = (&cam.position, look_at) {
        let forward = [t[0] - p[0], t[1] - p[1], t[2] - p[2]];
        if forward.iter().all(|c| *c == 0.0) {
            sink.issue("camera.look_at", "must differ from camera.position".into());
        } else if cross(forward, cam.up).iter().all(|c| c.abs() < 1e-12) {
            sink.issue("camera.up", "is parallel to the viewing direction".into());
        }
    }
}

/// `categories`: unique, non-empty names, few enough for 16-bit class images.
fn check_categories(spec: &Spec, sink: &mut dyn IssueSink) {
    let mut seen = HashSet::new();
    for (i, c) in spec.categories.iter().enumerate() {
        if c.name.is_empty() {
            sink.issue(&format!("categories[{i}].name"), "must not be empty".into());
        } else if !seen.insert(c.name.as_str()) {
            sink.issue(
                &format!("categories[{i}].name"),
                format!("duplicate category `{}`", c.name),
            );
        }
    }
    if spec.categories.len() > usize::from(u16::MAX) {
        sink.issue(
            "categories",
            "at most 65535 categories (16-bit class images)".into(),
        );
    }
}

/// `objects`: every group, and the instance total that fits 16-bit instance images.
fn check_objects(spec: &Spec, sink: &mut dyn IssueSink) {
    let mut instances: u64 = 0;
    for (i, group) in spec.objects.iter().enumerate() {
        check_object_group(spec, i, group, sink);
        instances += u64::from(group.count.max());
    }
    if instances > u64::from(u16::MAX) {
        sink.issue(
            "objects",
            format!(
                "up to {instances} instances a frame; at most 65535 fit 16-bit instance images"
            ),
        );
    }
}

/// `objects[i]`: its asset choice, count, where it goes, rotation, scale and material.
fn check_object_group(spec: &Spec, i: usize, o: &ObjectSpec, sink: &mut dyn IssueSink) {
    check_shape(spec, i, o, sink);
    let path = |field: &str| format!("objects[{i}].{field}");
    match &o.asset {
        AssetChoice::Named(choice) => {
            choice.check(&path("asset"), sink);
            for name in &choice.values {
                if !spec.assets.iter().any(|a| &a.name == name) {
                    sink.issue(
                        &path("asset"),
                        format!("unknown asset `{name}`; assets are {}", asset_names(spec)),
                    );
                }
            }
        }
        AssetChoice::Category(cat) => {
            if !spec.categories.iter().any(|c| &c.name == cat) {
                sink.issue(
                    &path("asset.category"),
                    format!(
                        "unknown category `{cat}`; categories are {}",
                        category_names(spec)
                    ),
                );
            } else if o.asset.candidates(&spec.assets).is_empty() {
                sink.issue(
                    &path("asset.category"),
                    format!("no asset has category `{cat}`"),
                );
            }
        }
    }
    o.count.check(&path("count"), sink);
    match (&o.position, &o.placement) {
        (Some(_), Some(_)) => sink.issue(
            &path("placement"),
            "give either `position` or `placement`, not both".into(),
        ),
        (None, None) => sink.issue(
            &format!("objects[{i}]"),
            "give `position` or `placement`".into(),
        ),
        (Some(p), None) => p.check(&path("position"), sink),
        (None, Some(PlacementSpec::OnPlane { height, x, z })) => {
            height.check(&path("placement.on_plane.height"), sink);
            x.check(&path("placement.on_plane.x"), sink);
            z.check(&path("placement.on_plane.z"), sink);
        }
        (
            None,
            Some(PlacementSpec::InFrustum {
                distance,
                margin_px,
            }),
        ) => {
            let p = path("placement.in_frustum.distance");
            distance.check(&p, sink);
            let (lo, hi) = distance.bounds();
            if lo <= spec.camera.near || hi >= spec.camera.far {
                sink.issue(
                    &p,
                    format!(
                        "must lie between the camera's near and far planes ({}, {}), found [{lo}, {hi}]",
                        spec.camera.near, spec.camera.far
                    ),
                );
            }
            let limit = f64::from(spec.resolution.width.min(spec.resolution.height)) / 2.0;
            if !(0.0..limit).contains(margin_px) {
                sink.issue(
                    &path("placement.in_frustum.margin_px"),
                    format!("must lie in [0, {limit}) pixels, found {margin_px}"),
                );
            }
        }
    }
    if let Some(m) = &o.material {
        m.check(&path("material"), sink);
    }
    if o.max_trials == 0 {
        sink.issue(&path("max_trials"), "must be at least 1".into());
    }
    if o.rotation.is_some() && o.rotation_deg.is_some() {
        sink.issue(
            &path("rotation"),
            "give either `rotation` or `rotation_deg`, not both".into(),
        );
    }
    if let Some(r) = &o.rotation_deg {
        r.check(&path("rotation_deg"), sink);
    }
    if let Some(r) = &o.rotation {
        r.check(&path("rotation"), sink);
    }
    o.scale.check(&path("scale"), sink);
    if o.scale.bounds().0 <= 0.0 {
        sink.issue(
            &path("scale"),
            format!(
                "must be positive; this distribution reaches {}",
                o.scale.bounds().0
            ),
        );
    }
}

/// `lights`: each entry's distributions and cones, and the most lights a frame can hold
/// (with `extra` more, the environment's sun).
fn check_lights(lights: &[LightSpec], extra: u64, sink: &mut dyn IssueSink) {
    let mut total: u64 = extra;
    for (i, l) in lights.iter().enumerate() {
        let path = |field: &str| format!("lights[{i}].{field}");
        l.count().check(&path("count"), sink);
        if let Some(shadow) = l.shadow() {
            shadow.check(&path("shadow"), sink);
        }
        total += u64::from(l.count().max());
        let (color, intensity) = l.color_intensity();
        color.check(&path("color"), sink);
        check_non_negative(intensity, &path("intensity"), sink);
        match l {
            LightSpec::Directional { direction, .. } => {
                direction.check(&path("direction"), sink);
            }
            LightSpec::Point { position, .. } => position.check(&path("position"), sink),
            LightSpec::Spot {
                position,
                direction,
                inner_cone_deg,
                outer_cone_deg,
                ..
            } => {
                position.check(&path("position"), sink);
                direction.check(&path("direction"), sink);
                inner_cone_deg.check(&path("inner_cone_deg"), sink);
                outer_cone_deg.check(&path("outer_cone_deg"), sink);
                let (inner, outer) = (inner_cone_deg.bounds(), outer_cone_deg.bounds());
                if inner.0 < 0.0 || outer.1 > 90.0 || outer.0 <= 0.0 {
                    sink.issue(
                        &path("outer_cone_deg"),
                        format!(
                            "cone angles must lie in 0 <= inner < outer <= 90 degrees, found inner [{}, {}], outer [{}, {}]",
                            inner.0, inner.1, outer.0, outer.1
                        ),
                    );
                } else if inner.1 >= outer.0 {
                    sink.issue(
                        &path("inner_cone_deg"),
                        format!(
                            "must stay below outer_cone_deg: inner reaches {} and outer goes down to {}",
                            inner.1, outer.0
                        ),
                    );
                }
            }
        }
    }
    if total > MAX_LIGHTS as u64 {
        sink.issue(
            "lights",
            if extra > 0 {
                format!(
                    "up to {total} lights a frame with render.environment.sun's; at most {MAX_LIGHTS}"
                )
            } else {
                format!("up to {total} lights a frame; at most {MAX_LIGHTS}")
            },
        );
    }
}

/// `ambient` and `background`.
fn check_environment(spec: &Spec, sink: &mut dyn IssueSink) {
    spec.ambient.color.check("ambient.color", sink);
    check_non_negative(&spec.ambient.intensity, "ambient.intensity", sink);
    spec.background.color.check("background.color", sink);
    if let Some(t) = &spec.background.texture {
        t.check("background.texture", sink);
    }
}

fn check_non_negative(s: &Scalar, path: &str, sink: &mut dyn IssueSink) {
    s.check(path, sink);
    if s.bounds().0 < 0.0 {
        sink.issue(
            path,
            format!(
                "must not be negative; this distribution reaches {}",
                s.bounds().0
            ),
        );
    }
}

fn category_names(spec: &Spec) -> String {
    names(spec.categories.iter().map(|c| &c.name))
}

fn asset_names(spec: &Spec) -> String {
    names(spec.assets.iter().map(|a| &a.name))
}

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = it.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// `labels`: a visibility threshold is a fraction.
fn check_labels(spec: &Spec, sink: &mut dyn IssueSink) {
    if let Some(v) = spec.labels.min_visibility
        && !(0.0..=1.0).contains(&v)
    {
        sink.issue(
            "labels.min_visibility",
            format!("must lie in [0, 1] (visible / unoccluded pixels), found {v}"),
        );
    }
}

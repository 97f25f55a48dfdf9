//! `sequence`, the objects' and camera's `motion`, and `outputs.flow` (spec version 3).

use super::super::objects::AssetChoice;
use super::super::sequence::MAX_STEPS;
use super::super::{IssueSink, Spec};

/// The first spec version with sequences.
const SEQUENCE_VERSION: u32 = 3;

/// Sequences need version 3; motion and flow need a sequence; moving groups are labelled
/// and not dropped (flow moves a pixel with its object's pose, and unlabelled pixels are
/// static world).
pub(super) fn check_sequence(spec: &Spec, sink: &mut dyn IssueSink) {
    let needs_version = |sink: &mut dyn IssueSink, path: &str| {
        if spec.version < SEQUENCE_VERSION {
            sink.issue(
                path,
                format!(
                    "needs spec version {SEQUENCE_VERSION} (this spec says {}): set \"version\": {SEQUENCE_VERSION}",
                    spec.version
                ),
            );
        }
    };
    let needs_sequence = |sink: &mut dyn IssueSink, path: &str| {
        if spec.sequence.is_none() {
            sink.issue(
                path,
                "moves things over time: give the spec a `sequence` (`{\"steps\": N, \"fps\": F}`)"
                    .into(),
            );
        }
    };
    if let Some(seq) = &spec.sequence {
        needs_version(sink, "sequence");
        if seq.steps == 0 || seq.steps > MAX_STEPS {
            sink.issue(
                "sequence.steps",
                format!("must be in 1..={MAX_STEPS}, found {}", seq.steps),
            );
        }
        if !(seq.fps.is_finite() && seq.fps > 0.0) {
            sink.issue(
                "sequence.fps",
                format!(
                    "must be a positive number of steps per second, found {}",
                    seq.fps
                ),
            );
        }
    }
    for (name, on) in [
        ("flow", spec.outputs.flow),
        ("scene_flow", spec.outputs.scene_flow),
        ("flow_kitti", spec.outputs.flow_kitti),
    ] {
        if on {
            needs_sequence(sink, &format!("outputs.{name}"));
        }
    }
    check_rig(spec, sink, &needs_version, &needs_sequence);
    if let Some(motion) = &spec.camera.motion {
        needs_version(sink, "camera.motion");
        needs_sequence(sink, "camera.motion");
        if let Some(rate) = &motion.orbit_deg_per_s {
            rate.check("camera.motion.orbit_deg_per_s", sink);
            if spec.camera.orbit.is_none() {
                sink.issue(
                    "camera.motion.orbit_deg_per_s",
                    "sweeps an orbit: the camera needs `orbit`, not `position`".into(),
                );
            }
        }
        if let Some(v) = &motion.velocity {
            v.check("camera.motion.velocity", sink);
        }
        if !motion.keyframes.is_empty()
            && (motion.orbit_deg_per_s.is_some() || motion.velocity.is_some())
        {
            sink.issue(
                "camera.motion.keyframes",
                "a keyframed path says where the camera is: give it, or `orbit_deg_per_s` / `velocity`, not both".into(),
            );
        }
        check_key_times(
            motion.keyframes.iter().map(|k| k.time),
            "camera.motion.keyframes",
            sink,
        );
        for (i, k) in motion.keyframes.iter().enumerate() {
            k.position
                .check(&format!("camera.motion.keyframes[{i}].position"), sink);
            if let Some(l) = &k.look_at {
                l.check(&format!("camera.motion.keyframes[{i}].look_at"), sink);
            }
        }
        if let Some(shake) = &motion.shake {
            for (name, dist, range) in [
                ("amplitude_deg", &shake.amplitude_deg, (0.0, 10.0)),
                ("translation_m", &shake.translation_m, (0.0, 1.0)),
                ("frequency_hz", &shake.frequency_hz, (0.0, 100.0)),
            ] {
                dist.check_within(&format!("camera.motion.shake.{name}"), range, sink);
            }
        }
    }
    for (i, o) in spec.objects.iter().enumerate() {
        if let Some(toss) = &o.toss {
            let path = format!("objects[{i}].toss");
            needs_version(sink, &path);
            needs_sequence(sink, &path);
            toss.check(&format!("objects[{i}]"), sink);
            if o.drop.is_some() || o.motion.is_some() {
                sink.issue(
                    &path,
                    "a group is tossed, dropped or given a `motion`, one of the three".into(),
                );
            }
        }
        let (path, moves) = match (&o.motion, &o.toss) {
            (Some(motion), _) => {
                let path = format!("objects[{i}].motion");
                needs_version(sink, &path);
                needs_sequence(sink, &path);
                motion.velocity.check(&format!("{path}.velocity"), sink);
                motion
                    .angular_velocity_deg
                    .check(&format!("{path}.angular_velocity_deg"), sink);
                check_key_times(
                    motion.keyframes.iter().map(|k| k.time),
                    &format!("{path}.keyframes"),
                    sink,
                );
                for (k, key) in motion.keyframes.iter().enumerate() {
                    key.offset
                        .check(&format!("{path}.keyframes[{k}].offset"), sink);
                    key.rotation_deg
                        .check(&format!("{path}.keyframes[{k}].rotation_deg"), sink);
                }
                if o.drop.is_some() {
                    sink.issue(
                        &path,
                        "a dropped group comes to rest where the simulation leaves it; give `motion` to groups that are not dropped".into(),
                    );
                }
                (path, true)
            }
            (None, Some(_)) => (format!("objects[{i}].toss"), true),
            (None, None) => (String::new(), false),
        };
        if !moves {
            continue;
        }
        let unlabelled: Vec<&str> = spec
            .assets
            .iter()
            .filter(|a| match &o.asset {
                AssetChoice::Named(choice) => choice.values.contains(&a.name),
                AssetChoice::Category(_) => false,
            })
            .filter(|a| a.category.is_none())
            .map(|a| a.name.as_str())
            .collect();
        if !unlabelled.is_empty() {
            sink.issue(
                &path,
                format!(
                    "moves assets without a category ({}): optical flow follows a moving surface by its instance id, so give them a category or keep them still",
                    unlabelled.join(", ")
                ),
            );
        }
    }
}

/// Keyframe times: finite, at or after 0, increasing.
fn check_key_times(times: impl Iterator<Item = f64>, path: &str, sink: &mut dyn IssueSink) {
    let mut last = f64::NEG_INFINITY;
    for (i, t) in times.enumerate() {
        if !(t.is_finite() && t >= 0.0) {
            sink.issue(
                &format!("{path}[{i}].time"),
                format!("must be a time in seconds from step 0, found {t}"),
            );
        } else if t <= last {
            sink.issue(
                &format!("{path}[{i}].time"),
                format!("keyframes go in increasing time: {t} s comes after {last} s"),
            );
        }
        last = t;
    }
}

/// Most cameras a rig may have.
pub const MAX_RIG_CAMERAS: usize = 64;

/// `cameras` and `stereo`: one or the other, on a sequence; unique names; sane poses and
/// lenses; `outputs.disparity` only with a stereo pair.
fn check_rig(
    spec: &Spec,
    sink: &mut dyn IssueSink,
    needs_version: &dyn Fn(&mut dyn IssueSink, &str),
    needs_sequence: &dyn Fn(&mut dyn IssueSink, &str),
) {
    if spec.cameras.is_some() && spec.stereo.is_some() {
        sink.issue(
            "stereo",
            "give either `cameras` or `stereo`, not both (a stereo pair is a rig of two)".into(),
        );
    }
    if let Some(cameras) = &spec.cameras {
        needs_version(sink, "cameras");
        needs_sequence(sink, "cameras");
        if cameras.is_empty() || cameras.len() > MAX_RIG_CAMERAS {
            sink.issue(
                "cameras",
                format!(
                    "must list 1 to {MAX_RIG_CAMERAS} cameras, found {}",
                    cameras.len()
                ),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, c) in cameras.iter().enumerate() {
            let path = format!("cameras[{i}]");
            if c.name.trim().is_empty() || c.name.contains(['/', '\\']) {
                sink.issue(
                    &format!("{path}.name"),
                    format!(
                        "must be a non-empty name without slashes, found {:?}",
                        c.name
                    ),
                );
            } else if !seen.insert(c.name.as_str()) {
                sink.issue(
                    &format!("{path}.name"),
                    format!("`{}` names two cameras", c.name),
                );
            }
            if !c
                .position
                .iter()
                .chain(&c.rotation_deg)
                .all(|v| v.is_finite())
            {
                sink.issue(&path, "position and rotation_deg must be finite".into());
            }
            super::check_lens((c.fov_y_deg.as_ref(), c.intrinsics.as_ref()), &path, sink);
        }
    }
    if let Some(stereo) = &spec.stereo {
        needs_version(sink, "stereo");
        needs_sequence(sink, "stereo");
        if !(stereo.baseline.is_finite() && stereo.baseline > 0.0) {
            sink.issue(
                "stereo.baseline",
                format!(
                    "must be a positive distance in metres, found {}",
                    stereo.baseline
                ),
            );
        }
    }
    if spec.outputs.disparity && spec.stereo.is_none() {
        sink.issue(
            "outputs.disparity",
            "disparity is defined for a rectified pair: give the spec `stereo` (`{\"baseline\": B}`)".into(),
        );
    }
}

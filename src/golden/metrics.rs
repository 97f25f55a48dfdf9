//! The comparison of two frames: every metric against its limit, and the pictures a
//! person reads a difference from.
//!
//! - colour: FLIP (NVIDIA's perceptual error, through `nv-flip`: mean and 99th
//!   percentile), the mean absolute channel difference, and the share of pixels with a
//!   channel past a threshold outside the silhouette band;
//! - depth: the largest difference where both show the same object, and the pixels where
//!   one has a surface and the other none;
//! - instance and class images: the pixels that differ;
//! - labels: the same instances with the same categories, box overlap, area and pose.
//!
//! The silhouette band is every pixel within `band_px` of an instance-id change in
//! either frame (none when `band_px` is 0).

use image::{Rgb, RgbImage};

use super::frames::FrameData;
use super::tolerance::{Bound, Tolerances};

/// One metric's value against its limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The metric, `modality.measure`.
    pub metric: &'static str,
    /// What was measured.
    pub value: f64,
    /// The limit.
    pub limit: f64,
    /// Which side of the limit passes.
    pub bound: Bound,
}

impl Measurement {
    /// Whether the value is within the limit.
    pub fn pass(&self) -> bool {
        self.bound.passes(self.value, self.limit)
    }
}

/// Pictures of a comparison, same size as the frames.
#[derive(Debug, Clone)]
pub struct DiffImages {
    /// Grey where equal, brighter with larger differences, red past the channel
    /// threshold, blue in the silhouette band.
    pub rgb_diff: RgbImage,
    /// FLIP's error map through the magma colour map (black: no error).
    pub flip: RgbImage,
    /// Black where instance ids agree, red where they differ, blue in the band.
    pub instance_diff: Option<RgbImage>,
}

/// Everything one frame's comparison found.
#[derive(Debug, Clone)]
pub struct FrameComparison {
    /// Frame index.
    pub frame: u64,
    /// Every metric measured.
    pub measurements: Vec<Measurement>,
    /// What could not be compared (a missing or unreadable file, a size mismatch, an
    /// output one side lacks); any problem fails the frame.
    pub problems: Vec<String>,
    /// Pictures, when both frames could be read.
    pub images: Option<DiffImages>,
}

impl FrameComparison {
    /// A frame that could not be compared at all.
    pub fn failed(frame: u64, problem: String) -> Self {
        Self {
            frame,
            measurements: Vec::new(),
            problems: vec![problem],
            images: None,
        }
    }

    /// Whether every metric passes and nothing stood in the way.
    pub fn pass(&self) -> bool {
        self.problems.is_empty() && self.measurements.iter().all(Measurement::pass)
    }

    /// The metrics that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Measurement> {
        self.measurements.iter().filter(|m| !m.pass())
    }
}

/// Marks pixels within `radius` of an id change in `ids`.
pub fn silhouette_band(ids: &[u16], width: u32, height: u32, radius: u32) -> Vec<bool> {
    let (w, h, r) = (i64::from(width), i64::from(height), i64::from(radius));
    let mut band = vec![false; ids.len()];
    if radius == 0 {
        return band;
    }
    for y in 0..h {
        for x in 0..w {
            let v = ids[(y * w + x) as usize];
            band[(y * w + x) as usize] = (-r..=r).any(|dy| {
                (-r..=r).any(|dx| {
                    let (nx, ny) = (x + dx, y + dy);
                    nx >= 0 && ny >= 0 && nx < w && ny < h && ids[(ny * w + nx) as usize] != v
                })
            });
        }
    }
    band
}

/// Compares `actual` with `reference` under `tol`.
pub fn compare(
    frame: u64,
    reference: &FrameData,
    actual: &FrameData,
    tol: &Tolerances,
) -> FrameComparison {
    let (w, h) = reference.rgb.dimensions();
    if actual.rgb.dimensions() != (w, h) {
        let (aw, ah) = actual.rgb.dimensions();
        return FrameComparison::failed(
            frame,
            format!("sizes differ: reference {w}x{h}, actual {aw}x{ah}"),
        );
    }
    let mut problems = Vec::new();
    let mut measurements = Vec::new();
    let mut m = |metric, value: f64, limit: f64, bound| {
        measurements.push(Measurement {
            metric,
            value,
            limit,
            bound,
        })
    };
    let band_px = tol.band_px.max(0.0) as u32;
    let band: Vec<bool> = match (&reference.instance, &actual.instance) {
        (Some(a), Some(b)) => {
            let (ba, bb) = (
                silhouette_band(a, w, h, band_px),
                silhouette_band(b, w, h, band_px),
            );
            ba.iter().zip(&bb).map(|(x, y)| *x || *y).collect()
        }
        _ => vec![false; (w * h) as usize],
    };

    // Colour.
    let (flip_mean, flip_p99, flip) = flip(&reference.rgb, &actual.rgb);
    let threshold = tol.rgb_channel_threshold;
    let (mut sum, mut over, mut compared) = (0u64, 0u64, 0u64);
    for (i, (a, b)) in reference.rgb.pixels().zip(actual.rgb.pixels()).enumerate() {
        let d = [0, 1, 2].map(|c| a.0[c].abs_diff(b.0[c]));
        sum += d.iter().map(|&v| u64::from(v)).sum::<u64>();
        if !band[i] {
            compared += 1;
            if d.iter().any(|&v| f64::from(v) > threshold) {
                over += 1;
            }
        }
    }
    m("rgb.flip_mean", flip_mean, tol.rgb_flip_mean, Bound::AtMost);
    m("rgb.flip_p99", flip_p99, tol.rgb_flip_p99, Bound::AtMost);
    m(
        "rgb.mean_abs",
        sum as f64 / (f64::from(w) * f64::from(h) * 3.0),
        tol.rgb_mean_abs,
        Bound::AtMost,
    );
    m(
        "rgb.share_over",
        over as f64 / compared.max(1) as f64,
        tol.rgb_share_over,
        Bound::AtMost,
    );

    // Depth, compared on the same surface: where the instance ids differ the pixel shows
    // another object, which `instance.pixels_differ` counts.
    let same_object = |i: usize| match (&reference.instance, &actual.instance) {
        (Some(a), Some(b)) => a[i] == b[i],
        _ => true,
    };
    match (&reference.depth, &actual.depth) {
        (Some(a), Some(b)) => {
            let (mut max_mm, mut coverage) = (0.0f64, 0u64);
            for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                if band[i] {
                    continue;
                }
                match (x > 0.0, y > 0.0) {
                    (true, true) if same_object(i) => {
                        max_mm = max_mm.max((f64::from(x) - f64::from(y)).abs() * 1e3)
                    }
                    (true, true) => {}
                    (false, false) => {}
                    _ => coverage += 1,
                }
            }
            m(
                "depth.max_abs_mm",
                max_mm,
                tol.depth_max_abs_mm,
                Bound::AtMost,
            );
            m(
                "depth.coverage_changed",
                coverage as f64,
                tol.depth_coverage_changed,
                Bound::AtMost,
            );
        }
        (None, None) => {}
        _ => problems.push("depth: only one side has depth images".into()),
    }

    // Instance and class images.
    let mut instance_diff = None;
    for (metric, a, b, limit) in [
        (
            "instance.pixels_differ",
            &reference.instance,
            &actual.instance,
            tol.instance_pixels_differ,
        ),
        (
            "class.pixels_differ",
            &reference.class,
            &actual.class,
            tol.class_pixels_differ,
        ),
    ] {
        match (a, b) {
            (Some(a), Some(b)) => {
                let differ = a
                    .iter()
                    .zip(b)
                    .enumerate()
                    .filter(|(i, (x, y))| !band[*i] && x != y)
                    .count();
                m(metric, differ as f64, limit, Bound::AtMost);
                if metric.starts_with("instance") {
                    instance_diff = Some(RgbImage::from_fn(w, h, |x, y| {
                        let i = (y * w + x) as usize;
                        if a[i] != b[i] && !band[i] {
                            Rgb([255, 0, 0])
                        } else if band[i] {
                            Rgb([0, 0, 96])
                        } else {
                            Rgb([0, 0, 0])
                        }
                    }));
                }
            }
            (None, None) => {}
            _ => problems.push(format!("{metric}: only one side has these images")),
        }
    }

    // Labels.
    let (r, a) = (&reference.labels, &actual.labels);
    let differ = r
        .iter()
        .filter(|(id, i)| a.get(id).is_none_or(|j| j.category_id != i.category_id))
        .count()
        + a.keys().filter(|id| !r.contains_key(id)).count();
    m(
        "labels.instances_differ",
        differ as f64,
        tol.labels_instances_differ,
        Bound::AtMost,
    );
    let (mut iou_min, mut area_max, mut mm_max, mut deg_max) = (1.0f64, 0u64, 0.0f64, 0.0f64);
    for (id, i) in r {
        let Some(j) = a.get(id) else { continue };
        iou_min = iou_min.min(box_iou(i.bbox, j.bbox));
        area_max = area_max.max(i.area.abs_diff(j.area));
        let (ti, tj) = (i.pose_camera.translation, j.pose_camera.translation);
        let dist = (0..3).map(|k| (ti[k] - tj[k]).powi(2)).sum::<f64>().sqrt();
        mm_max = mm_max.max(dist * 1e3);
        deg_max = deg_max.max(angle_between_deg(
            i.pose_camera.rotation_xyzw,
            j.pose_camera.rotation_xyzw,
        ));
    }
    m(
        "labels.bbox_iou_min",
        iou_min,
        tol.labels_bbox_iou_min,
        Bound::AtLeast,
    );
    m(
        "labels.area_change_px",
        area_max as f64,
        tol.labels_area_change_px,
        Bound::AtMost,
    );
    m(
        "labels.pose_mm_max",
        mm_max,
        tol.labels_pose_mm_max,
        Bound::AtMost,
    );
    m(
        "labels.pose_deg_max",
        deg_max,
        tol.labels_pose_deg_max,
        Bound::AtMost,
    );

    let rgb_diff = rgb_diff_image(&reference.rgb, &actual.rgb, &band, threshold);
    FrameComparison {
        frame,
        measurements,
        problems,
        images: Some(DiffImages {
            rgb_diff,
            flip,
            instance_diff,
        }),
    }
}

/// FLIP between two images: mean, 99th percentile and the magma heat map.
fn flip(reference: &RgbImage, actual: &RgbImage) -> (f64, f64, RgbImage) {
    let (w, h) = reference.dimensions();
    let error = nv_flip::flip(
        nv_flip::FlipImageRgb8::with_data(w, h, reference.as_raw()),
        nv_flip::FlipImageRgb8::with_data(w, h, actual.as_raw()),
        nv_flip::DEFAULT_PIXELS_PER_DEGREE,
    );
    let mut pool = nv_flip::FlipPool::from_image(&error);
    let mean = f64::from(pool.mean());
    let p99 = f64::from(pool.get_percentile(0.99, false));
    let heat = error.apply_color_lut(&nv_flip::magma_lut()).to_vec();
    let heat = RgbImage::from_raw(w, h, heat).unwrap_or_else(|| RgbImage::new(w, h));
    (mean, p99, heat)
}

fn rgb_diff_image(
    reference: &RgbImage,
    actual: &RgbImage,
    band: &[bool],
    threshold: f64,
) -> RgbImage {
    let (w, h) = reference.dimensions();
    RgbImage::from_fn(w, h, |x, y| {
        let (a, b) = (reference.get_pixel(x, y), actual.get_pixel(x, y));
        let d = (0..3).map(|c| a.0[c].abs_diff(b.0[c])).max().unwrap_or(0);
        if f64::from(d) > threshold {
            Rgb([255, 0, 0])
        } else if band[(y * w + x) as usize] {
            Rgb([0, 0, 96])
        } else {
            let v = 32u8.saturating_add(d.saturating_mul(24));
            Rgb([v, v, v])
        }
    })
}

/// Intersection over union of two `[x, y, w, h]` boxes; 1 when neither is visible, 0
/// when one is.
fn box_iou(a: Option<[u32; 4]>, b: Option<[u32; 4]>) -> f64 {
    match (a, b) {
        (None, None) => 1.0,
        (Some(a), Some(b)) => {
            let (ax1, ay1) = (a[0] + a[2], a[1] + a[3]);
            let (bx1, by1) = (b[0] + b[2], b[1] + b[3]);
            let iw = f64::from(ax1.min(bx1).saturating_sub(a[0].max(b[0])));
            let ih = f64::from(ay1.min(by1).saturating_sub(a[1].max(b[1])));
            let inter = iw * ih;
            let union =
                f64::from(a[2]) * f64::from(a[3]) + f64::from(b[2]) * f64::from(b[3]) - inter;
            if union > 0.0 { inter / union } else { 1.0 }
        }
        _ => 0.0,
    }
}

/// The angle of the rotation between two unit quaternions `[x, y, z, w]`, degrees: from
/// the relative rotation's vector and scalar parts (atan2 stays exact near zero, where
/// acos of a dot product does not).
fn angle_between_deg(a: [f64; 4], b: [f64; 4]) -> f64 {
    if a == b {
        return 0.0;
    }
    let relative = glam::DQuat::from_array(a).conjugate() * glam::DQuat::from_array(b);
    let sine = glam::DVec3::new(relative.x, relative.y, relative.z).length();
    2.0 * libm::atan2(sine, relative.w.abs()).to_degrees()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_overlap() {
        assert_eq!(box_iou(Some([0, 0, 10, 10]), Some([0, 0, 10, 10])), 1.0);
        let shifted = box_iou(Some([0, 0, 10, 10]), Some([1, 0, 10, 10]));
        assert!((shifted - 90.0 / 110.0).abs() < 1e-12);
        assert_eq!(box_iou(None, Some([0, 0, 1, 1])), 0.0);
        assert_eq!(box_iou(None, None), 1.0);
    }

    #[test]
    fn rotation_angle() {
        let id = [0.0, 0.0, 0.0, 1.0];
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert!(angle_between_deg(id, id).abs() < 1e-9);
        assert!((angle_between_deg(id, [0.0, s, 0.0, s]) - 90.0).abs() < 1e-9);
        // q and -q are the same rotation.
        assert!(angle_between_deg(id, [0.0, 0.0, 0.0, -1.0]).abs() < 1e-9);
    }

    #[test]
    fn band_marks_pixels_near_id_changes() {
        let ids = [0, 0, 1, 1, 0, 0, 1, 1];
        let band = silhouette_band(&ids, 4, 2, 1);
        assert_eq!(band, [false, true, true, false, false, true, true, false]);
        assert!(silhouette_band(&ids, 4, 2, 0).iter().all(|b| !b));
    }
}

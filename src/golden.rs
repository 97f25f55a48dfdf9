//! Golden-image comparison with a rule that survives a different rasterizer.
//!
//! Colour: pixels within `band_px` of a silhouette (an instance-id change in either
//! image) are ignored; elsewhere at most `max_share_over` of the pixels may differ by more
//! than `channel_threshold` levels in some channel, and the mean absolute difference over
//! all compared channels must stay within `max_mean_abs`. Labels: instance ids must be
//! equal outside the band.

use image::{Rgb, RgbImage};

/// The comparison rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// A channel differing by more than this many levels makes a pixel "over".
    pub channel_threshold: u8,
    /// Largest allowed share of compared pixels that are over (0..1).
    pub max_share_over: f64,
    /// Largest allowed mean absolute channel difference, levels.
    pub max_mean_abs: f64,
    /// Silhouette band width ignored in the colour and label comparison, pixels.
    pub band_px: u32,
}

impl Default for Tolerance {
    /// Lavapipe and llvmpipe differ by at most 1 level on a few pixels; a hardware
    /// rasterizer differs more along edges and in texture filtering. 8 levels, 0.5 % of
    /// pixels and a mean of 1 level leave that room while catching a wrong texture,
    /// orientation, colour space or light.
    fn default() -> Self {
        Self {
            channel_threshold: 8,
            max_share_over: 0.005,
            max_mean_abs: 1.0,
            band_px: 1,
        }
    }
}

/// What a comparison measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Pixels compared (outside the band).
    pub compared: u64,
    /// Pixels with a channel over the threshold.
    pub over: u64,
    /// `over / compared`.
    pub share_over: f64,
    /// Mean absolute channel difference, levels.
    pub mean_abs: f64,
    /// Largest channel difference seen, levels.
    pub max_abs: u8,
    /// Pixels outside the band whose instance ids differ.
    pub label_mismatches: u64,
    /// Set when the images (or id buffers) differ in size: nothing was compared.
    pub size_mismatch: Option<String>,
    /// Whether the rule holds.
    pub pass: bool,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(sizes) = &self.size_mismatch {
            return write!(f, "sizes differ: {sizes} -> FAIL");
        }
        write!(
            f,
            "{} pixels compared: {} over threshold ({:.4} %), mean |diff| {:.4}, max |diff| {}, {} label mismatches -> {}",
            self.compared,
            self.over,
            self.share_over * 100.0,
            self.mean_abs,
            self.max_abs,
            self.label_mismatches,
            if self.pass { "pass" } else { "FAIL" }
        )
    }
}

/// Marks pixels within `radius` of an id change in `ids`.
pub fn silhouette_band(ids: &[u32], width: u32, height: u32, radius: u32) -> Vec<bool> {
    let (w, h, r) = (width as i64, height as i64, i64::from(radius));
    let mut band = vec![false; ids.len()];
    for y in 0..h {
        for x in 0..w {
            let v = ids[(y * w + x) as usize];
            let edge = (-r..=r).any(|dy| {
                (-r..=r).any(|dx| {
                    let (nx, ny) = (x + dx, y + dy);
                    nx >= 0 && ny >= 0 && nx < w && ny < h && ids[(ny * w + nx) as usize] != v
                })
            });
            band[(y * w + x) as usize] = edge;
        }
    }
    band
}

/// Compares an actual frame with a reference. Images (and id buffers) of different sizes
/// fail the comparison without comparing anything.
pub fn compare(
    reference_rgb: &RgbImage,
    reference_ids: &[u32],
    actual_rgb: &RgbImage,
    actual_ids: &[u32],
    tol: Tolerance,
) -> Report {
    let (w, h) = reference_rgb.dimensions();
    let pixels = w as usize * h as usize;
    if actual_rgb.dimensions() != (w, h)
        || reference_ids.len() != pixels
        || actual_ids.len() != pixels
    {
        let (aw, ah) = actual_rgb.dimensions();
        return Report {
            compared: 0,
            over: 0,
            share_over: 0.0,
            mean_abs: 0.0,
            max_abs: 0,
            label_mismatches: 0,
            size_mismatch: Some(format!(
                "reference {w}x{h} ({} ids), actual {aw}x{ah} ({} ids)",
                reference_ids.len(),
                actual_ids.len()
            )),
            pass: false,
        };
    }
    let band_ref = silhouette_band(reference_ids, w, h, tol.band_px);
    let band_act = silhouette_band(actual_ids, w, h, tol.band_px);
    let (mut compared, mut over, mut sum, mut max_abs, mut label_mismatches) =
        (0u64, 0u64, 0u64, 0u8, 0u64);
    for (i, (a, b)) in reference_rgb.pixels().zip(actual_rgb.pixels()).enumerate() {
        if band_ref[i] || band_act[i] {
            continue;
        }
        compared += 1;
        if reference_ids[i] != actual_ids[i] {
            label_mismatches += 1;
        }
        let d = [0, 1, 2].map(|c| a.0[c].abs_diff(b.0[c]));
        sum += d.iter().map(|&v| u64::from(v)).sum::<u64>();
        let m = d.into_iter().max().unwrap_or(0);
        max_abs = max_abs.max(m);
        if m > tol.channel_threshold {
            over += 1;
        }
    }
    let share_over = if compared == 0 {
        0.0
    } else {
        over as f64 / compared as f64
    };
    let mean_abs = if compared == 0 {
        0.0
    } else {
        sum as f64 / (compared * 3) as f64
    };
    let pass = compared > 0
        && share_over <= tol.max_share_over
        && mean_abs <= tol.max_mean_abs
        && label_mismatches == 0;
    Report {
        compared,
        over,
        share_over,
        mean_abs,
        max_abs,
        label_mismatches,
        size_mismatch: None,
        pass,
    }
}

/// A picture of the differences: grey where equal, brighter with larger differences, red
/// where over the threshold, blue in the ignored silhouette band. None when the images
/// differ in size.
pub fn diff_image(
    reference: &RgbImage,
    actual: &RgbImage,
    reference_ids: &[u32],
    tol: Tolerance,
) -> Option<RgbImage> {
    let (w, h) = reference.dimensions();
    if actual.dimensions() != (w, h) || reference_ids.len() != w as usize * h as usize {
        return None;
    }
    let band = silhouette_band(reference_ids, w, h, tol.band_px);
    Some(RgbImage::from_fn(w, h, |x, y| {
        let i = (y * w + x) as usize;
        let (a, b) = (reference.get_pixel(x, y), actual.get_pixel(x, y));
        let m = (0..3).map(|c| a.0[c].abs_diff(b.0[c])).max().unwrap_or(0);
        if m > tol.channel_threshold {
            Rgb([255, 0, 0])
        } else if band[i] {
            Rgb([0, 0, 96])
        } else {
            let v = 32u8.saturating_add(m.saturating_mul(24));
            Rgb([v, v, v])
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_of_different_sizes_fail_without_comparing() {
        let a = RgbImage::new(4, 4);
        let b = RgbImage::new(4, 3);
        let report = compare(&a, &[0; 16], &b, &[0; 12], Tolerance::default());
        assert!(!report.pass);
        assert_eq!(report.compared, 0);
        assert!(report.to_string().contains("4x4"), "{report}");
        assert!(diff_image(&a, &b, &[0; 16], Tolerance::default()).is_none());
        let same = compare(&a, &[0; 16], &a, &[0; 16], Tolerance::default());
        assert!(same.pass, "{same}");
    }
}

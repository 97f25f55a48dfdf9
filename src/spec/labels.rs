//! The spec's `labels` section and what it decides: which instances become COCO
//! annotations ([`AnnotationPolicy`]) and what else the label stage computes
//! ([`LabelOptions`]).

use serde::{Deserialize, Serialize};

/// Which instances become COCO annotations. Every labeled instance is listed in
/// `labels/*.json` whatever these say.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelsSpec {
    /// Fewest visible pixels an annotation needs (default 16 from spec version 2; 1
    /// before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_visible_pixels: Option<u64>,
    /// Least visibility (visible / unoccluded pixels, in [0, 1]) an annotation needs
    /// (default 0.1 from spec version 2; 0 before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_visibility: Option<f64>,
    /// What becomes of instances below either threshold: `drop` (no annotation, the
    /// default) or `crowd` (an annotation with `iscrowd: 1`).
    #[serde(default)]
    pub below_threshold: BelowThreshold,
    /// Give each annotation its cuboid's 8 corners and centre as COCO `keypoints`.
    #[serde(default)]
    pub keypoints: bool,
}

impl LabelsSpec {
    /// The policy these settings give a spec of `version`.
    pub fn policy(&self, version: u32) -> AnnotationPolicy {
        let defaults = if version >= 2 {
            AnnotationPolicy::SPARE_SLIVERS
        } else {
            AnnotationPolicy::EVERY_VISIBLE
        };
        AnnotationPolicy {
            min_visible_pixels: self
                .min_visible_pixels
                .unwrap_or(defaults.min_visible_pixels),
            min_visibility: self.min_visibility.unwrap_or(defaults.min_visibility),
            below: self.below_threshold,
        }
    }
}

/// How an instance appears in `annotations.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CocoStatus {
    /// An annotation with `iscrowd: 0`.
    Annotated,
    /// An annotation with `iscrowd: 1` (below the spec's thresholds, policy `crowd`).
    Crowd,
    /// No annotation: below the spec's thresholds (policy `drop`).
    BelowThreshold,
    /// No annotation: no visible pixel.
    NotVisible,
}

/// What becomes of instances below the thresholds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum BelowThreshold {
    /// No annotation (the instance stays in `labels/*.json`).
    #[default]
    Drop,
    /// An annotation with `iscrowd: 1`, which COCOeval ignores and YOLO export skips.
    Crowd,
}

/// What the label stage computes beyond the always-present labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelOptions {
    /// Which instances become COCO annotations.
    pub policy: AnnotationPolicy,
    /// The cuboid's corners and centre as COCO keypoints.
    pub keypoints: bool,
    /// Each instance's unoccluded mask as RLE (`amodal_segmentation`).
    pub amodal_masks: bool,
}

/// Which instances become COCO annotations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnotationPolicy {
    /// Fewest visible pixels an annotation needs.
    pub min_visible_pixels: u64,
    /// Least visibility (visible / unoccluded) an annotation needs.
    pub min_visibility: f64,
    /// What becomes of the others.
    pub below: BelowThreshold,
}

impl AnnotationPolicy {
    /// Annotate every instance with a visible pixel (spec versions 0 and 1).
    pub const EVERY_VISIBLE: Self = Self {
        min_visible_pixels: 1,
        min_visibility: 0.0,
        below: BelowThreshold::Drop,
    };

    /// The defaults from spec version 2: at least 16 visible pixels (a 4×4 patch) and a
    /// tenth of the unoccluded silhouette, so slivers make no annotation.
    pub const SPARE_SLIVERS: Self = Self {
        min_visible_pixels: 16,
        min_visibility: 0.1,
        below: BelowThreshold::Drop,
    };

    /// The status of an instance with `visible_pixels` and `visibility`.
    pub fn status(&self, visible_pixels: u64, visibility: Option<f64>) -> CocoStatus {
        if visible_pixels == 0 {
            CocoStatus::NotVisible
        } else if visible_pixels < self.min_visible_pixels
            || visibility.unwrap_or(0.0) < self.min_visibility
        {
            match self.below {
                BelowThreshold::Drop => CocoStatus::BelowThreshold,
                BelowThreshold::Crowd => CocoStatus::Crowd,
            }
        } else {
            CocoStatus::Annotated
        }
    }
}

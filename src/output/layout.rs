//! The dataset layout in one table: which folder, extension and encoding each per-frame
//! output takes, and the names of the dataset-wide files. Every other module asks here
//! for a path; none spells a file name itself.
//!
//! ```text
//! rgb/NNNNNN.png        8-bit sRGB colour
//! depth/NNNNNN.png      16-bit linear depth, millimetres (0: no surface)
//! depth/NNNNNN.exr      32-bit float linear depth, metres
//! instance/NNNNNN.png   16-bit instance ids (0: background or unlabeled)
//! class/NNNNNN.png      16-bit category ids (0: background or unlabeled)
//! normals/NNNNNN.png    16-bit RGB camera-frame normals (outputs.normals)
//! nocs/NNNNNN.png       16-bit RGB object coordinates in the asset's box (outputs.nocs)
//! flow_forward/NNNNNN.flo   Middlebury optical flow to the next step (outputs.flow)
//! flow_backward/NNNNNN.flo  Middlebury optical flow to the previous step (outputs.flow)
//! occlusion_forward/NNNNNN.png   255 where the surface is hidden or out of view at the next step (outputs.flow)
//! occlusion_backward/NNNNNN.png  the same towards the previous step (outputs.flow)
//! scene_flow_forward/NNNNNN.exr   X, Y, Z: each pixel's 3-D motion to the next step, metres (outputs.scene_flow)
//! scene_flow_backward/NNNNNN.exr  the same to the previous step (outputs.scene_flow)
//! flow_kitti_forward/NNNNNN.png   KITTI's 16-bit flow PNG to the next step (outputs.flow_kitti)
//! flow_kitti_backward/NNNNNN.png  the same to the previous step (outputs.flow_kitti)
//! disparity/NNNNNN.pfm  float disparity f·B/Z of a stereo pair's left camera (outputs.disparity)
//! labels/NNNNNN.json    the sampled scene, per-instance labels, the frame's checksums
//! annotations.json      COCO "instances", assembled from labels/ at the end
//! manifest.json         what made the dataset and whether it is complete
//! shards.json           where a merged dataset's frames came from (merge only)
//! ```
//!
//! Frame numbers are zero-padded to 6 digits and grow past 999999.

use serde::{Deserialize, Serialize};

use crate::spec::OutputsSpec;

/// How a dataset stores its frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Format {
    /// A folder per modality and a file per frame, as laid out above.
    #[default]
    Folders,
    /// Tar files of blocks of frames, for datasets of millions of frames
    /// ([`super::webdataset`]).
    Webdataset {
        /// Frames per tar.
        frames_per_tar: u64,
    },
}

impl Format {
    /// Whether this is the folder layout (the manifest leaves the format out then).
    pub fn is_folders(&self) -> bool {
        *self == Format::Folders
    }

    /// The frames stored as one unit, written whole or not at all: one in the folder
    /// layout (a frame's labels file is renamed into place last), a tar's in webdataset.
    pub fn frames_per_unit(&self) -> u64 {
        match self {
            Format::Folders => 1,
            Format::Webdataset { frames_per_tar } => (*frames_per_tar).max(1),
        }
    }
}

/// One kind of per-frame file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modality {
    /// Colour image.
    Rgb,
    /// Depth as a 16-bit PNG in millimetres.
    Depth,
    /// Depth as a float EXR in metres.
    DepthExr,
    /// Instance-id image.
    Instance,
    /// Category-id image.
    Class,
    /// Camera-frame surface normals.
    Normals,
    /// Object coordinates normalized to the asset's box.
    Nocs,
    /// Optical flow to the next step of a sequence.
    FlowForward,
    /// Optical flow to the previous step of a sequence.
    FlowBackward,
    /// Which pixels' surface is hidden or out of view at the next step.
    OcclusionForward,
    /// Which pixels' surface is hidden or out of view at the previous step.
    OcclusionBackward,
    /// 3-D motion to the next step.
    SceneFlowForward,
    /// 3-D motion to the previous step.
    SceneFlowBackward,
    /// Optical flow to the next step, KITTI's PNG encoding.
    FlowKittiForward,
    /// Optical flow to the previous step, KITTI's PNG encoding.
    FlowKittiBackward,
    /// Disparity of a stereo pair's left camera.
    Disparity,
    /// The frame's labels file.
    Labels,
}

/// Where and how a [`Modality`] is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// The modality.
    pub modality: Modality,
    /// Folder inside the dataset.
    pub folder: &'static str,
    /// File extension, without the dot.
    pub extension: &'static str,
    /// What the file holds, for people.
    pub encoding: &'static str,
}

/// The per-frame files, in the order a frame writes them (labels last: they carry the
/// others' checksums).
pub const LAYOUT: [FileKind; 17] = [
    FileKind {
        modality: Modality::Rgb,
        folder: "rgb",
        extension: "png",
        encoding: "8-bit sRGB colour PNG",
    },
    FileKind {
        modality: Modality::Depth,
        folder: "depth",
        extension: "png",
        encoding: "16-bit grey PNG, linear depth in millimetres, 0 where no surface is",
    },
    FileKind {
        modality: Modality::DepthExr,
        folder: "depth",
        extension: "exr",
        encoding: "single-channel (Z) float32 EXR, linear depth in metres, 0 where no surface is",
    },
    FileKind {
        modality: Modality::Instance,
        folder: "instance",
        extension: "png",
        encoding: "16-bit grey PNG, instance id per pixel (0: background or unlabeled)",
    },
    FileKind {
        modality: Modality::Class,
        folder: "class",
        extension: "png",
        encoding: "16-bit grey PNG, category id per pixel (0: background or unlabeled)",
    },
    FileKind {
        modality: Modality::Normals,
        folder: "normals",
        extension: "png",
        encoding: "16-bit RGB PNG, the unit surface normal in the camera frame (OpenCV axes) as (n + 1) / 2 × 65535, (0, 0, 0) where no surface is",
    },
    FileKind {
        modality: Modality::Nocs,
        folder: "nocs",
        extension: "png",
        encoding: "16-bit RGB PNG, the surface point in its asset's box as fractions c in [0, 1] per axis, stored as 1 + c × 65534; (0, 0, 0) where no labeled object is",
    },
    FileKind {
        modality: Modality::FlowForward,
        folder: "flow_forward",
        extension: "flo",
        encoding: "Middlebury .flo: (dx, dy) in pixels to the next step of the sequence, float32; 1e10 where no surface is; absent at a sequence's last step",
    },
    FileKind {
        modality: Modality::FlowBackward,
        folder: "flow_backward",
        extension: "flo",
        encoding: "Middlebury .flo: (dx, dy) in pixels to the previous step of the sequence, float32; 1e10 where no surface is; absent at a sequence's first step",
    },
    FileKind {
        modality: Modality::OcclusionForward,
        folder: "occlusion_forward",
        extension: "png",
        encoding: "8-bit grey PNG: 255 where the pixel's surface point is outside the image or hidden at the next step, 0 where it is seen there or no surface is",
    },
    FileKind {
        modality: Modality::OcclusionBackward,
        folder: "occlusion_backward",
        extension: "png",
        encoding: "8-bit grey PNG: 255 where the pixel's surface point is outside the image or hidden at the previous step, 0 where it is seen there or no surface is",
    },
    FileKind {
        modality: Modality::SceneFlowForward,
        folder: "scene_flow_forward",
        extension: "exr",
        encoding: "float32 EXR, channels X, Y, Z: the surface point's position in the next step's camera frame minus its position in this step's, metres (so K projects point + scene flow to pixel + flow), 0 where no surface is",
    },
    FileKind {
        modality: Modality::SceneFlowBackward,
        folder: "scene_flow_backward",
        extension: "exr",
        encoding: "float32 EXR, channels X, Y, Z: the same towards the previous step",
    },
    FileKind {
        modality: Modality::FlowKittiForward,
        folder: "flow_kitti_forward",
        extension: "png",
        encoding: "16-bit RGB PNG as KITTI stores flow: R = dx·64 + 2^15, G = dy·64 + 2^15, B = 1 where valid (a surface, |dx|, |dy| < 512), else all 0",
    },
    FileKind {
        modality: Modality::FlowKittiBackward,
        folder: "flow_kitti_backward",
        extension: "png",
        encoding: "16-bit RGB PNG, KITTI's flow encoding, towards the previous step",
    },
    FileKind {
        modality: Modality::Disparity,
        folder: "disparity",
        extension: "pfm",
        encoding: "PFM, one float32 channel: the left camera's disparity f·B/Z in pixels (the right camera shows the point at x − d), 0 where no surface is",
    },
    FileKind {
        modality: Modality::Labels,
        folder: "labels",
        extension: "json",
        encoding: "JSON: the sampled scene, per-instance labels and the frame's checksums",
    },
];

/// The COCO annotation file at the dataset root.
pub const COCO_FILE: &str = "annotations.json";
/// The manifest at the dataset root.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Where a merged dataset's frames came from (written by `merge` only).
pub const SHARDS_FILE: &str = "shards.json";

impl Modality {
    /// Its row of [`LAYOUT`].
    pub fn kind(self) -> &'static FileKind {
        let i = match self {
            Modality::Rgb => 0,
            Modality::Depth => 1,
            Modality::DepthExr => 2,
            Modality::Instance => 3,
            Modality::Class => 4,
            Modality::Normals => 5,
            Modality::Nocs => 6,
            Modality::FlowForward => 7,
            Modality::FlowBackward => 8,
            Modality::OcclusionForward => 9,
            Modality::OcclusionBackward => 10,
            Modality::SceneFlowForward => 11,
            Modality::SceneFlowBackward => 12,
            Modality::FlowKittiForward => 13,
            Modality::FlowKittiBackward => 14,
            Modality::Disparity => 15,
            Modality::Labels => 16,
        };
        &LAYOUT[i]
    }

    /// Frame `frame`'s file of this modality, relative to the dataset root
    /// (`rgb/000012.png`).
    pub fn path(self, frame: u64) -> String {
        let kind = self.kind();
        format!("{}/{}.{}", kind.folder, frame_stem(frame), kind.extension)
    }

    /// Whether a run with these outputs writes this modality (labels always).
    pub fn enabled(self, outputs: &OutputsSpec) -> bool {
        match self {
            Modality::Rgb => outputs.rgb,
            Modality::Depth => outputs.depth,
            Modality::DepthExr => outputs.depth_exr,
            Modality::Instance => outputs.instance,
            Modality::Class => outputs.class,
            Modality::Normals => outputs.normals,
            Modality::Nocs => outputs.nocs,
            Modality::FlowForward
            | Modality::FlowBackward
            | Modality::OcclusionForward
            | Modality::OcclusionBackward => outputs.flow,
            Modality::SceneFlowForward | Modality::SceneFlowBackward => outputs.scene_flow,
            Modality::FlowKittiForward | Modality::FlowKittiBackward => outputs.flow_kitti,
            Modality::Disparity => outputs.disparity,
            Modality::Labels => true,
        }
    }
}

/// The zero-padded stem of frame `i`'s files.
pub fn frame_stem(i: u64) -> String {
    format!("{i:06}")
}

/// The folder of a webdataset dataset's tars.
pub const WEBDATASET_FOLDER: &str = "webdataset";

/// The folders a run with these outputs needs in this format: for folders each
/// modality's once, in [`LAYOUT`] order; for webdataset the tars' folder.
pub fn folders_in(outputs: &OutputsSpec, format: Format) -> Vec<&'static str> {
    if format != Format::Folders {
        return vec![WEBDATASET_FOLDER];
    }
    let mut out: Vec<&'static str> = Vec::new();
    for kind in LAYOUT.iter().filter(|k| k.modality.enabled(outputs)) {
        if !out.contains(&kind.folder) {
            out.push(kind.folder);
        }
    }
    out
}

/// Every folder and file a synthvis dataset may consist of: what `--overwrite` may remove.
pub fn dataset_entries() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for kind in &LAYOUT {
        if !out.contains(&kind.folder) {
            out.push(kind.folder);
        }
    }
    out.extend([WEBDATASET_FOLDER, COCO_FILE, MANIFEST_FILE, SHARDS_FILE]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_table() {
        assert_eq!(Modality::Rgb.path(12), "rgb/000012.png");
        assert_eq!(Modality::DepthExr.path(1_234_567), "depth/1234567.exr");
        assert_eq!(Modality::Labels.path(0), "labels/000000.json");
        for kind in &LAYOUT {
            assert_eq!(kind.modality.kind(), kind);
        }
    }

    #[test]
    fn folders_are_listed_once() {
        let all = OutputsSpec {
            depth_exr: true,
            ..OutputsSpec::default()
        };
        assert_eq!(
            folders_in(&all, Format::Folders),
            ["rgb", "depth", "instance", "class", "labels"]
        );
        let labels_only = OutputsSpec {
            rgb: false,
            depth: false,
            depth_exr: false,
            instance: false,
            class: false,
            ..OutputsSpec::default()
        };
        assert_eq!(folders_in(&labels_only, Format::Folders), ["labels"]);
        let tars = Format::Webdataset { frames_per_tar: 9 };
        assert_eq!(folders_in(&all, tars), ["webdataset"]);
        assert_eq!(
            dataset_entries(),
            [
                "rgb",
                "depth",
                "instance",
                "class",
                "normals",
                "nocs",
                "flow_forward",
                "flow_backward",
                "occlusion_forward",
                "occlusion_backward",
                "scene_flow_forward",
                "scene_flow_backward",
                "flow_kitti_forward",
                "flow_kitti_backward",
                "disparity",
                "labels",
                "webdataset",
                "annotations.json",
                "manifest.json",
                "shards.json"
            ]
        );
    }
}

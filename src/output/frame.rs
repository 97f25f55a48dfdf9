//! One frame's files: images encoded in parallel, then `labels/NNNNNN.json` carrying the
//! sampled scene, the label stage's per-instance records and the checksums of the frame's
//! images.

use std::collections::BTreeMap;

use serde::Serialize;

use super::OutputError;
use super::images::{
    depth_to_millimetres, exr_channels, exr_depth, flo, normals_to_rgb16, pfm_gray, png_gray8,
    png_gray16, png_rgb8, png16,
};
use super::layout::{LAYOUT, Modality};
use crate::gpu::FrameBuffers;
use crate::hash::sha256_hex;
use crate::labels::flow::{FlowDirection, FrameFlow, kitti_flow, optical_flow, scene_flow};
use crate::labels::{FrameLabels, InstanceLabel};
use crate::scene::FrameScene;
use crate::spec::OutputsSpec;

/// Image facts for COCO.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    /// `rgb/NNNNNN.png`.
    pub file_name: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
}

/// `labels/NNNNNN.json` as written.
#[derive(Debug, Serialize)]
pub struct LabelsFile<'a> {
    /// Frame index.
    pub frame_index: u64,
    /// The frame's RGB image.
    pub image: ImageInfo,
    /// What was drawn (the same record `explain` prints).
    pub scene: &'a FrameScene,
    /// Labeled instances in id order, visible or not.
    pub instances: &'a [InstanceLabel],
    /// SHA-256 of each image file of this frame, by path relative to the dataset root.
    pub files: BTreeMap<String, String>,
}

/// Encoded files of one frame, paths relative to the dataset root; labels last.
#[derive(Debug, Default)]
pub struct EncodedFrame {
    /// (relative path, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// SHA-256 of the labels file.
    pub labels_sha256: String,
}

/// Each labeled pixel's surface point in its asset's box, as 16-bit RGB `1 + c · 65534`
/// per axis (`c` in [0, 1]; 0 where no labeled object is): the pixel centre's ray at its
/// linear depth, expressed along the edges of the instance's cuboid (orthogonal: the pose
/// is rigid with a uniform scale). An axis along which the box is flat reads 0.5.
pub fn object_coordinates(
    scene: &FrameScene,
    buffers: &FrameBuffers,
    labels: &FrameLabels,
) -> Vec<u16> {
    use glam::DVec3;
    let (fx, fy, cx, cy) = scene.camera.intrinsics();
    let w = buffers.width as usize;
    // Per instance id: the box's origin corner and its three edges over their squared
    // lengths.
    let mut frames: Vec<Option<(DVec3, [DVec3; 3])>> = Vec::new();
    for inst in &labels.instances {
        let id = usize::from(inst.instance_id);
        if frames.len() <= id {
            frames.resize(id + 1, None);
        }
        let c = inst.cuboid_camera.map(DVec3::from_array);
        let axis = |k: usize| {
            let e = c[k] - c[0];
            let l2 = e.length_squared();
            if l2 > 1e-18 { e / l2 } else { DVec3::ZERO }
        };
        frames[id] = Some((c[0], [axis(1), axis(2), axis(4)]));
    }
    let mut out = vec![0u16; buffers.instance.len() * 3];
    for (i, (&id, px)) in buffers
        .instance
        .iter()
        .zip(out.chunks_exact_mut(3))
        .enumerate()
    {
        let Some(Some((origin, axes))) = frames.get(id as usize) else {
            continue;
        };
        let z = f64::from(buffers.depth[i]);
        let (u, v) = ((i % w) as f64, (i / w) as f64);
        let p = DVec3::new((u - cx) / fx * z, (v - cy) / fy * z, z) - *origin;
        for (k, a) in axes.iter().enumerate() {
            let c = if *a == DVec3::ZERO { 0.5 } else { p.dot(*a) };
            px[k] = 1 + (c.clamp(0.0, 1.0) * 65534.0).round() as u16;
        }
    }
    out
}

/// Encodes one image modality of a frame.
fn encode_image(
    modality: Modality,
    (scene, buffers, labels, flow): (&FrameScene, &FrameBuffers, &FrameLabels, &FrameFlow),
    outputs: &OutputsSpec,
) -> Result<Vec<u8>, String> {
    let (w, h) = (buffers.width, buffers.height);
    let c = outputs.png_compression;
    let result = match modality {
        Modality::Rgb => png_rgb8(&buffers.rgb, w, h, c),
        Modality::Depth => png_gray16(&depth_to_millimetres(&buffers.depth), w, h, c),
        Modality::DepthExr => return exr_depth(&buffers.depth, w, h).map_err(|e| e.to_string()),
        Modality::Instance => {
            let ids: Vec<u16> = buffers
                .instance
                .iter()
                .map(|&v| v.min(u32::from(u16::MAX)) as u16)
                .collect();
            png_gray16(&ids, w, h, c)
        }
        Modality::Class => png_gray16(&labels.class_image(&buffers.instance), w, h, c),
        Modality::Nocs => png16(
            &object_coordinates(scene, buffers, labels),
            (w, h),
            image::ExtendedColorType::Rgb16,
            c,
        ),
        Modality::Normals => png16(
            &normals_to_rgb16(&buffers.normals),
            (w, h),
            image::ExtendedColorType::Rgb16,
            c,
        ),
        Modality::FlowForward | Modality::FlowBackward => {
            let direction = flow_direction(modality).unwrap_or(FlowDirection::Forward);
            if let Some(made) = flow.get(direction) {
                return Ok(flo(&made.flow, w, h));
            }
            return match optical_flow(scene, &buffers.depth, &buffers.instance, w, direction) {
                Ok(Some(field)) => Ok(flo(&field, w, h)),
                Ok(None) => Err("the frame has no step in this direction".into()),
                Err(e) => Err(e.to_string()),
            };
        }
        Modality::OcclusionForward | Modality::OcclusionBackward => {
            let direction = flow_direction(modality).unwrap_or(FlowDirection::Forward);
            let made = flow
                .get(direction)
                .ok_or("the frame's neighbour was not rendered with it")?;
            let grey: Vec<u8> = made.occlusion.iter().map(|&m| m * 255).collect();
            png_gray8(&grey, w, h, c)
        }
        Modality::SceneFlowForward | Modality::SceneFlowBackward => {
            let direction = flow_direction(modality).unwrap_or(FlowDirection::Forward);
            let field = scene_flow(scene, &buffers.depth, &buffers.instance, w, direction)
                .map_err(|e| e.to_string())?
                .ok_or("the frame has no step in this direction")?;
            let axis = |k: usize| field.iter().map(|v| v[k]).collect::<Vec<f32>>();
            return exr_channels(vec![("X", axis(0)), ("Y", axis(1)), ("Z", axis(2))], w, h)
                .map_err(|e| e.to_string());
        }
        Modality::FlowKittiForward | Modality::FlowKittiBackward => {
            let direction = flow_direction(modality).unwrap_or(FlowDirection::Forward);
            let computed;
            let field = match flow.get(direction) {
                Some(made) => &made.flow,
                None => {
                    computed = optical_flow(scene, &buffers.depth, &buffers.instance, w, direction)
                        .map_err(|e| e.to_string())?
                        .ok_or("the frame has no step in this direction")?;
                    &computed
                }
            };
            png16(
                &kitti_flow(field),
                (w, h),
                image::ExtendedColorType::Rgb16,
                c,
            )
        }
        Modality::Disparity => {
            return disparity(scene, &buffers.depth)
                .map(|d| pfm_gray(&d, w, h))
                .ok_or_else(|| "the frame is not a stereo pair's left image".into());
        }
        Modality::Labels => return Err("labels are not an image".into()),
    };
    result.map_err(|e| e.to_string())
}

/// The direction a flow or occlusion modality looks in.
fn flow_direction(modality: Modality) -> Option<FlowDirection> {
    match modality {
        Modality::FlowForward
        | Modality::OcclusionForward
        | Modality::SceneFlowForward
        | Modality::FlowKittiForward => Some(FlowDirection::Forward),
        Modality::FlowBackward
        | Modality::OcclusionBackward
        | Modality::SceneFlowBackward
        | Modality::FlowKittiBackward => Some(FlowDirection::Backward),
        _ => None,
    }
}

/// Whether `scene`'s frame has a file of `modality` under `outputs`: the spec asks for
/// it, for flow the frame has a step in that direction (and for occlusion its mask was
/// made), and for disparity it is a stereo pair's left image.
pub fn writes(
    modality: Modality,
    scene: &FrameScene,
    flow: &FrameFlow,
    outputs: &OutputsSpec,
) -> bool {
    let occlusion_made = match modality {
        Modality::OcclusionForward => flow.forward.is_some(),
        Modality::OcclusionBackward => flow.backward.is_some(),
        _ => true,
    };
    modality.enabled(outputs)
        && occlusion_made
        && flow_direction(modality).is_none_or(|d| d.applies(scene))
        && (modality != Modality::Disparity || stereo_baseline(scene).is_some())
}

/// The baseline of the stereo pair whose left camera took `scene`'s frame.
fn stereo_baseline(scene: &FrameScene) -> Option<f64> {
    let left = scene.sequence.as_ref()?.camera_index == 0;
    left.then_some(())?;
    scene.rig.as_ref()?.stereo_baseline
}

/// The disparity `fx · B / Z` of a stereo pair's left image, pixels, 0 where no surface
/// is; none for any other frame.
pub fn disparity(scene: &FrameScene, depth: &[f32]) -> Option<Vec<f32>> {
    let baseline = stereo_baseline(scene)?;
    let fx = scene.camera.intrinsics().0;
    Some(
        depth
            .iter()
            .map(|&z| {
                if z > 0.0 {
                    (fx * baseline / f64::from(z)) as f32
                } else {
                    0.0
                }
            })
            .collect(),
    )
}

/// Encodes every output of a frame: the enabled images (and their checksums) on rayon's
/// pool, then the labels file with the checksums.
pub fn encode_frame(
    (scene, buffers, labels, flow): (&FrameScene, &FrameBuffers, &FrameLabels, &FrameFlow),
    outputs: &OutputsSpec,
) -> Result<EncodedFrame, OutputError> {
    use rayon::prelude::*;
    let frame = scene.frame_index;
    let images: Vec<Modality> = LAYOUT
        .iter()
        .map(|k| k.modality)
        .filter(|&m| m != Modality::Labels && writes(m, scene, flow, outputs))
        .collect();
    // Each image is hashed where it was encoded: flow files are megabytes.
    let encoded = images
        .par_iter()
        .map(|&m| {
            let path = m.path(frame);
            match encode_image(m, (scene, buffers, labels, flow), outputs) {
                Ok(bytes) => {
                    let sha = sha256_hex(&bytes);
                    Ok((path, bytes, sha))
                }
                Err(message) => Err(OutputError::Encode { path, message }),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let checksums = encoded
        .iter()
        .map(|(p, _, sha)| (p.clone(), sha.clone()))
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = encoded.into_iter().map(|(p, b, _)| (p, b)).collect();

    let labels_path = Modality::Labels.path(frame);
    let document = LabelsFile {
        frame_index: frame,
        image: ImageInfo {
            file_name: Modality::Rgb.path(frame),
            width: buffers.width,
            height: buffers.height,
        },
        scene,
        instances: &labels.instances,
        files: checksums,
    };
    let mut json = serde_json::to_vec(&document).map_err(|e| OutputError::Encode {
        path: labels_path.clone(),
        message: e.to_string(),
    })?;
    json.push(b'\n');
    let labels_sha256 = sha256_hex(&json);
    files.push((labels_path, json));
    Ok(EncodedFrame {
        files,
        labels_sha256,
    })
}

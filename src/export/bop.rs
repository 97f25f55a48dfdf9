//! `synthvis export bop`: the BOP benchmark's layout, so the BOP toolkit can read and
//! evaluate against a synthvis dataset.
//!
//! ```text
//! DIR/camera.json                               cx, cy, fx, fy, width, height, depth_scale
//! DIR/models/obj_NNNNNN.ply, models_info.json   each labeled asset (obj_id: its `bop_id`, else
//!                                               its index in `assets` + 1), mm
//! DIR/SPLIT/SSSSSS/rgb/IIIIII.png               scenes of --frames-per-scene frames
//! DIR/SPLIT/SSSSSS/depth/IIIIII.png             millimetres (depth_scale 1)
//! DIR/SPLIT/SSSSSS/mask/IIIIII_GGGGGG.png       each object's unoccluded mask (0/255)
//! DIR/SPLIT/SSSSSS/mask_visib/IIIIII_GGGGGG.png its visible mask
//! DIR/SPLIT/SSSSSS/scene_camera.json            cam_K, depth_scale, cam_R_w2c, cam_t_w2c
//! DIR/SPLIT/SSSSSS/scene_gt.json                cam_R_m2c, cam_t_m2c (mm), obj_id
//! DIR/SPLIT/SSSSSS/scene_gt_info.json           bbox_obj, bbox_visib, px_count_*, visib_fract
//! ```
//!
//! Image ids (`IIIIII`, the keys of the scene files) are the dataset's COCO image ids,
//! frame index + 1, so a BOP result's `im_id` names the same image in `annotations.json`.
//! Scene `S` holds frames `S·N .. S·N + N - 1`. BOP's objects are rigid: every instance of an asset
//! must share one scale, which its model is written at.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use glam::{DMat3, DVec3};
use serde::Deserialize;

use super::{EXPORT_MARKER, ExportError, begin, io};
use crate::assets::AssetLibrary;
use crate::labels::{InstanceLabel, Rle, RleJson};
use crate::output::reader::FinishedDataset;
use crate::output::{Modality, frame_stem};
use crate::spec::LoadedSpec;

/// The options of a BOP export.
#[derive(Debug, Clone)]
pub struct BopOptions {
    /// The spec that rendered the dataset (its assets become the models).
    pub spec: PathBuf,
    /// The split folder (`train_pbr`, BOP's name for synthetic training images).
    pub split: String,
    /// Frames per scene folder.
    pub frames_per_scene: u64,
    /// Replace an earlier export in the output folder.
    pub overwrite: bool,
}

/// What a BOP export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BopSummary {
    /// Images.
    pub images: u64,
    /// Ground-truth objects (every labeled instance, visible or not).
    pub objects: u64,
    /// Object models.
    pub models: u64,
    /// Scene folders.
    pub scenes: u64,
}

#[derive(Deserialize)]
struct FrameIn {
    scene: SceneIn,
    instances: Vec<InstanceLabel>,
}

#[derive(Deserialize)]
struct SceneIn {
    camera: CameraIn,
}

#[derive(Deserialize)]
struct CameraIn {
    #[serde(rename = "K")]
    k: [[f64; 3]; 3],
    world_to_camera: [[f64; 4]; 4],
}

/// Exports the dataset in `dataset` to `out` in BOP's layout.
pub fn export_bop(
    dataset: &Path,
    out: &Path,
    opts: &BopOptions,
) -> Result<BopSummary, ExportError> {
    let mut source = FinishedDataset::open(dataset)?;
    let refuse = |message: String| ExportError::Dataset {
        dir: dataset.to_owned(),
        message,
    };
    let spec = LoadedSpec::from_file(&opts.spec)?;
    if crate::hash::sha256_hex(&spec.bytes) != source.manifest.spec_sha256 {
        return Err(refuse(format!(
            "{} is not the spec that rendered it (its checksum differs from the manifest's spec_sha256)",
            opts.spec.display()
        )));
    }
    let outputs = &source.manifest.spec["outputs"];
    if outputs["amodal_masks"] != true || outputs["depth"] == false {
        return Err(refuse(
            "BOP needs each object's unoccluded mask and the depth images: render with \
             \"outputs\": { \"amodal_masks\": true } and depth on"
                .into(),
        ));
    }
    let sized = spec.resolved.groups.iter().position(|g| {
        g.shape.is_some()
            && g.asset
                .candidates()
                .iter()
                .any(|&a| spec.resolved.assets[a].category_id > 0)
    });
    if let Some(group) = sized {
        return Err(refuse(format!(
            "objects[{group}] draws labeled containers at a size per instance (`shape`): BOP \
             models are rigid, one mesh per object"
        )));
    }
    if opts.frames_per_scene == 0 {
        return Err(refuse("--frames-per-scene must be at least 1".into()));
    }
    let asset_index = |name: &str| spec.spec.assets.iter().position(|a| a.name == name);
    let obj_ids = object_ids(&spec.spec.assets).map_err(refuse)?;
    let [w, h] = source.resolution();
    let staging = begin(out, opts.overwrite)?;
    let mut summary = BopSummary::default();
    let mut scales: Vec<Option<f64>> = vec![None; spec.spec.assets.len()];
    let mut scene: Option<SceneWriter> = None;
    let mut k_first: Option<[[f64; 3]; 3]> = None;
    for frame in source.frames() {
        let id = frame / opts.frames_per_scene;
        if scene.as_ref().is_none_or(|s| s.id != id) {
            if let Some(done) = scene.take() {
                done.finish()?;
            }
            scene = Some(SceneWriter::new(&staging.join(&opts.split), id)?);
            summary.scenes += 1;
        }
        let Some(writer) = scene.as_mut() else {
            continue;
        };
        let rel = Modality::Labels.path(frame);
        let im_id = frame + 1;
        let labels: FrameIn = source.labels(frame)?;
        k_first.get_or_insert(labels.scene.camera.k);
        for (sub, m) in [("rgb", Modality::Rgb), ("depth", Modality::Depth)] {
            let path = writer
                .dir
                .join(sub)
                .join(format!("{}.png", frame_stem(im_id)));
            let bytes = source.read(&m.path(frame))?;
            std::fs::write(&path, bytes).map_err(io(&path, "cannot write"))?;
        }
        writer.camera(im_id, &labels.scene.camera)?;
        let mut gts = Vec::new();
        let mut infos = Vec::new();
        for (gt, inst) in labels.instances.iter().enumerate() {
            let Some(obj) = asset_index(&inst.asset) else {
                return Err(refuse(format!(
                    "{rel}: asset {} is not in the spec",
                    inst.asset
                )));
            };
            let scale = inst.pose_camera.scale;
            match scales[obj] {
                None => scales[obj] = Some(scale),
                Some(s) if (s - scale).abs() > 1e-9 * s.abs().max(1.0) => {
                    return Err(refuse(format!(
                        "frame {frame}: asset {} appears at scale {scale} and at {s}: BOP models are \
                         rigid, so every instance of an asset must share one scale",
                        inst.asset
                    )));
                }
                Some(_) => {}
            }
            let r = inst.pose_camera.rotation_matrix;
            let t = inst.pose_camera.translation.map(|v| v * 1000.0);
            gts.push(format!(
                "{{\"cam_R_m2c\": {}, \"cam_t_m2c\": {}, \"obj_id\": {}}}",
                json_list(r.iter().flatten()),
                json_list(t.iter()),
                obj_ids[obj]
            ));
            let bbox_visib = inst.bbox.map_or([-1, -1, -1, -1], |b| b.map(i64::from));
            let bbox_obj = inst.unclipped_bbox.unwrap_or([-1, -1, -1, -1]);
            let visib_fract = if inst.unclipped_pixels > 0 {
                inst.area as f64 / inst.unclipped_pixels as f64
            } else {
                0.0
            };
            infos.push(format!(
                "{{\"bbox_obj\": {}, \"bbox_visib\": {}, \"px_count_all\": {}, \"px_count_valid\": {}, \
                 \"px_count_visib\": {}, \"visib_fract\": {visib_fract}}}",
                json_list(bbox_obj.iter()),
                json_list(bbox_visib.iter()),
                inst.unclipped_pixels,
                inst.unoccluded_pixels,
                inst.area
            ));
            let stem = format!("{}_{gt:06}.png", frame_stem(im_id));
            for (sub, rle) in [
                ("mask", inst.amodal_segmentation.as_ref()),
                ("mask_visib", inst.segmentation.as_ref()),
            ] {
                write_mask(&writer.dir.join(sub).join(&stem), rle, w, h)?;
            }
            summary.objects += 1;
        }
        writer.entry(Entry::Gt, im_id, &format!("[{}]", gts.join(", ")))?;
        writer.entry(Entry::GtInfo, im_id, &format!("[{}]", infos.join(", ")))?;
        summary.images += 1;
    }
    if let Some(done) = scene.take() {
        done.finish()?;
    }
    let library = AssetLibrary::load(&spec)?;
    let labeled: Vec<bool> = spec
        .spec
        .assets
        .iter()
        .map(|a| a.category.is_some())
        .collect();
    summary.models = write_models(
        &staging.join("models"),
        &library,
        &Models {
            scales: &scales,
            labeled: &labeled,
            obj_ids: &obj_ids,
        },
    )?;
    let k = k_first.unwrap_or_default();
    let camera = format!(
        "{{\"cx\": {}, \"cy\": {}, \"depth_scale\": 1.0, \"fx\": {}, \"fy\": {}, \"height\": {h}, \"width\": {w}}}\n",
        k[0][2], k[1][2], k[0][0], k[1][1]
    );
    let path = staging.join("camera.json");
    std::fs::write(&path, camera).map_err(io(&path, "cannot write"))?;
    let marker = serde_json::json!({
        "tool": "synthvis",
        "version": crate::VERSION,
        "export": "bop",
        "dataset": std::path::absolute(dataset).unwrap_or_else(|_| dataset.to_owned()),
        "split": opts.split,
        "frames_per_scene": opts.frames_per_scene,
        "image_ids": "im_id is the dataset's COCO image id: frame index + 1",
        "images": summary.images,
        "objects": summary.objects,
    });
    let path = staging.join(EXPORT_MARKER);
    std::fs::write(&path, format!("{marker:#}\n")).map_err(io(&path, "cannot write"))?;
    staging.finish(out)?;
    Ok(summary)
}

/// `[a, b, c]` with each number as JSON writes it.
fn json_list<'a, T: serde::Serialize + 'a>(items: impl Iterator<Item = &'a T>) -> String {
    let parts: Vec<String> = items
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .collect();
    format!("[{}]", parts.join(", "))
}

/// A 0/255 mask PNG of `rle` (all 0 when none).
fn write_mask(path: &Path, rle: Option<&RleJson>, w: u32, h: u32) -> Result<(), ExportError> {
    let mask = match rle {
        Some(r) => Rle::from_compressed(&r.counts, w, h)
            .map_err(|message| ExportError::Read {
                file: path.display().to_string(),
                message,
            })?
            .to_mask(),
        None => vec![false; (w * h) as usize],
    };
    let img = image::GrayImage::from_fn(w, h, |x, y| {
        image::Luma([if mask[(y * w + x) as usize] { 255 } else { 0 }])
    });
    img.save(path).map_err(|e| ExportError::Io {
        path: path.to_owned(),
        action: "cannot write",
        source: std::io::Error::other(e.to_string()),
    })
}

/// Which per-scene JSON file an entry goes to.
#[derive(Clone, Copy)]
enum Entry {
    Camera,
    Gt,
    GtInfo,
}

/// One scene folder being written: its images and its three JSON files, streamed.
struct SceneWriter {
    id: u64,
    dir: PathBuf,
    files: [(std::io::BufWriter<std::fs::File>, PathBuf, bool); 3],
}

impl SceneWriter {
    fn new(split: &Path, id: u64) -> Result<Self, ExportError> {
        let dir = split.join(frame_stem(id));
        for sub in ["rgb", "depth", "mask", "mask_visib"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(io(&d, "cannot create"))?;
        }
        let open = |name: &str| -> Result<_, ExportError> {
            let path = dir.join(name);
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(io(&path, "cannot create"))?,
            );
            f.write_all(b"{").map_err(io(&path, "cannot write"))?;
            Ok((f, path, true))
        };
        Ok(Self {
            id,
            files: [
                open("scene_camera.json")?,
                open("scene_gt.json")?,
                open("scene_gt_info.json")?,
            ],
            dir,
        })
    }

    fn entry(&mut self, which: Entry, im_id: u64, value: &str) -> Result<(), ExportError> {
        let (f, path, first) = &mut self.files[which as usize];
        let sep = if *first { "\n" } else { ",\n" };
        *first = false;
        write!(f, "{sep}  \"{im_id}\": {value}").map_err(io(path, "cannot write"))
    }

    fn camera(&mut self, im_id: u64, cam: &CameraIn) -> Result<(), ExportError> {
        let m = cam.world_to_camera;
        let r: Vec<f64> = (0..3).flat_map(|i| (0..3).map(move |j| m[i][j])).collect();
        let t: Vec<f64> = (0..3).map(|i| m[i][3] * 1000.0).collect();
        let value = format!(
            "{{\"cam_K\": {}, \"cam_R_w2c\": {}, \"cam_t_w2c\": {}, \"depth_scale\": 1.0}}",
            json_list(cam.k.iter().flatten()),
            json_list(r.iter()),
            json_list(t.iter())
        );
        self.entry(Entry::Camera, im_id, &value)
    }

    fn finish(self) -> Result<(), ExportError> {
        for (mut f, path, _) in self.files {
            f.write_all(b"\n}\n").map_err(io(&path, "cannot write"))?;
            f.flush().map_err(io(&path, "cannot write"))?;
        }
        Ok(())
    }
}

/// Each asset's BOP object id: its `bop_id` (a BOP model set's own), else its index + 1;
/// an error naming both assets when two would share one.
fn object_ids(assets: &[crate::spec::AssetSpec]) -> Result<Vec<u32>, String> {
    let ids: Vec<u32> = assets
        .iter()
        .enumerate()
        .map(|(i, a)| a.bop_id.unwrap_or(i as u32 + 1))
        .collect();
    let mut seen: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (i, &id) in ids.iter().enumerate() {
        if assets[i].category.is_none() {
            continue;
        }
        if let Some(&j) = seen.get(&id) {
            return Err(format!(
                "assets `{}` and `{}` would both be BOP object {id}: give the second a \
                 `bop_id` of its own",
                assets[j].name, assets[i].name
            ));
        }
        seen.insert(id, i);
    }
    Ok(ids)
}

/// What [`write_models`] writes of each asset, by asset index.
struct Models<'a> {
    /// The scale its instances share, if any frame shows one.
    scales: &'a [Option<f64>],
    /// Whether it is labeled (only labeled assets are BOP objects).
    labeled: &'a [bool],
    /// Its BOP object id.
    obj_ids: &'a [u32],
}

/// Each labeled asset as `obj_NNNNNN.ply` (millimetres, at the scale its instances
/// share; 1 for one no frame shows) and `models_info.json`; returns the number of models.
fn write_models(
    dir: &Path,
    library: &AssetLibrary,
    models_of: &Models,
) -> Result<u64, ExportError> {
    let Models {
        scales,
        labeled,
        obj_ids,
    } = *models_of;
    std::fs::create_dir_all(dir).map_err(io(dir, "cannot create"))?;
    let mut info = String::from("{");
    let mut models = 0;
    for (i, asset) in library.assets.iter().enumerate() {
        if !labeled.get(i).copied().unwrap_or(false) {
            continue;
        }
        let scale = scales.get(i).copied().flatten().unwrap_or(1.0) * 1000.0;
        let mut points: Vec<DVec3> = Vec::new();
        let mut normals: Vec<DVec3> = Vec::new();
        let mut faces: Vec<[usize; 3]> = Vec::new();
        for draw in &asset.draws {
            let normal_matrix = DMat3::from_mat4(draw.transform).inverse().transpose();
            for prim in &asset.meshes[draw.mesh].primitives {
                let base = points.len();
                for v in &prim.vertices {
                    let p = DVec3::from(v.position.map(f64::from));
                    points.push(draw.transform.transform_point3(p) * scale);
                    let n = DVec3::from(v.normal.map(f64::from));
                    normals.push((normal_matrix * n).normalize_or_zero());
                }
                faces.extend(prim.indices.chunks_exact(3).map(|t| {
                    [
                        base + t[0] as usize,
                        base + t[1] as usize,
                        base + t[2] as usize,
                    ]
                }));
            }
        }
        let mut ply = format!(
            "ply\nformat ascii 1.0\ncomment synthvis asset {}, millimetres\nelement vertex {}\n\
             property float x\nproperty float y\nproperty float z\nproperty float nx\n\
             property float ny\nproperty float nz\nelement face {}\n\
             property list uchar int vertex_indices\nend_header\n",
            asset.name,
            points.len(),
            faces.len()
        );
        for (p, n) in points.iter().zip(&normals) {
            let _ = writeln!(
                ply,
                "{} {} {} {} {} {}",
                p.x as f32, p.y as f32, p.z as f32, n.x as f32, n.y as f32, n.z as f32
            );
        }
        for f in &faces {
            let _ = writeln!(ply, "3 {} {} {}", f[0], f[1], f[2]);
        }
        let obj_id = obj_ids[i];
        let path = dir.join(format!("obj_{obj_id:06}.ply"));
        std::fs::write(&path, ply).map_err(io(&path, "cannot write"))?;
        let (lo, hi) = points.iter().fold(
            (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY)),
            |(lo, hi), &p| (lo.min(p), hi.max(p)),
        );
        let size = hi - lo;
        let sep = if models == 0 { "\n" } else { ",\n" };
        models += 1;
        let _ = write!(
            info,
            "{sep}  \"{}\": {{\"diameter\": {}, \"min_x\": {}, \"min_y\": {}, \"min_z\": {}, \
             \"size_x\": {}, \"size_y\": {}, \"size_z\": {}}}",
            obj_id,
            diameter(&points),
            lo.x,
            lo.y,
            lo.z,
            size.x,
            size.y,
            size.z
        );
    }
    info.push_str("\n}\n");
    let path = dir.join("models_info.json");
    std::fs::write(&path, info).map_err(io(&path, "cannot write"))?;
    Ok(models)
}

/// The largest distance between two of `points` (BOP's model diameter), over the
/// distinct points.
fn diameter(points: &[DVec3]) -> f64 {
    let mut unique: Vec<[u64; 3]> = points
        .iter()
        .map(|p| p.to_array().map(f64::to_bits))
        .collect();
    unique.sort_unstable();
    unique.dedup();
    let pts: Vec<DVec3> = unique
        .iter()
        .map(|b| DVec3::from(b.map(f64::from_bits)))
        .collect();
    let mut best = 0.0f64;
    for (i, a) in pts.iter().enumerate() {
        for b in &pts[i + 1..] {
            best = best.max(a.distance_squared(*b));
        }
    }
    best.sqrt()
}

//! `synthvis preview`: pictures a person judges a dataset from in seconds. For each
//! frame, side by side: the RGB image with every labeled instance's mask outline, box
//! (solid; grey for crowds), amodal box (dashed, where it differs), cuboid wireframe and
//! `category id`; the depth as a colour map (turbo, near red to far blue, black where no
//! surface is); the instance ids in distinct colours. Optionally a contact sheet of many
//! frames' first panels.

pub mod draw;

use std::path::{Path, PathBuf};

use image::{DynamicImage, GenericImage, Rgb, RgbImage};

use crate::export::{ExportError, io};
use crate::labels::CocoStatus;
use crate::labels::keypoints::skeleton;
use crate::output::reader::FinishedDataset;
use crate::output::{Modality, frame_stem};
use draw::{dashed_box, depth_colour, id_colour, line, solid_box, text};

/// File name of the contact sheet.
pub const CONTACT_SHEET: &str = "contact-sheet.png";
/// Width of a frame on the contact sheet, pixels.
const SHEET_TILE_WIDTH: u32 = 320;
/// Frames a contact sheet row holds.
const SHEET_COLUMNS: u32 = 4;
/// Frames previewed when none are named.
pub const DEFAULT_FRAMES: u64 = 16;

/// What `preview` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviewSummary {
    /// Frames previewed.
    pub frames: u64,
    /// Boxes drawn for annotations with `iscrowd: 0`.
    pub boxes: u64,
    /// Boxes drawn for crowd annotations.
    pub crowd_boxes: u64,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Previews `frames` (default: the first [`DEFAULT_FRAMES`]) of the dataset in
/// `dataset` into `out` (created if missing; earlier previews of the same frames are
/// replaced), with a contact sheet when `contact_sheet`.
pub fn preview(
    dataset: &Path,
    out: &Path,
    frames: Option<&[u64]>,
    contact_sheet: bool,
) -> Result<PreviewSummary, ExportError> {
    let mut source = FinishedDataset::open(dataset)?;
    let all = source.frames();
    let frames: Vec<u64> = match frames {
        Some(f) => f.to_vec(),
        None => (all.start..all.end.min(all.start + DEFAULT_FRAMES)).collect(),
    };
    if let Some(f) = frames.iter().find(|f| !all.contains(f)) {
        return Err(ExportError::Dataset {
            dir: dataset.to_owned(),
            message: format!(
                "frame {f} is not in the dataset (frames {}..{})",
                all.start, all.end
            ),
        });
    }
    std::fs::create_dir_all(out).map_err(io(out, "cannot create"))?;
    let mut summary = PreviewSummary::default();
    let mut tiles = Vec::new();
    for &frame in &frames {
        let panels = frame_panels(&mut source, frame, &mut summary)?;
        let sheet = side_by_side(&panels);
        let path = out.join(format!("{}.png", frame_stem(frame)));
        sheet.save(&path).map_err(|e| write_error(&path, e))?;
        summary.files.push(path);
        summary.frames += 1;
        if contact_sheet {
            tiles.push((frame, panels.into_iter().next().unwrap_or_default()));
        }
    }
    if contact_sheet && !tiles.is_empty() {
        let path = out.join(CONTACT_SHEET);
        make_contact_sheet(&tiles)
            .save(&path)
            .map_err(|e| write_error(&path, e))?;
        summary.files.push(path);
    }
    Ok(summary)
}

fn write_error(path: &Path, e: image::ImageError) -> ExportError {
    ExportError::Io {
        path: path.to_owned(),
        action: "cannot write",
        source: std::io::Error::other(e.to_string()),
    }
}

/// Decodes the PNG at folder-layout path `rel`.
fn read_png(source: &mut FinishedDataset, rel: &str) -> Result<DynamicImage, ExportError> {
    let bytes = source.read(rel)?;
    image::load_from_memory(&bytes).map_err(|e| ExportError::Read {
        file: source.dir.join(rel).display().to_string(),
        message: format!("cannot decode: {e}"),
    })
}

/// Frame `frame`'s panels: the annotated RGB image, then depth and instance ids where
/// the dataset has them.
fn frame_panels(
    source: &mut FinishedDataset,
    frame: u64,
    summary: &mut PreviewSummary,
) -> Result<Vec<RgbImage>, ExportError> {
    let instances = source.instances(frame)?;
    let [w, h] = source.resolution();
    let mut overlay = read_png(source, &Modality::Rgb.path(frame))?.to_rgb8();
    let ids = match read_png(source, &Modality::Instance.path(frame)) {
        Ok(img) => Some(img.to_luma16()),
        Err(_) => None,
    };
    if let Some(ids) = &ids {
        outline_masks(&mut overlay, ids);
    }
    for inst in &instances {
        let colour = id_colour(u32::from(inst.instance_id));
        let skeleton_ok = inst.cuboid_camera.iter().all(|c| c[2] > 0.0);
        if skeleton_ok && inst.bbox.is_some() {
            for [a, b] in skeleton() {
                let (a, b) = (usize::from(a - 1), usize::from(b - 1));
                line(
                    &mut overlay,
                    inst.cuboid_pixels[a],
                    inst.cuboid_pixels[b],
                    colour,
                );
            }
        }
        if let Some(amodal) = inst.amodal_bbox.filter(|a| Some(*a) != inst.bbox) {
            dashed_box(&mut overlay, amodal, colour);
        }
        let Some(bbox) = inst.bbox else { continue };
        match inst.coco {
            CocoStatus::Annotated => {
                solid_box(&mut overlay, bbox, colour);
                summary.boxes += 1;
            }
            CocoStatus::Crowd => {
                solid_box(&mut overlay, bbox, Rgb([160, 160, 160]));
                summary.crowd_boxes += 1;
            }
            CocoStatus::BelowThreshold | CocoStatus::NotVisible => {}
        }
        let y = i64::from(bbox[1]) - 9;
        let y = if y < 0 { i64::from(bbox[1]) + 1 } else { y };
        let label = format!("{} {}", inst.category, inst.instance_id);
        text(&mut overlay, i64::from(bbox[0]), y, &label, colour);
    }
    let mut panels = vec![overlay];
    if let Ok(depth) = read_png(source, &Modality::Depth.path(frame)) {
        let depth = depth.to_luma16();
        let surfaces = depth.pixels().map(|p| p[0]).filter(|&d| d > 0);
        let (near, far) = surfaces.fold((u16::MAX, 0), |(a, b), d| (a.min(d), b.max(d)));
        panels.push(RgbImage::from_fn(w, h, |x, y| {
            depth_colour(depth.get_pixel(x, y)[0], near, far)
        }));
    }
    if let Some(ids) = &ids {
        panels.push(RgbImage::from_fn(w, h, |x, y| {
            id_colour(u32::from(ids.get_pixel(x, y)[0]))
        }));
    }
    Ok(panels)
}

/// Marks each labeled pixel whose 4-neighbourhood holds another id in its instance's
/// colour.
fn outline_masks(img: &mut RgbImage, ids: &image::ImageBuffer<image::Luma<u16>, Vec<u16>>) {
    let (w, h) = ids.dimensions();
    for y in 0..h {
        for x in 0..w {
            let id = ids.get_pixel(x, y)[0];
            if id == 0 {
                continue;
            }
            let differs = |nx: i64, ny: i64| {
                nx < 0
                    || ny < 0
                    || nx >= i64::from(w)
                    || ny >= i64::from(h)
                    || ids.get_pixel(nx as u32, ny as u32)[0] != id
            };
            let (sx, sy) = (i64::from(x), i64::from(y));
            if differs(sx - 1, sy)
                || differs(sx + 1, sy)
                || differs(sx, sy - 1)
                || differs(sx, sy + 1)
            {
                img.put_pixel(x, y, id_colour(u32::from(id)));
            }
        }
    }
}

/// The panels in a row.
fn side_by_side(panels: &[RgbImage]) -> RgbImage {
    let w: u32 = panels.iter().map(RgbImage::width).sum();
    let h = panels.iter().map(RgbImage::height).max().unwrap_or(0);
    let mut out = RgbImage::new(w, h);
    let mut x = 0;
    for p in panels {
        // In bounds: the canvas is the panels' summed width and greatest height.
        let _ = out.copy_from(p, x, 0);
        x += p.width();
    }
    out
}

/// The annotated frames, [`SHEET_TILE_WIDTH`] wide, [`SHEET_COLUMNS`] to a row, each
/// with its frame number.
fn make_contact_sheet(tiles: &[(u64, RgbImage)]) -> RgbImage {
    let (w, h) = tiles[0].1.dimensions();
    let tile_h = (u64::from(h) * u64::from(SHEET_TILE_WIDTH) / u64::from(w.max(1))).max(1) as u32;
    let columns = SHEET_COLUMNS.min(tiles.len() as u32);
    let rows = (tiles.len() as u32).div_ceil(columns);
    let mut sheet =
        RgbImage::from_pixel(columns * SHEET_TILE_WIDTH, rows * tile_h, Rgb([32, 32, 32]));
    for (i, (frame, tile)) in tiles.iter().enumerate() {
        let mut small = image::imageops::resize(
            tile,
            SHEET_TILE_WIDTH,
            tile_h,
            image::imageops::FilterType::Triangle,
        );
        text(&mut small, 2, 2, &frame_stem(*frame), Rgb([255, 255, 255]));
        let (col, row) = (i as u32 % columns, i as u32 / columns);
        let _ = sheet.copy_from(&small, col * SHEET_TILE_WIDTH, row * tile_h);
    }
    sheet
}

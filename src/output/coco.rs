//! `annotations.json` (COCO "instances"), assembled by streaming the per-frame labels
//! files, so memory does not grow with the number of frames.
//!
//! Ids: image id = frame index + 1; annotation ids 1..N in frame order then instance
//! order, assigned here; category ids 1.. in spec order. Instances with no visible pixel
//! get no annotation.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::frame::RleJson;
use super::{OutputError, frame_stem};
use crate::spec::CategorySpec;

#[derive(Deserialize)]
struct LabelsIn {
    frame_index: u64,
    instances: Vec<InstanceIn>,
}

#[derive(Deserialize)]
struct InstanceIn {
    instance_id: u16,
    category_id: u16,
    area: u64,
    bbox: Option<[u32; 4]>,
    segmentation: Option<RleJson>,
}

#[derive(Serialize)]
struct CocoImage<'a> {
    id: u64,
    file_name: &'a str,
    width: u32,
    height: u32,
    frame_index: u64,
}

#[derive(Serialize)]
struct CocoCategory<'a> {
    id: usize,
    name: &'a str,
    supercategory: &'a str,
}

#[derive(Serialize)]
struct CocoAnnotation<'a> {
    id: u64,
    image_id: u64,
    category_id: u16,
    segmentation: &'a RleJson,
    area: u64,
    bbox: [u32; 4],
    iscrowd: u8,
    instance_id: u16,
}

fn read_labels(path: &Path) -> Result<LabelsIn, OutputError> {
    let bytes = std::fs::read(path).map_err(|e| OutputError::Labels {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| OutputError::Labels {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Writes `dir/annotations.json` from `dir/labels/` for frames `frames`.
pub fn write_coco(
    dir: &Path,
    frames: std::ops::Range<u64>,
    (width, height): (u32, u32),
    categories: &[CategorySpec],
    tool_version: &str,
) -> Result<(), OutputError> {
    let path = dir.join("annotations.json");
    let tmp = dir.join(".annotations.json.tmp");
    let file = std::fs::File::create(&tmp).map_err(|source| OutputError::Io {
        path: tmp.clone(),
        action: "cannot create file",
        source,
    })?;
    let mut out = BufWriter::new(file);
    let werr = |source: std::io::Error| OutputError::Io {
        path: tmp.clone(),
        action: "cannot write",
        source,
    };
    let jerr = |e: serde_json::Error| OutputError::Io {
        path: tmp.clone(),
        action: "cannot write",
        source: e.into(),
    };

    let info = serde_json::json!({
        "description": "synthvis synthetic dataset",
        "version": tool_version,
        "contributor": "synthvis",
    });
    write!(
        out,
        "{{\n\"info\": {info},\n\"licenses\": [],\n\"categories\": ["
    )
    .map_err(werr)?;
    for (i, c) in categories.iter().enumerate() {
        let cat = CocoCategory {
            id: i + 1,
            name: &c.name,
            supercategory: &c.supercategory,
        };
        let sep = if i == 0 { "\n" } else { ",\n" };
        write!(out, "{sep}").map_err(werr)?;
        serde_json::to_writer(&mut out, &cat).map_err(jerr)?;
    }
    write!(out, "\n],\n\"images\": [").map_err(werr)?;
    for (n, f) in frames.clone().enumerate() {
        let file_name = format!("rgb/{}.png", frame_stem(f));
        let image = CocoImage {
            id: f + 1,
            file_name: &file_name,
            width,
            height,
            frame_index: f,
        };
        write!(out, "{}", if n == 0 { "\n" } else { ",\n" }).map_err(werr)?;
        serde_json::to_writer(&mut out, &image).map_err(jerr)?;
    }
    write!(out, "\n],\n\"annotations\": [").map_err(werr)?;
    let mut next_id: u64 = 1;
    for f in frames {
        let labels_path = dir.join("labels").join(format!("{}.json", frame_stem(f)));
        let labels = read_labels(&labels_path)?;
        for inst in &labels.instances {
            let (Some(bbox), Some(segmentation)) = (inst.bbox, inst.segmentation.as_ref()) else {
                continue;
            };
            if inst.area == 0 {
                continue;
            }
            let ann = CocoAnnotation {
                id: next_id,
                image_id: labels.frame_index + 1,
                category_id: inst.category_id,
                segmentation,
                area: inst.area,
                bbox,
                iscrowd: 0,
                instance_id: inst.instance_id,
            };
            write!(out, "{}", if next_id == 1 { "\n" } else { ",\n" }).map_err(werr)?;
            serde_json::to_writer(&mut out, &ann).map_err(jerr)?;
            next_id += 1;
        }
    }
    writeln!(out, "\n]\n}}").map_err(werr)?;
    out.flush().map_err(werr)?;
    drop(out);
    std::fs::rename(&tmp, &path).map_err(|source| OutputError::Io {
        path,
        action: "cannot move into place",
        source,
    })
}

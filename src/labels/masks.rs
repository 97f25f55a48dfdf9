//! Masks from the instance-id buffer: per-instance masks as COCO RLE, tight boxes,
//! visible pixel counts, and the class image.

use super::rle::{Rle, RleBuilder};

/// The visible part of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceMask {
    /// Instance id (≥ 1).
    pub instance_id: u16,
    /// Visible pixel count.
    pub area: u64,
    /// Tight box of the visible pixels `[x, y, w, h]` (COCO), none when not visible.
    pub bbox: Option<[u32; 4]>,
    /// The visible mask, none when not visible.
    pub rle: Option<Rle>,
}

/// Per-instance masks for ids `1..=max_id` of a row-major instance buffer, in id order.
pub fn instance_masks(instance: &[u32], width: u32, height: u32, max_id: u16) -> Vec<InstanceMask> {
    let (w, h) = (width as usize, height as usize);
    let n = usize::from(max_id) + 1;
    let mut area = vec![0u64; n];
    let mut lo = vec![(u32::MAX, u32::MAX); n];
    let mut hi = vec![(0u32, 0u32); n];
    for (y, row) in instance.chunks_exact(w).enumerate().take(h) {
        for (x, &id) in row.iter().enumerate() {
            let id = id as usize;
            if id == 0 || id >= n {
                continue;
            }
            area[id] += 1;
            let (x, y) = (x as u32, y as u32);
            lo[id] = (lo[id].0.min(x), lo[id].1.min(y));
            hi[id] = (hi[id].0.max(x), hi[id].1.max(y));
        }
    }
    (1..=max_id)
        .map(|id| {
            let i = usize::from(id);
            if area[i] == 0 {
                return InstanceMask {
                    instance_id: id,
                    area: 0,
                    bbox: None,
                    rle: None,
                };
            }
            let ((x0, y0), (x1, y1)) = (lo[i], hi[i]);
            let mut b = RleBuilder::new(width, height);
            for x in x0..=x1 {
                let mut y = y0;
                while y <= y1 {
                    if instance[y as usize * w + x as usize] == u32::from(id) {
                        let start = y;
                        while y <= y1 && instance[y as usize * w + x as usize] == u32::from(id) {
                            y += 1;
                        }
                        b.push_run(
                            u64::from(x) * h as u64 + u64::from(start),
                            u64::from(y - start),
                        );
                    } else {
                        y += 1;
                    }
                }
            }
            InstanceMask {
                instance_id: id,
                area: area[i],
                bbox: Some([x0, y0, x1 - x0 + 1, y1 - y0 + 1]),
                rle: Some(b.finish()),
            }
        })
        .collect()
}

/// The class image: each pixel's category id (`category_of[instance id]`, 0 outside).
pub fn class_image(instance: &[u32], category_of: &[u16]) -> Vec<u16> {
    instance
        .iter()
        .map(|&id| category_of.get(id as usize).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_direct_encoding() {
        let (w, h) = (7u32, 5u32);
        let ids: Vec<u32> = (0..w * h).map(|i| (i * 7 + i / 3) % 4).collect();
        let masks = instance_masks(&ids, w, h, 3);
        for m in &masks {
            let direct: Vec<bool> = ids.iter().map(|&v| v == u32::from(m.instance_id)).collect();
            let expected = Rle::from_mask(&direct, w, h);
            assert_eq!(m.rle.as_ref().unwrap(), &expected);
            assert_eq!(m.area, expected.area());
        }
    }

    #[test]
    fn invisible_instance_has_no_mask() {
        let masks = instance_masks(&[0, 1, 1, 0], 2, 2, 2);
        assert_eq!(masks[0].bbox, Some([0, 0, 2, 2]));
        assert_eq!(
            masks[1],
            InstanceMask {
                instance_id: 2,
                area: 0,
                bbox: None,
                rle: None
            }
        );
    }
}

//! COCO run-length encoding, bit-compatible with pycocotools' `maskApi.c`.
//!
//! Masks are read column-major (down each column, then the next column); counts
//! alternate runs of 0s and 1s starting with 0s; the compressed string is pycocotools'
//! LEB128-like 6-bit text with counts after the second stored as differences.

/// Run lengths of a mask in COCO order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rle {
    /// Image height.
    pub height: u32,
    /// Image width.
    pub width: u32,
    /// Alternating run lengths, starting with a (possibly empty) run of 0s.
    pub counts: Vec<u32>,
}

impl Rle {
    /// Encodes a row-major mask (`mask[y * width + x]`).
    pub fn from_mask(mask: &[bool], width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        assert_eq!(mask.len(), w * h, "mask size must be width * height");
        let mut builder = RleBuilder::new(width, height);
        for x in 0..w {
            let mut y = 0;
            while y < h {
                if mask[y * w + x] {
                    let start = y;
                    while y < h && mask[y * w + x] {
                        y += 1;
                    }
                    builder.push_run(x as u64 * h as u64 + start as u64, (y - start) as u64);
                } else {
                    y += 1;
                }
            }
        }
        builder.finish()
    }

    /// Decodes to a row-major mask.
    pub fn to_mask(&self) -> Vec<bool> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut mask = vec![false; w * h];
        let mut pos = 0usize;
        for (i, &c) in self.counts.iter().enumerate() {
            if i % 2 == 1 {
                for p in pos..pos + c as usize {
                    let (x, y) = (p / h, p % h);
                    mask[y * w + x] = true;
                }
            }
            pos += c as usize;
        }
        mask
    }

    /// Number of set pixels.
    pub fn area(&self) -> u64 {
        self.counts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&c| u64::from(c))
            .sum()
    }

    /// pycocotools' compressed `counts` string (`rleToString`).
    pub fn to_compressed(&self) -> String {
        let mut s = String::with_capacity(self.counts.len() * 2);
        for i in 0..self.counts.len() {
            let mut x = i64::from(self.counts[i]);
            if i > 2 {
                x -= i64::from(self.counts[i - 2]);
            }
            loop {
                let mut c = (x & 0x1f) as u8;
                x >>= 5;
                let more = if c & 0x10 != 0 { x != -1 } else { x != 0 };
                if more {
                    c |= 0x20;
                }
                s.push(char::from(c + 48));
                if !more {
                    break;
                }
            }
        }
        s
    }

    /// Parses pycocotools' compressed string (`rleFrString`).
    pub fn from_compressed(s: &str, width: u32, height: u32) -> Result<Self, String> {
        let bytes = s.as_bytes();
        let mut counts: Vec<u32> = Vec::new();
        let mut p = 0;
        while p < bytes.len() {
            let mut x: i64 = 0;
            let mut k = 0;
            loop {
                let c = i64::from(bytes[p].checked_sub(48).ok_or("invalid RLE character")?);
                if k >= 13 {
                    return Err("RLE count too long".into());
                }
                x |= (c & 0x1f) << (5 * k);
                p += 1;
                k += 1;
                let more = c & 0x20 != 0;
                if !more {
                    if c & 0x10 != 0 {
                        // Sign-extend; past 64 bits there is nothing left to extend.
                        x |= (-1i64).checked_shl(5 * k).unwrap_or(0);
                    }
                    break;
                }
                if p >= bytes.len() {
                    return Err("truncated RLE string".into());
                }
            }
            if counts.len() > 2 {
                x = x
                    .checked_add(i64::from(counts[counts.len() - 2]))
                    .ok_or("RLE count out of range")?;
            }
            counts.push(u32::try_from(x).map_err(|_| "RLE count out of range")?);
        }
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        if total != u64::from(width) * u64::from(height) {
            return Err(format!(
                "RLE counts sum to {total}, expected {}",
                u64::from(width) * u64::from(height)
            ));
        }
        Ok(Self {
            height,
            width,
            counts,
        })
    }
}

/// Builds an [`Rle`] from runs of set pixels given in increasing column-major position.
#[derive(Debug)]
pub struct RleBuilder {
    width: u32,
    height: u32,
    counts: Vec<u32>,
    /// Column-major position just past the last set run.
    end: u64,
}

impl RleBuilder {
    /// An empty mask of the given size.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            counts: Vec::new(),
            end: 0,
        }
    }

    /// Adds `len` set pixels starting at column-major position `start` (≥ the end of the
    /// previous run). Adjacent runs merge, as pycocotools' encoder would see them.
    pub fn push_run(&mut self, start: u64, len: u64) {
        debug_assert!(start >= self.end && len > 0);
        if start == self.end && !self.counts.is_empty() {
            if let Some(last) = self.counts.last_mut() {
                *last += len as u32;
            }
        } else {
            self.counts.push((start - self.end) as u32);
            self.counts.push(len as u32);
        }
        self.end = start + len;
    }

    /// Finishes with the trailing run of 0s (if any).
    pub fn finish(mut self) -> Rle {
        let total = u64::from(self.width) * u64::from(self.height);
        if self.counts.is_empty() || self.end < total {
            self.counts.push((total - self.end) as u32);
        }
        Rle {
            height: self.height,
            width: self.width,
            counts: self.counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_counts_are_errors_not_panics() {
        // Found by the property tests: 13-character counts shifted a sign past 64 bits.
        assert!(Rle::from_compressed("aPPaPPaaPaPPA", 0, 0).is_err());
        assert!(Rle::from_compressed("oooooooooooo1", 0, 0).is_err());
    }

    #[test]
    fn empty_and_full() {
        let empty = Rle::from_mask(&[false; 6], 3, 2);
        assert_eq!(empty.counts, vec![6]);
        let full = Rle::from_mask(&[true; 6], 3, 2);
        assert_eq!(full.counts, vec![0, 6]);
        assert_eq!(full.area(), 6);
    }

    #[test]
    fn column_major_order() {
        // 2 rows × 3 columns, only the pixel at x=1, y=1 set: column-major index 3.
        let mut m = [false; 6];
        m[3 + 1] = true;
        let r = Rle::from_mask(&m, 3, 2);
        assert_eq!(r.counts, vec![3, 1, 2]);
        assert_eq!(r.to_mask(), m.to_vec());
    }

    #[test]
    fn compressed_round_trip() {
        let r = Rle {
            height: 10,
            width: 10,
            counts: vec![5, 20, 3, 40, 32],
        };
        let s = r.to_compressed();
        assert_eq!(Rle::from_compressed(&s, 10, 10).unwrap(), r);
    }
}

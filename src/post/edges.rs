//! Where the rasterizer's edges are: pixels whose 3×3 neighbourhood holds a silhouette
//! (another instance id, or surface next to background) or a crease (a kink in the
//! surface's depth), read from the frame's exact label buffers. Anti-aliasing filters only
//! these: textures are already filtered by their mipmaps, and FXAA run over a textured
//! face smears its pattern (it drew crosses at every corner of a checker's squares).

use rayon::prelude::*;

/// Relative bend of inverse depth, per pixel step, that counts as a crease. Inverse depth
/// is affine across a plane in screen space, so a flat face bends it by nothing; a cube's
/// edge seen at 2 m bends it by about 3e-3, and a 5 cm ball 3 m away by under 2e-4.
const CREASE: f32 = 1e-3;

/// Finds the geometric edges of one frame, pixel by pixel (FXAA asks only where the
/// colours already show an edge). Built once per frame: it marks every crease up front.
pub struct EdgeFinder<'a> {
    depth: &'a [f32],
    instance: &'a [u32],
    /// Per pixel: whether inverse depth bends there ([`kinks`]).
    kinked: Vec<bool>,
    width: usize,
    height: usize,
}

impl<'a> EdgeFinder<'a> {
    /// The frame's `depth` (metres along the optical axis, 0: background) and `instance`
    /// images, `width`×`height`, row-major.
    pub fn new(depth: &'a [f32], instance: &'a [u32], width: usize, height: usize) -> Self {
        Self {
            depth,
            instance,
            kinked: kinks(depth, width, height),
            width,
            height,
        }
    }

    /// Whether (x, y) is on a geometric edge: its 3×3 neighbourhood holds another
    /// instance id, surface beside background, or a kink.
    pub fn is_edge(&self, x: usize, y: usize) -> bool {
        let here = y * self.width + x;
        let (id, covered) = (self.instance[here], self.depth[here] > 0.0);
        let (x0, x1) = (x.saturating_sub(1), (x + 1).min(self.width - 1));
        let (y0, y1) = (y.saturating_sub(1), (y + 1).min(self.height - 1));
        (y0..=y1).any(|ny| {
            let row = ny * self.width;
            let span = row + x0..=row + x1;
            self.kinked[span.clone()].contains(&true)
                || self.instance[span.clone()].iter().any(|&i| i != id)
                || self.depth[span].iter().any(|&z| (z > 0.0) != covered)
        })
    }
}

/// Per pixel of a `width`×`height` depth image: whether inverse depth bends there along
/// x or y (surfaces only, away from the image's border and the background: beside it is a
/// silhouette, found as one).
fn kinks(depth: &[f32], width: usize, height: usize) -> Vec<bool> {
    let inverse: Vec<f32> = depth
        .par_iter()
        .map(|&z| if z > 0.0 { 1.0 / z } else { 0.0 })
        .collect();
    let mut kinked = vec![false; width * height];
    if width < 3 || height < 3 {
        return kinked;
    }
    kinked
        .par_chunks_mut(width)
        .enumerate()
        .skip(1)
        .take(height - 2)
        .for_each(|(y, out)| {
            let [up, row, down] = [y - 1, y, y + 1].map(|r| &inverse[r * width..(r + 1) * width]);
            for x in 1..width - 1 {
                let c = row[x];
                let [left, right] = [row[x - 1], row[x + 1]];
                let [above, below] = [up[x], down[x]];
                if c == 0.0 || left == 0.0 || right == 0.0 || above == 0.0 || below == 0.0 {
                    continue;
                }
                out[x] = (left + right - 2.0 * c)
                    .abs()
                    .max((above + below - 2.0 * c).abs())
                    > CREASE * c;
            }
        });
    kinked
}

/// One flag per pixel of a `width`×`height` frame, row-major: on a geometric edge
/// ([`EdgeFinder::is_edge`]).
pub fn geometric_edges(depth: &[f32], instance: &[u32], width: usize, height: usize) -> Vec<bool> {
    let finder = EdgeFinder::new(depth, instance, width, height);
    let mut edges = vec![false; width * height];
    edges
        .par_chunks_mut(width.max(1))
        .enumerate()
        .for_each(|(y, row)| {
            for (x, edge) in row.iter_mut().enumerate() {
                *edge = finder.is_edge(x, y);
            }
        });
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Depth of a plane z = a + b·x in camera space, seen by a pinhole of focal f:
    /// inverse depth affine in the pixel column.
    fn plane(width: usize, height: usize, inverse_at: impl Fn(usize) -> f32) -> Vec<f32> {
        (0..height)
            .flat_map(|_| (0..width).map(|x| 1.0 / inverse_at(x)))
            .collect()
    }

    #[test]
    fn a_flat_face_has_no_edge_and_a_fold_has_one() {
        let (w, h) = (40, 8);
        let ids = vec![3u32; w * h];
        let flat = plane(w, h, |x| 0.5 + 0.004 * x as f32);
        assert!(!geometric_edges(&flat, &ids, w, h).contains(&true));
        // Folded at column 20: the slope of inverse depth changes there.
        let folded = plane(w, h, |x| {
            0.5 + 0.004 * x.min(20) as f32 - 0.003 * x.saturating_sub(20) as f32
        });
        let edges = geometric_edges(&folded, &ids, w, h);
        for y in 0..h {
            for x in 0..w {
                assert_eq!(edges[y * w + x], (19..=21).contains(&x), "({x}, {y})");
            }
        }
    }

    #[test]
    fn silhouettes_against_background_and_other_instances_are_edges() {
        let (w, h) = (10, 3);
        let mut depth = vec![2.0f32; w * h];
        let mut ids = vec![1u32; w * h];
        for y in 0..h {
            depth[y * w] = 0.0; // background in column 0
            ids[y * w + 9] = 2; // another instance in column 9
        }
        let edges = geometric_edges(&depth, &ids, w, h);
        let row: Vec<bool> = edges[w..2 * w].to_vec();
        assert_eq!(
            row,
            [
                true, true, false, false, false, false, false, false, true, true
            ]
        );
    }
}

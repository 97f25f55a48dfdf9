//! Masks to polygons: the outer border of each part of a mask (Suzuki–Abe border
//! following, from `imageproc`), simplified by Douglas–Peucker, and several parts joined
//! into one polygon the way Ultralytics' `merge_multi_segment` does, so an object split
//! by an occluder is still one YOLO line.

use imageproc::contours::{BorderType, find_contours};
use imageproc::geometry::approximate_polygon_dp;
use imageproc::point::Point;

/// How far (pixels) a simplified border may stray from the traced one.
pub const SIMPLIFY_EPSILON_PX: f64 = 0.5;

/// A polygon vertex in pixel-corner coordinates (the image spans `[0, W] × [0, H]`).
pub type Vertex = [f64; 2];

/// The polygon of a row-major `width`-wide mask: each part's outer border through its
/// border pixels' centres, the parts joined into one. Empty for an empty mask.
pub fn mask_polygon(mask: &[bool], width: u32) -> Vec<Vertex> {
    let w = width as usize;
    let h = mask.len() / w.max(1);
    // The mask's box, plus a pixel of background around it for the border follower.
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (i, _) in mask.iter().enumerate().filter(|(_, on)| **on) {
        let (x, y) = (i % w, i / w);
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 > x1 || y0 > y1 || h == 0 {
        return Vec::new();
    }
    let (cw, ch) = (x1 - x0 + 3, y1 - y0 + 3);
    let crop = image::GrayImage::from_fn(cw as u32, ch as u32, |cx, cy| {
        let (x, y) = (cx as usize, cy as usize);
        let inside = (1..cw - 1).contains(&x) && (1..ch - 1).contains(&y);
        image::Luma([u8::from(inside && mask[(y0 + y - 1) * w + x0 + x - 1])])
    });
    let parts: Vec<Vec<Vertex>> = find_contours::<i32>(&crop)
        .into_iter()
        .filter(|c| c.border_type == BorderType::Outer)
        .map(|c| {
            let offset =
                |p: &Point<i32>| [p.x as f64 - 1.0 + x0 as f64, p.y as f64 - 1.0 + y0 as f64];
            let simplified = simplify_closed(&c.points);
            if simplified.len() < 3 {
                // A part one pixel thin collapses to a segment: use its pixels' outline.
                let xs = c.points.iter().map(|p| offset(p)[0]);
                let ys = c.points.iter().map(|p| offset(p)[1]);
                let (lx, hx) = xs.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
                let (ly, hy) = ys.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
                vec![
                    [lx, ly],
                    [lx, hy + 1.0],
                    [hx + 1.0, hy + 1.0],
                    [hx + 1.0, ly],
                ]
            } else {
                simplified
                    .iter()
                    .map(|p| {
                        let [x, y] = offset(p);
                        [x + 0.5, y + 0.5]
                    })
                    .collect()
            }
        })
        .collect();
    merge_parts(parts)
}

/// Douglas–Peucker on a closed border (its first point not repeated): split at the point
/// farthest from the first, each half simplified as an open chain, so no corner is lost
/// to the seam.
fn simplify_closed(points: &[Point<i32>]) -> Vec<Point<i32>> {
    if points.len() < 4 {
        return points.to_vec();
    }
    let d2 = |p: &Point<i32>| (p.x - points[0].x).pow(2) + (p.y - points[0].y).pow(2);
    let far = (1..points.len())
        .max_by_key(|&i| (d2(&points[i]), std::cmp::Reverse(i)))
        .unwrap_or(1);
    let mut first = approximate_polygon_dp(&points[..=far], SIMPLIFY_EPSILON_PX, false);
    let back: Vec<Point<i32>> = points[far..].iter().chain(&points[..1]).copied().collect();
    let second = approximate_polygon_dp(&back, SIMPLIFY_EPSILON_PX, false);
    first.pop();
    first.extend(&second[..second.len() - 1]);
    first
}

/// The indices of the closest pair of vertices of `a` and `b` (the first such pair).
fn nearest(a: &[Vertex], b: &[Vertex]) -> (usize, usize) {
    let mut best = (f64::INFINITY, 0, 0);
    for (i, p) in a.iter().enumerate() {
        for (j, q) in b.iter().enumerate() {
            let d = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
            if d < best.0 {
                best = (d, i, j);
            }
        }
    }
    (best.1, best.2)
}

/// Joins parts into one polygon as Ultralytics' `merge_multi_segment` does: consecutive
/// parts are linked at their closest vertices by a zero-width bridge; the walk goes round
/// the first part, out along the chain (through each middle part from its entry to its
/// exit vertex), round the last part, and back (through the rest of each middle part).
/// Unlike Ultralytics, a middle part keeps its orientation.
pub fn merge_parts(parts: Vec<Vec<Vertex>>) -> Vec<Vertex> {
    let n = parts.len();
    if n <= 1 {
        return parts.into_iter().next().unwrap_or_default();
    }
    // links[i] = (entry from the previous part, exit to the next part).
    let mut links = vec![(0usize, 0usize); n];
    for i in 1..n {
        let (exit, entry) = nearest(&parts[i - 1], &parts[i]);
        links[i - 1].1 = exit;
        links[i].0 = entry;
    }
    // Vertices of part `i` from index `from` to `to` going forwards, both included; with
    // `round`, all the way round when they are the same vertex.
    let parts = &parts;
    let walk = |i: usize, from: usize, to: usize, round: bool| {
        let len = parts[i].len();
        let mut steps = (to + len - from) % len;
        if steps == 0 && round {
            steps = len;
        }
        (0..=steps).map(move |k| parts[i][(from + k) % len])
    };
    let mut out: Vec<Vertex> = Vec::new();
    let first_len = parts[0].len();
    out.extend(walk(
        0,
        links[0].1,
        (links[0].1 + first_len - 1) % first_len,
        false,
    ));
    out.push(parts[0][links[0].1]);
    for (i, &(entry, exit)) in links.iter().enumerate().take(n - 1).skip(1) {
        out.extend(walk(i, entry, exit, false));
    }
    let last_len = parts[n - 1].len();
    let entry = links[n - 1].0;
    out.extend(walk(n - 1, entry, (entry + last_len - 1) % last_len, false));
    out.push(parts[n - 1][entry]);
    for i in (1..n - 1).rev() {
        // Entered and left at one vertex: the way back goes all round.
        let (entry, exit) = links[i];
        out.extend(walk(i, exit, entry, true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_of(rects: &[(usize, usize, usize, usize)], w: usize, h: usize) -> Vec<bool> {
        let mut m = vec![false; w * h];
        for &(x0, y0, x1, y1) in rects {
            for y in y0..=y1 {
                for x in x0..=x1 {
                    m[y * w + x] = true;
                }
            }
        }
        m
    }

    #[test]
    fn a_rectangle_becomes_its_border_pixel_centres() {
        let poly = mask_polygon(&mask_of(&[(2, 3, 6, 5)], 10, 8), 10);
        let mut corners = poly.clone();
        corners.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(
            corners,
            vec![[2.5, 3.5], [2.5, 5.5], [6.5, 3.5], [6.5, 5.5]],
            "{poly:?}"
        );
    }

    #[test]
    fn two_parts_are_one_polygon_through_both() {
        let poly = mask_polygon(&mask_of(&[(1, 1, 3, 3), (7, 1, 9, 3)], 12, 6), 12);
        assert!(poly.iter().any(|p| p[0] < 4.0) && poly.iter().any(|p| p[0] > 6.0));
        // Round the first part (4 corners and back to the start), round the second.
        assert_eq!(poly.len(), 10, "{poly:?}");
    }

    #[test]
    fn three_parts_visit_the_middle_one_out_and_back() {
        let parts = vec![
            vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
            vec![[3.0, 0.0], [4.0, 0.0], [4.0, 1.0], [3.0, 1.0]],
            vec![[6.0, 0.0], [7.0, 0.0], [7.0, 1.0], [6.0, 1.0]],
        ];
        let merged = merge_parts(parts.clone());
        for part in &parts {
            for v in part {
                assert!(merged.contains(v), "{v:?} missing from {merged:?}");
            }
        }
        // It starts on the first part's exit vertex towards the second and ends back on
        // the middle part, whose bridge closes the ring.
        assert_eq!(merged.first(), Some(&[1.0, 0.0]));
        assert!(parts[1].contains(merged.last().unwrap()), "{merged:?}");
        // Round the first part and back to its start (5), the middle one from entry to
        // exit (2), round the last and back (5), the middle one from exit to entry (4).
        assert_eq!(merged.len(), 16, "{merged:?}");
    }

    #[test]
    fn a_middle_part_entered_and_left_at_one_vertex_is_walked_all_round() {
        let parts = vec![
            vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
            vec![[3.0, 0.0], [3.0, 4.0], [2.0, 4.0], [2.0, 1.0]],
            vec![[1.5, 2.0], [1.8, 2.0], [1.8, 2.5]],
        ];
        let merged = merge_parts(parts.clone());
        for v in parts.iter().flatten() {
            assert!(merged.contains(v), "{v:?} missing from {merged:?}");
        }
    }

    #[test]
    fn a_one_pixel_line_becomes_its_outline() {
        let poly = mask_polygon(&mask_of(&[(2, 2, 6, 2)], 10, 5), 10);
        assert_eq!(poly, vec![[2.0, 2.0], [2.0, 3.0], [7.0, 3.0], [7.0, 2.0]]);
    }
}

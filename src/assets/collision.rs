//! The colliders of a spec's assets, for the simulation of dropped objects.

use glam::DVec3;

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

/// The boxes (centre, half sides) of a built-in container or surface, in asset space:
/// its draws, each the unit cube scaled and moved (and normalized, where the spec asks,
/// by a uniform scale and a shift).
fn builtin_parts(asset: &Asset, spec: &AssetSpec) -> Option<Vec<(DVec3, DVec3)>> {
    spec.primitive.and_then(|k| k.parts())?;
    Some(
        asset
            .draws
            .iter()
            .map(|d| {
                let half = 0.5
                    * DVec3::new(
                        d.transform.x_axis.length(),
                        d.transform.y_axis.length(),
                        d.transform.z_axis.length(),
                    );
                (d.transform.transform_point3(DVec3::ZERO), half)
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

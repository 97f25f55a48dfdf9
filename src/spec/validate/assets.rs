//! `assets[]`: names, sources (a file or a primitive; folders are expanded before this),
//! units and up axis, categories, BOP ids, colliders, and the `shape` of the groups that
//! size built-in containers.

use std::collections::HashSet;

use super::category_names;
use crate::spec::objects::ObjectSpec;
use crate::spec::{IssueSink, Spec};

/// `assets`: unique names, a file or a primitive, known categories.
pub(super) fn check_assets(spec: &Spec, sink: &mut dyn IssueSink) {
    let mut seen = HashSet::new();
    for (i, a) in spec.assets.iter().enumerate() {
        if !seen.insert(a.name.as_str()) {
            sink.issue(
                &format!("assets[{i}].name"),
                format!("duplicate asset `{}`", a.name),
            );
        }
        if a.pattern.is_some() && a.dir.is_none() {
            sink.issue(
                &format!("assets[{i}].pattern"),
                "applies only with `dir` (a folder of mesh files)".into(),
            );
        }
        if a.dir.is_some() || a.bop_models.is_some() {
            sink.issue(
                &format!("assets[{i}]"),
                "`dir`, `pattern` and `bop_models` are expanded when a spec is loaded from \
                 JSON (`LoadedSpec`); a spec built in code lists one asset per file"
                    .into(),
            );
            continue;
        }
        if let Some(id) = a.bop_id {
            if id == 0 {
                sink.issue(
                    &format!("assets[{i}].bop_id"),
                    "BOP object ids start at 1".into(),
                );
            } else if let Some(j) = spec.assets[..i].iter().position(|b| b.bop_id == Some(id)) {
                sink.issue(
                    &format!("assets[{i}].bop_id"),
                    format!(
                        "{id} is also the BOP id of assets[{j}] (`{}`)",
                        spec.assets[j].name
                    ),
                );
            }
        }
        match (&a.path, &a.primitive) {
            (Some(_), Some(_)) => sink.issue(
                &format!("assets[{i}]"),
                "give either `path` or `primitive`, not both".into(),
            ),
            (None, None) => sink.issue(
                &format!("assets[{i}]"),
                "give `path` (a glTF, OBJ, PLY or STL file) or `primitive` (cube, sphere, cylinder, cone, torus, plane)"
                    .into(),
            ),
            _ => {}
        }
        if let Some(d) = a.normalize_diagonal
            && !(d > 0.0 && d.is_finite())
        {
            sink.issue(
                &format!("assets[{i}].normalize_diagonal"),
                format!("must be a positive length in metres, found {d}"),
            );
        }
        if let Some(u) = a.units
            && !(u.metres() > 0.0 && u.metres().is_finite())
        {
            sink.issue(
                &format!("assets[{i}].units"),
                format!(
                    "must be \"m\", \"cm\", \"mm\" or a positive number of metres per unit, found {}",
                    u.metres()
                ),
            );
        }
        if a.primitive.is_some() && (a.units.is_some() || a.up.is_some()) {
            sink.issue(
                &format!("assets[{i}]"),
                "`units` and `up` describe a file; a `primitive` is built in metres, +Y up".into(),
            );
        }
        if let Some(cat) = &a.category
            && !spec.categories.iter().any(|c| &c.name == cat)
        {
            sink.issue(
                &format!("assets[{i}].category"),
                format!(
                    "unknown category `{cat}`; categories are {}",
                    category_names(spec)
                ),
            );
        }
    }
}

/// `assets[].collider` and `assets[].decomposition`: settings that apply, and no
/// triangle mesh on an asset a group drops.
pub(super) fn check_colliders(spec: &Spec, sink: &mut dyn IssueSink) {
    use crate::spec::ColliderKind;
    for (i, a) in spec.assets.iter().enumerate() {
        let kind = a.collider.unwrap_or_default();
        if let Some(d) = &a.decomposition {
            if kind == ColliderKind::Decomposition {
                d.check(&format!("assets[{i}]"), sink);
            } else {
                sink.issue(
                    &format!("assets[{i}].decomposition"),
                    "applies only with `\"collider\": \"decomposition\"`".into(),
                );
            }
        }
        if kind != ColliderKind::Mesh {
            continue;
        }
        let dropper = spec.objects.iter().position(|o| {
            o.drop.is_some() && o.asset.candidates(&spec.assets).contains(&a.name.as_str())
        });
        if let Some(j) = dropper {
            sink.issue(
                &format!("assets[{i}].collider"),
                format!(
                    "a triangle mesh can only hold still, and objects[{j}] drops `{}`: \
                     use `hull` or `decomposition` (a fixed group may use `mesh`)",
                    a.name
                ),
            );
        }
    }
}

/// An object group's `shape`: only on built-in containers and surfaces (drawn at their
/// own size, so neither normalized nor colliding as anything but their boxes), with
/// sizes and a thickness that make a shape.
pub(super) fn check_shape(spec: &Spec, i: usize, o: &ObjectSpec, sink: &mut dyn IssueSink) {
    use crate::spec::ColliderKind;
    let Some(shape) = &o.shape else {
        return;
    };
    let path = format!("objects[{i}].shape");
    for name in o.asset.candidates(&spec.assets) {
        let Some(asset) = spec.assets.iter().find(|a| a.name == name) else {
            continue;
        };
        let why = if asset.primitive.and_then(|k| k.default_shape()).is_none() {
            Some("is not a built-in bin, tray, shelf or table")
        } else if asset.normalize_diagonal.is_some() {
            Some("sets `normalize_diagonal`; give its size here instead")
        } else if !matches!(
            asset.collider.unwrap_or_default(),
            ColliderKind::Auto | ColliderKind::Box
        ) {
            Some("collides as a shape built at its default size; use `auto` or `box`")
        } else {
            None
        };
        if let Some(why) = why {
            sink.issue(&path, format!("asset `{name}` {why}"));
        }
    }
    // The smallest side drawn: from `size`, else the smallest default side of the
    // containers the group draws.
    let smallest = shape.size.as_ref().map_or_else(
        || {
            o.asset
                .candidates(&spec.assets)
                .iter()
                .filter_map(|name| spec.assets.iter().find(|a| a.name == *name))
                .filter_map(|a| a.primitive?.default_shape())
                .flat_map(|(size, _)| size)
                .reduce(f64::min)
        },
        |size| {
            size.check(&format!("{path}.size"), sink);
            let (lo, hi) = size.bounds();
            if lo.iter().chain(&hi).any(|v| !(0.02..=100.0).contains(v)) {
                sink.issue(
                    &format!("{path}.size"),
                    format!("each side must lie in [0.02, 100] m, this spans {lo:?} to {hi:?}"),
                );
            }
            Some(lo.into_iter().fold(f64::INFINITY, f64::min))
        },
    );
    if let Some(t) = &shape.thickness {
        t.check_within(&format!("{path}.thickness"), (1e-4, 25.0), sink);
        let thickest = t.bounds().1;
        if let Some(side) = smallest
            && thickest * 4.0 >= side
        {
            sink.issue(
                &format!("{path}.thickness"),
                format!(
                    "must stay under a quarter of every side: up to {thickest} m against \
                     sides down to {side} m"
                ),
            );
        }
    }
}

//! Asset folders and BOP model sets: `assets` entries that stand for many files, expanded
//! when a spec is loaded into one asset per file.
//!
//! - `{"name": "ycb", "dir": "models/ycb", "pattern": "*/textured.obj", "category":
//!   "from_folder"}`: every mesh file under `dir` that the glob `pattern` matches (default:
//!   every mesh file directly in `dir`), sorted by its path relative to `dir` (byte order,
//!   so the order and hence the asset and category ids never depend on the file system),
//!   each named `ycb/<relative path less its extension>`.
//! - `{"name": "lmo", "bop_models": "lmo/models"}`: the objects of `models_info.json` in
//!   id order, each `obj_NNNNNN.ply` in millimetres, named `lmo/obj_NNNNNN`, of category
//!   `obj_NNNNNN` placed so that its category id is the BOP object id, and with that
//!   object id as its `bop_id` (what `export bop` writes back).
//!
//! Every other field of the entry (`units`, `up`, `normalize_diagonal`, `collider`, ...)
//! is copied to each asset. An object group that names the entry draws any of its assets,
//! equally likely (within the entry's share of a weighted choice). The expanded spec is
//! what the manifest records, and the manifest's `assets` list has each file's checksum.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::MeshFormat;
use super::objects::{AssetChoice, AssetSpec, CategorySpec};
use super::{Choice, Spec, SpecIssue, UnitName, Units};

/// `category` on a `dir` entry: the folder directly under `dir` that holds the file.
pub const CATEGORY_FROM_FOLDER: &str = "from_folder";
/// `category` on a `dir` entry: the file name less its extension.
pub const CATEGORY_FROM_FILE: &str = "from_file";

/// The file of a BOP model set that lists its objects.
pub const BOP_MODELS_INFO: &str = "models_info.json";

/// One file of an expanded entry.
struct Member {
    /// Its path relative to the entry's folder, `/`-separated.
    relative: String,
    /// The category it gets, if any.
    category: Option<String>,
    /// Its BOP object id, for a BOP model set.
    bop_id: Option<u32>,
}

/// Replaces each folder and BOP-set entry of `spec.assets` by one asset per file, adds the
/// categories they name, and turns object groups' references to an entry into choices of
/// its assets. `folder` is the spec's folder (relative paths resolve against it). Returns
/// the issues found; the spec is only changed when there are none.
pub fn expand_asset_folders(spec: &mut Spec, folder: &Path) -> Vec<SpecIssue> {
    if !spec
        .assets
        .iter()
        .any(|a| a.dir.is_some() || a.bop_models.is_some())
    {
        return Vec::new();
    }
    let mut issues = Vec::new();
    let mut issue = |path: String, message: String| issues.push(SpecIssue { path, message });
    let mut assets = Vec::with_capacity(spec.assets.len());
    let mut categories = spec.categories.clone();
    let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, entry) in spec.assets.iter().enumerate() {
        let at = format!("assets[{i}]");
        if let Some(cat) = entry.category.as_deref()
            && (entry.dir.is_some() || entry.bop_models.is_some())
            && !matches!(cat, CATEGORY_FROM_FOLDER | CATEGORY_FROM_FILE)
            && !categories.iter().any(|c| c.name == cat)
        {
            issue(
                format!("{at}.category"),
                format!(
                    "unknown category `{cat}`: declare it in `categories`, or use \
                     \"from_folder\" or \"from_file\" on a folder"
                ),
            );
            continue;
        }
        let (base, members) = if let Some(dir) = &entry.dir {
            if !entry_form_ok(entry, &at, &mut issue) {
                continue;
            }
            (dir, list_folder(entry, dir, folder, &at, &mut issue))
        } else if let Some(models) = &entry.bop_models {
            if !entry_form_ok(entry, &at, &mut issue) {
                continue;
            }
            (
                models,
                list_bop_models(entry, models, folder, &at, &mut issue),
            )
        } else {
            assets.push(entry.clone());
            continue;
        };
        let Some(members) = members else {
            continue;
        };
        let mut names = Vec::with_capacity(members.len());
        for m in members {
            let stem = m
                .relative
                .rsplit_once('.')
                .map_or(m.relative.as_str(), |(stem, _)| stem);
            let name = format!("{}/{stem}", entry.name);
            // Categories the entry derives are added; a name it gives must be declared.
            match (&m.category, m.bop_id, entry.category.is_some()) {
                (Some(cat), Some(id), false) => {
                    if let Err(message) = place_bop_category(&mut categories, cat, id) {
                        issue(format!("{at}.bop_models"), message);
                    }
                }
                (Some(cat), None, true)
                    if derived_category(entry) && !categories.iter().any(|c| &c.name == cat) =>
                {
                    categories.push(new_category(cat));
                }
                _ => {}
            }
            assets.push(AssetSpec {
                name: name.clone(),
                path: Some(base.join(&m.relative)),
                dir: None,
                pattern: None,
                bop_models: None,
                bop_id: m.bop_id,
                category: m.category,
                units: match (entry.units, entry.bop_models.is_some()) {
                    (None, true) => Some(Units::Named(UnitName::Millimetre)),
                    (units, _) => units,
                },
                ..entry.clone()
            });
            names.push(name);
        }
        sets.insert(entry.name.clone(), names);
    }
    if !issues.is_empty() {
        return issues;
    }
    for o in &mut spec.objects {
        if let AssetChoice::Named(choice) = &mut o.asset {
            *choice = expand_choice(choice, &sets);
        }
    }
    spec.assets = assets;
    spec.categories = categories;
    Vec::new()
}

/// Whether a `dir` entry derives each file's category (`from_folder`, `from_file`).
fn derived_category(entry: &AssetSpec) -> bool {
    entry.dir.is_some()
        && matches!(
            entry.category.as_deref(),
            Some(CATEGORY_FROM_FOLDER | CATEGORY_FROM_FILE)
        )
}

/// A folder or BOP entry gives nothing else a file would, and only the fields that apply
/// to its kind.
fn entry_form_ok(entry: &AssetSpec, at: &str, issue: &mut dyn FnMut(String, String)) -> bool {
    let sources = [
        entry.path.is_some(),
        entry.primitive.is_some(),
        entry.dir.is_some(),
        entry.bop_models.is_some(),
    ];
    let mut ok = true;
    if sources.iter().filter(|&&s| s).count() > 1 {
        issue(
            at.to_owned(),
            "give one of `path`, `primitive`, `dir` and `bop_models`".into(),
        );
        ok = false;
    }
    if entry.pattern.is_some() && entry.dir.is_none() {
        issue(
            format!("{at}.pattern"),
            "applies only with `dir` (a folder of mesh files)".into(),
        );
        ok = false;
    }
    if entry.bop_id.is_some() {
        issue(
            format!("{at}.bop_id"),
            "is one object's id; a folder or BOP entry stands for many (BOP sets take \
             their ids from models_info.json)"
                .into(),
        );
        ok = false;
    }
    if entry.bop_models.is_some()
        && matches!(
            entry.category.as_deref(),
            Some(CATEGORY_FROM_FOLDER | CATEGORY_FROM_FILE)
        )
    {
        issue(
            format!("{at}.category"),
            "a BOP set's categories are its object ids (`obj_NNNNNN`), or one category \
             NAME for all"
                .into(),
        );
        ok = false;
    }
    ok
}

/// The file `path` (as written in the spec) resolves to.
fn resolve(path: &Path, folder: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        folder.join(path)
    }
}

/// `path` relative to `dir`, `/`-separated, if it is valid UTF-8.
fn relative_name(path: &Path, dir: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// The files of a `dir` entry, sorted by their relative paths, with their categories.
fn list_folder(
    entry: &AssetSpec,
    dir: &Path,
    folder: &Path,
    at: &str,
    issue: &mut dyn FnMut(String, String),
) -> Option<Vec<Member>> {
    let root = resolve(dir, folder);
    if !root.is_dir() {
        issue(
            format!("{at}.dir"),
            format!("{} is not a directory", root.display()),
        );
        return None;
    }
    let pattern = entry.pattern.as_deref().unwrap_or("*");
    if Path::new(pattern).is_absolute() || pattern.split(['/', '\\']).any(|part| part == "..") {
        issue(
            format!("{at}.pattern"),
            format!("`{pattern}` must stay inside `dir`: no leading `/` and no `..`"),
        );
        return None;
    }
    let Some(root_text) = root.to_str() else {
        issue(
            format!("{at}.dir"),
            format!("{} is not valid UTF-8", root.display()),
        );
        return None;
    };
    let full = format!("{}/{pattern}", glob::Pattern::escape(root_text));
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let paths = match glob::glob_with(&full, options) {
        Ok(paths) => paths,
        Err(e) => {
            issue(
                format!("{at}.pattern"),
                format!("`{pattern}` is not a glob pattern: {}", e.msg),
            );
            return None;
        }
    };
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for path in paths {
        let path = match path {
            Ok(p) => p,
            Err(e) => {
                issue(
                    format!("{at}.dir"),
                    format!("cannot read {}: {}", e.path().display(), e.error()),
                );
                return None;
            }
        };
        // Only files of a format synthvis reads (the extension decides, in any case).
        if !path.is_file() || MeshFormat::of(&path).is_none() {
            continue;
        }
        let Some(relative) = relative_name(&path, &root) else {
            issue(
                format!("{at}.dir"),
                format!("{} is not valid UTF-8", path.display()),
            );
            return None;
        };
        found.push((relative, path));
    }
    if found.is_empty() {
        issue(
            format!("{at}.pattern"),
            format!(
                "no .gltf, .glb, .obj, .ply or .stl file in {} matches `{pattern}`",
                root.display()
            ),
        );
        return None;
    }
    found.sort();
    let own_name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let members = found
        .into_iter()
        .map(|(relative, path)| {
            let category = match entry.category.as_deref() {
                Some(CATEGORY_FROM_FOLDER) => Some(match relative.split_once('/') {
                    Some((top, _)) => top.to_owned(),
                    None => own_name.clone(),
                }),
                Some(CATEGORY_FROM_FILE) => {
                    path.file_stem().map(|s| s.to_string_lossy().into_owned())
                }
                other => other.map(str::to_owned),
            };
            Member {
                relative,
                category,
                bop_id: None,
            }
        })
        .collect();
    Some(members)
}

/// The objects of a BOP model set, in id order.
fn list_bop_models(
    entry: &AssetSpec,
    models: &Path,
    folder: &Path,
    at: &str,
    issue: &mut dyn FnMut(String, String),
) -> Option<Vec<Member>> {
    let root = resolve(models, folder);
    let info_path = root.join(BOP_MODELS_INFO);
    let bytes = match std::fs::read(&info_path) {
        Ok(b) => b,
        Err(e) => {
            issue(
                format!("{at}.bop_models"),
                format!("cannot read {}: {e}", info_path.display()),
            );
            return None;
        }
    };
    let info: BTreeMap<String, serde_json::Value> = match serde_json::from_slice(&bytes) {
        Ok(info) => info,
        Err(e) => {
            issue(
                format!("{at}.bop_models"),
                format!(
                    "{} is not a BOP models_info.json (an object keyed by object id): {e}",
                    info_path.display()
                ),
            );
            return None;
        }
    };
    let mut ids = Vec::with_capacity(info.len());
    for key in info.keys() {
        match key.parse::<u32>() {
            Ok(id) if (1..=u32::from(u16::MAX)).contains(&id) => ids.push(id),
            _ => {
                issue(
                    format!("{at}.bop_models"),
                    format!(
                        "{}: `{key}` is not an object id (a whole number from 1 to 65535)",
                        info_path.display()
                    ),
                );
                return None;
            }
        }
    }
    if ids.is_empty() {
        issue(
            format!("{at}.bop_models"),
            format!("{} lists no objects", info_path.display()),
        );
        return None;
    }
    ids.sort_unstable();
    let mut members = Vec::with_capacity(ids.len());
    for id in ids {
        let relative = format!("obj_{id:06}.ply");
        if !root.join(&relative).is_file() {
            issue(
                format!("{at}.bop_models"),
                format!(
                    "{} lists object {id}, but {} does not exist",
                    info_path.display(),
                    root.join(&relative).display()
                ),
            );
            return None;
        }
        members.push(Member {
            category: Some(
                entry
                    .category
                    .clone()
                    .unwrap_or_else(|| format!("obj_{id:06}")),
            ),
            relative,
            bop_id: Some(id),
        });
    }
    Some(members)
}

fn new_category(name: &str) -> CategorySpec {
    CategorySpec {
        name: name.to_owned(),
        supercategory: "object".to_owned(),
    }
}

/// Puts category `name` at id `id` (index `id - 1`), filling the ids below it that no
/// category has yet with BOP-style names; an error when another category holds that id
/// or `name` already has another id.
fn place_bop_category(
    categories: &mut Vec<CategorySpec>,
    name: &str,
    id: u32,
) -> Result<(), String> {
    let index = id as usize - 1;
    if let Some(held) = categories.iter().position(|c| c.name == name) {
        if held == index {
            return Ok(());
        }
        return Err(format!(
            "BOP object {id} needs category id {id}, but `{name}` is categories[{held}] (id {})",
            held + 1
        ));
    }
    if let Some(other) = categories.get(index) {
        return Err(format!(
            "BOP object {id} needs category id {id}, which `{}` has: list a BOP set's \
             categories first, or give the entry one `category`",
            other.name
        ));
    }
    while categories.len() < index {
        let k = categories.len() + 1;
        categories.push(new_category(&format!("obj_{k:06}")));
    }
    categories.push(new_category(name));
    Ok(())
}

/// `choice` with each entry name in it replaced by that entry's assets, which share the
/// entry's weight equally.
fn expand_choice(choice: &Choice<String>, sets: &BTreeMap<String, Vec<String>>) -> Choice<String> {
    if !choice.values.iter().any(|v| sets.contains_key(v)) {
        return choice.clone();
    }
    let mut values = Vec::new();
    let mut weights = Vec::new();
    for (k, value) in choice.values.iter().enumerate() {
        let weight = choice
            .weights
            .as_ref()
            .map_or(1.0, |w| w.get(k).copied().unwrap_or(0.0));
        match sets.get(value) {
            Some(members) => {
                for m in members {
                    values.push(m.clone());
                    weights.push(weight / members.len() as f64);
                }
            }
            None => {
                values.push(value.clone());
                weights.push(weight);
            }
        }
    }
    let equal = weights.windows(2).all(|w| w[0] == w[1]);
    Choice {
        values,
        weights: (!equal).then_some(weights),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(values: &[&str], weights: Option<Vec<f64>>) -> Choice<String> {
        Choice {
            values: values.iter().map(|v| v.to_string()).collect(),
            weights,
        }
    }

    #[test]
    fn an_entry_name_becomes_its_assets_sharing_its_weight() {
        let sets = BTreeMap::from([("ycb".to_owned(), vec!["ycb/a".into(), "ycb/b".into()])]);
        let only = expand_choice(&choice(&["ycb"], None), &sets);
        assert_eq!(only, choice(&["ycb/a", "ycb/b"], None));
        let mixed = expand_choice(&choice(&["ycb", "box"], Some(vec![3.0, 1.0])), &sets);
        assert_eq!(
            mixed,
            choice(&["ycb/a", "ycb/b", "box"], Some(vec![1.5, 1.5, 1.0]))
        );
        let plain = expand_choice(&choice(&["box"], None), &sets);
        assert_eq!(plain, choice(&["box"], None));
    }

    #[test]
    fn bop_categories_land_on_their_object_ids() {
        let mut cats = Vec::new();
        place_bop_category(&mut cats, "obj_000002", 2).unwrap();
        place_bop_category(&mut cats, "obj_000005", 5).unwrap();
        let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "obj_000001",
                "obj_000002",
                "obj_000003",
                "obj_000004",
                "obj_000005"
            ]
        );
        let mut taken = vec![new_category("box")];
        let err = place_bop_category(&mut taken, "obj_000001", 1).unwrap_err();
        assert!(err.contains("`box`"), "{err}");
    }
}

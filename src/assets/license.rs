//! Each asset's licence and attribution, for the manifest, the COCO file and `validate`.
//!
//! Where they come from, first found first:
//! - the licence: the spec's `license` (an SPDX identifier or expression such as
//!   `CC-BY-4.0`, or any text) with its `license_url`; else a REUSE-style `FILE.license`
//!   beside the mesh (`model.obj.license`, its `SPDX-License-Identifier:` line); else a
//!   `LICENSE*`, `LICENCE*` or `COPYING*` file beside it (its `SPDX-License-Identifier:`
//!   line, else its first line: `MIT License`, `Attribution 4.0 International`);
//! - the attribution: the spec's `attribution`; else the `.license` file's
//!   `SPDX-FileCopyrightText:` line; else glTF's `asset.copyright`.
//!
//! A licence that is an SPDX identifier gets its SPDX page as its URL (the [`spdx`] crate
//! holds the list); one read from a file, that file's path. Built-in primitives are
//! synthvis' own and need none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::spec::AssetSpec;

/// What is known of one asset's licence: a record of the manifest's `licenses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetLicense {
    /// The asset's name in the spec.
    pub asset: String,
    /// The licence: an SPDX identifier or expression, or the licence's own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Where its terms are: the spec's `license_url`, the SPDX page, or the licence file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Who to credit (copyright holder, author, source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Where the licence and attribution were read: `spec`, a file's path, or `glTF
    /// asset.copyright`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// A built-in primitive: synthvis' own, nothing to license.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub builtin: bool,
}

impl AssetLicense {
    /// Whether the asset needs licence information it lacks: a file asset with no licence.
    pub fn is_missing(&self) -> bool {
        !self.builtin && self.license.is_none()
    }
}

/// The licence of the asset `spec_asset`, whose file (if any) is `file` (resolved against
/// the spec's folder); `copyright` is its glTF `asset.copyright`. A licence file is named
/// as the spec names the mesh's folder, so records do not depend on where the spec lies.
pub fn asset_license(
    spec_asset: &AssetSpec,
    file: Option<&Path>,
    copyright: Option<&str>,
    folders: &mut FolderLicenses,
) -> AssetLicense {
    let mut out = AssetLicense {
        asset: spec_asset.name.clone(),
        builtin: file.is_none(),
        ..AssetLicense::default()
    };
    if let Some(license) = spec_asset.license.as_deref().map(str::trim) {
        out.license = Some(license.to_owned());
        out.url = spec_asset.license_url.clone().or_else(|| spdx_url(license));
        out.sources.push("spec".into());
    }
    if let Some(attribution) = &spec_asset.attribution {
        out.attribution = Some(attribution.trim().to_owned());
        if !out.sources.iter().any(|s| s == "spec") {
            out.sources.push("spec".into());
        }
    }
    let Some(file) = file else {
        return out;
    };
    if (out.license.is_none() || out.attribution.is_none())
        && let Some((found_path, found)) = license_file(file, folders)
    {
        let written = spec_asset.path.as_deref().unwrap_or(file);
        let path = match found_path.file_name() {
            Some(name) => written.with_file_name(name),
            None => found_path,
        };
        let mut used = false;
        if out.license.is_none() {
            out.url = found.license.as_deref().and_then(spdx_url);
            if out.url.is_none() {
                out.url = Some(path.display().to_string());
            }
            out.license = found.license;
            used = true;
        }
        if out.attribution.is_none() && found.copyright.is_some() {
            out.attribution = found.copyright;
            used = true;
        }
        if used {
            out.sources.push(path.display().to_string());
        }
    }
    if out.attribution.is_none()
        && let Some(c) = copyright.map(str::trim).filter(|c| !c.is_empty())
    {
        out.attribution = Some(c.to_owned());
        out.sources.push("glTF asset.copyright".into());
    }
    out
}

/// `https://spdx.org/licenses/ID.html` when `license` is one SPDX licence identifier.
fn spdx_url(license: &str) -> Option<String> {
    spdx::license_id(license.trim()).map(|id| format!("https://spdx.org/licenses/{}.html", id.name))
}

/// What a licence file says.
#[derive(Debug, Clone)]
struct LicenseFileText {
    /// The licence: its `SPDX-License-Identifier`, else the first line.
    license: Option<String>,
    /// Its `SPDX-FileCopyrightText`, when it has one.
    copyright: Option<String>,
}

/// The most of a licence file read: its first lines are all that is looked at.
const LICENSE_FILE_BYTES: u64 = 64 * 1024;

/// The `LICENSE*`, `LICENCE*` or `COPYING*` file of each folder asked about, with what it
/// says: a folder of a thousand meshes is listed once, not a thousand times.
#[derive(Debug, Default)]
pub struct FolderLicenses(HashMap<PathBuf, Option<(PathBuf, LicenseFileText)>>);

impl FolderLicenses {
    /// The first (by name) readable licence file in `folder`.
    fn of(&mut self, folder: &Path) -> Option<(PathBuf, LicenseFileText)> {
        self.0
            .entry(folder.to_owned())
            .or_insert_with(|| {
                let mut candidates: Vec<PathBuf> = std::fs::read_dir(folder)
                    .ok()?
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                            let n = n.to_ascii_uppercase();
                            n.starts_with("LICENSE")
                                || n.starts_with("LICENCE")
                                || n.starts_with("COPYING")
                        }) && p.is_file()
                    })
                    .collect();
                candidates.sort();
                candidates
                    .into_iter()
                    .find_map(|p| read_license_file(&p).map(|t| (p, t)))
            })
            .clone()
    }
}

/// The licence file for the mesh `file`: `FILE.license`, else the first (by name) of the
/// `LICENSE*`, `LICENCE*` and `COPYING*` files in its folder.
fn license_file(file: &Path, folders: &mut FolderLicenses) -> Option<(PathBuf, LicenseFileText)> {
    let mut reuse = file.as_os_str().to_owned();
    reuse.push(".license");
    let reuse = PathBuf::from(reuse);
    if reuse.is_file() {
        return read_license_file(&reuse).map(|t| (reuse, t));
    }
    folders.of(file.parent()?)
}

/// The licence and copyright lines of a licence file; none when it is unreadable or
/// says nothing.
fn read_license_file(path: &Path) -> Option<LicenseFileText> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(LICENSE_FILE_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let tagged = |tag: &str| {
        text.lines().find_map(|l| {
            let l = l.trim().trim_start_matches(['#', '/', '*', ' ']);
            l.strip_prefix(tag)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
    };
    let license = tagged("SPDX-License-Identifier:").or_else(|| {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| l.chars().take(120).collect())
    });
    let copyright = tagged("SPDX-FileCopyrightText:");
    (license.is_some() || copyright.is_some()).then_some(LicenseFileText { license, copyright })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_asset(extra: serde_json::Value) -> AssetSpec {
        let mut v = serde_json::json!({ "name": "a", "path": "a.obj" });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_spec_wins_and_spdx_ids_get_their_page() {
        let tmp = tempfile::tempdir().unwrap();
        let mesh = tmp.path().join("a.obj");
        std::fs::write(tmp.path().join("LICENSE"), "MIT License\n").unwrap();
        let l = asset_license(
            &spec_asset(serde_json::json!({ "license": "CC-BY-4.0", "attribution": "Ann" })),
            Some(&mesh),
            Some("(c) Bob"),
            &mut FolderLicenses::default(),
        );
        assert_eq!(l.license.as_deref(), Some("CC-BY-4.0"));
        assert_eq!(
            l.url.as_deref(),
            Some("https://spdx.org/licenses/CC-BY-4.0.html")
        );
        assert_eq!(l.attribution.as_deref(), Some("Ann"));
        assert_eq!(l.sources, ["spec"]);
    }

    #[test]
    fn files_beside_the_mesh_and_the_gltf_copyright() {
        let tmp = tempfile::tempdir().unwrap();
        let mesh = tmp.path().join("a.obj");
        // A plain LICENSE file: its first line names the licence, its path is the URL.
        std::fs::write(
            tmp.path().join("LICENSE.txt"),
            "\n  Attribution 4.0 International\n\nterms...",
        )
        .unwrap();
        let l = asset_license(
            &spec_asset(serde_json::json!({})),
            Some(&mesh),
            Some("2017 (c) Corp"),
            &mut FolderLicenses::default(),
        );
        assert_eq!(l.license.as_deref(), Some("Attribution 4.0 International"));
        // Named as the spec names the mesh (`a.obj`, relative), not where it lies.
        assert_eq!(l.url.as_deref(), Some("LICENSE.txt"));
        assert_eq!(l.sources, ["LICENSE.txt", "glTF asset.copyright"]);
        assert_eq!(l.attribution.as_deref(), Some("2017 (c) Corp"));
        assert!(!l.is_missing());
        // A REUSE file for the mesh itself comes first.
        std::fs::write(
            tmp.path().join("a.obj.license"),
            "SPDX-FileCopyrightText: 2024 Jane Doe\nSPDX-License-Identifier: CC0-1.0\n",
        )
        .unwrap();
        let l = asset_license(
            &spec_asset(serde_json::json!({})),
            Some(&mesh),
            Some("x"),
            &mut FolderLicenses::default(),
        );
        assert_eq!(l.license.as_deref(), Some("CC0-1.0"));
        assert_eq!(
            l.url.as_deref(),
            Some("https://spdx.org/licenses/CC0-1.0.html")
        );
        assert_eq!(l.attribution.as_deref(), Some("2024 Jane Doe"));
        // Nothing at all.
        let bare = tempfile::tempdir().unwrap();
        let l = asset_license(
            &spec_asset(serde_json::json!({})),
            Some(&bare.path().join("a.obj")),
            None,
            &mut FolderLicenses::default(),
        );
        assert!(l.is_missing());
        assert!(
            !asset_license(
                &spec_asset(serde_json::json!({})),
                None,
                None,
                &mut FolderLicenses::default()
            )
            .is_missing()
        );
    }
}

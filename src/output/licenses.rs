//! COCO's `licenses` list and each image's licence ids, made from the assets' licences
//! ([`crate::assets::license`]).
//!
//! One entry per distinct (licence, URL, attribution), in asset order, listing the assets
//! it covers; assets with no licence share an entry named `unknown`, so that no image
//! seems more freely usable than it is. Built-in primitives need none and get no id. An
//! image's ids are those of every asset placed in its frame (drawn, whether or not a
//! pixel of it is seen). When no asset has a licence or an attribution the list is empty
//! and images carry no ids, as before licences were read.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::assets::license::AssetLicense;

/// The name of the entry for assets without licence information.
pub const UNKNOWN_LICENSE: &str = "unknown";

/// One entry of COCO's `licenses`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CocoLicense {
    /// Licence id, 1.. in order of first use.
    pub id: u32,
    /// The licence (an SPDX identifier, the licence's name, or `unknown`).
    pub name: String,
    /// Where its terms are; empty when unknown.
    pub url: String,
    /// Who to credit, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// The assets under this licence and attribution.
    pub assets: Vec<String>,
}

/// The licence entries of a dataset and the entry of each asset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LicenseTable {
    entries: Vec<CocoLicense>,
    by_asset: HashMap<String, u32>,
}

impl LicenseTable {
    /// The table for assets with `licenses` (one record per asset, as the manifest lists
    /// them); empty when none has a licence or an attribution.
    pub fn new(licenses: &[AssetLicense]) -> Self {
        let mut table = Self::default();
        if !licenses
            .iter()
            .any(|l| l.license.is_some() || l.attribution.is_some())
        {
            return table;
        }
        for l in licenses.iter().filter(|l| !l.builtin) {
            let name = l.license.as_deref().unwrap_or(UNKNOWN_LICENSE);
            let url = l.url.as_deref().unwrap_or("");
            let found = table
                .entries
                .iter_mut()
                .find(|e| e.name == name && e.url == url && e.attribution == l.attribution);
            let id = match found {
                Some(entry) => {
                    entry.assets.push(l.asset.clone());
                    entry.id
                }
                None => {
                    let id = table.entries.len() as u32 + 1;
                    table.entries.push(CocoLicense {
                        id,
                        name: name.to_owned(),
                        url: url.to_owned(),
                        attribution: l.attribution.clone(),
                        assets: vec![l.asset.clone()],
                    });
                    id
                }
            };
            table.by_asset.insert(l.asset.clone(), id);
        }
        table
    }

    /// COCO's `licenses`.
    pub fn entries(&self) -> &[CocoLicense] {
        &self.entries
    }

    /// The licence ids of an image whose frame places `assets` (names), ascending and
    /// once each; none when the table is empty.
    pub fn image_ids<'a>(&self, assets: impl IntoIterator<Item = &'a str>) -> Option<Vec<u32>> {
        if self.entries.is_empty() {
            return None;
        }
        let ids: BTreeSet<u32> = assets
            .into_iter()
            .filter_map(|a| self.by_asset.get(a).copied())
            .collect();
        Some(ids.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(asset: &str, license: Option<&str>, attribution: Option<&str>) -> AssetLicense {
        AssetLicense {
            asset: asset.into(),
            license: license.map(Into::into),
            url: license.map(|l| format!("https://spdx.org/licenses/{l}.html")),
            attribution: attribution.map(Into::into),
            ..AssetLicense::default()
        }
    }

    #[test]
    fn one_entry_per_licence_and_attribution_unknown_included() {
        let table = LicenseTable::new(&[
            record("a", Some("CC-BY-4.0"), Some("Ann")),
            record("b", Some("CC0-1.0"), None),
            record("c", Some("CC-BY-4.0"), Some("Ann")),
            record("d", None, None),
            AssetLicense {
                asset: "floor".into(),
                builtin: true,
                ..AssetLicense::default()
            },
        ]);
        let e = table.entries();
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].id, e[0].assets.clone()),
            (1, vec!["a".into(), "c".into()])
        );
        assert_eq!(
            (e[2].name.as_str(), e[2].url.as_str()),
            (UNKNOWN_LICENSE, "")
        );
        assert_eq!(table.image_ids(["d", "c", "floor", "a"]), Some(vec![1, 3]));
        assert_eq!(table.image_ids(["floor"]), Some(vec![]));
    }

    #[test]
    fn nothing_known_leaves_coco_as_it_was() {
        let table = LicenseTable::new(&[record("a", None, None)]);
        assert!(table.entries().is_empty());
        assert_eq!(table.image_ids(["a"]), None);
    }
}

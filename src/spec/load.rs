//! Loading a spec: read the file, parse it (errors with line, column and JSON path),
//! list its image pools, validate and resolve it.

use std::path::{Path, PathBuf};

use super::resolve::{ResolvedSpec, resolve};
use super::{Spec, SpecError, SpecIssue, material};

/// A spec read from a file, with the folder its relative asset paths resolve against.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The spec as written (defaults filled in, image pools listed, asset folders
    /// expanded into one asset per file): what the manifest records.
    pub spec: Spec,
    /// The same spec resolved for sampling (names turned into indices).
    pub resolved: ResolvedSpec,
    /// The spec file.
    pub file: PathBuf,
    /// The exact bytes of the spec file (hashed into the manifest).
    pub bytes: Vec<u8>,
    /// Every image of the spec's image-texture pools, in layer order.
    pub texture_pool: Vec<PathBuf>,
}

/// Lists each image pool's directory (resolved against `folder`), records its files and
/// first layer in the spec, and returns all files in layer order. A missing or empty
/// directory is an issue at the pool's path.
fn attach_image_pools(spec: &mut Spec, folder: &Path, issues: &mut Vec<SpecIssue>) -> Vec<PathBuf> {
    let mut pool: Vec<PathBuf> = Vec::new();
    let mut attach = |path: &str, images: &mut material::ImagesSpec| {
        let dir = if images.dir.is_absolute() {
            images.dir.clone()
        } else {
            folder.join(&images.dir)
        };
        let listed = std::fs::read_dir(&dir).map(|entries| {
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")
                        })
                })
                .collect();
            files.sort();
            files
        });
        match listed {
            Err(e) => issues.push(SpecIssue {
                path: path.to_owned(),
                message: format!("cannot read directory {}: {e}", dir.display()),
            }),
            Ok(files) if files.is_empty() => issues.push(SpecIssue {
                path: path.to_owned(),
                message: format!("{} holds no .png, .jpg or .jpeg images", dir.display()),
            }),
            Ok(files) => {
                images.first_layer = pool.len() as u32;
                pool.extend(files.iter().cloned());
                images.files = files;
            }
        }
    };
    for (i, o) in spec.objects.iter_mut().enumerate() {
        if let Some(t) = o.material.as_mut().and_then(|m| m.texture.as_mut()) {
            t.for_each_image_pool(&format!("objects[{i}].material.texture"), &mut attach);
        }
    }
    if let Some(t) = spec.background.texture.as_mut() {
        t.for_each_image_pool("background.texture", &mut attach);
    }
    pool
}

/// Whether `path` names an environment map file by its extension.
fn is_environment_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "hdr" | "exr"))
}

/// Lists `render.environment.map` (files resolved against `folder`, a directory's `.hdr`
/// and `.exr` files in name order) into the section's `sources`. A missing file, a file
/// of another kind, or an empty or unreadable directory is an issue at the map's path.
fn attach_environment_maps(spec: &mut Spec, folder: &Path, issues: &mut Vec<SpecIssue>) {
    use super::{EnvironmentMapSpec, EnvironmentSource};
    let Some(environment) = spec.render.environment.as_mut() else {
        return;
    };
    let resolve = |p: &Path| {
        if p.is_absolute() {
            p.to_owned()
        } else {
            folder.join(p)
        }
    };
    let mut issue = |path: &str, message: String| {
        issues.push(SpecIssue {
            path: path.to_owned(),
            message,
        })
    };
    let one = |path: &str, p: &Path, issue: &mut dyn FnMut(&str, String)| {
        if p.as_os_str() == super::NEUTRAL_ENVIRONMENT {
            return Some(EnvironmentSource::Neutral);
        }
        let file = resolve(p);
        if !is_environment_file(&file) {
            issue(
                path,
                format!(
                    "{} is not a .hdr or .exr file (or `neutral`, the built-in map)",
                    file.display()
                ),
            );
            None
        } else if !file.is_file() {
            issue(path, format!("{} does not exist", file.display()));
            None
        } else {
            Some(EnvironmentSource::File(file))
        }
    };
    let sources = match &environment.map {
        None => Vec::new(),
        Some(EnvironmentMapSpec::One(p)) => one("render.environment.map", p, &mut issue)
            .into_iter()
            .collect(),
        Some(EnvironmentMapSpec::Choice { choice }) => choice
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                one(
                    &format!("render.environment.map.choice[{i}]"),
                    p,
                    &mut issue,
                )
            })
            .collect(),
        Some(EnvironmentMapSpec::Dir { dir }) => {
            let dir = resolve(dir);
            let path = "render.environment.map.dir";
            match std::fs::read_dir(&dir) {
                Err(e) => {
                    issue(
                        path,
                        format!("cannot read directory {}: {e}", dir.display()),
                    );
                    Vec::new()
                }
                Ok(entries) => {
                    let mut files: Vec<PathBuf> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && is_environment_file(p))
                        .collect();
                    files.sort();
                    if files.is_empty() {
                        issue(
                            path,
                            format!("{} holds no .hdr or .exr maps", dir.display()),
                        );
                    }
                    files.into_iter().map(EnvironmentSource::File).collect()
                }
            }
        }
    };
    environment.sources = sources;
}

impl LoadedSpec {
    /// Reads, parses, validates and resolves a spec file.
    pub fn from_file(file: &Path) -> Result<Self, SpecError> {
        let bytes = std::fs::read(file).map_err(|source| SpecError::Read {
            file: file.to_owned(),
            source,
        })?;
        Self::from_bytes(bytes, file)
    }

    /// Parses, validates and resolves spec `bytes` as if they were the file `file`
    /// (relative paths resolve against its folder; the file need not exist): sweep
    /// points are checked before they are written.
    pub fn from_bytes(bytes: Vec<u8>, file: &Path) -> Result<Self, SpecError> {
        let mut spec = parse(&bytes, file)?;
        let folder = file.parent().unwrap_or(Path::new(""));
        // Folders first: everything after sees one asset per file.
        let expansion = super::folders::expand_asset_folders(&mut spec, folder);
        if !expansion.is_empty() {
            return Err(SpecError::Invalid {
                file: file.to_owned(),
                issues: expansion,
            });
        }
        let mut issues = super::validate(&spec);
        let texture_pool = attach_image_pools(&mut spec, folder, &mut issues);
        attach_environment_maps(&mut spec, folder, &mut issues);
        let resolved = checked(issues, &spec, file)?;
        Ok(Self {
            spec,
            resolved,
            file: file.to_owned(),
            bytes,
            texture_pool,
        })
    }

    /// This spec with `spec` in place of its contents (overrides such as `bench
    /// --resolution`), validated and resolved again. Image pools are not listed again:
    /// `spec` keeps the ones this spec found.
    pub fn with_spec(&self, spec: Spec) -> Result<Self, SpecError> {
        let issues = super::validate(&spec);
        let resolved = checked(issues, &spec, &self.file)?;
        Ok(Self {
            spec,
            resolved,
            ..self.clone()
        })
    }

    /// The file an asset path refers to: relative paths resolve against the spec's folder.
    pub fn resolve_path(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.file.parent().unwrap_or(Path::new("")).join(path)
        }
    }
}

/// The resolved spec when there are no issues, else every issue.
fn checked(issues: Vec<SpecIssue>, spec: &Spec, file: &Path) -> Result<ResolvedSpec, SpecError> {
    let invalid = |issues| SpecError::Invalid {
        file: file.to_owned(),
        issues,
    };
    if !issues.is_empty() {
        return Err(invalid(issues));
    }
    resolve(spec).map_err(invalid)
}

/// Parses spec JSON; the error names the line, column and JSON path.
pub fn parse(bytes: &[u8], file: &Path) -> Result<Spec, SpecError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<Spec, _> = serde_path_to_error::deserialize(&mut de);
    let spec = result.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        SpecError::Parse {
            file: file.to_owned(),
            line: inner.line(),
            column: inner.column(),
            path,
            message: strip_position(&inner.to_string()),
        }
    })?;
    de.end().map_err(|e| SpecError::Parse {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        path: ".".into(),
        message: strip_position(&e.to_string()),
    })?;
    Ok(spec)
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

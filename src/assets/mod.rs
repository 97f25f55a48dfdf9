//! glTF 2.0 → [`AssetLibrary`]: CPU meshes, metallic-roughness materials, decoded
//! textures and the node transforms of each asset's default scene.
//!
//! Each asset is decoded once per run; the GPU side uploads it once and draws it by
//! handle. Loading is separate from drawing: nothing here knows about wgpu. One module per
//! concept, as bevy_gltf does: [`document`] reads and checks a file ([`uri`],
//! [`accessors`] and [`nodes`] do the checking), [`mesh`], [`material`], [`skin`] and
//! [`image`] convert, [`builtin`] makes the primitive shapes.

pub mod accessors;
mod albedo;
pub mod builtin;
mod collision;
pub mod compression;
pub mod document;
pub mod environment;
pub mod formats;
pub mod image;
pub mod license;
pub mod material;
pub mod mesh;
pub mod nodes;
pub mod skin;
mod tangents;
pub mod uri;
mod vertex;

use std::path::{Path, PathBuf};

use glam::{DMat4, DVec3};

pub use albedo::MeanAlbedo;
pub use builtin::primitive_asset;
pub use image::{Image, MAX_TEXTURE_SIZE};
pub use material::{AlphaMode, Material, MipFilter, Sampling, Texture, TextureRef, Wrap};
pub use mesh::{Mesh, MeshDraw, Primitive, Vertex};

/// A file an asset was read from, with its SHA-256.
#[derive(Debug, Clone)]
pub struct AssetFile {
    /// Path as it was opened.
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
}

/// One decoded glTF asset.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The asset's name in the spec.
    pub name: String,
    /// The `.gltf`/`.glb` file.
    pub path: PathBuf,
    /// Every file read (the glTF file, external buffers and images).
    pub files: Vec<AssetFile>,
    /// Meshes.
    pub meshes: Vec<Mesh>,
    /// What to draw: meshes with their node transforms.
    pub draws: Vec<MeshDraw>,
    /// Materials; the last one is glTF's default material.
    pub materials: Vec<Material>,
    /// Textures.
    pub textures: Vec<Texture>,
    /// Decoded images.
    pub images: Vec<Image>,
    /// Axis-aligned bounds of all drawn geometry in asset space: (min, max).
    pub bounds: (DVec3, DVec3),
    /// Things that were skipped or changed while loading.
    pub warnings: Vec<String>,
    /// The file's own copyright notice (glTF's `asset.copyright`), if it has one.
    pub copyright: Option<String>,
    /// [`Asset::mean_albedo`], computed on first use: every render worker uploads the
    /// same asset and reads it.
    albedo_cache: std::sync::OnceLock<albedo::MeanAlbedo>,
}

/// Every asset of a spec, in spec order (the index is the asset handle).
#[derive(Debug, Clone, Default)]
pub struct AssetLibrary {
    /// Assets by handle.
    pub assets: Vec<Asset>,
    /// The spec's image-texture pool in layer order, each resized to
    /// [`image::POOL_IMAGE_SIZE`] squared.
    pub pool: Vec<Image>,
    /// The environment maps of `render.environment`, in the spec's order (a frame's
    /// `map_index`); empty when no environment lights the frames.
    pub environments: Vec<environment::EnvironmentMap>,
    /// Each asset's licence and attribution, in asset order.
    pub licenses: Vec<license::AssetLicense>,
}

/// Why an asset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// The file does not exist or cannot be read.
    #[error("{file}: cannot read asset: {source}")]
    Read {
        /// The asset file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid glTF or refers to missing or broken data.
    #[error("{file}: invalid glTF: {message}")]
    Gltf {
        /// The asset file.
        file: PathBuf,
        /// What is wrong, with the glTF JSON path where known.
        message: String,
    },
    /// The asset requires extensions this build cannot render.
    #[error("{file}: requires unsupported glTF extension(s) {}: this synthvis cannot render it (convert the asset without them, e.g. with gltf-transform)", .extensions.join(", "))]
    UnsupportedExtension {
        /// The asset file.
        file: PathBuf,
        /// Names from `extensionsRequired`.
        extensions: Vec<String>,
    },
    /// An image of a texture pool could not be decoded.
    #[error("{file}: cannot decode image: {message}")]
    Image {
        /// The image file.
        file: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// An OBJ, PLY or STL file is malformed.
    #[error("{file}: invalid mesh file: {message}")]
    Mesh {
        /// The asset file.
        file: PathBuf,
        /// What is wrong, naming the element (vertex, face, triangle) where known.
        message: String,
    },
    /// The file's extension names no format synthvis reads.
    #[error(
        "{file}: cannot read this kind of file: synthvis reads {}",
        crate::spec::mesh_format::READABLE
    )]
    UnknownFormat {
        /// The asset file.
        file: PathBuf,
    },
    /// Nothing drawable: no triangle in the default scene (or, in a mesh file, none at
    /// all: a point cloud or an empty file).
    #[error("{file}: no triangles to draw (a point cloud, only lines, or an empty file?)")]
    Empty {
        /// The asset file.
        file: PathBuf,
    },
}

/// Loads one asset file: glTF, OBJ, PLY or STL, told apart by the extension.
pub fn load_asset(name: &str, path: &Path) -> Result<Asset, AssetError> {
    match crate::spec::MeshFormat::of(path) {
        Some(crate::spec::MeshFormat::Gltf) => load_gltf(name, path),
        Some(format) => formats::load(name, path, format),
        // No extension: read as glTF, as synthvis always has (its reader tells .gltf from
        // .glb by the bytes).
        None if path.extension().is_none() => load_gltf(name, path),
        None => match std::fs::metadata(path) {
            Err(source) => Err(AssetError::Read {
                file: path.to_owned(),
                source,
            }),
            Ok(_) => Err(AssetError::UnknownFormat {
                file: path.to_owned(),
            }),
        },
    }
}

/// Loads one glTF asset.
fn load_gltf(name: &str, path: &Path) -> Result<Asset, AssetError> {
    let document::Document {
        gltf,
        buffers,
        images,
        files,
        mut warnings,
    } = document::read(path)?;
    let invalid = |message: String| AssetError::Gltf {
        file: path.to_owned(),
        message,
    };
    let copyright = gltf.as_json().asset.copyright.clone();

    let textures = gltf
        .textures()
        .map(|t| Texture {
            image: t.source().index(),
            sampling: material::sampling(&t.sampler()),
        })
        .collect();
    let mut materials: Vec<Material> = gltf.materials().map(|m| material::material(&m)).collect();
    let default_material = materials.len();
    materials.push(Material::default());

    let mut meshes = Vec::new();
    for m in gltf.meshes() {
        let mut out = Mesh::default();
        for prim in m.primitives() {
            let at = format!("meshes[{}].primitives[{}]", m.index(), prim.index());
            match mesh::read_primitive(&prim, &buffers, default_material) {
                Ok(Some(p)) => out.primitives.push(p),
                Ok(None) => warnings.push(format!(
                    "{at}: mode {:?} has no triangles; skipped",
                    prim.mode()
                )),
                Err(message) => return Err(invalid(format!("{at}: {message}"))),
            }
        }
        meshes.push(out);
    }

    let nodes::SceneDraws {
        mut draws,
        skinned,
        globals,
    } = nodes::walk(&gltf).map_err(invalid)?;
    // Skinned meshes are posed by their joints (the node's own transform is ignored, as
    // glTF requires): skin them on the CPU once, in the file's default (bind) pose.
    for (mesh_index, skin_index) in skinned {
        let posed = gltf
            .skins()
            .nth(skin_index)
            .ok_or(format!("skins[{skin_index}]: no such skin"))
            .and_then(|skin| {
                skin::skin_mesh(
                    &gltf,
                    mesh_index,
                    &skin,
                    &buffers,
                    &globals,
                    default_material,
                )
            })
            .map_err(|m| invalid(format!("skins[{skin_index}]: {m}")))?;
        draws.push(MeshDraw {
            mesh: meshes.len(),
            transform: DMat4::IDENTITY,
        });
        meshes.push(posed);
    }
    draws.retain(|d| !meshes[d.mesh].primitives.is_empty());
    // Stack order depends on traversal; sort for a stable draw order.
    draws.sort_by_key(|d| d.mesh);

    Asset::assemble(
        name,
        path,
        AssetParts {
            files,
            meshes,
            draws,
            materials,
            textures,
            images,
            warnings,
            copyright,
        },
    )
}

/// What a loader read from an asset's files, before [`Asset::assemble`] makes it an asset.
pub(crate) struct AssetParts {
    pub(crate) files: Vec<AssetFile>,
    pub(crate) meshes: Vec<Mesh>,
    pub(crate) draws: Vec<MeshDraw>,
    pub(crate) materials: Vec<Material>,
    pub(crate) textures: Vec<Texture>,
    pub(crate) images: Vec<Image>,
    pub(crate) warnings: Vec<String>,
    pub(crate) copyright: Option<String>,
}

/// The bytes of the regular file `path`: a device, FIFO or folder is refused before
/// reading (reading one could block forever or never end).
pub(crate) fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    std::fs::read(path)
}

/// One texture-pool image, resized to the pool's square size.
fn load_pool_image(path: &Path) -> Result<Image, AssetError> {
    let bytes = std::fs::read(path).map_err(|source| AssetError::Read {
        file: path.to_owned(),
        source,
    })?;
    image::pool_image(&bytes).map_err(|message| AssetError::Image {
        file: path.to_owned(),
        message,
    })
}

impl Asset {
    /// The asset `name` read from `path`, whatever its format: its bounds from what it
    /// draws; refused as empty when it draws no triangle.
    pub(crate) fn assemble(name: &str, path: &Path, parts: AssetParts) -> Result<Self, AssetError> {
        let AssetParts {
            files,
            meshes,
            draws,
            materials,
            textures,
            images,
            warnings,
            copyright,
        } = parts;
        let bounds = mesh::bounds(&meshes, &draws).ok_or(AssetError::Empty {
            file: path.to_owned(),
        })?;
        Ok(Asset {
            name: name.to_owned(),
            path: path.to_owned(),
            files,
            meshes,
            draws,
            materials,
            textures,
            images,
            bounds,
            warnings,
            copyright,
            albedo_cache: std::sync::OnceLock::new(),
        })
    }

    /// Brings the asset from its file's units and up axis to metres, +Y up: scales it by
    /// `metres` per unit and, for `up` = Z, turns it a quarter turn about +X (the file's +Z
    /// becomes +Y, its +Y becomes -Z). Nothing changes for metres, +Y up.
    pub fn reorient(&mut self, metres: f64, up: crate::spec::UpAxis) {
        let turn = match up {
            crate::spec::UpAxis::Y => DMat4::IDENTITY,
            crate::spec::UpAxis::Z => DMat4::from_rotation_x(-std::f64::consts::FRAC_PI_2),
        };
        if metres == 1.0 && turn == DMat4::IDENTITY {
            return;
        }
        let m = DMat4::from_scale(DVec3::splat(metres)) * turn;
        for d in &mut self.draws {
            d.transform = m * d.transform;
        }
        if let Some(bounds) = mesh::bounds(&self.meshes, &self.draws) {
            self.bounds = bounds;
        }
        self.albedo_cache = std::sync::OnceLock::new();
    }

    /// Rescales the asset so its bounding-box diagonal is `diagonal` metres and moves the
    /// box centre to the asset origin.
    pub fn normalize(&mut self, diagonal: f64) {
        let (lo, hi) = self.bounds;
        let centre = (lo + hi) * 0.5;
        let size = (hi - lo).length();
        let s = if size > 0.0 { diagonal / size } else { 1.0 };
        let n = DMat4::from_scale(DVec3::splat(s)) * DMat4::from_translation(-centre);
        for d in &mut self.draws {
            d.transform = n * d.transform;
        }
        self.bounds = ((lo - centre) * s, (hi - centre) * s);
        self.albedo_cache = std::sync::OnceLock::new();
    }
}

impl AssetLibrary {
    /// Every loader warning, each prefixed with its asset's file.
    pub fn warnings(&self) -> Vec<String> {
        self.assets
            .iter()
            .flat_map(|a| {
                a.warnings
                    .iter()
                    .map(|w| format!("{}: {w}", a.path.display()))
            })
            .collect()
    }

    /// Each asset's bounding box `(min, max)` in asset order, after normalization: what
    /// [`crate::randomize::FrameSampler`] places objects by.
    pub fn bounds(&self) -> Vec<(DVec3, DVec3)> {
        self.assets.iter().map(|a| a.bounds).collect()
    }

    /// The sun taken out of each environment map, in map order (see
    /// [`environment::MapSun`]): what [`crate::randomize::FrameSampler`] turns into a
    /// directional light.
    pub fn environment_suns(&self) -> Vec<Option<environment::MapSun>> {
        self.environments.iter().map(|m| m.sun).collect()
    }

    /// Loads every asset of a spec, in spec order, normalized where the spec asks.
    pub fn load(spec: &crate::spec::LoadedSpec) -> Result<Self, AssetError> {
        let assets = spec
            .spec
            .assets
            .iter()
            .map(|a| {
                let mut asset = match (&a.path, a.primitive) {
                    (Some(path), _) => load_asset(&a.name, &spec.resolve_path(path))?,
                    (None, Some(kind)) => primitive_asset(&a.name, kind),
                    (None, None) => {
                        return Err(AssetError::Empty {
                            file: PathBuf::from(&a.name),
                        });
                    }
                };
                asset.reorient(
                    a.units.map_or(1.0, crate::spec::Units::metres),
                    a.up.unwrap_or(crate::spec::UpAxis::Y),
                );
                if let Some(d) = a.normalize_diagonal {
                    asset.normalize(d);
                }
                Ok(asset)
            })
            .collect::<Result<Vec<Asset>, AssetError>>()?;
        let mut folders = license::FolderLicenses::default();
        let licenses = spec
            .spec
            .assets
            .iter()
            .zip(&assets)
            .map(|(a, asset)| {
                let file = a.path.as_deref().map(|p| spec.resolve_path(p));
                let copyright = asset.copyright.as_deref();
                license::asset_license(a, file.as_deref(), copyright, &mut folders)
            })
            .collect();
        let pool = spec
            .texture_pool
            .iter()
            .map(|p| load_pool_image(p))
            .collect::<Result<_, _>>()?;
        let environments =
            spec.resolved
                .render
                .environment
                .as_ref()
                .map_or(Ok(Vec::new()), |e| {
                    e.maps
                        .iter()
                        .map(|source| match source {
                            crate::spec::EnvironmentSource::Neutral => {
                                Ok(environment::EnvironmentMap::neutral())
                            }
                            crate::spec::EnvironmentSource::File(path) => {
                                environment::load_environment(path, e.sun)
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()
                })?;
        Ok(Self {
            assets,
            pool,
            environments,
            licenses,
        })
    }
}

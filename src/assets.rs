//! glTF 2.0 → [`AssetLibrary`]: CPU meshes, metallic-roughness materials, decoded
//! textures and the node transforms of each asset's default scene.
//!
//! Each asset is decoded once per run; the GPU side uploads it once and draws it by
//! handle. Loading is separate from drawing: nothing here knows about wgpu.

use std::path::{Path, PathBuf};

use bytemuck::{Pod, Zeroable};
use glam::{DMat4, DVec3, DVec4};
use gltf::mesh::Mode;

/// Largest texture side kept as is; bigger images are downscaled deterministically (with
/// a warning) so no adapter's limit decides whether an asset loads.
pub const MAX_TEXTURE_SIZE: u32 = 8192;

/// One vertex as the GPU reads it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct Vertex {
    /// Position in mesh space.
    pub position: [f32; 3],
    /// Unit normal in mesh space.
    pub normal: [f32; 3],
    /// TEXCOORD_0.
    pub uv0: [f32; 2],
    /// TEXCOORD_1.
    pub uv1: [f32; 2],
    /// COLOR_0 (linear RGBA; white when absent).
    pub color: [f32; 4],
}

/// A triangle list sharing one material.
#[derive(Debug, Clone)]
pub struct Primitive {
    /// Vertices.
    pub vertices: Vec<Vertex>,
    /// Triangle list indices into `vertices`.
    pub indices: Vec<u32>,
    /// Index into [`Asset::materials`].
    pub material: usize,
}

/// A mesh: its triangle primitives.
#[derive(Debug, Clone, Default)]
pub struct Mesh {
    /// Primitives with at least one triangle.
    pub primitives: Vec<Primitive>,
}

/// A mesh drawn at a node of the asset's scene.
#[derive(Debug, Clone, Copy)]
pub struct MeshDraw {
    /// Index into [`Asset::meshes`].
    pub mesh: usize,
    /// Node→asset-root transform.
    pub transform: DMat4,
}

/// How a material's alpha is used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlphaMode {
    /// Alpha ignored.
    Opaque,
    /// Fragments with alpha below the cutoff are discarded.
    Mask(f32),
    /// Alpha-blended colour; label and depth targets take fragments with alpha ≥ 0.5.
    Blend,
}

/// A material's use of a texture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextureRef {
    /// Index into [`Asset::textures`].
    pub texture: usize,
    /// Which TEXCOORD set (0 or 1).
    pub tex_coord: u32,
}

/// A glTF metallic-roughness material.
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// Linear RGBA base colour factor.
    pub base_color: [f32; 4],
    /// Base colour texture (sRGB).
    pub base_color_texture: Option<TextureRef>,
    /// Metallic factor.
    pub metallic: f32,
    /// Roughness factor.
    pub roughness: f32,
    /// Metallic (B) / roughness (G) texture (linear).
    pub metallic_roughness_texture: Option<TextureRef>,
    /// Linear emissive factor × KHR_materials_emissive_strength.
    pub emissive: [f32; 3],
    /// Emissive texture (sRGB).
    pub emissive_texture: Option<TextureRef>,
    /// Alpha mode.
    pub alpha_mode: AlphaMode,
    /// Whether back faces are drawn (with flipped normals).
    pub double_sided: bool,
}

impl Default for Material {
    /// glTF's default material: white, fully metallic and rough, opaque, single-sided.
    fn default() -> Self {
        Self {
            base_color: [1.0; 4],
            base_color_texture: None,
            metallic: 1.0,
            roughness: 1.0,
            metallic_roughness_texture: None,
            emissive: [0.0; 3],
            emissive_texture: None,
            alpha_mode: AlphaMode::Opaque,
            double_sided: false,
        }
    }
}

/// Texture coordinate wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wrap {
    /// Repeat.
    Repeat,
    /// Mirrored repeat.
    Mirror,
    /// Clamp to edge.
    Clamp,
}

/// How a texture is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sampling {
    /// Wrap along u.
    pub wrap_u: Wrap,
    /// Wrap along v.
    pub wrap_v: Wrap,
    /// Linear (true) or nearest magnification.
    pub mag_linear: bool,
    /// Linear (true) or nearest minification.
    pub min_linear: bool,
    /// How mip levels are used.
    pub mipmaps: MipFilter,
}

/// Mip level selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MipFilter {
    /// The base level only (glTF `NEAREST` / `LINEAR` minification).
    None,
    /// The nearest level.
    Nearest,
    /// Blend between the two nearest levels (also the default when unspecified).
    Linear,
}

/// A texture: an image and how it is sampled.
#[derive(Debug, Clone, Copy)]
pub struct Texture {
    /// Index into [`Asset::images`].
    pub image: usize,
    /// Sampler settings.
    pub sampling: Sampling,
}

/// A decoded RGBA8 image.
#[derive(Debug, Clone)]
pub struct Image {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Row-major RGBA8 pixels.
    pub rgba: Vec<u8>,
}

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
}

/// Every asset of a spec, in spec order (the index is the asset handle).
#[derive(Debug, Clone, Default)]
pub struct AssetLibrary {
    /// Assets by handle.
    pub assets: Vec<Asset>,
    /// The spec's image-texture pool in layer order, each resized to
    /// [`crate::spec::material::POOL_IMAGE_SIZE`] squared.
    pub pool: Vec<Image>,
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
    /// Nothing drawable: no triangle in the default scene.
    #[error("{file}: no triangles to draw in the default scene")]
    Empty {
        /// The asset file.
        file: PathBuf,
    },
}

/// Extensions read by this loader; others listed in `extensionsUsed` are ignored with a note.
const SUPPORTED_EXTENSIONS: &[&str] = &["KHR_materials_emissive_strength"];

/// Lowercase hex SHA-256 of a byte string.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Loads one asset.
pub fn load_asset(name: &str, path: &Path) -> Result<Asset, AssetError> {
    let bytes = std::fs::read(path).map_err(|source| AssetError::Read {
        file: path.to_owned(),
        source,
    })?;
    let gltf_err = |message: String| AssetError::Gltf {
        file: path.to_owned(),
        message,
    };

    // The gltf crate can panic on some malformed files (e.g. an attribute naming an
    // accessor that does not exist): contain it and report the file as invalid.
    let imported = crate::panic_guard::catch(|| gltf::import(path)).map_err(|message| {
        gltf_err(format!(
            "the glTF reader failed on this file ({message}); it is malformed"
        ))
    })?;
    let (document, buffers, images) = match imported {
        Ok(imported) => imported,
        Err(gltf::Error::Validation(errors)) => {
            let unsupported: Vec<String> = json_strings(&bytes, "extensionsRequired")
                .into_iter()
                .filter(|e| !SUPPORTED_EXTENSIONS.contains(&e.as_str()))
                .collect();
            if !unsupported.is_empty() {
                return Err(AssetError::UnsupportedExtension {
                    file: path.to_owned(),
                    extensions: unsupported,
                });
            }
            let list: Vec<String> = errors.iter().map(|(p, e)| format!("{p}: {e}")).collect();
            return Err(gltf_err(list.join("; ")));
        }
        Err(gltf::Error::Io(io)) => {
            let missing = missing_references(&bytes, path);
            let what = if missing.is_empty() {
                String::new()
            } else {
                format!(" (missing: {})", missing.join(", "))
            };
            return Err(gltf_err(format!(
                "cannot read a referenced file{what}: {io}"
            )));
        }
        Err(gltf::Error::Image(img)) => {
            return Err(gltf_err(format!("cannot decode an image: {img}")));
        }
        Err(e) => return Err(gltf_err(e.to_string())),
    };

    let mut warnings = Vec::new();
    for ext in document.extensions_used() {
        if !SUPPORTED_EXTENSIONS.contains(&ext) {
            warnings.push(format!("optional extension {ext} is ignored"));
        }
    }

    let mut files = vec![AssetFile {
        path: path.to_owned(),
        sha256: sha256_hex(&bytes),
    }];
    files.extend(external_files(&document, path));

    let images = images
        .into_iter()
        .enumerate()
        .map(|(i, data)| decode_image(i, data, &mut warnings).map_err(gltf_err))
        .collect::<Result<Vec<_>, _>>()?;
    let textures = document
        .textures()
        .map(|t| Texture {
            image: t.source().index(),
            sampling: sampling(&t.sampler()),
        })
        .collect();
    let mut materials: Vec<Material> = document.materials().map(|m| material(&m)).collect();
    let default_material = materials.len();
    materials.push(Material::default());

    let mut meshes = Vec::new();
    for mesh in document.meshes() {
        let mut out = Mesh::default();
        for prim in mesh.primitives() {
            let where_ = format!("meshes[{}].primitives[{}]", mesh.index(), prim.index());
            match read_primitive(&prim, &buffers, default_material) {
                Ok(Some(p)) => out.primitives.push(p),
                Ok(None) => warnings.push(format!(
                    "{where_}: mode {:?} has no triangles; skipped",
                    prim.mode()
                )),
                Err(message) => return Err(gltf_err(format!("{where_}: {message}"))),
            }
        }
        meshes.push(out);
    }

    let scene = document
        .default_scene()
        .or_else(|| document.scenes().next());
    let mut draws = Vec::new();
    let roots: Vec<gltf::Node> = match &scene {
        Some(s) => s.nodes().collect(),
        None => Vec::new(),
    };
    let mut globals = vec![DMat4::IDENTITY; document.nodes().len()];
    let mut stack: Vec<(gltf::Node, DMat4)> =
        roots.into_iter().map(|n| (n, DMat4::IDENTITY)).collect();
    let mut skinned = Vec::new();
    while let Some((node, parent)) = stack.pop() {
        let local = DMat4::from_cols_array_2d(&node.transform().matrix().map(|c| c.map(f64::from)));
        let global = parent * local;
        globals[node.index()] = global;
        if let Some(mesh) = node.mesh() {
            match node.skin() {
                Some(skin) => skinned.push((mesh.index(), skin)),
                None => draws.push(MeshDraw {
                    mesh: mesh.index(),
                    transform: global,
                }),
            }
        }
        stack.extend(node.children().map(|c| (c, global)));
    }
    // Skinned meshes are posed by their joints (the node's own transform is ignored, as
    // glTF requires): skin them on the CPU once, in the file's default (bind) pose.
    for (mesh_index, skin) in skinned {
        let mesh = skin_mesh(
            &document,
            mesh_index,
            &skin,
            &buffers,
            &globals,
            default_material,
        )
        .map_err(|m| gltf_err(format!("skins[{}]: {m}", skin.index())))?;
        draws.push(MeshDraw {
            mesh: meshes.len(),
            transform: DMat4::IDENTITY,
        });
        meshes.push(mesh);
    }
    draws.retain(|d| !meshes[d.mesh].primitives.is_empty());
    // Stack order depends on traversal; sort for a stable draw order.
    draws.sort_by_key(|d| d.mesh);

    let bounds = bounds(&meshes, &draws).ok_or(AssetError::Empty {
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
    })
}

/// A built-in primitive as an asset: one mesh with a plain white dielectric material
/// (roughness 0.6), ready for material randomization. Its `path` is `primitive:KIND`.
pub fn primitive_asset(name: &str, kind: crate::primitives::PrimitiveKind) -> Asset {
    let data = kind.mesh();
    let vertices = (0..data.positions.len())
        .map(|i| Vertex {
            position: data.positions[i],
            normal: data.normals[i],
            uv0: data.uvs[i],
            uv1: data.uvs[i],
            color: [1.0; 4],
        })
        .collect();
    let material = Material {
        metallic: 0.0,
        roughness: 0.6,
        double_sided: kind.double_sided(),
        ..Material::default()
    };
    let meshes = vec![Mesh {
        primitives: vec![Primitive {
            vertices,
            indices: data.indices,
            material: 0,
        }],
    }];
    let draws = vec![MeshDraw {
        mesh: 0,
        transform: DMat4::IDENTITY,
    }];
    let (lo, hi) = data.positions.iter().fold(
        (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY)),
        |(lo, hi), p| {
            let p = DVec3::new(f64::from(p[0]), f64::from(p[1]), f64::from(p[2]));
            (lo.min(p), hi.max(p))
        },
    );
    let kind_name = serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Asset {
        name: name.to_owned(),
        path: PathBuf::from(format!("primitive:{kind_name}")),
        files: Vec::new(),
        meshes,
        draws,
        materials: vec![material, Material::default()],
        textures: Vec::new(),
        images: Vec::new(),
        bounds: (lo, hi),
        warnings: Vec::new(),
    }
}

/// One texture-pool image: decoded, converted to RGBA8 and resized (triangle filter) to
/// the pool's square size, deterministically.
fn load_pool_image(path: &Path) -> Result<Image, AssetError> {
    let bytes = std::fs::read(path).map_err(|source| AssetError::Read {
        file: path.to_owned(),
        source,
    })?;
    let decoded = crate::panic_guard::catch(|| image::load_from_memory(&bytes))
        .map_err(|message| AssetError::Image {
            file: path.to_owned(),
            message,
        })?
        .map_err(|e| AssetError::Image {
            file: path.to_owned(),
            message: e.to_string(),
        })?;
    let side = crate::spec::material::POOL_IMAGE_SIZE;
    let rgba = image::imageops::resize(
        &decoded.to_rgba8(),
        side,
        side,
        image::imageops::FilterType::Triangle,
    );
    Ok(Image {
        width: side,
        height: side,
        rgba: rgba.into_raw(),
    })
}

/// The JSON document of a `.gltf` file or of a `.glb`'s JSON chunk, read leniently to
/// name what validation or loading refused.
fn raw_json(bytes: &[u8]) -> Option<serde_json::Value> {
    if bytes.starts_with(b"glTF") {
        let glb = gltf::Glb::from_slice(bytes).ok()?;
        serde_json::from_slice(&glb.json).ok()
    } else {
        serde_json::from_slice(bytes).ok()
    }
}

/// The strings of a top-level array such as `extensionsRequired`.
fn json_strings(bytes: &[u8], key: &str) -> Vec<String> {
    raw_json(bytes)
        .and_then(|v| {
            v.get(key)?.as_array().map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// Buffer and image URIs of the file that name files which do not exist.
fn missing_references(bytes: &[u8], path: &Path) -> Vec<String> {
    let base = path.parent().unwrap_or(Path::new(""));
    let Some(doc) = raw_json(bytes) else {
        return Vec::new();
    };
    ["buffers", "images"]
        .iter()
        .filter_map(|k| doc.get(*k)?.as_array().cloned())
        .flatten()
        .filter_map(|item| item.get("uri")?.as_str().map(str::to_owned))
        .filter(|uri| !uri.starts_with("data:") && !base.join(percent_decode(uri)).exists())
        .collect()
}

/// External buffers and images referenced by relative URI, hashed for the manifest.
fn external_files(document: &gltf::Document, path: &Path) -> Vec<AssetFile> {
    let base = path.parent().unwrap_or(Path::new(""));
    let buffer_uris = document.buffers().filter_map(|b| match b.source() {
        gltf::buffer::Source::Uri(uri) => Some(uri),
        gltf::buffer::Source::Bin => None,
    });
    let image_uris = document.images().filter_map(|i| match i.source() {
        gltf::image::Source::Uri { uri, .. } => Some(uri),
        gltf::image::Source::View { .. } => None,
    });
    let mut files: Vec<AssetFile> = buffer_uris
        .chain(image_uris)
        .filter(|uri| !uri.starts_with("data:"))
        .filter_map(|uri| {
            let file = base.join(percent_decode(uri));
            let bytes = std::fs::read(&file).ok()?;
            Some(AssetFile {
                path: file,
                sha256: sha256_hex(&bytes),
            })
        })
        .collect();
    files.dedup_by(|a, b| a.path == b.path);
    files
}

fn percent_decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&uri[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode_image(
    index: usize,
    data: gltf::image::Data,
    warnings: &mut Vec<String>,
) -> Result<Image, String> {
    use gltf::image::Format;
    let (w, h) = (data.width, data.height);
    let px = data.pixels;
    let n = (w as usize) * (h as usize);
    let rgba: Vec<u8> = match data.format {
        Format::R8G8B8A8 => px,
        Format::R8G8B8 => px
            .chunks_exact(3)
            .flat_map(|c| [c[0], c[1], c[2], 255])
            .collect(),
        Format::R8G8 => px
            .chunks_exact(2)
            .flat_map(|c| [c[0], c[0], c[0], c[1]])
            .collect(),
        Format::R8 => px.iter().flat_map(|&c| [c, c, c, 255]).collect(),
        Format::R16 | Format::R16G16 | Format::R16G16B16 | Format::R16G16B16A16 => {
            let channels = match data.format {
                Format::R16 => 1,
                Format::R16G16 => 2,
                Format::R16G16B16 => 3,
                _ => 4,
            };
            // 16-bit samples are stored little-endian by gltf's importer; keep the high byte.
            let hi: Vec<u8> = px.chunks_exact(2).map(|c| c[1]).collect();
            expand(&hi, channels)
        }
        Format::R32G32B32FLOAT | Format::R32G32B32A32FLOAT => {
            let channels = if data.format == Format::R32G32B32FLOAT {
                3
            } else {
                4
            };
            let v: Vec<u8> = px
                .chunks_exact(4)
                .map(|c| {
                    let f = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    (f.clamp(0.0, 1.0) * 255.0).round() as u8
                })
                .collect();
            expand(&v, channels)
        }
    };
    if rgba.len() != n * 4 {
        return Err(format!(
            "images[{index}]: decoded size does not match {w}x{h}"
        ));
    }
    if w > MAX_TEXTURE_SIZE || h > MAX_TEXTURE_SIZE {
        let scale = f64::from(MAX_TEXTURE_SIZE) / f64::from(w.max(h));
        let nw = ((f64::from(w) * scale).floor() as u32).max(1);
        let nh = ((f64::from(h) * scale).floor() as u32).max(1);
        warnings.push(format!(
            "images[{index}]: {w}x{h} exceeds the {MAX_TEXTURE_SIZE}px texture cap; downscaled to {nw}x{nh}"
        ));
        let img = image::RgbaImage::from_raw(w, h, rgba).ok_or("image buffer size mismatch")?;
        let small = image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle);
        return Ok(Image {
            width: nw,
            height: nh,
            rgba: small.into_raw(),
        });
    }
    Ok(Image {
        width: w,
        height: h,
        rgba,
    })
}

fn expand(samples: &[u8], channels: usize) -> Vec<u8> {
    samples
        .chunks_exact(channels)
        .flat_map(|c| match channels {
            1 => [c[0], c[0], c[0], 255],
            2 => [c[0], c[0], c[0], c[1]],
            3 => [c[0], c[1], c[2], 255],
            _ => [c[0], c[1], c[2], c[3]],
        })
        .collect()
}

fn wrap(mode: gltf::texture::WrappingMode) -> Wrap {
    use gltf::texture::WrappingMode as W;
    match mode {
        W::Repeat => Wrap::Repeat,
        W::MirroredRepeat => Wrap::Mirror,
        W::ClampToEdge => Wrap::Clamp,
    }
}

fn sampling(s: &gltf::texture::Sampler) -> Sampling {
    use gltf::texture::{MagFilter, MinFilter};
    Sampling {
        wrap_u: wrap(s.wrap_s()),
        wrap_v: wrap(s.wrap_t()),
        mag_linear: !matches!(s.mag_filter(), Some(MagFilter::Nearest)),
        mipmaps: match s.min_filter() {
            Some(MinFilter::Nearest | MinFilter::Linear) => MipFilter::None,
            Some(MinFilter::NearestMipmapNearest | MinFilter::LinearMipmapNearest) => {
                MipFilter::Nearest
            }
            Some(MinFilter::NearestMipmapLinear | MinFilter::LinearMipmapLinear) | None => {
                MipFilter::Linear
            }
        },
        min_linear: !matches!(
            s.min_filter(),
            Some(
                MinFilter::Nearest
                    | MinFilter::NearestMipmapNearest
                    | MinFilter::NearestMipmapLinear
            )
        ),
    }
}

fn texture_ref(info: Option<gltf::texture::Info>) -> Option<TextureRef> {
    info.map(|i| TextureRef {
        texture: i.texture().index(),
        tex_coord: i.tex_coord().min(1),
    })
}

fn material(m: &gltf::Material) -> Material {
    let pbr = m.pbr_metallic_roughness();
    let strength = m.emissive_strength().unwrap_or(1.0);
    Material {
        base_color: pbr.base_color_factor(),
        base_color_texture: texture_ref(pbr.base_color_texture()),
        metallic: pbr.metallic_factor(),
        roughness: pbr.roughness_factor(),
        metallic_roughness_texture: texture_ref(pbr.metallic_roughness_texture()),
        emissive: m.emissive_factor().map(|c| c * strength),
        emissive_texture: texture_ref(m.emissive_texture()),
        alpha_mode: match m.alpha_mode() {
            gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
            gltf::material::AlphaMode::Mask => AlphaMode::Mask(m.alpha_cutoff().unwrap_or(0.5)),
            gltf::material::AlphaMode::Blend => AlphaMode::Blend,
        },
        double_sided: m.double_sided(),
    }
}

/// Triangle-list indices for a primitive's mode; `None` for points and lines.
fn triangle_indices(mode: Mode, raw: Vec<u32>) -> Option<Vec<u32>> {
    match mode {
        Mode::Triangles => Some(raw[..raw.len() - raw.len() % 3].to_vec()),
        Mode::TriangleStrip => Some(
            (2..raw.len())
                .flat_map(|i| {
                    if i % 2 == 0 {
                        [raw[i - 2], raw[i - 1], raw[i]]
                    } else {
                        [raw[i - 1], raw[i - 2], raw[i]]
                    }
                })
                .collect(),
        ),
        Mode::TriangleFan => Some(
            (2..raw.len())
                .flat_map(|i| [raw[0], raw[i - 1], raw[i]])
                .collect(),
        ),
        Mode::Points | Mode::Lines | Mode::LineLoop | Mode::LineStrip => None,
    }
}

fn read_primitive(
    prim: &gltf::Primitive,
    buffers: &[gltf::buffer::Data],
    default_material: usize,
) -> Result<Option<Primitive>, String> {
    let reader = prim.reader(|b| buffers.get(b.index()).map(|d| d.0.as_slice()));
    let positions: Vec<[f32; 3]> = reader
        .read_positions()
        .ok_or("has no POSITION attribute")?
        .collect();
    if let Some((k, p)) = positions
        .iter()
        .enumerate()
        .find(|(_, p)| p.iter().any(|c| !c.is_finite()))
    {
        return Err(format!(
            "POSITION {k} is not finite ({p:?}): a vertex at NaN or infinity cannot be drawn or placed"
        ));
    }
    let n = positions.len();
    let raw: Vec<u32> = match reader.read_indices() {
        Some(ix) => ix.into_u32().collect(),
        None => (0..n as u32).collect(),
    };
    if let Some(bad) = raw.iter().find(|&&i| i as usize >= n) {
        return Err(format!("index {bad} is past the vertex count {n}"));
    }
    let Some(indices) = triangle_indices(prim.mode(), raw) else {
        return Ok(None);
    };
    let normals: Option<Vec<[f32; 3]>> = reader.read_normals().map(Iterator::collect);
    let uv0: Option<Vec<[f32; 2]>> = reader.read_tex_coords(0).map(|t| t.into_f32().collect());
    let uv1: Option<Vec<[f32; 2]>> = reader.read_tex_coords(1).map(|t| t.into_f32().collect());
    let colors: Option<Vec<[f32; 4]>> = reader.read_colors(0).map(|c| c.into_rgba_f32().collect());
    for (what, len) in [
        ("NORMAL", normals.as_ref().map(Vec::len)),
        ("TEXCOORD_0", uv0.as_ref().map(Vec::len)),
        ("TEXCOORD_1", uv1.as_ref().map(Vec::len)),
        ("COLOR_0", colors.as_ref().map(Vec::len)),
    ] {
        if len.is_some_and(|l| l != n) {
            return Err(format!(
                "{what} has {} elements but POSITION has {n}",
                len.unwrap_or(0)
            ));
        }
    }
    let vertex = |i: usize| Vertex {
        position: positions[i],
        normal: normals.as_ref().map_or([0.0, 0.0, 1.0], |v| v[i]),
        uv0: uv0.as_ref().map_or([0.0; 2], |v| v[i]),
        uv1: uv1.as_ref().map_or([0.0; 2], |v| v[i]),
        color: colors.as_ref().map_or([1.0; 4], |v| v[i]),
    };
    let material = prim.material().index().unwrap_or(default_material);
    let primitive = if normals.is_some() {
        Primitive {
            vertices: (0..n).map(vertex).collect(),
            indices,
            material,
        }
    } else {
        flat_shaded(&indices, vertex, material)
    };
    Ok((!primitive.indices.is_empty()).then_some(primitive))
}

/// Without normals glTF asks for flat shading: split vertices per triangle and give each
/// the face normal.
fn flat_shaded(indices: &[u32], vertex: impl Fn(usize) -> Vertex, material: usize) -> Primitive {
    let mut vertices = Vec::with_capacity(indices.len());
    for tri in indices.chunks_exact(3) {
        let [a, b, c] = [0, 1, 2].map(|k| vertex(tri[k] as usize));
        let pa = glam::Vec3::from(a.position);
        let normal = (glam::Vec3::from(b.position) - pa)
            .cross(glam::Vec3::from(c.position) - pa)
            .normalize_or_zero()
            .to_array();
        vertices.extend([a, b, c].map(|v| Vertex { normal, ..v }));
    }
    Primitive {
        indices: (0..vertices.len() as u32).collect(),
        vertices,
        material,
    }
}

fn skin_mesh(
    document: &gltf::Document,
    mesh_index: usize,
    skin: &gltf::Skin,
    buffers: &[gltf::buffer::Data],
    globals: &[DMat4],
    default_material: usize,
) -> Result<Mesh, String> {
    let reader = skin.reader(|b| buffers.get(b.index()).map(|d| d.0.as_slice()));
    let joints: Vec<usize> = skin.joints().map(|j| j.index()).collect();
    let inverse_bind: Vec<DMat4> = match reader.read_inverse_bind_matrices() {
        Some(m) => m
            .map(|c| DMat4::from_cols_array_2d(&c.map(|r| r.map(f64::from))))
            .collect(),
        None => vec![DMat4::IDENTITY; joints.len()],
    };
    let joint_matrices: Vec<DMat4> = joints
        .iter()
        .zip(
            inverse_bind
                .iter()
                .chain(std::iter::repeat(&DMat4::IDENTITY)),
        )
        .map(|(&j, ibm)| globals[j] * *ibm)
        .collect();
    let mesh = document
        .meshes()
        .nth(mesh_index)
        .ok_or("mesh index out of range")?;
    let mut out = Mesh::default();
    for prim in mesh.primitives() {
        let Some(mut p) = read_primitive(&prim, buffers, default_material)? else {
            continue;
        };
        let r = prim.reader(|b| buffers.get(b.index()).map(|d| d.0.as_slice()));
        let (Some(js), Some(ws)) = (r.read_joints(0), r.read_weights(0)) else {
            out.primitives.push(p);
            continue;
        };
        let js: Vec<[u16; 4]> = js.into_u16().collect();
        let ws: Vec<[f32; 4]> = ws.into_f32().collect();
        if p.vertices.len() != js.len() {
            // Flat-shaded split happened (no normals): skinning data no longer lines up.
            return Err("skinned primitives without NORMAL are not supported".into());
        }
        for (v, (j, w)) in p.vertices.iter_mut().zip(js.iter().zip(&ws)) {
            let mut m = DMat4::ZERO;
            for k in 0..4 {
                let jm = joint_matrices
                    .get(usize::from(j[k]))
                    .ok_or("joint index out of range")?;
                m += *jm * f64::from(w[k]);
            }
            let pos = m * DVec4::from((DVec3::from(v.position.map(f64::from)), 1.0));
            let nrm = (m * DVec4::from((DVec3::from(v.normal.map(f64::from)), 0.0))).truncate();
            v.position = pos.truncate().as_vec3().to_array();
            v.normal = nrm.normalize_or_zero().as_vec3().to_array();
        }
        out.primitives.push(p);
    }
    Ok(out)
}

fn bounds(meshes: &[Mesh], draws: &[MeshDraw]) -> Option<(DVec3, DVec3)> {
    let mut lo = DVec3::splat(f64::INFINITY);
    let mut hi = DVec3::splat(f64::NEG_INFINITY);
    for d in draws {
        for p in &meshes[d.mesh].primitives {
            for &i in &p.indices {
                let v = d
                    .transform
                    .transform_point3(DVec3::from(p.vertices[i as usize].position.map(f64::from)));
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    (lo.x <= hi.x && lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

impl Asset {
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
    }
}

impl AssetLibrary {
    /// Each asset's bounding box `(min, max)` in asset order, after normalization: what
    /// [`crate::randomize::sample_frame_in`] places objects by.
    pub fn bounds(&self) -> Vec<(DVec3, DVec3)> {
        self.assets.iter().map(|a| a.bounds).collect()
    }

    /// Loads every asset of a spec, in spec order, normalized where the spec asks.
    pub fn load(spec: &crate::spec::LoadedSpec) -> Result<Self, AssetError> {
        let assets = spec
            .spec
            .assets
            .iter()
            .map(|a| {
                let mut asset = match (&a.path, a.primitive) {
                    (Some(path), _) => load_asset(&a.name, &spec.resolve(path))?,
                    (None, Some(kind)) => primitive_asset(&a.name, kind),
                    (None, None) => {
                        return Err(AssetError::Empty {
                            file: PathBuf::from(&a.name),
                        });
                    }
                };
                if let Some(d) = a.normalize_diagonal {
                    asset.normalize(d);
                }
                Ok(asset)
            })
            .collect::<Result<_, AssetError>>()?;
        let pool = spec
            .texture_pool
            .iter()
            .map(|p| load_pool_image(p))
            .collect::<Result<_, _>>()?;
        Ok(Self { assets, pool })
    }
}

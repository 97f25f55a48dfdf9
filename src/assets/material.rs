//! Materials: glTF metallic-roughness with emissive (and KHR_materials_emissive_strength),
//! normal and occlusion maps, alpha modes, texture references (with
//! KHR_texture_transform) and sampler settings.

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
    /// Index into [`Asset::textures`](super::Asset::textures).
    pub texture: usize,
    /// Which TEXCOORD set (0 or 1; KHR_texture_transform's `texCoord` overrides).
    pub tex_coord: u32,
    /// KHR_texture_transform as the rows of a 2×3 matrix applied to (u, v, 1):
    /// translation × rotation × scale (identity when absent).
    pub transform: [[f32; 3]; 2],
}

/// The identity UV transform.
pub const IDENTITY_UV: [[f32; 3]; 2] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

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
    /// Tangent-space normal map (linear).
    pub normal_texture: Option<TextureRef>,
    /// Scale of the normal map's x and y.
    pub normal_scale: f32,
    /// Ambient occlusion in R (linear).
    pub occlusion_texture: Option<TextureRef>,
    /// How much of the occlusion applies (0: none, 1: all).
    pub occlusion_strength: f32,
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
            normal_texture: None,
            normal_scale: 1.0,
            occlusion_texture: None,
            occlusion_strength: 1.0,
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
    /// Index into [`Asset::images`](super::Asset::images).
    pub image: usize,
    /// Sampler settings.
    pub sampling: Sampling,
}

fn wrap(mode: gltf::texture::WrappingMode) -> Wrap {
    use gltf::texture::WrappingMode as W;
    match mode {
        W::Repeat => Wrap::Repeat,
        W::MirroredRepeat => Wrap::Mirror,
        W::ClampToEdge => Wrap::Clamp,
    }
}

/// The sampling glTF gives a texture with no sampler: repeat, linear, trilinear mipmaps
/// (what mesh files' textures get too).
pub const DEFAULT_SAMPLING: Sampling = Sampling {
    wrap_u: Wrap::Repeat,
    wrap_v: Wrap::Repeat,
    mag_linear: true,
    min_linear: true,
    mipmaps: MipFilter::Linear,
};

pub(super) fn sampling(s: &gltf::texture::Sampler) -> Sampling {
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
    info.map(|i| {
        let transform = i.extension_value("KHR_texture_transform");
        texture_use(i.texture().index(), i.tex_coord(), transform)
    })
}

/// A texture use with its TEXCOORD set and KHR_texture_transform (the extension's JSON:
/// `offset`, `rotation`, `scale`, `texCoord`; see [`TextureRef`]).
fn texture_use(
    texture: usize,
    tex_coord: u32,
    transform: Option<&serde_json::Value>,
) -> TextureRef {
    let Some(t) = transform else {
        return TextureRef {
            texture,
            tex_coord: tex_coord.min(1),
            transform: IDENTITY_UV,
        };
    };
    let pair = |key: &str, default: f32| {
        let v = t.get(key).and_then(|v| v.as_array());
        let at = |k: usize| {
            v.and_then(|v| v.get(k))
                .and_then(serde_json::Value::as_f64)
                .map_or(default, |x| x as f32)
        };
        [at(0), at(1)]
    };
    let ([ox, oy], [sx, sy]) = (pair("offset", 0.0), pair("scale", 1.0));
    let r = t
        .get("rotation")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0) as f32;
    let (s, c) = (libm::sinf(r), libm::cosf(r));
    let tex_coord = t
        .get("texCoord")
        .and_then(serde_json::Value::as_u64)
        .map_or(tex_coord, |k| k.min(1) as u32);
    TextureRef {
        texture,
        tex_coord: tex_coord.min(1),
        // The extension's matrix: translation * rotation([c, s; -s, c]) * scale.
        transform: [[c * sx, s * sy, ox], [-s * sx, c * sy, oy]],
    }
}

pub(super) fn material(m: &gltf::Material) -> Material {
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
        normal_texture: m.normal_texture().map(|n| {
            let transform = n.extension_value("KHR_texture_transform");
            texture_use(n.texture().index(), n.tex_coord(), transform)
        }),
        normal_scale: m.normal_texture().map_or(1.0, |n| n.scale()),
        occlusion_texture: m.occlusion_texture().map(|o| {
            let transform = o.extension_value("KHR_texture_transform");
            texture_use(o.texture().index(), o.tex_coord(), transform)
        }),
        occlusion_strength: m.occlusion_texture().map_or(1.0, |o| o.strength()),
        alpha_mode: match m.alpha_mode() {
            gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
            gltf::material::AlphaMode::Mask => AlphaMode::Mask(m.alpha_cutoff().unwrap_or(0.5)),
            gltf::material::AlphaMode::Blend => AlphaMode::Blend,
        },
        double_sided: m.double_sided(),
    }
}

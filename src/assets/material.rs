//! Materials: glTF metallic-roughness with emissive (and KHR_materials_emissive_strength),
//! alpha modes, texture references and sampler settings.

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

fn wrap(mode: gltf::texture::WrappingMode) -> Wrap {
    use gltf::texture::WrappingMode as W;
    match mode {
        W::Repeat => Wrap::Repeat,
        W::MirroredRepeat => Wrap::Mirror,
        W::ClampToEdge => Wrap::Clamp,
    }
}

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
    info.map(|i| TextureRef {
        texture: i.texture().index(),
        tex_coord: i.tex_coord().min(1),
    })
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
        alpha_mode: match m.alpha_mode() {
            gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
            gltf::material::AlphaMode::Mask => AlphaMode::Mask(m.alpha_cutoff().unwrap_or(0.5)),
            gltf::material::AlphaMode::Blend => AlphaMode::Blend,
        },
        double_sided: m.double_sided(),
    }
}

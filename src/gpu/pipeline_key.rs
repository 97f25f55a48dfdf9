//! What selects a render pipeline ([`PipelineKey`]: draw mode, pass, face culling, the
//! look compiled in): plain keys shared by the draw list, which picks them, and the
//! pipeline cache and builder, which make pipelines from them.

use crate::scene::ToneMapping;

/// Which fragment program and target writes a draw uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum PassKind {
    /// Opaque and masked materials: colour, depth and labels.
    Opaque,
    /// A blended material's fragments with alpha ≥ 0.5: blended colour, depth and labels.
    BlendLabeled,
    /// A blended material's other fragments: blended colour only.
    BlendUnlabeled,
}

/// How the draws of one frame reach the GPU. Both modes compute the same values with the
/// same operations, so they produce byte-identical images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrawMode {
    /// One instanced draw per primitive for all instances of the same mesh: fewest
    /// commands, the better choice on GPUs.
    Instanced,
    /// One draw per instance with its data in a uniform: on Mesa's CPU rasterizers the
    /// vertex stage dominates, and per-vertex instance attribute fetches cost more there
    /// than the saved draw calls (measured in the book, "Performance").
    PerObject,
}

impl std::str::FromStr for DrawMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "instanced" => Ok(Self::Instanced),
            "per-object" => Ok(Self::PerObject),
            other => Err(format!(
                "unknown draw mode `{other}`: use instanced or per-object"
            )),
        }
    }
}

impl std::fmt::Display for DrawMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Instanced => "instanced",
            Self::PerObject => "per-object",
        })
    }
}

impl DrawMode {
    /// The faster mode for an adapter: [`DrawMode::PerObject`] on CPU rasterizers,
    /// [`DrawMode::Instanced`] otherwise.
    pub fn for_adapter(info: &wgpu::AdapterInfo) -> Self {
        if info.device_type == wgpu::DeviceType::Cpu {
            Self::PerObject
        } else {
            Self::Instanced
        }
    }
}

/// Which lighting and finishing code a scene pipeline runs: pipeline-overridable
/// constants of the scene shader (`shaders/scene/interface.wgsl`) (`SHADOWS`, `TONE_MAPPING`, `MATERIAL_MAPS`, `LAYERED`,
/// `BOUNCE`, `OBJECT_BOUNCE`, `IBL`), so the shader compiler drops what a frame does not use (a CPU
/// rasterizer would run it masked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(super) struct Look {
    /// Lights sample their shadow maps.
    pub(super) shadows: bool,
    /// 0: none; 1: Khronos PBR Neutral; 2: ACES.
    pub(super) tone_mapping: u8,
    /// Normal and occlusion maps shade.
    pub(super) material_maps: bool,
    /// The energy-conserving layered BRDF shades direct light.
    pub(super) layered: bool,
    /// Directional light bounces off the ground.
    pub(super) bounce: bool,
    /// Directional light bounces off the objects.
    pub(super) object_bounce: bool,
    /// An environment map lights the frame (image-based light in place of the ambient).
    pub(super) ibl: bool,
}

impl Look {
    /// The look of a frame that draws shadow maps when `shadows`.
    pub(super) fn new(
        shadows: bool,
        tone_mapping: ToneMapping,
        material_maps: bool,
        layered: bool,
        (bounce, object_bounce): (bool, bool),
        ibl: bool,
    ) -> Self {
        Self {
            shadows,
            material_maps,
            layered,
            bounce,
            object_bounce,
            ibl,
            tone_mapping: match tone_mapping {
                ToneMapping::None => 0,
                ToneMapping::PbrNeutral => 1,
                ToneMapping::Aces => 2,
            },
        }
    }

    /// The constants of a pipeline with this look, for a material with (or without)
    /// texture transforms.
    pub(super) fn constants(self, uv_transform: bool) -> [(&'static str, f64); 8] {
        [
            ("BOUNCE", f64::from(u8::from(self.bounce))),
            ("OBJECT_BOUNCE", f64::from(u8::from(self.object_bounce))),
            ("LAYERED", f64::from(u8::from(self.layered))),
            ("IBL", f64::from(u8::from(self.ibl))),
            ("SHADOWS", f64::from(u8::from(self.shadows))),
            ("TONE_MAPPING", f64::from(self.tone_mapping)),
            ("MATERIAL_MAPS", f64::from(u8::from(self.material_maps))),
            ("UV_TRANSFORM", f64::from(u8::from(uv_transform))),
        ]
    }
}

/// Everything that selects a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct PipelineKey {
    /// How draws are issued (which vertex entry point and buffers).
    pub(super) mode: DrawMode,
    /// Which fragment program and target writes.
    pub(super) pass: PassKind,
    /// Whether back faces are drawn.
    pub(super) double_sided: bool,
    /// The model transform mirrors (negative determinant), so front faces wind clockwise.
    pub(super) mirrored: bool,
    /// A MASK material: fragments under its alpha cutoff are discarded.
    pub(super) masked: bool,
    /// The scene pass has the normals target (only when normals are read back: a
    /// target costs even unwritten).
    pub(super) normals: bool,
    /// The shading code compiled in.
    pub(super) look: Look,
    /// The material transforms its texture coordinates (KHR_texture_transform).
    pub(super) uv_transform: bool,
}

impl PipelineKey {
    /// The key of a pipeline that draws only geometry (shadow and amodal passes): the
    /// scene's targets and shading play no part.
    pub(super) fn geometry_only(self) -> Self {
        Self {
            normals: false,
            look: Look::default(),
            ..self
        }
    }
}

/// Which amodal pass a pipeline serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum AmodalView {
    /// The image's own view, drawn behind the scene's depth (hidden fragments only).
    Exact,
    /// The wider field, no depth test.
    Wide,
}

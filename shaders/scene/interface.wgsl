// The scene shader, split by concern into the files of shaders/scene/ and joined in one
// module by src/gpu/pipelines.rs (WGSL has no imports; module-scope declarations may come
// in any order). This file: constants, the pipeline-overridable switches, the uniforms'
// and vertices' layouts and the bindings.
//
// One pass writes colour (linear, encoded to sRGB by the target), linear depth along the
// optical axis (metres, as the bits of an f32 in an R32Uint target: float targets are not
// renderable on every GL implementation) and the instance id. Label targets are never
// blended.

const MAX_LIGHTS: u32 = 8u;
// Pipeline-overridable: whether lights sample shadow maps, and the tone mapping (0: none,
// values above 1 clip; 1: Khronos PBR Neutral; 2: ACES fit). Code a frame does not use
// is compiled out.
override SHADOWS: bool = false;
override TONE_MAPPING: u32 = 0u;
// Pipeline-overridable: whether normal and occlusion maps shade (the realistic look), and
// whether the material has a KHR_texture_transform (else the transforms are identities).
override MATERIAL_MAPS: bool = false;
override UV_TRANSFORM: bool = false;
// Pipeline-overridable: the energy-conserving layered BRDF (else glTF's reference).
override LAYERED: bool = false;
// Pipeline-overridable: one bounce of directional light off the ground, and off the
// objects (the frame's bouncers).
override BOUNCE: bool = false;
override OBJECT_BOUNCE: bool = false;
// Pipeline-overridable: an environment map lights the frame (image-based light replaces
// the uniform ambient light).
override IBL: bool = false;
// Six shadow views per light at most (a point light's cube faces).
const MAX_SHADOW_VIEWS: u32 = 48u;
const PI: f32 = 3.14159265358979;

struct Light {
    // x: 0 = directional, 1 = point, 2 = spot; y, z: cosines of a spot's inner and
    // outer cone angles.
    kind: vec4<f32>,
    // Directional: unit direction the light travels. Point, spot: world position.
    vector: vec4<f32>,
    // Linear RGB colour × intensity.
    radiance: vec4<f32>,
    // Spot: unit direction of the cone's axis.
    axis: vec4<f32>,
    // x: first shadow view (< 0: no shadow); y: filter radius, texels; z: the light's map
    // side over the array's; w: world size of a texel (directional: metres; spot and
    // point: per metre of distance).
    shadow: vec4<f32>,
    // x: 1 / side of the shadow array's layers.
    shadow_b: vec4<f32>,
};

struct Frame {
    // Camera (OpenCV frame: x right, y down, z forward) → clip space.
    projection: mat4x4<f32>,
    // Camera → world.
    view_to_world: mat4x4<f32>,
    camera_position: vec4<f32>,
    ambient: vec4<f32>,
    // x: number of lights; y: background pattern (0: none); z, w: image size.
    counts: vec4<u32>,
    // Background pattern colours (linear); a.w: scale, b.w: angle (radians).
    background_a: vec4<f32>,
    background_b: vec4<f32>,
    // x: 1 when some texture this frame samples the image pool.
    flags: vec4<u32>,
    // x: albedo of the ground (y = 0) that bounces directional light (BOUNCE only);
    // y: bouncers (OBJECT_BOUNCE only).
    bounce: vec4<f32>,
    // x, y: cosine and sine of the environment's turn about +y; z: last mip level of
    // its prefiltered specular map.
    environment: vec4<f32>,
    // rgb: the environment's radiance scale × exposure.
    environment_scale: vec4<f32>,
    // Irradiance over π as spherical harmonics in the map's frame, scaled (rgb).
    environment_sh: array<vec4<f32>, 9>,
    // Window position (x, y, 1) → world direction of the pixel's ray.
    pixel_to_ray: mat3x3<f32>,
    lights: array<Light, MAX_LIGHTS>,
    // Objects that bounce directional light, as diffuse spheres: (centre, radius²) and
    // ((2/3) × linear albedo × radius², unused); bounce.y of them.
    bouncers: array<vec4<f32>, 32>,
    // World → clip of each shadow view (depth 0 near, 1 far).
    shadow_matrices: array<mat4x4<f32>, MAX_SHADOW_VIEWS>,
};

// One instance's data as ten words of raw bits (InstanceData in renderer.rs says what
// each holds), for per-object draws.
struct Object {
    words: array<vec4<u32>, 10>,
};

struct Material {
    base_color: vec4<f32>,
    // rgb: emissive factor.
    emissive: vec4<f32>,
    // x: metallic, y: roughness, z: alpha cutoff (MASK; 0 otherwise), w: unused.
    params: vec4<f32>,
    // TEXCOORD set of x: base colour, y: metallic-roughness, z: emissive, w: normal texture.
    tex_coords: vec4<u32>,
    // x: normal scale, y: occlusion strength, z: 1 with a normal map, w: 1 with an
    // occlusion map.
    maps: vec4<f32>,
    // x: TEXCOORD set of the occlusion texture.
    tex_coords_b: vec4<u32>,
    // KHR_texture_transform of texture k (base colour, metallic-roughness, emissive,
    // normal, occlusion): rows 2k and 2k + 1 of a 2×3 matrix applied to (u, v, 1).
    uv_transforms: array<vec4<f32>, 10>,
};

@group(0) @binding(0) var<uniform> frame: Frame;
// Image-texture pool: every image file of the spec's pools, one layer each.
@group(0) @binding(1) var pool_texture: texture_2d_array<f32>;
@group(0) @binding(2) var pool_sampler: sampler;
// Shadow maps, one layer per view, and the comparison sampler that filters them.
@group(0) @binding(3) var shadow_maps: texture_depth_2d_array;
@group(0) @binding(4) var shadow_sampler: sampler_comparison;
// The GGX lobe's directional albedo over (n·v, roughness): the split-sum scale and bias
// of F0 (src/gpu/brdf_table.rs), 32 × 32 texels at (i + 0.5) / 32.
@group(0) @binding(5) var brdf_table: texture_2d<f32>;
@group(1) @binding(0) var<uniform> object: Object;
@group(2) @binding(0) var<uniform> material: Material;
@group(2) @binding(1) var base_color_texture: texture_2d<f32>;
@group(2) @binding(2) var base_color_sampler: sampler;
@group(2) @binding(3) var metallic_roughness_texture: texture_2d<f32>;
@group(2) @binding(4) var metallic_roughness_sampler: sampler;
@group(2) @binding(5) var emissive_texture: texture_2d<f32>;
@group(2) @binding(6) var emissive_sampler: sampler;
@group(2) @binding(7) var normal_texture: texture_2d<f32>;
@group(2) @binding(8) var normal_sampler: sampler;
@group(2) @binding(9) var occlusion_texture: texture_2d<f32>;
@group(2) @binding(10) var occlusion_sampler: sampler;
// The scene pass's environment (IBL): the equirectangular map with its mip chain, and
// the map prefiltered for GGX, one roughness step per mip level. Conventions as in
// src/assets/environment.rs.
@group(3) @binding(3) var environment_source: texture_2d<f32>;
@group(3) @binding(4) var environment_specular: texture_2d<f32>;
@group(3) @binding(5) var environment_sampler: sampler;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv0: vec2<f32>,
    @location(3) uv1: vec2<f32>,
    @location(4) color: vec4<f32>,
};

// The tangent (xyz, and the bitangent's sign in w; zero: none): only pipelines that
// shade with material maps read it, so the others fetch nothing more than before.
struct TangentIn {
    @location(15) tangent: vec4<f32>,
};

// Per instance (one object's mesh node): InstanceData's ten words.
struct InstanceIn {
    @location(5) w0: vec4<u32>,
    @location(6) w1: vec4<u32>,
    @location(7) w2: vec4<u32>,
    @location(8) w3: vec4<u32>,
    @location(9) w4: vec4<u32>,
    @location(10) w5: vec4<u32>,
    @location(11) w6: vec4<u32>,
    @location(12) w7: vec4<u32>,
    @location(13) w8: vec4<u32>,
    @location(14) w9: vec4<u32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world_position: vec3<f32>,
    @location(1) world_normal: vec3<f32>,
    @location(2) uv0: vec2<f32>,
    @location(3) uv1: vec2<f32>,
    @location(4) color: vec4<f32>,
    @location(5) view_depth: f32,
    // x: instance id, y: procedural pattern (0: none), z: bouncer slot + 1 (0: none).
    @location(6) @interpolate(flat) ids: vec3<u32>,
    // rgb: colour override (r < 0: none), a: roughness override (< 0: none).
    @location(7) @interpolate(flat) mat_color: vec4<f32>,
    // xyz: HSV shift (hue degrees, saturation and value multipliers), w: metallic override.
    @location(8) @interpolate(flat) mat_hsv: vec4<f32>,
    // Pattern colours; a.w: scale, b.w: angle (radians).
    @location(9) @interpolate(flat) pattern_a: vec4<f32>,
    @location(10) @interpolate(flat) pattern_b: vec4<f32>,
    // World tangent and the bitangent's sign (MATERIAL_MAPS only; zero otherwise).
    @location(11) world_tangent: vec4<f32>,
};

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

// Both vertex entry points compute the same values with the same operations, so the two
// draw modes give identical images.
// The camera-frame position of a vertex (model-view from the instance's first words).
fn view_position(position: vec3<f32>, w: InstanceIn) -> vec4<f32> {
    let r0 = bitcast<vec4<f32>>(w.w0);
    let r1 = bitcast<vec4<f32>>(w.w1);
    let r2 = bitcast<vec4<f32>>(w.w2);
    let model_view = mat4x4<f32>(
        vec4<f32>(r0.x, r1.x, r2.x, 0.0),
        vec4<f32>(r0.y, r1.y, r2.y, 0.0),
        vec4<f32>(r0.z, r1.z, r2.z, 0.0),
        vec4<f32>(r0.w, r1.w, r2.w, 1.0),
    );
    return model_view * vec4<f32>(position, 1.0);
}

fn vertex(v: VertexIn, w: InstanceIn) -> VertexOut {
    return vertex_with_tangent(v, w, vec4<f32>(0.0));
}

fn vertex_with_tangent(v: VertexIn, w: InstanceIn, tangent: vec4<f32>) -> VertexOut {
    var out: VertexOut;
    let n0 = bitcast<vec4<f32>>(w.w3);
    let n1 = bitcast<vec4<f32>>(w.w4);
    let n2 = bitcast<vec4<f32>>(w.w5);
    let view = view_position(v.position, w);
    out.clip = frame.projection * view;
    out.world_position = (frame.view_to_world * view).xyz;
    let normal_matrix = mat3x3<f32>(n0.xyz, vec3<f32>(n0.w, n1.xy), vec3<f32>(n1.zw, n2.x));
    out.world_normal = normal_matrix * v.normal;
    out.uv0 = v.uv0;
    out.uv1 = v.uv1;
    out.color = v.color;
    out.view_depth = view.z;
    out.ids = w.w5.yzw;
    out.mat_color = bitcast<vec4<f32>>(w.w6);
    out.mat_hsv = bitcast<vec4<f32>>(w.w7);
    out.pattern_a = bitcast<vec4<f32>>(w.w8);
    out.pattern_b = bitcast<vec4<f32>>(w.w9);
    out.world_tangent = vec4<f32>(0.0);
    if MATERIAL_MAPS {
        let r0 = bitcast<vec4<f32>>(w.w0);
        let r1 = bitcast<vec4<f32>>(w.w1);
        let r2 = bitcast<vec4<f32>>(w.w2);
        let t = tangent.xyz;
        let view_tangent = vec3<f32>(dot(r0.xyz, t), dot(r1.xyz, t), dot(r2.xyz, t));
        // A mirroring transform (negative determinant; the view's is +1) turns the
        // bitangent, cross(n, t), the other way: flip its sign so it follows the texture.
        let mirrored = dot(cross(r0.xyz, r1.xyz), r2.xyz) < 0.0;
        let w = select(tangent.w, -tangent.w, mirrored);
        out.world_tangent = vec4<f32>((frame.view_to_world * vec4<f32>(view_tangent, 0.0)).xyz, w);
    }
    return out;
}

// Instanced draws: the instance's data arrives as per-instance vertex attributes.
@vertex
fn vs_instanced(v: VertexIn, instance: InstanceIn) -> VertexOut {
    return vertex(v, instance);
}

// One draw per instance: its data is the uniform at the draw's dynamic offset.
fn object_words() -> InstanceIn {
    var w: InstanceIn;
    w.w0 = object.words[0];
    w.w1 = object.words[1];
    w.w2 = object.words[2];
    w.w3 = object.words[3];
    w.w4 = object.words[4];
    w.w5 = object.words[5];
    w.w6 = object.words[6];
    w.w7 = object.words[7];
    w.w8 = object.words[8];
    w.w9 = object.words[9];
    return w;
}

@vertex
fn vs_per_object(v: VertexIn) -> VertexOut {
    return vertex(v, object_words());
}

// The same with the tangent, for pipelines that shade with material maps.
@vertex
fn vs_instanced_mapped(v: VertexIn, instance: InstanceIn, t: TangentIn) -> VertexOut {
    return vertex_with_tangent(v, instance, t.tangent);
}

@vertex
fn vs_per_object_mapped(v: VertexIn, t: TangentIn) -> VertexOut {
    return vertex_with_tangent(v, object_words(), t.tangent);
}

fn rotate(p: vec2<f32>, angle: f32) -> vec2<f32> {
    let c = cos(angle);
    let s = sin(angle);
    return vec2<f32>(c * p.x - s * p.y, s * p.x + c * p.y);
}

// A hash of an integer lattice point to [0, 1).
fn lattice_hash(p: vec2<f32>) -> f32 {
    let q = bitcast<vec2<u32>>(vec2<i32>(p));
    var h = q.x * 0x8da6b343u ^ q.y * 0xd8163841u;
    h = (h ^ (h >> 15u)) * 0x2c1b3c6du;
    h = (h ^ (h >> 12u)) * 0x297a2d39u;
    h = h ^ (h >> 15u);
    return f32(h >> 8u) / 16777216.0;
}

// Smooth value noise in [0, 1).
fn value_noise(p: vec2<f32>) -> f32 {
    let i = floor(p);
    let f = fract(p);
    let u = f * f * (3.0 - 2.0 * f);
    let a = mix(lattice_hash(i), lattice_hash(i + vec2<f32>(1.0, 0.0)), u.x);
    let b = mix(lattice_hash(i + vec2<f32>(0.0, 1.0)), lattice_hash(i + vec2<f32>(1.0, 1.0)), u.x);
    return mix(a, b, u.y);
}

// The procedural base colour (linear RGB) of pattern `kind` at `uv`: 1 checker,
// 2 stripes, 3 value noise, 4 gradient; scale in a.w, angle in b.w.
fn pattern(kind: u32, uv: vec2<f32>, a: vec4<f32>, b: vec4<f32>) -> vec3<f32> {
    let q = rotate(uv - vec2<f32>(0.5), b.w);
    let p = q * a.w;
    var t: f32;
    switch kind {
        case 1u: {
            t = f32((i32(floor(p.x)) + i32(floor(p.y))) & 1);
        }
        case 2u: {
            t = f32(i32(floor(p.x)) & 1);
        }
        case 3u: {
            t = value_noise(p);
        }
        default: {
            t = clamp(q.x + 0.5, 0.0, 1.0);
        }
    }
    return mix(a.rgb, b.rgb, t);
}

// A pool image (pattern 5): a = (offset u, offset v, layer, scale), b.w = angle. Sampled
// only in frames that use the pool, a uniform condition, so derivatives stay valid.
fn pool_image(uv: vec2<f32>, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
    var texel = vec4<f32>(1.0);
    if frame.flags.x != 0u {
        let layer = min(u32(max(a.z, 0.0)), textureNumLayers(pool_texture) - 1u);
        let p = rotate(uv - vec2<f32>(0.5), b.w) * a.w + a.xy;
        texel = textureSample(pool_texture, pool_sampler, p, layer);
    }
    return texel;
}

// Shifts a colour in HSV: hue by shift.x degrees, saturation and value scaled by y, z.
fn hsv_shift(rgb: vec3<f32>, shift: vec3<f32>) -> vec3<f32> {
    let mx = max(rgb.r, max(rgb.g, rgb.b));
    let mn = min(rgb.r, min(rgb.g, rgb.b));
    let c = mx - mn;
    var h = 0.0;
    if c > 0.0 {
        if mx == rgb.r {
            h = (rgb.g - rgb.b) / c;
        } else if mx == rgb.g {
            h = (rgb.b - rgb.r) / c + 2.0;
        } else {
            h = (rgb.r - rgb.g) / c + 4.0;
        }
    }
    h = fract((h * 60.0 + shift.x) / 360.0) * 6.0;
    let v = mx * shift.z;
    let s = clamp(select(0.0, c / mx, mx > 0.0) * shift.y, 0.0, 1.0);
    let k = (vec3<f32>(5.0, 3.0, 1.0) + h) % vec3<f32>(6.0);
    return v - v * s * clamp(min(k, 4.0 - k), vec3<f32>(0.0), vec3<f32>(1.0));
}

struct FragmentOut {
    @location(0) color: vec4<f32>,
    @location(1) depth_bits: vec4<u32>,
    @location(2) instance_id: vec4<u32>,
    @location(3) normal_bits: vec4<u32>,
};

// A unit world normal in the camera frame (OpenCV axes), octahedrally encoded as two
// 16-bit codes in 1..65535 (0 is left for "no surface"), x in the high half.
fn encode_normal(world: vec3<f32>) -> u32 {
    let to_world = mat3x3<f32>(frame.view_to_world[0].xyz, frame.view_to_world[1].xyz, frame.view_to_world[2].xyz);
    let n = normalize(transpose(to_world) * world);
    var p = n.xy / (abs(n.x) + abs(n.y) + abs(n.z));
    if n.z < 0.0 {
        let s = select(vec2<f32>(-1.0), vec2<f32>(1.0), p >= vec2<f32>(0.0));
        p = (vec2<f32>(1.0) - abs(p.yx)) * s;
    }
    let q = vec2<u32>(round((clamp(p, vec2<f32>(-1.0), vec2<f32>(1.0)) * 0.5 + 0.5) * 65534.0)) + 1u;
    return (q.x << 16u) | q.y;
}

fn pick_uv(tex_coord: u32, uv0: vec2<f32>, uv1: vec2<f32>) -> vec2<f32> {
    return select(uv0, uv1, tex_coord == 1u);
}

// Texture k's coordinates: its TEXCOORD set through its KHR_texture_transform.
fn material_uv(k: u32, tex_coord: u32, in: VertexOut) -> vec2<f32> {
    let uv = pick_uv(tex_coord, in.uv0, in.uv1);
    if !UV_TRANSFORM {
        return uv;
    }
    let a = material.uv_transforms[2u * k];
    let b = material.uv_transforms[2u * k + 1u];
    return vec2<f32>(a.x * uv.x + a.y * uv.y + a.z, b.x * uv.x + b.y * uv.y + b.z);
}

// The split-sum scale and bias of F0 for GGX at (n·v, roughness), from the table.
fn specular_albedo(n_dot_v: f32, roughness: f32) -> vec2<f32> {
    let half_texel = 0.5 / 32.0;
    let uv = clamp(vec2<f32>(n_dot_v, roughness), vec2<f32>(half_texel), vec2<f32>(1.0 - half_texel));
    return textureSampleLevel(brdf_table, pool_sampler, uv, 0.0).rg;
}

// What the layered BRDF does with a fragment's view: the specular lobe's gain for the
// energy one scattering loses (Turquin's 1 + F0 (1 − E) / E) and the share of light the
// diffuse base gets, 1 − the compensated lobe's directional albedo.
struct Layers {
    specular: vec3<f32>,
    diffuse: vec3<f32>,
};

// `ab`: the table's split-sum terms at the fragment's n·v and roughness.
fn layers(ab: vec2<f32>, f0: vec3<f32>) -> Layers {
    let single = max(ab.x + ab.y, 1e-3);
    var out: Layers;
    out.specular = vec3<f32>(1.0) + f0 * (1.0 / single - 1.0);
    out.diffuse = clamp(vec3<f32>(1.0) - (f0 * ab.x + ab.y) * out.specular, vec3<f32>(0.0), vec3<f32>(1.0));
    return out;
}

// GGX / Smith height-correlated / Schlick: the glTF metallic-roughness BRDF (spec appendix
// B), or with LAYERED its energy-conserving layers (`layers`, computed once a fragment).
fn brdf(n: vec3<f32>, v: vec3<f32>, l: vec3<f32>, base: vec3<f32>, metallic: f32, roughness: f32, layering: Layers) -> vec3<f32> {
    let n_dot_l = max(dot(n, l), 0.0);
    if n_dot_l <= 0.0 {
        return vec3<f32>(0.0);
    }
    let n_dot_v = max(dot(n, v), 1e-4);
    let h = normalize(l + v);
    let n_dot_h = max(dot(n, h), 0.0);
    let v_dot_h = max(dot(v, h), 0.0);
    let alpha = max(roughness * roughness, 1e-3);
    let a2 = alpha * alpha;
    let f0 = mix(vec3<f32>(0.04), base, metallic);
    let fresnel = f0 + (vec3<f32>(1.0) - f0) * pow(1.0 - v_dot_h, 5.0);
    let d_denom = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    let d = a2 / (PI * d_denom * d_denom);
    let vis_denom = n_dot_l * sqrt(n_dot_v * n_dot_v * (1.0 - a2) + a2)
        + n_dot_v * sqrt(n_dot_l * n_dot_l * (1.0 - a2) + a2);
    let vis = select(0.0, 0.5 / vis_denom, vis_denom > 0.0);
    if LAYERED {
        let diffuse = layering.diffuse * (1.0 - metallic) * base / PI;
        return (diffuse + fresnel * d * vis * layering.specular) * n_dot_l;
    }
    let diffuse = (vec3<f32>(1.0) - fresnel) * (1.0 - metallic) * base / PI;
    let specular = fresnel * d * vis;
    return (diffuse + specular) * n_dot_l;
}

// A world direction in the environment map's frame (the map is turned about +y).
fn environment_frame(d: vec3<f32>) -> vec3<f32> {
    let c = frame.environment.x;
    let s = frame.environment.y;
    return vec3<f32>(c * d.x - s * d.z, d.y, s * d.x + c * d.z);
}

fn equirect_uv(m: vec3<f32>) -> vec2<f32> {
    return vec2<f32>(atan2(m.x, -m.z) / (2.0 * PI) + 0.5, acos(clamp(m.y, -1.0, 1.0)) / PI);
}

// Irradiance over π from the environment at world normal n (bands 0-2).
fn environment_irradiance(n: vec3<f32>) -> vec3<f32> {
    let m = environment_frame(n);
    var e = frame.environment_sh[0].rgb * 0.28209479;
    e = e + (frame.environment_sh[1].rgb * m.y + frame.environment_sh[2].rgb * m.z + frame.environment_sh[3].rgb * m.x) * 0.48860251;
    e = e + (frame.environment_sh[4].rgb * (m.x * m.y) + frame.environment_sh[5].rgb * (m.y * m.z) + frame.environment_sh[7].rgb * (m.x * m.z)) * 1.09254843;
    e = e + frame.environment_sh[6].rgb * (0.31539157 * (3.0 * m.z * m.z - 1.0));
    e = e + frame.environment_sh[8].rgb * (0.54627422 * (m.x * m.x - m.y * m.y));
    return max(e, vec3<f32>(0.0));
}

// Light from the environment leaving a surface towards v: prefiltered GGX reflection plus
// diffuse irradiance, with Fdez-Agüera's multiple-scattering energy compensation, so
// that a white dielectric under a uniform environment reflects exactly that radiance
// (the white furnace test). `ab`: the table's split-sum terms at the fragment's n·v and
// roughness.
fn environment_light(n: vec3<f32>, v: vec3<f32>, base: vec3<f32>, metallic: f32, roughness: f32, ab: vec2<f32>) -> vec3<f32> {
    let n_dot_v = clamp(dot(n, v), 1e-4, 1.0);
    let f0 = mix(vec3<f32>(0.04), base, metallic);
    let fr = max(vec3<f32>(1.0 - roughness), f0) - f0;
    let k_s = f0 + fr * pow(1.0 - n_dot_v, 5.0);
    let single = k_s * ab.x + ab.y;
    let e_ms = 1.0 - (ab.x + ab.y);
    let f_avg = f0 + (vec3<f32>(1.0) - f0) / 21.0;
    let multiple = e_ms * single * f_avg / (vec3<f32>(1.0) - f_avg * e_ms);
    let diffuse = base * (1.0 - metallic) * (vec3<f32>(1.0) - single - multiple);
    let r = environment_frame(reflect(-v, n));
    let glossy = textureSampleLevel(environment_specular, environment_sampler, equirect_uv(r), roughness * frame.environment.z).rgb;
    return single * glossy * frame.environment_scale.rgb + (multiple + diffuse) * environment_irradiance(n);
}

// How much of `light` reaches `p` (1: lit, 0: in shadow), percentage-closer filtered over
// a grid of bilinear comparisons spanning the light's filter radius. The lookup point
// moves off the surface along its normal by about a texel (more where the light grazes
// it and the wider the filter), which keeps lit surfaces free of acne.
fn shadow_visibility(light: Light, p: vec3<f32>, n: vec3<f32>, l: vec3<f32>) -> f32 {
    if light.shadow.x < 0.0 {
        return 1.0;
    }
    var layer = u32(light.shadow.x);
    var texel = light.shadow.w;
    if light.kind.x > 0.5 {
        let d = p - light.vector.xyz;
        var along: f32;
        if light.kind.x < 1.5 {
            // Point light: the cube face of the largest axis (+X, -X, +Y, -Y, +Z, -Z).
            let a = abs(d);
            if a.x >= a.y && a.x >= a.z {
                layer = layer + select(1u, 0u, d.x > 0.0);
                along = a.x;
            } else if a.y >= a.z {
                layer = layer + select(3u, 2u, d.y > 0.0);
                along = a.y;
            } else {
                layer = layer + select(5u, 4u, d.z > 0.0);
                along = a.z;
            }
        } else {
            along = dot(d, light.axis.xyz);
        }
        texel = texel * max(along, 0.0);
    }
    let cos_l = clamp(dot(n, l), 0.0, 1.0);
    let sin_l = sqrt(1.0 - cos_l * cos_l);
    let offset = n * texel * (1.0 + light.shadow.y) * (0.5 + 1.5 * sin_l);
    let clip = frame.shadow_matrices[min(layer, MAX_SHADOW_VIEWS - 1u)] * vec4<f32>(p + offset, 1.0);
    if clip.w <= 0.0 {
        return 1.0;
    }
    let ndc = clip.xyz / clip.w;
    let uv = ndc.xy * vec2<f32>(0.5, -0.5) + vec2<f32>(0.5);
    if ndc.z > 1.0 || any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0)) {
        return 1.0;
    }
    let inv = light.shadow_b.x;
    let scale = light.shadow.z;
    let lo = vec2<f32>(0.5 * inv);
    let hi = vec2<f32>(scale - 0.5 * inv);
    let centre = uv * scale;
    let depth = max(ndc.z, 0.0);
    if light.shadow.y <= 0.0 {
        return textureSampleCompareLevel(shadow_maps, shadow_sampler, clamp(centre, lo, hi), layer, depth);
    }
    // An n × n grid of bilinear comparisons spaced `step` texels apart spans the filter's
    // diameter: n = 2 up to 1.5 texels of radius, 3 up to 3, else 4 (4, 9 or 16 taps).
    let radius = light.shadow.y;
    let taps = select(select(4, 3, radius <= 3.0), 2, radius <= 1.5);
    let step = 2.0 * radius / f32(taps) * inv;
    let half_span = 0.5 * f32(taps - 1);
    var lit = 0.0;
    for (var i = 0; i < taps; i = i + 1) {
        for (var j = 0; j < taps; j = j + 1) {
            let o = (vec2<f32>(f32(i), f32(j)) - vec2<f32>(half_span)) * step;
            lit = lit + textureSampleCompareLevel(shadow_maps, shadow_sampler, clamp(centre + o, lo, hi), layer, depth);
        }
    }
    return lit / f32(taps * taps);
}

// Irradiance at p (normal n), over the sun's, from the frame's bouncers lit by a sun in
// direction l: each a Lambertian sphere of albedo ρ and radius r, whose light at distance d
// from its centre and phase angle α (between the sun and p, seen from the centre) is
// (2/3) ρ Φ(α) (r / d)² with Φ(α) = (sin α + (π − α) cos α) / π, Lambert's phase law for
// a sphere, here x^1.5 (0.768 + 0.232 x) with x = (1 + cos α) / 2 (within 0.007 of it,
// without an arc cosine); d is held at r or more (points inside a sphere get its
// surface's light). The fragment's own object (bouncer slot + 1 `own`) sends it none.
fn objects_bounce(p: vec3<f32>, n: vec3<f32>, l: vec3<f32>, own: u32) -> vec3<f32> {
    var sum = vec3<f32>(0.0);
    let count = min(u32(frame.bounce.y), 16u);
    for (var k = 0u; k < count; k = k + 1u) {
        // (centre, r²) and ((2/3) ρ r², unused).
        let sphere = frame.bouncers[2u * k];
        let w = sphere.xyz - p;
        let d2 = dot(w, w);
        let dir = w * inverseSqrt(max(d2, 1e-12));
        let facing = max(dot(n, dir), 0.0);
        let x = clamp(0.5 - 0.5 * dot(dir, l), 0.0, 1.0);
        let phase = x * sqrt(x) * (0.768 + 0.232 * x);
        let weight = facing * phase / max(d2, sphere.w);
        sum = sum + frame.bouncers[2u * k + 1u].rgb * select(weight, 0.0, k + 1u == own);
    }
    return sum;
}

struct Surface {
    color: vec4<f32>,
    linear_depth: f32,
    // Unit world-space normal, turned towards the viewer on back faces.
    normal: vec3<f32>,
};

// The base colour (linear RGB, alpha): material factor × vertex colour × texture or
// pattern, HSV-shifted. Its alpha alone decides which fragments own the label targets,
// in the scene pass and the amodal pass alike.
fn base_color(in: VertexOut) -> vec4<f32> {
    let base_uv = material_uv(0u, material.tex_coords.x, in);
    var base_texel = textureSample(base_color_texture, base_color_sampler, base_uv);
    let pooled = pool_image(in.uv0, in.pattern_a, in.pattern_b);
    if in.ids.y == 5u {
        base_texel = vec4<f32>(pooled.rgb, 1.0);
    } else if in.ids.y != 0u {
        base_texel = vec4<f32>(pattern(in.ids.y, in.uv0, in.pattern_a, in.pattern_b), 1.0);
    }
    var factor = material.base_color;
    if in.mat_color.r >= 0.0 {
        factor = vec4<f32>(in.mat_color.rgb, factor.a);
    }
    var base = factor * in.color * base_texel;
    if any(in.mat_hsv.xyz != vec3<f32>(0.0, 1.0, 1.0)) {
        base = vec4<f32>(hsv_shift(base.rgb, in.mat_hsv.xyz), base.a);
    }
    return base;
}

fn shade(in: VertexOut, front_facing: bool) -> Surface {
    let mr_uv = material_uv(1u, material.tex_coords.y, in);
    let emissive_uv = material_uv(2u, material.tex_coords.z, in);
    let base = base_color(in);
    let mr = textureSample(metallic_roughness_texture, metallic_roughness_sampler, mr_uv);
    let emissive = material.emissive.rgb * textureSample(emissive_texture, emissive_sampler, emissive_uv).rgb;
    let metallic_factor = select(material.params.x, in.mat_hsv.w, in.mat_hsv.w >= 0.0);
    let roughness_factor = select(material.params.y, in.mat_color.a, in.mat_color.a >= 0.0);
    let metallic = clamp(metallic_factor * mr.b, 0.0, 1.0);
    let roughness = clamp(roughness_factor * mr.g, 0.0, 1.0);

    var geometric = normalize(in.world_normal);
    // The normal that shades: the normal map's where there is one (labels keep the
    // geometric normal). Back faces turn the whole frame around.
    var n = geometric;
    var occlusion = 1.0;
    if MATERIAL_MAPS {
        let mapped = textureSample(normal_texture, normal_sampler, material_uv(3u, material.tex_coords.w, in)).xyz;
        let ao = textureSample(occlusion_texture, occlusion_sampler, material_uv(4u, material.tex_coords_b.x, in)).r;
        let t = in.world_tangent.xyz - geometric * dot(geometric, in.world_tangent.xyz);
        if material.maps.z > 0.0 && dot(t, t) > 1e-12 {
            let tangent = normalize(t);
            let bitangent = cross(geometric, tangent) * select(1.0, -1.0, in.world_tangent.w < 0.0);
            let tn = vec3<f32>((mapped.xy * 2.0 - 1.0) * material.maps.x, mapped.z * 2.0 - 1.0);
            n = normalize(tangent * tn.x + bitangent * tn.y + geometric * tn.z);
        }
        if material.maps.w > 0.0 {
            occlusion = 1.0 + material.maps.y * (ao - 1.0);
        }
    }
    if !front_facing {
        geometric = -geometric;
        n = -n;
    }
    let v = normalize(frame.camera_position.xyz - in.world_position);
    // The GGX lobe's directional albedo towards the viewer, one table fetch a fragment for
    // the layered BRDF and the environment light alike.
    var ab = vec2<f32>(0.0);
    if LAYERED || IBL {
        ab = specular_albedo(clamp(dot(n, v), 1e-4, 1.0), roughness);
    }
    var layering: Layers;
    // The share of bounced light the diffuse base gets.
    var diffuse_share = vec3<f32>(1.0);
    if LAYERED {
        layering = layers(ab, mix(vec3<f32>(0.04), base.rgb, metallic));
        diffuse_share = layering.diffuse;
    }
    var color: vec3<f32>;
    if IBL {
        color = environment_light(n, v, base.rgb, metallic, roughness, ab) * occlusion + emissive;
    } else {
        color = frame.ambient.rgb * base.rgb * occlusion + emissive;
    }
    for (var i = 0u; i < min(frame.counts.x, MAX_LIGHTS); i = i + 1u) {
        let light = frame.lights[i];
        var l: vec3<f32>;
        var radiance = light.radiance.rgb;
        if light.kind.x < 0.5 {
            l = -light.vector.xyz;
        } else {
            let to_light = light.vector.xyz - in.world_position;
            let d2 = max(dot(to_light, to_light), 1e-8);
            l = to_light / sqrt(d2);
            radiance = radiance / d2;
            if light.kind.x > 1.5 {
                // KHR_lights_punctual's spot falloff: smooth between the cone angles.
                let cd = dot(light.axis.xyz, -l);
                let t = clamp((cd - light.kind.z) / max(light.kind.y - light.kind.z, 1e-4), 0.0, 1.0);
                radiance = radiance * (t * t);
            }
        }
        // Nested, not `&&`: a constant condition of its own is what the compiler drops.
        if SHADOWS {
            // Surfaces turned from the light get none of it anyway.
            if light.shadow.x >= 0.0 && dot(n, l) > 0.0 {
                radiance = radiance * shadow_visibility(light, in.world_position, n, l);
            }
        }
        color = color + brdf(n, v, l, base.rgb, metallic, roughness, layering) * radiance;
        if BOUNCE {
            if light.kind.x < 0.5 {
                // The sun lights the ground (albedo a) to radiance a E cos(elevation) / π;
                // a surface sees the ground in the part (1 - n.y) / 2 of its hemisphere,
                // and reflects it diffusely, occluded as ambient light is.
                let ground = frame.bounce.x * max(-light.vector.y, 0.0);
                let seen = 0.5 * (1.0 - n.y);
                color = color + light.radiance.rgb * (ground * seen * occlusion * (1.0 - metallic) / PI) * base.rgb * diffuse_share;
                // Its mirror image: the part of the specular lobe around the reflected
                // view ray that reaches the ground (all of it for a mirror looking down,
                // the diffuse share for a rough surface), weighted by Fresnel.
                let r = reflect(-v, n);
                let lobe = mix(smoothstep(0.15, -0.15, r.y), seen, roughness * roughness);
                let f0 = mix(vec3<f32>(0.04), base.rgb, metallic);
                let fresnel = f0 + (vec3<f32>(1.0) - f0) * pow(1.0 - max(dot(n, v), 0.0), 5.0);
                color = color + light.radiance.rgb * fresnel * (ground * lobe * occlusion / PI);
            }
        }
        if OBJECT_BOUNCE {
            if light.kind.x < 0.5 {
                let bounced = objects_bounce(in.world_position, n, -light.vector.xyz, in.ids.z);
                color = color + light.radiance.rgb * bounced * (occlusion * (1.0 - metallic) / PI) * base.rgb * diffuse_share;
            }
        }
    }
    var out: Surface;
    out.color = vec4<f32>(color, base.a);
    out.linear_depth = in.view_depth;
    out.normal = geometric;
    return out;
}

// Khronos PBR Neutral (https://github.com/KhronosGroup/ToneMapping, reference GLSL).
fn pbr_neutral(color_in: vec3<f32>) -> vec3<f32> {
    let start_compression = 0.8 - 0.04;
    let desaturation = 0.15;
    var color = color_in;
    let x = min(color.r, min(color.g, color.b));
    let offset = select(0.04, x - 6.25 * x * x, x < 0.08);
    color = color - offset;
    let peak = max(color.r, max(color.g, color.b));
    if peak < start_compression {
        return color;
    }
    let d = 1.0 - start_compression;
    let new_peak = 1.0 - d * d / (peak + d - start_compression);
    color = color * (new_peak / peak);
    let g = 1.0 - 1.0 / (desaturation * (peak - new_peak) + 1.0);
    return mix(color, vec3<f32>(new_peak), g);
}

// ACES filmic curve, Narkowicz's fit.
fn aces(x: vec3<f32>) -> vec3<f32> {
    return (x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14);
}

// The frame's tone mapping of linear radiance (after the exposure), per fragment as a
// forward renderer does: blended materials blend tone-mapped colours. None leaves the
// colour as it is (the target clips it).
fn tone_map(c: vec3<f32>) -> vec3<f32> {
    if TONE_MAPPING == 1u {
        return pbr_neutral(max(c, vec3<f32>(0.0)));
    }
    if TONE_MAPPING == 2u {
        return aces(max(c, vec3<f32>(0.0)));
    }
    return c;
}

fn outputs(s: Surface, id: u32, alpha: f32) -> FragmentOut {
    var out: FragmentOut;
    out.color = vec4<f32>(tone_map(s.color.rgb), alpha);
    out.depth_bits = vec4<u32>(bitcast<u32>(s.linear_depth), 0u, 0u, 0u);
    out.instance_id = vec4<u32>(id, 0u, 0u, 0u);
    out.normal_bits = vec4<u32>(encode_normal(s.normal), 0u, 0u, 0u);
    return out;
}

// OPAQUE and MASK materials (the cutoff is 0 for OPAQUE, so nothing is discarded).
@fragment
fn fs_opaque(in: VertexOut, @builtin(front_facing) front_facing: bool) -> FragmentOut {
    let s = shade(in, front_facing);
    if s.color.a < material.params.z {
        discard;
    }
    return outputs(s, in.ids.x, 1.0);
}

// BLEND materials, fragments with alpha >= 0.5: blended colour, and they own the depth
// and label targets.
@fragment
fn fs_blend_labeled(in: VertexOut, @builtin(front_facing) front_facing: bool) -> FragmentOut {
    let s = shade(in, front_facing);
    if s.color.a < 0.5 {
        discard;
    }
    return outputs(s, in.ids.x, s.color.a);
}

// BLEND materials, fragments with alpha < 0.5: blended colour only (the pipeline masks
// the depth and label targets).
@fragment
fn fs_blend_unlabeled(in: VertexOut, @builtin(front_facing) front_facing: bool) -> FragmentOut {
    let s = shade(in, front_facing);
    if s.color.a >= 0.5 {
        discard;
    }
    return outputs(s, in.ids.x, s.color.a);
}

// The procedural background: a triangle covering the image, drawn first.
@vertex
fn vs_background(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let x = f32(index & 1u) * 4.0 - 1.0;
    let y = f32(index >> 1u) * 4.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

@fragment
fn fs_background(@builtin(position) position: vec4<f32>) -> FragmentOut {
    // Image space: one UV unit is the image height, (0.5, 0.5) the image's middle row.
    let size = vec2<f32>(frame.counts.zw);
    let uv = (position.xy - vec2<f32>(0.5 * (size.x - size.y), 0.0)) / size.y;
    var out: FragmentOut;
    var color = pattern(frame.counts.y, uv, frame.background_a, frame.background_b);
    let pooled = pool_image(uv, frame.background_a, frame.background_b);
    if frame.counts.y == 5u {
        color = pooled.rgb;
    }
    // The background is given in display values: it is not tone-mapped (nor is the
    // background colour the pass clears to).
    out.color = vec4<f32>(color, 1.0);
    out.depth_bits = vec4<u32>(0u);
    out.instance_id = vec4<u32>(0u);
    out.normal_bits = vec4<u32>(0u);
    return out;
}

// The environment map as the background: each pixel's ray, turned into the map's frame,
// shown at the map's full resolution; radiance, so exposed and tone-mapped as surfaces are.
@fragment
fn fs_background_environment(@builtin(position) position: vec4<f32>) -> FragmentOut {
    let d = normalize(frame.pixel_to_ray * vec3<f32>(position.xy, 1.0));
    let uv = equirect_uv(environment_frame(d));
    let radiance = textureSampleLevel(environment_source, environment_sampler, uv, 0.0).rgb * frame.environment_scale.rgb;
    var out: FragmentOut;
    out.color = vec4<f32>(tone_map(radiance), 1.0);
    out.depth_bits = vec4<u32>(0u);
    out.instance_id = vec4<u32>(0u);
    out.normal_bits = vec4<u32>(0u);
    return out;
}

// The amodal passes: labeled objects drawn again, each fragment setting the object's bit
// in a per-pixel bitmask (bit (id - 1) % 32 of word (id - 1) / 32; word planes of
// width × height u32s), with the scene pass's vertex transform, culling and alpha rules.
// The exact pass draws the image as the scene pass does (scale 1), tested against the
// scene's depth so only hidden fragments run (the early test is forced: a fragment
// failing it must not mark); the visible pixels come from the instance image. The wide
// pass draws a field `1 / scale` times wider and taller at the same resolution with no
// depth test, for truncation.
struct Amodal {
    // x: clip-space scale (1: the image; 1/k: k times the field of view).
    scale: vec4<f32>,
    // x: image width, y: image height.
    size: vec4<u32>,
};

@group(3) @binding(0) var<uniform> amodal: Amodal;
@group(3) @binding(1) var<storage, read_write> amodal_bits: array<atomic<u32>>;

fn amodal_vertex(out_in: VertexOut) -> VertexOut {
    var out = out_in;
    if amodal.scale.x != 1.0 {
        out.clip = vec4<f32>(out.clip.xy * amodal.scale.x, out.clip.zw);
    }
    return out;
}

@vertex
fn vs_amodal_instanced(v: VertexIn, instance: InstanceIn) -> VertexOut {
    return amodal_vertex(vertex(v, instance));
}

@vertex
fn vs_amodal_per_object(v: VertexIn) -> VertexOut {
    return amodal_vertex(vertex(v, object_words()));
}

fn amodal_mark(position: vec4<f32>, id: u32) {
    if id == 0u {
        return;
    }
    let p = vec2<u32>(position.xy);
    let plane = (id - 1u) / 32u;
    let index = (plane * amodal.size.y + p.y) * amodal.size.x + p.x;
    atomicOr(&amodal_bits[index], 1u << ((id - 1u) % 32u));
}

// OPAQUE and MASK materials: the scene pass's cutoff (OPAQUE's is 0: nothing to sample;
// the condition is uniform, so sampling under it keeps its derivatives).
@fragment @early_depth_test(force)
fn fs_amodal_opaque(in: VertexOut) {
    if material.params.z > 0.0 {
        if base_color(in).a < material.params.z {
            discard;
        }
    }
    amodal_mark(in.clip, in.ids.x);
}

// BLEND materials: only fragments with alpha >= 0.5 own labels.
@fragment @early_depth_test(force)
fn fs_amodal_blend(in: VertexOut) {
    if base_color(in).a < 0.5 {
        discard;
    }
    amodal_mark(in.clip, in.ids.x);
}

// OPAQUE materials (no cutoff): only the position and the id travel to the fragment.
struct LeanOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) @interpolate(flat) id: u32,
};

fn lean_vertex(v: VertexIn, w: InstanceIn) -> LeanOut {
    var out: LeanOut;
    out.clip = frame.projection * view_position(v.position, w);
    if amodal.scale.x != 1.0 {
        out.clip = vec4<f32>(out.clip.xy * amodal.scale.x, out.clip.zw);
    }
    out.id = w.w5.y;
    return out;
}

@vertex
fn vs_amodal_lean_instanced(v: VertexIn, instance: InstanceIn) -> LeanOut {
    return lean_vertex(v, instance);
}

@vertex
fn vs_amodal_lean_per_object(v: VertexIn) -> LeanOut {
    return lean_vertex(v, object_words());
}

@fragment @early_depth_test(force)
fn fs_amodal_lean(in: LeanOut) {
    amodal_mark(in.clip, in.id);
}

// The shadow pass: casters drawn into one view's depth map (group 3: that view's
// world → clip transform at a dynamic offset), with the scene pass's culling and alpha
// rules; OPAQUE draws run no fragment stage.
struct ShadowView {
    world_to_clip: mat4x4<f32>,
};

@group(3) @binding(2) var<uniform> shadow_view: ShadowView;

fn shadow_clip(view: vec4<f32>) -> vec4<f32> {
    return shadow_view.world_to_clip * (frame.view_to_world * view);
}

@vertex
fn vs_shadow_lean_instanced(v: VertexIn, instance: InstanceIn) -> @builtin(position) vec4<f32> {
    return shadow_clip(view_position(v.position, instance));
}

@vertex
fn vs_shadow_lean_per_object(v: VertexIn) -> @builtin(position) vec4<f32> {
    return shadow_clip(view_position(v.position, object_words()));
}

@vertex
fn vs_shadow_instanced(v: VertexIn, instance: InstanceIn) -> VertexOut {
    var out = vertex(v, instance);
    out.clip = shadow_view.world_to_clip * vec4<f32>(out.world_position, 1.0);
    return out;
}

@vertex
fn vs_shadow_per_object(v: VertexIn) -> VertexOut {
    var out = vertex(v, object_words());
    out.clip = shadow_view.world_to_clip * vec4<f32>(out.world_position, 1.0);
    return out;
}

// MASK materials cast where they are drawn (alpha at or above the cutoff).
@fragment
fn fs_shadow_masked(in: VertexOut) {
    if base_color(in).a < material.params.z {
        discard;
    }
}

// BLEND materials cast where they own labels (alpha at least 0.5).
@fragment
fn fs_shadow_blend(in: VertexOut) {
    if base_color(in).a < 0.5 {
        discard;
    }
}

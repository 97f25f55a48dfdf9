// One pass writes colour (linear, encoded to sRGB by the target), linear depth along the
// optical axis (metres, as the bits of an f32 in an R32Uint target: float targets are not
// renderable on every GL implementation) and the instance id. Label targets are never
// blended.

const MAX_LIGHTS: u32 = 8u;
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
};

struct Frame {
    // Camera (OpenCV frame: x right, y down, z forward) → clip space.
    projection: mat4x4<f32>,
    // Camera → world.
    view_to_world: mat4x4<f32>,
    camera_position: vec4<f32>,
    ambient: vec4<f32>,
    // x: number of lights.
    counts: vec4<u32>,
    lights: array<Light, MAX_LIGHTS>,
};

// One instance's data (the layout of InstanceData in renderer.rs), for per-object draws.
struct Object {
    model_view: mat4x4<f32>,
    normal_0: vec4<f32>,
    normal_1: vec4<f32>,
    normal_2: vec4<f32>,
    ids: vec4<u32>,
};

struct Material {
    base_color: vec4<f32>,
    // rgb: emissive factor.
    emissive: vec4<f32>,
    // x: metallic, y: roughness, z: alpha cutoff (MASK; 0 otherwise), w: unused.
    params: vec4<f32>,
    // TEXCOORD set of x: base colour, y: metallic-roughness, z: emissive texture.
    tex_coords: vec4<u32>,
};

@group(0) @binding(0) var<uniform> frame: Frame;
@group(1) @binding(0) var<uniform> object: Object;
@group(2) @binding(0) var<uniform> material: Material;
@group(2) @binding(1) var base_color_texture: texture_2d<f32>;
@group(2) @binding(2) var base_color_sampler: sampler;
@group(2) @binding(3) var metallic_roughness_texture: texture_2d<f32>;
@group(2) @binding(4) var metallic_roughness_sampler: sampler;
@group(2) @binding(5) var emissive_texture: texture_2d<f32>;
@group(2) @binding(6) var emissive_sampler: sampler;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv0: vec2<f32>,
    @location(3) uv1: vec2<f32>,
    @location(4) color: vec4<f32>,
};

// Per instance (one object's mesh node): model → camera, the model's normal matrix
// (inverse-transpose of its 3×3 part, model → world) as columns, and x: instance id.
struct InstanceIn {
    @location(5) model_view_0: vec4<f32>,
    @location(6) model_view_1: vec4<f32>,
    @location(7) model_view_2: vec4<f32>,
    @location(8) model_view_3: vec4<f32>,
    @location(9) normal_0: vec4<f32>,
    @location(10) normal_1: vec4<f32>,
    @location(11) normal_2: vec4<f32>,
    @location(12) ids: vec4<u32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world_position: vec3<f32>,
    @location(1) world_normal: vec3<f32>,
    @location(2) uv0: vec2<f32>,
    @location(3) uv1: vec2<f32>,
    @location(4) color: vec4<f32>,
    @location(5) view_depth: f32,
    @location(6) @interpolate(flat) instance_id: u32,
};

// Both vertex entry points compute the same values with the same operations, so the two
// draw modes give identical images.
fn vertex(v: VertexIn, instance: InstanceIn) -> VertexOut {
    var out: VertexOut;
    let model_view = mat4x4<f32>(
        instance.model_view_0, instance.model_view_1, instance.model_view_2, instance.model_view_3
    );
    let view = model_view * vec4<f32>(v.position, 1.0);
    out.clip = frame.projection * view;
    out.world_position = (frame.view_to_world * view).xyz;
    let normal_matrix = mat3x3<f32>(instance.normal_0.xyz, instance.normal_1.xyz, instance.normal_2.xyz);
    out.world_normal = normal_matrix * v.normal;
    out.uv0 = v.uv0;
    out.uv1 = v.uv1;
    out.color = v.color;
    out.view_depth = view.z;
    out.instance_id = instance.ids.x;
    return out;
}

// Instanced draws: the instance's data arrives as per-instance vertex attributes.
@vertex
fn vs_instanced(v: VertexIn, instance: InstanceIn) -> VertexOut {
    return vertex(v, instance);
}

// One draw per instance: its data is the uniform at the draw's dynamic offset.
@vertex
fn vs_per_object(v: VertexIn) -> VertexOut {
    var instance: InstanceIn;
    instance.model_view_0 = object.model_view[0];
    instance.model_view_1 = object.model_view[1];
    instance.model_view_2 = object.model_view[2];
    instance.model_view_3 = object.model_view[3];
    instance.normal_0 = object.normal_0;
    instance.normal_1 = object.normal_1;
    instance.normal_2 = object.normal_2;
    instance.ids = object.ids;
    return vertex(v, instance);
}

struct FragmentOut {
    @location(0) color: vec4<f32>,
    @location(1) depth_bits: vec4<u32>,
    @location(2) instance_id: vec4<u32>,
};

fn pick_uv(tex_coord: u32, uv0: vec2<f32>, uv1: vec2<f32>) -> vec2<f32> {
    return select(uv0, uv1, tex_coord == 1u);
}

// GGX / Smith height-correlated / Schlick: the glTF metallic-roughness BRDF (spec appendix B).
fn brdf(n: vec3<f32>, v: vec3<f32>, l: vec3<f32>, base: vec3<f32>, metallic: f32, roughness: f32) -> vec3<f32> {
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
    let diffuse = (vec3<f32>(1.0) - fresnel) * (1.0 - metallic) * base / PI;
    let specular = fresnel * d * vis;
    return (diffuse + specular) * n_dot_l;
}

struct Surface {
    color: vec4<f32>,
    linear_depth: f32,
};

fn shade(in: VertexOut, front_facing: bool) -> Surface {
    let base_uv = pick_uv(material.tex_coords.x, in.uv0, in.uv1);
    let mr_uv = pick_uv(material.tex_coords.y, in.uv0, in.uv1);
    let emissive_uv = pick_uv(material.tex_coords.z, in.uv0, in.uv1);
    let base = material.base_color * in.color * textureSample(base_color_texture, base_color_sampler, base_uv);
    let mr = textureSample(metallic_roughness_texture, metallic_roughness_sampler, mr_uv);
    let emissive = material.emissive.rgb * textureSample(emissive_texture, emissive_sampler, emissive_uv).rgb;
    let metallic = clamp(material.params.x * mr.b, 0.0, 1.0);
    let roughness = clamp(material.params.y * mr.g, 0.0, 1.0);

    var n = normalize(in.world_normal);
    if !front_facing {
        n = -n;
    }
    let v = normalize(frame.camera_position.xyz - in.world_position);
    var color = frame.ambient.rgb * base.rgb + emissive;
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
        color = color + brdf(n, v, l, base.rgb, metallic, roughness) * radiance;
    }
    var out: Surface;
    out.color = vec4<f32>(color, base.a);
    out.linear_depth = in.view_depth;
    return out;
}

fn outputs(s: Surface, id: u32, alpha: f32) -> FragmentOut {
    var out: FragmentOut;
    out.color = vec4<f32>(s.color.rgb, alpha);
    out.depth_bits = vec4<u32>(bitcast<u32>(s.linear_depth), 0u, 0u, 0u);
    out.instance_id = vec4<u32>(id, 0u, 0u, 0u);
    return out;
}

// OPAQUE and MASK materials (the cutoff is 0 for OPAQUE, so nothing is discarded).
@fragment
fn fs_opaque(in: VertexOut, @builtin(front_facing) front_facing: bool) -> FragmentOut {
    let s = shade(in, front_facing);
    if s.color.a < material.params.z {
        discard;
    }
    return outputs(s, in.instance_id, 1.0);
}

// BLEND materials, fragments with alpha >= 0.5: blended colour, and they own the depth
// and label targets.
@fragment
fn fs_blend_labeled(in: VertexOut, @builtin(front_facing) front_facing: bool) -> FragmentOut {
    let s = shade(in, front_facing);
    if s.color.a < 0.5 {
        discard;
    }
    return outputs(s, in.instance_id, s.color.a);
}

// BLEND materials, fragments with alpha < 0.5: blended colour only (the pipeline masks
// the depth and label targets).
@fragment
fn fs_blend_unlabeled(in: VertexOut, @builtin(front_facing) front_facing: bool) -> FragmentOut {
    let s = shade(in, front_facing);
    if s.color.a >= 0.5 {
        discard;
    }
    return outputs(s, in.instance_id, s.color.a);
}

// The scene shader's shadows: the filtered lookup the scene pass makes, and the pass that
// draws the maps.

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

// The scene shader's shading: a fragment's surface, its light, tone mapping and the label
// outputs, and the scene pass's fragment entry points.

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

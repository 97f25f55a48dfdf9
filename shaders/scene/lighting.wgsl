// The scene shader's lighting: the BRDFs and their split-sum table, the environment's light,
// and the bounce of the sun off the frame's objects.

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

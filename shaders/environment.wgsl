// Prefiltering of an equirectangular environment map for glossy reflection, once per map:
// each mip level of the output holds the map convolved with the GGX lobe of one roughness
// (level k of n: roughness k / (n - 1)), under the split-sum assumption (view = normal =
// reflection), by filtered importance sampling (Křivánek and Colbert 2008): each sample
// reads the source at the mip level whose texel matches the sample's solid angle, so a
// few samples give a smooth result. Conventions as in src/assets/environment.rs.

const PI: f32 = 3.14159265358979;

struct Params {
    // x: roughness; y: samples; z: source mip levels; w: unused.
    settings: vec4<f32>,
    // xy: source size (level 0), zw: output size (this level).
    sizes: vec4<f32>,
};

@group(0) @binding(0) var source: texture_2d<f32>;
@group(0) @binding(1) var source_sampler: sampler;
@group(0) @binding(2) var<uniform> params: Params;

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let x = f32(index & 1u) * 4.0 - 1.0;
    let y = f32(index >> 1u) * 4.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

fn direction(uv: vec2<f32>) -> vec3<f32> {
    let phi = 2.0 * PI * (uv.x - 0.5);
    let theta = PI * uv.y;
    return vec3<f32>(sin(theta) * sin(phi), cos(theta), -sin(theta) * cos(phi));
}

fn equirect_uv(d: vec3<f32>) -> vec2<f32> {
    return vec2<f32>(atan2(d.x, -d.z) / (2.0 * PI) + 0.5, acos(clamp(d.y, -1.0, 1.0)) / PI);
}

// Sample i of n of the Hammersley set.
fn hammersley(i: u32, n: u32) -> vec2<f32> {
    return vec2<f32>(f32(i) / f32(n), f32(reverseBits(i)) * 2.3283064365386963e-10);
}

@fragment
fn fs_prefilter(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let uv = position.xy / params.sizes.zw;
    let n = direction(uv);
    let roughness = params.settings.x;
    let source_size = params.sizes.xy;
    let last_level = params.settings.z - 1.0;
    // The source level whose texels are as wide as this level's.
    let base_lod = clamp(log2(source_size.x / params.sizes.z), 0.0, last_level);
    if roughness <= 0.0 {
        return vec4<f32>(textureSampleLevel(source, source_sampler, uv, base_lod).rgb, 1.0);
    }
    let alpha = roughness * roughness;
    let a2 = alpha * alpha;
    let up = select(vec3<f32>(1.0, 0.0, 0.0), vec3<f32>(0.0, 1.0, 0.0), abs(n.y) < 0.999);
    let tangent = normalize(cross(up, n));
    let bitangent = cross(n, tangent);
    let samples = u32(params.settings.y);
    // Solid angle of a source texel at the equator, over sin θ.
    let texel = 2.0 * PI * PI / (source_size.x * source_size.y);
    var sum = vec3<f32>(0.0);
    var weight = 0.0;
    for (var i = 0u; i < samples; i = i + 1u) {
        let xi = hammersley(i, samples);
        // GGX half vector around n.
        let cos_h = sqrt((1.0 - xi.y) / (1.0 + (a2 - 1.0) * xi.y));
        let sin_h = sqrt(1.0 - cos_h * cos_h);
        let phi = 2.0 * PI * xi.x;
        let h = normalize(tangent * (sin_h * cos(phi)) + bitangent * (sin_h * sin(phi)) + n * cos_h);
        let l = 2.0 * dot(n, h) * h - n;
        let n_dot_l = dot(n, l);
        if n_dot_l > 0.0 {
            let d_denom = cos_h * cos_h * (a2 - 1.0) + 1.0;
            let d = a2 / (PI * d_denom * d_denom);
            // pdf of l = D(h) (n·h) / (4 v·h), with v = n.
            let pdf = max(d * 0.25, 1e-6);
            let sample_angle = 1.0 / (f32(samples) * pdf);
            let texel_angle = texel * max(sqrt(max(1.0 - l.y * l.y, 0.0)), 1e-3);
            let lod = clamp(0.5 * log2(sample_angle / texel_angle) + 1.0, base_lod, last_level);
            sum = sum + textureSampleLevel(source, source_sampler, equirect_uv(l), lod).rgb * n_dot_l;
            weight = weight + n_dot_l;
        }
    }
    return vec4<f32>(sum / max(weight, 1e-6), 1.0);
}

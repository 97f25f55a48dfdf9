// The scene shader's materials: procedural patterns, the texture pool, HSV shifts and each
// texture's coordinates.

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

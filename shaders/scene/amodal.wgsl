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

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

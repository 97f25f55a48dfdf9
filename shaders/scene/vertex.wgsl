// The scene shader's vertex stage: instance words → camera-frame position, normal, tangent and
// the material's per-instance randomization, for both draw modes.

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

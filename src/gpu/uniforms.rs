//! The data the shaders read, laid out as `shaders/scene/interface.wgsl` declares it: the frame
//! uniform (camera, lights, background), per-instance data and material uniforms, and
//! the projection matrix.

use bytemuck::{Pod, Zeroable};
use glam::{DMat3, DMat4, DVec3};

use super::bounce::{Bouncer, MAX_BOUNCERS};
use super::shadows::{LightShadow, MAX_SHADOW_VIEWS, ShadowPlan};
use crate::geometry::srgb_to_linear;
use crate::scene::{
    FrameScene, LightSample, MAX_LIGHTS, MaterialSample, PatternKind, TextureSample,
};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct LightUniform {
    /// x: 0 directional, 1 point, 2 spot; y, z: cosines of a spot's inner and outer cone.
    kind: [f32; 4],
    /// Directional: unit direction of travel. Point and spot: world position.
    vector: [f32; 4],
    /// Linear RGB colour × intensity.
    radiance: [f32; 4],
    /// Spot: unit direction of the cone's axis.
    axis: [f32; 4],
    /// x: first shadow view (< 0: none), y: filter radius (texels), z: the light's map
    /// side over the array's, w: world size of a texel.
    shadow: [f32; 4],
    /// x: 1 / side of the shadow array's layers.
    shadow_b: [f32; 4],
}

/// A texture's two vec3 parameters: its colours (linear) for a pattern; for a pool
/// image, (offset u, offset v, layer) and unused.
fn pattern_colors(t: &TextureSample) -> ([f64; 3], [f64; 3]) {
    match (t.pattern, t.offset) {
        (PatternKind::Image, Some([u, v])) => ([u, v, f64::from(t.layer)], [1.0; 3]),
        _ => (
            t.colors[0].map(srgb_to_linear),
            t.colors[1].map(srgb_to_linear),
        ),
    }
}

fn vec4(v: [f64; 3], w: f32) -> [f32; 4] {
    DVec3::from_array(v).as_vec3().extend(w).to_array()
}

/// A light's uniform, its radiance scaled by the exposure, its shadow as `shadow` plans
/// it in an array of `shadow_side`² layers.
fn light_uniform(
    light: &LightSample,
    exposure: f64,
    shadow: Option<&LightShadow>,
    shadow_side: u32,
) -> LightUniform {
    let mut uniform = unshadowed_light_uniform(light, exposure);
    uniform.shadow = shadow.map_or([-1.0, 0.0, 0.0, 0.0], |s| {
        // The viewport's share of the layer: the array may be larger than this frame's
        // largest map (it only grows).
        let uv_scale = s.map_size as f32 / shadow_side.max(1) as f32;
        [s.first_layer as f32, s.softness, uv_scale, s.texel]
    });
    uniform.shadow_b = [1.0 / shadow_side.max(1) as f32, 0.0, 0.0, 0.0];
    uniform
}

fn unshadowed_light_uniform(light: &LightSample, exposure: f64) -> LightUniform {
    let radiance = |r: [f64; 3]| vec4(r.map(|c| c * exposure), 0.0);
    match *light {
        LightSample::Directional {
            direction,
            radiance_linear,
            ..
        } => LightUniform {
            kind: [0.0; 4],
            vector: vec4(direction, 0.0),
            radiance: radiance(radiance_linear),
            ..LightUniform::zeroed()
        },
        LightSample::Point {
            position,
            radiance_linear,
            ..
        } => LightUniform {
            kind: [1.0, 0.0, 0.0, 0.0],
            vector: vec4(position, 1.0),
            radiance: radiance(radiance_linear),
            ..LightUniform::zeroed()
        },
        LightSample::Spot {
            position,
            direction,
            inner_cone_deg,
            outer_cone_deg,
            radiance_linear,
            ..
        } => LightUniform {
            kind: [
                2.0,
                libm::cos(inner_cone_deg.to_radians()) as f32,
                libm::cos(outer_cone_deg.to_radians()) as f32,
                0.0,
            ],
            vector: vec4(position, 1.0),
            radiance: radiance(radiance_linear),
            axis: vec4(direction, 0.0),
            ..LightUniform::zeroed()
        },
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct FrameUniform {
    projection: [[f32; 4]; 4],
    view_to_world: [[f32; 4]; 4],
    camera_position: [f32; 4],
    ambient: [f32; 4],
    /// x: lights; y: background pattern (0: none); z, w: image width and height.
    counts: [u32; 4],
    /// Background pattern colour A (linear), scale.
    background_a: [f32; 4],
    /// Background pattern colour B (linear), angle (radians).
    background_b: [f32; 4],
    /// x: 1 when some texture this frame samples the image pool.
    flags: [u32; 4],
    /// x: albedo of the ground that bounces directional light.
    bounce: [f32; 4],
    /// x, y: cosine and sine of the environment's turn about +y; z: the prefiltered
    /// specular map's last mip level; w: unused.
    environment: [f32; 4],
    /// The environment's radiance scale × the exposure (linear RGB).
    environment_scale: [f32; 4],
    /// The environment's irradiance over π as spherical harmonics (map frame), scaled.
    environment_sh: [[f32; 4]; 9],
    /// Columns of the matrix taking a fragment's window position (x, y, 1) to the world
    /// direction of its ray (for an environment background).
    pixel_to_ray: [[f32; 4]; 3],
    lights: [LightUniform; MAX_LIGHTS],
    /// Objects that bounce directional light, as spheres: centre and radius², then
    /// (2/3) × linear albedo × radius² (`bounce.y` of them; `shaders/scene/lighting.wgsl`'s
    /// `objects_bounce` says why).
    bouncers: [[f32; 4]; 2 * MAX_BOUNCERS],
    /// World → clip of each shadow view.
    shadow_matrices: [[[f32; 4]; 4]; MAX_SHADOW_VIEWS],
}

/// Per-instance data of one (object, mesh node) pair. The instance buffer holds one per
/// [`super::draws::INSTANCE_STRIDE`] bytes; [`super::pipelines::DrawMode::Instanced`] reads them as instanced vertex
/// attributes, [`super::pipelines::DrawMode::PerObject`] as a uniform at a dynamic offset.
///
/// Ten vec4 words of 32-bit values (floats as their bits), so the instanced path stays
/// within 16 vertex attributes; `shaders/scene/vertex.wgsl` (`view_position`,
/// `vertex_with_tangent`) reads the same layout:
/// - 0-2: rows 0-2 of the affine model → camera matrix;
/// - 3-5.x: the model's normal matrix (inverse-transpose of its 3×3 part, model → world)
///   as columns; 5.y: instance id; 5.z: procedural pattern (0: none); 5.w: the
///   object's bouncer slot + 1 (0: none; [`super::bounce`]);
/// - 6: material colour override (linear RGB; x < 0: none), roughness override (< 0: none);
/// - 7: HSV shift (hue degrees, saturation and value multipliers), metallic override;
/// - 8: pattern colour A (linear RGB), scale; 9: pattern colour B, angle (radians).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct InstanceData {
    words: [[u32; 4]; 10],
}

impl InstanceData {
    pub(super) fn new(
        model_view: DMat4,
        normal: DMat3,
        instance_id: u16,
        material: Option<&MaterialSample>,
        bouncer_slot: u32,
    ) -> Self {
        let f = |v: f64| (v as f32).to_bits();
        let mv = model_view.transpose().to_cols_array_2d(); // rows
        let n = normal.to_cols_array(); // column-major 9 values
        let none = -1.0;
        let linear = |c: [f64; 3]| c.map(srgb_to_linear);
        let plain = MaterialSample::default();
        let m = material.unwrap_or(&plain);
        let color = m.color.map_or([none; 3], linear);
        let hsv = m.hsv_jitter.unwrap_or([0.0, 1.0, 1.0]);
        let (pattern, a, b, scale, angle) = match &m.texture {
            Some(t) => {
                let (a, b) = pattern_colors(t);
                (t.pattern as u32, a, b, t.scale, t.angle_deg.to_radians())
            }
            None => (0, [0.0; 3], [0.0; 3], 1.0, 0.0),
        };
        Self {
            words: [
                mv[0].map(f),
                mv[1].map(f),
                mv[2].map(f),
                [f(n[0]), f(n[1]), f(n[2]), f(n[3])],
                [f(n[4]), f(n[5]), f(n[6]), f(n[7])],
                [f(n[8]), u32::from(instance_id), pattern, bouncer_slot],
                [
                    f(color[0]),
                    f(color[1]),
                    f(color[2]),
                    f(m.roughness.unwrap_or(none)),
                ],
                [
                    f(hsv[0]),
                    f(hsv[1]),
                    f(hsv[2]),
                    f(m.metallic.unwrap_or(none)),
                ],
                [f(a[0]), f(a[1]), f(a[2]), f(scale)],
                [f(b[0]), f(b[1]), f(b[2]), f(angle)],
            ],
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct MaterialUniform {
    pub(super) base_color: [f32; 4],
    pub(super) emissive: [f32; 4],
    /// Metallic, roughness, alpha cutoff (MASK; 0 otherwise), unused.
    pub(super) params: [f32; 4],
    /// TEXCOORD set of the base colour, metallic-roughness, emissive and normal textures.
    pub(super) tex_coords: [u32; 4],
    /// Normal scale, occlusion strength, 1 with a normal map, 1 with an occlusion map.
    pub(super) maps: [f32; 4],
    /// TEXCOORD set of the occlusion texture; unused.
    pub(super) tex_coords_b: [u32; 4],
    /// Each texture's KHR_texture_transform rows (base colour, metallic-roughness,
    /// emissive, normal, occlusion): rows 2k and 2k + 1 for texture k.
    pub(super) uv_transforms: [[f32; 4]; 10],
}

impl FrameUniform {
    /// The frame's camera, lights, ambient and background for a `width`×`height` image,
    /// with the shadow views of `shadows` in an array of `shadow_side`² layers.
    pub(super) fn new(
        scene: &FrameScene,
        (view, proj): (DMat4, DMat4),
        (width, height): (u32, u32),
        shadows: &ShadowPlan,
        shadow_side: u32,
        environment: Option<&EnvironmentLight>,
        bouncers: &[Bouncer],
    ) -> Self {
        let background = scene.background_texture.as_ref();
        let mut lights = [LightUniform::zeroed(); MAX_LIGHTS];
        let exposure = scene.exposure_scale();
        for (k, (slot, light)) in lights.iter_mut().zip(&scene.lights).enumerate() {
            let shadow = shadows.lights.get(k).and_then(Option::as_ref);
            *slot = light_uniform(light, exposure, shadow, shadow_side);
        }
        let mut shadow_matrices = [[[0.0; 4]; 4]; MAX_SHADOW_VIEWS];
        for (slot, v) in shadow_matrices.iter_mut().zip(&shadows.views) {
            *slot = v.world_to_clip.as_mat4().to_cols_array_2d();
        }
        Self {
            projection: proj.as_mat4().to_cols_array_2d(),
            view_to_world: view.inverse().as_mat4().to_cols_array_2d(),
            camera_position: DVec3::from_array(scene.camera.position)
                .as_vec3()
                .extend(1.0)
                .to_array(),
            ambient: (DVec3::from_array(scene.ambient_linear) * exposure)
                .as_vec3()
                .extend(0.0)
                .to_array(),
            counts: [
                scene.lights.len().min(MAX_LIGHTS) as u32,
                background.map_or(0, |t| t.pattern as u32),
                width,
                height,
            ],
            background_a: background
                .map_or([0.0; 4], |t| vec4(pattern_colors(t).0, t.scale as f32)),
            background_b: background.map_or([0.0; 4], |t| {
                vec4(pattern_colors(t).1, t.angle_deg.to_radians() as f32)
            }),
            flags: [u32::from(uses_pool(scene)), 0, 0, 0],
            bounce: [
                scene.render.ground_bounce as f32,
                bouncers.len().min(MAX_BOUNCERS) as f32,
                0.0,
                0.0,
            ],
            environment: environment.map_or([0.0; 4], |e| {
                let turn = e.rotation_deg.to_radians();
                [
                    libm::cos(turn) as f32,
                    libm::sin(turn) as f32,
                    e.last_level as f32,
                    0.0,
                ]
            }),
            environment_scale: environment
                .map_or([0.0; 4], |e| vec4(e.scale.map(|c| c * exposure), 0.0)),
            environment_sh: environment.map_or([[0.0; 4]; 9], |e| {
                e.sh.map(|c| {
                    let c = std::array::from_fn(|k| f64::from(c[k]) * e.scale[k] * exposure);
                    vec4(c, 0.0)
                })
            }),
            pixel_to_ray: pixel_to_ray(scene, view),
            lights,
            bouncers: {
                let mut out = [[0.0; 4]; 2 * MAX_BOUNCERS];
                for (k, b) in bouncers.iter().take(MAX_BOUNCERS).enumerate() {
                    let r2 = b.radius * b.radius;
                    out[2 * k] = vec4(b.centre.to_array(), r2 as f32);
                    out[2 * k + 1] = vec4(b.albedo.map(|a| 2.0 / 3.0 * a * r2), 0.0);
                }
                out
            },
            shadow_matrices,
        }
    }
}

/// What the shaders need of a frame's environment beyond its textures.
pub(super) struct EnvironmentLight {
    /// Turn about +y, degrees.
    pub(super) rotation_deg: f64,
    /// Radiance scale (before the exposure).
    pub(super) scale: [f64; 3],
    /// The map's irradiance coefficients.
    pub(super) sh: [[f32; 3]; 9],
    /// Last mip level of its prefiltered specular map.
    pub(super) last_level: u32,
}

/// Window position (x, y, 1) → world ray direction: the camera's rotation after the
/// inverse of the raster intrinsics (window coordinates of a pixel's centre are its
/// OpenCV coordinates + 0.5).
fn pixel_to_ray(scene: &FrameScene, view: DMat4) -> [[f32; 4]; 3] {
    let (fx, fy, cx, cy) = scene.camera.raster_intrinsics();
    let k_inv = DMat3::from_cols(
        DVec3::new(1.0 / fx, 0.0, 0.0),
        DVec3::new(0.0, 1.0 / fy, 0.0),
        DVec3::new(-cx / fx, -cy / fy, 1.0),
    );
    let rotation = DMat3::from_mat4(view.inverse());
    let m = rotation * k_inv;
    [m.x_axis, m.y_axis, m.z_axis].map(|c| c.as_vec3().extend(0.0).to_array())
}

/// Whether any texture of `scene` (an object's or the background's) is a pool image.
fn uses_pool(scene: &FrameScene) -> bool {
    let image = |t: Option<&TextureSample>| t.is_some_and(|t| t.pattern == PatternKind::Image);
    image(scene.background_texture.as_ref())
        || scene
            .objects
            .iter()
            .any(|o| image(o.material.as_ref().and_then(|m| m.texture.as_ref())))
}

/// Clip-space projection for a pinhole camera in the OpenCV frame with reversed-Z depth
/// (1 at `near`, 0 at `far`) for precision.
pub fn projection(
    (fx, fy, cx, cy): (f64, f64, f64, f64),
    width: u32,
    height: u32,
    near: f64,
    far: f64,
) -> DMat4 {
    let (w, h) = (f64::from(width), f64::from(height));
    let a = -near / (far - near);
    let b = near * far / (far - near);
    DMat4::from_cols_array_2d(&[
        [2.0 * fx / w, 0.0, 2.0 * cx / w - 1.0, 0.0],
        [0.0, -2.0 * fy / h, 1.0 - 2.0 * cy / h, 0.0],
        [0.0, 0.0, a, b],
        [0.0, 0.0, 1.0, 0.0],
    ])
    .transpose()
}

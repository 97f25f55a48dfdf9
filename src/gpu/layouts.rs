//! The bind group layouts every pipeline is made against, and the pipeline layouts of
//! the scene, amodal and shadow passes.

/// The bind group layouts: 0 the frame (uniform, image pool, its sampler, shadow maps,
/// their comparison sampler, the GGX albedo table), 1 the instance data (a uniform at a dynamic offset), 2 a
/// material (uniform, five textures and their samplers), 3 the environment in the scene
/// pass (its maps and sampler) or a pass's own resources in the amodal and shadow passes.
pub(super) struct Layouts {
    /// Group 0.
    pub(super) frame: wgpu::BindGroupLayout,
    /// Group 1.
    pub(super) instance: wgpu::BindGroupLayout,
    /// Group 2.
    pub(super) material: wgpu::BindGroupLayout,
    /// Group 3 of the scene pass: the environment maps.
    pub(super) environment: wgpu::BindGroupLayout,
    /// Groups 0-3 of the scene pass.
    pub(super) pipeline: wgpu::PipelineLayout,
    /// The environment background: groups 0 and 3.
    pub(super) environment_background: wgpu::PipelineLayout,
    /// Group 3 of the amodal passes: their uniform and the per-pixel bitmask.
    pub(super) amodal: wgpu::BindGroupLayout,
    /// Groups 0-3 of the amodal passes.
    pub(super) amodal_pipeline: wgpu::PipelineLayout,
    /// Group 3 of the shadow pass: the view's transform at a dynamic offset.
    pub(super) shadow_view: wgpu::BindGroupLayout,
    /// Groups 0-3 of the shadow pass.
    pub(super) shadow_pipeline: wgpu::PipelineLayout,
}

/// A filterable float texture read by fragment shaders.
pub(super) fn texture_entry(
    binding: u32,
    view_dimension: wgpu::TextureViewDimension,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension,
            multisampled: false,
        },
        count: None,
    }
}

/// A filtering sampler read by fragment shaders.
pub(super) fn sampler_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

impl Layouts {
    pub(super) fn new(device: &wgpu::Device) -> Self {
        let uniform_entry = |binding, dynamic| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: dynamic,
                min_binding_size: None,
            },
            count: None,
        };
        let frame = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("frame"),
            entries: &[
                uniform_entry(0, false),
                texture_entry(1, wgpu::TextureViewDimension::D2Array),
                sampler_entry(2),
                wgpu::BindGroupLayoutEntry {
                    binding: 3,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Depth,
                        view_dimension: wgpu::TextureViewDimension::D2Array,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 4,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                    count: None,
                },
                texture_entry(5, wgpu::TextureViewDimension::D2),
            ],
        });
        let instance = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("instance"),
            entries: &[uniform_entry(0, true)],
        });
        let mut material_entries = vec![uniform_entry(0, false)];
        // Base colour, metallic-roughness, emissive, normal, occlusion.
        for k in 0..5u32 {
            material_entries.push(texture_entry(1 + 2 * k, wgpu::TextureViewDimension::D2));
            material_entries.push(sampler_entry(2 + 2 * k));
        }
        let material = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("material"),
            entries: &material_entries,
        });
        // Bindings 0-2 of group 3 belong to the amodal and shadow passes.
        let environment = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("environment"),
            entries: &[
                texture_entry(3, wgpu::TextureViewDimension::D2),
                texture_entry(4, wgpu::TextureViewDimension::D2),
                sampler_entry(5),
            ],
        });
        let pipeline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene"),
            bind_group_layouts: &[
                Some(&frame),
                Some(&instance),
                Some(&material),
                Some(&environment),
            ],
            immediate_size: 0,
        });
        let environment_background =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("environment background"),
                bind_group_layouts: &[Some(&frame), None, None, Some(&environment)],
                immediate_size: 0,
            });
        let amodal = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("amodal"),
            entries: &[
                uniform_entry(0, false),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: false },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let amodal_pipeline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("amodal"),
            bind_group_layouts: &[
                Some(&frame),
                Some(&instance),
                Some(&material),
                Some(&amodal),
            ],
            immediate_size: 0,
        });
        let shadow_view = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("shadow view"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 2,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let shadow_pipeline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("shadow"),
            bind_group_layouts: &[
                Some(&frame),
                Some(&instance),
                Some(&material),
                Some(&shadow_view),
            ],
            immediate_size: 0,
        });
        Self {
            frame,
            instance,
            material,
            environment,
            pipeline,
            environment_background,
            amodal,
            amodal_pipeline,
            shadow_view,
            shadow_pipeline,
        }
    }
}

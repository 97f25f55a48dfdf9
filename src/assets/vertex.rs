//! [`Vertex`]: one vertex of a mesh as the GPU reads it (the meshes and the tangent
//! generator both build on it).

use bytemuck::{Pod, Zeroable};

/// One vertex as the GPU reads it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct Vertex {
    /// Position in mesh space.
    pub position: [f32; 3],
    /// Unit normal in mesh space.
    pub normal: [f32; 3],
    /// TEXCOORD_0.
    pub uv0: [f32; 2],
    /// TEXCOORD_1.
    pub uv1: [f32; 2],
    /// COLOR_0 (linear RGBA; white when absent).
    pub color: [f32; 4],
    /// TANGENT: unit tangent in mesh space and the bitangent's sign in w (from the file,
    /// else MikkTSpace where the material has a normal map; zero: none).
    pub tangent: [f32; 4],
}

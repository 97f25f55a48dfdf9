//! The render passes of a frame, one file each, recorded in order by
//! [`super::Renderer::submit`]. Today there is one, [`scene`]; shadow maps, environment
//! prefiltering and post-processing passes go beside it.

pub(super) mod scene;

//! synthvis' integration tests: one binary with a module per concern (as ripgrep does).
//!
//! Every test binary links wgpu, so one binary instead of one per file saves CI several
//! minutes of linking. Run a concern alone with `cargo test --test it cli::`.

mod common;

mod asset_sets;
mod bad_inputs;
mod cli;
mod cluster;
mod compressed;
mod determinism;
mod distributions;
mod docs;
mod environment;
mod export;
mod geometry;
mod gltf_features;
mod golden;
mod gpu;
mod layering;
mod light_transport;
mod look_goldens;
mod mesh_files;
mod outputs;
mod physics;
mod properties;
mod randomizers;
mod realism;
mod render_api;
mod rle;
mod samples;
mod scale;
mod scenes;
mod schema;
mod sequences;
mod sweep;
mod visibility;
mod webdataset;

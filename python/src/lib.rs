//! `synthvis._native`: the Rust half of the Python package. It wraps the library's render
//! API ([`synthvis::Renderer`]) and its command line ([`synthvis::cli::main`]); the
//! pure-Python package (`python/synthvis`) re-exports it and adds the PyTorch datasets.
//!
//! - `spec`: `Spec`, a validated scene spec (a file, a dict, or either with overrides).
//! - `renderer`: `Renderer`, which opens its device lazily and renders frames with the
//!   GIL released; `FrameIterator`, the pipelined sequence `Renderer.frames` returns.
//! - `frame`: `Frame`, whose arrays are NumPy arrays owning the buffers Rust filled.
//! - `errors`: the library's errors as `synthvis.errors` exceptions.

use pyo3::prelude::*;

mod errors;
mod frame;
mod json;
mod renderer;
mod spec;

/// Runs the `synthvis` command line with `argv` (program name first) and returns its exit
/// code: the same function the cargo-built binary calls.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| synthvis::cli::main(argv))
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<spec::Spec>()?;
    m.add_class::<renderer::Renderer>()?;
    m.add_class::<renderer::FrameIterator>()?;
    m.add_class::<frame::Frame>()?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    Ok(())
}

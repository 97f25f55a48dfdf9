//! The library's errors as the exceptions `synthvis.errors` defines (in Python, so that
//! `SpecError` can be both a `SynthvisError` and a `ValueError`), with the messages the
//! command line prints.

use pyo3::PyErr;
use pyo3::import_exception;
use synthvis::inspect::InspectError;
use synthvis::randomize::RandomizeError;
use synthvis::render::RenderError as LibRenderError;
use synthvis::spec::SpecError as LibSpecError;

import_exception!(synthvis.errors, SpecError);
import_exception!(synthvis.errors, AssetError);
import_exception!(synthvis.errors, RenderError);

/// The message the command line prints for `e` (after `error: `).
fn message(e: &(dyn std::error::Error + 'static)) -> String {
    synthvis::cli::error_message(e)
}

/// A spec that cannot be read, parsed or validated.
pub fn spec(e: &LibSpecError) -> PyErr {
    SpecError::new_err(message(e))
}

/// A spec whose placements or views cannot be met is bad input, as on the command line;
/// a spec whose objects need bounds its assets lack is a failure of ours.
fn randomize(e: &RandomizeError) -> PyErr {
    match e {
        RandomizeError::NeedsAssetBounds => RenderError::new_err(message(e)),
        _ => SpecError::new_err(message(e)),
    }
}

/// A render that failed.
pub fn render(e: &LibRenderError) -> PyErr {
    match e {
        LibRenderError::Asset(inner) => AssetError::new_err(message(inner)),
        LibRenderError::Randomize(inner) => randomize(inner),
        _ => RenderError::new_err(message(e)),
    }
}

/// A scene that could not be sampled.
pub fn inspect(e: &InspectError) -> PyErr {
    match e {
        InspectError::Spec(inner) => spec(inner),
        InspectError::Asset(inner) => AssetError::new_err(message(inner)),
        InspectError::Randomize(inner) => randomize(inner),
    }
}

/// A misuse of the renderer, or a failure outside the library (a thread that would not
/// start), as `RenderError`.
pub fn runtime(text: impl Into<String>) -> PyErr {
    RenderError::new_err(text.into())
}

/// Bad input that is not a spec file's (an override that names nothing), as `SpecError`.
pub fn invalid(text: impl Into<String>) -> PyErr {
    SpecError::new_err(text.into())
}

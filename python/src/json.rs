//! Rust values to Python objects through JSON text: what the library writes as JSON
//! becomes exactly what `json.load` gives for the written file.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use serde::Serialize;

/// `json.loads`, imported once.
static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Parses JSON `text` with Python's `json.loads`.
pub fn loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    let text = std::str::from_utf8(text)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    loads.bind(py).call1((text,))
}

/// `value` as the Python object `json.loads` makes of its JSON.
pub fn to_python<'py>(py: Python<'py>, value: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_vec(value)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    loads(py, &text)
}

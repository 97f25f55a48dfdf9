//! `Spec`: a scene spec read, validated and resolved once, from a file or a dict, with
//! JSON-pointer overrides as sweeps use. Asset paths resolve against the spec's folder,
//! made absolute, so a spec means the same in every process it is pickled into.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use synthvis::LoadedSpec;

use crate::{errors, json};

/// The file name a spec made from a dict or JSON text is known by (in messages), in its
/// base folder.
const IN_MEMORY_NAME: &str = "<spec>";

/// A scene spec: read, validated and resolved. `Spec(path)` reads a file;
/// `Spec.from_dict(d, base_dir)` and `Spec.from_json(text, base_dir)` take the spec
/// itself, with relative asset paths resolved against `base_dir`. Invalid specs raise
/// `SpecError` naming the file and field.
#[pyclass(frozen, module = "synthvis._native", name = "Spec")]
#[derive(Clone)]
pub struct Spec {
    pub(crate) loaded: Arc<LoadedSpec>,
}

impl Spec {
    /// The spec in `bytes`, known as `file`.
    fn from_bytes(py: Python<'_>, bytes: Vec<u8>, file: PathBuf) -> PyResult<Self> {
        let loaded = py
            .detach(|| LoadedSpec::from_bytes(bytes, &file))
            .map_err(|e| errors::spec(&e))?;
        Ok(Self {
            loaded: Arc::new(loaded),
        })
    }

    /// Reads the spec file at `path`.
    pub(crate) fn open(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let file = absolute(&path)?;
        let loaded = py
            .detach(|| LoadedSpec::from_file(&file))
            .map_err(|e| errors::spec(&e))?;
        Ok(Self {
            loaded: Arc::new(loaded),
        })
    }

    /// The spec JSON as a `serde_json` value.
    fn document(&self) -> PyResult<serde_json::Value> {
        serde_json::from_slice(&self.loaded.bytes)
            .map_err(|e| errors::invalid(format!("{}: {e}", self.loaded.file.display())))
    }
}

/// `path` made absolute against the working directory (not resolving links).
fn absolute(path: &Path) -> PyResult<PathBuf> {
    std::path::absolute(path)
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display())))
}

/// Python's `json.dumps(obj)`, as bytes.
fn dumps(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let text = obj
        .py()
        .import("json")?
        .call_method1("dumps", (obj,))?
        .extract::<String>()?;
    Ok(text.into_bytes())
}

#[pymethods]
impl Spec {
    /// Reads the spec file at `path` (a `str` or `os.PathLike`).
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Self::open(py, path)
    }

    /// The spec `data` (a dict, as `json.load` gives), with relative paths resolved
    /// against `base_dir` (default: the working directory).
    #[staticmethod]
    #[pyo3(signature = (data, base_dir = None))]
    fn from_dict(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        base_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let bytes = dumps(data)?;
        let folder = absolute(&base_dir.unwrap_or_else(|| PathBuf::from(".")))?;
        Self::from_bytes(py, bytes, folder.join(IN_MEMORY_NAME))
    }

    /// The spec in JSON `text`, with relative paths resolved against `base_dir` (default:
    /// the working directory).
    #[staticmethod]
    #[pyo3(signature = (text, base_dir = None))]
    fn from_json(py: Python<'_>, text: &str, base_dir: Option<PathBuf>) -> PyResult<Self> {
        let folder = absolute(&base_dir.unwrap_or_else(|| PathBuf::from(".")))?;
        Self::from_bytes(py, text.as_bytes().to_vec(), folder.join(IN_MEMORY_NAME))
    }

    /// This spec with each `{pointer: value}` of `overrides` set: JSON pointers into the
    /// spec, as sweeps take them (`{"/lights/0/intensity": [2, 5]}`); a missing last key
    /// of an existing object is added. The result is validated again.
    fn with_overrides(&self, overrides: &Bound<'_, PyDict>) -> PyResult<Self> {
        let mut doc = self.document()?;
        for (pointer, value) in overrides.iter() {
            let pointer: String = pointer.extract()?;
            let value: serde_json::Value = serde_json::from_slice(&dumps(&value)?)
                .map_err(|e| errors::invalid(format!("override {pointer}: {e}")))?;
            synthvis::spec::edit::set_pointer(&mut doc, &pointer, value)
                .map_err(|m| errors::invalid(format!("override {pointer}: {m}")))?;
        }
        let bytes = serde_json::to_vec_pretty(&doc)
            .map_err(|e| errors::invalid(format!("overrides: {e}")))?;
        Self::from_bytes(overrides.py(), bytes, self.loaded.file.clone())
    }

    /// The spec as a dict (its JSON as written, before defaults are filled in).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json::loads(py, &self.loaded.bytes)
    }

    /// The spec as JSON text, as written.
    fn to_json(&self) -> PyResult<String> {
        String::from_utf8(self.loaded.bytes.clone())
            .map_err(|e| errors::invalid(format!("{}: {e}", self.loaded.file.display())))
    }

    /// Writes the spec to `path` as JSON with every relative asset path, image folder
    /// and environment map made absolute, so that the file renders the same spec from
    /// wherever it is (`synthvis render PATH`).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        let mut doc = self.document()?;
        let folder = self.loaded.file.parent().unwrap_or(Path::new("/"));
        synthvis::spec::edit::absolutize_paths(&mut doc, folder);
        let mut text = serde_json::to_vec_pretty(&doc)
            .map_err(|e| errors::invalid(format!("{}: {e}", self.loaded.file.display())))?;
        text.push(b'\n');
        std::fs::write(&path, text)
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display())))
    }

    /// The spec file (for a spec made from a dict or text: `<spec>` in its base folder).
    #[getter]
    fn path(&self) -> PathBuf {
        self.loaded.file.clone()
    }

    /// The frames (images) a render of this spec produces (`0..frames`): with a
    /// sequence, `sequences × steps × len(cameras)`, frame `i` being camera
    /// `i % len(cameras)` at step `(i // len(cameras)) % steps` of sequence
    /// `i // (steps × len(cameras))`.
    #[getter]
    fn frames(&self) -> u64 {
        self.loaded.spec.images()
    }

    /// The sequences a render produces (the spec's `frames`), or `None` when its frames
    /// are stills.
    #[getter]
    fn sequences(&self) -> Option<u64> {
        self.loaded.spec.sequence.map(|_| self.loaded.spec.frames)
    }

    /// Steps per sequence (1 for stills).
    #[getter]
    fn steps(&self) -> u32 {
        self.loaded.spec.sequence.map_or(1, |s| s.steps)
    }

    /// The cameras filming each step, in rig order (`["camera"]` without a rig).
    #[getter]
    pub(crate) fn cameras(&self) -> Vec<String> {
        let rig = &self.loaded.resolved.rig;
        if rig.is_empty() {
            vec![synthvis::motion::DEFAULT_CAMERA.to_owned()]
        } else {
            rig.iter().map(|c| c.name.clone()).collect()
        }
    }

    /// The spec's run seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.loaded.spec.seed
    }

    /// `(width, height)` in pixels.
    #[getter]
    fn resolution(&self) -> (u32, u32) {
        let r = self.loaded.spec.resolution;
        (r.width, r.height)
    }

    /// Category names in id order: the first is category id 1 (0 is background).
    #[getter]
    fn categories(&self) -> Vec<String> {
        (self.loaded.spec.categories.iter())
            .map(|c| c.name.clone())
            .collect()
    }

    /// The image files each frame has, by the names `Frame` uses (`rgb`, `depth`,
    /// `depth_exr`, `instance`, `class`, `normals`, `nocs`, `amodal_masks`) and whether
    /// the spec asks for them.
    #[getter]
    fn outputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json::to_python(py, &self.loaded.spec.outputs)
    }

    /// Pickles as the spec's text and file, read again (and validated) on unpickling.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let restore = py.get_type::<Spec>().getattr("_restore")?;
        let args = (
            PyBytes::new(py, &self.loaded.bytes),
            self.loaded.file.clone(),
        );
        PyTuple::new(py, [restore, args.into_pyobject(py)?.into_any()])
    }

    /// Unpickles a spec (see `__reduce__`).
    #[staticmethod]
    fn _restore(py: Python<'_>, bytes: Vec<u8>, file: PathBuf) -> PyResult<Self> {
        Self::from_bytes(py, bytes, file)
    }

    fn __repr__(&self) -> String {
        let (w, h) = self.resolution();
        format!(
            "Spec({:?}, frames={}, resolution={w}x{h}, seed={})",
            self.loaded.file.display().to_string(),
            self.frames(),
            self.seed()
        )
    }
}

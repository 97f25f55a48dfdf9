//! `Frame`: one rendered, labelled frame, its images as NumPy arrays that own the
//! buffers Rust filled, its labels as the dicts the dataset files hold.

use numpy::ndarray::{Array, Array1, Array2, Array3, Dimension, ShapeError};
use numpy::{IntoPyArray, PyArray, PyArray2, PyArray3, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use synthvis::gpu::unpack_normal;
use synthvis::labels::InstanceLabel;
use synthvis::labels::flow::FlowDirection;
use synthvis::output::coco::coco_iscrowd;
use synthvis::spec::OutputsSpec;

use crate::{errors, json};

/// A frame with its images converted as `Frame` holds them, made without the GIL (on the
/// thread that renders, or with the GIL released); [`PreparedFrame::into_python`] then
/// only moves the buffers into NumPy arrays.
pub struct PreparedFrame {
    frame: synthvis::Frame,
    outputs: OutputsSpec,
    rgb: Vec<u8>,
    depth: Vec<f32>,
    instance: Vec<u16>,
    class_ids: Vec<u16>,
    normals: Option<Vec<f32>>,
    nocs: Option<Vec<u16>>,
    /// Forward and backward flow, `(dx, dy)` interleaved.
    flow: [Option<Vec<f32>>; 2],
    disparity: Option<Vec<f32>>,
}

impl PreparedFrame {
    /// Converts `frame`'s buffers; normals and object coordinates only where `outputs`
    /// asks for them.
    pub fn new(mut frame: synthvis::Frame, outputs: &OutputsSpec) -> Self {
        let class_ids = frame.class_ids();
        let nocs = outputs.nocs.then(|| frame.object_coordinates());
        let normals = (outputs.normals && !frame.buffers.normals.is_empty()).then(|| {
            (frame.buffers.normals.iter())
                .flat_map(|&p| unpack_normal(p).unwrap_or([0.0; 3]))
                .collect()
        });
        let flow = [FlowDirection::Forward, FlowDirection::Backward].map(|d| {
            outputs
                .flow
                .then(|| frame.optical_flow(d).ok().flatten())
                .flatten()
                .map(|f| f.into_iter().flatten().collect())
        });
        let disparity = outputs
            .disparity
            .then(|| synthvis::output::frame::disparity(&frame.scene, &frame.buffers.depth))
            .flatten();
        // Instance ids are u16 in the labels and the 16-bit PNG; the buffer holds u32.
        let instance = (frame.buffers.instance.iter())
            .map(|&id| u16::try_from(id).unwrap_or(u16::MAX))
            .collect();
        let buffers = &mut frame.buffers;
        let rgb = std::mem::take(&mut buffers.rgb);
        let depth = std::mem::take(&mut buffers.depth);
        buffers.instance = Vec::new();
        buffers.normals = Vec::new();
        Self {
            outputs: outputs.clone(),
            rgb,
            depth,
            instance,
            class_ids,
            normals,
            nocs,
            flow,
            disparity,
            frame,
        }
    }

    /// The Python `Frame`: each buffer moved, not copied, into a NumPy array.
    pub fn into_python(self, py: Python<'_>) -> PyResult<Frame> {
        let (w, h) = (self.frame.width() as usize, self.frame.height() as usize);
        let shape_error = |e: ShapeError| errors::runtime(format!("frame buffers: {e}"));
        let rgb = Array3::from_shape_vec((h, w, 3), self.rgb).map_err(shape_error)?;
        let depth = Array2::from_shape_vec((h, w), self.depth).map_err(shape_error)?;
        let instance = Array2::from_shape_vec((h, w), self.instance).map_err(shape_error)?;
        let class_ids = Array2::from_shape_vec((h, w), self.class_ids).map_err(shape_error)?;
        let normals = (self.normals)
            .map(|n| Array3::from_shape_vec((h, w, 3), n).map_err(shape_error))
            .transpose()?;
        let nocs = (self.nocs)
            .map(|n| Array3::from_shape_vec((h, w, 3), n).map_err(shape_error))
            .transpose()?;
        let [forward, backward] = self.flow;
        let flow2 = |f: Option<Vec<f32>>| {
            f.map(|f| Array3::from_shape_vec((h, w, 2), f).map_err(shape_error))
                .transpose()
        };
        let (forward, backward) = (flow2(forward)?, flow2(backward)?);
        let occlusion = |m: Option<&Vec<u8>>| {
            m.map(|m| {
                let mask: Vec<bool> = m.iter().map(|&v| v != 0).collect();
                Array2::from_shape_vec((h, w), mask).map_err(shape_error)
            })
            .transpose()
        };
        let occlusion_forward = occlusion(self.frame.flow.forward.as_ref().map(|f| &f.occlusion))?;
        let occlusion_backward =
            occlusion(self.frame.flow.backward.as_ref().map(|f| &f.occlusion))?;
        let disparity = (self.disparity)
            .map(|d| Array2::from_shape_vec((h, w), d).map_err(shape_error))
            .transpose()?;
        Ok(Frame {
            rgb: to_numpy(py, rgb),
            depth: to_numpy(py, depth),
            instance: to_numpy(py, instance),
            class_ids: to_numpy(py, class_ids),
            normals: normals.map(|n| to_numpy(py, n)),
            nocs: nocs.map(|n| to_numpy(py, n)),
            flow_forward: forward.map(|f| to_numpy(py, f)),
            flow_backward: backward.map(|f| to_numpy(py, f)),
            occlusion_forward: occlusion_forward.map(|m| to_numpy(py, m)),
            occlusion_backward: occlusion_backward.map(|m| to_numpy(py, m)),
            disparity: disparity.map(|d| to_numpy(py, d)),
            frame: self.frame,
            outputs: self.outputs,
            labels: PyOnceLock::new(),
            coco: PyOnceLock::new(),
        })
    }
}

/// `array` moved into a NumPy array (no copy).
fn to_numpy<T: numpy::Element, D: Dimension>(
    py: Python<'_>,
    array: Array<T, D>,
) -> Py<PyArray<T, D>> {
    array.into_pyarray(py).unbind()
}

/// One rendered, labelled frame. Images are NumPy arrays, row-major from the top-left
/// pixel: `rgb` (H, W, 3) uint8 sRGB, the bytes `rgb/NNNNNN.png` holds; `depth` (H, W)
/// float32 metres along the optical axis, 0 where no surface is; `instance` and
/// `class_ids` (H, W) uint16, 0 for background; `normals` (H, W, 3) float32 unit vectors
/// in the camera frame (OpenCV: x right, y down, z forward) and `nocs` (H, W, 3) uint16
/// as `nocs/NNNNNN.png` holds them, when the spec's `outputs` ask, else `None`. A
/// sequence's frames also carry `flow_forward` / `flow_backward` (H, W, 2) float32,
/// `occlusion_forward` / `occlusion_backward` (H, W) bool and, for a stereo pair's left
/// camera, `disparity` (H, W) float32, as the dataset's files hold them.
#[pyclass(frozen, module = "synthvis._native", name = "Frame")]
pub struct Frame {
    frame: synthvis::Frame,
    outputs: OutputsSpec,
    rgb: Py<PyArray3<u8>>,
    depth: Py<PyArray2<f32>>,
    instance: Py<PyArray2<u16>>,
    class_ids: Py<PyArray2<u16>>,
    normals: Option<Py<PyArray3<f32>>>,
    nocs: Option<Py<PyArray3<u16>>>,
    flow_forward: Option<Py<PyArray3<f32>>>,
    flow_backward: Option<Py<PyArray3<f32>>>,
    occlusion_forward: Option<Py<PyArray2<bool>>>,
    occlusion_backward: Option<Py<PyArray2<bool>>>,
    disparity: Option<Py<PyArray2<f32>>>,
    labels: PyOnceLock<Py<PyAny>>,
    coco: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl Frame {
    /// The frame's index in the run.
    #[getter]
    fn index(&self) -> u64 {
        self.frame.index
    }

    /// The run seed it was sampled with.
    #[getter]
    fn seed(&self) -> u64 {
        self.frame.seed
    }

    /// The COCO image id `annotations.json` gives this frame (index + 1).
    #[getter]
    fn image_id(&self) -> u64 {
        self.frame.index + 1
    }

    /// Image width, pixels.
    #[getter]
    fn width(&self) -> u32 {
        self.frame.width()
    }

    /// Image height, pixels.
    #[getter]
    fn height(&self) -> u32 {
        self.frame.height()
    }

    /// (H, W, 3) uint8: 8-bit sRGB colour.
    #[getter]
    fn rgb(&self, py: Python<'_>) -> Py<PyArray3<u8>> {
        self.rgb.clone_ref(py)
    }

    /// (H, W) float32: depth along the optical axis in metres, 0 where no surface is.
    #[getter]
    fn depth(&self, py: Python<'_>) -> Py<PyArray2<f32>> {
        self.depth.clone_ref(py)
    }

    /// (H, W) uint16: instance ids (the `instance_id` of `labels["instances"]`), 0 for
    /// background and unlabelled objects.
    #[getter]
    fn instance(&self, py: Python<'_>) -> Py<PyArray2<u16>> {
        self.instance.clone_ref(py)
    }

    /// (H, W) uint16: category ids (1 = the spec's first category), 0 for background.
    #[getter]
    fn class_ids(&self, py: Python<'_>) -> Py<PyArray2<u16>> {
        self.class_ids.clone_ref(py)
    }

    /// (H, W, 3) float32 camera-frame unit normals (0 where no surface is), or `None`
    /// unless the spec's `outputs.normals` is set.
    #[getter]
    fn normals(&self, py: Python<'_>) -> Option<Py<PyArray3<f32>>> {
        self.normals.as_ref().map(|n| n.clone_ref(py))
    }

    /// (H, W, 3) uint16 normalized object coordinates, `1 + c · 65534` per axis of the
    /// asset's box, 0 where no labelled object is; `None` unless `outputs.nocs` is set.
    #[getter]
    fn nocs(&self, py: Python<'_>) -> Option<Py<PyArray3<u16>>> {
        self.nocs.as_ref().map(|n| n.clone_ref(py))
    }

    /// (H, W, 2) float32: optical flow `(dx, dy)` in pixels to the next step of the
    /// sequence (1e10 where no surface is), or `None` (no next step, or no
    /// `outputs.flow`).
    #[getter]
    fn flow_forward(&self, py: Python<'_>) -> Option<Py<PyArray3<f32>>> {
        self.flow_forward.as_ref().map(|f| f.clone_ref(py))
    }

    /// (H, W, 2) float32: optical flow to the previous step, or `None`.
    #[getter]
    fn flow_backward(&self, py: Python<'_>) -> Option<Py<PyArray3<f32>>> {
        self.flow_backward.as_ref().map(|f| f.clone_ref(py))
    }

    /// (H, W) bool: pixels whose surface is hidden or out of view at the next step, or
    /// `None`.
    #[getter]
    fn occlusion_forward(&self, py: Python<'_>) -> Option<Py<PyArray2<bool>>> {
        self.occlusion_forward.as_ref().map(|m| m.clone_ref(py))
    }

    /// (H, W) bool: pixels whose surface is hidden or out of view at the previous step,
    /// or `None`.
    #[getter]
    fn occlusion_backward(&self, py: Python<'_>) -> Option<Py<PyArray2<bool>>> {
        self.occlusion_backward.as_ref().map(|m| m.clone_ref(py))
    }

    /// (H, W) float32: a stereo pair's left image's disparity `fx · B / Z` in pixels (0
    /// where no surface is), or `None`.
    #[getter]
    fn disparity(&self, py: Python<'_>) -> Option<Py<PyArray2<f32>>> {
        self.disparity.as_ref().map(|d| d.clone_ref(py))
    }

    /// Where the frame sits in its sequence (`sequence`, `step`, `steps`, `fps`,
    /// `time_s`, `camera`, `camera_index`, `cameras`), or `None` for a still.
    #[getter]
    fn sequence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json::to_python(py, &self.frame.scene.sequence)
    }

    /// (3, 3) float64: the intrinsic matrix in pixels (OpenCV: the centre of pixel
    /// (u, v) is at (u, v)).
    #[getter(K)]
    fn k<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, &self.frame.scene.camera.k)
    }

    /// (4, 4) float64: the world → camera transform (OpenCV camera frame).
    #[getter]
    fn world_to_camera<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, &self.frame.scene.camera.world_to_camera)
    }

    /// (4, 4) float64: the camera → world transform.
    #[getter]
    fn camera_to_world<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, &self.frame.scene.camera.camera_to_world)
    }

    /// The labels file `labels/NNNNNN.json` as `json.load` reads it, but for `files`
    /// (the image files' checksums, which exist once files are written): `frame_index`,
    /// `image`, `scene` and `instances`.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let labels = self.labels.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            let text =
                (self.frame.labels_json()).map_err(|e| errors::runtime(format!("labels: {e}")))?;
            Ok(json::loads(py, &text)?.unbind())
        })?;
        Ok(labels.bind(py).clone())
    }

    /// The sampled scene (`labels["scene"]`, what `synthvis explain` prints).
    #[getter]
    fn scene<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.labels(py)?.get_item("scene")
    }

    /// The frame's annotations as `annotations.json` holds them (a list of dicts), but
    /// numbered from 1 within the frame; `image_id` is the file's (index + 1).
    #[getter]
    fn coco<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let coco = self.coco.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(json::to_python(py, &self.frame.coco_annotations(1))?.unbind())
        })?;
        Ok(coco.bind(py).clone())
    }

    /// The frame's record in `annotations.json`'s `images` (file names, size, `K`,
    /// pose).
    #[getter]
    fn coco_image<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json::to_python(py, &self.frame.coco_image(&self.outputs))
    }

    /// Seconds each stage of this frame took: `randomize`, `record_submit`,
    /// `wait_readback`, `post`, `labels`, `flow` (a sequence's flow and occlusion masks,
    /// 0 without them).
    #[getter]
    fn timings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.frame.timings;
        let dict = PyDict::new(py);
        for (key, value) in [
            ("randomize", t.randomize),
            ("record_submit", t.record_submit),
            ("wait_readback", t.wait_readback),
            ("post", t.post),
            ("labels", t.labels),
            ("flow", t.flow),
        ] {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }

    /// The detection target torchvision's detection models take, as NumPy arrays, for
    /// the annotations `annotations.json` holds (crowd regions with `iscrowd` 1,
    /// instances below the spec's thresholds left out as there):
    /// `boxes` (N, 4) float32 `[x0, y0, x1, y1]` pixel edges (COCO's box, `x1 = x + w`),
    /// `labels` (N,) int64 category ids, `masks` (N, H, W) uint8 visible masks,
    /// `area` (N,) float32 visible pixels, `iscrowd` (N,) int64, `instance_ids` (N,)
    /// int64, and `image_id` (int, index + 1). `masks=False` leaves the masks out (a box
    /// detector needs none, and they are most of the bytes).
    #[pyo3(signature = (masks = true))]
    fn detection_target<'py>(&self, py: Python<'py>, masks: bool) -> PyResult<Bound<'py, PyDict>> {
        let annotated = self.annotated();
        let n = annotated.len();
        let (w, h) = (self.frame.width() as usize, self.frame.height() as usize);
        // Annotation row of each instance id, for one pass over the instance image.
        let max_id = annotated.iter().map(|(i, _, _)| i.instance_id).max();
        let mut row_of = vec![usize::MAX; 1 + usize::from(max_id.unwrap_or(0))];
        for (row, (inst, _, _)) in annotated.iter().enumerate() {
            row_of[usize::from(inst.instance_id)] = row;
        }
        let dict = PyDict::new(py);
        if masks {
            let masks = Array3::<u8>::zeros((n, h, w)).into_pyarray(py);
            {
                let mut out = masks.readwrite();
                let out = out
                    .as_slice_mut()
                    .map_err(|e| errors::runtime(format!("masks: {e}")))?;
                let instance = self.instance.bind(py).readonly();
                let ids = instance
                    .as_slice()
                    .map_err(|e| errors::runtime(format!("instance image: {e}")))?;
                for (pixel, &id) in ids.iter().enumerate() {
                    if let Some(&row) = row_of.get(usize::from(id))
                        && row != usize::MAX
                    {
                        out[row * w * h + pixel] = 1;
                    }
                }
            }
            dict.set_item("masks", masks)?;
        }
        let boxes: Vec<f32> = (annotated.iter())
            .flat_map(|(_, [x, y, bw, bh], _)| [*x, *y, x + bw, y + bh].map(|v| v as f32))
            .collect();
        let shape_error = |e: ShapeError| errors::runtime(format!("detection target: {e}"));
        let boxes = Array2::from_shape_vec((n, 4), boxes).map_err(shape_error)?;
        dict.set_item("boxes", boxes.into_pyarray(py))?;
        let labels: Array1<i64> = annotated
            .iter()
            .map(|(i, _, _)| i64::from(i.category_id))
            .collect();
        dict.set_item("labels", labels.into_pyarray(py))?;
        let area: Array1<f32> = annotated.iter().map(|(i, _, _)| i.area as f32).collect();
        dict.set_item("area", area.into_pyarray(py))?;
        let iscrowd: Array1<i64> = annotated.iter().map(|(_, _, c)| *c).collect();
        dict.set_item("iscrowd", iscrowd.into_pyarray(py))?;
        let ids: Array1<i64> = (annotated.iter())
            .map(|(i, _, _)| i64::from(i.instance_id))
            .collect();
        dict.set_item("instance_ids", ids.into_pyarray(py))?;
        dict.set_item("image_id", self.frame.index + 1)?;
        Ok(dict)
    }

    /// N, the number of annotations `detection_target` returns (the COCO file's for
    /// this frame).
    #[getter]
    fn annotation_count(&self) -> usize {
        self.annotated().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Frame(index={}, seed={}, {}x{}, {} instances)",
            self.frame.index,
            self.frame.seed,
            self.frame.width(),
            self.frame.height(),
            self.frame.labels.instances.len()
        )
    }
}

impl Frame {
    /// The instances `annotations.json` holds, with their boxes and `iscrowd`.
    fn annotated(&self) -> Vec<(&InstanceLabel, [u32; 4], i64)> {
        // The records annotation_records makes: the same instances, in the same order.
        (self.frame.labels.instances.iter())
            .filter_map(|inst| {
                inst.segmentation.as_ref()?;
                Some((inst, inst.bbox?, i64::from(coco_iscrowd(inst)?)))
            })
            .collect()
    }
}

/// A row-major matrix as a (R, C) float64 array.
fn matrix<'py, const R: usize, const C: usize>(
    py: Python<'py>,
    m: &[[f64; C]; R],
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let rows: Vec<Vec<f64>> = m.iter().map(|row| row.to_vec()).collect();
    PyArray2::from_vec2(py, &rows).map_err(|e| errors::runtime(e.to_string()))
}

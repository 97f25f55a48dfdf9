"""Sequences from Python: a clip's stacked arrays are the dataset's files (flow read back
with OpenCV where it is installed, else by the .flo layout), the stereo pair's disparity
and rig cameras come per camera, and the PyTorch datasets yield clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import read_json, render_dataset, small_spec
from PIL import Image

import synthvis


def read_flo(path: Path) -> np.ndarray:
    """A Middlebury .flo file as (H, W, 2) float32, read by its published layout."""
    data = path.read_bytes()
    assert np.frombuffer(data[:4], "<f4")[0] == 202021.25
    width, height = np.frombuffer(data[4:12], "<i4")
    return np.frombuffer(data[12:], "<f4").reshape(height, width, 2)


def sliding(steps: int = 4, **overrides: object) -> synthvis.Spec:
    return small_spec("sliding", **{"/sequence/steps": steps, "/frames": 2, **overrides})


def test_a_clip_is_the_files_a_render_writes(tmp_path: Path) -> None:
    spec = sliding()
    assert (spec.sequences, spec.steps, spec.cameras, spec.frames) == (2, 4, ["camera"], 8)
    dataset = render_dataset(spec, tmp_path / "dataset", "0..8")
    coco = read_json(dataset / "annotations.json")
    clip = synthvis.Renderer(spec).render_sequence(1)
    camera = clip["camera"]
    assert camera["rgb"].shape == (4, 120, 160, 3)
    assert camera["flow_forward"].shape == (3, 120, 160, 2)
    assert camera["occlusion_backward"].shape == (3, 120, 160)
    assert camera["image_ids"] == [5, 6, 7, 8]
    for step in range(4):
        name = f"{4 + step:06d}"
        np.testing.assert_array_equal(
            camera["rgb"][step], np.asarray(Image.open(dataset / "rgb" / f"{name}.png"))
        )
        labels = read_json(dataset / "labels" / f"{name}.json")
        del labels["files"]
        assert camera["labels"][step] == labels
        image = next(im for im in coco["images"] if im["id"] == 5 + step)
        assert (image["video_id"], image["frame_id"], image["camera"]) == (2, step, "camera")
        if step < 3:
            np.testing.assert_array_equal(
                camera["flow_forward"][step], read_flo(dataset / image["flow_forward_file_name"])
            )
            mask = np.asarray(Image.open(dataset / image["occlusion_forward_file_name"])) == 255
            np.testing.assert_array_equal(camera["occlusion_forward"][step], mask)
        if step > 0:
            np.testing.assert_array_equal(
                camera["flow_backward"][step - 1],
                read_flo(dataset / image["flow_backward_file_name"]),
            )


def test_a_stereo_clip_has_both_cameras_and_the_left_disparity() -> None:
    spec = sliding(2, **{"/stereo": {"baseline": 0.1}, "/outputs/disparity": True})
    assert spec.cameras == ["left", "right"]
    clip = synthvis.Renderer(spec).render_sequence(0)
    left, right = clip["left"], clip["right"]
    assert "disparity" in left and "disparity" not in right
    depth = left["depth"]
    fx = left["K"][0, 0, 0]
    expected = np.where(depth > 0, fx * 0.1 / np.where(depth > 0, depth, 1), 0)
    np.testing.assert_allclose(left["disparity"], expected, rtol=1e-5)
    assert [lab["scene"]["sequence"]["camera"] for lab in right["labels"]] == ["right", "right"]


def test_a_still_spec_has_no_sequences() -> None:
    spec = small_spec("quickstart")
    assert spec.sequences is None and spec.steps == 1
    with pytest.raises(ValueError, match="no `sequence`"):
        synthvis.Renderer(spec).render_sequence(0)
    frame = synthvis.Renderer(spec).render(0)
    assert frame.flow_forward is None
    assert frame.timings["flow"] == 0.0


def test_a_flow_frame_times_its_flow_stage() -> None:
    frame = synthvis.Renderer(sliding()).render(1)
    assert frame.flow_forward is not None and frame.timings["flow"] > 0.0


def test_torch_datasets_yield_clips() -> None:
    torch = pytest.importorskip("torch", reason="the torch extra is not installed")
    from torch.utils.data import DataLoader

    from synthvis.torch import SyntheticDataset, SyntheticMapDataset

    spec = sliding(3)
    outputs = ("rgb", "flow_forward", "labels")
    ds = SyntheticDataset(spec, frames=2, target_format="raw", outputs=outputs)
    clips = list(DataLoader(ds, batch_size=None, num_workers=2))
    assert sorted(c["sequence"] for c in clips) == [0, 1]
    reference = synthvis.Renderer(spec)
    for clip in clips:
        camera = clip["cameras"]["camera"]
        assert camera["rgb"].shape == (3, 120, 160, 3)
        expected = reference.render_sequence(clip["sequence"])["camera"]
        np.testing.assert_array_equal(camera["flow_forward"].numpy(), expected["flow_forward"])
        assert camera["labels"] == expected["labels"]
    images, targets = SyntheticMapDataset(spec)[1]
    assert images.shape == (3, 3, 120, 160) and images.dtype == torch.float32
    assert len(targets) == 3 and all("boxes" in t for t in targets)

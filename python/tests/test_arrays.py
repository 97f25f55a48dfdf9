"""The arrays and labels of ``Renderer.render(i)`` equal what ``synthvis render`` wrote for
frame ``i``: RGB, instance and class ids exactly, depth exactly against the EXR and within
the 16-bit PNG's millimetre, normals and object coordinates against their 16-bit PNGs,
the labels file's dict and the COCO file's records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenEXR
import png
import pytest
from conftest import read_json, render_dataset, small_spec
from PIL import Image

import synthvis

FRAMES = (0, 3)


def read_png16(path: Path) -> np.ndarray:
    """A 16-bit PNG (grey or RGB) as uint16, (H, W) or (H, W, 3)."""
    width, height, rows, info = png.Reader(filename=str(path)).read()
    planes = info["planes"]
    data = np.vstack([np.asarray(row, dtype=np.uint16) for row in rows])
    return (
        data.reshape(height, width, planes).squeeze(-1)
        if planes == 1
        else data.reshape(height, width, planes)
    )


def without_ids(annotation: dict) -> dict:
    return {k: v for k, v in annotation.items() if k != "id"}


@pytest.mark.parametrize("scene", ["quickstart", "bin_picking", "shelf", "tabletop", "lighting"])
def test_frames_equal_the_files_render_writes(scene: str, tmp_path: Path) -> None:
    outputs = {
        **small_spec(scene).to_dict().get("outputs", {}),
        "depth_exr": True,
        "normals": True,
        "nocs": True,
    }
    spec = small_spec(scene, **{"/outputs": outputs})
    dataset = render_dataset(spec, tmp_path / "dataset", f"0..{max(FRAMES) + 1}")
    coco = read_json(dataset / "annotations.json")
    renderer = synthvis.Renderer(spec)
    for i in FRAMES:
        frame = renderer.render(i)
        name = f"{i:06d}"
        rgb = np.asarray(Image.open(dataset / "rgb" / f"{name}.png"))
        np.testing.assert_array_equal(frame.rgb, rgb)
        np.testing.assert_array_equal(
            frame.instance, read_png16(dataset / "instance" / f"{name}.png")
        )
        np.testing.assert_array_equal(
            frame.class_ids, read_png16(dataset / "class" / f"{name}.png")
        )
        exr = OpenEXR.File(str(dataset / "depth" / f"{name}.exr")).channels()["Z"].pixels
        np.testing.assert_array_equal(frame.depth, exr)
        depth_mm = read_png16(dataset / "depth" / f"{name}.png").astype(np.int64)
        ours_mm = np.where(
            frame.depth > 0, np.clip(np.round(frame.depth.astype(np.float64) * 1000), 1, 65535), 0
        )
        assert np.abs(ours_mm - depth_mm).max() <= 1
        normals_png = read_png16(dataset / "normals" / f"{name}.png")
        surface = normals_png.any(axis=-1)
        quantized = np.round((frame.normals.astype(np.float64) + 1.0) * 0.5 * 65535.0)
        np.testing.assert_array_equal(quantized[surface], normals_png[surface])
        assert not frame.normals[~surface].any()
        np.testing.assert_allclose(np.linalg.norm(frame.normals[surface], axis=-1), 1.0, atol=1e-3)
        np.testing.assert_array_equal(frame.nocs, read_png16(dataset / "nocs" / f"{name}.png"))
        labels = read_json(dataset / "labels" / f"{name}.json")
        del labels["files"]
        assert frame.labels == labels
        assert frame.scene == labels["scene"]
        image = next(im for im in coco["images"] if im["id"] == frame.image_id)
        assert frame.coco_image == image
        np.testing.assert_allclose(frame.K, np.array(image["K"]))
        np.testing.assert_allclose(
            frame.world_to_camera, np.array(labels["scene"]["camera"]["world_to_camera"])
        )
        expected = [without_ids(a) for a in coco["annotations"] if a["image_id"] == frame.image_id]
        assert [without_ids(a) for a in frame.coco] == expected
        assert [a["id"] for a in frame.coco] == list(range(1, len(expected) + 1))


def test_arrays_own_rust_buffers_and_have_the_documented_types() -> None:
    frame = synthvis.Renderer(small_spec("quickstart")).render(1)
    assert frame.rgb.shape == (120, 160, 3) and frame.rgb.dtype == np.uint8
    assert frame.depth.shape == (120, 160) and frame.depth.dtype == np.float32
    assert frame.instance.dtype == np.uint16 and frame.class_ids.dtype == np.uint16
    assert frame.normals is None and frame.nocs is None  # the spec does not ask for them
    # Moved, not copied: NumPy does not own the memory; Rust's buffer is the base.
    for array in (frame.rgb, frame.depth, frame.instance, frame.class_ids):
        assert not array.flags["OWNDATA"] and array.base is not None
        assert array.flags["C_CONTIGUOUS"] and array.flags["WRITEABLE"]
    assert frame.rgb is frame.rgb or np.shares_memory(frame.rgb, frame.rgb)


def test_frames_are_in_order_and_equal_single_renders() -> None:
    renderer = synthvis.Renderer(small_spec("quickstart"), workers=2)
    indices = [5, 0, 9, 9, 2]
    frames = list(renderer.frames(indices))
    assert [f.index for f in frames] == indices
    for f in frames:
        alone = renderer.render(f.index)
        np.testing.assert_array_equal(f.rgb, alone.rgb)
        np.testing.assert_array_equal(f.instance, alone.instance)
        assert f.labels == alone.labels


def test_seed_override_and_explain_agree_with_the_render() -> None:
    spec = small_spec("quickstart")
    a = synthvis.Renderer(spec, seed=11)
    assert a.seed == 11
    frame = a.render(4)
    assert a.explain(4) == frame.scene
    assert synthvis.Renderer(spec).explain(4) != frame.scene


def test_detection_target_matches_the_coco_records() -> None:
    frame = synthvis.Renderer(small_spec("bin_picking")).render(2)
    target = frame.detection_target()
    coco = frame.coco
    assert len(coco) == len(target["labels"]) > 0
    for k, a in enumerate(coco):
        x, y, w, h = a["bbox"]
        assert target["boxes"][k].tolist() == [x, y, x + w, y + h]
        assert target["labels"][k] == a["category_id"]
        assert target["iscrowd"][k] == a["iscrowd"]
        assert target["area"][k] == a["area"]
        mask = target["masks"][k]
        assert mask.sum() == a["area"]
        np.testing.assert_array_equal(mask.astype(bool), frame.instance == a["instance_id"])
    assert target["image_id"] == frame.image_id


def test_a_spec_from_json_or_a_dict_renders_as_its_file(tmp_path: Path) -> None:
    spec = small_spec("quickstart")
    scenes = Path(spec.path).parent
    again = synthvis.Spec.from_json(spec.to_json(), base_dir=scenes)
    from_dict = synthvis.Spec.from_dict(spec.to_dict(), base_dir=scenes)
    saved = tmp_path / "saved.json"
    spec.save(saved)
    expected = synthvis.Renderer(spec).render(2).rgb
    for other in (again, from_dict, synthvis.Spec(saved)):
        assert other.categories == spec.categories and other.resolution == (160, 120)
        np.testing.assert_array_equal(synthvis.Renderer(other).render(2).rgb, expected)


def test_a_closed_renderer_opens_again_on_use() -> None:
    with synthvis.Renderer(small_spec("quickstart")) as renderer:
        first = renderer.render(1).rgb
        assert renderer.is_open and renderer.adapter["name"]
    assert not renderer.is_open
    np.testing.assert_array_equal(renderer.render(1).rgb, first)

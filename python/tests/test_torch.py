"""PyTorch: DataLoaders with 0, 1 and 2 workers yield the same frames; ranks split an
epoch without overlap or gap; set_epoch moves an endless stream; fork and spawn both
work; a torchvision Mask R-CNN trains five steps on the samples with finite losses (the
README's example)."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch extra is not installed")
from conftest import render_dataset, small_spec  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

import synthvis  # noqa: E402
from synthvis.torch import SyntheticDataset, SyntheticMapDataset  # noqa: E402

RAW = ("rgb", "instance", "labels")


def indices(loader: DataLoader) -> list[int]:
    return [int(s["index"]) for s in loader]


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_workers_yield_the_epochs_frames_each_once(workers: int) -> None:
    ds = SyntheticDataset(small_spec("quickstart"), frames=10, target_format="raw", outputs=RAW)
    loader = DataLoader(ds, batch_size=None, num_workers=workers)
    assert sorted(indices(loader)) == list(range(10))


def test_samples_are_the_frames_whatever_the_worker() -> None:
    spec = small_spec("quickstart")
    ds = SyntheticDataset(spec, frames=[4, 7], target_format="raw", outputs=RAW)
    renderer = synthvis.Renderer(spec)
    for sample in DataLoader(ds, batch_size=None, num_workers=2):
        frame = renderer.render(int(sample["index"]))
        np.testing.assert_array_equal(sample["rgb"].numpy(), frame.rgb)
        np.testing.assert_array_equal(sample["instance"].numpy(), frame.instance)
        assert sample["labels"] == frame.labels


def test_two_ranks_split_an_epoch_without_overlap_or_gap() -> None:
    spec = small_spec("quickstart")
    seen = []
    for rank in range(2):
        ds = SyntheticDataset(
            spec, frames=11, target_format="raw", outputs=("rgb",), rank=rank, world_size=2
        )
        seen.append(indices(DataLoader(ds, batch_size=None, num_workers=2)))
    assert not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == list(range(11))


def test_rank_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "3")
    ds = SyntheticDataset(small_spec("quickstart"), frames=7, target_format="raw", outputs=("rgb",))
    assert indices(DataLoader(ds, batch_size=None)) == [1, 4]


def test_set_epoch_moves_an_endless_stream() -> None:
    ds = SyntheticDataset(small_spec("quickstart"), target_format="raw", outputs=("rgb",))

    def first(n: int) -> list[int]:
        out = []
        for sample in DataLoader(ds, batch_size=None, num_workers=2):
            out.append(int(sample["index"]))
            if len(out) == n:
                break
        return out

    epoch0 = first(6)
    assert sorted(epoch0) == list(range(6))
    ds.set_epoch(1)
    epoch1 = first(6)
    assert not set(epoch0) & set(epoch1)
    assert sorted(epoch1) == [(1 << 40) + i for i in range(6)]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_dataloader_workers_under_fork_and_spawn(method: str) -> None:
    spec = small_spec("quickstart")
    synthvis.Renderer(spec).render(0)  # the main process has rendered (rayon, driver up)
    ds = SyntheticDataset(spec, frames=6, target_format="raw", outputs=("rgb",))
    loader = DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context=method)
    assert sorted(indices(loader)) == list(range(6))


def test_map_dataset_renders_frame_i() -> None:
    spec = small_spec("quickstart")
    ds = SyntheticMapDataset(spec, frames=range(3, 9), target_format="raw", outputs=("rgb",))
    assert len(ds) == 6 and ds[2]["index"] == 5
    loader = DataLoader(ds, batch_size=2, num_workers=2, shuffle=False)
    batches = list(loader)
    assert [int(i) for b in batches for i in b["index"]] == list(range(3, 9))


def test_torchvision_targets_have_the_model_types() -> None:
    ds = SyntheticDataset(small_spec("bin_picking"), frames=2)
    image, target = next(iter(ds))
    assert (
        image.dtype == torch.float32 and image.shape == (3, 120, 160) and float(image.max()) <= 1.0
    )
    n = len(target["labels"])
    assert n > 0
    assert target["boxes"].shape == (n, 4) and target["boxes"].dtype == torch.float32
    assert target["labels"].dtype == torch.int64
    assert target["masks"].shape == (n, 120, 160) and target["masks"].dtype == torch.uint8
    assert target["iscrowd"].dtype == torch.int64 and target["area"].dtype == torch.float32
    assert isinstance(target["image_id"], int)
    assert bool((target["boxes"][:, 2:] > target["boxes"][:, :2]).all())


def test_torchvision_predictions_score_ap_1_against_the_coco_file(tmp_path: Path) -> None:
    """Predictions built from the dataset's targets as a torchvision evaluation loop builds
    them (image_id from the target) score 1.0 with pycocotools against the annotations.json
    that `synthvis render` writes for the same spec and frames: the ids agree."""
    import contextlib
    import io

    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    spec = small_spec("bin_picking", 320, 240)
    dataset_dir = render_dataset(spec, tmp_path / "dataset", "0..4")
    predictions = []
    for _image, target in SyntheticMapDataset(spec, frames=4):
        for box, label, mask, crowd in zip(
            target["boxes"].tolist(),
            target["labels"].tolist(),
            target["masks"].numpy(),
            target["iscrowd"].tolist(),
        ):
            if crowd:
                continue
            x0, y0, x1, y1 = box
            rle = mask_utils.encode(np.asfortranarray(mask))
            rle["counts"] = rle["counts"].decode()
            predictions.append(
                {
                    "image_id": target["image_id"],
                    "category_id": label,
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "segmentation": rle,
                    "score": 1.0,
                }
            )
    assert predictions
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(dataset_dir / "annotations.json"))
        detections = gt.loadRes(predictions)
        for kind in ("bbox", "segm"):
            evaluation = COCOeval(gt, detections, kind)
            evaluation.evaluate()
            evaluation.accumulate()
            evaluation.summarize()
            assert evaluation.stats[0] == pytest.approx(1.0), kind


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_training_example() -> str:
    """The README's Python block that trains Mask R-CNN."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return next(b for b in blocks if "maskrcnn_resnet50_fpn" in b)


def test_mask_rcnn_trains_five_steps_with_finite_losses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the README's example as written (from the repository's root): five training
    steps of a torchvision Mask R-CNN from random weights on SyntheticDataset batches."""
    pytest.importorskip("torchvision")
    monkeypatch.chdir(README.parent)
    namespace: dict[str, object] = {"synthvis": synthvis, "torch": torch}
    exec(compile(readme_training_example(), "README.md", "exec"), namespace)
    assert namespace["step"] == 4
    assert math.isfinite(namespace["loss"].item())  # type: ignore[attr-defined]


@pytest.mark.parametrize("local_ranks", [1, 2])
def test_render_threads_are_capped_to_each_processs_share(
    local_ranks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthvis.torch import _cores, _RendererPerProcess

    monkeypatch.delenv("LP_NUM_THREADS", raising=False)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(local_ranks))
    share = max(1, _cores() // (2 * local_ranks))
    renderer = _RendererPerProcess(small_spec("quickstart"), None, "auto", None).get(2)
    assert renderer.workers == share and not renderer.is_open
    assert os.environ["LP_NUM_THREADS"] == str(share)
    alone = _RendererPerProcess(small_spec("quickstart"), None, "auto", None)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "1")
    assert alone.get(1).workers is None  # the main process: the adapter's default


def test_lighter_samples_leave_out_masks_and_keep_uint8_images() -> None:
    spec = small_spec("bin_picking")
    full_image, full = next(iter(SyntheticDataset(spec, frames=[2])))
    ds = SyntheticDataset(spec, frames=[2], masks=False, image_dtype=torch.uint8)
    image, target = next(iter(ds))
    assert "masks" not in target and "masks" in full
    assert image.dtype == torch.uint8
    assert torch.equal(image.float() / 255.0, full_image)
    for key in ("boxes", "labels", "area", "iscrowd", "instance_ids"):
        assert torch.equal(target[key], full[key]), key

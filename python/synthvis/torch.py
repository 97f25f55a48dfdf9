"""PyTorch datasets that render labelled frames on the fly.

:class:`SyntheticDataset` is an :class:`~torch.utils.data.IterableDataset`: each
``DataLoader`` worker, and each rank of a distributed run, renders its own share of an
epoch's frames, and the frames of an epoch are the same, each exactly once, whatever the
number of workers and ranks. :class:`SyntheticMapDataset` renders frame ``i`` for
``ds[i]``.

Samples come in two forms (``target_format``):

- ``"torchvision"``: ``(image, target)`` as torchvision's detection models take them:
  ``image`` a CHW tensor (float32 in [0, 1], or uint8 with ``image_dtype=torch.uint8``);
  ``target`` a dict with ``boxes`` (N, 4) float32 ``[x0, y0, x1, y1]``, ``labels`` (N,)
  int64 category ids (1 = the spec's first category), ``masks`` (N, H, W) uint8,
  ``image_id`` (int, the COCO file's), ``area`` (N,) float32 and ``iscrowd`` (N,) int64.
  Crowd regions come with ``iscrowd`` 1 and instances below the spec's thresholds are left
  out, as in ``annotations.json``; torchvision's models do not read ``iscrowd``, so drop
  crowds first (``target["iscrowd"] == 0``) if the spec makes them. ``masks=False``
  leaves the masks out (box detectors): they are most of a sample's bytes.
- ``"raw"``: a dict of the frame's arrays as tensors (``rgb`` HWC uint8, ``depth``,
  ``instance``, ``class_ids``, ``normals``/``nocs`` when the spec asks, ``K``,
  ``world_to_camera``) restricted to ``outputs``, plus ``index``, ``image_id``,
  ``labels`` (the labels file's dict) and ``coco`` (the frame's annotation dicts).

When the spec has a ``sequence``, the datasets yield **clips**: their ``frames`` are
sequence indices (default the spec's sequences) and each sample is one sequence. In
``"raw"`` form a clip is ``{"sequence": s, "video_id": s + 1, "cameras": {name: {...}}}``
with each camera's ``outputs`` stacked over the steps as
:func:`synthvis.sequence.stack` stacks them (``flow_forward``, ``flow_backward``,
``occlusion_forward``, ``occlusion_backward`` and ``disparity`` may be named too);
in ``"torchvision"`` form (one camera only) it is ``(images, targets)``: a (T, 3, H, W)
tensor and the list of the T steps' targets.

Threads: a worker process renders with ``cores // (num_workers * LOCAL_WORLD_SIZE)``
render workers (at least one), and on Mesa's CPU drivers the rasterizer's threads are
capped to the same share (``LP_NUM_THREADS``, unless set), so workers times threads stays
within the cores.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable, Union

import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from synthvis._native import Frame, Renderer, Spec
from synthvis.sequence import stack

__all__ = [
    "SyntheticDataset",
    "SyntheticMapDataset",
    "clip_to_sample",
    "frame_to_sample",
    "shard_of",
]

SpecLike = Union[Spec, str, "os.PathLike[str]"]
Frames = Union[None, int, range, Sequence[int]]

#: Frames asked of the renderer at a time by an endless stream.
STREAM_CHUNK = 256

#: An endless stream's epoch ``e`` starts at frame ``e * EPOCH_STRIDE``.
EPOCH_STRIDE = 1 << 40

#: What ``outputs`` may name in the ``"raw"`` form.
RAW_OUTPUTS = (
    "rgb",
    "depth",
    "instance",
    "class_ids",
    "normals",
    "nocs",
    "K",
    "world_to_camera",
    "labels",
    "coco",
    "flow_forward",
    "flow_backward",
    "occlusion_forward",
    "occlusion_backward",
    "disparity",
)

#: What a clip's camera dict holds as lists, not arrays.
CLIP_LISTS = ("labels", "image_ids")


def _spec(spec: SpecLike) -> Spec:
    return spec if isinstance(spec, Spec) else Spec(spec)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def distributed_rank() -> tuple[int, int]:
    """``(rank, world_size)`` of this process: from ``torch.distributed`` when it is
    initialized, else from the ``RANK`` and ``WORLD_SIZE`` variables, else ``(0, 1)``."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def shard_of(rank: int, world_size: int, worker: int, num_workers: int) -> tuple[int, int]:
    """``(shard, shards)``: the share of an epoch that worker ``worker`` of
    ``num_workers`` on rank ``rank`` of ``world_size`` renders is every ``shards``-th
    frame from the ``shard``-th."""
    return rank * num_workers + worker, world_size * num_workers


def frame_to_sample(
    frame: Frame,
    target_format: str = "torchvision",
    outputs: Sequence[str] = ("rgb",),
    image_dtype: torch.dtype = torch.float32,
    masks: bool = True,
) -> Any:
    """One rendered frame as a sample of ``target_format`` (see the module's doc).
    Tensors share memory with the frame's arrays where the type allows."""
    if target_format == "torchvision":
        rgb = torch.from_numpy(frame.rgb).permute(2, 0, 1)
        image = rgb.to(image_dtype).div_(255.0) if image_dtype.is_floating_point else rgb
        target = frame.detection_target(masks)
        out = {k: torch.from_numpy(v) for k, v in target.items() if k != "image_id"}
        out["image_id"] = target["image_id"]
        return image, out
    if target_format == "raw":
        sample: dict[str, Any] = {"index": frame.index, "image_id": frame.image_id}
        for name in outputs:
            value = getattr(frame, name)
            if value is None:
                raise ValueError(f"outputs names {name!r}, which the spec's outputs do not ask for")
            sample[name] = torch.from_numpy(value) if hasattr(value, "dtype") else value
        return sample
    raise ValueError(f"target_format must be 'torchvision' or 'raw', not {target_format!r}")


def clip_to_sample(
    sequence: int,
    frames: Sequence[Frame],
    cameras: Sequence[str],
    target_format: str = "torchvision",
    outputs: Sequence[str] = ("rgb",),
    image_dtype: torch.dtype = torch.float32,
    masks: bool = True,
) -> Any:
    """One sequence's frames (step-major, cameras in rig order) as a clip sample of
    ``target_format`` (see the module's doc)."""
    if target_format == "torchvision":
        if len(cameras) != 1:
            raise ValueError(
                f"a clip of {len(cameras)} cameras has no torchvision form; use target_format='raw'"
            )
        samples = [frame_to_sample(f, "torchvision", outputs, image_dtype, masks) for f in frames]
        return torch.stack([image for image, _ in samples]), [target for _, target in samples]
    if target_format == "raw":
        clip = stack(frames, cameras)
        out: dict[str, Any] = {"sequence": sequence, "video_id": sequence + 1, "cameras": {}}
        for name, arrays in clip.items():
            camera: dict[str, Any] = {"image_ids": arrays["image_ids"]}
            for key in outputs:
                if key == "coco":
                    camera[key] = [f.coco for f in frames[cameras.index(name) :: len(cameras)]]
                elif key in CLIP_LISTS:
                    camera[key] = arrays[key]
                elif key in arrays:
                    camera[key] = torch.from_numpy(arrays[key])
                else:
                    raise ValueError(f"outputs names {key!r}, which the spec's outputs do not give")
            out["cameras"][name] = camera
        return out
    raise ValueError(f"target_format must be 'torchvision' or 'raw', not {target_format!r}")


def _check_outputs(target_format: str, outputs: Sequence[str]) -> tuple[str, ...]:
    if target_format not in ("torchvision", "raw"):
        raise ValueError(f"target_format must be 'torchvision' or 'raw', not {target_format!r}")
    unknown = [o for o in outputs if o not in RAW_OUTPUTS]
    if unknown:
        raise ValueError(f"outputs: unknown {unknown}; choose from {list(RAW_OUTPUTS)}")
    return tuple(outputs)


class _Samples:
    """What turns a frame into a sample: the form, the outputs, the image type, whether
    masks come, and the user's ``transform``."""

    def __init__(
        self,
        target_format: str,
        outputs: Sequence[str],
        image_dtype: torch.dtype,
        masks: bool,
        transform: Callable[[Any], Any] | None,
    ) -> None:
        self.outputs = _check_outputs(target_format, outputs)
        self.target_format = target_format
        self.image_dtype = image_dtype
        self.masks = masks
        self.transform = transform

    def __call__(self, frame: Frame) -> Any:
        sample = frame_to_sample(
            frame, self.target_format, self.outputs, self.image_dtype, self.masks
        )
        return self.transform(sample) if self.transform else sample

    def clip(self, sequence: int, frames: Sequence[Frame], cameras: Sequence[str]) -> Any:
        """A clip sample of `sequence`'s frames."""
        sample = clip_to_sample(
            sequence,
            frames,
            cameras,
            self.target_format,
            self.outputs,
            self.image_dtype,
            self.masks,
        )
        return self.transform(sample) if self.transform else sample


def _sequence_frames(renderer: Renderer, spec: Spec, sequence: int) -> list[Frame]:
    """Every image of sequence ``sequence``, step-major, cameras in rig order."""
    per = spec.steps * len(spec.cameras)
    return list(renderer.frames(range(sequence * per, (sequence + 1) * per)))


class _RendererPerProcess:
    """A renderer made in the process that uses it (after a fork, the child makes its
    own), with its threads capped to the process's share of the cores."""

    def __init__(self, spec: Spec, seed: int | None, backend: str, workers: int | None):
        self.spec, self.seed, self.backend, self.workers = spec, seed, backend, workers
        self._renderer: Renderer | None = None
        self._pid = -1

    def get(self, share: int) -> Renderer:
        """This process's renderer; ``share`` is the number of DataLoader workers of this
        rank, and each rank on the machine (``LOCAL_WORLD_SIZE``, as torchrun sets it)
        has as many."""
        if self._renderer is None or self._pid != os.getpid():
            share *= max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
            threads = max(1, _cores() // max(1, share))
            if share > 1:
                # Mesa's CPU rasterizers start a thread per core in every process.
                os.environ.setdefault("LP_NUM_THREADS", str(threads))
            workers = self.workers if self.workers is not None else threads if share > 1 else None
            self._renderer = Renderer(self.spec, self.seed, self.backend, workers)
            self._pid = os.getpid()
        return self._renderer

    def __getstate__(self) -> dict[str, Any]:
        # The renderer stays behind: the receiving process makes its own.
        return {
            "spec": self.spec,
            "seed": self.seed,
            "backend": self.backend,
            "workers": self.workers,
            "_renderer": None,
            "_pid": -1,
        }


class SyntheticDataset(IterableDataset):
    """Frames of ``spec`` rendered as they are taken, as samples (see the module's doc).

    ``frames``: ``None`` streams forever; an int ``n`` is the epoch ``range(n)``; a range
    or sequence is the epoch's frames. ``seed`` replaces the spec's run seed. Each
    ``DataLoader`` worker and each rank renders every ``shards``-th frame of the epoch
    (:func:`shard_of`), so an epoch's frames are the same whatever their number.
    :meth:`set_epoch` moves an endless stream to new frames (epoch ``e`` starts at frame
    ``e * 2**40``), as ``DistributedSampler.set_epoch`` does; a finite epoch's frames do
    not change. ``transform`` is applied to each sample. ``rank`` and ``world_size``
    override :func:`distributed_rank`; ``workers`` overrides the render workers per
    process.
    """

    def __init__(
        self,
        spec: SpecLike,
        frames: Frames = None,
        seed: int | None = None,
        outputs: Sequence[str] = ("rgb",),
        target_format: str = "torchvision",
        transform: Callable[[Any], Any] | None = None,
        *,
        image_dtype: torch.dtype = torch.float32,
        masks: bool = True,
        backend: str = "auto",
        workers: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        super().__init__()
        self.spec = _spec(spec)
        if isinstance(frames, int):
            frames = range(frames)
        if frames is not None and any(i < 0 for i in frames):
            raise ValueError("frames: frame indices must be non-negative")
        self.frames = frames
        self._samples = _Samples(target_format, outputs, image_dtype, masks, transform)
        self.rank, self.world_size = rank, world_size
        self.epoch = 0
        self._renderer = _RendererPerProcess(self.spec, seed, backend, workers)

    def set_epoch(self, epoch: int) -> None:
        """Moves an endless stream to epoch ``epoch``'s frames. Call it before each
        epoch's ``DataLoader`` iteration (workers copy the dataset when it starts)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        if self.frames is None:
            raise TypeError("an endless SyntheticDataset (frames=None) has no length")
        return len(self.frames)

    def _shard(self) -> tuple[int, int, int]:
        """``(shard, shards, processes on this rank)``."""
        rank, world = distributed_rank()
        rank = self.rank if self.rank is not None else rank
        world = self.world_size if self.world_size is not None else world
        if not 0 <= rank < world:
            raise ValueError(f"rank {rank} is outside world_size {world}")
        info = get_worker_info()
        worker, num_workers = (info.id, info.num_workers) if info else (0, 1)
        shard, shards = shard_of(rank, world, worker, num_workers)
        return shard, shards, num_workers

    def epoch_frames(self, shard: int = 0, shards: int = 1) -> Iterable[int]:
        """The frames shard ``shard`` of ``shards`` renders this epoch, in order."""
        if self.frames is None:
            return itertools.count(self.epoch * EPOCH_STRIDE + shard, shards)
        return self.frames[shard::shards]

    def __iter__(self) -> Iterator[Any]:
        shard, shards, processes = self._shard()
        renderer = self._renderer.get(processes)
        indices = iter(self.epoch_frames(shard, shards))
        if self.spec.sequences is not None:
            cameras = self.spec.cameras
            for sequence in indices:
                clip = _sequence_frames(renderer, self.spec, sequence)
                yield self._samples.clip(sequence, clip, cameras)
            return
        while True:
            chunk = list(itertools.islice(indices, STREAM_CHUNK))
            if not chunk:
                return
            with renderer.frames(chunk) as frames:
                for frame in frames:
                    yield self._samples(frame)


class SyntheticMapDataset(Dataset):
    """Random access to the frames of ``spec``: ``ds[i]`` renders frame ``frames[i]``
    (``frames``: an int ``n`` for ``range(n)``, a range or a sequence; default the
    spec's ``frames``), or with a ``sequence`` in the spec the clip of sequence
    ``frames[i]`` (default the spec's sequences). Other arguments as
    :class:`SyntheticDataset`'s."""

    def __init__(
        self,
        spec: SpecLike,
        frames: Frames = None,
        seed: int | None = None,
        outputs: Sequence[str] = ("rgb",),
        target_format: str = "torchvision",
        transform: Callable[[Any], Any] | None = None,
        *,
        image_dtype: torch.dtype = torch.float32,
        masks: bool = True,
        backend: str = "auto",
        workers: int | None = 1,
    ) -> None:
        super().__init__()
        self.spec = _spec(spec)
        if frames is None:
            sequences = self.spec.sequences
            frames = self.spec.frames if sequences is None else sequences
        self.frames = range(frames) if isinstance(frames, int) else frames
        self._samples = _Samples(target_format, outputs, image_dtype, masks, transform)
        self._renderer = _RendererPerProcess(self.spec, seed, backend, workers)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> Any:
        info = get_worker_info()
        renderer = self._renderer.get(info.num_workers if info else 1)
        if self.spec.sequences is not None:
            sequence = self.frames[i]
            frames = _sequence_frames(renderer, self.spec, sequence)
            return self._samples.clip(sequence, frames, self.spec.cameras)
        return self._samples(renderer.render(self.frames[i]))

"""Sequences: a clip's frames, stacked per camera.

:meth:`synthvis.Renderer.render_sequence` renders every image of one sequence and hands
them to :func:`stack`, which returns, for each camera name, the frames' arrays stacked
over the steps (``T`` of them)::

    clip = renderer.render_sequence(0)
    clip["camera"]["rgb"].shape           # (T, H, W, 3) uint8
    clip["camera"]["flow_forward"].shape  # (T - 1, H, W, 2) float32: steps 0 .. T-2

Keys: ``rgb``, ``depth``, ``instance``, ``class_ids``, ``K`` (T, 3, 3),
``world_to_camera`` (T, 4, 4), ``labels`` and ``image_ids`` (lists of T), ``normals`` /
``nocs`` when the spec asks; with ``outputs.flow`` ``flow_forward`` (steps 0 .. T-2,
towards the next step) and ``flow_backward`` (steps 1 .. T-1, towards the previous), and
``occlusion_forward`` / ``occlusion_backward`` alike; ``disparity`` (T, H, W) for a
stereo pair's left camera. Flow is ``(dx, dy)`` in pixels (OpenCV's pixel convention),
1e10 where no surface is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthvis._native import Frame

__all__ = ["stack"]

#: Arrays every frame has, stacked as they are.
_ALWAYS = ("rgb", "depth", "instance", "class_ids", "K", "world_to_camera")
#: Arrays some frames have, stacked over the frames that have them.
_SOMETIMES = (
    "normals",
    "nocs",
    "flow_forward",
    "flow_backward",
    "occlusion_forward",
    "occlusion_backward",
    "disparity",
)


def stack(frames: Sequence[Frame], cameras: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The frames of one sequence (step-major, cameras in rig order, as the run numbers
    them), stacked per camera name (see the module's doc)."""
    if not frames or len(frames) % len(cameras):
        raise ValueError(f"{len(frames)} frames do not fill {len(cameras)} cameras' steps")
    clip: dict[str, dict[str, Any]] = {}
    for c, name in enumerate(cameras):
        mine = list(frames[c :: len(cameras)])
        arrays: dict[str, Any] = {key: np.stack([getattr(f, key) for f in mine]) for key in _ALWAYS}
        for key in _SOMETIMES:
            values = [v for v in (getattr(f, key) for f in mine) if v is not None]
            if values:
                arrays[key] = np.stack(values)
        arrays["labels"] = [f.labels for f in mine]
        arrays["image_ids"] = [f.image_id for f in mine]
        clip[name] = arrays
    return clip

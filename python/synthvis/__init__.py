"""synthvis: labeled synthetic vision data (RGB, depth, segmentation, COCO) rendered from
a scene spec, in memory as NumPy arrays or on disk as a dataset.

>>> import synthvis
>>> spec = synthvis.Spec("scenes/quickstart.json")
>>> renderer = synthvis.Renderer(spec)
>>> frame = renderer.render(7)
>>> frame.rgb.shape, frame.depth.dtype
((480, 640, 3), dtype('float32'))

Frame ``i`` is a pure function of (spec, seed, i): the arrays equal the files
``synthvis render`` writes for it. :mod:`synthvis.torch` streams frames into PyTorch.
"""

from __future__ import annotations

from synthvis._native import Frame, FrameIterator, Renderer, Spec, __version__
from synthvis.errors import AssetError, RenderError, SpecError, SynthvisError

__all__ = [
    "AssetError",
    "Frame",
    "FrameIterator",
    "RenderError",
    "Renderer",
    "Spec",
    "SpecError",
    "SynthvisError",
    "__version__",
]

"""The exceptions synthvis raises, with the messages its command line prints."""

from __future__ import annotations

__all__ = ["SynthvisError", "SpecError", "AssetError", "RenderError"]


class SynthvisError(Exception):
    """Base class of every error synthvis raises."""


class SpecError(SynthvisError, ValueError):
    """A spec that cannot be read, parsed or validated, or that asks for the impossible
    (a placement that cannot be met, say). The message names the file and the field."""


class AssetError(SynthvisError):
    """An asset of the spec that cannot be read or decoded. The message names the file."""


class RenderError(SynthvisError, RuntimeError):
    """The device failed, no adapter was found, or the renderer was misused (a device
    opened before a fork and used in the child, a second ``frames()`` at once)."""

"""Shared fixtures: the repository's example scenes, small variants of them written with
absolute asset paths, the `synthvis` command the wheel installed, and datasets it wrote.

Under CI (``CI=true``) a missing ``../shared`` fails the tests that need it instead of
skipping them, as the Rust suite does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import synthvis

REPO = Path(__file__).resolve().parents[2]
SCENES = REPO / "scenes"
SHARED = REPO.parent / "shared"


def need_shared() -> None:
    """Skips (fails under CI) a test whose scene reads ``../shared``."""
    if not (SHARED / "gltf-samples").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED}/gltf-samples is missing (CI must have ../shared)")
        pytest.skip(f"{SHARED}/gltf-samples is not here")


def small_spec(name: str, width: int = 160, height: int = 120, **overrides: Any) -> synthvis.Spec:
    """Example scene ``name`` at ``width``×``height``, with JSON-pointer ``overrides``."""
    if name in ("bench", "flying", "shelf"):
        need_shared()
    spec = synthvis.Spec(SCENES / f"{name}.json")
    changes = {"/resolution": {"width": width, "height": height}}
    changes.update(overrides)
    return spec.with_overrides(changes)


def synthvis_command() -> str:
    """The `synthvis` command the wheel installed beside this interpreter."""
    command = Path(sys.executable).parent / "synthvis"
    if not command.exists():
        found = shutil.which("synthvis")
        assert found, "the synthvis command is not installed"
        return found
    return str(command)


def cargo_binary() -> Path | None:
    """The cargo-built binary, when the repository has one (CI builds it first)."""
    for profile in ("debug", "release"):
        path = REPO / "target" / profile / "synthvis"
        if path.exists():
            return path
    return None


def run_cli(
    *args: str | os.PathLike[str], command: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the wheel's `synthvis` command (or ``command``) and returns what it did."""
    return subprocess.run(
        [command or synthvis_command(), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def render_dataset(spec: synthvis.Spec, out: Path, frames: str) -> Path:
    """Writes ``spec`` with absolute paths and renders ``frames`` of it into ``out`` with
    the wheel's command; returns ``out``."""
    spec_file = out.parent / f"{out.name}.json"
    spec.save(spec_file)
    done = run_cli("render", spec_file, "--out", out, "--frames", frames, "--quiet")
    assert done.returncode == 0, done.stderr
    return out


def read_json(path: Path) -> Any:
    with open(path) as f:
        return json.load(f)

"""Frames per second of the Python package, beside ``synthvis bench`` in the same run.

``python -m synthvis.bench SPEC [--frames N] [--preset fast|realistic] [--loader-workers
2]`` measures, after a warm-up:

- ``synthvis bench``: the command's own benchmark (render, label, encode PNGs, write);
- ``Renderer.frames``: frames as NumPy arrays with their labels, no encoding, no disk;
- ``DataLoader``: a :class:`synthvis.torch.SyntheticDataset` through a ``DataLoader``
  with N workers feeding an empty loop (needs the torch extra), once with torchvision
  targets (float image, masks) and once with the raw RGB array alone.

It prints a table (``--json`` for a dict) with each figure's ratio to ``synthvis bench``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from synthvis._native import Renderer, Spec


def command_bench(spec: Spec, frames: int, warmup: int, preset: str | None) -> float:
    """Frames/s ``synthvis bench`` reports for ``spec``."""
    with tempfile.TemporaryDirectory() as folder:
        spec_file = Path(folder) / "spec.json"
        spec.save(spec_file)
        args = [
            sys.executable,
            "-m",
            "synthvis",
            "bench",
            str(spec_file),
            "--json",
            "--frames",
            str(frames),
            "--warmup",
            str(warmup),
        ]
        if preset:
            args += ["--preset", preset]
        done = subprocess.run(args, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout)["frames_per_s"])


def renderer_frames(spec: Spec, frames: int, warmup: int) -> float:
    """Frames/s of ``Renderer.frames`` (arrays and labels, nothing written)."""
    renderer = Renderer(spec)
    for _ in renderer.frames(range(warmup)):
        pass
    t0 = time.perf_counter()
    count = 0
    for frame in renderer.frames(range(warmup, warmup + frames)):
        count += frame.index >= 0
    return count / (time.perf_counter() - t0)


def data_loader(spec: Spec, frames: int, warmup: int, workers: int, **options: Any) -> float:
    """Frames/s of a ``DataLoader`` with ``workers`` workers over a
    ``SyntheticDataset(spec, **options)``, feeding an empty loop."""
    from torch.utils.data import DataLoader

    from synthvis.torch import SyntheticDataset

    dataset = SyntheticDataset(spec, frames=range(warmup + frames), **options)
    loader = DataLoader(
        dataset,
        batch_size=None,
        num_workers=workers,
        persistent_workers=False,
        prefetch_factor=4 if workers else None,
    )
    t0 = None
    count = 0
    for n, _ in enumerate(loader):
        if n + 1 == warmup * max(1, workers):
            t0, count = time.perf_counter(), 0
        elif t0 is not None:
            count += 1
    assert t0 is not None, "warm-up longer than the run"
    return count / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="python -m synthvis.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("spec", help="scene spec (JSON)")
    parser.add_argument("--frames", type=int, default=200, help="frames measured (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="frames before measuring")
    parser.add_argument("--preset", choices=["fast", "realistic"], help="override render.preset")
    parser.add_argument(
        "--loader-workers",
        type=int,
        default=2,
        help="DataLoader workers (default 2; -1 skips the DataLoader)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON dict")
    args = parser.parse_args(argv)
    spec = Spec(args.spec)
    if args.preset:
        render = dict(spec.to_dict().get("render", {}), preset=args.preset)
        spec = spec.with_overrides({"/render": render})
    results: dict[str, Any] = {
        "spec": args.spec,
        "preset": args.preset or "spec's",
        "frames": args.frames,
    }
    results["synthvis_bench"] = command_bench(spec, args.frames, args.warmup, None)
    results["renderer_frames"] = renderer_frames(spec, args.frames, args.warmup)
    if args.loader_workers >= 0:
        try:
            n = args.loader_workers
            results["loader_workers"] = n
            results["data_loader"] = data_loader(spec, args.frames, args.warmup, n)
            results["data_loader_raw"] = data_loader(
                spec, args.frames, args.warmup, n, target_format="raw", outputs=("rgb",)
            )
        except ImportError:
            print("torch is not installed: no DataLoader figure", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return results
    base = results["synthvis_bench"]
    print(f"{args.spec} ({results['preset']} preset), {args.frames} frames")
    print(f"{'what':<34}{'frames/s':>10}{'ratio':>8}")
    rows = [
        ("synthvis bench (PNGs on disk)", base),
        ("Renderer.frames (arrays)", results["renderer_frames"]),
    ]
    if "data_loader" in results:
        n = args.loader_workers
        rows.append((f"DataLoader, {n} workers, torchvision", results["data_loader"]))
        rows.append((f"DataLoader, {n} workers, raw rgb", results["data_loader_raw"]))
    for name, fps in rows:
        print(f"{name:<34}{fps:>10.1f}{fps / base:>8.2f}")
    return results


if __name__ == "__main__":
    main()

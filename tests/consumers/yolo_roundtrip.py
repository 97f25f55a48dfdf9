#!/usr/bin/env python3
"""A YOLO export's image ids, round-tripped through the tools a user scores with.

Usage:
    python yolo_roundtrip.py EXPORT_DIR [--consumers PATH/check_consumers.py]

For each split of the export (its data.yaml), predictions are written in the form
Ultralytics' validator writes `predictions.json` (`image_id` = int(file stem),
`category_id` = class + 1, `bbox` [x, y, w, h] in pixels rounded to 3 decimals, from
ultralytics/models/yolo/detect/val.py `pred_to_json`), made from the export's own label
files: perfect detections. pycocotools then scores them, with no edits, against

1. the export's `annotations/SPLIT.json`, and
2. the `annotations.json` of the dataset the split came from (read from
   synthvis-export.json), restricted to the split's images (`params.imgIds`), as a user
   scoring a val split against the whole dataset's file would.

Detect exports must score AP 1.0 in both. Segment exports' boxes are rebuilt from the
polygons as Ultralytics' `segments2boxes` does; the polygon runs through the border
pixels' centres, so those boxes are a pixel narrower and shorter than COCO's, and only
AP50 must be 1.0 (AP is printed).

With --consumers, each split is also opened by Roboflow's supervision through
check_consumers.py, against the split's COCO file: a temporary folder holds copies
of the split's images and labels and that file as its annotations.json.

Exit status: 0 = the ids round-trip, 1 = they do not, 2 = cannot read.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def predictions(export: Path, split: str, size: dict[int, tuple[int, int]]) -> list[dict]:
    """Ultralytics-form predictions from the split's label files (score 1)."""
    out = []
    for label in sorted((export / "labels" / split).glob("*.txt")):
        stem = label.stem
        image_id = int(stem) if stem.isnumeric() else stem
        w, h = size[image_id]
        for line in label.read_text().splitlines():
            values = [float(v) for v in line.split()]
            cls, rest = int(values[0]), np.asarray(values[1:])
            if len(rest) == 4:
                cx, cy, bw, bh = rest * [w, h, w, h]
                box = [cx - bw / 2, cy - bh / 2, bw, bh]
            else:
                xy = rest.reshape(-1, 2) * [w, h]
                x0, y0 = xy.min(axis=0)
                x1, y1 = xy.max(axis=0)
                box = [x0, y0, x1 - x0, y1 - y0]
            out.append(
                {
                    "image_id": image_id,
                    "file_name": f"{stem}.png",
                    "category_id": cls + 1,
                    "bbox": [round(float(v), 3) for v in box],
                    "score": 1.0,
                }
            )
    return out


def score(gt_file: Path, preds: list[dict], image_ids: list[int] | None) -> tuple[float, float]:
    """COCO box AP and AP50 of `preds` against `gt_file` (on `image_ids` if given)."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        dt = gt.loadRes(preds)
        ev = COCOeval(gt, dt, "bbox")
        if image_ids is not None:
            ev.params.imgIds = image_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0]), float(ev.stats[1])


def consumers_view(export: Path, split: str, check: Path, view: Path) -> int:
    """Runs check_consumers.py on a folder holding the split and its COCO file."""
    shutil.copy(export / "annotations" / f"{split}.json", view / "annotations.json")
    shutil.copy(export / "data.yaml", view / "data.yaml")
    for kind in ("images", "labels"):
        # Copies: supervision refuses images that resolve outside its folder.
        shutil.copytree(export / kind / split, view / kind / split)
    result = subprocess.run(
        [sys.executable, str(check), str(view), "--yolo", str(view)],
        capture_output=True,
        text=True,
    )
    print(f"  supervision ({split}): {result.stdout.strip().splitlines()[-1:]}")
    if result.returncode != 0:
        print(result.stdout + result.stderr)
    return result.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("export", type=Path)
    ap.add_argument("--consumers", type=Path, help="check_consumers.py, run on each split")
    args = ap.parse_args()
    try:
        data = yaml.safe_load((args.export / "data.yaml").read_text())
        marker = json.loads((args.export / "synthvis-export.json").read_text())
    except (OSError, ValueError) as e:
        print(f"cannot read the export {args.export}: {e}")
        return 2
    source_of = {split: Path(d["dir"]) for d in marker["datasets"] for split in d["splits"]}
    failures = 0
    for split in ("train", "val", "test"):
        if split not in data:
            continue
        part = args.export / "annotations" / f"{split}.json"
        coco = json.loads(part.read_text())
        size = {im["id"]: (im["width"], im["height"]) for im in coco["images"]}
        preds = predictions(args.export, split, size)
        detect = marker["options"]["task"] == "detect"
        ids = sorted(size)
        ap_split, ap50_split = score(part, preds, None)
        ap_whole, ap50_whole = score(source_of[split] / "annotations.json", preds, ids)
        print(
            f"{split}: {len(ids)} images, {len(preds)} predictions from the label files; "
            f"AP {ap_split:.4f} (AP50 {ap50_split:.4f}) against annotations/{split}.json, "
            f"AP {ap_whole:.4f} (AP50 {ap50_whole:.4f}) against the dataset's annotations.json"
        )
        want_ap = ap_split if detect else ap50_split
        want_whole = ap_whole if detect else ap50_whole
        if not preds or abs(want_ap - 1.0) > 1e-9 or abs(want_whole - 1.0) > 1e-9:
            print(f"ERROR {split}: the ids or boxes do not round-trip")
            failures += 1
        if args.consumers:
            with tempfile.TemporaryDirectory() as view:
                failures += consumers_view(args.export, split, args.consumers, Path(view)) != 0
    print("ROUND TRIP OK" if failures == 0 else f"ROUND TRIP FAILED ({failures})")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

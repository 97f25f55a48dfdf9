#!/usr/bin/env python3
"""A MOT export read back by `motmetrics`, and held against the dataset's COCO file.

Usage:
    python mot_roundtrip.py EXPORT_DIR DATASET_DIR

For each sequence folder of the export:

1. `seqinfo.ini` parses (configparser) and names as many images as `img1/` holds, each
   readable by Pillow at imWidth x imHeight;
2. motmetrics loads `gt/gt.txt` in its MOT15-2D format and scores it against itself:
   MOTA must be 1.0 with no identity switch (every line parsed, ids and frames kept);
3. every COCO annotation of the dataset (with its `track_id`) appears in gt.txt as a
   line at frame = `frame_id` + 1 with id = `track_id`, the box `bbox` shifted to
   MOTChallenge's 1-based corner, class = `category_id`, conf 1 (0 for crowds), and no
   line is left over but instances COCO does not annotate (conf 0).

Exit status: 0 = the export round-trips, 1 = it does not, 2 = cannot read.
"""

from __future__ import annotations

import configparser
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

# motmetrics 1.4.0 (the newest release) still calls np.asfarray, which NumPy 2 removed;
# NumPy's own replacement stands in for it, nothing else of motmetrics is touched.
if not hasattr(np, "asfarray"):
    np.asfarray = lambda a, dtype=np.float64: np.asarray(a, dtype=dtype)  # type: ignore[attr-defined]

import motmetrics as mm  # noqa: E402


def folder_of(image: dict) -> str:
    """The export's folder name of a COCO image: sequence_NNNNNN[-CAMERA]."""
    name = f"sequence_{image['video_id'] - 1:06d}"
    return name


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    export, dataset = Path(sys.argv[1]), Path(sys.argv[2])
    coco = json.loads((dataset / "annotations.json").read_text())
    videos = {v["id"]: v for v in coco.get("videos", [])}
    if not videos:
        print("FAIL: the dataset's annotations.json has no videos")
        return 2
    images = {im["id"]: im for im in coco["images"]}
    expected: dict[str, set[tuple]] = defaultdict(set)
    for ann in coco["annotations"]:
        im = images[ann["image_id"]]
        name = folder_of(im)
        if len(videos[im["video_id"]]["cameras"]) > 1:
            name += f"-{im['camera']}"
        x, y, w, h = ann["bbox"]
        expected[name].add((im["frame_id"] + 1, ann["track_id"], x + 1, y + 1, w, h, 1 - ann["iscrowd"], ann["category_id"]))
    problems: list[str] = []
    folders = sorted(p for p in export.iterdir() if p.is_dir())
    for folder in folders:
        info = configparser.ConfigParser()
        info.read(folder / "seqinfo.ini")
        seq = info["Sequence"]
        pngs = sorted((folder / seq["imDir"]).glob(f"*{seq['imExt']}"))
        for png in pngs:
            with Image.open(png) as im:
                if im.size != (int(seq["imWidth"]), int(seq["imHeight"])):
                    problems.append(f"{png}: {im.size}")
        if not pngs or len(pngs) > int(seq["seqLength"]):
            problems.append(f"{folder.name}: {len(pngs)} images for seqLength {seq['seqLength']}")
        gt = mm.io.loadtxt(str(folder / "gt" / "gt.txt"), fmt="mot15-2D", min_confidence=-1)
        acc = mm.utils.compare_to_groundtruth(gt, gt, "iou", distth=0.5)
        summary = mm.metrics.create().compute(acc, metrics=["mota", "num_switches", "num_objects"], name=folder.name)
        mota, switches = float(summary["mota"].iloc[0]), int(summary["num_switches"].iloc[0])
        if mota != 1.0 or switches != 0:
            problems.append(f"{folder.name}: MOTA {mota} with {switches} switches scored against itself")
        lines = set()
        for line in (folder / "gt" / "gt.txt").read_text().splitlines():
            f, i, left, top, w, h, conf, cls, _vis = line.split(",")
            lines.add((int(f), int(i), int(left), int(top), int(w), int(h), int(conf), int(cls)))
        missing = expected[folder.name] - lines
        extra = {line for line in lines - expected[folder.name] if line[6] != 0}
        if missing or extra:
            problems.append(f"{folder.name}: {len(missing)} COCO annotations missing from gt.txt, {len(extra)} lines COCO lacks")
        print(f"{folder.name}: {len(pngs)} images, {summary['num_objects'].iloc[0]} boxes, MOTA {mota} against itself")
    if set(expected) - {f.name for f in folders}:
        problems.append(f"sequences without a folder: {sorted(set(expected) - {f.name for f in folders})}")
    for p in problems:
        print("FAIL:", p)
    print("MOT ROUND TRIP OK" if not problems else f"MOT ROUND TRIP FAILED ({len(problems)})")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

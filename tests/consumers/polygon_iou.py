#!/usr/bin/env python3
"""How a segment export's polygons come back through Ultralytics' own conversions.

Usage:
    python polygon_iou.py YOLO_EXPORT_DIR DATASET_DIR

For every label line of the export (`--task segment`), against the COCO annotation of the
same image (the file stem is the COCO image id):

- the mask Ultralytics rasterizes from the polygon (`polygon2mask`: vertices cast to
  int32, `cv2.fillPoly`) and its IoU with the COCO mask; and the same with the vertices
  on the pixel edges instead of the border pixels' centres (estimated: the polygon half a
  pixel further out, which through the int32 cast fills one more column and row);
- the box Ultralytics derives from the polygon (`segments2boxes`: min and max of the
  vertices) against the COCO box.

Prints the figures; exits 1 if the mean IoU falls below 0.98 (the export's polygons have
stopped matching their masks), 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils


def main() -> int:
    export, dataset = Path(sys.argv[1]), Path(sys.argv[2])
    coco = json.loads((dataset / "annotations.json").read_text())
    by_image: dict[int, list[dict]] = {}
    for a in coco["annotations"]:
        if not a["iscrowd"]:
            by_image.setdefault(a["image_id"], []).append(a)
    centre, edge, shrink = [], [], []
    for label in sorted(export.glob("labels/*/*.txt")):
        lines = label.read_text().splitlines()
        anns = by_image.get(int(label.stem), [])
        assert len(lines) == len(anns), label
        for line, a in zip(lines, anns):
            h, w = a["segmentation"]["size"]
            xy = np.array(line.split()[1:], float).reshape(-1, 2) * [w, h]
            ref = mask_utils.decode(a["segmentation"]).astype(bool)
            filled = np.zeros((h, w), np.uint8)
            cv2.fillPoly(filled, [np.asarray(xy, np.int32)], 1)
            m = filled.astype(bool)
            centre.append((m & ref).sum() / (m | ref).sum())
            e = m.copy()
            e[:, 1:] |= m[:, :-1]
            e[1:, :] |= m[:-1, :]
            e[1:, 1:] |= m[:-1, :-1]
            edge.append((e & ref).sum() / (e | ref).sum())
            (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
            shrink.append((a["bbox"][2] - (x1 - x0), a["bbox"][3] - (y1 - y0)))
    d = np.array(shrink)
    print(
        f"{len(centre)} polygons; polygon2mask IoU with the COCO mask: mean {np.mean(centre):.4f} "
        f"(min {np.min(centre):.3f}); with vertices on pixel edges (estimated) mean "
        f"{np.mean(edge):.4f} (min {np.min(edge):.3f}); segments2boxes boxes narrower by "
        f"{d[:, 0].mean():.3f} px, shorter by {d[:, 1].mean():.3f} px than the COCO box"
    )
    return 0 if np.mean(centre) >= 0.98 else 1


if __name__ == "__main__":
    sys.exit(main())

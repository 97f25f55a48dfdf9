#!/usr/bin/env python3
"""Writes tests/data/rle_cases.json: masks and the `counts` strings pycocotools makes for them.

Run once with pycocotools installed (the .ci venv has it); the Rust test compares our
encoder with these strings. Masks are stored row-major as strings of '0'/'1'.
"""
import json
import os

import numpy as np
from pycocotools import mask as mask_utils


def case(name, m):
    m = np.asarray(m, dtype=np.uint8)
    rle = mask_utils.encode(np.asfortranarray(m))
    return {
        "name": name,
        "height": int(m.shape[0]),
        "width": int(m.shape[1]),
        "mask": "".join("1" if v else "0" for v in m.reshape(-1)),
        "counts": rle["counts"].decode("ascii"),
        "area": int(mask_utils.area(rle)),
        "bbox": [float(v) for v in mask_utils.toBbox(rle)],
    }


def main():
    rng = np.random.default_rng(20261125)
    cases = [
        case("empty", np.zeros((7, 5))),
        case("full", np.ones((7, 5))),
        case("single_pixel_first", np.pad(np.ones((1, 1)), ((0, 6), (0, 4)))),
        case("single_pixel_last", np.pad(np.ones((1, 1)), ((6, 0), (4, 0)))),
        case("single_pixel_middle", np.pad(np.ones((1, 1)), ((3, 3), (2, 2)))),
        case("horizontal_stripes", np.tile(np.array([[1], [0]]), (6, 9))),
        case("vertical_stripes", np.tile(np.array([[1, 0, 0]]), (8, 5))),
        case("checker", np.indices((9, 11)).sum(axis=0) % 2),
        case("column_wrap", np.vstack([np.zeros((3, 4)), np.ones((2, 4))])),
        case("large_runs", np.pad(np.ones((300, 200)), ((10, 90), (20, 180)))),
    ]
    for i, (h, w, p) in enumerate([(16, 16, 0.5), (31, 17, 0.1), (40, 64, 0.9), (120, 160, 0.02)]):
        cases.append(case(f"random_{i}", rng.random((h, w)) < p))
    # Blobs: long runs with large count differences (exercises the delta encoding).
    blob = np.zeros((240, 320), dtype=np.uint8)
    yy, xx = np.mgrid[0:240, 0:320]
    blob[(yy - 120) ** 2 + (xx - 150) ** 2 < 80 ** 2] = 1
    blob[(yy - 40) ** 2 + (xx - 280) ** 2 < 25 ** 2] = 1
    cases.append(case("blobs", blob))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rle_cases.json")
    with open(out, "w") as f:
        json.dump({"generator": "pycocotools.mask.encode", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()

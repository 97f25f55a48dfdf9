#!/usr/bin/env python3
"""Opens a synthvis webdataset dataset with the `webdataset` library, as a training
pipeline would, and holds what it yields against the dataset's manifest and COCO file.

Usage: webdataset_reader.py DATASET_DIR

Checks, for every sample the library yields from DATASET_DIR/webdataset/*.tar in order:
- the keys are the manifest's frames, each once, in order;
- each sample has the files the labels file lists (rgb.png, depth.png or depth.exr,
  instance.png, class.png as the spec asks), decoded by the library's own decoders;
- rgb decodes to the manifest's resolution, and instance to the same size;
- the labels decode as JSON with the sample's frame index, and its instances that the
  COCO file annotates (their `coco` status `annotated` or `crowd`) are that image's
  annotations (same count, boxes, categories and crowd flags).
Exit status 0 when all hold, 1 otherwise (the first failure is printed).
"""

import glob
import json
import os
import sys

import webdataset as wds


def main(root):
    manifest = json.load(open(os.path.join(root, "manifest.json")))
    coco = json.load(open(os.path.join(root, "annotations.json")))
    first, end = manifest["frames"]
    width, height = manifest["resolution"]
    image_ids = {im["frame_index"]: im["id"] for im in coco["images"]}
    by_image = {}
    for ann in coco["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)

    urls = sorted(glob.glob(os.path.join(root, "webdataset", "*.tar")))
    assert urls, f"{root}: no tars under webdataset/"
    dataset = wds.WebDataset(urls, shardshuffle=False, empty_check=True).decode("pil")
    expected = first
    for sample in dataset:
        key = sample["__key__"]
        assert key == f"{expected:06d}", f"sample {key}: expected frame {expected:06d}"
        labels = sample["labels.json"]
        assert labels["frame_index"] == expected, f"{key}: labels of another frame"
        for rel in labels["files"]:
            folder, name = rel.split("/", 1)
            member = f"{folder}.{name.split('.', 1)[1]}"
            assert member in sample, f"{key}: no {member} (labels list {rel})"
        rgb = sample["rgb.png"]
        assert rgb.size == (width, height), f"{key}: rgb is {rgb.size}"
        if "instance.png" in sample:
            assert sample["instance.png"].size == (width, height), f"{key}: instance size"
        labelled = [i for i in labels["instances"] if i["coco"] in ("annotated", "crowd")]
        anns = by_image.get(image_ids[expected], [])
        assert len(labelled) == len(anns), (
            f"{key}: {len(labelled)} labelled instances, {len(anns)} COCO annotations"
        )
        for inst, ann in zip(labelled, anns):
            assert inst["category_id"] == ann["category_id"], f"{key}: category differs"
            assert inst["bbox"] == ann["bbox"], f"{key}: bbox differs"
            assert (inst["coco"] == "crowd") == (ann["iscrowd"] == 1), f"{key}: crowd flag differs"
        expected += 1
    assert expected == end, f"the tars hold frames {first}..{expected}, the manifest {first}..{end}"
    print(
        f"webdataset read {end - first} samples from {len(urls)} tars in {root}: "
        "keys, files, image sizes and labels agree with the manifest and annotations.json"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        main(sys.argv[1])
    except AssertionError as e:
        sys.exit(f"FAIL: {e}")

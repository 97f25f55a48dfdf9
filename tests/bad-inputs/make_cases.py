#!/usr/bin/env python3
"""Writes the bad-input corpus: one folder per case with spec.json (and any broken asset
files) and expect.json: {"exit": code, "names": [strings stderr must contain],
"args": extra CLI arguments, "out": "new" | "file" | "nonempty" | "foreign"}.

Run from anywhere: python3 tests/bad-inputs/make_cases.py. The output is committed.
"""
import json
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CUBE = "../../../assets/cube.glb"


def base():
    return {
        "version": 0,
        "frames": 1,
        "resolution": {"width": 64, "height": 48},
        "camera": {"fov_y_deg": 45, "position": [0, 1, 3], "look_at": [0, 0, 0]},
        "categories": [{"name": "cube"}],
        "assets": [{"name": "cube", "path": CUBE, "category": "cube"}],
        "objects": [{"asset": "cube", "position": [0, 0, 0]}],
    }


def case(name, spec, exit_code, names, raw=None, files=None, args=None, out="new"):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "spec.json"), "w" if raw is None or isinstance(raw, str) else "wb") as f:
        if raw is not None:
            f.write(raw)
        else:
            json.dump(spec, f, indent=2)
    for fname, data in (files or {}).items():
        os.makedirs(os.path.dirname(os.path.join(d, fname)), exist_ok=True)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "expect.json"), "w") as f:
        json.dump({"exit": exit_code, "names": names, "args": args or [], "out": out}, f, indent=2)
        f.write("\n")


def patched(path, value, spec=None):
    s = spec or base()
    cur = s
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur[int(k)] if k.isdigit() else cur[k]
    last = keys[-1]
    if value is DELETE:
        del cur[last]
    elif last.isdigit():
        cur[int(last)] = value
    else:
        cur[last] = value
    return s


DELETE = object()


def glb(json_doc, bin_chunk=b""):
    j = json.dumps(json_doc).encode()
    j += b" " * (-len(j) % 4)
    chunks = struct.pack("<I4s", len(j), b"JSON") + j
    if bin_chunk:
        bin_chunk += b"\0" * (-len(bin_chunk) % 4)
        chunks += struct.pack("<I4s", len(bin_chunk), b"BIN\0") + bin_chunk
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def tri_gltf(positions, indices=None, mode=None, extra=None):
    pos = b"".join(struct.pack("<3f", *p) for p in positions)
    bin_ = pos
    views = [{"buffer": 0, "byteOffset": 0, "byteLength": len(pos)}]
    accessors = [{"bufferView": 0, "componentType": 5126, "count": len(positions), "type": "VEC3",
                  "min": [min(p[i] for p in positions) for i in range(3)] if positions else [0, 0, 0],
                  "max": [max(p[i] for p in positions) for i in range(3)] if positions else [0, 0, 0]}]
    prim = {"attributes": {"POSITION": 0}}
    if indices is not None:
        idx = b"".join(struct.pack("<I", i) for i in indices)
        views.append({"buffer": 0, "byteOffset": len(bin_), "byteLength": len(idx)})
        bin_ += idx
        accessors.append({"bufferView": 1, "componentType": 5125, "count": len(indices), "type": "SCALAR"})
        prim["indices"] = 1
    if mode is not None:
        prim["mode"] = mode
    doc = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
           "meshes": [{"primitives": [prim]}], "accessors": accessors, "bufferViews": views,
           "buffers": [{"byteLength": len(bin_)}]}
    doc.update(extra or {})
    return glb(doc, bin_)


def with_asset(fname):
    return patched("assets.0.path", fname)


def png_bytes():
    raw = b"\0\xff\0\0"
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    for d in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, d)):
            shutil.rmtree(os.path.join(HERE, d))
    S = "spec.json"
    # --- specs
    case("spec-malformed-json", None, 2, [S + ":3:"], raw='{\n  "version": 0,\n  "frames": 1,,\n}')
    case("spec-empty-file", None, 2, [S + ":1:"], raw="")
    case("spec-wrong-type", patched("frames", "many"), 2, [S, "frames", "expected u64"])
    case("spec-unknown-field", patched("camera.fov", 40), 2, [S, "camera", "unknown field `fov`"])
    case("spec-missing-field", patched("camera", DELETE), 2, [S, "missing field `camera`"])
    case("spec-huge-number", None, 2, [S, "resolution.width"],
         raw=json.dumps(base()).replace('"width": 64', '"width": 1e400'))
    case("spec-zero-resolution", patched("resolution.width", 0), 2, [S, "resolution.width"])
    case("spec-resolution-too-large", patched("resolution.height", 100000), 2, [S, "resolution.height"])
    case("spec-zero-frames", patched("frames", 0), 2, [S, "frames: must be at least 1"])
    case("spec-min-greater-than-max",
         patched("objects.0.position", {"uniform": {"min": [0, 2, 0], "max": [1, 1, 1]}}), 2,
         [S, "objects[0].position: min > max on y"])
    case("spec-negative-count", patched("objects.0.count", -3), 2, [S, "objects[0].count"])
    case("spec-unknown-category", patched("assets.0.category", "sphere"), 2,
         [S, "assets[0].category", "unknown category `sphere`"])
    case("spec-unknown-asset", patched("objects.0.asset", "teapot"), 2, [S, "objects[0].asset"])
    case("spec-bad-fov", patched("camera.fov_y_deg", 180), 2, [S, "camera.fov_y_deg"])
    case("spec-near-after-far", patched("camera.far", 0.01), 2, [S, "camera.near"])
    case("spec-camera-at-target", patched("camera.position", [0, 0, 0]), 2, [S, "camera.look_at"])
    case("spec-negative-scale", patched("objects.0.scale", -1), 2, [S, "objects[0].scale"])
    case("spec-colour-out-of-range", patched("background", {"color": [2, 0, 0]}), 2, [S, "background.color"])
    case("spec-wrong-version", patched("version", 7), 2, [S, "version"])
    case("spec-asset-path-is-directory", with_asset("."), 2, ["cannot read asset"])
    # --- the randomization language
    case("spec-weights-negative",
         patched("objects.0.asset", {"choice": {"values": ["cube", "cube"], "weights": [1, -1]}}), 2,
         [S, "objects[0].asset", "non-negative"])
    case("spec-weights-all-zero",
         patched("objects.0.count", {"choice": {"values": [1, 2], "weights": [0, 0]}}), 2,
         [S, "objects[0].count", "must not all be zero"])
    case("spec-weights-count-mismatch",
         patched("objects.0.scale", {"choice": {"values": [1, 2], "weights": [1]}}), 2,
         [S, "objects[0].scale", "1 weights for 2 values"])
    case("spec-count-range-reversed", patched("objects.0.count", [5, 2]), 2,
         [S, "objects[0].count", "min > max"])
    case("spec-unknown-distribution", patched("objects.0.scale", {"gamma": [1, 2]}), 2,
         [S, "objects[0].scale", "expected a number"])
    case("spec-normal-negative-std", patched("objects.0.scale", {"normal": {"mean": 1, "std": -0.1, "min": 0.1}}), 2,
         [S, "objects[0].scale", "std must not be negative"])
    case("spec-normal-unbounded-scale", patched("objects.0.scale", {"normal": {"mean": 1, "std": 0.1}}), 2,
         [S, "objects[0].scale", "must be positive"])
    case("spec-normal-empty-truncation",
         patched("objects.0.scale", {"normal": {"mean": 0, "std": 0.01, "min": 5, "max": 6}}), 2,
         [S, "objects[0].scale", "holds almost none"])
    case("spec-log-uniform-non-positive", patched("objects.0.scale", {"log_uniform": [0, 2]}), 2,
         [S, "objects[0].scale", "min > 0"])
    case("spec-category-without-assets",
         patched("objects.0.asset", {"category": "empty"},
                 patched("categories", [{"name": "cube"}, {"name": "empty"}])), 2,
         [S, "objects[0].asset.category", "no asset has category `empty`"])
    case("spec-choice-unknown-asset",
         patched("objects.0.asset", {"choice": ["cube", "teapot"]}), 2,
         [S, "objects[0].asset", "unknown asset `teapot`"])
    case("spec-too-many-lights-by-count",
         patched("lights", [{"type": "point", "position": [0, 2, 0], "count": [0, 9]}]), 2,
         [S, "lights", "at most 8"])
    case("spec-spot-cone-inverted",
         patched("lights", [{"type": "spot", "position": [0, 2, 0], "direction": [0, -1, 0],
                             "inner_cone_deg": 40, "outer_cone_deg": 30}]), 2,
         [S, "lights[0].inner_cone_deg"])
    case("spec-cone-zero-axis",
         patched("lights", [{"type": "directional", "direction": {"cone": {"axis": [0, 0, 0], "max_angle_deg": 10}}}]), 2,
         [S, "lights[0].direction", "zero vector"])
    case("spec-kelvin-out-of-range",
         patched("lights", [{"type": "directional", "direction": [0, -1, 0], "color": {"kelvin": [1000, 5000]}}]), 2,
         [S, "lights[0].color.kelvin"])
    case("spec-orbit-and-position",
         patched("camera.orbit", {"distance": 3}), 2, [S, "camera", "either `position` or `orbit`"])
    case("spec-orbit-elevation", patched("camera", {"fov_y_deg": 45, "orbit": {"distance": 3, "elevation_deg": [0, 120]}}), 2,
         [S, "camera.orbit.elevation_deg"])
    case("spec-rotation-twice", patched("objects.0.rotation", "uniform",
                                        patched("objects.0.rotation_deg", [0, 90, 0])), 2,
         [S, "objects[0].rotation", "not both"])
    case("spec-placement-impossible",
         patched("objects.0", {"asset": "cube", "count": 30, "max_trials": 20, "avoid_overlap": True,
                               "placement": {"on_plane": {"x": [-0.2, 0.2], "z": [-0.2, 0.2]}}}), 2,
         ["objects[0]", "cube", "20 trials"])
    case("spec-placement-and-position",
         patched("objects.0.placement", {"on_plane": {"x": 0, "z": 0}}), 2,
         [S, "objects[0].placement", "not both"])
    case("spec-no-position", patched("objects.0.position", DELETE), 2,
         [S, "objects[0]", "give `position` or `placement`"])
    case("spec-frustum-beyond-far",
         patched("objects.0", {"asset": "cube", "placement": {"in_frustum": {"distance": [1, 500]}}}), 2,
         [S, "objects[0].placement.in_frustum.distance", "near and far"])
    case("spec-zero-max-trials", patched("objects.0.max_trials", 0), 2, [S, "objects[0].max_trials"])
    case("spec-image-pool-missing",
         patched("background", {"texture": {"images": {"dir": "no-such-dir"}}}), 2,
         [S, "background.texture.images.dir", "cannot read directory"])
    case("spec-image-pool-empty",
         patched("objects.0.material", {"texture": {"images": {"dir": "."}}}), 2,
         [S, "objects[0].material.texture.images.dir", "no .png"])
    case("spec-image-pool-corrupt",
         patched("background", {"texture": {"images": {"dir": "pool"}}}), 2,
         ["bad.png", "cannot decode image"], files={"pool/bad.png": b"not a png at all"})
    case("spec-version-0-reads", patched("version", 0), 0, [])
    case("spec-newer-version", patched("version", 2), 2, [S, "version", "upgrade synthvis"])
    case("spec-asset-missing", with_asset("nowhere.glb"), 2, ["nowhere.glb"])
    # --- glTF
    good = tri_gltf([(0, 0, 0), (1, 0, 0), (0, 1, 0)])
    case("gltf-truncated-glb", with_asset("a.glb"), 2, ["a.glb", "invalid glTF"], files={"a.glb": good[:40]})
    case("gltf-wrong-magic", with_asset("a.glb"), 2, ["a.glb", "invalid glTF"], files={"a.glb": b"glTX" + good[4:]})
    bad_json = bytearray(good)
    bad_json[20:24] = b"{{{{"
    case("gltf-invalid-json-chunk", with_asset("a.glb"), 2, ["a.glb", "invalid glTF"], files={"a.glb": bytes(bad_json)})
    case("gltf-index-past-vertex-count", with_asset("a.glb"), 2, ["a.glb", "index 7 is past the vertex count 3"],
         files={"a.glb": tri_gltf([(0, 0, 0), (1, 0, 0), (0, 1, 0)], indices=[0, 1, 7])})
    case("gltf-accessor-out-of-range", with_asset("a.gltf"), 2, ["a.gltf", "invalid glTF"],
         files={"a.gltf": json.dumps({"asset": {"version": "2.0"}, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
                                      "meshes": [{"primitives": [{"attributes": {"POSITION": 5}}]}]}).encode()})
    case("gltf-missing-bin", with_asset("a.gltf"), 2, ["a.gltf", "missing.bin"],
         files={"a.gltf": json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "missing.bin", "byteLength": 36}]}).encode()})
    case("gltf-corrupt-png", with_asset("a.gltf"), 2, ["a.gltf", "image"],
         files={"a.gltf": json.dumps({"asset": {"version": "2.0"}, "images": [{"uri": "tex.png"}]}).encode(),
                "tex.png": png_bytes()[:30]})
    case("gltf-required-draco", with_asset("a.gltf"), 2, ["a.gltf", "KHR_draco_mesh_compression"],
         files={"a.gltf": json.dumps({"asset": {"version": "2.0"}, "extensionsUsed": ["KHR_draco_mesh_compression"],
                                      "extensionsRequired": ["KHR_draco_mesh_compression"]}).encode()})
    case("gltf-points-only", with_asset("a.glb"), 2, ["a.glb", "no triangles"],
         files={"a.glb": tri_gltf([(0, 0, 0), (1, 0, 0), (0, 1, 0)], mode=0)})
    case("gltf-no-vertices", with_asset("a.glb"), 2, ["a.glb"], files={"a.glb": tri_gltf([])})
    case("gltf-degenerate-triangles-render", with_asset("a.glb"), 0, [],
         files={"a.glb": tri_gltf([(0, 0, 0), (1, 0, 0), (0, 1, 0), (2, 2, 2)], indices=[0, 1, 2, 3, 3, 3])})
    case("gltf-missing-image", with_asset("a.gltf"), 2, ["a.gltf", "missing.png"],
         files={"a.gltf": json.dumps({"asset": {"version": "2.0"}, "images": [{"uri": "missing.png"}]}).encode()})
    nan = float("nan")
    case("gltf-nan-positions", with_asset("a.glb"), 2, ["a.glb", "POSITION"],
         files={"a.glb": tri_gltf([(0, 0, 0), (nan, 0, 0), (0, 1, 0)], indices=[0, 1, 2])})
    # --- output
    case("output-path-is-a-file", base(), 1, ["not a directory"], out="file")
    case("output-not-empty", base(), 1, ["not empty", "--overwrite"], out="nonempty")
    case("output-overwrite-foreign-dir", base(), 1, ["not a synthvis dataset", "nothing was deleted"],
         args=["--overwrite"], out="nonempty")
    print("cases:", len([d for d in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, d))]))


if __name__ == "__main__":
    main()

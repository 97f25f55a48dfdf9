#!/usr/bin/env python3
"""Writes the bad-input corpus: one folder per case with spec.json (and any broken asset
files) and expect.json: {"render": OUTCOME, "validate": OUTCOME, "args": extra render
arguments, "out": "new" | "file" | "nonempty"}, where OUTCOME is {"exit": code, "names":
[strings stderr must contain]}. tests/it/bad_inputs.rs runs every case through
`synthvis render` and `synthvis validate`, each under a timeout.

Run from anywhere: python3 tests/bad-inputs/make_cases.py. The output is committed.
"""
import base64
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


def case(name, spec, exit_code, names, raw=None, files=None, args=None, out="new", validate=None):
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
    if validate is None:
        # validate reads the spec and its assets and samples frames, like render; it never
        # touches an output directory, so output cases pass it.
        validate = (exit_code, names) if out == "new" and not args else (0, [])
    expect = {"render": {"exit": exit_code, "names": names},
              "validate": {"exit": validate[0], "names": validate[1]},
              "args": args or [], "out": out}
    with open(os.path.join(d, "expect.json"), "w") as f:
        json.dump(expect, f, indent=2)
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


TRI = [(0, 0, 0), (1, 0, 0), (0, 1, 0)]


def tri_doc(positions=TRI):
    """A one-triangle document and its binary data, for cases that edit the JSON."""
    pos = b"".join(struct.pack("<3f", *p) for p in positions)
    doc = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
           "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
           "accessors": [{"bufferView": 0, "componentType": 5126, "count": len(positions), "type": "VEC3",
                          "min": [0, 0, 0], "max": [1, 1, 0]}],
           "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": len(pos)}],
           "buffers": [{"byteLength": len(pos)}]}
    return doc, pos


def as_glb(doc, bin_):
    return glb(doc, bin_)


def as_gltf(doc, uri=None):
    """The document as .gltf text, its buffer at `uri` when given."""
    if uri is not None:
        doc["buffers"][0]["uri"] = uri
    return json.dumps(doc).encode()


def chain_nodes(n):
    """n nodes, each the only child of the one before; the last holds the mesh."""
    nodes = [{"children": [i + 1]} for i in range(n - 1)] + [{"mesh": 0}]
    return nodes


def png_claiming(w, h):
    """A PNG whose header claims w x h pixels, with one tiny data chunk behind it."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def jpeg_claiming(w, h):
    """The start of a baseline JPEG whose frame header claims w x h pixels."""
    sof = struct.pack(">BHHB", 8, h, w, 3) + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    return (b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof
            + b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00" + b"\x00" * 64 + b"\xff\xd9")


def textured(image_json, files=None):
    """A triangle with UVs and a base-colour texture from `image_json`."""
    doc, bin_ = tri_doc()
    uv = struct.pack("<6f", 0, 0, 1, 0, 0, 1)
    doc["bufferViews"].append({"buffer": 0, "byteOffset": len(bin_), "byteLength": len(uv)})
    doc["accessors"].append({"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"})
    doc["meshes"][0]["primitives"][0]["attributes"]["TEXCOORD_0"] = 1
    doc["meshes"][0]["primitives"][0]["material"] = 0
    doc["materials"] = [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]
    doc["textures"] = [{"source": 0}]
    doc["images"] = [image_json]
    bin_ += uv
    doc["buffers"][0]["byteLength"] = len(bin_)
    return doc, bin_


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
    case("spec-newer-version", patched("version", 3), 2, [S, "version", "upgrade synthvis"])
    visibility = patched("version", 2)
    visibility["assets"] = [{"name": "cube", "primitive": "cube", "category": "cube"}]
    visibility["labels"] = {"min_visibility": 1.5, "below_threshold": "crowd"}
    case("labels-visibility-out-of-range", visibility, 2,
         [S, "labels.min_visibility", "must lie in [0, 1]"])
    case("spec-asset-missing", with_asset("nowhere.glb"), 2, ["nowhere.glb"])
    # --- glTF
    good = tri_gltf([(0, 0, 0), (1, 0, 0), (0, 1, 0)])
    case("gltf-truncated-glb", with_asset("a.glb"), 2, ["a.glb", "invalid glTF"], files={"a.glb": good[:40]})
    short = bytearray(good)
    short[8:12] = struct.pack("<I", 4)
    case("gltf-glb-length-shorter-than-header", with_asset("a.glb"), 2, ["a.glb", "GLB header"],
         files={"a.glb": bytes(short)})
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
    # WebP textures are not decoded: a file that requires them is refused naming the extension.
    case("gltf-required-webp", with_asset("a.gltf"), 2, ["a.gltf", "EXT_texture_webp"],
         files={"a.gltf": json.dumps({"asset": {"version": "2.0"}, "extensionsUsed": ["EXT_texture_webp"],
                                      "extensionsRequired": ["EXT_texture_webp"]}).encode()})
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
    # --- PLY and STL
    def ply(fmt, vertices, faces, extra_header=""):
        head = (f"ply\nformat {fmt} 1.0\n{extra_header}element vertex {len(vertices)}\n"
                "property float x\nproperty float y\nproperty float z\n"
                f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n")
        if fmt == "ascii":
            body = "".join(" ".join(repr(c) for c in v) + "\n" for v in vertices)
            body += "".join(f"{len(f)} " + " ".join(map(str, f)) + "\n" for f in faces)
            return (head + body).encode()
        out = head.encode()
        for v in vertices:
            out += struct.pack("<3f", *v)
        for f in faces:
            out += struct.pack("<B", len(f)) + struct.pack(f"<{len(f)}i", *f)
        return out

    tri = [(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)]
    case("ply-renders", with_asset("a.ply"), 0, [], files={"a.ply": ply("ascii", tri, [[0, 1, 2]])})
    whole = ply("binary_little_endian", tri, [[0, 1, 2]])
    case("ply-truncated-binary", with_asset("a.ply"), 2, ["a.ply", "invalid mesh file"],
         files={"a.ply": whole[:-6]})
    nan_tri = [(0.0, 0.0, 0.0), (nan, 0.0, 0.0), (0.0, 1.0, 0.0)]
    case("ply-nan-position", with_asset("a.ply"), 2, ["a.ply", "vertex 1", "not finite"],
         files={"a.ply": ply("binary_little_endian", nan_tri, [[0, 1, 2]])})
    case("ply-ascii-bad-number", with_asset("a.ply"), 2, ["a.ply", "not a readable PLY file", "Line"],
         files={"a.ply": ply("ascii", nan_tri, [[0, 1, 2]])})
    case("ply-index-out-of-range", with_asset("a.ply"), 2, ["a.ply", "face 0", "vertex index 7"],
         files={"a.ply": ply("ascii", tri, [[0, 1, 7]])})
    case("ply-point-cloud", with_asset("a.ply"), 2, ["a.ply", "no triangles"],
         files={"a.ply": ply("ascii", tri, [])})
    case("ply-not-ply", with_asset("a.ply"), 2, ["a.ply", "not a readable PLY file"],
         files={"a.ply": b"this is not a mesh\n"})
    case("ply-count-beyond-file", with_asset("a.ply"), 2, ["a.ply", "invalid mesh file"],
         files={"a.ply": ply("ascii", tri, [[0, 1, 2]]).replace(b"element vertex 3", b"element vertex 3000000000")})
    case("ply-missing-texture-renders", with_asset("a.ply"), 0, [],
         files={"a.ply": ply("ascii", tri, [[0, 1, 2]], "comment TextureFile nowhere.png\n")})

    def stl_binary(triangles, count=None):
        out = b"\0" * 80 + struct.pack("<I", len(triangles) if count is None else count)
        for t in triangles:
            out += struct.pack("<3f", 0, 0, 0) + b"".join(struct.pack("<3f", *p) for p in t) + b"\0\0"
        return out

    case("stl-renders", with_asset("a.stl"), 0, [], files={"a.stl": stl_binary([tri])})
    case("stl-truncated-binary", with_asset("a.stl"), 2, ["a.stl", "truncated", "1000 triangles"],
         files={"a.stl": stl_binary([tri], count=1000)})
    case("stl-empty-file", with_asset("a.stl"), 2, ["a.stl", "invalid mesh file"], files={"a.stl": b""})
    case("stl-no-triangles", with_asset("a.stl"), 2, ["a.stl", "no triangles"],
         files={"a.stl": b"solid empty\nendsolid empty\n"})
    case("stl-nan-vertex", with_asset("a.stl"), 2, ["a.stl", "vertex 2", "not finite"],
         files={"a.stl": stl_binary([[(0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (nan, 1.0, 0.0)]])})
    obj_tri = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    case("obj-renders", with_asset("a.obj"), 0, [], files={"a.obj": obj_tri})
    case("obj-missing-mtl-renders", with_asset("a.obj"), 0, [], files={"a.obj": b"mtllib nowhere.mtl\n" + obj_tri})
    case("obj-index-out-of-range", with_asset("a.obj"), 2, ["a.obj", "line 4", "names no vertex"],
         files={"a.obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n"})
    case("obj-nan-position", with_asset("a.obj"), 2, ["a.obj", "vertex 1", "not finite"],
         files={"a.obj": b"v 0 0 0\nv nan 0 0\nv 0 1 0\nf 1 2 3\n"})
    case("obj-no-faces", with_asset("a.obj"), 2, ["a.obj", "no triangles"],
         files={"a.obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\n"})
    case("obj-lines-only", with_asset("a.obj"), 2, ["a.obj", "no triangles"],
         files={"a.obj": b"v 0 0 0\nv 1 0 0\nl 1 2\n"})
    case("obj-bad-number", with_asset("a.obj"), 2, ["a.obj", "line 1", "not a readable OBJ file"],
         files={"a.obj": b"v 0 zero 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"})
    # --- asset folders and BOP model sets (expanded when the spec loads)
    def with_entry(entry):
        return patched("assets.0", {"name": "cube", "category": "cube", **entry})
    case("folder-renders", with_entry({"dir": "models", "pattern": "*/*"}), 0, [],
         files={"models/a/tri.obj": obj_tri, "models/b/tri.stl": stl_binary([tri]),
                "models/b/notes.txt": b"not a mesh"})
    case("folder-missing", with_entry({"dir": "models"}), 2,
         ["spec.json", "assets[0].dir", "is not a directory"])
    case("folder-pattern-matches-nothing", with_entry({"dir": "models", "pattern": "*.ply"}), 2,
         ["assets[0].pattern", "no .gltf, .glb, .obj, .ply or .stl file", "*.ply"],
         files={"models/notes.txt": b"not a mesh"})
    case("folder-pattern-leaves-dir", with_entry({"dir": "models", "pattern": "../*"}), 2,
         ["assets[0].pattern", "must stay inside `dir`"], files={"models/tri.obj": obj_tri})
    case("folder-pattern-malformed", with_entry({"dir": "models", "pattern": "[a"}), 2,
         ["assets[0].pattern", "not a glob pattern"], files={"models/tri.obj": obj_tri})
    case("folder-bad-mesh", with_entry({"dir": "models"}), 2, ["tri.stl", "truncated"],
         files={"models/tri.stl": stl_binary([tri], count=1000)})
    bop_info = b'{"1": {"diameter": 1.0}}'
    case("bop-models-renders", with_entry({"bop_models": "models", "category": "cube"}), 0, [],
         files={"models/models_info.json": bop_info,
                "models/obj_000001.ply": ply("ascii", [(0, 0, 0), (1000, 0, 0), (0, 1000, 0)],
                                             [[0, 1, 2]])})
    case("bop-models-missing-info", with_entry({"bop_models": "models"}), 2,
         ["assets[0].bop_models", "models_info.json"], files={"models/obj_000001.ply": b""})
    case("bop-models-info-not-json", with_entry({"bop_models": "models"}), 2,
         ["assets[0].bop_models", "not a BOP models_info.json"],
         files={"models/models_info.json": b'{"1": '})
    case("bop-models-info-bad-id", with_entry({"bop_models": "models"}), 2,
         ["assets[0].bop_models", "`0` is not an object id"],
         files={"models/models_info.json": b'{"0": {}}'})
    case("bop-models-missing-ply", with_entry({"bop_models": "models"}), 2,
         ["assets[0].bop_models", "lists object 1", "obj_000001.ply"],
         files={"models/models_info.json": bop_info})
    case("bop-models-truncated-ply", with_entry({"bop_models": "models", "category": "cube"}), 2,
         ["obj_000001.ply", "invalid mesh file"],
         files={"models/models_info.json": bop_info, "models/obj_000001.ply": whole[:-6]})
    # --- compressed glTF: the repository's ball compressed by gltf-transform
    # (tests/data/compressed/make.sh), then damaged
    def compressed(mode):
        name = mode if mode.startswith("cube-") else f"ball-{mode}"
        data = open(os.path.join(HERE, "..", "data", "compressed", f"{name}.glb"), "rb").read()
        json_length = struct.unpack("<I", data[12:16])[0]
        doc = json.loads(data[20:20 + json_length])
        bin_start = 20 + json_length
        bin_length = struct.unpack("<I", data[bin_start:bin_start + 4])[0]
        return doc, bytearray(data[bin_start + 8:bin_start + 8 + bin_length])
    for mode in ("draco", "meshopt", "quantize"):
        doc, b = compressed(mode)
        case(f"gltf-{mode}-renders", with_asset("a.glb"), 0, [], files={"a.glb": as_glb(doc, bytes(b))})
    draco_ext = "/meshes/0/primitives/0/extensions/KHR_draco_mesh_compression"
    doc, b = compressed("draco")
    view = doc["bufferViews"][1]
    b[view["byteOffset"] + 40:view["byteOffset"] + view["byteLength"]] = bytes(view["byteLength"] - 40)
    case("gltf-draco-corrupt", with_asset("a.glb"), 2,
         ["a.glb", "KHR_draco_mesh_compression", "not a decodable Draco mesh"],
         files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("draco")
    doc["bufferViews"][1]["byteLength"] = 12
    case("gltf-draco-truncated", with_asset("a.glb"), 2,
         ["a.glb", "KHR_draco_mesh_compression", "not a decodable Draco mesh"],
         files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("draco")
    doc["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]["attributes"]["POSITION"] = 99
    case("gltf-draco-unknown-attribute", with_asset("a.glb"), 2,
         ["a.glb", "no attribute 99 (POSITION)"], files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("draco")
    doc["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]["bufferView"] = 7
    case("gltf-draco-view-missing", with_asset("a.glb"), 2,
         ["a.glb", "KHR_draco_mesh_compression", "bufferView 7 does not exist"], files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("meshopt")
    ext = doc["bufferViews"][2]["extensions"]["EXT_meshopt_compression"]
    b[ext["byteOffset"] + 1:ext["byteOffset"] + ext["byteLength"]] = b"\xff" * (ext["byteLength"] - 1)
    case("gltf-meshopt-corrupt", with_asset("a.glb"), 2,
         ["a.glb", "bufferViews[2]", "meshopt decoder refused"], files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("meshopt")
    doc["bufferViews"][2]["extensions"]["EXT_meshopt_compression"]["mode"] = "STRIPS"
    case("gltf-meshopt-unknown-mode", with_asset("a.glb"), 2,
         ["a.glb", "bufferViews[2]", "unknown mode `STRIPS`"], files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("meshopt")
    doc["bufferViews"][2]["extensions"]["EXT_meshopt_compression"]["byteOffset"] = 1 << 30
    case("gltf-meshopt-past-buffer", with_asset("a.glb"), 2,
         ["a.glb", "bufferViews[2]", "past the end of buffers[0]"], files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("meshopt")
    doc["buffers"][1]["byteLength"] = 1 << 40
    case("gltf-meshopt-fallback-too-large", with_asset("a.glb"), 2,
         ["a.glb", "buffers[1]", "fallback buffer"], files={"a.glb": as_glb(doc, bytes(b))})
    for codec in ("etc1s", "uastc"):
        doc, b = compressed(f"cube-{codec}")
        case(f"gltf-ktx2-{codec}-renders", with_asset("a.glb"), 0, [], files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("cube-etc1s")
    view = doc["bufferViews"][doc["images"][0]["bufferView"]]
    b[view["byteOffset"] + 80:view["byteOffset"] + view["byteLength"]] = bytes(view["byteLength"] - 80)
    case("gltf-ktx2-corrupt", with_asset("a.glb"), 2, ["a.glb", "images[0]", "KTX2"],
         files={"a.glb": as_glb(doc, bytes(b))})
    doc, b = compressed("cube-etc1s")
    doc["textures"][0]["extensions"]["KHR_texture_basisu"]["source"] = 5
    case("gltf-ktx2-missing-image", with_asset("a.glb"), 2,
         ["a.glb", "textures[0].extensions.KHR_texture_basisu.source", "image 5 does not exist"],
         files={"a.glb": as_glb(doc, bytes(b))})
    case("asset-unknown-format", with_asset("a.fbx"), 2, ["a.fbx", "cannot read this kind of file", ".ply"],
         files={"a.fbx": b"Kaydara FBX Binary"})
    # --- glTF node graphs that are not trees
    doc, b = tri_doc()
    doc["nodes"] = [{"mesh": 0, "children": [0]}]
    case("gltf-node-own-child", with_asset("a.glb"), 2, ["a.glb", "nodes[0].children", "itself"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["nodes"] = [{"mesh": 0, "children": [1]}, {"children": [2]}, {"children": [1]}]
    case("gltf-node-cycle", with_asset("a.glb"), 2, ["a.glb", "cycle"], files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["nodes"] = [{"mesh": 0}, {"children": [2]}, {"children": [1]}]
    case("gltf-node-cycle-outside-scene", with_asset("a.glb"), 2, ["a.glb", "cycle"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["scenes"] = [{"nodes": [0, 1]}]
    doc["nodes"] = [{"children": [2]}, {"children": [2]}, {"mesh": 0}]
    case("gltf-node-two-parents", with_asset("a.glb"), 2, ["a.glb", "nodes[1].children", "one parent"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["scenes"] = [{"nodes": [0, 1]}]
    doc["nodes"] = [{"mesh": 0, "children": [1]}, {"mesh": 0}]
    case("gltf-scene-root-is-a-child", with_asset("a.glb"), 2, ["a.glb", "scenes[0].nodes", "nodes[1]"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["scenes"] = [{"nodes": [0, 0]}]
    case("gltf-scene-root-twice", with_asset("a.glb"), 2, ["a.glb", "scenes[0].nodes", "twice"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["nodes"] = chain_nodes(5000)
    case("gltf-node-depth-absurd", with_asset("a.glb"), 2, ["a.glb", "levels deep", "1024"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["nodes"] = chain_nodes(200)
    case("gltf-node-depth-200-renders", with_asset("a.glb"), 0, [], files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["nodes"] = [{"mesh": 0, "scale": [1e39, 1, 1]}]
    case("gltf-number-out-of-range", with_asset("a.glb"), 2, ["a.glb", "number out of range"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["nodes"] = chain_nodes(12)
    for n in doc["nodes"]:
        n["scale"] = [1e38, 1, 1]
    case("gltf-node-transform-overflows", with_asset("a.glb"), 2, ["a.glb", "nodes[8]", "not finite"],
         files={"a.glb": as_glb(doc, b)})
    # --- accessors and buffers
    doc, b = tri_doc()
    doc["accessors"][0]["count"] = 100
    case("gltf-accessor-overruns-view", with_asset("a.glb"), 2, ["a.glb", "accessors[0]", "overrun bufferViews[0]"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["accessors"][0]["count"] = 4294967295
    case("gltf-accessor-count-overflows", with_asset("a.glb"), 2, ["a.glb", "accessors[0]"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["bufferViews"][0]["byteLength"] = 4096
    case("gltf-view-past-buffer", with_asset("a.glb"), 2, ["a.glb", "bufferViews[0]", "past the end of buffers[0]"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["bufferViews"][0]["byteOffset"] = 2
    doc["bufferViews"][0]["byteLength"] = 34
    case("gltf-accessor-misaligned", with_asset("a.glb"), 2, ["a.glb", "accessors[0]", "not a multiple"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["bufferViews"][0]["byteStride"] = 8
    case("gltf-stride-smaller-than-element", with_asset("a.glb"), 2, ["a.glb", "accessors[0]", "smaller than one element"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["buffers"][0]["byteLength"] = 1000
    doc["buffers"][0]["uri"] = "short.bin"
    case("gltf-buffer-shorter-than-its-length", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0]", "byteLength"],
         files={"a.gltf": json.dumps(doc).encode(), "short.bin": b})
    doc, b = tri_doc()
    doc["accessors"][0]["count"] = 0
    case("gltf-accessor-count-zero", with_asset("a.glb"), 2, ["a.glb", "accessors[0]", "count"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = tri_doc()
    doc["accessors"][0]["type"] = "SCALAR"
    doc["accessors"][0]["count"] = 9
    case("gltf-position-wrong-type", with_asset("a.glb"), 2, ["a.glb", "attributes.POSITION", "accessors[0]"],
         files={"a.glb": as_glb(doc, b)})
    doc, b = textured({"uri": "tex.png"})
    doc["accessors"][1]["componentType"] = 5120
    case("gltf-texcoord-signed-bytes", with_asset("a.gltf"), 2, ["a.gltf", "TEXCOORD_0"],
         files={"a.gltf": as_gltf(doc, "a.bin"), "a.bin": b, "tex.png": png_bytes()})
    doc, b = tri_doc()
    idx = struct.pack("<3f", 0, 1, 2)
    doc["bufferViews"].append({"buffer": 0, "byteOffset": len(b), "byteLength": len(idx)})
    doc["accessors"].append({"bufferView": 1, "componentType": 5126, "count": 3, "type": "SCALAR"})
    doc["meshes"][0]["primitives"][0]["indices"] = 1
    doc["buffers"][0]["byteLength"] = len(b) + len(idx)
    case("gltf-indices-float", with_asset("a.glb"), 2, ["a.glb", "indices"], files={"a.glb": as_glb(doc, b + idx)})
    doc, b = tri_doc()
    sparse_idx = struct.pack("<I", 7)
    sparse_val = struct.pack("<3f", 0, 0, 1)
    doc["bufferViews"] += [{"buffer": 0, "byteOffset": len(b), "byteLength": 4},
                           {"buffer": 0, "byteOffset": len(b) + 4, "byteLength": 12}]
    doc["accessors"][0]["sparse"] = {"count": 1, "indices": {"bufferView": 1, "componentType": 5125},
                                     "values": {"bufferView": 2}}
    doc["buffers"][0]["byteLength"] = len(b) + 16
    case("gltf-sparse-index-out-of-range", with_asset("a.glb"), 2, ["a.glb", "accessors[0].sparse.indices", "index 7"],
         files={"a.glb": as_glb(doc, b + sparse_idx + sparse_val)})
    # --- URIs
    doc, b = tri_doc()
    case("gltf-uri-percent-escapes-render", with_asset("a.gltf"), 0, [],
         files={"a.gltf": as_gltf(doc, "my%20data%2B1.bin"), "my data+1.bin": b})
    doc, b = tri_doc()
    case("gltf-uri-non-ascii-renders", with_asset("a.gltf"), 0, [],
         files={"a.gltf": as_gltf(doc, "donn\u00e9es \u4e09\u89d2.bin"), "donn\u00e9es \u4e09\u89d2.bin": b})
    doc, b = tri_doc()
    case("gltf-uri-escape-not-utf8", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "cannot read"],
         files={"a.gltf": as_gltf(doc, "%FF%FE.bin")})
    doc, b = tri_doc()
    case("gltf-uri-bad-escape", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "cannot read"],
         files={"a.gltf": as_gltf(doc, "%zz%4.bin")})
    doc, b = tri_doc()
    case("gltf-uri-nul", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "NUL"],
         files={"a.gltf": as_gltf(doc, "a%00b.bin")})
    doc, b = tri_doc()
    case("gltf-uri-unsupported-scheme", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "unsupported URI scheme"],
         files={"a.gltf": as_gltf(doc, "https://example.com/a.bin")})
    doc, b = tri_doc()
    case("gltf-uri-names-a-device", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "not a regular file"],
         files={"a.gltf": as_gltf(doc, "/dev/zero")})
    doc, b = tri_doc()
    case("gltf-data-uri-no-comma", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "malformed data URI"],
         files={"a.gltf": as_gltf(doc, "data:application/octet-stream;base64")})
    doc, b = tri_doc()
    case("gltf-data-uri-bad-base64", with_asset("a.gltf"), 2, ["a.gltf", "buffers[0].uri", "base64"],
         files={"a.gltf": as_gltf(doc, "data:application/octet-stream;base64,@@@@!!")})
    doc, b = tri_doc()
    case("gltf-data-uri-percent-encoded-renders", with_asset("a.gltf"), 0, [],
         files={"a.gltf": as_gltf(doc, "data:application/octet-stream," + "".join("%%%02X" % c for c in b))})
    doc, b = tri_doc()
    case("gltf-data-uri-base64-renders", with_asset("a.gltf"), 0, [],
         files={"a.gltf": as_gltf(doc, "data:application/octet-stream;base64," + base64.b64encode(b).decode())})
    # --- images whose headers claim huge sizes, and images that are no image
    doc, b = textured({"uri": "bomb.png"})
    case("gltf-image-png-bomb", with_asset("a.gltf"), 2, ["a.gltf", "images[0]", "100000x100000", "16384"],
         files={"a.gltf": as_gltf(doc, "a.bin"), "a.bin": b, "bomb.png": png_claiming(100000, 100000)})
    doc, b = textured({"uri": "bomb.jpg"})
    case("gltf-image-jpeg-bomb", with_asset("a.gltf"), 2, ["a.gltf", "images[0]", "65000x65000", "16384"],
         files={"a.gltf": as_gltf(doc, "a.bin"), "a.bin": b, "bomb.jpg": jpeg_claiming(65000, 65000)})
    doc, b = textured({"uri": "wide.png"})
    case("gltf-image-too-wide", with_asset("a.gltf"), 2, ["a.gltf", "images[0]", "16385x1"],
         files={"a.gltf": as_gltf(doc, "a.bin"), "a.bin": b, "wide.png": png_claiming(16385, 1)})
    doc, b = textured({"uri": "anim.gif"})
    case("gltf-image-not-png-or-jpeg", with_asset("a.gltf"), 2, ["a.gltf", "images[0]", "PNG or JPEG"],
         files={"a.gltf": as_gltf(doc, "a.bin"), "a.bin": b, "anim.gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"})
    doc, b = textured({})
    case("gltf-image-without-source", with_asset("a.gltf"), 2, ["a.gltf", "images[0]"],
         files={"a.gltf": as_gltf(doc, "a.bin"), "a.bin": b})
    doc, b = textured({"bufferView": 2})
    png = png_bytes()
    doc["bufferViews"].append({"buffer": 0, "byteOffset": len(b), "byteLength": len(png)})
    doc["buffers"][0]["byteLength"] = len(b) + len(png)
    # glTF requires mimeType with a bufferView; the bytes say what they are, so it decodes.
    case("gltf-image-view-without-mime-type-renders", with_asset("a.glb"), 0, [],
         files={"a.glb": as_glb(doc, b + png)})
    case("spec-image-pool-bomb",
         patched("background", {"texture": {"images": {"dir": "pool"}}}), 2,
         ["bomb.png", "16384"], files={"pool/bomb.png": png_claiming(70000, 70000)})
    case("spec-asset-is-a-device", with_asset("/dev/zero"), 2, ["/dev/zero", "not a regular file"])
    # --- output
    case("output-path-is-a-file", base(), 1, ["not a directory"], out="file")
    case("output-not-empty", base(), 1, ["not empty", "--overwrite"], out="nonempty")
    case("output-overwrite-foreign-dir", base(), 1, ["not a synthvis dataset", "nothing was deleted"],
         args=["--overwrite"], out="nonempty")
    print("cases:", len([d for d in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, d))]))


if __name__ == "__main__":
    main()

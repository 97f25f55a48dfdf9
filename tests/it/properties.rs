//! Property tests (proptest): the spec parser and validator, the glTF loader on mutated
//! bytes of real assets, and the RLE codec never panic, and the RLE codec round-trips.
//! A panic the library contains ([`synthvis::panic_guard`]) fails a property too.
//!
//! They run with every `cargo test`, on a random seed locally (to explore) and on a fixed
//! one in CI (`PROPTEST_RNG_SEED` in `.ci/run`, to reproduce). A failing case is saved in
//! `properties.proptest-regressions` beside this file and replayed first ever after:
//! commit it with the fix. `fuzz/` has cargo-fuzz targets for longer runs.

use crate::common;

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::Value;
use synthvis::labels::Rle;

/// Arbitrary JSON: scalars, and arrays/objects of them a few levels deep, with keys
/// drawn from the spec's own vocabulary so mutations reach deep fields.
fn json_value() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "uniform",
        "normal",
        "mean",
        "std",
        "min",
        "max",
        "choice",
        "values",
        "weights",
        "int",
        "log_uniform",
        "sphere",
        "shell",
        "radius",
        "center",
        "cone",
        "axis",
        "kelvin",
        "hsv",
        "h",
        "s",
        "v",
        "type",
        "count",
        "position",
        "x",
        "z",
        "on_plane",
        "in_frustum",
        "distance",
        "checker",
        "colors",
        "scale",
        "per_axis",
        "yaw_deg",
        "euler_deg",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec![0.0, -1.0, 1.0, 1e308, -1e308, 0.5]).prop_map(Value::from),
        "[a-z_]{0,8}".prop_map(Value::from),
        prop::sample::select(vec![
            "uniform",
            "sphere",
            "directional",
            "point",
            "spot",
            "cube"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::vec((keys.clone(), inner), 0..4).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn scene_json(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenes")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every JSON pointer into `v` (objects and arrays), for picking a place to mutate.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, c)| pointers(c, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// Parses, validates and, when valid, samples a few frames: none of it may panic.
fn exercise(bytes: &[u8]) {
    let file = Path::new("prop.json");
    if let Ok(spec) = synthvis::spec::parse(bytes, file)
        && synthvis::spec::validate(&spec).is_empty()
    {
        // Bounds-dependent placements get plausible boxes: a unit cube per asset.
        let unit = (glam::DVec3::splat(-0.5), glam::DVec3::splat(0.5));
        let bounds = vec![unit; spec.assets.len()];
        let resolved = synthvis::spec::resolve(&spec).expect("a validated spec resolves");
        let sampler = synthvis::randomize::FrameSampler::new(&resolved, &bounds).unwrap();
        for frame in 0..3 {
            let _ = sampler.sample(1, frame);
        }
        let _ = serde_json::to_value(&spec);
    }
}

/// `cases` cases a property (`PROPTEST_CASES` overrides it for a longer hunt), failures
/// saved beside this file.
fn config(cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            defaults.cases
        } else {
            cases
        },
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..defaults
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_json_never_panics_the_parser(v in json_value()) {
        exercise(v.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_scenes_never_panic(
        scene in prop::sample::select(vec!["lighting.json", "flying.json", "tabletop.json", "bin_picking.json"]),
        pick in any::<prop::sample::Index>(),
        replacement in json_value(),
    ) {
        let mut v = scene_json(scene);
        let mut ps = Vec::new();
        pointers(&v, String::new(), &mut ps);
        let p = pick.get(&ps).clone();
        if let Some(slot) = v.pointer_mut(&p) {
            *slot = replacement;
        }
        exercise(v.to_string().as_bytes());
    }

    #[test]
    fn rle_round_trips(
        (width, height, bits) in (1u32..40, 1u32..40).prop_flat_map(|(w, h)| {
            (Just(w), Just(h), prop::collection::vec(prop::bool::weighted(0.3), (w * h) as usize))
        })
    ) {
        // Masks are row-major here, as the label stage makes them.
        let rle = Rle::from_mask(&bits, width, height);
        prop_assert_eq!(rle.to_mask(), bits.clone());
        prop_assert_eq!(rle.area(), bits.iter().filter(|b| **b).count() as u64);
        let s = rle.to_compressed();
        let back = Rle::from_compressed(&s, width, height).unwrap();
        prop_assert_eq!(back.to_mask(), bits);
    }

    #[test]
    fn rle_decoder_never_panics_on_junk(s in "[0-9a-zA-Z_`\\[\\]\\\\^@?>=<;:]{0,40}", w in 0u32..50, h in 0u32..50) {
        let _ = Rle::from_compressed(&s, w, h);
    }
}

/// The glTF files the loader is mutated on: the project's own assets (its ball compressed
/// with Draco, meshopt and quantization, its cube with KTX2 textures), and the Khronos
/// samples when present.
fn gltf_seeds() -> Vec<(String, Vec<u8>)> {
    let compressed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compressed");
    let mut files = vec![
        common::assets_dir().join("cube.glb"),
        common::assets_dir().join("can.glb"),
        compressed.join("ball-draco.glb"),
        compressed.join("ball-meshopt.glb"),
        compressed.join("ball-quantize.glb"),
        compressed.join("cube-etc1s.glb"),
        compressed.join("cube-uastc.glb"),
    ];
    if let Some(dir) = common::gltf_samples() {
        files.push(dir.join("Box/glTF-Embedded/Box.gltf"));
        files.push(dir.join("BoxTextured/glTF-Binary/BoxTextured.glb"));
    }
    files
        .into_iter()
        .map(|p| {
            let ext = p.extension().unwrap().to_string_lossy().into_owned();
            (ext, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Truncate(prop::sample::Index),
    Insert(prop::sample::Index, Vec<u8>),
    Overwrite(prop::sample::Index, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Overwrite(i, b)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match m {
        Mutation::Flip(i, x) => {
            let k = i.index(bytes.len());
            bytes[k] ^= x;
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
        Mutation::Insert(i, b) => {
            let k = i.index(bytes.len());
            bytes.splice(k..k, b.iter().copied());
        }
        Mutation::Overwrite(i, b) => {
            let k = i.index(bytes.len());
            for (j, x) in b.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(k + j) {
                    *slot = *x;
                }
            }
        }
    }
}

/// Loads `bytes`, mutated by `mutations`, as a file with extension `ext`: Ok or a typed
/// error; a panic fails the property, contained or not.
fn load_mutated(
    ext: &str,
    bytes: &[u8],
    mutations: &[Mutation],
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut bytes = bytes.to_vec();
    for m in mutations {
        mutate(&mut bytes, m);
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(format!("mutated.{ext}"));
    std::fs::write(&path, &bytes).unwrap();
    let contained = synthvis::panic_guard::caught();
    let result = synthvis::assets::load_asset("mutated", &path);
    prop_assert_eq!(
        synthvis::panic_guard::caught(),
        contained,
        "the loader contained a panic: {:?}",
        result.err()
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn mutated_gltf_never_panics_the_loader(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let seeds = gltf_seeds();
        let (ext, bytes) = seed.get(&seeds);
        load_mutated(ext, bytes, &mutations)?;
    }
}

/// A tetrahedron as OBJ, PLY (ASCII, binary little- and big-endian, with colours and
/// texture coordinates) and STL (ASCII and binary): the seeds of the mesh-file property.
fn mesh_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let points = [
        [0.0f32, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
    ];
    let faces = [[0i32, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]];
    let header = |format: &str| {
        format!(
            "ply\nformat {format} 1.0\ncomment TextureFile none.png\nelement vertex 4\n\
             property float x\nproperty float y\nproperty float z\nproperty uchar red\n\
             property uchar green\nproperty uchar blue\nproperty float s\nproperty float t\n\
             element face 4\nproperty list uchar int vertex_indices\nend_header\n"
        )
    };
    let mut ascii = header("ascii");
    for p in points {
        ascii += &format!("{} {} {} 200 100 50 0.5 0.5\n", p[0], p[1], p[2]);
    }
    for f in faces {
        ascii += &format!("3 {} {} {}\n", f[0], f[1], f[2]);
    }
    let binary = |big: bool| {
        let mut out = header(if big {
            "binary_big_endian"
        } else {
            "binary_little_endian"
        })
        .into_bytes();
        let f32b = |x: f32| {
            if big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            }
        };
        for p in points {
            p.iter().for_each(|&x| out.extend(f32b(x)));
            out.extend([200u8, 100, 50]);
            out.extend(f32b(0.5));
            out.extend(f32b(0.5));
        }
        for f in faces {
            out.push(3);
            f.iter().for_each(|&i| {
                out.extend(if big {
                    i.to_be_bytes()
                } else {
                    i.to_le_bytes()
                })
            });
        }
        out
    };
    let mut stl_ascii = String::from("solid t\n");
    let mut stl_binary = vec![0u8; 80];
    stl_binary.extend(4u32.to_le_bytes());
    for f in faces {
        stl_ascii += "facet normal 0 0 0\nouter loop\n";
        stl_binary.extend([0u8; 12]);
        for i in f {
            let p = points[i as usize];
            stl_ascii += &format!("vertex {} {} {}\n", p[0], p[1], p[2]);
            p.iter().for_each(|x| stl_binary.extend(x.to_le_bytes()));
        }
        stl_ascii += "endloop\nendfacet\n";
        stl_binary.extend([0u8; 2]);
    }
    stl_ascii += "endsolid t\n";
    let mut obj = String::from("o t\n");
    for p in points {
        obj += &format!("v {} {} {}\nvt 0.5 0.5\nvn 0 0 1\n", p[0], p[1], p[2]);
    }
    for f in faces {
        obj += &format!(
            "f {0}/{0}/{0} {1}/{1}/{1} {2}/{2}/{2}\n",
            f[0] + 1,
            f[1] + 1,
            f[2] + 1
        );
    }
    vec![
        ("obj", obj.into_bytes()),
        ("ply", ascii.into_bytes()),
        ("ply", binary(false)),
        ("ply", binary(true)),
        ("stl", stl_ascii.into_bytes()),
        ("stl", stl_binary),
    ]
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn mutated_mesh_files_never_panic_the_loader(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let seeds = mesh_seeds();
        let (ext, bytes) = seed.get(&seeds);
        load_mutated(ext, bytes, &mutations)?;
    }
}

#[test]
fn mesh_seeds_load_unmutated() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, (ext, bytes)) in mesh_seeds().into_iter().enumerate() {
        let path = tmp.path().join(format!("seed{i}.{ext}"));
        std::fs::write(&path, bytes).unwrap();
        let asset = synthvis::assets::load_asset("seed", &path).unwrap();
        assert_eq!(asset.meshes[0].primitives[0].indices.len(), 12, "seed {i}");
    }
}

//! Bytes as a `.ply` (first byte odd) or `.stl` file → the asset loader: it returns an
//! asset or a typed error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let ext = if kind % 2 == 1 { "ply" } else { "stl" };
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(format!("fuzz.{ext}"));
    if std::fs::write(&path, bytes).is_ok() {
        let _ = synthvis::assets::load_asset("fuzz", &path);
    }
});

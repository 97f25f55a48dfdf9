//! Bytes as an `.obj`, `.ply` or `.stl` file (the first byte picks) → the asset loader:
//! it returns an asset or a typed error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let ext = ["obj", "ply", "stl"][usize::from(kind % 3)];
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(format!("fuzz.{ext}"));
    if std::fs::write(&path, bytes).is_ok() {
        let _ = synthvis::assets::load_asset("fuzz", &path);
    }
});

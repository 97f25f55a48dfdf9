//! A mask from the input bytes round-trips through the RLE encoder (plain and
//! compressed), and arbitrary strings never panic the compressed-RLE decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synthvis::labels::Rle;

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let width = u32::from(w % 64) + 1;
    let mask: Vec<bool> = rest.iter().map(|b| b & 1 == 1).collect();
    let height = mask.len() as u32 / width;
    let mask = &mask[..(width * height) as usize];
    let rle = Rle::from_mask(mask, width, height);
    assert_eq!(rle.to_mask(), mask);
    let back =
        Rle::from_compressed(&rle.to_compressed(), width, height).expect("own output decodes");
    assert_eq!(back.to_mask(), mask);
    if let Ok(text) = std::str::from_utf8(rest) {
        let _ = Rle::from_compressed(text, width, height);
    }
});

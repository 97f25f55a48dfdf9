//! The RLE encoder against pycocotools' own output (tests/data/rle_cases.json, made by
//! tests/data/make_rle_cases.py), plus encode/decode round trips.

use serde::Deserialize;
use synthvis::labels::{Rle, instance_masks};
use synthvis::rng::FrameRng;

#[derive(Deserialize)]
struct Case {
    name: String,
    height: u32,
    width: u32,
    mask: String,
    counts: String,
    area: u64,
    bbox: [f64; 4],
}

#[derive(Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rle_cases.json");
    let text = std::fs::read_to_string(path).expect("tests/data/rle_cases.json");
    serde_json::from_str::<Cases>(&text)
        .expect("valid cases file")
        .cases
}

#[test]
fn encoder_reproduces_pycocotools_counts() {
    let cases = cases();
    assert!(cases.len() >= 10, "expected the full case set");
    for c in &cases {
        let mask: Vec<bool> = c.mask.bytes().map(|b| b == b'1').collect();
        let rle = Rle::from_mask(&mask, c.width, c.height);
        assert_eq!(rle.to_compressed(), c.counts, "case {}", c.name);
        assert_eq!(rle.area(), c.area, "case {}", c.name);
        let parsed = Rle::from_compressed(&c.counts, c.width, c.height).unwrap();
        assert_eq!(parsed, rle, "case {}: parsing pycocotools' string", c.name);

        // The label path (instance buffer → masks) must agree too, bbox included.
        let ids: Vec<u32> = mask.iter().map(|&m| u32::from(m)).collect();
        let m = &instance_masks(&ids, c.width, c.height, 1)[0];
        if c.area == 0 {
            assert!(m.rle.is_none() && m.bbox.is_none(), "case {}", c.name);
        } else {
            assert_eq!(
                m.rle.as_ref().unwrap().to_compressed(),
                c.counts,
                "case {}",
                c.name
            );
            let b = m.bbox.unwrap().map(f64::from);
            assert_eq!(b, c.bbox, "case {}: bbox", c.name);
        }
    }
}

#[test]
fn random_masks_round_trip() {
    let mut rng = FrameRng::new(99, 0).stream("rle-test");
    for trial in 0..200 {
        let w = 1 + (rng.next_u64() % 40) as u32;
        let h = 1 + (rng.next_u64() % 40) as u32;
        let density = rng.unit();
        let mask: Vec<bool> = (0..w * h).map(|_| rng.unit() < density).collect();
        let rle = Rle::from_mask(&mask, w, h);
        assert_eq!(rle.to_mask(), mask, "trial {trial}");
        let text = rle.to_compressed();
        let back = Rle::from_compressed(&text, w, h).unwrap();
        assert_eq!(back, rle, "trial {trial}");
        assert_eq!(rle.area(), mask.iter().filter(|&&m| m).count() as u64);
    }
}

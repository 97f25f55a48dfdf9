//! Golden images of each feature of the realistic look (`render`), one small scene per
//! feature so a failure names what changed: shadows, environment light (seen as the
//! background, tone-mapped), the glTF material maps (normal, occlusion, emissive), the
//! post-processing (FXAA and sensor effects) and light transport (the layered BRDF, ground
//! and object bounce). Checked like every golden set, with the
//! default tolerances (see `common::check_golden`).
//!
//! Re-bless on purpose with `SYNTHVIS_BLESS=1 cargo test --test it look_goldens::`,
//! review the images in `tests/golden/Look*/rgb/` and commit them.

use std::path::Path;

use serde_json::{Value, json};

use crate::common;

fn skies() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/skies")
}

/// A grey ground, a cube, a ball and a can-like cylinder under one sun, seen from above
/// at an angle; `render` chooses the look.
fn table(render: Value) -> Value {
    json!({
        "version": 2, "seed": 7, "frames": 1,
        "resolution": { "width": 192, "height": 144 },
        "camera": { "fov_y_deg": 40, "position": [1.2, 1.6, 2.0], "look_at": [0, 0.15, 0],
                    "near": 0.1, "far": 20 },
        "categories": [{ "name": "cube" }, { "name": "ball" }, { "name": "can" }],
        "assets": [
            { "name": "ground", "primitive": "plane" },
            { "name": "cube", "primitive": "cube", "category": "cube" },
            { "name": "ball", "primitive": "sphere", "category": "ball" },
            { "name": "can", "primitive": "cylinder", "category": "can" }
        ],
        "objects": [
            { "asset": "ground", "position": [0, 0, 0], "scale": 4,
              "material": { "texture": { "checker": { "colors": [[0.7, 0.7, 0.7], [0.45, 0.45, 0.45]], "scale": 12 } } } },
            { "asset": "cube", "position": [-0.45, 0.2, 0.0], "scale": 0.4,
              "material": { "color": [0.8, 0.3, 0.1], "roughness": 0.6 } },
            { "asset": "ball", "position": [0.2, 0.2, -0.3], "scale": 0.4,
              "material": { "color": [0.9, 0.9, 0.9], "roughness": 0.15, "metallic": 1 } },
            { "asset": "can", "position": [0.35, 0.2, 0.4], "scale": 0.4,
              "material": { "color": [0.1, 0.4, 0.8], "roughness": 0.35 } }
        ],
        "lights": [{ "type": "directional", "direction": [0.5, -1.0, -0.3], "intensity": 3.0 }],
        "ambient": { "intensity": 0.15 },
        "background": { "color": [0.2, 0.22, 0.25] },
        "render": render
    })
}

#[test]
fn shadows_match_golden() {
    common::check_golden(
        "LookShadows",
        &table(json!({ "preset": "fast", "shadows": { "enabled": true, "softness": 2.0 } })),
    );
}

#[test]
fn environment_light_and_background_match_golden() {
    let noon = skies().join("noon.hdr");
    common::check_golden(
        "LookEnvironment",
        &table(json!({ "preset": "fast", "tone_mapping": "pbr_neutral",
                       "environment": { "map": noon, "rotation_deg": 40, "intensity": 0.8,
                                        "background": true } })),
    );
}

#[test]
fn material_maps_match_golden() {
    let Some(samples) = common::gltf_samples() else {
        return;
    };
    // The water bottle has normal, occlusion and emissive maps.
    let mut spec = common::framing_spec(
        &samples.join("WaterBottle/glTF/WaterBottle.gltf"),
        192,
        192,
        30.0,
        15.0,
    );
    spec["version"] = json!(2);
    spec["render"] = json!({ "preset": "fast", "material_maps": true,
                             "environment": { "map": skies().join("studio.hdr"), "rotation_deg": 0 } });
    common::check_golden("LookMaterialMaps", &spec);
}

#[test]
fn fxaa_and_sensor_effects_match_golden() {
    common::check_golden(
        "LookPost",
        &table(json!({ "preset": "fast", "antialiasing": "fxaa",
                       "sensor": { "chromatic_aberration_px": 1.5, "blur_sigma_px": 0.6,
                                   "vignetting": 0.3, "shot_noise_photons": 800,
                                   "gaussian_noise_std": 0.004,
                                   "white_balance": { "kelvin": 5000 }, "saturation": 1.2,
                                   "jpeg_quality": 80 } })),
    );
}

#[test]
fn light_transport_matches_golden() {
    // The layered BRDF and the light the ground and the objects bounce, with shadows.
    common::check_golden(
        "LookLightTransport",
        &table(
            json!({ "preset": "realistic", "brdf": "layered", "object_bounce": true,
                       "ground_bounce": 0.5, "antialiasing": "none", "tone_mapping": "none",
                       "environment": { "enabled": false } }),
        ),
    );
}

//! The draws of a frame's light and look: each light and its shadow, the environment,
//! the sensor effects.

use glam::DVec3;

use super::linear;
use crate::assets::environment::MapSun;
use crate::geometry::srgb_to_linear;
use crate::rng::StreamRng;
use crate::scene::{EnvironmentSample, LightSample, SensorSample, ShadowSample};
use crate::spec::{EnvironmentSettings, EnvironmentSource, LightSpec, SensorSpec, ShadowSpec};

/// The frame's environment: map, turn, then intensity.
pub(super) fn sample_environment(
    spec: &EnvironmentSettings,
    ambient_linear: [f64; 3],
    r: &mut StreamRng,
) -> EnvironmentSample {
    let map_index = if spec.maps.len() > 1 {
        r.below(spec.maps.len() as u64) as usize
    } else {
        0
    };
    let rotation_deg = spec.rotation_deg.sample(r);
    let intensity = spec.intensity.sample(r).max(0.0);
    let (map, radiance_scale) = match &spec.maps[map_index] {
        EnvironmentSource::Neutral => (
            crate::assets::environment::NEUTRAL.to_owned(),
            ambient_linear.map(|c| c * intensity),
        ),
        EnvironmentSource::File(path) => (path.display().to_string(), [intensity; 3]),
    };
    EnvironmentSample {
        map,
        map_index,
        rotation_deg,
        intensity,
        radiance_scale,
        background: spec.background,
    }
}

/// A frame's sensor effects: every field drawn in a fixed order from the frame's sensor
/// stream (absent ones neutral), then the seed of its per-pixel noise.
pub(super) fn sample_sensor(spec: &SensorSpec, r: &mut StreamRng) -> SensorSample {
    fn draw(d: &Option<crate::spec::Scalar>, neutral: f64, r: &mut StreamRng) -> f64 {
        d.as_ref().map_or(neutral, |d| d.sample(r))
    }
    let chromatic_aberration_px = draw(&spec.chromatic_aberration_px, 0.0, r);
    let blur_sigma_px = draw(&spec.blur_sigma_px, 0.0, r);
    let motion_blur_px = draw(&spec.motion_blur_px, 0.0, r);
    let motion_blur_angle_deg = match &spec.motion_blur_angle_deg {
        Some(d) => d.sample(r),
        None => r.uniform(0.0, 360.0),
    };
    let vignetting = draw(&spec.vignetting, 0.0, r);
    let shot_noise_photons = draw(&spec.shot_noise_photons, 0.0, r);
    let gaussian_noise_std = draw(&spec.gaussian_noise_std, 0.0, r);
    let white_balance = spec.white_balance.as_ref().map_or([1.0; 3], |c| {
        // Linear gains of the drawn colour, scaled to unit luminance.
        let g = c.sample(r).map(srgb_to_linear);
        let y = 0.2126 * g[0] + 0.7152 * g[1] + 0.0722 * g[2];
        if y > 0.0 { g.map(|c| c / y) } else { [1.0; 3] }
    });
    let brightness = draw(&spec.brightness, 1.0, r);
    let contrast = draw(&spec.contrast, 1.0, r);
    let saturation = draw(&spec.saturation, 1.0, r);
    let hue_deg = draw(&spec.hue_deg, 0.0, r);
    // Validated to lie in [1, 100].
    let jpeg_quality = spec
        .jpeg_quality
        .as_ref()
        .map_or(0, |q| libm::round(q.sample(r)) as u8);
    SensorSample {
        chromatic_aberration_px,
        blur_sigma_px,
        motion_blur_px,
        motion_blur_angle_deg,
        vignetting,
        shot_noise_photons,
        gaussian_noise_std,
        white_balance,
        brightness,
        contrast,
        saturation,
        hue_deg,
        jpeg_quality,
        noise_seed: r.next_u64(),
    }
}

/// A light's shadow this frame under its resolved settings (every field but `map_size`
/// set; that one defaults by kind: 1024 texels, 512 for each of a point light's six
/// faces).
pub(super) fn sample_shadow(
    point: bool,
    settings: &ShadowSpec,
    r: &mut StreamRng,
) -> Option<ShadowSample> {
    if settings.enabled != Some(true) {
        return None;
    }
    let probability = settings.probability.unwrap_or(1.0);
    if probability < 1.0 && r.unit() >= probability {
        return None;
    }
    let map_size = settings.map_size.as_ref().map_or(
        if point { 512 } else { 1024 },
        // Validated to lie in [16, 8192].
        |s| libm::round(s.sample(r)) as u32,
    );
    let softness = settings.softness.as_ref().map_or(1.5, |s| s.sample(r));
    Some(ShadowSample { map_size, softness })
}

/// The sun of a frame's environment map as a directional light: its direction turned as
/// the map is, its irradiance scaled as the map's radiance is, a shadow as the spec's
/// `render.shadows` say.
pub(super) fn environment_sun(
    sun: &MapSun,
    environment: &EnvironmentSample,
    shadows: &ShadowSpec,
    r: &mut StreamRng,
) -> LightSample {
    // The map's frame to the world's: the inverse of the shader's `environment_frame`.
    let turn = environment.rotation_deg.to_radians();
    let (c, s) = (libm::cos(turn), libm::sin(turn));
    let [x, y, z] = sun.direction;
    let towards = [c * x + s * z, y, -s * x + c * z];
    LightSample::Directional {
        direction: towards.map(|v| -v),
        radiance_linear: std::array::from_fn(|k| sun.irradiance[k] * environment.radiance_scale[k]),
        shadow: sample_shadow(false, shadows, r),
    }
}

/// One light of `spec`'s kind: colour and intensity, then where it is.
pub(super) fn sample_light(
    light: &LightSpec,
    shadow: Option<ShadowSample>,
    r: &mut StreamRng,
) -> LightSample {
    let (color, intensity) = light.color_intensity();
    let intensity = intensity.sample(r);
    let radiance_linear = linear(color.sample(r), intensity);
    match light {
        LightSpec::Directional { direction, .. } => LightSample::Directional {
            direction: direction.sample(r, DVec3::NEG_Y).to_array(),
            radiance_linear,
            shadow,
        },
        LightSpec::Point { position, .. } => LightSample::Point {
            position: position.sample(r),
            radiance_linear,
            shadow,
        },
        LightSpec::Spot {
            position,
            direction,
            inner_cone_deg,
            outer_cone_deg,
            ..
        } => LightSample::Spot {
            position: position.sample(r),
            direction: direction.sample(r, DVec3::NEG_Y).to_array(),
            inner_cone_deg: inner_cone_deg.sample(r),
            outer_cone_deg: outer_cone_deg.sample(r),
            radiance_linear,
            shadow,
        },
    }
}

//! `physics` and an object group's `drop`: groups that are dropped and simulated until
//! they come to rest (rapier3d), with everything else as fixed colliders.

use serde::{Deserialize, Serialize};

use super::{IssueSink, Scalar};

/// What a group that cannot come to rest within the step limit does.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Unsettled {
    /// Render the last simulated poses, record `at_rest: false` in the labels and warn.
    Warn,
    /// Stop the run with an error naming the frame.
    Error,
}

/// The simulation of every frame with dropped groups (`physics`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhysicsSpec {
    /// Gravity along -y, m/s² (default 9.81), drawn per frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gravity: Option<Scalar>,
    /// Simulation steps of 1/60 s at most before giving up on rest (default 1200: 20 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u32>,
    /// A fixed floor at y = 0 under everything (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<bool>,
    /// What a frame whose dropped objects do not come to rest does (default `warn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_unsettled: Option<Unsettled>,
}

/// An object group's `drop`: its instances start at their placed poses raised by
/// `height` and are simulated until at rest; each value is drawn per instance.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropSpec {
    /// Height added to the placed pose before the drop, metres (default 0.05).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<Scalar>,
    /// Coulomb friction coefficient, 0 to 10 (default 0.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friction: Option<Scalar>,
    /// Restitution (bounciness), 0 to 1 (default 0.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restitution: Option<Scalar>,
    /// Density, kg/m³ (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<Scalar>,
}

/// An object group's `toss` (spec version 3, in a sequence): each instance starts at its
/// placed pose with a drawn velocity and spin, and the simulation runs through the
/// sequence, every step recording where it is (objects tossed onto a floor, as Kubric's
/// MOVi datasets film them). Each value is drawn per instance.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TossSpec {
    /// Initial velocity, world frame, m/s (default still).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<super::Vec3Dist>,
    /// Initial angular velocity, world frame, degrees per second (default still).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub angular_velocity_deg: Option<super::Vec3Dist>,
    /// Coulomb friction coefficient, 0 to 10 (default 0.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friction: Option<Scalar>,
    /// Restitution (bounciness), 0 to 1 (default 0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restitution: Option<Scalar>,
    /// Density, kg/m³ (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<Scalar>,
}

/// A `toss` with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct TossSettings {
    /// Initial velocity, m/s.
    pub velocity: super::Vec3Dist,
    /// Initial angular velocity, degrees per second.
    pub angular_velocity_deg: super::Vec3Dist,
    /// Friction coefficient.
    pub friction: Scalar,
    /// Restitution.
    pub restitution: Scalar,
    /// Density, kg/m³.
    pub density: Scalar,
}

impl TossSpec {
    /// Reports every problem with the `toss` of object group `path`.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        let fields: [(&str, &Option<Scalar>, (f64, f64)); 3] = [
            ("friction", &self.friction, (0.0, 10.0)),
            ("restitution", &self.restitution, (0.0, 1.0)),
            ("density", &self.density, (1e-3, 1e5)),
        ];
        for (name, dist, range) in fields {
            if let Some(dist) = dist {
                dist.check_within(&format!("{path}.toss.{name}"), range, sink);
            }
        }
        for (name, v) in [
            ("velocity", &self.velocity),
            ("angular_velocity_deg", &self.angular_velocity_deg),
        ] {
            if let Some(v) = v {
                v.check(&format!("{path}.toss.{name}"), sink);
            }
        }
    }

    /// The settings with defaults filled in.
    pub fn resolve(&self) -> TossSettings {
        let still = super::Vec3Dist::Const([0.0; 3]);
        TossSettings {
            velocity: self.velocity.clone().unwrap_or_else(|| still.clone()),
            angular_velocity_deg: self.angular_velocity_deg.clone().unwrap_or(still),
            friction: self.friction.clone().unwrap_or(Scalar::Const(0.6)),
            restitution: self.restitution.clone().unwrap_or(Scalar::Const(0.3)),
            density: self.density.clone().unwrap_or(Scalar::Const(500.0)),
        }
    }
}

/// How an asset's instances collide when the spec drops objects (`assets[].collider`).
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ColliderKind {
    /// The boxes a built-in bin, tray, shelf or table is made of; else the convex hull
    /// for a dropped instance and the triangle mesh for a fixed one; a flat asset's box.
    #[default]
    Auto,
    /// Its bounding box.
    Box,
    /// Its convex hull: fast, and exact for convex assets (a concave one rests on its
    /// hull, a bowl as if it had a lid).
    Hull,
    /// Convex pieces by V-HACD (`decomposition` tunes it): for concave assets that are
    /// dropped (a mug, a bowl, a bracket).
    Decomposition,
    /// Its triangles, exactly: only for fixed instances (a triangle mesh has no inside
    /// to push a falling one out of).
    Mesh,
}

/// V-HACD settings for `collider: decomposition` (`assets[].decomposition`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecompositionSpec {
    /// Voxels along the asset's longest side, 16 to 256 (default 64): finer finds
    /// smaller hollows and takes longer (once per run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<u32>,
    /// Most convex pieces, 1 to 256 (default 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pieces: Option<u32>,
    /// Concavity a piece may keep, as a fraction of the asset's size, above 0 and at
    /// most 1 (default 0.01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concavity: Option<f64>,
}

/// `decomposition` resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecompositionSettings {
    /// Voxels along the longest side.
    pub resolution: u32,
    /// Most pieces.
    pub max_pieces: u32,
    /// Concavity kept.
    pub concavity: f64,
}

impl DecompositionSpec {
    /// Reports every problem with the `decomposition` of asset `path`.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        let counts = [
            ("resolution", self.resolution, 16..=256),
            ("max_pieces", self.max_pieces, 1..=256),
        ];
        for (name, value, range) in counts {
            if let Some(v) = value
                && !range.contains(&v)
            {
                sink.issue(
                    &format!("{path}.decomposition.{name}"),
                    format!("must lie in {}..={}, found {v}", range.start(), range.end()),
                );
            }
        }
        if let Some(c) = self.concavity
            && !(c > 0.0 && c <= 1.0)
        {
            sink.issue(
                &format!("{path}.decomposition.concavity"),
                format!("must lie above 0 and at most 1, found {c}"),
            );
        }
    }

    /// The settings with defaults filled in.
    pub fn resolve(&self) -> DecompositionSettings {
        DecompositionSettings {
            resolution: self.resolution.unwrap_or(64),
            max_pieces: self.max_pieces.unwrap_or(32),
            concavity: self.concavity.unwrap_or(0.01),
        }
    }
}

/// Largest step limit accepted.
pub const MAX_STEPS: u32 = 100_000;

/// `physics` resolved: every field set.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicsSettings {
    /// Gravity, m/s².
    pub gravity: Scalar,
    /// Step limit.
    pub max_steps: u32,
    /// Fixed floor at y = 0.
    pub floor: bool,
    /// What an unsettled frame does.
    pub on_unsettled: Unsettled,
}

/// `drop` resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct DropSettings {
    /// Height above the placed pose, metres.
    pub height: Scalar,
    /// Friction coefficient.
    pub friction: Scalar,
    /// Restitution.
    pub restitution: Scalar,
    /// Density, kg/m³.
    pub density: Scalar,
}

impl PhysicsSpec {
    /// Reports every problem with the section.
    pub fn check(&self, sink: &mut dyn IssueSink) {
        if let Some(g) = &self.gravity {
            g.check_within("physics.gravity", (0.0, 100.0), sink);
        }
        if let Some(steps) = self.max_steps
            && !(1..=MAX_STEPS).contains(&steps)
        {
            sink.issue(
                "physics.max_steps",
                format!("must lie in 1..={MAX_STEPS}, found {steps}"),
            );
        }
    }

    /// The settings with defaults filled in.
    pub fn resolve(&self) -> PhysicsSettings {
        PhysicsSettings {
            gravity: self.gravity.clone().unwrap_or(Scalar::Const(9.81)),
            max_steps: self.max_steps.unwrap_or(1200),
            floor: self.floor.unwrap_or(true),
            on_unsettled: self.on_unsettled.unwrap_or(Unsettled::Warn),
        }
    }
}

impl DropSpec {
    /// Reports every problem with the `drop` of object group `path`.
    pub fn check(&self, path: &str, sink: &mut dyn IssueSink) {
        let fields: [(&str, &Option<Scalar>, (f64, f64)); 4] = [
            ("height", &self.height, (0.0, 100.0)),
            ("friction", &self.friction, (0.0, 10.0)),
            ("restitution", &self.restitution, (0.0, 1.0)),
            ("density", &self.density, (1e-3, 1e5)),
        ];
        for (name, dist, range) in fields {
            if let Some(dist) = dist {
                dist.check_within(&format!("{path}.drop.{name}"), range, sink);
            }
        }
    }

    /// The settings with defaults filled in.
    pub fn resolve(&self) -> DropSettings {
        DropSettings {
            height: self.height.clone().unwrap_or(Scalar::Const(0.05)),
            friction: self.friction.clone().unwrap_or(Scalar::Const(0.6)),
            restitution: self.restitution.clone().unwrap_or(Scalar::Const(0.1)),
            density: self.density.clone().unwrap_or(Scalar::Const(500.0)),
        }
    }
}

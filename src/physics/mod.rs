//! Settling dropped objects with rapier3d: a pure function of its input, so a frame's
//! rest poses depend on (spec, seed, frame) only. rapier runs single-threaded with its
//! `enhanced-determinism` feature (libm maths, no SIMD, no parallel solver), and bodies
//! are inserted in the frame's object order.
//!
//! Colliders ([`AssetCollider`]) are computed once per asset when a run starts and scaled
//! per instance, chosen per asset (`assets[].collider`): by default the boxes a built-in
//! container or surface is made of (bin, tray, shelf, table), else the convex hull of a
//! dropped instance and the triangle mesh of a fixed one, else (flat or unknown) the
//! bounding box; V-HACD pieces for a concave asset that is dropped.

use glam::{DQuat, DVec3};
use rapier3d::prelude::*;

mod collider;
mod convex;

pub use collider::{AssetCollider, Collider, MIN_HALF_EXTENT, Roles, Surface};
pub use convex::ConvexPiece;

use crate::geometry::Pose as ObjectPose;
use crate::scene::{ObjectSample, PhysicsRecord};

/// One object in the simulation.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    /// Rotation of the object's root.
    pub rotation: DQuat,
    /// Position of the object's root, metres.
    pub translation: DVec3,
    /// Centre of its collision box relative to the root, in the object's rotated frame
    /// before rotation (asset box centre × scale).
    pub box_centre: DVec3,
    /// Half sides of the collision box (asset box × scale), metres.
    pub half_extents: DVec3,
    /// Its collider (its asset's, or a sized container's own boxes) and the instance's
    /// scale (without one, the box).
    pub collider: Option<(&'a Collider, f64)>,
    /// Simulated (dropped) or fixed.
    pub motion: Motion,
    /// Initial linear (m/s) and angular (rad/s, world frame) velocity of a dynamic body.
    pub launch: (DVec3, DVec3),
}

/// Whether a body moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Motion {
    /// It stays where it is and others rest on it.
    Fixed,
    /// It falls and settles.
    Dynamic {
        /// kg/m³.
        density: f64,
        /// Coulomb friction coefficient.
        friction: f64,
        /// Restitution.
        restitution: f64,
    },
}

/// How to simulate.
#[derive(Debug, Clone, Copy)]
pub struct World {
    /// Gravity along -y, m/s².
    pub gravity: f64,
    /// Step limit.
    pub max_steps: u32,
    /// A fixed floor at y = 0.
    pub floor: bool,
}

/// Linear speed under which a body counts as at rest, m/s.
pub const REST_LINEAR: f64 = 0.005;
/// Angular speed under which a body counts as at rest, rad/s.
pub const REST_ANGULAR: f64 = 0.05;
/// Steps in a row every body must stay under both to count as at rest (a quarter of a
/// second).
pub const REST_STEPS: u32 = 15;
/// Angular damping of dropped bodies, 1/s: it stands in for rolling resistance, which
/// rapier does not model (a ball or a lying can would roll on for ever).
pub const ANGULAR_DAMPING: f64 = 1.0;
/// Seconds a step simulates.
pub const STEP_S: f64 = 1.0 / 60.0;

/// The outcome of [`settle`].
#[derive(Debug, Clone)]
pub struct Settled {
    /// Each body's final (rotation, translation), in input order (fixed ones unchanged).
    pub poses: Vec<(DQuat, DVec3)>,
    /// Steps simulated.
    pub steps: u32,
    /// Every dynamic body ended under the rest thresholds.
    pub at_rest: bool,
    /// Per body (input order): it was still moving when the simulation stopped.
    pub moving: Vec<bool>,
}

fn vector(v: DVec3) -> Vector {
    Vector::new(v.x as f32, v.y as f32, v.z as f32)
}

fn rotation(q: DQuat) -> Rotation {
    Rotation::from_xyzw(q.x as f32, q.y as f32, q.z as f32, q.w as f32).normalize()
}

/// The simulation of `bodies` on `world`'s floor, one rigid body each, in order.
fn build(bodies: &[Body], world: &World, dt: f64) -> (PhysicsWorld, Vec<RigidBodyHandle>) {
    let mut sim = PhysicsWorld {
        gravity: Vector::new(0.0, -(world.gravity as f32), 0.0),
        ..PhysicsWorld::default()
    };
    sim.integration_parameters.dt = dt as f32;
    // rapier merges the manifolds of a composite shape's parts into at most four points
    // a contact plane; on the V-HACD pieces of a bottle that choice tipped it over and
    // rocked it for ever (20 s of simulation); without it, it stands after 42 steps.
    sim.integration_parameters.contact_clustering = false;
    if world.floor {
        sim.insert(
            RigidBodyBuilder::fixed(),
            ColliderBuilder::halfspace(rapier3d::na::Unit::new_unchecked(Vector::Y)),
        );
    }
    let handles: Vec<RigidBodyHandle> = bodies
        .iter()
        .map(|b| {
            let pose = Pose::from_parts(vector(b.translation), rotation(b.rotation));
            let half = b.half_extents.max(DVec3::splat(MIN_HALF_EXTENT));
            let cuboid = || {
                ColliderBuilder::cuboid(half.x as f32, half.y as f32, half.z as f32)
                    .translation(vector(b.box_centre))
            };
            let shape = b
                .collider
                .and_then(|(collider, scale)| collider.shape(scale))
                .map(ColliderBuilder::new)
                .unwrap_or_else(cuboid);
            let (body, shape) = match b.motion {
                Motion::Fixed => (RigidBodyBuilder::fixed(), shape),
                Motion::Dynamic {
                    density,
                    friction,
                    restitution,
                } => (
                    RigidBodyBuilder::dynamic()
                        .angular_damping(ANGULAR_DAMPING as f32)
                        .linvel(vector(b.launch.0))
                        .angvel(vector(b.launch.1)),
                    shape
                        .density(density as f32)
                        .friction(friction as f32)
                        .restitution(restitution as f32),
                ),
            };
            sim.insert(body.pose(pose), shape).0
        })
        .collect();
    (sim, handles)
}

/// Simulates `bodies` until every dynamic one is at rest (linear speed under
/// [`REST_LINEAR`] and angular under [`REST_ANGULAR`] for [`REST_STEPS`] steps in a
/// row) or `world.max_steps` have run.
pub fn settle(bodies: &[Body], world: &World) -> Settled {
    let (mut sim, handles) = build(bodies, world, STEP_S);
    let dynamic: Vec<RigidBodyHandle> = handles
        .iter()
        .zip(bodies)
        .filter(|(_, b)| b.motion != Motion::Fixed)
        .map(|(h, _)| *h)
        .collect();
    let resting = |sim: &PhysicsWorld, h: RigidBodyHandle| {
        let body = &sim.bodies[h];
        body.is_fixed()
            || (f64::from(body.linvel().length()) < REST_LINEAR
                && f64::from(body.angvel().length()) < REST_ANGULAR)
    };
    let mut steps = 0;
    // Consecutive steps with every dynamic body under the thresholds: a body momentarily
    // still at the top of a rock (a cube tipping over an edge) is not at rest.
    let mut quiet = 0;
    let mut at_rest = dynamic.is_empty();
    while !at_rest && steps < world.max_steps {
        sim.step();
        steps += 1;
        quiet = if dynamic.iter().all(|&h| resting(&sim, h)) {
            quiet + 1
        } else {
            0
        };
        at_rest = quiet >= REST_STEPS;
    }
    let moving = handles.iter().map(|&h| !resting(&sim, h)).collect();
    let poses = poses(&sim, &handles);
    Settled {
        poses,
        steps,
        at_rest,
        moving,
    }
}

/// Simulates a sequence's objects (each with its motion in `motions`, dynamic ones
/// launched with `launches`, angular velocity in rad/s) through `steps` steps at `fps`:
/// every object's pose at each step ([`simulate_steps`]).
pub fn toss_objects(
    objects: &[ObjectSample],
    motions: &[(usize, Motion)],
    launches: &[(DVec3, DVec3)],
    shapes: (&[(DVec3, DVec3)], &[AssetCollider]),
    world: &World,
    (steps, fps): (u32, f64),
) -> Vec<Vec<(DQuat, DVec3)>> {
    with_bodies(objects, motions, launches, shapes, |bodies| {
        simulate_steps(bodies, world, steps, fps)
    })
}

/// Where each body of `handles` is now.
fn poses(sim: &PhysicsWorld, handles: &[RigidBodyHandle]) -> Vec<(DQuat, DVec3)> {
    handles
        .iter()
        .map(|&h| {
            let pose = sim.bodies[h].position();
            let (t, r) = (pose.translation, pose.rotation);
            (
                DQuat::from_xyzw(
                    f64::from(r.x),
                    f64::from(r.y),
                    f64::from(r.z),
                    f64::from(r.w),
                )
                .normalize(),
                DVec3::new(f64::from(t.x), f64::from(t.y), f64::from(t.z)),
            )
        })
        .collect()
}

/// Simulates `bodies` (the dynamic ones launched with their velocities) through a
/// sequence of `steps` steps at `fps`, in substeps of at most [`STEP_S`]; returns every
/// body's pose at each step (step 0 where it starts).
pub fn simulate_steps(
    bodies: &[Body],
    world: &World,
    steps: u32,
    fps: f64,
) -> Vec<Vec<(DQuat, DVec3)>> {
    let substeps = (1.0 / fps / STEP_S).ceil().max(1.0);
    let (mut sim, handles) = build(bodies, world, 1.0 / (fps * substeps));
    let mut out = Vec::with_capacity(steps as usize);
    out.push(poses(&sim, &handles));
    for _ in 1..steps {
        for _ in 0..substeps as u64 {
            sim.step();
        }
        out.push(poses(&sim, &handles));
    }
    out
}

/// Calls `f` with a body for each of `objects`: its motion in `motions` (same order), its
/// launch velocities in `launches` (none: still), colliding as its asset's collider
/// (`shapes.1`, by asset index) or else its box (`shapes.0`).
fn with_bodies<R>(
    objects: &[ObjectSample],
    motions: &[(usize, Motion)],
    launches: &[(DVec3, DVec3)],
    (bounds, colliders): (&[(DVec3, DVec3)], &[AssetCollider]),
    f: impl FnOnce(&[Body]) -> R,
) -> R {
    // Each object's asset collider for its motion (none: its box).
    let asset_colliders: Vec<Option<&Collider>> = objects
        .iter()
        .zip(motions)
        .map(|(o, &(_, motion))| {
            colliders
                .get(o.asset_index)
                .and_then(|c| c.for_motion(motion != Motion::Fixed))
        })
        .collect();
    // A container drawn at its own size collides as its own boxes (unless its asset
    // collides as its box).
    let shaped: Vec<Option<Collider>> = objects
        .iter()
        .zip(&asset_colliders)
        .map(|(o, asset_collider)| {
            asset_collider.as_ref()?;
            let parts = o.shape.as_ref()?.parts();
            Some(Collider::Parts(
                parts
                    .iter()
                    .map(|(c, h)| (DVec3::from_array(*c), DVec3::from_array(*h)))
                    .collect(),
            ))
        })
        .collect();
    let bodies: Vec<Body> = objects
        .iter()
        .zip(motions)
        .zip(shaped.iter().zip(&asset_colliders))
        .enumerate()
        .map(|(i, ((o, &(_, motion)), (shaped, asset_collider)))| {
            let (lo, hi) = o.local_bounds(bounds);
            let scale = o.pose_world.scale;
            Body {
                rotation: DQuat::from_array(o.pose_world.rotation_xyzw),
                translation: DVec3::from_array(o.pose_world.translation),
                box_centre: (lo + hi) * 0.5 * scale,
                half_extents: (hi - lo) * 0.5 * scale,
                collider: shaped.as_ref().or(*asset_collider).map(|c| (c, scale)),
                motion,
                launch: launches
                    .get(i)
                    .copied()
                    .unwrap_or((DVec3::ZERO, DVec3::ZERO)),
            }
        })
        .collect();
    f(&bodies)
}

/// Settles a frame's objects: each with its group and motion in `motions` (same order),
/// colliding as its asset's collider (`shapes.1`, by asset index) or else its box
/// (`shapes.0`); dynamic objects move to where they came to rest.
pub fn settle_objects(
    objects: &mut [ObjectSample],
    motions: &[(usize, Motion)],
    (bounds, colliders): (&[(DVec3, DVec3)], &[AssetCollider]),
    world: &World,
) -> PhysicsRecord {
    let settled = with_bodies(objects, motions, &[], (bounds, colliders), |bodies| {
        settle(bodies, world)
    });
    let mut unsettled_groups: Vec<usize> = motions
        .iter()
        .zip(&settled.moving)
        .filter(|(_, moving)| **moving)
        .map(|((group, _), _)| *group)
        .collect();
    // Objects come in group order, so a group's entries are adjacent.
    unsettled_groups.dedup();
    for ((o, (_, motion)), (rotation, translation)) in
        objects.iter_mut().zip(motions).zip(settled.poses)
    {
        if *motion != Motion::Fixed {
            o.pose_world = ObjectPose::new(o.pose_world.scale, rotation, translation);
        }
    }
    PhysicsRecord {
        gravity: world.gravity,
        steps: settled.steps,
        at_rest: settled.at_rest,
        unsettled_groups,
    }
}

//! JSON Schemas of the distribution forms (their serde is hand-written, so their schemas
//! are too): what `synthvis schema` prints for them, so editors complete and check specs.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use super::{ColorDist, Count, Direction, RotationDist, Scalar, Vec3Dist};

/// A schema from a JSON object (anything else: the schema that accepts everything).
pub(crate) fn schema(v: Value) -> Schema {
    match v {
        Value::Object(map) => Schema::from(map),
        _ => Schema::from(true),
    }
}

/// `{key: inner}` and nothing else.
pub(crate) fn tagged(key: &str, inner: Value) -> Value {
    json!({
        "type": "object",
        "properties": { key: inner },
        "required": [key],
        "additionalProperties": false
    })
}

/// An object with these properties, `required` of them required, no others.
pub(crate) fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    })
}

fn numbers(n: usize) -> Value {
    json!({ "type": "array", "items": { "type": "number" }, "minItems": n, "maxItems": n })
}

/// `{"choice": [..]}` or `{"choice": {"values": [..], "weights": [..]}}` of `item`s.
pub(crate) fn choice(item: Value) -> Value {
    let list = json!({ "type": "array", "items": item, "minItems": 1 });
    tagged(
        "choice",
        json!({ "anyOf": [
            list,
            object(json!({ "values": list, "weights": { "type": "array", "items": { "type": "number", "minimum": 0 } } }), &["values"])
        ]}),
    )
}

fn one_of(description: &str, forms: Vec<Value>) -> Schema {
    schema(json!({ "description": description, "anyOf": forms }))
}

fn sub<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    Value::from(generator.subschema_for::<T>())
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let range = numbers(2);
        one_of(
            "A number drawn per frame: a constant, [min, max] (uniform), or one of uniform, \
             normal (optionally truncated by min/max), log_uniform, int (inclusive), choice.",
            vec![
                json!({ "type": "number" }),
                range.clone(),
                tagged("uniform", range.clone()),
                tagged(
                    "normal",
                    object(
                        json!({
                            "mean": { "type": "number" }, "std": { "type": "number", "minimum": 0 },
                            "min": { "type": "number" }, "max": { "type": "number" }
                        }),
                        &["mean", "std"],
                    ),
                ),
                tagged("log_uniform", range),
                tagged(
                    "int",
                    json!({ "type": "array", "items": { "type": "integer" }, "minItems": 2, "maxItems": 2 }),
                ),
                choice(json!({ "type": "number" })),
            ],
        )
    }
}

impl JsonSchema for Count {
    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let count = json!({ "type": "integer", "minimum": 0 });
        let range = json!({ "type": "array", "items": count, "minItems": 2, "maxItems": 2 });
        one_of(
            "A count drawn per frame: an integer, [min, max] (inclusive, uniform), \
             {\"int\": [min, max]} or a choice.",
            vec![
                count.clone(),
                range.clone(),
                tagged("int", range),
                choice(count),
            ],
        )
    }
}

impl JsonSchema for Vec3Dist {
    fn schema_name() -> Cow<'static, str> {
        "Vec3Dist".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let v3 = numbers(3);
        let scalar = sub::<Scalar>(generator);
        one_of(
            "A 3-vector drawn per frame: [x, y, z], or a uniform box, per_axis scalars, a \
             sphere (uniform in the ball) or a shell.",
            vec![
                v3.clone(),
                tagged(
                    "uniform",
                    object(json!({ "min": v3, "max": v3 }), &["min", "max"]),
                ),
                tagged(
                    "per_axis",
                    json!({ "type": "array", "items": scalar, "minItems": 3, "maxItems": 3 }),
                ),
                tagged(
                    "sphere",
                    object(
                        json!({ "center": v3, "radius": { "type": "number", "minimum": 0 } }),
                        &["radius"],
                    ),
                ),
                tagged(
                    "shell",
                    object(
                        json!({
                            "center": v3,
                            "min_radius": { "type": "number", "minimum": 0 },
                            "max_radius": { "type": "number", "minimum": 0 }
                        }),
                        &["min_radius", "max_radius"],
                    ),
                ),
            ],
        )
    }
}

impl JsonSchema for Direction {
    fn schema_name() -> Cow<'static, str> {
        "Direction".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let v3 = numbers(3);
        one_of(
            "A unit direction drawn per frame: any Vec3Dist (normalized), \"sphere\", a \
             hemisphere or a cone around an axis.",
            vec![
                sub::<Vec3Dist>(generator),
                json!({ "const": "sphere" }),
                tagged("hemisphere", object(json!({ "axis": v3 }), &["axis"])),
                tagged(
                    "cone",
                    object(
                        json!({ "axis": v3, "max_angle_deg": { "type": "number", "exclusiveMinimum": 0, "maximum": 180 } }),
                        &["axis", "max_angle_deg"],
                    ),
                ),
            ],
        )
    }
}

impl JsonSchema for RotationDist {
    fn schema_name() -> Cow<'static, str> {
        "RotationDist".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let scalar = sub::<Scalar>(generator);
        one_of(
            "A rotation drawn per frame: \"uniform\" (over SO(3)), euler_deg (R = Rz·Ry·Rx), \
             yaw_deg (about +Y) or axis_angle.",
            vec![
                json!({ "const": "uniform" }),
                tagged("euler_deg", sub::<Vec3Dist>(generator)),
                tagged("yaw_deg", scalar.clone()),
                tagged(
                    "axis_angle",
                    object(
                        json!({ "axis": sub::<Direction>(generator), "angle_deg": scalar }),
                        &["axis", "angle_deg"],
                    ),
                ),
            ],
        )
    }
}

impl JsonSchema for ColorDist {
    fn schema_name() -> Cow<'static, str> {
        "ColorDist".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let rgb = json!({
            "type": "array", "items": { "type": "number", "minimum": 0, "maximum": 1 },
            "minItems": 3, "maxItems": 3
        });
        let scalar = sub::<Scalar>(generator);
        one_of(
            "An sRGB colour drawn per frame: [r, g, b] in [0, 1], a uniform box, hsv (hue in \
             degrees) or kelvin (black-body temperature).",
            vec![
                rgb.clone(),
                tagged(
                    "uniform",
                    object(json!({ "min": rgb, "max": rgb }), &["min", "max"]),
                ),
                tagged(
                    "hsv",
                    object(
                        json!({ "h": scalar, "s": scalar, "v": scalar }),
                        &["h", "s", "v"],
                    ),
                ),
                tagged("kelvin", scalar),
            ],
        )
    }
}

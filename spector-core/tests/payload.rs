//! Encoding payloads: every serde shape encodes as serde_json writes it,
//! with non-finite floats refused inside each, and nesting limited.

use serde::Serialize;
use serde_json::json;
use spector_core::{attrs, Attrs, MAX_PAYLOAD_DEPTH};

#[derive(Serialize)]
struct Pair(u8, f64);

#[derive(Serialize)]
enum Shape {
    Tuple(u8, f64),
    Struct { side: f64 },
}

#[derive(Serialize)]
struct Shapes {
    tuple: (u8, f64),
    pair: Pair,
    tuple_variant: Shape,
    struct_variant: Shape,
}

fn shapes(float: f64) -> Shapes {
    Shapes {
        tuple: (1, float),
        pair: Pair(2, float),
        tuple_variant: Shape::Tuple(3, float),
        struct_variant: Shape::Struct { side: float },
    }
}

#[test]
fn tuples_tuple_structs_and_enum_variants_encode_as_serde_json_writes_them() {
    let encoded = Attrs::encode(&shapes(1.5)).unwrap();
    assert_eq!(
        encoded,
        attrs! {
            "tuple": [1, 1.5],
            "pair": [2, 1.5],
            "tuple_variant": { "Tuple": [3, 1.5] },
            "struct_variant": { "Struct": { "side": 1.5 } },
        }
    );
    assert_eq!(
        serde_json::Value::from(encoded),
        serde_json::to_value(shapes(1.5)).unwrap()
    );
}

#[test]
fn a_non_finite_float_is_refused_inside_every_shape() {
    for name in ["tuple", "pair", "tuple_variant", "struct_variant"] {
        let mut one = shapes(1.5);
        match name {
            "tuple" => one.tuple.1 = f64::NAN,
            "pair" => one.pair.1 = f64::INFINITY,
            "tuple_variant" => one.tuple_variant = Shape::Tuple(3, f64::NAN),
            _ => one.struct_variant = Shape::Struct { side: f64::NAN },
        }
        let invalid = Attrs::encode(&one).unwrap_err();
        let fields: Vec<&String> = invalid.errors().keys().collect();
        assert_eq!(fields.len(), 1, "{name}: {invalid}");
        assert!(fields[0].starts_with(name), "{name}: {invalid}");
    }
}

/// `{"a": {"a": … 1}}` with `levels` objects, the payload included.
fn nested_objects(levels: usize) -> serde_json::Value {
    let mut value = json!(1);
    for _ in 0..levels {
        value = json!({ "a": value });
    }
    value
}

#[test]
fn nested_objects_count_towards_the_depth_limit() {
    assert!(Attrs::encode(&nested_objects(MAX_PAYLOAD_DEPTH)).is_ok());
    let invalid = Attrs::encode(&nested_objects(MAX_PAYLOAD_DEPTH + 1)).unwrap_err();
    let (field, messages) = invalid.errors().iter().next().unwrap();
    assert!(field.starts_with("a.a.a"), "{field}");
    assert_eq!(
        messages,
        &["nests deeper than 64 levels, the most a payload may"]
    );
}

/// An expression nested through newtype variants: each level is one more
/// JSON object (`{"Neg": …}`).
#[derive(Serialize)]
enum Expr {
    Neg(Box<Expr>),
    Lit(i64),
}

/// A chain of newtypes and options: no JSON level at all, but a level of
/// recursion each.
#[derive(Serialize)]
struct Link(Option<Box<Link>>);

#[derive(Serialize)]
struct Holder<T> {
    value: T,
}

/// `Neg(Neg(… Lit(1)))`, `depth` negations, built without recursion.
fn negations(depth: usize) -> Expr {
    (0..depth).fold(Expr::Lit(1), |inner, _| Expr::Neg(Box::new(inner)))
}

/// Takes an expression apart without recursion.
fn dismantle_expr(mut expr: Expr) {
    while let Expr::Neg(inner) = expr {
        expr = *inner;
    }
}

/// Takes a chain apart without recursion.
fn dismantle_link(mut link: Link) {
    while let Some(inner) = link.0.take() {
        link = *inner;
    }
}

#[test]
fn newtype_variants_nested_beyond_any_stack_are_refused_not_a_crash() {
    let fits = Holder {
        value: negations(MAX_PAYLOAD_DEPTH - 2),
    };
    assert!(Attrs::encode(&fits).is_ok());
    let deeper = Holder {
        value: negations(MAX_PAYLOAD_DEPTH),
    };
    let invalid = Attrs::encode(&deeper).unwrap_err();
    assert!(
        invalid
            .to_string()
            .contains("nests deeper than 64 levels, the most a payload may"),
        "{invalid}"
    );
    // Before the variants were counted this overflowed the stack.
    let abyss = Holder {
        value: negations(100_000),
    };
    assert!(Attrs::encode(&abyss).is_err());
    for expr in [fits.value, deeper.value, abyss.value] {
        dismantle_expr(expr);
    }
}

#[test]
fn newtypes_and_options_nested_beyond_any_stack_are_refused_not_a_crash() {
    let chain = (0..100_000).fold(Link(None), |inner, _| Link(Some(Box::new(inner))));
    let holder = Holder { value: chain };
    let invalid = Attrs::encode(&holder).unwrap_err();
    assert!(
        invalid
            .to_string()
            .contains("values inside one another (newtypes and options count)"),
        "{invalid}"
    );
    dismantle_link(holder.value);
    let short = (0..10).fold(Link(None), |inner, _| Link(Some(Box::new(inner))));
    assert!(Attrs::encode(&Holder { value: short }).is_ok());
}

//! Attrs: typed access, reserved attrs, decoding into structs.

use serde::Deserialize;
use spector_core::{attrs, reserved, Attrs, Invalid};
use uuid::Uuid;

#[derive(Debug, Deserialize, PartialEq)]
struct Message {
    id: Uuid,
    user_id: Uuid,
    content: String,
}

fn with_event_id(mut attrs: Attrs) -> (Attrs, Uuid) {
    let id = Uuid::now_v7();
    attrs.insert(reserved::EVENT_ID, id.to_string());
    (attrs, id)
}

#[test]
fn wrong_types_are_invalid_on_their_key() {
    let attrs = attrs! { "count": "three" };
    let invalid = attrs.get::<u32>("count").unwrap_err();
    assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), ["count"]);
    assert_eq!(attrs.get::<u32>("absent"), Ok(None));
    assert_eq!(attrs! { "n": null }.get::<u32>("n"), Ok(None));
    assert_eq!(
        attrs.fetch::<u32>("absent"),
        Err(Invalid::new("absent", "can't be blank"))
    );
}

#[test]
fn put_event_id_then_decode_builds_a_nested_value() {
    let user_id = Uuid::now_v7();
    let (attrs, event_id) =
        with_event_id(attrs! { "user_id": user_id, "content": "Hi", "extra": 1 });
    let message: Message = attrs.put_event_id("id").unwrap().decode().unwrap();
    assert_eq!(
        message,
        Message {
            id: event_id,
            user_id,
            content: "Hi".into()
        }
    );
}

#[test]
fn decode_reports_missing_and_mistyped_fields() {
    let (attrs, _) = with_event_id(attrs! { "user_id": Uuid::now_v7() });
    let invalid = attrs
        .put_event_id("id")
        .unwrap()
        .decode::<Message>()
        .unwrap_err();
    assert_eq!(invalid.messages("content"), ["can't be blank"]);

    let (attrs, _) = with_event_id(attrs! { "user_id": "not a uuid", "content": "x" });
    let invalid = attrs
        .put_event_id("id")
        .unwrap()
        .decode::<Message>()
        .unwrap_err();
    assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), ["user_id"]);
}

#[test]
fn put_event_id_needs_an_event_id() {
    let invalid = attrs! { "content": "x" }.put_event_id("id").unwrap_err();
    assert_eq!(invalid.messages(reserved::EVENT_ID), ["can't be blank"]);
}

#[test]
fn versions_default_to_zero() {
    assert!(attrs! {}.version_is(0));
    let v2 = attrs! { "__version__": 2 };
    assert!(v2.version_is(2));
    assert!(v2.version_in(1..=3));
    assert!(!v2.version_in(..2));
}

#[test]
fn canonical_numbers_leave_fractions_and_huge_floats_alone() {
    let mut attrs =
        attrs! { "a": 1.5, "b": -0.0, "c": 1e300, "d": -3.0, "e": 18446744073709549568.0 };
    attrs.canonicalize_numbers();
    assert_eq!(attrs.raw("a"), Some(&serde_json::json!(1.5)));
    assert!(attrs.raw("b").unwrap().is_i64());
    assert!(attrs.raw("c").unwrap().is_f64());
    assert_eq!(attrs.raw("d"), Some(&serde_json::json!(-3)));
    assert!(attrs.raw("e").unwrap().is_u64());
}

//! Attrs: typed access, encoding payloads, decoding into structs.

use serde::{Deserialize, Serialize};
use spector_core::{attrs, Attrs, Invalid};
use uuid::Uuid;

#[derive(Debug, Deserialize, PartialEq)]
struct Message {
    id: Uuid,
    user_id: Uuid,
    content: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Outer {
    a: Inner,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Inner {
    b: String,
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
fn decode_builds_a_struct_and_ignores_unknown_keys() {
    let (id, user_id) = (Uuid::now_v7(), Uuid::now_v7());
    let attrs = attrs! { "id": id, "user_id": user_id, "content": "Hi", "extra": 1 };
    let message: Message = attrs.decode().unwrap();
    assert_eq!(
        message,
        Message {
            id,
            user_id,
            content: "Hi".into()
        }
    );
    assert_eq!(attrs.into_decoded::<Message>().unwrap(), message);
}

#[test]
fn decode_reports_missing_and_mistyped_fields() {
    let attrs = attrs! { "id": Uuid::now_v7(), "user_id": Uuid::now_v7() };
    let invalid = attrs.decode::<Message>().unwrap_err();
    assert_eq!(invalid, Invalid::new("content", "can't be blank"));

    let attrs = attrs! { "id": Uuid::now_v7(), "user_id": "not a uuid", "content": "x" };
    let invalid = attrs.decode::<Message>().unwrap_err();
    assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), ["user_id"]);
    assert!(
        invalid.messages("user_id")[0].starts_with("is invalid: "),
        "{invalid}"
    );
}

#[test]
fn a_missing_nested_field_is_blank_on_its_dotted_path() {
    let invalid = attrs! { "a": {} }.into_decoded::<Outer>().unwrap_err();
    assert_eq!(invalid, Invalid::new("a.b", "can't be blank"));
    assert_eq!(invalid.to_string(), "a.b: can't be blank");
}

#[test]
fn a_mistyped_nested_field_is_invalid_on_its_dotted_path() {
    let invalid = attrs! { "a": { "b": 1 } }
        .into_decoded::<Outer>()
        .unwrap_err();
    assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), ["a.b"]);
    assert_eq!(
        invalid.messages("a.b"),
        ["is invalid: invalid type: integer `1`, expected a string"]
    );
}

#[test]
fn encode_makes_attrs_of_a_struct() {
    #[derive(Serialize)]
    struct Post {
        content: &'static str,
        likes: u32,
    }
    let attrs = Attrs::encode(&Post {
        content: "Hi",
        likes: 2,
    })
    .unwrap();
    assert_eq!(attrs, attrs! { "content": "Hi", "likes": 2 });
}

#[test]
fn encode_refuses_what_is_not_a_json_object() {
    #[derive(Serialize)]
    struct Wrapper(u32);
    #[derive(Serialize)]
    enum Kind {
        Plain,
    }

    let refusals = [
        Attrs::encode(&42).unwrap_err(),
        Attrs::encode(&"text").unwrap_err(),
        Attrs::encode(&vec![1, 2]).unwrap_err(),
        Attrs::encode(&()).unwrap_err(),
        Attrs::encode(&Wrapper(1)).unwrap_err(),
        Attrs::encode(&Kind::Plain).unwrap_err(),
    ];
    for invalid in refusals {
        assert_eq!(
            invalid.errors().keys().collect::<Vec<_>>(),
            ["payload"],
            "{invalid}"
        );
        assert!(
            invalid.messages("payload")[0].starts_with("must serialize to a JSON object"),
            "{invalid}"
        );
    }
    assert_eq!(
        Attrs::encode(&Kind::Plain).unwrap_err(),
        Invalid::new("payload", "must serialize to a JSON object, got \"Plain\"")
    );
}

#[test]
fn encode_reports_a_payload_that_fails_to_serialize() {
    use std::collections::BTreeMap;
    // JSON object keys must be strings.
    let map = BTreeMap::from([((1, 2), "pair key")]);
    let invalid = Attrs::encode(&map).unwrap_err();
    assert_eq!(
        invalid.errors().keys().collect::<Vec<_>>(),
        ["payload"],
        "{invalid}"
    );
}

#[test]
fn from_value_takes_only_objects() {
    let value = serde_json::json!({ "a": 1 });
    assert_eq!(Attrs::from_value(value).unwrap(), attrs! { "a": 1 });
    let invalid = Attrs::from_value(serde_json::json!([1])).unwrap_err();
    assert_eq!(
        invalid,
        Invalid::new("attrs", "must be a JSON object, got [1]")
    );
}

#[test]
fn validate_required_treats_null_and_whitespace_as_blank() {
    let attrs = attrs! { "a": null, "b": " \t", "c": 0, "d": "x", "e": [] };
    let invalid = attrs
        .validate_required(&["a", "b", "c", "d", "e", "f"])
        .unwrap_err();
    assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), ["a", "b", "f"]);
}

#[test]
fn attrs_convert_to_and_from_a_json_map() {
    let attrs = attrs! { "content": "Hi", "likes": 3 };
    let map = attrs.clone().into_map();
    assert_eq!(map.len(), 2);
    assert_eq!(map["content"], "Hi");
    assert_eq!(map["likes"], 3);
    assert_eq!(Attrs::from(map), attrs);
}

#[test]
fn attrs_collect_from_key_value_pairs() {
    let attrs: Attrs = [("content", "Hi"), ("topic", "news")].into_iter().collect();
    assert_eq!(attrs, attrs! { "content": "Hi", "topic": "news" });
}

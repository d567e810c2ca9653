//! Validation errors: fields and their messages, merged and shown.

use spector_core::Invalid;

#[test]
fn merge_keeps_every_message_of_both() {
    let mut invalid = Invalid::new("content", "can't be blank");
    invalid.merge(Invalid::new("content", "is too short").with("user_id", "is not a UUID"));
    assert_eq!(
        invalid.messages("content"),
        ["can't be blank", "is too short"]
    );
    assert_eq!(invalid.messages("user_id"), ["is not a UUID"]);
    assert_eq!(
        invalid.to_string(),
        "content: can't be blank; content: is too short; user_id: is not a UUID"
    );
    let mut empty = Invalid::default();
    empty.merge(Invalid::default());
    assert!(empty.is_empty());
}

//! The helpers of `Error`: which errors are safe to retry, the validation
//! errors of an `Invalid`, and the messages callers show.

use spector_core::{Error, Invalid};
use uuid::Uuid;

#[test]
fn only_a_busy_database_is_safe_to_retry() {
    let busy = Error::Busy {
        table: "chat_events".to_owned(),
        source: "database is locked".into(),
    };
    assert!(busy.is_retry_safe());
    // A write whose outcome is unknown may have committed.
    assert!(!Error::storage("connection reset").is_retry_safe());
    assert!(!Error::Invalid(Invalid::new("content", "can't be blank")).is_retry_safe());
}

#[test]
fn as_invalid_gives_the_field_errors_of_an_invalid_error_only() {
    let invalid = Invalid::new("content", "can't be blank");
    let error = Error::Invalid(invalid.clone());
    assert_eq!(error.as_invalid(), Some(&invalid));
    let not_found = Error::NotFound {
        record_type: "Chat",
        id: Uuid::nil(),
    };
    assert_eq!(not_found.as_invalid(), None);
}

#[test]
fn an_unknown_delete_action_says_to_use_store_delete() {
    let delete = Error::UnknownAction {
        record_type: "Chat",
        action: "delete".to_owned(),
    };
    assert_eq!(
        delete.to_string(),
        "Chat has no action `delete`: `delete` is built in, use `Store::delete`"
    );
    let other = Error::UnknownAction {
        record_type: "Chat",
        action: "frobnicate".to_owned(),
    };
    assert_eq!(other.to_string(), "Chat has no action `frobnicate`");
}

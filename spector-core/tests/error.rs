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

/// A driver's error as a storage error: its `Debug` form is the message a
/// `main` returning `spector::Result` prints.
#[derive(Debug)]
struct DriverError {
    code: &'static str,
}

impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "database \"shop\" does not exist (SQLSTATE {})",
            self.code
        )
    }
}

impl std::error::Error for DriverError {}

/// The backend's wrapper around the driver's error.
#[derive(Debug)]
struct Connecting(DriverError);

impl std::fmt::Display for Connecting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot connect to 127.0.0.1:5432/shop")
    }
}

impl std::error::Error for Connecting {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn debug_reads_like_display_then_the_causes_it_does_not_already_say() {
    let error = Error::storage(Connecting(DriverError { code: "3D000" }));
    assert_eq!(
        format!("{error:?}"),
        "storage error: cannot connect to 127.0.0.1:5432/shop\n\nCaused by:\n    \
         database \"shop\" does not exist (SQLSTATE 3D000)"
    );
    // No driver struct in it.
    assert!(!format!("{error:?}").contains("DriverError"));
    let not_found = Error::NotFound {
        record_type: "Chat",
        id: Uuid::nil(),
    };
    assert_eq!(format!("{not_found:?}"), not_found.to_string());
}

#[test]
fn a_batch_error_names_the_write_and_sees_through_to_its_cause() {
    let id = Uuid::nil();
    let error = Error::Batch {
        index: 3,
        record_type: "Ticket",
        record_id: Some(id),
        source: Box::new(Error::Invalid(Invalid::new(
            "status",
            "the ticket is closed",
        ))),
    };
    assert_eq!(
        error.to_string(),
        format!(
            "write 3 of the batch (Ticket {id}) failed, nothing of the batch was written: \
             invalid: status: the ticket is closed"
        )
    );
    assert_eq!(
        error
            .as_invalid()
            .map(|invalid| invalid.messages("status").len()),
        Some(1)
    );
    assert!(matches!(error.root(), Error::Invalid(_)));
    let busy = Error::Batch {
        index: 0,
        record_type: "Ticket",
        record_id: None,
        source: Box::new(Error::Busy {
            table: "t".to_owned(),
            source: "locked".into(),
        }),
    };
    assert!(busy.is_retry_safe());
    assert!(busy.to_string().contains("(Ticket (new record))"), "{busy}");
}

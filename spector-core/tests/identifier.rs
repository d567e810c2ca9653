//! SQL identifiers: how a checked name reads and compares as text.

use spector_core::backend::SqlIdent;

#[test]
fn an_identifier_reads_as_its_name() {
    let table = SqlIdent::new("chat_events").unwrap();
    assert_eq!(AsRef::<str>::as_ref(&table), "chat_events");
    assert_eq!(table.as_str(), "chat_events");
    assert_eq!(table.to_string(), "chat_events");
}

#[test]
fn an_identifier_equals_its_name_and_no_other_text() {
    let table = SqlIdent::new("chat_events").unwrap();
    assert!(PartialEq::<str>::eq(&table, "chat_events"));
    assert!(!PartialEq::<str>::eq(&table, "chat_edits"));
    assert!(!PartialEq::<str>::eq(&table, ""));
    assert!(table == "chat_events");
    assert!(table != "chat_edits");
}

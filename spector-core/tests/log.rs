//! Resolving event-log declarations: every name checked before any SQL.

use spector_core::backend::{LinkDecl, LogSpec, SchemaSpec};
use spector_core::Error;

fn refusal(table: &str, links: &'static [LinkDecl]) -> String {
    match LogSpec::new(table, vec![SchemaSpec::new("Chat", 0, links)]) {
        Err(Error::InvalidLog { reason, .. }) => reason,
        other => panic!("expected InvalidLog, got {other:?}"),
    }
}

#[test]
fn default_link_tables_take_the_log_prefix() {
    const LINKS: &[LinkDecl] = &[
        LinkDecl::new("edits", "previous_id"),
        LinkDecl::new("replies", "parent_message_id"),
    ];
    let log = LogSpec::new("chat_events", vec![SchemaSpec::new("Chat", 0, LINKS)]).unwrap();
    let tables: Vec<(&str, &str, &str)> = log
        .links()
        .iter()
        .map(|link| (link.name(), link.table().as_str(), link.column().as_str()))
        .collect();
    assert_eq!(
        tables,
        [
            ("edits", "chat_edits", "previous_id"),
            ("replies", "chat_replies", "parent_message_id")
        ]
    );
    assert_eq!(log.table().as_str(), "chat_events");
    assert_eq!(
        log.link("replies").map(|link| link.table().as_str()),
        Some("chat_replies")
    );
    assert!(log.link("parents").is_none());
}

#[test]
fn two_links_may_not_share_a_table() {
    const LINKS: &[LinkDecl] = &[
        LinkDecl::new("edits", "previous_id"),
        LinkDecl {
            name: "replies",
            column: "parent_id",
            table: Some("chat_edits"),
            constrained: true,
            typed: false,
            kinds: &[],
        },
    ];
    let reason = refusal("chat_events", LINKS);
    assert_eq!(
        reason,
        "links `edits` and `replies` share the link table `chat_edits`"
    );
}

#[test]
fn a_link_may_not_use_the_event_table() {
    const LINKS: &[LinkDecl] = &[LinkDecl {
        name: "edits",
        column: "previous_id",
        table: Some("chat_events"),
        constrained: true,
        typed: false,
        kinds: &[],
    }];
    let reason = refusal("chat_events", LINKS);
    assert!(reason.contains("event table `chat_events`"), "{reason}");
}

#[test]
fn sql_keywords_are_refused_as_names() {
    const KEYWORD_COLUMN: &[LinkDecl] = &[LinkDecl::new("authors", "user")];
    assert!(refusal("chat_events", KEYWORD_COLUMN).contains("`user` is not a valid name"));
    assert!(refusal("order", &[]).contains("`order` is not a valid table name"));
    assert!(refusal("Select", &[]).contains("not a valid table name"));
}

#[test]
fn injected_sql_is_refused() {
    const INJECTED: &[LinkDecl] = &[LinkDecl::new("edits", "id); DROP TABLE x; --")];
    assert!(refusal("chat_events", INJECTED).contains("is not a valid name"));
    assert!(refusal("chat_events; DROP TABLE x", &[]).contains("not a valid table name"));
}

#[test]
fn schema_indexes_must_ascend() {
    let backwards = vec![SchemaSpec::new("A", 5, &[]), SchemaSpec::new("B", 5, &[])];
    match LogSpec::new("t_events", backwards) {
        Err(Error::InvalidLog { table, reason }) => {
            assert_eq!(table, "t_events");
            assert_eq!(reason, "schema index 5 of B does not come after 5 of A");
        }
        other => panic!("expected InvalidLog, got {other:?}"),
    }
}

#[test]
fn a_link_shared_by_two_types_must_be_declared_alike() {
    const A: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
    const B: &[LinkDecl] = &[LinkDecl::new("edits", "other_id")];
    let clash = vec![SchemaSpec::new("A", 0, A), SchemaSpec::new("B", 1, B)];
    assert!(matches!(
        LogSpec::new("t_events", clash),
        Err(Error::InvalidLog { reason, .. })
            if reason == "link `edits` is declared twice with different tables or columns"
    ));
    let shared = vec![SchemaSpec::new("A", 0, A), SchemaSpec::new("B", 1, A)];
    let log = LogSpec::new("t_events", shared).unwrap();
    assert_eq!(log.links().len(), 1);
    assert_eq!(log.links()[0].table().as_str(), "t_edits");
}

#[test]
fn a_link_column_may_not_be_event_id() {
    const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "event_id")];
    assert!(refusal("chat_events", LINKS).contains("may not be `event_id`"));
}

#[test]
fn schemas_and_record_types_are_found_by_index() {
    let log = LogSpec::new(
        "chat_events",
        vec![
            SchemaSpec::new("Chat", 0, &[]),
            SchemaSpec::new("Comment", 10, &[]),
        ],
    )
    .unwrap();
    assert_eq!(log.schema(10).map(|schema| schema.name), Some("Comment"));
    assert!(log.schema(1).is_none());
    let log: &'static LogSpec = Box::leak(Box::new(log));
    assert_eq!(log.record_type(0), "Chat");
    assert_eq!(log.record_type(3), "(undeclared record type)");
}

#[test]
fn schemas_are_listed_in_index_order() {
    let chat = SchemaSpec::new("Chat", 0, &[]);
    let comment = SchemaSpec::new("Comment", 10, &[]);
    let log = LogSpec::new("chat_events", vec![chat.clone(), comment.clone()]).unwrap();
    assert_eq!(log.schemas(), [chat, comment]);
}

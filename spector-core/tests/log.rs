//! Resolving event-log declarations: every name checked before any SQL.

use spector_core::{Error, LinkDecl, LogSpec, SchemaSpec};

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
    let tables: Vec<&str> = log.links.iter().map(|link| link.table.as_str()).collect();
    assert_eq!(tables, ["chat_edits", "chat_replies"]);
}

#[test]
fn two_links_may_not_share_a_table() {
    const LINKS: &[LinkDecl] = &[
        LinkDecl::new("edits", "previous_id"),
        LinkDecl {
            name: "replies",
            column: "parent_id",
            table: Some("chat_edits"),
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

//! A complete, valid declaration: two record types in one event log, custom
//! actions with derived and explicit codes, links with default and explicit
//! tables, a version, and hand-written changesets.

#![deny(missing_docs, warnings)]

use spector::action::{custom_action_code, INSERT, SAVEPOINT, UPDATE};
use spector::{
    event_log, Attrs, Changeset, EventLog, Evented, Invalid, LinkDecl, RecordAction, Uuid,
};

/// A chat: its messages, newest first.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = ChatEvents, actions(edit, soft_delete = 40), version = 2)]
#[evented(links(
    edits = "previous_id",
    parents(column = "parent_event_id", table = "chat_parents"),
))]
pub struct Chat {
    /// The chat id.
    pub id: Uuid,
    /// The messages.
    pub messages: Vec<String>,
}

impl Changeset for Chat {
    fn changeset(mut self, action: ChatAction, attrs: &Attrs) -> Result<Self, Invalid> {
        match action {
            ChatAction::Edit => {
                let content: String = attrs.fetch("content")?;
                let first = self
                    .messages
                    .first_mut()
                    .ok_or_else(|| Invalid::new("content", "nothing to edit"))?;
                *first = content;
            }
            ChatAction::SoftDelete => self.messages.clear(),
            ChatAction::Insert | ChatAction::Update | ChatAction::Savepoint => {
                self.messages.insert(0, attrs.fetch("content")?);
            }
        }
        Ok(self)
    }
}

/// A record with nothing but its id, stored at an explicit schema index.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = ChatEvents)]
pub struct Ping {
    /// The ping id.
    pub id: spector::Uuid,
}

impl Changeset for Ping {
    fn changeset(self, _action: PingAction, _attrs: &Attrs) -> Result<Self, Invalid> {
        Ok(self)
    }
}

event_log!(
    /// Where chats and pings are stored.
    pub ChatEvents {
        table: "chat_events",
        schemas: [Chat, Ping = 10],
    }
);

fn main() {
    assert_eq!(
        ChatAction::all(),
        [
            ChatAction::Insert,
            ChatAction::Update,
            ChatAction::Savepoint,
            ChatAction::Edit,
            ChatAction::SoftDelete,
        ]
    );
    assert_eq!(ChatAction::INSERT.code(), INSERT);
    assert_eq!(ChatAction::UPDATE.code(), UPDATE);
    assert_eq!(ChatAction::SAVEPOINT.code(), SAVEPOINT);
    assert_eq!(ChatAction::Edit.code(), custom_action_code("edit"));
    assert_eq!(ChatAction::SoftDelete.code(), 40);
    assert_eq!(
        ChatAction::from_name("soft_delete"),
        Some(ChatAction::SoftDelete)
    );
    assert_eq!(ChatAction::from_code(40), Some(ChatAction::SoftDelete));
    assert_eq!(ChatAction::Edit.to_string(), "edit");
    assert_eq!(PingAction::all().len(), 3);

    assert_eq!(Chat::NAME, "Chat");
    assert_eq!(Chat::SCHEMA_INDEX, 0);
    assert_eq!(Chat::VERSION, 2);
    assert_eq!(
        Chat::LINKS,
        [
            LinkDecl {
                name: "edits",
                column: "previous_id",
                table: None
            },
            LinkDecl {
                name: "parents",
                column: "parent_event_id",
                table: Some("chat_parents")
            },
        ]
    );
    assert_eq!(Ping::SCHEMA_INDEX, 10);
    assert_eq!(Ping::VERSION, 0);

    let id = Uuid::from_u128(7);
    assert_eq!(
        Chat::fresh(id),
        Chat {
            id,
            messages: Vec::new()
        }
    );
    assert_eq!(Chat::fresh(id).id(), id);
    assert_eq!(Ping::fresh(id), Ping { id });

    let spec = match ChatEvents::spec() {
        Ok(spec) => spec,
        Err(error) => panic!("the log should resolve: {error}"),
    };
    assert_eq!(spec.table, "chat_events");
    assert_eq!(spec.schema(10).map(|schema| schema.name), Some("Ping"));
    assert_eq!(
        spec.link("edits").map(|link| link.table.as_str()),
        Some("chat_edits")
    );
    assert_eq!(
        spec.link("parents").map(|link| link.table.as_str()),
        Some("chat_parents")
    );
}

//! A complete, valid declaration: two record types in one event log (one at
//! an explicit schema index), typed payloads for the built-ins and a custom
//! action, an `Attrs` action, derived, explicit, negative and aliased codes,
//! the long form of an action, links with default and explicit columns and
//! tables, a version, `Id<Self>` and `Uuid` id fields, serde savepoints
//! taken every 5 events, a hashed log, a type without `update` and one whose
//! `update` carries `Attrs`, and hand-written changesets. `main` checks every
//! generated constant against literal values.

#![deny(missing_docs, warnings)]

use serde::{Deserialize, Serialize};
use spector::action::{custom_action_code, ActionName, INSERT, UPDATE};
use spector::backend::LinkDecl;
use spector::{
    event_log, Attrs, Changeset, Event, EventLog, EventMeta, Evented, Id, Invalid, NewEvent,
    RecordAction, RecordLink, Replay, Updatable, Uuid,
};

/// The payload of `insert` and `update`: a new message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// The text.
    pub content: String,
}

/// The payload of `edit`: the message to change and its new text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditMessage {
    /// The message edited: the id of the event that created it.
    pub edits: Uuid,
    /// The new text.
    pub content: String,
}

/// The payload of `note`, declared in the long form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// The note.
    pub text: String,
}

/// A chat: its messages, oldest first, as (creating event, text).
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = ChatEvents,
    actions(
        insert = NewMessage,
        update = NewMessage,
        edit = EditMessage,
        clear,
        pin = 17,
        mute = -3,
        soft_delete(alias = archive),
        note(payload = Note, code = 40),
    ),
    version = 2,
)]
#[evented(links(
    edits = "previous_id",
    mentions,
    parents(column = "parent_event_id", table = "chat_parents"),
))]
pub struct Chat {
    /// The chat id.
    pub id: Id<Self>,
    /// The messages.
    pub messages: Vec<(Uuid, String)>,
    /// The notes.
    pub notes: Vec<String>,
    /// Whether the chat is pinned.
    pub pinned: bool,
}

impl Changeset for Chat {
    fn validate(&self, action: &ChatAction, _meta: &EventMeta) -> Result<(), Invalid> {
        match action {
            ChatAction::Edit(edit) if !self.messages.iter().any(|(id, _)| *id == edit.edits) => {
                Err(Invalid::new("edits", "no such message"))
            }
            _ => Ok(()),
        }
    }

    fn changeset(mut self, action: ChatAction, meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            ChatAction::Insert(new) | ChatAction::Update(new) => {
                self.messages.push((meta.id, new.content));
            }
            ChatAction::Edit(edit) => {
                for (_, content) in self.messages.iter_mut().filter(|(id, _)| *id == edit.edits) {
                    content.clone_from(&edit.content);
                }
            }
            ChatAction::Clear(attrs) => {
                let keep: usize = attrs.get_or("keep", 0)?;
                self.messages.truncate(keep);
            }
            ChatAction::Pin(_) => self.pinned = true,
            ChatAction::Mute(_) | ChatAction::SoftDelete(_) => self.pinned = false,
            ChatAction::Note(note) => self.notes.push(note.text),
        }
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _chat: &Self,
    ) -> Result<(), Invalid> {
        if let ChatAction::Edit(edit) = event.action() {
            let edits = edit.edits;
            event.link(ChatLink::Edits, edits);
        }
        Ok(())
    }
}

/// A record with nothing but its id, stored at an explicit schema index; it
/// declares no `update`, so it has none.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = ChatEvents)]
pub struct Ping {
    /// The ping id.
    pub id: Uuid,
}

impl Changeset for Ping {
    fn changeset(self, action: PingAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            PingAction::Insert(_) => Ok(self),
        }
    }
}

/// A counter with serde savepoints, one every 5 events, counted by
/// `insert` and by `update`, which carries `Attrs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(log = ChatEvents, actions(update), savepoint_every = 5)]
pub struct Tick {
    /// The tick id.
    pub id: Id<Self>,
    /// How many ticks.
    pub ticks: u32,
}

impl Changeset for Tick {
    fn changeset(mut self, _action: TickAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        self.ticks += 1;
        Ok(self)
    }
}

event_log!(
    /// Where chats, pings and ticks are stored, as a hash chain.
    pub ChatEvents {
        table: "chat_events",
        schemas: [Chat, Ping = 10, Tick],
        hashed: true,
    }
);

/// A stored event of `chat` carrying `action`, as a backend would read it.
fn stored(id: u128, chat: Id<Chat>, action: &ChatAction) -> Event {
    let payload = match action.encode() {
        Ok(payload) => payload,
        Err(invalid) => panic!("{action:?} should encode: {invalid}"),
    };
    Event {
        id: Uuid::from_u128(id),
        parent_id: chat.uuid(),
        schema_index: Chat::SCHEMA_INDEX,
        action_code: action.code(),
        payload,
        inserted_at: Default::default(),
        links: Vec::new(),
        hash: None,
    }
}

/// The (name, code) pairs of an action enum's `NAMES`.
fn names(names: &[ActionName]) -> Vec<(&'static str, i32)> {
    names
        .iter()
        .map(|action| (action.name, action.code))
        .collect()
}

fn main() {
    // Actions: every name the by-name path accepts, with its code.
    let archive = custom_action_code("archive");
    assert_eq!(
        names(ChatAction::NAMES),
        [
            ("insert", 1),
            ("update", 2),
            ("edit", custom_action_code("edit")),
            ("clear", custom_action_code("clear")),
            ("pin", 17),
            ("mute", -3),
            ("soft_delete", archive),
            ("archive", archive),
            ("note", 40),
        ]
    );
    assert_eq!(ChatAction::code_of("insert"), Some(INSERT));
    assert_eq!(ChatAction::code_of("update"), Some(UPDATE));
    assert_eq!(ChatAction::code_of("edit"), Some(1_541_920_161));
    assert_eq!(ChatAction::code_of("archive"), Some(419_300_325));
    assert_eq!(ChatAction::code_of("soft_delete"), Some(419_300_325));
    assert_eq!(ChatAction::code_of("mute"), Some(-3));
    assert_eq!(ChatAction::code_of("delete"), None);
    assert_eq!(ChatAction::code_of("savepoint"), None);
    assert_eq!(ChatAction::name_of(archive), Some("soft_delete"));
    assert_eq!(ChatAction::name_of(40), Some("note"));
    assert_eq!(names(PingAction::NAMES), [("insert", 1)]);
    assert_eq!(PingAction::code_of("update"), None);
    assert_eq!(names(TickAction::NAMES), [("insert", 1), ("update", 2)]);
    let updated = ChatAction::update(NewMessage {
        content: "b".into(),
    });
    assert_eq!((updated.name(), updated.code()), ("update", UPDATE));

    let note = ChatAction::Note(Note { text: "hi".into() });
    assert_eq!(note.name(), "note");
    assert_eq!(note.code(), 40);
    let renamed = ChatAction::SoftDelete(Attrs::new());
    assert_eq!((renamed.name(), renamed.code()), ("soft_delete", archive));
    let inserted = ChatAction::insert(NewMessage {
        content: "a".into(),
    });
    assert_eq!((inserted.name(), inserted.code()), ("insert", INSERT));

    // Links.
    assert_eq!(ChatLink::Edits.name(), "edits");
    assert_eq!(ChatLink::Mentions.name(), "mentions");
    assert_eq!(ChatLink::Parents.name(), "parents");
    assert_eq!(
        Chat::LINKS,
        [
            LinkDecl::new("edits", "previous_id"),
            LinkDecl::new("mentions", "mentions_id"),
            LinkDecl {
                name: "parents",
                column: "parent_event_id",
                table: Some("chat_parents"),
                constrained: true,
                typed: false,
                kinds: &[],
            },
        ]
    );
    assert!(Ping::LINKS.is_empty());

    // The record types.
    assert_eq!(
        (Chat::NAME, Chat::SCHEMA_INDEX, Chat::VERSION),
        ("Chat", 0, 2)
    );
    assert_eq!(
        (Ping::NAME, Ping::SCHEMA_INDEX, Ping::VERSION),
        ("Ping", 10, 0)
    );

    let id: Id<Chat> = Id::new(Uuid::from_u128(7));
    assert_eq!(
        Chat::fresh(id),
        Chat {
            id,
            messages: Vec::new(),
            notes: Vec::new(),
            pinned: false
        }
    );
    assert_eq!(Chat::fresh(id).id(), id);
    let ping = Ping::fresh(Id::new(Uuid::from_u128(8)));
    assert_eq!(
        ping,
        Ping {
            id: Uuid::from_u128(8)
        }
    );
    assert_eq!(ping.id(), Id::<Ping>::new(Uuid::from_u128(8)));

    // The log.
    let spec = match ChatEvents::spec() {
        Ok(spec) => spec,
        Err(error) => panic!("the log should resolve: {error}"),
    };
    assert_eq!(spec.table().as_str(), "chat_events");
    assert_eq!(spec.record_type(10), "Ping");
    let link = |name| match spec.link(name) {
        Some(link) => (link.table().as_str(), link.column().as_str()),
        None => panic!("the log should have the link `{name}`"),
    };
    assert_eq!(link("edits"), ("chat_edits", "previous_id"));
    assert_eq!(link("mentions"), ("chat_mentions", "mentions_id"));
    assert_eq!(link("parents"), ("chat_parents", "parent_event_id"));

    // Payloads round-trip through the stored form, and replay applies them.
    let events = [
        stored(
            1,
            id,
            &ChatAction::Insert(NewMessage {
                content: "Hello".into(),
            }),
        ),
        stored(
            2,
            id,
            &ChatAction::Edit(EditMessage {
                edits: Uuid::from_u128(1),
                content: "Hi".into(),
            }),
        ),
        stored(3, id, &note),
        stored(4, id, &ChatAction::Pin(Attrs::new())),
    ];
    match events[1].action::<Chat>() {
        Ok(ChatAction::Edit(edit)) => assert_eq!(edit.content, "Hi"),
        other => panic!("the edit should decode: {other:?}"),
    }
    assert_eq!(events[2].action_name::<Chat>(), Some("note"));
    let replayed = match Replay::<Chat>::run(&events) {
        Ok(Some(chat)) => chat,
        other => panic!("the events should replay: {other:?}"),
    };
    assert_eq!(
        replayed,
        Chat {
            id,
            messages: vec![(Uuid::from_u128(1), "Hi".to_owned())],
            notes: vec!["hi".to_owned()],
            pinned: true,
        }
    );

    // The live rules run before the transition, on typed payloads.
    let meta = events[1].meta();
    let missing = ChatAction::Edit(EditMessage {
        edits: Uuid::nil(),
        content: "x".into(),
    });
    assert!(replayed.validate(&missing, &meta).is_err());

    // A savepoint restores the state its serde form holds, and replay goes
    // on from there.
    assert_eq!(Tick::SCHEMA_INDEX, 11);
    assert_eq!(
        Tick::SAVEPOINTS
            .and_then(|hooks| hooks.interval())
            .map(|every| every.get()),
        Some(5)
    );
    assert!(ChatEvents::spec().is_ok_and(|spec| spec.hashed()));
    let tick = Id::<Tick>::new(Uuid::from_u128(9));
    let row = |id: u128, action_code: i32, payload: Attrs| Event {
        id: Uuid::from_u128(id),
        parent_id: tick.uuid(),
        schema_index: Tick::SCHEMA_INDEX,
        action_code,
        payload,
        inserted_at: Default::default(),
        links: Vec::new(),
        hash: None,
    };
    let saved = spector::attrs! { "id": tick, "ticks": 7, "__version__": 0 };
    let events = [
        row(9, INSERT, Attrs::new()),
        row(10, spector::action::SAVEPOINT, saved),
        row(11, UPDATE, Attrs::new()),
    ];
    match Replay::<Tick>::run(&events) {
        Ok(Some(state)) => assert_eq!(state, Tick { id: tick, ticks: 8 }),
        other => panic!("the ticks should replay: {other:?}"),
    }
}

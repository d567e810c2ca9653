//! An AI chat with branching conversations, from Spector's guides.
//!
//! One record is one conversation *tree*. Each message is an event; a reply
//! links (`ancestors`, table `ai_chat_ancestors(event_id, ancestor_id)`) to
//! the message it answers. Replying twice to the same message forks the
//! conversation: each leaf, with everything above it, is one branch, i.e.
//! one conversation an assistant would see as its context.
//!
//! Elixir's guide links each message to *every* ancestor, loading them
//! itself in `prepare_event`. Here a message links to its parent only:
//! [`Store::ancestry`] follows the link transitively in one recursive query,
//! so a branch of any depth costs one round trip, and each write adds one
//! link row however deep the conversation is. [`branch`] replays that
//! ancestry with [`Replay`] into the state the branch alone produces.

use serde::{Deserialize, Serialize};
use spector::backend::Storage;
use spector::{
    event_log, Changeset, Error, Event, EventMeta, Evented, Id, Invalid, NewEvent, Replay, Store,
};
use std::fmt;
use uuid::Uuid;

/// Who wrote a message; stored as `"user"` or `"assistant"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person asking.
    User,
    /// The model answering.
    Assistant,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        })
    }
}

/// The payload of `insert` (the first message) and `update` (a reply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// The text.
    pub content: String,
    /// The message it answers (the id of its event); `None` for the first
    /// message of the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Uuid>,
}

/// One message of a replayed conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// The event that wrote the message.
    pub id: Uuid,
    /// Who wrote it.
    pub role: Role,
    /// The text.
    pub content: String,
}

impl fmt::Display for ChatMessage {
    /// `role: content`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.role, self.content)
    }
}

/// A conversation tree. Replayed from all its events (`store.get`), its
/// state is every message of every branch in the order written; replayed
/// from one message's ancestry ([`branch`]), it is that branch alone.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = AiChatEvents,
    actions(insert = Message, update = Message),
    links(ancestors = "ancestor_id")
)]
pub struct AiChat {
    /// The conversation id (= id of its first message's event).
    pub id: Id<AiChat>,
    /// The messages replayed, oldest first.
    pub messages: Vec<ChatMessage>,
}

event_log!(pub AiChatEvents {
    table: "ai_chat_events",
    schemas: [AiChat],
});

impl Changeset for AiChat {
    /// The first message answers nothing; every later one answers a message
    /// of this conversation. The type has no savepoints, so the state holds
    /// every message written so far. No message is blank.
    fn validate(&self, action: &AiChatAction, _meta: &EventMeta) -> Result<(), Invalid> {
        let message = match action {
            AiChatAction::Insert(message) => {
                if message.parent.is_some() {
                    return Err(Invalid::new(
                        "parent",
                        "the first message of a conversation answers none",
                    ));
                }
                message
            }
            AiChatAction::Update(message) => {
                let Some(parent) = message.parent else {
                    return Err(Invalid::new("parent", "can't be blank for a reply"));
                };
                if !self.messages.iter().any(|known| known.id == parent) {
                    return Err(Invalid::new(
                        "parent",
                        "is not a message of this conversation",
                    ));
                }
                message
            }
        };
        if message.content.trim().is_empty() {
            return Err(Invalid::new("content", "can't be blank"));
        }
        Ok(())
    }

    /// The message goes last, with the id of its event.
    fn changeset(mut self, action: AiChatAction, meta: &EventMeta) -> Result<Self, Invalid> {
        let (AiChatAction::Insert(message) | AiChatAction::Update(message)) = action;
        self.messages.push(ChatMessage {
            id: meta.id,
            role: message.role,
            content: message.content,
        });
        Ok(self)
    }

    /// A reply links to the message it answers, and to that one only: the
    /// rest of its ancestry is reached through the parent's own link.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _chat: &Self,
    ) -> Result<(), Invalid> {
        let (AiChatAction::Insert(message) | AiChatAction::Update(message)) = event.action();
        if let Some(parent) = message.parent {
            event.link(AiChatLink::Ancestors, parent);
        }
        Ok(())
    }
}

/// The message an event of a conversation wrote.
///
/// # Errors
///
/// As [`Event::action`]: an event that is not one of [`AiChat`]'s messages.
pub fn message_of(event: &Event) -> spector::Result<ChatMessage> {
    let (AiChatAction::Insert(message) | AiChatAction::Update(message)) =
        event.action::<AiChat>()?;
    Ok(ChatMessage {
        id: event.id,
        role: message.role,
        content: message.content,
    })
}

/// Starts a conversation with the user's first message; its id is the
/// conversation's ([`AiChat::id`]).
///
/// # Errors
///
/// [`Error::Invalid`] for a blank message, [`Error::Storage`].
pub async fn start<B: Storage>(
    store: &Store<B>,
    content: impl Into<String>,
) -> spector::Result<AiChat> {
    store
        .insert(Message {
            role: Role::User,
            content: content.into(),
            parent: None,
        })
        .await
}

/// Adds to conversation `chat` a message of `role` that answers `parent`,
/// and returns it.
///
/// # Errors
///
/// [`Error::Invalid`] for a blank message or a `parent` that is not a
/// message of `chat`, [`Error::NotFound`] for a missing conversation,
/// [`Error::Storage`].
pub async fn reply<B: Storage>(
    store: &Store<B>,
    chat: Id<AiChat>,
    parent: Uuid,
    role: Role,
    content: impl Into<String>,
) -> spector::Result<ChatMessage> {
    let message = Message {
        role,
        content: content.into(),
        parent: Some(parent),
    };
    let state = store.update(chat, message).await?;
    // The state an update returns ends with the message it added.
    state.messages.into_iter().last().ok_or(Error::NotFound {
        record_type: AiChat::NAME,
        id: chat.uuid(),
    })
}

/// One branch: the conversation as the message `leaf` sees it — `leaf` and
/// all its ancestors, read in one recursive query and replayed, oldest
/// first.
///
/// # Errors
///
/// [`Error::EventNotFound`] when `leaf` is not a message of an [`AiChat`];
/// [`Error::Storage`], or replay errors ([`Replay::apply`]).
pub async fn branch<B: Storage>(store: &Store<B>, leaf: Uuid) -> spector::Result<AiChat> {
    let events = store.ancestry(AiChatLink::Ancestors, leaf).await?;
    Replay::<AiChat>::run(&events)?.ok_or(Error::EventNotFound {
        record_type: AiChat::NAME,
        event_id: leaf,
    })
}

/// The direct replies to `message`, oldest first: more than one where the
/// conversation forks.
///
/// # Errors
///
/// [`Error::Storage`], or [`message_of`]'s errors.
pub async fn replies<B: Storage>(
    store: &Store<B>,
    message: Uuid,
) -> spector::Result<Vec<ChatMessage>> {
    store
        .linking_to(AiChatLink::Ancestors, message)
        .await?
        .iter()
        .map(message_of)
        .collect()
}

/// How many messages two branches share from the root on, before they
/// diverge.
pub fn shared_prefix(a: &AiChat, b: &AiChat) -> usize {
    a.messages
        .iter()
        .zip(&b.messages)
        .take_while(|(x, y)| x.id == y.id)
        .count()
}

//! A basic chat with edit history, from Spector's guide.
//!
//! A chat is a record whose state is a list of messages, newest first. Adding
//! a message is an `update`; changing one is the custom `edit` action, whose
//! event links (`edits`) to the version it replaces, so the original stays in
//! the log and every version of a message can be listed.

use serde::{Deserialize, Serialize};
use spector::{event_log, Attrs, Changeset, Event, Evented, Invalid, NewEvent, Storage, Store};
use uuid::Uuid;

/// One message; its `id` is the id of the event that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The event that created the message.
    pub id: Uuid,
    /// The author.
    pub user_id: Uuid,
    /// The text.
    pub content: String,
}

impl Message {
    /// A message from the attrs of the event that creates it.
    pub fn changeset(attrs: &Attrs) -> Result<Self, Invalid> {
        attrs.validate_required(&["user_id", "content"])?;
        attrs.put_event_id("id")?.decode()
    }
}

/// A conversation: its messages, the most recent first.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = BasicChatEvents, actions(edit), links(edits = "previous_id"))]
pub struct BasicChat {
    /// The chat id (= id of its first event).
    pub id: Uuid,
    /// The messages, newest first.
    pub messages: Vec<Message>,
}

event_log!(pub BasicChatEvents {
    table: "basic_chat_events",
    schemas: [BasicChat],
});

impl Changeset for BasicChat {
    fn changeset(mut self, action: BasicChatAction, attrs: &Attrs) -> Result<Self, Invalid> {
        match action {
            BasicChatAction::Edit => {
                let message_id: Uuid = attrs.fetch("edits")?;
                let content: String = attrs.fetch("content")?;
                let message = self
                    .messages
                    .iter_mut()
                    .find(|message| message.id == message_id)
                    .ok_or_else(|| Invalid::new("edits", "no such message"))?;
                message.content = content;
            }
            _ => self.messages.insert(0, Message::changeset(attrs)?),
        }
        Ok(self)
    }

    /// An edit links to the version it replaces: the newest event that
    /// created or edited the message.
    fn prepare_event(
        event: &mut NewEvent,
        previous_events: &[Event],
        attrs: &Attrs,
    ) -> Result<(), Invalid> {
        if event.is(BasicChatAction::Edit) {
            let message_id: Uuid = attrs.fetch("edits")?;
            let is_version = |e: &&Event| {
                e.id == message_id
                    || e.is(BasicChatAction::Edit)
                        && e.payload.get::<Uuid>("edits") == Ok(Some(message_id))
            };
            let replaced = previous_events
                .iter()
                .rev()
                .find(is_version)
                .ok_or_else(|| Invalid::new("edits", "no such message"))?;
            event.link("edits", replaced.id);
        }
        Ok(())
    }
}

/// The latest version of each message: the chat's events that no edit
/// replaced, oldest first.
pub async fn list_messages<B: Storage>(
    store: &Store<B>,
    chat_id: Uuid,
) -> spector::Result<Vec<Event>> {
    let events = store.all_events::<BasicChat>(chat_id).await?;
    let replaced: Vec<Uuid> = events.iter().flat_map(|e| e.linked("edits")).collect();
    Ok(events
        .into_iter()
        .filter(|e| !replaced.contains(&e.id))
        .collect())
}

/// Every version of a message, oldest first: the event that created it,
/// then each edit that replaced the version before.
pub async fn get_edit_history<B: Storage>(
    store: &Store<B>,
    message_id: Uuid,
) -> spector::Result<Vec<Event>> {
    let mut versions = Vec::new();
    let mut next = store.event::<BasicChat>(message_id).await?;
    while let Some(version) = next {
        next = store
            .linking_to::<BasicChat>("edits", version.id)
            .await?
            .into_iter()
            .next();
        versions.push(version);
    }
    Ok(versions)
}

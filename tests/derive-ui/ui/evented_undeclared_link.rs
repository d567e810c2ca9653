// Links are an enum: an undeclared link is rustc's own error on the variant.

use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents, actions(edit), links(edits = "previous_id"))]
struct Chat {
    id: Id<Chat>,
    messages: Vec<String>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

impl Changeset for Chat {
    fn changeset(mut self, action: ChatAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            ChatAction::Insert(attrs) | ChatAction::Edit(attrs) => {
                self.messages.push(attrs.fetch("content")?);
            }
        }
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent<Self>,
        history: &[Event],
        _chat: &Self,
    ) -> Result<(), Invalid> {
        if let Some(previous) = history.last() {
            event.link(ChatLink::Replies, previous.id);
        }
        Ok(())
    }
}

fn main() {}

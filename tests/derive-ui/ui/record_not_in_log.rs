// `Chat` names `ChatEvents` as its log, which does not list it.

use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Id<Chat>,
    messages: Vec<String>,
}

impl Changeset for Chat {
    fn changeset(mut self, action: ChatAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            ChatAction::Insert(attrs) => {
                self.messages.push(attrs.fetch("content")?);
            }
        }
        Ok(self)
    }
}

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Comment {
    id: Id<Comment>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Comment],
});

fn main() {}

// An alias names a former action: `archive` may not be declared beside it.

use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents, actions(archive, soft_delete(alias = archive)))]
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
            ChatAction::Insert(attrs) => {
                self.messages.push(attrs.fetch("content")?);
            }
            ChatAction::Archive(_) | ChatAction::SoftDelete(_) => self.messages.clear(),
        }
        Ok(self)
    }
}

fn main() {}

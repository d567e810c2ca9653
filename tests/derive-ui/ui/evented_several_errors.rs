// Several mistakes at once: each is reported, in one compile, and nothing else.

use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

#[derive(Debug, Default, Evented)]
#[evented(
    actions(insert = 5, edit, edit, archive = 3),
    links(edits = "previous id"),
    colour = "red",
    version = 1
)]
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
            ChatAction::Edit(_) | ChatAction::Archive(_) => {}
        }
        Ok(self)
    }
}

fn main() {}

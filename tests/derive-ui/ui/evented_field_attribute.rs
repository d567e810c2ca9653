use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    #[evented(actions(edit))]
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
        }
        Ok(self)
    }
}

fn main() {}

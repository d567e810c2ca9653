use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat<T> {
    id: Id<Chat<T>>,
    messages: Vec<T>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat<String>],
});

impl Changeset for Chat<String> {
    fn changeset(mut self, action: ChatAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            ChatAction::Insert(attrs) | ChatAction::Update(attrs) => {
                self.messages.push(attrs.fetch("content")?);
            }
        }
        Ok(self)
    }
}

fn main() {}

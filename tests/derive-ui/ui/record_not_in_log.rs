use spector::{event_log, Attrs, Changeset, Evented, Invalid, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Uuid,
}

impl Changeset for Chat {
    fn changeset(self, _action: ChatAction, _attrs: &Attrs) -> Result<Self, Invalid> {
        Ok(self)
    }
}

#[derive(Default, Evented)]
#[evented(log = ChatEvents)]
struct Comment {
    id: Uuid,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Comment],
});

fn main() {}

use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};

// A type without `table = "..."` has no row to materialize.
#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Id<Chat>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

impl Changeset for Chat {
    fn changeset(self, _action: ChatAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }
}

async fn rebuild<B: spector::backend::Storage>(store: &Store<B>, id: Id<Chat>) {
    let _ = store.materialize(id).await;
}

fn main() {}

use spector::{event_log, Evented, Id, Uuid};

// A bad table name, a column named like an SQL keyword, `json` on the id
// and `skip` without a table: one error each, in one compile.
#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents, table = "chat rows")]
struct Chat {
    #[evented(json)]
    id: Id<Chat>,
    order: i32,
}

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents, id = key)]
struct Reader {
    uuid: Uuid,
    #[evented(skip)]
    name: String,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat, Reader],
});

fn main() {}

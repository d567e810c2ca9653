use spector::{event_log, Evented, Id};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Id<Chat>,
}

event_log!(ChatEvents {
    table: "chat events; DROP TABLE users",
    schemas: [Chat],
});

fn main() {}

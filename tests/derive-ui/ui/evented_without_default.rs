use spector::{event_log, Evented, Uuid};

#[derive(Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Uuid,
    title: String,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

fn main() {}

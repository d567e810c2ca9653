use spector::{event_log, Evented, Id};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat(Id<Chat>);

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

fn main() {}

use spector::{event_log, Evented};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
enum Chat {
    #[default]
    Open,
    Closed,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

fn main() {}

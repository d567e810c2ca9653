use spector::event_log;

#[derive(Debug, Default)]
struct Chat;

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

fn main() {}

struct Chat;

spector::event_log!(pub ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

fn main() {}

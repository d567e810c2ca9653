// `Audit` writes to `AuditEvents`; listing it in `ChatEvents` too is refused.

use spector::{event_log, Evented, Id};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Id<Chat>,
}

#[derive(Debug, Default, Evented)]
#[evented(log = AuditEvents)]
struct Audit {
    id: Id<Audit>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat, Audit],
});

event_log!(AuditEvents {
    table: "audit_events",
    schemas: [Audit],
});

fn main() {}

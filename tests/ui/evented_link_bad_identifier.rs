use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(
    log = ChatEvents,
    links(
        edits = "previous id",
        parents(column = "event_id"),
        children(column = "child_id", table = "1children"),
        replies(column = "user"),
    )
)]
struct Chat {
    id: Uuid,
}

fn main() {}

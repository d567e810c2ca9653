use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, links(edits = "previous_id", edits(column = "original_id")))]
struct Chat {
    id: Uuid,
}

fn main() {}

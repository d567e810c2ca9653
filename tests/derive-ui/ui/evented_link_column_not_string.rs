use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, links(edits = previous_id, parents(column = 7)))]
struct Chat {
    id: Uuid,
}

fn main() {}

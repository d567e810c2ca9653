use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, links(parents(column = "parent_id", typed = true)))]
struct Chat {
    id: Uuid,
}

fn main() {}

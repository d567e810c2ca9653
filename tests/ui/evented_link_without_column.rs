use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, links(edits, parents(table = "chat_parents")))]
struct Chat {
    id: Uuid,
}

fn main() {}

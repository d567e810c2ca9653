use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, actions(insert, update, delete, savepoint, edit))]
struct Chat {
    id: Uuid,
}

fn main() {}

use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    chat_id: Uuid,
}

fn main() {}

use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat<T> {
    id: Uuid,
    messages: Vec<T>,
}

fn main() {}

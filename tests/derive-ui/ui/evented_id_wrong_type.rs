use spector::Evented;

#[derive(Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: u64,
}

fn main() {}

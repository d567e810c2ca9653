use spector::Evented;

#[derive(Evented)]
#[evented(log = ChatEvents)]
enum Chat {
    Open,
    Closed,
}

fn main() {}

// A record type is stored under one name: no type parameters. (A generic
// struct gets no fallback expansion: it could not be named without its
// parameters, so code that uses it as a record fails as well.)

use spector::{Evented, Id};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat<T> {
    id: Id<Chat<T>>,
    messages: Vec<T>,
}

fn main() {}

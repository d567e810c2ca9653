use spector::LinkKind;

// Every kind needs its stored integer, and no fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, LinkKind)]
enum Relation {
    Supersedes = 1,
    Cites,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, LinkKind)]
enum Weighted {
    Strong(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, LinkKind)]
struct NotAnEnum;

fn main() {}

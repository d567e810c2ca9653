use serde::{Deserialize, Serialize};
use spector::{event_log, Evented, Id};

// An enum of your own has no column kind: the message says how to give it one.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
enum Status {
    #[default]
    Open,
    Done,
}

#[derive(Debug, Default, Evented)]
#[evented(log = TaskEvents, table = "tasks")]
struct Task {
    id: Id<Task>,
    status: Status,
}

event_log!(TaskEvents {
    table: "task_events",
    schemas: [Task],
});

fn main() {}

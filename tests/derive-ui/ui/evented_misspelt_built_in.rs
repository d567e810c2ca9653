use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

// A misspelt built-in action is not taken for a custom one.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Open {
    title: String,
}

#[derive(Debug, Default, Evented)]
#[evented(log = TaskEvents, actions(insret = Open))]
struct Task {
    id: Id<Task>,
    title: String,
}

event_log!(TaskEvents {
    table: "task_events",
    schemas: [Task],
});

impl Changeset for Task {
    fn changeset(mut self, action: TaskAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            TaskAction::Insert(open) => self.title = open.title,
        }
        Ok(self)
    }
}

fn main() {}

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};

// A type that does not declare `update` cannot be updated.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Open {
    title: String,
}

#[derive(Debug, Default, Evented)]
#[evented(log = TaskEvents, actions(insert = Open))]
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

async fn rename<B: spector::backend::Storage>(store: &Store<B>, id: Id<Task>) {
    let _ = store
        .update(id, spector::attrs! { "title": "Renamed" })
        .await;
}

fn main() {}

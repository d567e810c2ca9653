use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};

// A misspelt option is one error: the code that uses what it declares
// compiles as if it were spelt right.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Open {
    title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Assign {
    to: String,
}

#[derive(Debug, Default, Evented)]
#[evented(log = TaskEvents, action(insert = Open, assign = Assign))]
struct Task {
    id: Id<Task>,
    title: String,
    assignee: Option<String>,
}

event_log!(TaskEvents {
    table: "task_events",
    schemas: [Task],
});

impl Changeset for Task {
    fn changeset(mut self, action: TaskAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            TaskAction::Insert(open) => self.title = open.title,
            TaskAction::Assign(assign) => self.assignee = Some(assign.to),
        }
        Ok(self)
    }
}

async fn open<B: spector::backend::Storage>(store: &Store<B>) -> spector::Result<Task> {
    store
        .insert(Open {
            title: "Write the report".into(),
        })
        .await
}

fn main() {}

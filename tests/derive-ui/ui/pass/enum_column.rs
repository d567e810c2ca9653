//! A field whose type is an enum of your own gets a column of its own kind
//! through `impl ToColumn`, as the error on such a field says: here the
//! status is stored as text.

#![deny(missing_docs, warnings)]

use serde::{Deserialize, Serialize};
use spector::backend::ColumnDecl;
use spector::{
    event_log, Changeset, ColumnType, EventMeta, Evented, Id, Invalid, ToColumn, Uuid, Value,
};

/// Where a task stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub enum Status {
    /// Not done yet.
    #[default]
    Open,
    /// Done.
    Done,
}

impl ToColumn for Status {
    const TYPE: ColumnType = ColumnType::Text;

    fn to_value(&self) -> Value {
        Value::Text(format!("{self:?}").to_lowercase())
    }
}

/// A task, materialized in `tasks`.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TaskEvents, table = "tasks", actions(done))]
pub struct Task {
    /// The task id.
    pub id: Id<Task>,
    /// Where it stands: a text column.
    pub status: Status,
    /// Its optional status a week ago: a nullable text column.
    pub last_week: Option<Status>,
}

impl Changeset for Task {
    fn changeset(mut self, action: TaskAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            TaskAction::Insert(_) => self.status = Status::Open,
            TaskAction::Done(_) => self.status = Status::Done,
        }
        Ok(self)
    }
}

event_log!(
    /// Where tasks are stored.
    pub TaskEvents {
        table: "task_events",
        schemas: [Task],
    }
);

fn main() {
    let columns = match Task::MATERIALIZED {
        Some(materialization) => materialization.table().columns,
        None => panic!("`Task` should be materialized"),
    };
    assert_eq!(
        columns,
        [
            ColumnDecl::of::<Uuid>("id"),
            ColumnDecl {
                name: "status",
                ty: ColumnType::Text,
                nullable: false
            },
            ColumnDecl {
                name: "last_week",
                ty: ColumnType::Text,
                nullable: true
            },
        ]
    );
    assert_eq!(Status::Done.to_value(), Value::Text("done".into()));
}

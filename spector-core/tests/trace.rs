//! The span of a write names its action and its record (the only test of
//! this binary: a subscriber set for one thread would miss the spans of
//! callsites other tests' threads register first).

use std::sync::{Arc, Mutex};

use spector::sqlite::Sqlite;
use spector::{attrs, event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};

/// A notebook that counts its notes.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TraceEvents, actions(note))]
struct Notebook {
    id: Id<Notebook>,
    notes: u32,
}

event_log!(TraceEvents {
    table: "trace_events",
    schemas: [Notebook]
});

impl Changeset for Notebook {
    fn changeset(mut self, _action: NotebookAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        self.notes += 1;
        Ok(self)
    }
}

/// A span's name and its fields with their values.
type Span = (&'static str, Vec<(String, String)>);

/// Every span opened while it is the subscriber.
#[derive(Default)]
struct SpanFields(Mutex<Vec<Span>>);

/// Collects the fields a span is given.
struct Collect<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for Collect<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl tracing::Subscriber for SpanFields {
    fn enabled(&self, _metadata: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut spans = self.0.lock().unwrap();
        let mut fields = Vec::new();
        span.record(&mut Collect(&mut fields));
        spans.push((span.metadata().name(), fields));
        tracing::span::Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        let index = usize::try_from(span.into_u64()).unwrap() - 1;
        values.record(&mut Collect(&mut spans[index].1));
    }

    fn record_follows_from(&self, _span: &tracing::span::Id, _follows: &tracing::span::Id) {}

    fn event(&self, _event: &tracing::Event<'_>) {}

    fn enter(&self, _span: &tracing::span::Id) {}

    fn exit(&self, _span: &tracing::span::Id) {}
}

#[test]
fn a_write_span_names_its_action_and_record() {
    let subscriber = Arc::new(SpanFields::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let notebook = tracing::subscriber::with_default(subscriber.clone(), || {
        runtime.block_on(async {
            let store = Store::new(Sqlite::memory().await.unwrap());
            store.migrate::<TraceEvents>().await.unwrap();
            let notebook: Notebook = store.insert(attrs! {}).await.unwrap();
            let noted = store
                .execute(notebook.id, NotebookAction::Note(attrs! {}))
                .await
                .unwrap();
            assert_eq!(noted.notes, 2);
            notebook
        })
    });
    let spans = subscriber.0.lock().unwrap();
    let writes: Vec<&Vec<(String, String)>> = spans
        .iter()
        .filter(|(name, _)| *name == "spector.write")
        .map(|(_, fields)| fields)
        .collect();
    assert_eq!(writes.len(), 2, "{spans:?}");
    let values = |fields: &Vec<(String, String)>, name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
            .collect()
    };
    let id = notebook.id.to_string();
    assert_eq!(values(writes[0], "action"), ["\"insert\""]);
    assert_eq!(values(writes[1], "action"), ["\"note\""]);
    for write in writes {
        assert_eq!(values(write, "record_id"), std::slice::from_ref(&id));
    }
}

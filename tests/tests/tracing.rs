//! Observability: one span per store operation, naming the log, the record
//! type, the record, the action and the event, and never a payload value.

use std::io::Write;
use std::sync::{Arc, Mutex};

use spector::sqlite::Sqlite;
use spector::{attrs, Store};
use spector_tests::records::{Note, TestEvents};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

/// Everything the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[test]
fn each_write_is_one_span_with_ids_and_no_payload_values() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (note, edited) = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let store = Store::new(Sqlite::memory().await.unwrap());
            store.migrate::<TestEvents>().await.unwrap();
            let note: Note = store
                .insert(attrs! { "text": "secret-payload-value" })
                .await
                .unwrap();
            let edited = store
                .update(note.id, attrs! { "text": "another-secret" })
                .await
                .unwrap();
            (note, edited)
        })
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let writes: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("spector.write{"))
        .collect();
    assert_eq!(writes.len(), 2, "{text}");
    assert!(writes[0].contains("table=test_events"), "{}", writes[0]);
    assert!(writes[0].contains("record_type=\"Note\""), "{}", writes[0]);
    assert!(writes[0].contains("action=\"insert\""), "{}", writes[0]);
    assert!(
        writes[0].contains(&format!("record_id={}", note.id)),
        "{}",
        writes[0]
    );
    assert!(
        writes[0].contains(&format!("event_id={}", note.id)),
        "{}",
        writes[0]
    );
    assert!(writes[1].contains("action=\"update\""), "{}", writes[1]);
    assert!(
        writes[1].contains(&format!("event_id={}", edited.last_event)),
        "{}",
        writes[1]
    );
    assert!(
        text.contains("spector.migrate{table=test_events}"),
        "{text}"
    );
    assert!(
        !text.contains("secret"),
        "a payload value reached the traces: {text}"
    );
}

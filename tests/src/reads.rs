//! Counts the rows each write read: the `events_read` field of the
//! `spector.write` spans, captured by a subscriber scoped to one future.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Runs `future` and returns its output with the `events_read` of every
/// write it made, in order.
pub async fn count_reads<F: Future>(future: F) -> (F::Output, Vec<u64>) {
    let reads = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(ReadCounter(Arc::clone(&reads)));
    let output = future.with_subscriber(subscriber).await;
    let reads = reads.lock().expect("no panic while counting").clone();
    (output, reads)
}

/// Records every `events_read` value into the shared list.
struct ReadCounter(Arc<Mutex<Vec<u64>>>);

impl<S: Subscriber> Layer<S> for ReadCounter {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        attrs.record(&mut EventsRead(&self.0));
    }

    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        values.record(&mut EventsRead(&self.0));
    }
}

/// Picks `events_read` out of a span's fields.
struct EventsRead<'a>(&'a Mutex<Vec<u64>>);

impl Visit for EventsRead<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "events_read" {
            self.0.lock().expect("no panic while counting").push(value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

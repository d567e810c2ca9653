//! What Spector traces while a future runs, captured by a subscriber
//! scoped to it: the name of every span, the `events_read` of every
//! `spector.write` span (the rows each write read) and the message of every
//! event.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Runs `future` and returns its output with the `events_read` of every
/// write it made, in order.
pub async fn count_reads<F: Future>(future: F) -> (F::Output, Vec<u64>) {
    let trace = Trace::default();
    let output = future.with_subscriber(trace.dispatch()).await;
    (output, trace.events_read())
}

/// A capture of traces: give [`dispatch`](Trace::dispatch) to a future
/// (`future.with_subscriber(trace.dispatch())`, also for a spawned task),
/// then read what it traced.
#[derive(Debug, Clone, Default)]
pub struct Trace(Arc<Mutex<Captured>>);

#[derive(Debug, Default)]
struct Captured {
    events_read: Vec<u64>,
    messages: Vec<String>,
    spans: Vec<&'static str>,
}

impl Trace {
    /// A subscriber that records into this capture.
    pub fn dispatch(&self) -> Dispatch {
        Dispatch::new(tracing_subscriber::registry().with(Recorder(self.clone())))
    }

    /// Every `events_read` recorded, in order.
    pub fn events_read(&self) -> Vec<u64> {
        self.lock().events_read.clone()
    }

    /// The name of every span opened (`spector.read`, `spector.write`, …),
    /// in order: each `spector.read` is one `SELECT` of the backend.
    pub fn spans(&self) -> Vec<&'static str> {
        self.lock().spans.clone()
    }

    /// The message of every event, in order.
    pub fn messages(&self) -> Vec<String> {
        self.lock().messages.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Records the fields a [`Trace`] keeps.
struct Recorder(Trace);

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        self.0.lock().spans.push(attrs.metadata().name());
        attrs.record(&mut Fields(&self.0));
    }

    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        values.record(&mut Fields(&self.0));
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        event.record(&mut Fields(&self.0));
    }
}

/// Picks `events_read` and `message` out of a span's or an event's fields.
struct Fields<'a>(&'a Trace);

impl Visit for Fields<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "events_read" {
            self.0.lock().events_read.push(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.lock().messages.push(format!("{value:?}"));
        }
    }
}

//! The whole log, page by page: every event of every record and type, in
//! the log's order, with links.

use std::collections::{BTreeMap, BTreeSet};

use spector::{attrs, Attrs, Event, Uuid};

use crate::db::TestDb;
use crate::records::{Counter, CounterAction, Note, TestEvents};

/// Two record types, several records, links; read in pages of 7 while a
/// task appends: every event written before the read comes exactly once,
/// as `all_events` gives it (links included), in `(inserted_at, id)`
/// order; the last page is not full and says so.
pub async fn the_log_reads_page_by_page_in_order_while_others_write<D: TestDb>() {
    let db = D::create().await;
    let store = db.store().clone();
    store.migrate::<TestEvents>().await.unwrap();
    let mut notes = Vec::new();
    let mut counters = Vec::new();
    for n in 0..3 {
        let note: Note = store.insert(attrs! { "n": n }).await.unwrap();
        let counter: Counter = store.insert(Attrs::new()).await.unwrap();
        notes.push(note);
        counters.push(counter);
    }
    for round in 0..6 {
        for (note, counter) in notes.iter_mut().zip(&counters) {
            let mention = note.last_event;
            *note = store
                .update(note.id, attrs! { "n": round, "mention": mention })
                .await
                .unwrap();
            store
                .execute(counter.id, CounterAction::Increment(Attrs::new()))
                .await
                .unwrap();
        }
    }
    let mut before: BTreeMap<Uuid, Event> = BTreeMap::new();
    for note in &notes {
        for event in store.all_events(note.id).await.unwrap() {
            before.insert(event.id, event);
        }
    }
    for counter in &counters {
        for event in store.all_events(counter.id).await.unwrap() {
            before.insert(event.id, event);
        }
    }
    assert_eq!(before.len(), 6 * 7);
    assert!(before.values().any(|event| !event.links.is_empty()));

    let writer = {
        let store = store.clone();
        let counter = counters[0].id;
        tokio::spawn(async move {
            for _ in 0..30 {
                store
                    .execute(counter, CounterAction::Increment(Attrs::new()))
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    let mut read = Vec::new();
    let mut after = None;
    loop {
        let page = store.read_log::<TestEvents>(after, 7).await.unwrap();
        assert!(page.events.len() <= 7);
        assert_eq!(page.next.is_some(), page.events.len() == 7);
        read.extend(page.events);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    writer.await.unwrap();

    assert!(
        read.windows(2)
            .all(|pair| (pair[0].inserted_at, pair[0].id) < (pair[1].inserted_at, pair[1].id)),
        "in the log's order, no event twice"
    );
    let ids: BTreeSet<Uuid> = read.iter().map(|event| event.id).collect();
    for (id, event) in &before {
        assert!(
            ids.contains(id),
            "event {id} written before the read is missing"
        );
        let streamed = read.iter().find(|streamed| streamed.id == *id).unwrap();
        assert_eq!(streamed, event);
    }
    // Read on from the end: exactly the events written since, if any.
    let last = read.last().unwrap().id;
    let rest = store
        .read_log::<TestEvents>(Some(last), 1_000)
        .await
        .unwrap();
    assert_eq!(rest.next, None);
    assert_eq!(read.len() + rest.events.len(), 6 * 7 + 30);
}

/// A first page, a page after an event that is not in the log, and an
/// empty limit.
pub async fn the_log_pages_start_end_and_refuse_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store().clone();
    store.migrate::<TestEvents>().await.unwrap();
    let empty = store.read_log::<TestEvents>(None, 10).await.unwrap();
    assert_eq!((empty.events.len(), empty.next), (0, None));

    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let second = store
        .execute(counter.id, CounterAction::Increment(Attrs::new()))
        .await
        .unwrap();
    let events = store.all_events(second.id).await.unwrap();
    let first = store.read_log::<TestEvents>(None, 1).await.unwrap();
    assert_eq!(first.events, events[..1]);
    assert_eq!(first.next, Some(events[0].id));
    let whole = store.read_log::<TestEvents>(None, 2).await.unwrap();
    assert_eq!(whole.events, events);
    assert_eq!(
        whole.next,
        Some(events[1].id),
        "a full page may end the log"
    );
    let after_last = store
        .read_log::<TestEvents>(Some(events[1].id), 2)
        .await
        .unwrap();
    assert_eq!((after_last.events.len(), after_last.next), (0, None));

    let unknown = store
        .read_log::<TestEvents>(Some(Uuid::now_v7()), 10)
        .await
        .unwrap();
    assert_eq!((unknown.events.len(), unknown.next), (0, None));
    let nothing = store.read_log::<TestEvents>(None, 0).await.unwrap();
    assert_eq!((nothing.events.len(), nothing.next), (0, None));
}

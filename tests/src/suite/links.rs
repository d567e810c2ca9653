//! Links: both ends in one record, enforced by the database and the library.

use spector::{attrs, ChainCheck, Error, Id, Replay};
use spector_examples::basic_chat::{BasicChat, BasicChatEvents, NewMessage};
use tracing::instrument::WithSubscriber;
use uuid::Uuid;

use crate::db::{RawEvent, TestDb};
use crate::documents::{Doc, DocEvents, DocLink, Relation, Revision};
use crate::reads::Trace;
use crate::records::{Note, NoteLink, TestEvents};
use crate::threads::{Say, Thread, ThreadEvents, ThreadLink};
use crate::wallets::{
    deposit, Movement, StrictWalletEvents, Wallet, WalletAction, WalletEvents, WalletLink,
};

/// A new message.
fn hi() -> NewMessage {
    NewMessage {
        user_id: Uuid::now_v7(),
        content: "Hi".into(),
    }
}

/// What the same-record trigger of either backend says when it refuses a
/// link row (SQLite's `RAISE` message; PostgreSQL's exception, raised with
/// SQLSTATE `SPLNK`).
const ACROSS_RECORDS: &str = "linked events belong to different records";

/// A link row between two records' events is refused by the database's
/// trigger; one inside a record is accepted.
pub async fn link_across_records_is_refused_by_the_database<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let one: BasicChat = store.insert(hi()).await.unwrap();
    let one = store.update(one.id, hi()).await.unwrap();
    let two: BasicChat = store.insert(hi()).await.unwrap();

    let across = db
        .insert_link_row(
            "basic_chat_edits",
            "previous_id",
            two.id.uuid(),
            one.id.uuid(),
        )
        .await;
    let refusal = across.expect_err("a link across records was accepted");
    assert!(refusal.contains(ACROSS_RECORDS), "{refusal}");
    assert_eq!(db.count_rows("basic_chat_edits").await, 0);

    let within = db
        .insert_link_row(
            "basic_chat_edits",
            "previous_id",
            one.messages[0].id,
            one.id.uuid(),
        )
        .await;
    assert_eq!(within, Ok(()));
    assert_eq!(db.count_rows("basic_chat_edits").await, 1);
}

/// A link row to (or from) an event that does not exist is refused by the
/// link table's foreign key, not reported as a link across records; through
/// the store, it fails the operation as `LinkTargetNotFound` (the same on
/// both backends) and writes nothing.
pub async fn link_to_missing_event_is_refused_by_the_foreign_key<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let chat: BasicChat = store.insert(hi()).await.unwrap();
    let chat = store.update(chat.id, hi()).await.unwrap();
    let missing = Uuid::now_v7();

    for (event_id, target) in [(chat.messages[0].id, missing), (missing, chat.id.uuid())] {
        let refusal = db
            .insert_link_row("basic_chat_edits", "previous_id", event_id, target)
            .await
            .expect_err("a link to a missing event was accepted");
        assert!(!refusal.contains(ACROSS_RECORDS), "{refusal}");
        assert!(
            refusal.to_lowercase().contains("foreign key constraint"),
            "{refusal}"
        );
    }
    assert_eq!(db.count_rows("basic_chat_edits").await, 0);

    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "mine" }).await.unwrap();
    let error = store
        .update(note.id, attrs! { "mention": missing })
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::LinkTargetNotFound { link: "mentions", target, .. } if target == missing),
        "{error}"
    );
    assert_eq!(db.count_rows("test_events").await, 1);
    assert_eq!(db.count_rows("test_mentions").await, 0);
}

/// A `prepare_event` that links into another record fails the whole
/// operation: no event, no link.
pub async fn link_across_records_rolls_back_the_operation<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "mine" }).await.unwrap();
    let other: Note = store.insert(attrs! { "text": "theirs" }).await.unwrap();

    let error = store
        .update(note.id, attrs! { "mention": other.id })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::LinkAcrossRecords { link: "mentions", target, .. } if *target == other.id.uuid()),
        "{error}"
    );
    assert_eq!(db.count_rows("test_events").await, 2);
    assert_eq!(db.count_rows("test_mentions").await, 0);

    let linked = store
        .update(note.id, attrs! { "mention": note.id })
        .await
        .unwrap();
    let events = store.all_events(linked.id).await.unwrap();
    assert_eq!(
        events[1].linked(NoteLink::Mentions).collect::<Vec<_>>(),
        [note.id.uuid()]
    );
    let mentioning = store
        .linking_to(NoteLink::Mentions, note.id.uuid())
        .await
        .unwrap();
    assert_eq!(mentioning, events[1..]);
}

/// A 1,000-message conversation (bulk-written, each message replying to the
/// one before) forks at message 500 into two replies. `ancestry` reads each
/// branch in ONE query (one `spector.read`), oldest first, and replays into
/// that branch's conversation; `linked_from` and `linking_to` follow one
/// step either way.
pub async fn a_branch_is_read_in_one_query<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ThreadEvents>().await.unwrap();
    let record = Uuid::now_v7();
    let micros = chrono::Utc::now().timestamp_micros() - 10_000_000;
    let ids: Vec<Uuid> = std::iter::once(record)
        .chain((1..1000).map(|_| Uuid::now_v7()))
        .collect();
    let rows = ids
        .iter()
        .enumerate()
        .map(|(n, id)| RawEvent {
            id: *id,
            parent_id: record,
            schema: 0,
            action: if n == 0 { 1 } else { 2 },
            payload: format!(r#"{{"text": "m{n}"}}"#),
            micros: micros + n as i64,
        })
        .collect();
    db.insert_event_rows("thread_events", rows).await.unwrap();
    let links: Vec<String> = ids
        .windows(2)
        .map(|pair| format!("({}, {})", db.id_sql(pair[1]), db.id_sql(pair[0])))
        .collect();
    db.execute_sql(&format!(
        "INSERT INTO thread_replies_to (event_id, parent_id) VALUES {}",
        links.join(", ")
    ))
    .await
    .unwrap();
    let fork = ids[500];
    let say = |text: &str| Say {
        text: text.into(),
        replies_to: Some(fork),
    };
    let id = Id::<Thread>::new(record);
    let left = store.update(id, say("left")).await.unwrap();
    let right = store.update(id, say("right")).await.unwrap();
    assert_eq!(
        left.texts.len(),
        1001,
        "the record's own replay reads every message"
    );
    let events = store.all_events(id).await.unwrap();
    let (left_id, right_id) = (events[1000].id, events[1001].id);

    let trace = Trace::default();
    let branch = store
        .ancestry(ThreadLink::RepliesTo, ids[999])
        .with_subscriber(trace.dispatch())
        .await
        .unwrap();
    assert_eq!(
        trace.spans(),
        ["spector.read"],
        "one query for 1,000 messages"
    );
    assert_eq!(branch.len(), 1000);
    let texts = Replay::<Thread>::run(&branch).unwrap().unwrap().texts;
    assert_eq!(texts.first().map(String::as_str), Some("m0"));
    assert_eq!(texts.last().map(String::as_str), Some("m999"));

    for (tip, text) in [(left_id, "left"), (right_id, "right")] {
        let branch = store.ancestry(ThreadLink::RepliesTo, tip).await.unwrap();
        let texts = Replay::<Thread>::run(&branch).unwrap().unwrap().texts;
        assert_eq!(texts.len(), 502, "m0 … m500, then {text}");
        assert_eq!(texts[500], "m500");
        assert_eq!(texts[501], text);
    }
    assert_ne!(left, right);

    let parent = store
        .linked_from(ThreadLink::RepliesTo, left_id)
        .await
        .unwrap();
    assert_eq!(parent.iter().map(|e| e.id).collect::<Vec<_>>(), [fork]);
    let replies = store.linking_to(ThreadLink::RepliesTo, fork).await.unwrap();
    assert_eq!(
        replies.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[501], left_id, right_id]
    );
    assert!(store
        .ancestry(ThreadLink::RepliesTo, Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());
    let single = store.ancestry(ThreadLink::RepliesTo, record).await.unwrap();
    assert_eq!(single.iter().map(|e| e.id).collect::<Vec<_>>(), [record]);
}

/// A link declared `unconstrained` joins events of two records (a refund
/// paying back another wallet's withdrawal); the same link table declared
/// constrained by another release gets its same-record trigger back from
/// `migrate`, and loses it again when the unconstrained log migrates.
pub async fn an_unconstrained_link_joins_two_records<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<WalletEvents>().await.unwrap();
    let alice: Wallet = store.insert(deposit(100)).await.unwrap();
    let bob: Wallet = store.insert(deposit(0)).await.unwrap();
    store
        .execute(alice.id, WalletAction::Withdraw(deposit(40)))
        .await
        .unwrap();
    let withdrawal = store.all_events(alice.id).await.unwrap()[1].id;
    let refund = |pays| Movement {
        cents: 40,
        transfer: None,
        pays: Some(pays),
    };
    store.update(bob.id, refund(withdrawal)).await.unwrap();
    let refunds = store
        .linking_to(WalletLink::Pays, withdrawal)
        .await
        .unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refunds[0].parent_id,
        bob.id.uuid(),
        "another record's event"
    );
    let paid = store
        .linked_from(WalletLink::Pays, refunds[0].id)
        .await
        .unwrap();
    assert_eq!(paid.iter().map(|e| e.id).collect::<Vec<_>>(), [withdrawal]);

    store.migrate::<StrictWalletEvents>().await.unwrap();
    let error = store.update(bob.id, refund(withdrawal)).await.unwrap_err();
    assert!(matches!(error, Error::LinkAcrossRecords { .. }), "{error}");
    assert_eq!(store.all_events(bob.id).await.unwrap().len(), 2);

    store.migrate::<WalletEvents>().await.unwrap();
    store.update(bob.id, refund(withdrawal)).await.unwrap();
    assert_eq!(db.count_rows("wallet_pays").await, 2);
}

/// A typed link stores each link's kind: one revision may relate to the
/// same event with two kinds (never the same kind twice), and the link
/// queries answer per kind; a typed link given without its kind is
/// refused. The log is hashed: the kinds are part of the chain.
pub async fn a_typed_link_stores_its_kind<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<DocEvents>().await.unwrap();
    let revision = |text: &str, relates: Vec<(Relation, Uuid)>| Revision {
        text: text.into(),
        relates,
        untyped: false,
    };
    let doc: Doc = store.insert(revision("v1", Vec::new())).await.unwrap();
    let v1 = doc.id.uuid();
    store
        .update(
            doc.id,
            revision(
                "v2",
                vec![(Relation::Supersedes, v1), (Relation::Cites, v1)],
            ),
        )
        .await
        .unwrap();
    let v2 = store.all_events(doc.id).await.unwrap()[1].clone();
    assert_eq!(v2.linked(DocLink::Relates).count(), 2);
    assert_eq!(
        v2.linked_as(DocLink::Relates, Relation::Supersedes)
            .collect::<Vec<_>>(),
        [v1]
    );
    assert_eq!(
        v2.linked_as(DocLink::Relates, Relation::Cites)
            .collect::<Vec<_>>(),
        [v1]
    );

    let superseding = store
        .linking_to_as(DocLink::Relates, Relation::Supersedes, v1)
        .await
        .unwrap();
    assert_eq!(
        superseding.iter().map(|e| e.id).collect::<Vec<_>>(),
        [v2.id]
    );
    let superseded = store
        .linked_from_as(DocLink::Relates, Relation::Supersedes, v2.id)
        .await
        .unwrap();
    assert_eq!(superseded.iter().map(|e| e.id).collect::<Vec<_>>(), [v1]);
    store
        .update(doc.id, revision("v3", vec![(Relation::Cites, v2.id)]))
        .await
        .unwrap();
    assert!(
        store
            .linking_to_as(DocLink::Relates, Relation::Supersedes, v2.id)
            .await
            .unwrap()
            .is_empty(),
        "v3 cites v2, it does not supersede it"
    );
    assert_eq!(
        store.linking_to(DocLink::Relates, v1).await.unwrap().len(),
        1
    );

    let twice = store
        .update(
            doc.id,
            revision("v4", vec![(Relation::Cites, v1), (Relation::Cites, v1)]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&twice, Error::Invalid(i) if i.to_string().contains("twice")),
        "{twice}"
    );
    let untyped = store
        .update(
            doc.id,
            Revision {
                untyped: true,
                ..revision("v4", vec![(Relation::Cites, v1)])
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&untyped, Error::Invalid(i) if i.to_string().contains("typed link")),
        "{untyped}"
    );
    assert_eq!(store.all_events(doc.id).await.unwrap().len(), 3);
    assert_eq!(db.count_rows("doc_relates").await, 3);
    match store.verify_hash_chain::<DocEvents>().await.unwrap() {
        ChainCheck::Intact(head) => assert_eq!(head.events, 3),
        ChainCheck::Broken(broken) => panic!("{broken:?}"),
    }
}

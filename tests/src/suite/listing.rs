//! Listing the records of a type, and several record types in one log.

use std::collections::BTreeSet;

use spector::{Id, Uuid};

use crate::db::{RawEvent, TestDb};
use crate::members::{Badge, ClubEvents, Member, MemberFields, Titled};
use crate::pages::{Page, PageV0, PagesV0, Titled as PageTitle};

/// 10,000 records (bulk-written) listed in pages of 100 while another task
/// inserts: every record that existed before the listing comes exactly
/// once, no id twice, ids ascending; deleted records are left out.
pub async fn listing_pages_through_every_record_while_others_write<D: TestDb>() {
    let db = D::create().await;
    let store = db.store().clone();
    store.migrate::<PagesV0>().await.unwrap();
    let micros = chrono::Utc::now().timestamp_micros();
    let mut existing = BTreeSet::new();
    let mut rows = Vec::with_capacity(10_050);
    for n in 0..10_000 {
        let id = Uuid::now_v7();
        existing.insert(id);
        rows.push(RawEvent {
            id,
            parent_id: id,
            schema: 0,
            action: 1,
            payload: format!(r#"{{"__version__": 0, "title": "page {n}"}}"#),
            micros: micros + n,
        });
    }
    let deleted: Vec<Uuid> = existing.iter().step_by(1000).copied().collect();
    for (n, id) in deleted.iter().enumerate() {
        existing.remove(id);
        rows.push(RawEvent {
            id: Uuid::now_v7(),
            parent_id: *id,
            schema: 0,
            action: 3,
            payload: "{}".into(),
            micros: micros + 20_000 + n as i64,
        });
    }
    db.insert_event_rows("pages_events", rows).await.unwrap();

    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut written = Vec::new();
            for n in 0..50 {
                let page: PageV0 = store
                    .insert(PageTitle {
                        title: format!("new {n}"),
                    })
                    .await
                    .unwrap();
                written.push(page.id.uuid());
                tokio::task::yield_now().await;
            }
            written
        })
    };
    let mut listed = Vec::new();
    let mut after: Option<Id<Page>> = None;
    loop {
        let page = store.list::<Page>(after, 100).await.unwrap();
        assert!(page.ids.len() <= 100);
        listed.extend(page.ids.iter().map(|id| id.uuid()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let written = writer.await.unwrap();
    assert!(
        listed.windows(2).all(|pair| pair[0] < pair[1]),
        "ascending, no repeat"
    );
    let listed_set: BTreeSet<Uuid> = listed.iter().copied().collect();
    assert!(
        existing.is_subset(&listed_set),
        "every earlier record is listed"
    );
    for id in &deleted {
        assert!(!listed_set.contains(id), "a deleted record is not listed");
    }
    let extra: BTreeSet<Uuid> = listed_set.difference(&existing).copied().collect();
    assert!(
        extra.iter().all(|id| written.contains(id)),
        "only real records"
    );

    let everything = store.list::<Page>(None, 20_000).await.unwrap();
    assert_eq!(everything.ids.len(), existing.len() + written.len());
    assert_eq!(everything.next, None, "a page that is not full is the last");
    assert!(store.list::<Page>(None, 0).await.unwrap().ids.is_empty());
}

/// Two record types in one log never see each other's events: `get`,
/// `all_events` and `list` of one type ignore the other's records, and a
/// type may name its id field (`Badge::uuid`). Listing works with a
/// materialized table as without.
pub async fn record_types_in_one_log_keep_apart<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ClubEvents>().await.unwrap();
    let member: Member = store
        .insert(MemberFields {
            name: "Ada".into(),
            ..MemberFields::default()
        })
        .await
        .unwrap();
    let badge: Badge = store
        .insert(Titled {
            title: "first".into(),
        })
        .await
        .unwrap();
    let badge = store
        .update(
            Id::<Badge>::new(badge.uuid),
            Titled {
                title: "gold".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(badge.title, "gold");
    assert_eq!(
        store.get(Id::<Badge>::new(badge.uuid)).await.unwrap(),
        Some(badge.clone())
    );

    assert_eq!(
        store.get(Id::<Badge>::new(member.id.uuid())).await.unwrap(),
        None
    );
    assert_eq!(
        store.get(Id::<Member>::new(badge.uuid)).await.unwrap(),
        None
    );
    assert!(store
        .all_events(Id::<Member>::new(badge.uuid))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.list::<Member>(None, 10).await.unwrap().ids,
        [member.id]
    );
    assert_eq!(
        store.list::<Badge>(None, 10).await.unwrap().ids,
        [Id::<Badge>::new(badge.uuid)]
    );
    assert_eq!(db.count_rows("members").await, 1, "only members have rows");
}

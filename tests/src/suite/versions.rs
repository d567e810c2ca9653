//! Versions: events keep the version that wrote them, and an old event
//! reaches the transition through the type's upcast hook.

use spector::{Error, Id, Uuid};

use crate::db::{RowTime, TestDb};
use crate::pages::{Named, Page, PageV0, PagesV0, Titled};

/// Version 0 writes `title`; version 1 reads those events through its
/// upcast hook (the stored rows are untouched), and its own events carry
/// `__version__: 1` and are not upcast.
pub async fn an_old_version_event_replays_through_the_upcast_hook<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<PagesV0>().await.unwrap();
    let old: PageV0 = store
        .insert(Titled {
            title: "Draft".into(),
        })
        .await
        .unwrap();
    store
        .update(
            old.id,
            Titled {
                title: "Intro".into(),
            },
        )
        .await
        .unwrap();
    let id = Id::<Page>::new(old.id.uuid());

    let page = store.get(id).await.unwrap().unwrap();
    assert_eq!(page.name, "Intro");
    assert_eq!(page.versions, [0, 0]);

    let page = store
        .update(
            id,
            Named {
                name: "Introduction".into(),
                words: 120,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.versions, [0, 0, 1]);
    assert_eq!(store.get(id).await.unwrap(), Some(page));

    let events = store.all_events(id).await.unwrap();
    let versions: Vec<u32> = events.iter().map(|e| e.meta().version).collect();
    assert_eq!(versions, [0, 0, 1], "each event keeps its version");
    assert_eq!(
        events[1].payload.get::<String>("title").unwrap().as_deref(),
        Some("Intro")
    );
    assert!(
        !events[1].payload.contains("name"),
        "the stored row is not rewritten"
    );
    assert_eq!(
        events[2].payload.get::<u32>("__version__").unwrap(),
        Some(1)
    );
    assert!(matches!(
        events[1].action::<Page>(),
        Ok(crate::pages::PageAction::Update(Named { ref name, words: 0 })) if name == "Intro"
    ));

    // Version 0 cannot read version 1's payload, and says which event.
    let error = store.get(old.id).await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { event_id, .. } if *event_id == events[2].id),
        "{error}"
    );

    // An old payload the hook cannot upgrade fails replay naming its event.
    let stray = Uuid::now_v7();
    db.insert_event_row(
        "pages_events",
        stray,
        stray,
        0,
        1,
        r#"{"__version__": 0, "headline": "x"}"#,
        RowTime::Now,
    )
    .await
    .unwrap();
    let error = store.get(Id::<Page>::new(stray)).await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { event_id, source, .. }
            if *event_id == stray && source.to_string().contains("title")),
        "{error}"
    );
}

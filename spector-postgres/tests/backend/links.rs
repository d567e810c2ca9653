//! Links stay inside one record: the trigger refuses a row across records,
//! and a write that tries one writes nothing.

use spector_core::{attrs, Error};
use spector_postgres::migration::LINK_ACROSS_RECORDS_SQLSTATE;

use crate::support::TestDb;
use crate::tally::{Tally, TallyEvents};

/// The SQLSTATE of a failed statement.
fn sqlstate(result: Result<(), sqlx::Error>) -> Option<String> {
    result
        .err()?
        .as_database_error()?
        .code()
        .map(|code| code.into_owned())
}

#[tokio::test]
async fn link_row_across_records_is_refused_by_the_trigger() {
    let db = TestDb::create().await;
    db.store.migrate::<TallyEvents>().await.unwrap();
    let one: Tally = db.store.insert(attrs! {}).await.unwrap();
    let one = db.store.update(&one, attrs! {}).await.unwrap();
    let two: Tally = db.store.insert(attrs! {}).await.unwrap();
    let events = db.store.all_events::<Tally>(one.id).await.unwrap();

    let across = db
        .sql(format!(
            "INSERT INTO tally_follows (event_id, previous_id) VALUES ('{}', '{}')",
            two.id, one.id
        ))
        .await;
    assert_eq!(
        sqlstate(across).as_deref(),
        Some(LINK_ACROSS_RECORDS_SQLSTATE)
    );
    assert_eq!(db.count_rows("tally_follows").await, 0);

    db.sql(format!(
        "INSERT INTO tally_follows (event_id, previous_id) VALUES ('{}', '{}')",
        events[1].id, one.id
    ))
    .await
    .unwrap();
    let moved = db
        .sql(format!(
            "UPDATE tally_follows SET previous_id = '{}' WHERE event_id = '{}'",
            two.id, events[1].id
        ))
        .await;
    assert_eq!(
        sqlstate(moved).as_deref(),
        Some(LINK_ACROSS_RECORDS_SQLSTATE)
    );
    assert_eq!(db.count_rows("tally_follows").await, 1);
}

#[tokio::test]
async fn link_across_records_through_a_write_writes_nothing() {
    let db = TestDb::create().await;
    db.store.migrate::<TallyEvents>().await.unwrap();
    let mine: Tally = db.store.insert(attrs! {}).await.unwrap();
    let theirs: Tally = db.store.insert(attrs! {}).await.unwrap();

    let error = db
        .store
        .update(&mine, attrs! { "follows": theirs.id })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::LinkAcrossRecords { link, target, .. }
            if link == "follows" && *target == theirs.id),
        "{error}"
    );
    assert_eq!(db.count_rows("tally_events").await, 2);
    assert_eq!(db.count_rows("tally_follows").await, 0);

    let error = db
        .store
        .insert::<Tally>(attrs! { "follows": mine.id })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::LinkAcrossRecords { .. }), "{error}");
    assert_eq!(db.count_rows("tally_events").await, 2);
}

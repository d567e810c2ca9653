//! Writes across records: a batch commits writes to several records, of
//! several types and logs, all or nothing; concurrent transfers keep the
//! total and never deadlock.

use std::collections::BTreeSet;

use spector::{attrs, ChainCheck, Error, Id, Uuid};

use crate::db::TestDb;
use crate::members::{Badge, ClubEvents, Member, MemberFields, Titled};
use crate::tally::{ChainEvents, Entry};
use crate::wallets::{deposit, Movement, Wallet, WalletAction, WalletEvents};

/// A transfer of `cents` from `from` to `to` as one batch.
async fn transfer<D: TestDb>(
    db: &D,
    from: Id<Wallet>,
    to: Id<Wallet>,
    cents: i64,
) -> spector::Result<Uuid> {
    let id = Uuid::now_v7();
    let movement = Movement {
        cents,
        transfer: Some(id),
        pays: None,
    };
    let mut batch = db.store().batch();
    batch.execute(from, WalletAction::Withdraw(movement.clone()))?;
    batch.update(to, movement)?;
    batch.commit().await.map(|_| id)
}

/// One batch writes a transfer (two wallets), a badge and a materialized
/// member (another log, a table), and two entries of a hashed log chained
/// on from an earlier entry: every result equals `get`, the member's row
/// follows, the chain holds; a
/// second write to a record in the same batch sees the first. A refused
/// write (an overdraft, a missing record) refuses the whole batch.
pub async fn a_batch_writes_several_records_all_or_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<WalletEvents>().await.unwrap();
    store.migrate::<ClubEvents>().await.unwrap();
    store.migrate::<ChainEvents>().await.unwrap();
    let alice: Wallet = store.insert(deposit(100)).await.unwrap();
    let bob: Wallet = store.insert(deposit(0)).await.unwrap();
    let ada: Member = store
        .insert(MemberFields {
            name: "Ada".into(),
            ..MemberFields::default()
        })
        .await
        .unwrap();
    // The batch's entries chain on from this one.
    let _: Entry = store.insert(attrs! {"n": 0}).await.unwrap();

    let mut batch = store.batch();
    let debit = batch
        .execute(alice.id, WalletAction::Withdraw(deposit(30)))
        .unwrap();
    let credit = batch.update(bob.id, deposit(30)).unwrap();
    let again = batch.update(bob.id, deposit(5)).unwrap();
    let badge_ticket = batch
        .insert::<Badge>(Titled {
            title: "saver".into(),
        })
        .unwrap();
    let renamed = batch
        .update(
            ada.id,
            MemberFields {
                name: "Ada L".into(),
                ..MemberFields::default()
            },
        )
        .unwrap();
    let first_entry = batch.insert::<Entry>(attrs! {"n": 1}).unwrap();
    let second_entry = batch.insert::<Entry>(attrs! {"n": 2}).unwrap();
    let mut done = batch.commit().await.unwrap();
    assert_eq!(done.len(), 7);

    assert_eq!(done.get(debit).map(|w| w.balance), Some(70));
    assert_eq!(done.get(credit).map(|w| w.balance), Some(30));
    assert_eq!(
        done.get(again).map(|w| w.balance),
        Some(35),
        "sees the credit"
    );
    assert_eq!(store.get(alice.id).await.unwrap().as_ref(), done.get(debit));
    assert_eq!(store.get(bob.id).await.unwrap().as_ref(), done.get(again));
    let badge = done.take(badge_ticket).unwrap();
    assert_eq!(done.get(badge_ticket), None, "taken");
    assert_eq!(
        store.get(Id::<Badge>::new(badge.uuid)).await.unwrap(),
        Some(badge)
    );
    let renamed = done.get(renamed).unwrap();
    assert_eq!(store.get(ada.id).await.unwrap().as_ref(), Some(renamed));
    let row = db.select_json("SELECT name FROM members", &[], &[]).await;
    assert_eq!(row, [serde_json::json!({"name": "ADA L"})]);
    for entry in [first_entry, second_entry] {
        let entry = done.get(entry).unwrap();
        assert_eq!(store.get(entry.id).await.unwrap().as_ref(), Some(entry));
    }
    match store.verify_hash_chain::<ChainEvents>().await.unwrap() {
        ChainCheck::Intact(head) => assert_eq!(head.events, 3),
        ChainCheck::Broken(broken) => panic!("{broken:?}"),
    }

    let wallet_events = db.count_rows("wallet_events").await;
    let club_events = db.count_rows("club_events").await;
    let error = transfer(&db, alice.id, bob.id, 500).await.unwrap_err();
    // The failed write is named: its position, record type and record.
    assert!(
        matches!(&error, Error::Batch { index: 0, record_type: "Wallet", record_id: Some(id), source }
            if *id == alice.id.uuid()
                && matches!(&**source, Error::Invalid(invalid) if invalid.to_string().contains("exceeds"))),
        "{error}"
    );
    assert!(error.to_string().starts_with(&format!(
        "write 0 of the batch (Wallet {}) failed, nothing of the batch was written: invalid: ",
        alice.id.uuid()
    )));
    assert!(error.as_invalid().is_some(), "as_invalid sees through");
    let mut batch = store.batch();
    batch.update(bob.id, deposit(1)).unwrap();
    batch
        .insert::<Badge>(Titled {
            title: "never".into(),
        })
        .unwrap();
    let missing = Uuid::now_v7();
    batch
        .update(Id::<Wallet>::new(missing), deposit(1))
        .unwrap();
    batch
        .update(Id::<Wallet>::new(Uuid::now_v7()), deposit(1))
        .unwrap();
    let error = batch.commit().await.unwrap_err();
    assert!(
        matches!(&error, Error::Batch { index: 2, record_type: "Wallet", record_id: Some(id), .. }
            if *id == missing),
        "the first failure is the third write: {error}"
    );
    assert!(matches!(error.root(), Error::NotFound { .. }), "{error}");
    assert_eq!(db.count_rows("wallet_events").await, wallet_events);
    assert_eq!(db.count_rows("club_events").await, club_events);
    assert_eq!(store.get(bob.id).await.unwrap().unwrap().balance, 35);
    assert!(store.batch().commit().await.unwrap().is_empty());
}

/// 16 tasks make random transfers among 4 wallets at once: no deadlock
/// (every transfer commits or is refused as an overdraft), the total never
/// changes, and every transfer's debit and credit are both stored or both
/// absent; no wallet is ever overdrawn (the record locks serialize
/// the transfers from one wallet).
pub async fn concurrent_transfers_keep_the_total<D: TestDb>() {
    const WALLETS: usize = 4;
    const TASKS: usize = 16;
    const TRANSFERS: usize = 15;
    const START: i64 = 300;
    let db = std::sync::Arc::new(D::create().await);
    let store = db.store();
    store.migrate::<WalletEvents>().await.unwrap();
    let mut wallets = Vec::new();
    // Small balances: many transfers are refused, and two transfers from
    // one wallet that did not wait for each other would overdraw it.
    for _ in 0..WALLETS {
        let wallet: Wallet = store.insert(deposit(START)).await.unwrap();
        wallets.push(wallet.id);
    }
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let db = db.clone();
        let wallets = wallets.clone();
        tasks.push(tokio::spawn(async move {
            let mut seed = task as u64 * 7919 + 1;
            let mut next = move |below: usize| {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (seed >> 33) as usize % below
            };
            let mut committed = Vec::new();
            for _ in 0..TRANSFERS {
                let from = next(WALLETS);
                let to = (from + 1 + next(WALLETS - 1)) % WALLETS;
                let cents = 1 + next(400) as i64;
                match transfer(&*db, wallets[from], wallets[to], cents).await {
                    Ok(id) => committed.push(id),
                    Err(error) if error.as_invalid().is_some() => {}
                    Err(other) => panic!("transfer failed: {other}"),
                }
            }
            committed
        }));
    }
    let mut committed = BTreeSet::new();
    for task in tasks {
        committed.extend(task.await.unwrap());
    }
    assert!(!committed.is_empty());

    let mut total = 0;
    let mut debits = BTreeSet::new();
    let mut credits = BTreeSet::new();
    for id in &wallets {
        let balance = store.get(*id).await.unwrap().unwrap().balance;
        assert!(balance >= 0, "a wallet was overdrawn: {balance}");
        total += balance;
        for event in store.all_events(*id).await.unwrap() {
            let transfer = event.payload.get::<Uuid>("transfer").unwrap();
            match (event.action_name::<Wallet>(), transfer) {
                (Some("withdraw"), Some(transfer)) => assert!(debits.insert(transfer)),
                (Some("update"), Some(transfer)) => assert!(credits.insert(transfer)),
                _ => {}
            }
        }
    }
    assert_eq!(
        total,
        START * WALLETS as i64,
        "money is neither made nor lost"
    );
    assert_eq!(
        debits, committed,
        "every committed transfer's debit, only those"
    );
    assert_eq!(
        credits, committed,
        "every committed transfer's credit, only those"
    );
}

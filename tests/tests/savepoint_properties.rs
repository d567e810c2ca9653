//! Property test of savepoints: for any sequence of adds, resets and
//! savepoints (taken by hand, beside the automatic ones every 100 events),
//! the state each write returns, `get` (which starts at the latest
//! savepoint) and a full replay of every event without the savepoints are
//! equal, and `verify_savepoints` finds every savepoint consistent — on
//! SQLite and PostgreSQL.
//!
//! Runs `PROPTEST_CASES` cases (default 12); a failure is shrunk to a
//! shortest sequence and printed.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use spector::action::SAVEPOINT;
use spector::{attrs, Replay, SavepointCheck};
use spector_tests::tally::{Add, SavepointEvents, Tally, TallyAction};
use spector_tests::{PostgresDb, SqliteDb, TestDb};

/// One step of a sequence.
#[derive(Debug, Clone)]
enum Step {
    Add(i64),
    Reset,
    SavepointById,
    SavepointOfRecord,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (-1_000_i64..1_000).prop_map(Step::Add),
        1 => Just(Step::Reset),
        1 => Just(Step::SavepointById),
        1 => Just(Step::SavepointOfRecord),
    ]
}

/// Runs `steps` on a new tally of `db`; `Err` says what disagreed.
async fn run<D: TestDb>(db: &D, steps: &[Step]) -> Result<(), String> {
    let store = db.store();
    let fail = |what: &str, error: spector::Error| format!("{what}: {error}");
    let mut state: Tally = store
        .insert(Add { amount: 1 })
        .await
        .map_err(|e| fail("insert", e))?;
    for step in steps {
        state = match step {
            Step::Add(amount) => store.update(state.id, Add { amount: *amount }).await,
            Step::Reset => store.execute(state.id, TallyAction::Reset(attrs! {})).await,
            Step::SavepointById => store.savepoint(state.id).await,
            Step::SavepointOfRecord => store.savepoint(&state).await,
        }
        .map_err(|e| fail(&format!("{step:?}"), e))?;
    }
    let events = store
        .all_events(state.id)
        .await
        .map_err(|e| fail("all_events", e))?;
    let full = Replay::<Tally>::run(events.iter().filter(|e| e.action_code != SAVEPOINT))
        .map_err(|e| fail("full replay", e))?;
    let got = store.get(state.id).await.map_err(|e| fail("get", e))?;
    if got.as_ref() != Some(&state) || full.as_ref() != Some(&state) {
        return Err(format!(
            "returned {state:?}, get {got:?}, full replay {full:?}"
        ));
    }
    match store.verify_savepoints(state.id).await {
        Ok(SavepointCheck::Consistent { .. }) => Ok(()),
        Ok(SavepointCheck::Mismatch(mismatch)) => Err(mismatch.to_string()),
        Err(error) => Err(fail("verify_savepoints", error)),
    }
}

#[test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
fn savepoint_replay_equals_full_replay_on_both_backends() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (sqlite, postgres) = runtime.block_on(async {
        let sqlite = SqliteDb::create().await;
        let postgres = PostgresDb::create().await;
        sqlite.store().migrate::<SavepointEvents>().await.unwrap();
        postgres.store().migrate::<SavepointEvents>().await.unwrap();
        (sqlite, postgres)
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(12);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let result = TestRunner::new(config).run(&vec(step(), 0..120), |steps| {
        runtime
            .block_on(run(&sqlite, &steps))
            .map_err(|failure| TestCaseError::fail(format!("SQLite: {failure}")))?;
        runtime
            .block_on(run(&postgres, &steps))
            .map_err(|failure| TestCaseError::fail(format!("PostgreSQL: {failure}")))
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

//! Spector's conformance suite: every behaviour test is written once,
//! generic over a [`TestDb`], and instantiated for each backend by
//! [`conformance_suite!`] in `tests/sqlite.rs` and `tests/postgres.rs`.
//!
//! A backend is done when it passes all of it.

pub mod db;
pub mod postgres_db;
pub mod records;
pub mod sqlite_db;
pub mod suite;

pub use db::TestDb;
pub use postgres_db::PostgresDb;
pub use sqlite_db::SqliteDb;

/// Instantiates every test of [`suite`] for one [`TestDb`].
#[macro_export]
macro_rules! conformance_suite {
    ($db:ty) => {
        $crate::conformance_suite!(@tests $db;
            basic_chat::guide_runs_as_written,
            basic_chat::state_returned_by_each_write_equals_get,
            basic_chat::list_messages_shows_latest_version_of_each_message,
            basic_chat::edit_history_lists_every_version_oldest_first,
            basic_chat::missing_content_is_invalid_and_writes_nothing,
            basic_chat::editing_unknown_message_is_refused_and_writes_nothing,
            basic_chat::update_with_edits_attr_adds_a_message_and_links_nothing,
            writes::execute_on_unknown_record_is_not_found,
            writes::undeclared_action_is_rejected_and_writes_nothing,
            writes::events_carry_reserved_attrs_and_record_id,
            writes::deleted_record_is_gone_and_cannot_be_changed,
            writes::replay_equals_live_state_for_awkward_payloads,
            writes::record_of_another_schema_is_not_found,
            writes::prepare_event_error_rolls_back_everything,
            writes::stored_event_with_unknown_action_fails_replay_naming_it,
            writes::previous_events_stop_at_the_given_event,
            writes::savepoint_action_cannot_be_executed,
            writes::panic_in_changeset_writes_nothing_and_store_stays_usable,
            writes::stored_payload_that_is_not_an_object_fails_naming_the_event,
            writes::reading_before_migrating_is_a_storage_error,
            links::link_across_records_is_refused_by_the_database,
            links::link_across_records_rolls_back_the_operation,
            links::link_to_missing_event_is_refused_by_the_foreign_key,
            links::undeclared_link_is_rejected_and_writes_nothing,
            migrations::migrate_is_idempotent_and_down_drops_everything,
            migrations::concurrent_migrations_all_succeed,
            concurrency::increments_on_one_record_serialize,
            concurrency::writers_on_different_records_all_succeed,
        );
    };
    (@tests $db:ty; $($module:ident :: $test:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                if let Some(reason) = <$db as $crate::TestDb>::skip_reason() {
                    eprintln!("skipped: {reason}");
                    return;
                }
                $crate::suite::$module::$test::<$db>().await;
            }
        )+
    };
}

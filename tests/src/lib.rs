//! Spector's conformance suite: every behaviour test is written once,
//! generic over a [`TestDb`], and instantiated for each backend by
//! [`conformance_suite!`] in `tests/sqlite.rs` and `tests/postgres.rs`.
//!
//! A backend is done when it passes all of it. Every `pub async fn` of
//! [`suite`] must be listed in [`conformance_suite!`]; a unit test of this
//! crate fails otherwise, so no behaviour test can exist without running on
//! both backends.

pub mod db;
pub mod documents;
pub mod members;
pub mod pages;
pub mod postgres_db;
pub mod reads;
pub mod records;
pub mod sqlite_db;
pub mod suite;
pub mod tally;
pub mod temp_file;
pub mod threads;
pub mod tickets;
pub mod wallets;

pub use db::{RawEvent, RowTime, Tamper, TestDb};
pub use postgres_db::PostgresDb;
pub use sqlite_db::SqliteDb;
pub use temp_file::TempDatabase;

/// Instantiates every test of [`suite`] for one [`TestDb`], each test with
/// the given attributes (e.g. an `ignore` when the user opted out).
#[macro_export]
macro_rules! conformance_suite {
    (@tests $attrs:tt $db:ty; $($module:ident :: $test:ident),+ $(,)?) => {
        $( $crate::conformance_suite!(@test $attrs $db; $module::$test); )+
    };
    (@test [$(#[$attr:meta])*] $db:ty; $module:ident :: $test:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])*
        async fn $test() {
            $crate::suite::$module::$test::<$db>().await;
        }
    };
    (@names; $($module:ident :: $test:ident),+ $(,)?) => {
        /// The name of every test of the suite.
        pub const SUITE_TESTS: &[&str] = &[$(::core::stringify!($test)),+];
    };
    (@list $($head:tt)*) => {
        $crate::conformance_suite!($($head)*;
            basic_chat::guide_runs_as_written,
            basic_chat::state_returned_by_each_write_equals_get,
            basic_chat::list_messages_shows_latest_version_of_each_message,
            basic_chat::edit_history_lists_every_version_oldest_first,
            basic_chat::missing_content_is_invalid_and_writes_nothing,
            basic_chat::editing_unknown_message_is_refused_and_writes_nothing,
            basic_chat::update_with_edits_attr_adds_a_message_and_links_nothing,
            basic_chat::a_write_by_id_needs_no_prior_get,
            typed::typed_payloads_replay_to_the_live_state,
            typed::typed_and_by_name_paths_write_identical_rows,
            typed::tightened_live_rule_leaves_old_records_readable,
            typed::stored_event_the_transition_refuses_is_a_replay_error,
            writes::execute_on_unknown_record_is_not_found,
            writes::undeclared_action_is_rejected_and_writes_nothing,
            writes::events_carry_reserved_keys_and_elixir_codes,
            writes::reserved_keys_in_a_payload_are_refused,
            writes::deleted_record_is_gone_and_cannot_be_changed,
            writes::replay_equals_live_state_for_awkward_payloads,
            writes::record_of_another_schema_is_not_found,
            writes::prepare_event_error_rolls_back_everything,
            writes::stored_event_with_unknown_action_fails_replay_naming_it,
            writes::previous_events_stop_at_the_given_event,
            writes::savepoint_action_cannot_be_executed,
            writes::panic_in_changeset_writes_nothing_and_store_stays_usable,
            writes::stored_payload_that_is_not_an_object_fails_naming_the_event,
            writes::using_a_log_before_migrating_is_not_migrated,
            writes::a_missing_table_is_named_with_its_log,
            faults::a_time_far_ahead_of_the_clock_is_refused_naming_the_event,
            faults::a_value_nested_beyond_any_stack_is_refused_not_a_crash,
            faults::a_payload_over_the_store_limit_is_refused,
            faults::a_misspelt_key_by_name_is_an_unknown_key,
            faults::a_trigger_raising_on_a_row_is_row_refused_on_both,
            faults::a_replay_error_says_to_move_the_rule_into_validate,
            faults::a_link_kind_the_link_does_not_declare_is_a_corrupt_event,
            faults::a_batch_names_the_write_whose_link_the_database_refused,
            links::link_across_records_is_refused_by_the_database,
            links::link_across_records_rolls_back_the_operation,
            links::link_to_missing_event_is_refused_by_the_foreign_key,
            links::a_branch_is_read_in_one_query,
            links::an_unconstrained_link_joins_two_records,
            links::a_typed_link_stores_its_kind,
            robustness::deep_payload_is_refused_before_anything_is_written,
            robustness::values_no_backend_can_hold_are_refused_on_both,
            robustness::stored_time_out_of_range_is_a_corrupt_event_naming_it,
            robustness::foreign_event_in_a_history_is_a_corrupt_event_naming_it,
            robustness::no_event_follows_the_last_storable_time,
            robustness::stored_payload_serde_cannot_read_is_decode_naming_it,
            robustness::events_cannot_be_updated_or_deleted,
            robustness::an_idempotent_retry_writes_once_and_returns_the_first_result,
            robustness::an_event_id_reused_for_another_write_is_a_conflict,
            robustness::cancelled_writes_retried_with_their_event_id_are_stored_once,
            savepoints::automatic_savepoints_bound_every_write,
            savepoints::a_long_history_is_read_from_its_latest_savepoint,
            savepoints::savepoint_replay_equals_full_replay_over_random_sequences,
            savepoints::a_savepoint_of_a_stale_record_is_refused,
            savepoints::an_idempotent_retry_behind_a_savepoint_writes_nothing,
            savepoints::verify_savepoints_catches_a_hook_that_drops_a_field,
            hash_chain::an_untouched_hashed_log_verifies_every_event,
            hash_chain::tampering_is_caught_at_the_right_event,
            hash_chain::a_link_added_afterwards_is_caught,
            hash_chain::a_kept_head_catches_a_truncated_or_rewritten_tail,
            hash_chain::concurrent_writers_keep_one_chain,
            hash_chain::a_log_made_hashed_later_gets_its_column_and_chains_on,
            versions::an_old_version_event_replays_through_the_upcast_hook,
            materialized::the_row_follows_every_write,
            materialized::a_refused_row_rolls_the_event_back,
            materialized::materialize_rebuilds_a_row_with_distinct_errors,
            materialized::bringup_imports_untracked_rows_in_one_transaction,
            materialized::default_bringup_inserts_each_row,
            materialized::bringup_in_a_hashed_log_keeps_the_chain,
            materialized::bringup_refuses_a_row_without_an_id,
            listing::listing_pages_through_every_record_while_others_write,
            listing::record_types_in_one_log_keep_apart,
            stream::the_log_reads_page_by_page_in_order_while_others_write,
            stream::the_log_pages_start_end_and_refuse_nothing,
            migrations::migrate_is_idempotent_and_down_drops_everything,
            migrations::concurrent_migrations_all_succeed,
            migrations::a_link_table_added_later_and_dropped_again,
            migrations::a_field_added_to_a_materialized_type_gets_its_column,
            migrations::a_required_field_on_a_table_with_rows_takes_the_type_default,
            migrations::a_required_field_without_a_default_needs_the_given_statement,
            migrations::a_required_field_on_a_table_without_rows_is_added,
            migrations::concurrent_migrations_add_a_new_column_once,
            batches::a_batch_writes_several_records_all_or_nothing,
            batches::concurrent_transfers_keep_the_total,
            concurrency::increments_on_one_record_serialize,
            concurrency::writers_on_different_records_all_succeed,
        );
    };
    ($(#[$attr:meta])* $db:ty) => {
        $crate::conformance_suite!(@list @tests [$(#[$attr])*] $db);
    };
}

#[cfg(test)]
mod registration {
    crate::conformance_suite!(@list @names);

    /// Every `pub async fn name<D: TestDb>` in `src/suite/*.rs`.
    fn suite_functions() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/suite");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).expect("src/suite is readable") {
            let source = std::fs::read_to_string(entry.expect("a suite file").path())
                .expect("a suite file is readable");
            for line in source.lines() {
                if let Some(rest) = line.strip_prefix("pub async fn ") {
                    if let Some((name, generics)) = rest.split_once('<') {
                        if generics.starts_with("D: TestDb>") {
                            names.push(name.to_owned());
                        }
                    }
                }
            }
        }
        names
    }

    #[test]
    fn every_suite_test_runs_on_both_backends() {
        let functions = suite_functions();
        assert!(functions.len() >= SUITE_TESTS.len(), "{functions:?}");
        let missing: Vec<&String> = functions
            .iter()
            .filter(|name| !SUITE_TESTS.contains(&name.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "add these to `conformance_suite!`: {missing:?}"
        );
    }
}

//! The conformance suite on SQLite (one in-memory database per test).

spector_tests::conformance_suite!(spector_tests::SqliteDb);

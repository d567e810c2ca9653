//! The conformance suite on PostgreSQL (one schema per test).
//!
//! Fails when the server is unreachable; `SPECTOR_SKIP_POSTGRES=1` skips it.

spector_tests::conformance_suite!(spector_tests::PostgresDb);

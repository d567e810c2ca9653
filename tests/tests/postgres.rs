//! The conformance suite on PostgreSQL (one schema per test).
//!
//! Fails when the server is unreachable; with `SPECTOR_SKIP_POSTGRES=1` at
//! build time every test is reported as ignored instead.

spector_tests::conformance_suite!(
    #[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
    spector_tests::PostgresDb
);

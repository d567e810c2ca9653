//! Opening the PostgreSQL backend against a live server. Behaviour shared
//! with the other backends is tested by the conformance suite in the
//! workspace's `tests` crate, and the locks and derived names in its
//! `postgres_backend` tests.
//!
//! The server is `SPECTOR_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). An unreachable server fails
//! the tests; set `SPECTOR_SKIP_POSTGRES=1` to skip them instead.

mod connect;
mod support;

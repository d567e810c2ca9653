//! The PostgreSQL backend's own concerns against a live server. Behaviour
//! shared with the other backends is tested by the conformance suite in the
//! workspace's `tests` crate.

mod connect;

//! The PostgreSQL backend against a live server, one schema per test.

mod connect;
mod links;
mod lock;
mod migrate;
mod round_trip;
mod support;
mod tally;

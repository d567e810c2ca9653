//! The behaviour tests, each generic over the backend's [`TestDb`](crate::TestDb).

pub mod basic_chat;
pub mod batches;
pub mod concurrency;
pub mod faults;
pub mod hash_chain;
pub mod links;
pub mod listing;
pub mod materialized;
pub mod migrations;
pub mod robustness;
pub mod savepoints;
pub mod stream;
pub mod typed;
pub mod versions;
pub mod writes;

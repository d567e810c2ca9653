//! Advisory lock keys: one per record for writes, one per table for
//! migrations, one per hashed table for its appends.
//!
//! Writes take `pg_advisory_xact_lock(bigint)` on the record's key, so
//! writers of one record queue up while writers of other records go on.
//! Migrations take the two-key form `pg_advisory_xact_lock(int, int)`, whose
//! key space PostgreSQL keeps apart from the one-key form, so a migration
//! lock never collides with a record lock.

use uuid::Uuid;

/// The statement that takes a record's write lock until the transaction ends.
pub(crate) const LOCK_RECORD: &str = "SELECT pg_advisory_xact_lock($1)";

/// The statement that takes a table's migration lock until the transaction ends.
pub(crate) const LOCK_MIGRATION: &str = "SELECT pg_advisory_xact_lock($1, $2)";

/// The first key of every migration lock: `SPEC` in ASCII.
pub(crate) const MIGRATION_CLASS: i32 = 0x5350_4543;

/// The statement that takes a hashed table's append lock until the
/// transaction ends: every append to the table queues on it, so that the
/// chain's order is the order of the appends' times.
pub(crate) const LOCK_CHAIN: &str = "SELECT pg_advisory_xact_lock($1, $2)";

/// The first key of every append lock of a hashed table: `SPCH` in ASCII.
pub(crate) const CHAIN_CLASS: i32 = 0x5350_4348;

/// The key of the transaction-scoped advisory lock that every write to the
/// record `record` of the event table `table` holds, from its lock until its
/// commit or rollback: the UUID's 128 bits folded into 64, XORed with the
/// 64-bit FNV-1a hash of the table name.
///
/// The key is stable across processes and releases. A session of your own
/// holding `pg_advisory_xact_lock(key)` (or `pg_advisory_lock(key)`) makes
/// Spector's writers of that record wait, and only those: writers of other
/// records go on.
///
/// ```
/// use spector_postgres::record_lock_key;
/// use uuid::Uuid;
///
/// let record = Uuid::now_v7();
/// assert_eq!(record_lock_key("chat_events", record), record_lock_key("chat_events", record));
/// assert_ne!(record_lock_key("chat_events", record), record_lock_key("note_events", record));
/// ```
pub fn record_lock_key(table: &str, record: Uuid) -> i64 {
    let bits = record.as_u128();
    let folded = (bits >> 64) as u64 ^ bits as u64;
    (folded ^ fnv1a(table)) as i64
}

/// The second key of `table`'s migration lock and of its append lock.
pub(crate) fn table_key(table: &str) -> i32 {
    let hash = fnv1a(table);
    ((hash >> 32) ^ hash) as u32 as i32
}

/// 64-bit FNV-1a: a stable hash, the same in every process and release.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn one_record_always_gets_the_same_key() {
        let id = Uuid::now_v7();
        assert_eq!(
            record_lock_key("chat_events", id),
            record_lock_key("chat_events", id)
        );
    }

    #[test]
    fn records_and_tables_get_different_keys() {
        let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
        assert_ne!(
            record_lock_key("chat_events", one),
            record_lock_key("chat_events", two)
        );
        assert_ne!(
            record_lock_key("chat_events", one),
            record_lock_key("note_events", one)
        );
    }

    #[test]
    fn every_bit_of_the_id_counts() {
        let id = Uuid::now_v7();
        for bit in 0..128 {
            let flipped = Uuid::from_u128(id.as_u128() ^ (1 << bit));
            assert_ne!(
                record_lock_key("t", id),
                record_lock_key("t", flipped),
                "bit {bit}"
            );
        }
    }

    #[test]
    fn tables_get_different_table_keys() {
        assert_ne!(table_key("chat_events"), table_key("note_events"));
    }

    #[test]
    fn table_keys_never_change_for_a_table() {
        // Every process and release must take the same lock for a table.
        assert_eq!(table_key("chat_events"), 1_134_583_545);
        assert_eq!(table_key("note_events"), -1_470_618_161);
    }
}

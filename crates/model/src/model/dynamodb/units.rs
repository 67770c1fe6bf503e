//! What one call to a table consumes, in capacity units, as DynamoDB counts them
//! (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/provisioned-capacity-mode.html,
//! "Read capacity units" and "Write capacity units"):
//! - a strongly consistent read of an item up to 4 KB takes one read unit, an eventually
//!   consistent one half a unit; a larger item takes one (or half a) unit per 4 KB, rounded up;
//! - a write of an item up to 1 KB takes one write unit; a larger item one per 1 KB, rounded up;
//! - a transactional read or write takes twice the units of the plain one
//!   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html,
//!   "Capacity management for transactions").
//!
//! On-demand tables count read and write *request* units by the same rules
//! (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html).
//!
//! Reads are kept in half units, so every count is an integer.

/// How a call reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// Eventually consistent (the SDKs' default): half a unit per 4 KB.
    Eventual,
    /// Strongly consistent: one unit per 4 KB.
    Strong,
    /// Inside a transaction: two units per 4 KB.
    Transactional,
}

impl Consistency {
    pub fn name(self) -> &'static str {
        match self {
            Consistency::Eventual => "eventual",
            Consistency::Strong => "strong",
            Consistency::Transactional => "transactional",
        }
    }
}

/// The capacity one call consumes: read half-units and write units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Units {
    /// Read capacity in half units (2 = one read capacity unit).
    pub read_halves: u64,
    pub write: u64,
}

/// The units of `reads` reads and `writes` writes of items of `item_bytes` bytes.
/// `transactional_writes` doubles the writes' units, as `Consistency::Transactional` does the
/// reads'.
pub fn call_units(
    reads: u32,
    writes: u32,
    item_bytes: u64,
    consistency: Consistency,
    transactional_writes: bool,
) -> Units {
    let item = item_bytes.max(1);
    let per_read_4kb = item.div_ceil(4096);
    let halves_per_4kb = match consistency {
        Consistency::Eventual => 1,
        Consistency::Strong => 2,
        Consistency::Transactional => 4,
    };
    let per_write = item.div_ceil(1024) * if transactional_writes { 2 } else { 1 };
    Units {
        read_halves: u64::from(reads) * per_read_4kb * halves_per_4kb,
        write: u64::from(writes) * per_write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_4kb_and_1kb_rules() {
        // AWS's examples: an 8 KB strongly consistent read is 2 RCU; eventually consistent, 1.
        let strong = call_units(1, 0, 8 * 1024, Consistency::Strong, false);
        assert_eq!(strong.read_halves, 4);
        let eventual = call_units(1, 0, 8 * 1024, Consistency::Eventual, false);
        assert_eq!(eventual.read_halves, 2);
        // A 3.5 KB item rounds up to 4 KB (one unit), a 4.5 KB item to 8 KB (two).
        assert_eq!(
            call_units(1, 0, 3584, Consistency::Strong, false).read_halves,
            2
        );
        assert_eq!(
            call_units(1, 0, 4608, Consistency::Strong, false).read_halves,
            4
        );
        // A 1.5 KB write is 2 WCU; transactional, 4.
        assert_eq!(call_units(0, 1, 1536, Consistency::Strong, false).write, 2);
        assert_eq!(call_units(0, 1, 1536, Consistency::Strong, true).write, 4);
        // Several operations add up.
        let u = call_units(3, 2, 1024, Consistency::Transactional, false);
        assert_eq!((u.read_halves, u.write), (12, 2));
    }
}

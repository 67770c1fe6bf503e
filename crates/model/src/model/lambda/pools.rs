//! Concurrency pools: the account limit is shared by every function without reserved
//! concurrency (the unreserved pool); a function with `reserved_concurrency` has a pool of its
//! own that also caps it. Validation keeps the unreserved pool at its minimum (100).
//!
//! The account limit is per region ("Quotas for concurrent executions and storage apply per
//! AWS Region", "Lambda quotas",
//! https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): each region has
//! its own unreserved pool, the limit less the reservations of that region's functions.

/// Which limit refused an invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The function's reserved concurrency is all in use.
    Reserved,
    /// The account's unreserved pool is all in use.
    Unreserved,
    /// The scaling rate (per function or regional burst) allows no more on-demand concurrency yet.
    Scaling,
    /// The function's request rate (10 x its pool per second, and its growth) is used up.
    RequestRate,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Reserved => "reserved concurrency",
            Refusal::Unreserved => "account concurrency (unreserved pool)",
            Refusal::Scaling => "scaling rate",
            Refusal::RequestRate => "request rate",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pools {
    /// Per function: its reserved concurrency, or `None` for its region's unreserved pool.
    reserved: Vec<Option<u32>>,
    /// Per function: its region's index.
    region: Vec<u8>,
    /// Per region: the unreserved pool's size and use.
    unreserved_limit: Vec<u32>,
    unreserved_in_use: Vec<u32>,
}

impl Pools {
    /// Pools of one region: `unreserved_limit` shared by the functions without a reservation.
    pub fn new(reserved: Vec<Option<u32>>, unreserved_limit: u32) -> Pools {
        let region = vec![0; reserved.len()];
        Pools::regional(reserved, region, vec![unreserved_limit])
    }

    /// Pools of several regions: function `f` is in region `region[f]`, whose unreserved
    /// pool is `unreserved_limit[region[f]]`.
    pub fn regional(
        reserved: Vec<Option<u32>>,
        region: Vec<u8>,
        unreserved_limit: Vec<u32>,
    ) -> Pools {
        let n = unreserved_limit.len();
        Pools {
            reserved,
            region,
            unreserved_limit,
            unreserved_in_use: vec![0; n],
        }
    }

    /// The size of function `f`'s pool.
    pub fn limit(&self, f: usize) -> u32 {
        self.reserved[f].unwrap_or(self.unreserved_limit[self.region[f] as usize])
    }

    /// Whether function `f`, running `concurrency` executions now, may start one more.
    #[inline]
    pub fn check(&self, f: usize, concurrency: u32) -> Result<(), Refusal> {
        let r = self.region[f] as usize;
        match self.reserved[f] {
            Some(n) if concurrency >= n => Err(Refusal::Reserved),
            Some(_) => Ok(()),
            None if self.unreserved_in_use[r] >= self.unreserved_limit[r] => {
                Err(Refusal::Unreserved)
            }
            None => Ok(()),
        }
    }

    #[inline]
    pub fn acquire(&mut self, f: usize) {
        if self.reserved[f].is_none() {
            self.unreserved_in_use[self.region[f] as usize] += 1;
        }
    }

    #[inline]
    pub fn release(&mut self, f: usize) {
        if self.reserved[f].is_none() {
            self.unreserved_in_use[self.region[f] as usize] -= 1;
        }
    }

    /// Executions of the unreserved pools, over every region.
    pub fn unreserved_in_use(&self) -> u32 {
        self.unreserved_in_use.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_caps_and_unreserved_is_shared() {
        // Account 1000: f0 reserves 300; f1 and f2 share 700.
        let mut p = Pools::new(vec![Some(300), None, None], 700);
        assert_eq!(p.check(0, 299), Ok(()));
        assert_eq!(p.check(0, 300), Err(Refusal::Reserved));
        for _ in 0..500 {
            p.acquire(1);
        }
        for _ in 0..200 {
            p.acquire(2);
        }
        assert_eq!(p.check(2, 200), Err(Refusal::Unreserved));
        assert_eq!(p.check(1, 500), Err(Refusal::Unreserved));
        assert_eq!(p.check(0, 0), Ok(()), "the reservation is untouched");
        p.release(1);
        assert_eq!(p.check(2, 200), Ok(()));
        assert_eq!((p.limit(0), p.limit(1)), (300, 700));
    }

    #[test]
    fn each_region_has_its_own_unreserved_pool() {
        // f0 and f1 in region 0 (pool 2), f2 in region 1 (pool 1).
        let mut p = Pools::regional(vec![None, None, None], vec![0, 0, 1], vec![2, 1]);
        p.acquire(0);
        p.acquire(1);
        assert_eq!(p.check(1, 1), Err(Refusal::Unreserved));
        assert_eq!(p.check(2, 0), Ok(()), "region 1's pool is untouched");
        p.acquire(2);
        assert_eq!(p.check(2, 1), Err(Refusal::Unreserved));
        p.release(0);
        assert_eq!(p.check(0, 0), Ok(()));
        assert_eq!(p.check(2, 1), Err(Refusal::Unreserved));
        assert_eq!((p.limit(0), p.limit(2), p.unreserved_in_use()), (2, 1, 2));
    }
}

//! Concurrency pools: the account limit is shared by every function without reserved
//! concurrency (the unreserved pool); a function with `reserved_concurrency` has a pool of its
//! own that also caps it. Validation keeps the unreserved pool at its minimum (100).

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
    /// Per function: its reserved concurrency, or `None` for the unreserved pool.
    reserved: Vec<Option<u32>>,
    unreserved_limit: u32,
    unreserved_in_use: u32,
}

impl Pools {
    pub fn new(reserved: Vec<Option<u32>>, unreserved_limit: u32) -> Pools {
        Pools {
            reserved,
            unreserved_limit,
            unreserved_in_use: 0,
        }
    }

    /// The size of function `f`'s pool.
    pub fn limit(&self, f: usize) -> u32 {
        self.reserved[f].unwrap_or(self.unreserved_limit)
    }

    /// Whether function `f`, running `concurrency` executions now, may start one more.
    #[inline]
    pub fn check(&self, f: usize, concurrency: u32) -> Result<(), Refusal> {
        match self.reserved[f] {
            Some(r) if concurrency >= r => Err(Refusal::Reserved),
            Some(_) => Ok(()),
            None if self.unreserved_in_use >= self.unreserved_limit => Err(Refusal::Unreserved),
            None => Ok(()),
        }
    }

    #[inline]
    pub fn acquire(&mut self, f: usize) {
        if self.reserved[f].is_none() {
            self.unreserved_in_use += 1;
        }
    }

    #[inline]
    pub fn release(&mut self, f: usize) {
        if self.reserved[f].is_none() {
            self.unreserved_in_use -= 1;
        }
    }

    pub fn unreserved_in_use(&self) -> u32 {
        self.unreserved_in_use
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
}

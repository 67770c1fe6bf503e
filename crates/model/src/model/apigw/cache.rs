//! A REST API stage's cache: a time-to-live cache keyed by the request's cache key.
//!
//! AWS: "API Gateway caches responses from your endpoint for a specified time-to-live (TTL)
//! period, in seconds ... The default TTL value for API caching is 300 seconds. The maximum
//! TTL value is 3600 seconds"; only `GET` methods are cached by default; the cache is billed
//! by the hour by its size ("Cache settings for REST APIs in API Gateway",
//! https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html).
//!
//! Each request draws its cache key uniformly from `keys` keys (the key space: distinct paths
//! and query strings its clients ask for). A key is fresh for `ttl` after the integration's
//! successful answer filled it; a request for a fresh key is a hit and never reaches the
//! integration, any other is a miss. So the hit ratio follows from the TTL and the traffic:
//! for Poisson requests at rate lambda_i for key i, a miss starts a cycle in which the
//! lambda_i T requests of the next T are hits, and the hit ratio is
//! lambda_i T / (1 + lambda_i T) when the integration answers at once (the TTL cache's
//! closed form). The cache's capacity is not modelled: no entry is evicted before its TTL
//! (our choice; AWS evicts when the chosen size is full, and documents no policy).

use crate::kernel::{Rng, RngExt, SimTime};

/// The most cache keys a stage may have (memory: 8 bytes a key).
pub const MAX_KEYS: u64 = 10_000_000;

/// AWS's cache sizes in GB (`cacheClusterSize`,
/// https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html).
pub const SIZES_GB: [f64; 8] = [0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118.0, 237.0];

/// A size as the price table names it (`0.5`, `118`).
pub fn size_key(gb: f64) -> String {
    format!("{gb}")
}

/// A stage cache's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheSpec {
    pub ttl: SimTime,
    /// One of `SIZES_GB`, as `size_key` writes it (it sets the hourly price).
    pub size_gb: String,
    /// The number of distinct cache keys requests draw from.
    pub keys: u64,
}

/// The cache's entries: per key, when it stops being fresh.
#[derive(Clone, Debug)]
pub struct StageCache {
    ttl: SimTime,
    fresh_until: Vec<SimTime>,
}

impl StageCache {
    pub fn new(spec: &CacheSpec) -> StageCache {
        StageCache {
            ttl: spec.ttl,
            fresh_until: vec![SimTime::ZERO; spec.keys as usize],
        }
    }

    /// The cache key of the next request, from the stage's key stream.
    #[inline]
    pub fn draw_key(&self, rng: &mut Rng) -> u32 {
        rng.uniform_u64(0, self.fresh_until.len() as u64) as u32
    }

    /// Whether key `k` is fresh at `now` (a hit).
    #[inline]
    pub fn hit(&self, k: u32, now: SimTime) -> bool {
        now < self.fresh_until[k as usize]
    }

    /// The integration answered a miss for key `k` well at `now`: fresh for the TTL.
    #[inline]
    pub fn fill(&mut self, k: u32, now: SimTime) {
        self.fresh_until[k as usize] = now + self.ttl;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    /// One key, Poisson requests at 2/s, TTL 1 s, filled at once on each miss: the hit ratio
    /// is lambda T / (1 + lambda T) = 2/3 within 3.3 standard deviations (the cycles are
    /// independent: a miss, then Poisson(lambda T) hits; the ratio's variance follows from
    /// the cycle count by the delta method).
    #[test]
    fn the_hit_ratio_of_one_key_is_the_ttl_caches() {
        let spec = CacheSpec {
            ttl: SimTime::from_secs(1),
            size_gb: "0.5".into(),
            keys: 1,
        };
        let mut cache = StageCache::new(&spec);
        let mut rng = stream(7, "test/apigw/cache");
        let (lambda, t) = (2.0, 1.0);
        let mut now = 0.0;
        let (mut hits, mut misses) = (0u64, 0u64);
        for _ in 0..200_000 {
            now += -rng.open01().ln() / lambda;
            let at = SimTime::from_secs_f64(now);
            let k = cache.draw_key(&mut rng);
            if cache.hit(k, at) {
                hits += 1;
            } else {
                misses += 1;
                cache.fill(k, at);
            }
        }
        let n = (hits + misses) as f64;
        let p = lambda * t / (1.0 + lambda * t);
        // Per cycle: 1 + H requests, H ~ Poisson(lambda T); ratio = sum H / sum (1 + H).
        let cycles = misses as f64;
        let var_h = lambda * t;
        let mean_len = 1.0 + lambda * t;
        // Var(H - p (1 + H)) = (1 - p)^2 Var(H).
        let sd = (1.0 - p) * (var_h / (cycles * mean_len * mean_len)).sqrt();
        let z = (hits as f64 / n - p) / sd;
        assert!(
            z.abs() < 3.3,
            "hit ratio {} vs {p}, z = {z}",
            hits as f64 / n
        );
    }
}

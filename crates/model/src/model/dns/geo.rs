//! The geographic routing policies: latency-based, geolocation and geoproximity. Each orders a
//! record's endpoints for a client geography once (when the scenario is resolved), and a
//! client gets the first healthy endpoint of its order.
//!
//! AWS's rules (Route 53 Developer Guide):
//! - latency ("Latency-based routing",
//!   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html):
//!   the record of the region with the lowest latency to the client; when it is unhealthy,
//!   the next lowest ("How Amazon Route 53 chooses records when health checking is
//!   configured", health-checks-how-route-53-chooses-records.html). The latency Route 53
//!   measures is, here, the geography's round trip to the region;
//! - geolocation ("Geolocation routing", routing-policy-geo.html): the most specific record
//!   for the client's location, subdivision (a US state) over country over continent over the
//!   default record (`*`); when that one is unhealthy, the record of the next larger area, and
//!   finally the default; when no record matches and there is no default, Route 53 answers
//!   "no answer" (the client's resolution fails);
//! - geoproximity ("Geoproximity routing", routing-policy-geoproximity.html, "How Amazon
//!   Route 53 uses bias to route traffic"): the resource at the smallest biased distance,
//!   where bias b in -99..99 gives `d (1 - b/100)` for b > 0 and `d / (1 + b/100)` for b < 0.
//!
//! When no endpoint of an order is healthy, Route 53 answers as if all were (it "fails
//! open"): the first of the order.

use crate::model::region::Geography;

/// Where a geolocation record applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeoLocation {
    /// `*`: every location no other record matches.
    Default,
    Continent(String),
    Country(String),
    /// A country's subdivision (country code, subdivision code).
    Subdivision(String, String),
}

impl GeoLocation {
    /// How specifically it matches a client in `g` (higher is more specific), or `None`.
    pub fn specificity(&self, g: &Geography) -> Option<u8> {
        match self {
            GeoLocation::Default => Some(0),
            GeoLocation::Continent(c) => (*c == g.continent).then_some(1),
            GeoLocation::Country(c) => (*c == g.country).then_some(2),
            GeoLocation::Subdivision(c, s) => {
                (*c == g.country && g.subdivision.as_deref() == Some(s.as_str())).then_some(3)
            }
        }
    }

    /// As written in outputs: `*`, `EU`, `country DE`, `US-CA`.
    pub fn label(&self) -> String {
        match self {
            GeoLocation::Default => "*".to_string(),
            GeoLocation::Continent(c) => format!("continent {c}"),
            GeoLocation::Country(c) => format!("country {c}"),
            GeoLocation::Subdivision(c, s) => format!("{c}-{s}"),
        }
    }
}

/// Endpoints in increasing order of `key` (ties by position).
fn ordered(keys: &[f64]) -> Vec<u8> {
    let mut order: Vec<u8> = (0..keys.len() as u8).collect();
    order.sort_by(|&a, &b| keys[a as usize].total_cmp(&keys[b as usize]));
    order
}

/// A latency record's order for one geography: by its round trip to each endpoint's region.
pub fn latency_order(rtt_ns: &[u64]) -> Vec<u8> {
    ordered(&rtt_ns.iter().map(|&n| n as f64).collect::<Vec<_>>())
}

/// A geolocation record's order for a client in `g`: the matching endpoints, most specific
/// first (empty: no answer).
pub fn geolocation_order(locations: &[GeoLocation], g: &Geography) -> Vec<u8> {
    let mut order: Vec<(u8, u8)> = locations
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.specificity(g).map(|s| (i as u8, s)))
        .collect();
    order.sort_by_key(|&(i, s)| (std::cmp::Reverse(s), i));
    order.into_iter().map(|(i, _)| i).collect()
}

/// Route 53's biased distance: `d (1 - bias/100)` for a positive bias, `d / (1 + bias/100)`
/// for a negative one.
pub fn biased_distance(d: f64, bias: i8) -> f64 {
    let b = f64::from(bias) / 100.0;
    if bias >= 0 {
        d * (1.0 - b)
    } else {
        d / (1.0 + b)
    }
}

/// A geoproximity record's order for one geography: by biased distance to each endpoint.
pub fn geoproximity_order(distances_km: &[f64], biases: &[i8]) -> Vec<u8> {
    let keys: Vec<f64> = distances_km
        .iter()
        .zip(biases)
        .map(|(&d, &b)| biased_distance(d, b))
        .collect();
    ordered(&keys)
}

/// The endpoint a client with order `order` uses given the healthy set: the first healthy
/// one, or the first when none is (fail open); `None` when the order is empty.
#[inline]
pub fn preferred(order: &[u8], healthy: u64) -> Option<usize> {
    order
        .iter()
        .find(|&&i| healthy >> i & 1 == 1)
        .or(order.first())
        .map(|&i| usize::from(i))
}

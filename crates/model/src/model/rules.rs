//! ALB listener-rule conditions: host and path patterns with `*` and `?` wildcards, HTTP
//! headers, request methods, query strings and source IP ranges, and the request they are
//! matched against.
//!
//! AWS (Application Load Balancer listener rules, "Condition types"): paths match
//! case-sensitively, hosts, header values and query strings case-insensitively, with `*` and
//! `?` wildcards; methods match exactly (case-sensitive, no wildcards); a source IP matches
//! when it lies in one of the CIDR blocks. A condition with several values matches when any
//! value does; a rule matches when every condition does.

use std::net::IpAddr;

/// What a listener rule sees of a request.
#[derive(Clone, Copy, Debug)]
pub struct RequestLine<'a> {
    pub host: Option<&'a str>,
    pub path: &'a str,
    pub method: &'a str,
    /// `(name, value)`; names compare case-insensitively.
    pub headers: &'a [(String, String)],
    /// `(key, value)` pairs of the query string.
    pub query: &'a [(String, String)],
    pub source_ip: Option<IpAddr>,
}

/// An HTTP header condition: the header's name and the value patterns, any of which matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderCondition {
    pub name: String,
    pub values: Vec<Pattern>,
}

/// A query-string condition's pair: a key (or any key) and a value pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryCondition {
    pub key: Option<Pattern>,
    pub value: Pattern,
}

/// An IPv4 or IPv6 CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or an IPv6 block; a bare address is a /32 (or /128).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("expected an IP address or a CIDR block, got `{text}`"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("expected a prefix length 0-{max} in `{text}`")),
            },
        };
        Ok(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |a: IpAddr| -> (u128, u32) {
            match a {
                IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        };
        let ((net, width), (addr, other)) = (bits(self.network), bits(ip));
        if width != other {
            return false;
        }
        let shift = width - u32::from(self.prefix);
        shift >= width || (net >> shift) == (addr >> shift)
    }
}

impl HeaderCondition {
    pub fn matches(&self, headers: &[(String, String)]) -> bool {
        headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case(&self.name) && self.values.iter().any(|p| p.matches(v))
        })
    }
}

impl QueryCondition {
    pub fn matches(&self, query: &[(String, String)]) -> bool {
        query
            .iter()
            .any(|(k, v)| self.key.as_ref().is_none_or(|p| p.matches(k)) && self.value.matches(v))
    }
}

/// A compiled wildcard pattern: `*` matches any run of characters, `?` exactly one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    case_insensitive: bool,
}

impl Pattern {
    pub fn path(text: &str) -> Pattern {
        Pattern {
            text: text.to_string(),
            case_insensitive: false,
        }
    }

    /// A header value or query-string pattern: case-insensitive, as hosts.
    pub fn value(text: &str) -> Pattern {
        Pattern::host(text)
    }

    pub fn host(text: &str) -> Pattern {
        Pattern {
            text: text.to_ascii_lowercase(),
            case_insensitive: true,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, subject: &str) -> bool {
        if self.case_insensitive {
            wildcard(
                self.text.as_bytes(),
                subject.to_ascii_lowercase().as_bytes(),
            )
        } else {
            wildcard(self.text.as_bytes(), subject.as_bytes())
        }
    }
}

/// Iterative wildcard matching with single-star backtracking: linear in practice.
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_wildcards() {
        let p = Pattern::path("/api/*");
        assert!(p.matches("/api/orders"));
        assert!(p.matches("/api/"));
        assert!(!p.matches("/API/orders"));
        assert!(!p.matches("/static/x"));
        assert!(Pattern::path("/img/???.png").matches("/img/abc.png"));
        assert!(!Pattern::path("/img/???.png").matches("/img/ab.png"));
        assert!(Pattern::path("*").matches("/anything"));
        assert!(Pattern::path("/a*b*c").matches("/axxbyyc"));
        assert!(!Pattern::path("/a*b*c").matches("/axxbyy"));
    }

    #[test]
    fn cidr_blocks_contain_their_addresses_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let c = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(c.contains(ip("10.1.255.3")));
        assert!(!c.contains(ip("10.2.0.1")));
        assert!(
            !c.contains(ip("::1")),
            "a v4 block never holds a v6 address"
        );
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("192.0.2.9")));
        assert!(
            Cidr::parse("2001:db8::/32")
                .unwrap()
                .contains(ip("2001:db8:1::5"))
        );
        assert!(Cidr::parse("192.0.2.7").unwrap().contains(ip("192.0.2.7")));
        assert!(!Cidr::parse("192.0.2.7").unwrap().contains(ip("192.0.2.8")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("ten/8").is_err());
    }

    #[test]
    fn headers_and_query_strings_match_any_value_ignoring_case() {
        let headers = vec![("User-Agent".to_string(), "Mozilla/5.0 (iPhone)".to_string())];
        let h = HeaderCondition {
            name: "user-agent".into(),
            values: vec![Pattern::value("*android*"), Pattern::value("*IPHONE*")],
        };
        assert!(h.matches(&headers));
        assert!(!h.matches(&[]));
        let query = vec![("version".to_string(), "v2".to_string())];
        let keyed = QueryCondition {
            key: Some(Pattern::value("version")),
            value: Pattern::value("V2"),
        };
        let any_key = QueryCondition {
            key: None,
            value: Pattern::value("v?"),
        };
        assert!(keyed.matches(&query) && any_key.matches(&query));
        assert!(!keyed.matches(&[("v".into(), "v2".into())]));
    }

    #[test]
    fn hosts_ignore_case() {
        let h = Pattern::host("*.Example.com");
        assert!(h.matches("api.example.COM"));
        assert!(!h.matches("example.org"));
    }
}

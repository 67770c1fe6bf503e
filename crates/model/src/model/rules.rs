//! ALB listener-rule conditions: host and path patterns with `*` and `?` wildcards.
//!
//! Paths match case-sensitively and hosts case-insensitively, as on an ALB.

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
    fn hosts_ignore_case() {
        let h = Pattern::host("*.Example.com");
        assert!(h.matches("api.example.COM"));
        assert!(!h.matches("example.org"));
    }
}

//! One line of an Application Load Balancer access log, in the documented format
//! (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html,
//! "Access log entries"): space-separated fields, those that may hold spaces in double
//! quotes, in this order:
//!
//! `type time elb client:port target:port request_processing_time target_processing_time
//! response_processing_time elb_status_code target_status_code received_bytes sent_bytes
//! "request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
//! "chosen_cert_arn" matched_rule_priority request_creation_time ...` (later fields are not
//! read). The first 13 fields are required; the target group and the request's creation time
//! are read when present. AWS: a processing time is `-1` when the load balancer could not
//! dispatch the request or the target closed the connection, a status code `-` when there is
//! none. Parsing borrows from the line: no allocation per line.

use crate::time::parse_iso8601_ns;

/// What the fit reads from one log line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry<'a> {
    /// When the load balancer received the request (`request_creation_time`; `time`, when the
    /// response was generated, for lines without it), in nanoseconds since the Unix epoch.
    pub arrival_ns: i64,
    pub method: &'a str,
    /// The host of the request's URL, without its port.
    pub host: &'a str,
    /// The path of the request's URL, without its query string.
    pub path: &'a str,
    /// The target group's name (from its ARN), or `""`.
    pub target_group: &'a str,
    /// Seconds the target took (`None` for `-1`).
    pub target_processing_s: Option<f64>,
    /// The load balancer's status code (`None` for `-`).
    pub elb_status: Option<u16>,
    /// The target's status code (`None` for `-`: no answer from a target).
    pub target_status: Option<u16>,
    pub received_bytes: u64,
    pub sent_bytes: u64,
}

/// Why a line was not read (counted and reported, never fatal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Malformed {
    TooFewFields,
    UnclosedQuote,
    Time,
    Number,
    Request,
}

impl Malformed {
    pub fn describe(self) -> &'static str {
        match self {
            Malformed::TooFewFields => "fewer than the 13 required fields",
            Malformed::UnclosedQuote => "a quoted field without its closing quote",
            Malformed::Time => "a time that is not ISO 8601 (e.g. 2024-01-01T12:00:00.123456Z)",
            Malformed::Number => {
                "a processing time, status code or byte count that is not a number"
            }
            Malformed::Request => "a request field that is not `METHOD URL PROTOCOL`",
        }
    }
}

/// Splits `line` into its fields (quoted ones without their quotes); at most `N` are kept.
fn fields<const N: usize>(line: &str) -> Result<([&str; N], usize), Malformed> {
    let mut out = [""; N];
    let mut n = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() && n < N {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                // AWS escapes a quote inside a field as \" (user agents may hold them).
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                if j >= bytes.len() {
                    return Err(Malformed::UnclosedQuote);
                }
                out[n] = &line[start..j];
                n += 1;
                i = j + 1;
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                out[n] = &line[start..i];
                n += 1;
            }
        }
    }
    Ok((out, n))
}

fn seconds(field: &str) -> Result<Option<f64>, Malformed> {
    let v: f64 = field.parse().map_err(|_| Malformed::Number)?;
    if v < 0.0 {
        return Ok(None); // -1: not dispatched, or no answer
    }
    if !v.is_finite() {
        return Err(Malformed::Number);
    }
    Ok(Some(v))
}

fn status(field: &str) -> Result<Option<u16>, Malformed> {
    if field == "-" {
        return Ok(None);
    }
    field.parse().map(Some).map_err(|_| Malformed::Number)
}

fn bytes(field: &str) -> Result<u64, Malformed> {
    if field == "-" {
        return Ok(0);
    }
    field.parse().map_err(|_| Malformed::Number)
}

/// `GET https://shop.example.com:443/cart/42?x=1 HTTP/1.1` into (method, host, path). A
/// request the load balancer could not parse is logged as `- - -`: method, host and path `-`.
fn request(field: &str) -> Result<(&str, &str, &str), Malformed> {
    let mut parts = field.split(' ');
    let (Some(method), Some(url)) = (parts.next(), parts.next()) else {
        return Err(Malformed::Request);
    };
    if url == "-" {
        return Ok((method, "-", "-"));
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    Ok((method, host, path))
}

/// The name in `arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID`.
fn target_group_name(arn: &str) -> &str {
    match arn.split_once("targetgroup/") {
        Some((_, rest)) => rest.split('/').next().unwrap_or(""),
        None => "",
    }
}

/// Parses one log line.
pub fn parse(line: &str) -> Result<Entry<'_>, Malformed> {
    let (f, n) = fields::<22>(line)?;
    if n < 13 {
        return Err(Malformed::TooFewFields);
    }
    let time = parse_iso8601_ns(f[1]).ok_or(Malformed::Time)?;
    let arrival_ns = if n > 21 {
        parse_iso8601_ns(f[21]).unwrap_or(time)
    } else {
        time
    };
    let (method, host, path) = request(f[12])?;
    Ok(Entry {
        arrival_ns,
        method,
        host,
        path,
        target_group: if n > 16 { target_group_name(f[16]) } else { "" },
        target_processing_s: seconds(f[6])?,
        elb_status: status(f[8])?,
        target_status: status(f[9])?,
        received_bytes: bytes(f[10])?,
        sent_bytes: bytes(f[11])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The shape of AWS's documented HTTP example entry (values ours).
    const LINE: &str = r#"https 2024-03-04T10:00:01.250000Z app/web/50dc6c495c0c9188 192.0.2.10:46532 10.0.0.66:8080 0.000 0.042 0.001 200 200 342 2310 "GET https://shop.example.com:443/cart/42?x=1 HTTP/1.1" "curl/8.0 \"quoted\"" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "shop.example.com" "-" 1 2024-03-04T10:00:01.207000Z "forward" "-" "-" "10.0.0.66:8080" "200" "-" "-" TID_1"#;

    #[test]
    fn a_documented_line_gives_its_fields() {
        let e = parse(LINE).unwrap();
        assert_eq!(
            (e.method, e.host, e.path),
            ("GET", "shop.example.com", "/cart/42")
        );
        assert_eq!(e.target_group, "web-tg");
        assert_eq!(e.target_processing_s, Some(0.042));
        assert_eq!((e.elb_status, e.target_status), (Some(200), Some(200)));
        assert_eq!((e.received_bytes, e.sent_bytes), (342, 2310));
        // request_creation_time, 43 ms before the response.
        assert_eq!(
            e.arrival_ns,
            parse_iso8601_ns("2024-03-04T10:00:01.207Z").unwrap()
        );
    }

    #[test]
    fn a_request_never_dispatched_has_no_target_time_or_status() {
        let line = LINE
            .replace("0.000 0.042 0.001 200 200", "-1 -1 -1 503 -")
            .replace(" 2024-03-04T10:00:01.207000Z", "");
        let e = parse(&line).unwrap();
        assert_eq!(e.target_processing_s, None);
        assert_eq!((e.elb_status, e.target_status), (Some(503), None));
    }

    #[test]
    fn broken_lines_say_why() {
        assert_eq!(parse("https 2024"), Err(Malformed::TooFewFields));
        assert_eq!(
            parse(&LINE.replace("2024-03-04T10:00:01.250000Z", "yesterday")),
            Err(Malformed::Time)
        );
        assert_eq!(
            parse(&LINE.replace(" 0.042 ", " fast ")),
            Err(Malformed::Number)
        );
        assert_eq!(
            parse(&LINE[..LINE.find("curl").unwrap()]),
            Err(Malformed::UnclosedQuote)
        );
    }
}

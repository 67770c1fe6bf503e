//! Time stamps of logs and metric exports: ISO 8601 in UTC (`2024-03-04T10:00:01.25Z`,
//! `2024-03-04 10:00:01`, a `+00:00` offset) or Unix epoch seconds, to nanoseconds since the
//! epoch.

const NS: i64 = 1_000_000_000;

/// Days from 1970-01-01 to the civil date (proleptic Gregorian), after H. Hinnant's
/// `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction][Z|+00:00|-HH:MM]` (or a space for the `T`).
pub fn parse_iso8601_ns(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 19 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let mut d = date.split('-');
    let (y, mo, da) = (number(d.next()?)?, number(d.next()?)?, number(d.next()?)?);
    if !rest.starts_with(['T', ' ']) || !(1..=12).contains(&mo) || !(1..=31).contains(&da) {
        return None;
    }
    let (clock, mut tail) = rest[1..].split_at(8);
    let mut c = clock.split(':');
    let (h, mi, se) = (number(c.next()?)?, number(c.next()?)?, number(c.next()?)?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut frac_ns = 0;
    if let Some(f) = tail.strip_prefix('.') {
        let digits = f.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let mut scale = NS / 10;
        for b in f[..digits].bytes().take(9) {
            frac_ns += i64::from(b - b'0') * scale;
            scale /= 10;
        }
        tail = &f[digits..];
    }
    let offset_s = match tail {
        "" | "Z" | "z" => 0,
        t if t.len() == 6 && (t.starts_with('+') || t.starts_with('-')) && &t[3..4] == ":" => {
            let v = number(&t[1..3])? * 3600 + number(&t[4..6])? * 60;
            if t.starts_with('+') { v } else { -v }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, da);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_s;
    secs.checked_mul(NS)?.checked_add(frac_ns)
}

/// A metric export's time stamp: ISO 8601, or Unix epoch seconds (milliseconds when the
/// number is past the year 5138 in seconds, as exports in milliseconds are).
pub fn parse_timestamp_ns(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"');
    if let Some(ns) = parse_iso8601_ns(s) {
        return Some(ns);
    }
    let v: f64 = s.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let secs = if v > 1e11 { v / 1000.0 } else { v };
    Some((secs * NS as f64).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_iso8601_ns("1970-01-01T00:00:00Z"), Some(0));
        // 2024-03-04 is day 19,786 of the epoch (a leap year's March).
        assert_eq!(
            parse_iso8601_ns("2024-03-04T10:00:01.250000Z"),
            Some((19_786 * 86_400 + 36_001) * NS + 250_000_000)
        );
        assert_eq!(
            parse_iso8601_ns("2024-03-04T12:00:01.25+02:00"),
            parse_iso8601_ns("2024-03-04 10:00:01.25")
        );
        assert_eq!(parse_timestamp_ns("1709546401"), Some(1_709_546_401 * NS));
        assert_eq!(
            parse_timestamp_ns("1709546401000"),
            Some(1_709_546_401 * NS)
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2024-03-04T25:00:00Z",
            "2024-03-04",
            "now",
        ] {
            assert_eq!(parse_iso8601_ns(bad), None, "{bad}");
        }
    }
}

//! Serde's type errors rewritten for people: integers out of range name the range
//! ("`seed` must be between 0 and 2^64-1"), negative counts say "at least 0", non-finite
//! numbers say so, and Rust type names (`struct RawWorkload`) never reach the user.

/// A readable message for a serde type error at `path`, or `None` to keep serde's own.
pub fn explain_type_error(path: &str, message: &str) -> Option<String> {
    let field = field_name(path);
    if let Some(what) = message.split(", expected ").next()
        && let Some(expected) = message.rsplit(", expected ").next()
        && message.contains(", expected ")
    {
        let what = what
            .trim_start_matches("invalid type: ")
            .trim_start_matches("invalid value: ");
        let got = shorten(&unquote(what));
        if let Some(range) = integer_range(expected) {
            let finite = matches!(got.as_str(), ".nan" | ".inf" | "-.inf");
            return Some(if finite {
                format!("`{field}` must be a whole number between {range}, got {got}")
            } else if got.starts_with('-') && what.contains("integer") || is_negative_int(&got) {
                format!("`{field}` must be at least 0, got {got}")
            } else {
                format!("`{field}` must be a whole number between {range}, got {got}")
            });
        }
        if expected == "f64" || expected == "f32" {
            return Some(format!("`{field}` must be a finite number, got {got}"));
        }
        if expected.starts_with("internally tagged enum RawDist") {
            return Some(format!(
                "expected a distribution, e.g. `{{dist: exponential, mean: 40ms}}`, got {got}"
            ));
        }
        if let Some(rest) = expected.strip_prefix("struct Raw") {
            let _ = rest;
            return Some(format!("expected a mapping of keys, got {got}"));
        }
    }
    None
}

fn field_name(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

fn integer_range(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "u8" => "0 and 255",
        "u16" => "0 and 65535",
        "u32" => "0 and 4294967295 (2^32-1)",
        "u64" | "usize" => "0 and 2^64-1",
        _ => return None,
    })
}

fn is_negative_int(text: &str) -> bool {
    text.strip_prefix('-')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// `string "abc"` -> `abc`, ``integer `-1` `` -> `-1`, `floating point `1.5`` -> `1.5`.
fn unquote(what: &str) -> String {
    for (open, close) in [('"', '"'), ('`', '`')] {
        if let (Some(a), Some(b)) = (what.find(open), what.rfind(close))
            && b > a
        {
            return what[a + 1..b].to_string();
        }
    }
    what.to_string()
}

/// At most 40 characters of a value, control characters escaped.
fn shorten(text: &str) -> String {
    let escaped: String = text.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() <= 40 {
        escaped
    } else {
        let head: String = escaped.chars().take(24).collect();
        format!("{head}… ({} characters)", text.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_out_of_range_name_the_range() {
        assert_eq!(
            explain_type_error(
                "seed",
                "invalid type: string \"18446744073709551616\", expected u64"
            )
            .unwrap(),
            "`seed` must be a whole number between 0 and 2^64-1, got 18446744073709551616"
        );
        assert_eq!(
            explain_type_error(
                "auto_scaling_groups.api.min",
                "invalid value: integer `-1`, expected u32"
            )
            .unwrap(),
            "`min` must be at least 0, got -1"
        );
        assert_eq!(
            explain_type_error(
                "workloads.w.classes[0].weight",
                "invalid type: string \".nan\", expected f64"
            )
            .unwrap(),
            "`weight` must be a finite number, got .nan"
        );
        assert!(explain_type_error("x", "missing field `target`").is_none());
    }
}

//! Quantities with units as scenario files write them: durations (`250ms`, `5m`, `1.5h`).

use crate::kernel::SimTime;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, de};
use std::borrow::Cow;

/// The longest duration simulated time can hold: 2^64-1 nanoseconds, about 584 years.
pub const MAX_SECONDS: f64 = u64::MAX as f64 / 1e9;

/// A duration read from a scenario file. Units: `ns`, `us`, `ms`, `s`, `m`, `h`, `d`.
/// A bare `0` is accepted; any other bare number is rejected because its unit is ambiguous.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dur(pub SimTime);

impl Dur {
    pub fn secs(self) -> f64 {
        self.0.as_secs_f64()
    }
}

/// Parses `250ms`, `1.5s`, `5m`, `2h`, `1d`, `0`, and compounds such as `12h30m` or `1m30s`.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(SimTime::ZERO);
    }
    if matches!(t, ".nan" | ".inf" | "-.inf") {
        return Err(format!("expected a finite duration, got `{t}`"));
    }
    if t.is_empty() {
        return Err("expected a duration like `250ms` or `5m`, got nothing".into());
    }
    let mut total = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(split);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let scale = match unit.trim() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "" => {
                return Err(format!(
                    "expected a duration with a unit (ms, s, m, h, d), e.g. `{t}s`, got `{t}`"
                ));
            }
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{t}` (expected ns, us, ms, s, m, h or d)"
                ));
            }
        };
        let value: f64 = number
            .replace('_', "")
            .parse()
            .map_err(|_| format!("expected a duration like `250ms` or `5m`, got `{t}`"))?;
        if !value.is_finite() || value < 0.0 {
            return Err(format!("a duration must be zero or positive, got `{t}`"));
        }
        total += value * scale;
        rest = next;
    }
    if total >= MAX_SECONDS {
        return Err(format!(
            "`{t}` is past the longest duration, 584 years (2^64-1 nanoseconds)"
        ));
    }
    Ok(SimTime::from_secs_f64(total))
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration with a unit, like `250ms`, `30s`, `5m` or `2h`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
                parse_duration(v).map(Dur).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
                if v == 0 {
                    Ok(Dur(SimTime::ZERO))
                } else {
                    Err(E::custom(format!(
                        "expected a duration with a unit (ms, s, m, h, d), e.g. `{v}s`, got the bare number {v}"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                if v < 0 {
                    Err(E::custom(format!(
                        "a duration must be zero or positive, got {v}"
                    )))
                } else {
                    self.visit_u64(v as u64)
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
                Err(E::custom(format!(
                    "expected a duration with a unit (ms, s, m, h, d), e.g. `{v}s`, got the bare number {v}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Dur {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration with a unit: ns, us, ms, s, m, h or d (e.g. `250ms`, `5m`, `12h30m`), or 0.",
            "anyOf": [
                {
                    "type": "string",
                    "pattern": "^\\s*([0-9][0-9_]*(\\.[0-9]+)?\\s*(ns|us|µs|ms|s|sec|m|min|h|d)\\s*)+$|^\\s*0\\s*$"
                },
                { "const": 0 }
            ]
        })
    }
}

/// A byte size: a whole number of bytes, or a string with a unit (`B`, `KB`, `MB`, `GB`,
/// `KiB`, `MiB`, `GiB`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Bytes(pub u64);

pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{t}` (expected B, KB, MB, GB, KiB, MiB or GiB)"
            ));
        }
    };
    let v: f64 = number
        .parse()
        .map_err(|_| format!("expected a size like `2KB`, got `{t}`"))?;
    Ok((v * scale).round() as u64)
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) if n.as_u64().is_some() => {
                Ok(Bytes(n.as_u64().unwrap_or(0)))
            }
            serde_json::Value::String(s) => parse_bytes(&s).map(Bytes).map_err(de::Error::custom),
            other => Err(de::Error::custom(format!(
                "expected a size like `2KB` or a number of bytes, got {other}"
            ))),
        }
    }
}

impl JsonSchema for Bytes {
    fn schema_name() -> Cow<'static, str> {
        "Bytes".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A size: bytes, or a string with a unit (B, KB, MB, GB, KiB, MiB, GiB).",
            "type": ["integer", "string"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(SimTime::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(SimTime::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(SimTime::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(SimTime::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(SimTime::from_secs(86400)));
        assert_eq!(parse_duration("100us"), Ok(SimTime::from_nanos(100_000)));
        assert_eq!(parse_duration("0"), Ok(SimTime::ZERO));
        assert_eq!(parse_duration("12h30m"), Ok(SimTime::from_secs(45_000)));
        assert_eq!(parse_duration("1m30s"), Ok(SimTime::from_secs(90)));
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_bytes("2KB"), Ok(2000));
        assert_eq!(parse_bytes("64KiB"), Ok(65536));
        assert_eq!(parse_bytes("512"), Ok(512));
        assert!(parse_bytes("3 furlongs").is_err());
    }

    #[test]
    fn rejects_missing_and_unknown_units() {
        assert!(parse_duration("30").unwrap_err().contains("unit"));
        assert!(
            parse_duration("30 parsecs")
                .unwrap_err()
                .contains("unknown duration unit")
        );
        assert!(parse_duration("ms").is_err());
    }
}

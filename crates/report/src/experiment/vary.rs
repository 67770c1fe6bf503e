//! `--vary PATH=VALUES`: the values a parameter takes in a comparison or a sweep.
//! Lists (`2,4,8`), integer ranges (`2..10`, inclusive), stepped ranges
//! (`2..10 step 2`, `0.5..2 step 0.5`), and YAML flow lists whose items may hold commas
//! (`[{dist: exponential, mean: 40ms}, {dist: constant, value: 40ms}]`). Several `--vary`
//! make a grid: every combination of their values.

/// A varied parameter: its scenario path and the values, as override text.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub path: String,
    pub values: Vec<String>,
}

pub fn parse_vary(spec: &str) -> Result<Vary, String> {
    let (path, values) = spec.split_once('=').ok_or_else(|| {
        format!("expected PATH=VALUES (e.g. auto_scaling_groups.api.desired=2..8), got `{spec}`")
    })?;
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(format!("missing path in `{spec}`"));
    }
    let values = values.trim();
    let list = if let Some(inner) = values.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        split_top_level(inner)?
    } else if let Some((range, step)) = split_range(values) {
        expand_range(range, step)?
    } else {
        split_top_level(values)?
    };
    if list.is_empty() || list.iter().any(String::is_empty) {
        return Err(format!("no values in `{spec}`"));
    }
    Ok(Vary { path, values: list })
}

/// Splits at the commas outside brackets, braces and quotes.
fn split_top_level(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(text[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(format!("unbalanced brackets in `{text}`"));
        }
    }
    if depth != 0 || quote.is_some() {
        return Err(format!("unbalanced brackets or quotes in `{text}`"));
    }
    out.push(text[start..].trim().to_string());
    Ok(out)
}

/// The grid of several varied parameters: every combination, the first parameter slowest.
pub fn grid(varies: &[Vary]) -> Vec<Vec<(String, String)>> {
    varies.iter().fold(vec![Vec::new()], |acc, v| {
        acc.iter()
            .flat_map(|prefix| {
                v.values.iter().map(move |value| {
                    let mut p = prefix.clone();
                    p.push((v.path.clone(), value.clone()));
                    p
                })
            })
            .collect()
    })
}

fn split_range(v: &str) -> Option<(&str, Option<&str>)> {
    if !v.contains("..") {
        return None;
    }
    match v.split_once(" step ") {
        Some((r, s)) => Some((r.trim(), Some(s.trim()))),
        None => Some((v, None)),
    }
}

fn expand_range(range: &str, step: Option<&str>) -> Result<Vec<String>, String> {
    let (a, b) = range.split_once("..").expect("checked by split_range");
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{s}` is not a number in range `{range}`"))
    };
    let (lo, hi) = (num(a)?, num(b)?);
    let step = match step {
        Some(s) => num(s)?,
        None => 1.0,
    };
    if step.is_nan() || step <= 0.0 || hi < lo {
        return Err(format!(
            "expected lo..hi with lo <= hi and a positive step, got `{range}`"
        ));
    }
    let integral = [lo, hi, step].iter().all(|x| x.fract() == 0.0);
    let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
    if n > 10_000 {
        return Err(format!("`{range}` has {n} values; at most 10,000"));
    }
    Ok((0..n)
        .map(|i| {
            let v = lo + i as f64 * step;
            if integral {
                format!("{}", v as i64)
            } else {
                format!("{}", (v * 1e9).round() / 1e9)
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        assert_eq!(parse_vary("a.b=1,2,4").unwrap().values, vec!["1", "2", "4"]);
        assert_eq!(
            parse_vary("a=2..5").unwrap().values,
            vec!["2", "3", "4", "5"]
        );
        assert_eq!(
            parse_vary("a=2..10 step 4").unwrap().values,
            vec!["2", "6", "10"]
        );
        assert_eq!(
            parse_vary("a=0.5..1.5 step 0.5").unwrap().values,
            vec!["0.5", "1", "1.5"]
        );
        assert_eq!(
            parse_vary("a=round_robin,random").unwrap().values,
            vec!["round_robin", "random"]
        );
        assert_eq!(
            parse_vary("w.work=[{dist: exponential, mean: 40ms}, {dist: lognormal, mean: 40ms, p99: 200ms}]").unwrap().values,
            vec!["{dist: exponential, mean: 40ms}", "{dist: lognormal, mean: 40ms, p99: 200ms}"]
        );
        assert_eq!(
            parse_vary("a={x: 1, y: 2},3").unwrap().values,
            vec!["{x: 1, y: 2}", "3"]
        );
        assert!(parse_vary("a=[{x: 1]").is_err());
        assert!(parse_vary("a=5..2").is_err());
        assert!(parse_vary("nopath").is_err());
    }

    #[test]
    fn grid_is_every_combination() {
        let a = parse_vary("a=1,2").unwrap();
        let b = parse_vary("b=x,y,z").unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[0],
            vec![("a".into(), "1".into()), ("b".into(), "x".into())]
        );
        assert_eq!(
            g[5],
            vec![("a".into(), "2".into()), ("b".into(), "z".into())]
        );
    }
}

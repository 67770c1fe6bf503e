//! `explain` lists the defaults of every top-level section by its own list of sections; these
//! tests tie that list to the single declaration of the top-level keys (`RawScenario`), so a
//! section whose defaults are documented but never printed fails here.

use crate::scenario::Scenario;
use crate::scenario::defaults;
use crate::scenario::raw::{RawScenario, TOP_LEVEL_KEYS};
use std::path::Path;

/// Every shipped scenario, resolved, with its `explain` text.
fn shipped() -> Vec<(Scenario, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let s = Scenario::from_file(f, &[]).expect("a shipped scenario resolves");
            let text = super::explain(&s);
            (s, text)
        })
        .collect()
}

/// For each documented default of the file itself or of a section of named components,
/// every shipped entry that leaves the key out shows that default under its own title, and
/// each such section is exercised by at least one shipped scenario.
#[test]
fn every_sections_defaults_are_printed_for_entries_that_leave_them_out() {
    let runs = shipped();
    let mut checked: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in defaults::all() {
        let named = RawScenario::has_named_entries(d.section);
        if !(d.section.is_empty() || named) {
            continue;
        }
        assert!(
            d.section.is_empty() || TOP_LEVEL_KEYS.contains(&d.section),
            "`{}`",
            d.section
        );
        let line = format!("    {} = {}: {}\n", d.key, d.value, d.meaning);
        let checked = checked.entry(d.section).or_default();
        for (s, text) in &runs {
            let entries: Vec<(String, &serde_json::Value)> = if named {
                s.document[d.section]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(n, v)| (format!("{}.{n}", d.section), v))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                vec![("scenario".to_string(), &s.document)]
            };
            for (title, entry) in entries {
                if entry.get(d.key).is_some() {
                    continue;
                }
                let heading = format!("  {title}:\n");
                let at = text
                    .find(&heading)
                    .unwrap_or_else(|| panic!("{}: no `{title}` defaults in:\n{text}", s.name));
                let block: String = text[at + heading.len()..]
                    .split_inclusive('\n')
                    .take_while(|l| l.starts_with("    "))
                    .collect();
                assert!(
                    block.contains(&line),
                    "{}: `{title}` does not show `{}`:\n{block}",
                    s.name,
                    d.key
                );
                *checked += 1;
            }
        }
    }
    for (section, n) in checked {
        assert!(
            n > 0,
            "no shipped scenario leaves out a default of `{section}`"
        );
    }
}

//! Reading ALB access log files into a fit: plain text or gzip (as AWS delivers them to S3,
//! detected by the gzip magic number, several members allowed), streamed line by line, so
//! memory stays flat whatever the size of the logs; lines that do not parse are counted by
//! reason with the first example, never fatal.

use crate::alb_log::{self, Malformed};
use crate::classes::{Classes, GroupBy, MAX_KEYS, OTHER};
use crate::rate::PerSecond;
use flate2::read::MultiGzDecoder;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// What a set of log files holds.
#[derive(Clone, Debug)]
pub struct LogFit {
    pub lines: u64,
    pub per_second: PerSecond,
    pub classes: Classes,
    /// With `--by target-group`: each target group's arrivals per second (its own workload;
    /// at most `MAX_KEYS` groups, later ones counted under `other`).
    pub per_group: BTreeMap<String, PerSecond>,
    by: GroupBy,
    /// Lines not read, by reason: how many, and the first one's file and line number.
    pub malformed: BTreeMap<Malformed, (u64, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

impl LogFit {
    pub fn new(by: GroupBy) -> LogFit {
        LogFit {
            lines: 0,
            per_second: PerSecond::default(),
            classes: Classes::new(by),
            per_group: BTreeMap::new(),
            by,
            malformed: BTreeMap::new(),
        }
    }

    /// Lines that were not read.
    pub fn malformed_lines(&self) -> u64 {
        self.malformed.values().map(|m| m.0).sum()
    }

    /// Reads one line (a comment line `#...` or an empty one is skipped, not counted).
    pub fn add_line(&mut self, line: &str, origin: impl FnOnce() -> String) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            return;
        }
        self.lines += 1;
        match alb_log::parse(t) {
            Ok(e) => {
                self.per_second.add(e.arrival_ns);
                self.classes.record(&e);
                if self.by == GroupBy::TargetGroup {
                    let key = if e.target_group.is_empty() {
                        "-"
                    } else {
                        e.target_group
                    };
                    let key = if self.per_group.contains_key(key) || self.per_group.len() < MAX_KEYS
                    {
                        key
                    } else {
                        OTHER
                    };
                    match self.per_group.get_mut(key) {
                        Some(p) => p.add(e.arrival_ns),
                        None => {
                            let mut p = PerSecond::default();
                            p.add(e.arrival_ns);
                            self.per_group.insert(key.to_string(), p);
                        }
                    }
                }
            }
            Err(why) => {
                let m = self.malformed.entry(why).or_insert_with(|| (0, origin()));
                m.0 += 1;
            }
        }
    }

    /// Streams one file (gzip or plain) into the fit.
    pub fn add_file(&mut self, path: &Path) -> Result<(), ReadError> {
        let io = |source| ReadError::Io {
            file: path.display().to_string(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let mut magic = [0u8; 2];
        let n = file.read(&mut magic).map_err(io)?;
        let file = File::open(path).map_err(io)?;
        let reader: Box<dyn BufRead> = if n == 2 && magic == [0x1f, 0x8b] {
            Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(file)))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, file))
        };
        self.add_reader(reader, &path.display().to_string())
            .map_err(io)
    }

    /// Streams lines from `reader`; bytes that are not UTF-8 are replaced, and the line
    /// then counts as malformed if it no longer parses.
    pub fn add_reader(&mut self, mut reader: impl BufRead, name: &str) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(4096);
        let mut number = 0u64;
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                return Ok(());
            }
            number += 1;
            let line = String::from_utf8_lossy(&buf);
            self.add_line(&line, || format!("{name}:{number}"));
        }
    }
}

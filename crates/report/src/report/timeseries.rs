//! `timeseries.csv`: one row per metric period and series: `time_s,series,statistic,value`.
//! Written by the `csv` crate, so a field holding a comma, a quote or a line break is quoted
//! and the file always has four columns per row.

use crate::metrics::TimeSeries;

pub fn timeseries_csv(series: &TimeSeries) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |row: [&str; 4]| w.write_record(row).expect("writing to memory");
    write(["time_s", "series", "statistic", "value"]);
    for (t, name, stat, value) in series.rows() {
        write([&t.to_string(), name, stat.name(), &value.to_string()]);
    }
    let bytes = w.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("the fields are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Statistic;

    #[test]
    fn names_with_commas_quotes_and_newlines_stay_in_one_field() {
        let mut s = TimeSeries::default();
        let id = s.series("g,1\n\"x\"", Statistic::ALL[0]);
        s.push(60.0, id, 1.5);
        let text = timeseries_csv(&s);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("valid CSV")).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][1], "g,1\n\"x\"");
        assert_eq!(rows[0].len(), 4);
    }
}

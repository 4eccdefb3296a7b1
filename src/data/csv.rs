//! CSV exports (SPEC 3.2): one row per fact, columns `metric`, `period`, `value`, optional `kind`, and every
//! other column a dimension (an empty cell is the total).
//!
//! Built for million-row files: rows are read as byte records into one reused buffer, repeated texts (metric
//! ids, members, whole slices) are interned to small numbers, and each row becomes a compact record. Sorting
//! those by a packed integer key finds duplicates and orders the facts, which then go into the data set in one
//! bulk build instead of a million map insertions.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::load::{Loader, PERIOD_HELP, at_origin, duplicate_fact};
use super::number::{NumberError, parse_decimal};
use super::{Fact, FactKey, Kind, Origin, Period, Slice};
use crate::diagnostics::Diagnostic;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

fn fast_map<K, V>() -> FastMap<K, V> {
    HashMap::with_hasher(foldhash::fast::FixedState::default())
}

/// Where the required columns are, and the dimension columns.
struct Columns {
    metric: usize,
    period: usize,
    value: usize,
    kind: Option<usize>,
    /// (column index, dimension id)
    dimensions: Vec<(usize, String)>,
    names: Vec<String>,
}

/// One row, compactly: interned ids instead of texts.
struct Row {
    metric: u32,
    period: Period,
    slice: u32,
    kind: Kind,
    value: Decimal,
    line: u32,
}

/// Texts seen in one column, numbered in order of first appearance; the previous cell is checked first because
/// exports repeat values row after row.
struct Interner {
    ids: FastMap<Box<[u8]>, u32>,
    texts: Vec<String>,
    /// Line and column where each text first appeared.
    first_seen: Vec<(u32, usize)>,
    /// The previous cell's bytes (a reused buffer) and id.
    last: Option<(Vec<u8>, u32)>,
}

impl Interner {
    fn new() -> Self {
        Interner { ids: fast_map(), texts: Vec::new(), first_seen: Vec::new(), last: None }
    }

    /// The id of a cell's text; `Err` with the byte offset of bad UTF-8.
    fn intern(&mut self, cell: &[u8], line: u32, column: usize) -> Result<u32, usize> {
        if let Some((bytes, id)) = &self.last
            && bytes.as_slice() == cell
        {
            return Ok(*id);
        }
        let id = match self.ids.get(cell) {
            Some(id) => *id,
            None => {
                let text = std::str::from_utf8(cell).map_err(|e| e.valid_up_to())?;
                let id = self.texts.len() as u32;
                self.texts.push(text.to_string());
                self.first_seen.push((line, column));
                self.ids.insert(cell.into(), id);
                id
            }
        };
        match &mut self.last {
            Some((bytes, last_id)) => {
                bytes.clear();
                bytes.extend_from_slice(cell);
                *last_id = id;
            }
            None => self.last = Some((cell.to_vec(), id)),
        }
        Ok(id)
    }
}

/// Line numbers of records. The `csv` crate's own line count is off for CRLF files and blank lines, and its
/// record byte offset is where the previous record ended; so the line is counted here, from the first byte
/// after the line ends at that offset. Offsets only grow, so the whole file is scanned once.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter { bytes, offset: 0, line: 1 }
    }

    fn line_at(&mut self, record_offset: u64) -> u32 {
        let mut start = usize::try_from(record_offset).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.offset {
            let newlines = self.bytes[self.offset..start].iter().filter(|b| **b == b'\n').count();
            self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.offset = start;
        }
        self.line
    }

    fn line_of(&mut self, record: &::csv::ByteRecord) -> u32 {
        self.line_at(record.position().map_or(0, |p| p.byte()))
    }
}

pub(super) fn load_csv(loader: &mut Loader, name: &str, bytes: &[u8]) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = LineCounter::new(bytes);
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = ::csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            loader.error(
                Diagnostic::error("data/invalid", format!("`{name}` is empty"))
                    .in_file(name)
                    .with_help("the first row names the columns: metric,period,value and any dimensions"),
            );
            return;
        }
        Err(error) => {
            loader.error(csv_error(name, &error, &mut lines));
            return;
        }
    }
    let header_line = lines.line_of(&record);
    let Some(columns) = header(loader, name, &record, header_line) else { return };
    let mut reading = Reading::new(name, columns);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let line = lines.line_of(&record);
                reading.row(loader, &record, line);
            }
            Ok(false) => break,
            Err(error) => {
                loader.error(csv_error(name, &error, &mut lines));
                break;
            }
        }
    }
    reading.finish(loader);
}

fn csv_error(name: &str, error: &::csv::Error, lines: &mut LineCounter<'_>) -> Diagnostic {
    let line = error.position().map_or(0, |p| lines.line_at(p.byte()) as usize);
    let mut diagnostic = Diagnostic::error("data/syntax", format!("invalid CSV: {error}")).in_file(name);
    diagnostic.line = line;
    diagnostic.column = usize::from(line > 0);
    diagnostic.with_help("fix the CSV syntax at this place")
}

fn header(loader: &mut Loader, name: &str, record: &::csv::ByteRecord, line: u32) -> Option<Columns> {
    let line = line as usize;
    let at = |column: usize, message: String| {
        let mut diagnostic = Diagnostic::error("data/invalid", message).in_file(name);
        diagnostic.line = line;
        diagnostic.column = column;
        diagnostic.end_line = line;
        diagnostic.end_column = column;
        diagnostic
    };
    let mut names = Vec::with_capacity(record.len());
    let mut ok = true;
    for (index, cell) in record.iter().enumerate() {
        match std::str::from_utf8(cell.trim_ascii()) {
            Ok(text) => names.push(text.to_string()),
            Err(_) => {
                let message = format!("column {} of the header is not valid UTF-8", index + 1);
                loader.error(at(index + 1, message).with_help("save the file as UTF-8"));
                names.push(String::new());
                ok = false;
            }
        }
    }
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let (metric, period, value, kind) = (find("metric"), find("period"), find("value"), find("kind"));
    for (required, found) in [("metric", metric), ("period", period), ("value", value)] {
        if found.is_none() {
            let message = format!("`{name}` has no `{required}` column");
            let help = "the first row names the columns: metric,period,value, optionally kind, then dimensions";
            loader.error(at(1, message).with_help(help));
            ok = false;
        }
    }
    let mut dimensions = Vec::new();
    for (index, column) in names.iter().enumerate() {
        if [metric, period, value, kind].contains(&Some(index)) {
            continue;
        }
        if names[..index].contains(column) {
            loader.error(at(index + 1, format!("column `{column}` appears twice in the header")));
            ok = false;
        } else if column.is_empty() {
            let help = "every column needs a name; a column other than metric, period, value and kind is a dimension";
            loader.error(at(index + 1, format!("column {} has no name", index + 1)).with_help(help));
            ok = false;
        } else {
            dimensions.push((index, column.clone()));
        }
    }
    let (Some(metric), Some(period), Some(value), true) = (metric, period, value, ok) else { return None };
    Some(Columns { metric, period, value, kind, dimensions, names })
}

/// The state of reading one file's rows.
struct Reading<'a> {
    name: &'a str,
    columns: Columns,
    metrics: Interner,
    /// One interner per dimension column.
    members: Vec<Interner>,
    /// Interned slices: (dimension position, member id) pairs → slice id.
    slice_ids: FastMap<Box<[(u32, u32)]>, u32>,
    slices: Vec<Box<[(u32, u32)]>>,
    slice_buffer: Vec<(u32, u32)>,
    rows: Vec<Row>,
}

impl<'a> Reading<'a> {
    fn new(name: &'a str, columns: Columns) -> Self {
        let members = columns.dimensions.iter().map(|_| Interner::new()).collect();
        let mut slice_ids = fast_map();
        // Slice 0 is the total (no filters).
        slice_ids.insert(Box::default(), 0);
        Reading {
            name,
            columns,
            metrics: Interner::new(),
            members,
            slice_ids,
            slices: vec![Box::default()],
            slice_buffer: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn report(&self, loader: &mut Loader, rule: &str, line: u32, column: usize, message: String, help: &str) {
        if loader.error_limit_reached() {
            // Past the limit the errors are only counted; a huge broken file costs no more than a good one.
            loader.suppress_one();
            return;
        }
        let origin = Origin { file: self.name.to_string(), line: line as usize, column };
        loader.error(at_origin(Diagnostic::error(rule, message), &origin).with_help(help));
    }

    fn cell_name(&self, column: usize) -> &str {
        self.columns.names.get(column).map_or("", String::as_str)
    }

    fn bad_utf8(&self, loader: &mut Loader, line: u32, column: usize) {
        let message = format!("row {line}, column {} ({}) is not valid UTF-8", column + 1, self.cell_name(column));
        self.report(loader, "data/syntax", line, column + 1, message, "save the file as UTF-8");
    }

    fn row(&mut self, loader: &mut Loader, record: &::csv::ByteRecord, line: u32) {
        if record.len() != self.columns.names.len() {
            // A lone empty line is no row at all.
            if record.len() == 1 && record[0].is_empty() {
                return;
            }
            let message = format!("row has {} fields but the header has {}", record.len(), self.columns.names.len());
            let help = "every row needs one field per header column; quote fields that contain commas";
            self.report(loader, "data/syntax", line, 1, message, help);
            return;
        }
        let cell = |column: usize| record.get(column).unwrap_or_default().trim_ascii();
        let metric_column = self.columns.metric;
        let metric_cell = cell(metric_column);
        if metric_cell.is_empty() {
            let help = "name the metric on every row";
            self.report(loader, "data/invalid", line, metric_column + 1, "the metric is empty".into(), help);
            return;
        }
        let metric = match self.metrics.intern(metric_cell, line, metric_column + 1) {
            Ok(id) => id,
            Err(_) => return self.bad_utf8(loader, line, metric_column),
        };
        let Some(period) = self.period(loader, cell(self.columns.period), line) else { return };
        let Some(kind) = self.kind(loader, record, line) else { return };
        let Some(slice) = self.slice(loader, record, line) else { return };
        let value_column = self.columns.value;
        let value = match parse_decimal(cell(value_column)) {
            Ok(value) => value,
            Err(error) => return self.bad_value(loader, cell(value_column), error, line),
        };
        self.rows.push(Row { metric, period, slice, kind, value, line });
    }

    fn period(&self, loader: &mut Loader, cell: &[u8], line: u32) -> Option<Period> {
        let column = self.columns.period;
        let Ok(text) = std::str::from_utf8(cell) else {
            self.bad_utf8(loader, line, column);
            return None;
        };
        let period = Period::parse(text);
        if period.is_none() {
            let message = format!("row {line}, column {} (period): `{text}` is not a period", column + 1);
            self.report(loader, "data/bad-period", line, column + 1, message, PERIOD_HELP);
        }
        period
    }

    fn kind(&self, loader: &mut Loader, record: &::csv::ByteRecord, line: u32) -> Option<Kind> {
        let Some(column) = self.columns.kind else { return Some(Kind::Actual) };
        let cell = record.get(column).unwrap_or_default().trim_ascii();
        let kind = match cell.to_ascii_lowercase().as_slice() {
            b"" | b"actual" => Some(Kind::Actual),
            b"target" => Some(Kind::Target),
            b"standard" => Some(Kind::Standard),
            _ => None,
        };
        if kind.is_none() {
            let text = String::from_utf8_lossy(cell);
            let message = format!("row {line}, column {} (kind): `{text}` is not a kind", column + 1);
            let help = "kind is actual (or empty), target or standard";
            self.report(loader, "data/invalid", line, column + 1, message, help);
        }
        kind
    }

    /// The row's slice id: its non-empty dimension cells, interned.
    fn slice(&mut self, loader: &mut Loader, record: &::csv::ByteRecord, line: u32) -> Option<u32> {
        self.slice_buffer.clear();
        for (position, (column, _)) in self.columns.dimensions.iter().enumerate() {
            let cell = record.get(*column).unwrap_or_default().trim_ascii();
            if cell.is_empty() {
                continue;
            }
            match self.members[position].intern(cell, line, column + 1) {
                Ok(member) => self.slice_buffer.push((position as u32, member)),
                Err(_) => {
                    self.bad_utf8(loader, line, *column);
                    return None;
                }
            }
        }
        if let Some(id) = self.slice_ids.get(self.slice_buffer.as_slice()) {
            return Some(*id);
        }
        let id = self.slices.len() as u32;
        let slice: Box<[(u32, u32)]> = self.slice_buffer.as_slice().into();
        self.slices.push(slice.clone());
        self.slice_ids.insert(slice, id);
        Some(id)
    }

    fn bad_value(&self, loader: &mut Loader, cell: &[u8], error: NumberError, line: u32) {
        let column = self.columns.value;
        let text = String::from_utf8_lossy(cell);
        let why = match error {
            NumberError::OutOfRange => "is too large for a decimal value".to_string(),
            NumberError::Syntax if cell.is_empty() => "is empty".to_string(),
            NumberError::Syntax => format!("`{text}` is not a plain decimal number"),
        };
        let message = format!("row {line}, column {} ({}): the value {why}", column + 1, self.cell_name(column));
        let help = "write plain numbers such as 9800000 or -1.25e3: no thousands separators, currency signs or %";
        self.report(loader, "data/bad-value", line, column + 1, message, help);
    }

    /// Orders the rows, reports duplicates, and hands the facts to the loader.
    fn finish(self, loader: &mut Loader) {
        let Reading { name, columns, metrics, members, slices, rows, .. } = self;
        let dimension_ids: Vec<&str> = columns.dimensions.iter().map(|(_, id)| id.as_str()).collect();
        // Members first seen here join the data set's dimensions (in the order the file names them).
        for (position, interner) in members.iter().enumerate() {
            for (member, (line, column)) in interner.texts.iter().zip(&interner.first_seen) {
                let origin = Origin { file: name.to_string(), line: *line as usize, column: *column };
                loader.use_member(dimension_ids[position], member, &origin);
            }
        }
        for (metric, (line, column)) in metrics.texts.iter().zip(&metrics.first_seen) {
            if !loader.first_named.contains_key(metric) {
                let origin = Origin { file: name.to_string(), line: *line as usize, column: *column };
                loader.first_named.insert(metric.clone(), origin);
            }
        }
        let full_slices: Vec<Slice> = slices
            .iter()
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|(dim, member)| {
                        (dimension_ids[*dim as usize].to_string(), members[*dim as usize].texts[*member as usize].clone())
                    })
                    .collect()
            })
            .collect();
        let metric_rank = ranks(&metrics.texts);
        let slice_rank = ranks(&full_slices);
        // A key that sorts like FactKey (metric, period, slice, kind), then by row, packed into one integer:
        // metric rank 32 bits | period 20 | slice rank 32 | kind 2 | row index 32.
        let mut keys: Vec<u128> = rows
            .iter()
            .enumerate()
            .map(|(index, row)| {
                (u128::from(metric_rank[row.metric as usize]) << 86)
                    | (u128::from(period_code(row.period)) << 66)
                    | (u128::from(slice_rank[row.slice as usize]) << 34)
                    | ((row.kind as u128) << 32)
                    | index as u128
            })
            .collect();
        keys.sort_unstable();
        let origin = |row: &Row| Origin { file: name.to_string(), line: row.line as usize, column: columns.value + 1 };
        let fact_key = |row: &Row| FactKey {
            metric: metrics.texts[row.metric as usize].clone(),
            period: row.period,
            slice: full_slices[row.slice as usize].clone(),
            kind: row.kind,
        };
        let mut facts = Vec::with_capacity(keys.len());
        let mut previous: Option<u128> = None;
        for key in keys {
            let row = &rows[(key & 0xFFFF_FFFF) as usize];
            if let Some(previous) = previous
                && previous >> 32 == key >> 32
            {
                let first = &rows[(previous & 0xFFFF_FFFF) as usize];
                loader.error(duplicate_fact(&fact_key(row), &origin(first), &origin(row)));
                continue;
            }
            previous = Some(key);
            facts.push((fact_key(row), Fact { value: row.value, origin: origin(row) }));
        }
        debug_assert!(facts.is_sorted_by(|a, b| a.0 < b.0), "packed keys must sort like FactKey");
        loader.add_sorted_facts(facts);
    }
}

/// Each item's position in sorted order.
fn ranks<T: Ord>(items: &[T]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_unstable_by(|a, b| items[*a as usize].cmp(&items[*b as usize]));
    let mut rank = vec![0; items.len()];
    for (position, index) in order.into_iter().enumerate() {
        rank[index as usize] = position as u32;
    }
    rank
}

/// A 20-bit number that orders periods as `Period`'s derived `Ord` does (variant, then year, then index).
fn period_code(period: Period) -> u32 {
    let variant = match period {
        Period::Year(_) => 0,
        Period::Half(..) => 1,
        Period::Quarter(..) => 2,
        Period::Month(..) => 3,
    };
    // Years are 1000–9999 (14 bits), indexes 1–12 (4 bits).
    (variant << 18) | ((period.year() as u32 & 0x3FFF) << 4) | u32::from(period.index() & 0xF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_codes_order_like_periods() {
        let mut periods = vec![
            Period::Month(2023, 12),
            Period::Year(2024),
            Period::Quarter(2023, 4),
            Period::Half(2022, 2),
            Period::Year(2023),
            Period::Month(2023, 2),
            Period::Quarter(2024, 1),
        ];
        let mut by_code = periods.clone();
        periods.sort();
        by_code.sort_by_key(|p| period_code(*p));
        assert_eq!(periods, by_code);
    }

    #[test]
    fn line_counter_skips_line_ends() {
        let text = b"a,b\r\nc,d\r\n\r\ne,f\r\n";
        let mut lines = LineCounter::new(text);
        assert_eq!(lines.line_at(0), 1);
        // csv reports the second record at byte 4 (the `\n` of the first line end).
        assert_eq!(lines.line_at(4), 2);
        assert_eq!(lines.line_at(9), 4);
    }

    #[test]
    fn ranks_follow_sort_order() {
        assert_eq!(ranks(&["b", "a", "c"]), [1, 0, 2]);
    }

    #[test]
    fn interner_reuses_ids() {
        let mut interner = Interner::new();
        assert_eq!(interner.intern(b"east", 2, 3), Ok(0));
        assert_eq!(interner.intern(b"west", 3, 3), Ok(1));
        assert_eq!(interner.intern(b"east", 4, 3), Ok(0));
        assert_eq!(interner.intern(b"\xff", 5, 3), Err(0));
        assert_eq!(interner.first_seen, [(2, 3), (3, 3)]);
    }
}

//! CSV exports (SPEC 3.2): one row per fact, columns `metric`, `period`, `value`, optional `kind`, and every
//! other column a dimension (an empty cell is the total).
//!
//! Built for million-row files: rows are read as byte records into one reused buffer, repeated texts (metric
//! ids, members, whole slices) are interned to small numbers across all CSV files of a load, and each row
//! becomes a compact record. At the end the records are sorted by one packed integer key, which finds
//! duplicates and yields the [`FactTable`] directly.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::load::{Loader, MAX_ERRORS_PER_FILE, PERIOD_HELP, at_origin, duplicate_fact};
use super::number::{NumberError, parse_decimal};
use super::table::{FactTable, RowKey, TableRows};
use super::{Kind, Origin, Period, Slice};
use crate::diagnostics::Diagnostic;

/// A hash map with a fast, fixed (deterministic) hasher: the keys are the file's own short texts.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Where a text was first seen: file index, line, 1-based column.
type Place = (u32, u32, usize);

/// Texts of one kind (metric ids, or one dimension's members), numbered in order of first appearance; the
/// previous cell's text is checked first because exports repeat values row after row.
#[derive(Default)]
struct Interner {
    ids: FastMap<Box<[u8]>, u32>,
    texts: Vec<String>,
    first_seen: Vec<Place>,
    /// The previous cell's id.
    last: Option<u32>,
}

/// Byte equality, inlined for the short texts of CSV cells (a `memcmp` call costs more than it saves here).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 32 {
        return a == b;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

impl Interner {
    /// The id of a cell's text; `Err` when the cell is not UTF-8.
    #[inline]
    fn intern(&mut self, cell: &[u8], place: Place) -> Result<u32, ()> {
        if let Some(id) = self.last
            && same_bytes(self.texts[id as usize].as_bytes(), cell)
        {
            return Ok(id);
        }
        let id = match self.ids.get(cell) {
            Some(id) => *id,
            None => {
                let text = std::str::from_utf8(cell).map_err(|_| ())?;
                let id = self.texts.len() as u32;
                self.texts.push(text.to_string());
                self.first_seen.push(place);
                self.ids.insert(cell.into(), id);
                id
            }
        };
        self.last = Some(id);
        Ok(id)
    }
}

/// Interned texts and compact rows: of one stretch of a file while it is read (dimensions numbered by
/// column), and of all CSV files of a load (dimensions numbered globally).
#[derive(Default)]
struct Store {
    metrics: Interner,
    /// One interner per dimension.
    members: Vec<Interner>,
    /// Slices as (dimension, member) id pairs, sorted → slice id; slice 0 is the total.
    slice_ids: FastMap<Box<[(u32, u32)]>, u32>,
    slices: Vec<Box<[(u32, u32)]>>,
    /// The common case of one filter, without hashing: per dimension, member id → slice id.
    single: Vec<Vec<u32>>,
    /// Per row, in file order: the interned key, the value and the line.
    keys: Vec<RowKey>,
    values: Vec<Decimal>,
    lines: Vec<u32>,
    /// (first row, file) of each run of rows from one file.
    file_runs: Vec<(u32, u32)>,
}

impl Store {
    fn with_dimensions(count: usize, file: u32) -> Store {
        let mut store = Store { file_runs: vec![(0, file)], ..Store::default() };
        store.members.resize_with(count, Interner::default);
        store.single.resize_with(count, Vec::new);
        store
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.metrics.texts.is_empty() && self.slices.len() <= 1
    }

    fn slice_id(&mut self, pairs: &[(u32, u32)]) -> u32 {
        if self.slices.is_empty() {
            self.slices.push(Box::default());
            self.slice_ids.insert(Box::default(), 0);
        }
        if let [(dimension, member)] = pairs
            && let Some(&id) = self.single[*dimension as usize].get(*member as usize).filter(|id| **id != u32::MAX)
        {
            return id;
        }
        let id = match self.slice_ids.get(pairs) {
            Some(id) => *id,
            None => {
                let id = self.slices.len() as u32;
                self.slices.push(pairs.into());
                self.slice_ids.insert(pairs.into(), id);
                id
            }
        };
        if let [(dimension, member)] = pairs {
            let single = &mut self.single[*dimension as usize];
            if single.len() <= *member as usize {
                single.resize(*member as usize + 1, u32::MAX);
            }
            single[*member as usize] = id;
        }
        id
    }

    /// Adds a stretch's rows, renumbering its texts and slices into this store; `dimensions` maps the
    /// stretch's dimension numbers (columns) to this store's.
    fn absorb(&mut self, chunk: Store, dimensions: &[u32]) {
        let identity = dimensions.iter().enumerate().all(|(i, d)| *d as usize == i);
        if self.is_empty() && identity && self.members.len() == dimensions.len() {
            // The first stretch of the first file: its numbers are already this store's.
            *self = chunk;
            return;
        }
        let metric_ids: Vec<u32> = chunk
            .metrics
            .texts
            .iter()
            .zip(&chunk.metrics.first_seen)
            .map(|(text, place)| self.metrics.intern(text.as_bytes(), *place).unwrap_or(0))
            .collect();
        let member_ids: Vec<Vec<u32>> = chunk
            .members
            .iter()
            .zip(dimensions)
            .map(|(interner, dimension)| {
                let target = &mut self.members[*dimension as usize];
                interner
                    .texts
                    .iter()
                    .zip(&interner.first_seen)
                    .map(|(t, p)| target.intern(t.as_bytes(), *p).unwrap_or(0))
                    .collect()
            })
            .collect();
        let mut pairs = Vec::new();
        let slice_ids: Vec<u32> = chunk
            .slices
            .iter()
            .map(|slice| {
                pairs.clear();
                pairs
                    .extend(slice.iter().map(|(d, m)| (dimensions[*d as usize], member_ids[*d as usize][*m as usize])));
                pairs.sort_unstable();
                self.slice_id(&pairs)
            })
            .collect();
        let offset = self.keys.len() as u32;
        self.file_runs.extend(chunk.file_runs.iter().map(|(start, file)| (start + offset, *file)));
        self.keys.extend(chunk.keys.iter().map(|key| RowKey {
            metric: metric_ids[key.metric as usize],
            slice: slice_ids[key.slice as usize],
            ..*key
        }));
        self.values.extend_from_slice(&chunk.values);
        self.lines.extend_from_slice(&chunk.lines);
    }
}

/// The rows of every CSV file of a load, interned together so that facts can be compared across files.
#[derive(Default)]
pub(crate) struct CsvRows {
    dimension_ids: Vec<String>,
    store: Store,
    /// Each file and the 1-based column of its values.
    files: Vec<(String, usize)>,
}

impl CsvRows {
    fn dimension(&mut self, id: &str) -> u32 {
        if let Some(index) = self.dimension_ids.iter().position(|d| d == id) {
            return index as u32;
        }
        self.dimension_ids.push(id.to_string());
        self.store.members.push(Interner::default());
        self.store.single.push(Vec::new());
        (self.dimension_ids.len() - 1) as u32
    }

    /// Sorts the rows into a [`FactTable`], reporting duplicates, and tells the loader about members and
    /// metrics first named here. `narrow_bits`: see [`FactTable::build`].
    pub(crate) fn into_table(self, loader: &mut Loader, narrow_bits: u32) -> FactTable {
        let CsvRows { dimension_ids, store, files } = self;
        let Store { metrics, members, slices, mut keys, values, lines, file_runs, .. } = store;
        let origin_of = |(file, line, column): Place| Origin {
            file: files.get(file as usize).map(|f| f.0.clone()).unwrap_or_default(),
            line: line as usize,
            column,
        };
        for (dimension, interner) in dimension_ids.iter().zip(&members) {
            for (member, place) in interner.texts.iter().zip(&interner.first_seen) {
                loader.use_member(dimension, member, &origin_of(*place));
            }
        }
        for (metric, place) in metrics.texts.iter().zip(&metrics.first_seen) {
            loader.first_named.entry(metric.clone()).or_insert_with(|| origin_of(*place));
        }
        // Only slices some row uses (the total is always interned, but may have no row).
        let mut used = vec![false; slices.len()];
        for key in &keys {
            used[key.slice as usize] = true;
        }
        let full_slices: Vec<(usize, Slice)> = slices
            .iter()
            .enumerate()
            .filter(|(id, _)| used[*id])
            .map(|(id, pairs)| {
                let slice = pairs
                    .iter()
                    .map(|(d, m)| (dimension_ids[*d as usize].clone(), members[*d as usize].texts[*m as usize].clone()))
                    .collect();
                (id, slice)
            })
            .collect();
        let (ids, full_slices): (Vec<usize>, Vec<Slice>) = full_slices.into_iter().unzip();
        let (sorted_slices, kept_rank) = sorted_with_ranks(full_slices);
        let mut slice_rank = vec![0u32; slices.len()];
        for (id, rank) in ids.iter().zip(kept_rank) {
            slice_rank[*id] = rank;
        }
        let (sorted_metrics, metric_rank) = sorted_with_ranks(metrics.texts);
        for key in &mut keys {
            key.metric = metric_rank[key.metric as usize];
            key.slice = slice_rank[key.slice as usize];
        }
        let rows = TableRows { metrics: sorted_metrics, slices: sorted_slices, files, keys, values, lines, file_runs };
        let (table, duplicates) = FactTable::build(rows, narrow_bits);
        for (key, first, later) in duplicates {
            loader.error(duplicate_fact(&key, &first, &later));
        }
        table
    }
}

/// The items sorted, and each original item's rank in that order.
fn sorted_with_ranks<T: Ord>(items: Vec<T>) -> (Vec<T>, Vec<u32>) {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_unstable_by(|a, b| items[*a as usize].cmp(&items[*b as usize]));
    let mut rank = vec![0; items.len()];
    for (position, index) in order.iter().enumerate() {
        rank[*index as usize] = position as u32;
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let sorted = order.iter().filter_map(|index| slots[*index as usize].take()).collect();
    (sorted, rank)
}

/// Line numbers of records. The `csv` crate's own line count is off for CRLF files and blank lines, and its
/// record byte offset is where the previous record ended; so the line is counted here, from the first byte
/// after the line ends at that offset. Offsets only grow, so the text is scanned once.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    /// Counts the lines of `bytes`, whose first byte is on line `first_line`.
    fn new(bytes: &'a [u8], first_line: u32) -> Self {
        LineCounter { bytes, offset: 0, line: first_line }
    }

    fn line_at(&mut self, record_offset: u64) -> u32 {
        let mut start = usize::try_from(record_offset).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.offset {
            // A branch-free count that vectorizes (even with overflow checks on, which would stop `count`).
            let newlines =
                self.bytes[self.offset..start].iter().map(|b| usize::from(*b == b'\n')).fold(0, usize::wrapping_add);
            self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.offset = start;
        }
        self.line
    }

    fn line_of(&mut self, record: &::csv::ByteRecord) -> u32 {
        self.line_at(record.position().map_or(0, |p| p.byte()))
    }
}

/// Files at least this large are read by two threads, one half each (when no field is quoted, so that every
/// line end ends a row).
const PARALLEL_BYTES: usize = 1 << 20;

pub(super) fn load_csv(loader: &mut Loader, name: &str, bytes: &[u8]) {
    let mut rows = std::mem::take(&mut loader.csv);
    read_file(loader, &mut rows, name, bytes);
    loader.csv = rows;
}

fn read_file(loader: &mut Loader, rows: &mut CsvRows, name: &str, bytes: &[u8]) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = LineCounter::new(bytes, 1);
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
    let file = rows.files.len() as u32;
    rows.files.push((name.to_string(), columns.value + 1));
    let dimensions: Vec<u32> = columns.dimensions.iter().map(|(_, id)| rows.dimension(id)).collect();
    let body_start = usize::try_from(reader.position().byte()).unwrap_or(bytes.len()).min(bytes.len());
    let body_line = 1 + newlines(&bytes[..body_start]);
    let body = &bytes[body_start..];
    let reading = Reading::new(name, file, &columns);
    let chunks = match split_point(body) {
        Some(split) => {
            let (first, second) = body.split_at(split);
            let second_line = body_line + newlines(first);
            std::thread::scope(|scope| {
                let worker = scope.spawn(|| reading.read(second, second_line, 0));
                // The first half's rows take in the second's afterwards: room for all of them saves a copy.
                let first = reading.read(first, body_line, newlines(body) as usize + 1);
                // A worker that failed to run leaves its half to this thread.
                let second = worker.join().unwrap_or_else(|_| reading.read(second, second_line, 0));
                vec![first, second]
            })
        }
        None => vec![reading.read(body, body_line, 0)],
    };
    for chunk in chunks {
        for error in chunk.errors {
            loader.error(error);
        }
        for _ in 0..chunk.suppressed {
            loader.suppress_one();
        }
        rows.store.absorb(chunk.store, &dimensions);
    }
}

fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

/// Where to cut a large body in two: after the first line end past the middle. `None` for small bodies, for
/// bodies with quotes (a quoted field may span lines) and on one-core machines.
fn split_point(body: &[u8]) -> Option<usize> {
    if body.len() < PARALLEL_BYTES || memchr::memchr(b'"', body).is_some() {
        return None;
    }
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return None;
    }
    let middle = body.len() / 2;
    let cut = middle + memchr::memchr(b'\n', &body[middle..])? + 1;
    (cut < body.len()).then_some(cut)
}

fn csv_error(name: &str, error: &::csv::Error, lines: &mut LineCounter<'_>) -> Diagnostic {
    let line = error.position().map_or(0, |p| lines.line_at(p.byte()) as usize);
    let mut diagnostic = Diagnostic::error("data/syntax", format!("invalid CSV: {error}")).in_file(name);
    diagnostic.line = line;
    diagnostic.column = usize::from(line > 0);
    diagnostic.with_help("fix the CSV syntax at this place")
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

/// How to read the rows of one file: shared, read-only, by both threads.
struct Reading<'a> {
    name: &'a str,
    file: u32,
    columns: &'a Columns,
}

/// What reading a stretch of rows yields.
struct Chunk {
    store: Store,
    errors: Vec<Diagnostic>,
    /// Errors past the per-file limit, counted only.
    suppressed: usize,
}

/// The mutable state of reading one stretch.
struct ChunkReader<'a> {
    reading: &'a Reading<'a>,
    chunk: Chunk,
    /// A reused buffer for the row's (dimension, member) pairs.
    pairs: Vec<(u32, u32)>,
    /// Exports repeat the period row after row: the previous cell and its period.
    last_period: Option<(Vec<u8>, Period)>,
}

impl<'a> Reading<'a> {
    fn new(name: &'a str, file: u32, columns: &'a Columns) -> Self {
        Reading { name, file, columns }
    }

    /// Reads the rows of `bytes` (whole lines, the first on line `first_line`), with room for at least
    /// `capacity` rows.
    fn read(&self, bytes: &[u8], first_line: u32, capacity: usize) -> Chunk {
        let mut store = Store::with_dimensions(self.columns.dimensions.len(), self.file);
        // One row a line, give or take: reserving once saves copying growing vectors of a million rows.
        let rows = capacity.max(newlines(bytes) as usize + 1);
        store.keys.reserve(rows);
        store.values.reserve(rows);
        store.lines.reserve(rows);
        let chunk = Chunk { store, errors: Vec::new(), suppressed: 0 };
        let mut state = ChunkReader { reading: self, chunk, pairs: Vec::new(), last_period: None };
        let mut lines = LineCounter::new(bytes, first_line);
        let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut record = ::csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    let line = lines.line_of(&record);
                    state.row(&record, line);
                }
                Ok(false) => break,
                Err(error) => {
                    state.chunk.errors.push(csv_error(self.name, &error, &mut lines));
                    break;
                }
            }
        }
        state.chunk
    }
}

impl ChunkReader<'_> {
    fn report(&mut self, rule: &str, line: u32, column: usize, message: impl FnOnce() -> String, help: &str) {
        if self.chunk.errors.len() >= MAX_ERRORS_PER_FILE {
            // Past the limit the errors are only counted; a huge broken file costs no more than a good one.
            self.chunk.suppressed += 1;
            return;
        }
        let origin = Origin { file: self.reading.name.to_string(), line: line as usize, column };
        self.chunk.errors.push(at_origin(Diagnostic::error(rule, message()), &origin).with_help(help));
    }

    fn cell_name(&self, column: usize) -> String {
        self.reading.columns.names.get(column).cloned().unwrap_or_default()
    }

    fn bad_utf8(&mut self, line: u32, column: usize) {
        let name = self.cell_name(column);
        let message = || format!("row {line}, column {} ({name}) is not valid UTF-8", column + 1);
        self.report("data/syntax", line, column + 1, message, "save the file as UTF-8");
    }

    fn row(&mut self, record: &::csv::ByteRecord, line: u32) {
        let columns = self.reading.columns;
        if record.len() != columns.names.len() {
            // A lone empty line is no row at all.
            if record.len() == 1 && record[0].is_empty() {
                return;
            }
            let expected = columns.names.len();
            let message = || format!("row has {} fields but the header has {expected}", record.len());
            let help = "every row needs one field per header column; quote fields that contain commas";
            self.report("data/syntax", line, 1, message, help);
            return;
        }
        let cell = |column: usize| record.get(column).unwrap_or_default().trim_ascii();
        let metric_cell = cell(columns.metric);
        if metric_cell.is_empty() {
            let help = "name the metric on every row";
            self.report("data/invalid", line, columns.metric + 1, || "the metric is empty".into(), help);
            return;
        }
        let place = (self.reading.file, line, columns.metric + 1);
        let Ok(metric) = self.chunk.store.metrics.intern(metric_cell, place) else {
            return self.bad_utf8(line, columns.metric);
        };
        let Some(period) = self.period(cell(columns.period), line) else { return };
        let Some(kind) = self.kind(record, line) else { return };
        let Some(slice) = self.slice(record, line) else { return };
        let value = match parse_decimal(cell(columns.value)) {
            Ok(value) => value,
            Err(error) => return self.bad_value(cell(columns.value), error, line),
        };
        let store = &mut self.chunk.store;
        store.keys.push(RowKey::new(metric, period, slice, kind));
        store.values.push(value);
        store.lines.push(line);
    }

    fn period(&mut self, cell: &[u8], line: u32) -> Option<Period> {
        if let Some((bytes, period)) = &self.last_period
            && same_bytes(bytes, cell)
        {
            return Some(*period);
        }
        let column = self.reading.columns.period;
        let Ok(text) = std::str::from_utf8(cell) else {
            self.bad_utf8(line, column);
            return None;
        };
        let Some(period) = Period::parse(text) else {
            let message = || format!("row {line}, column {} (period): `{text}` is not a period", column + 1);
            self.report("data/bad-period", line, column + 1, message, PERIOD_HELP);
            return None;
        };
        match &mut self.last_period {
            Some((bytes, last)) => {
                bytes.clear();
                bytes.extend_from_slice(cell);
                *last = period;
            }
            None => self.last_period = Some((cell.to_vec(), period)),
        }
        Some(period)
    }

    fn kind(&mut self, record: &::csv::ByteRecord, line: u32) -> Option<Kind> {
        let Some(column) = self.reading.columns.kind else { return Some(Kind::Actual) };
        let cell = record.get(column).unwrap_or_default().trim_ascii();
        let kind = if cell.is_empty() || cell.eq_ignore_ascii_case(b"actual") {
            Some(Kind::Actual)
        } else if cell.eq_ignore_ascii_case(b"target") {
            Some(Kind::Target)
        } else if cell.eq_ignore_ascii_case(b"standard") {
            Some(Kind::Standard)
        } else {
            None
        };
        if kind.is_none() {
            let text = String::from_utf8_lossy(cell);
            let message = || format!("row {line}, column {} (kind): `{text}` is not a kind", column + 1);
            let help = "kind is actual (or empty), target or standard";
            self.report("data/invalid", line, column + 1, message, help);
        }
        kind
    }

    /// The row's slice id: its non-empty dimension cells, interned.
    fn slice(&mut self, record: &::csv::ByteRecord, line: u32) -> Option<u32> {
        self.pairs.clear();
        for (position, (column, _)) in self.reading.columns.dimensions.iter().enumerate() {
            let cell = record.get(*column).unwrap_or_default().trim_ascii();
            if cell.is_empty() {
                continue;
            }
            let place = (self.reading.file, line, column + 1);
            match self.chunk.store.members[position].intern(cell, place) {
                Ok(member) => self.pairs.push((position as u32, member)),
                Err(()) => {
                    self.bad_utf8(line, *column);
                    return None;
                }
            }
        }
        Some(self.chunk.store.slice_id(&self.pairs))
    }

    fn bad_value(&mut self, cell: &[u8], error: NumberError, line: u32) {
        let column = self.reading.columns.value;
        let name = self.cell_name(column);
        let text = String::from_utf8_lossy(cell);
        let why = match error {
            NumberError::OutOfRange => "is too large for a decimal value".to_string(),
            NumberError::Syntax if cell.is_empty() => "is empty".to_string(),
            NumberError::Syntax => format!("`{text}` is not a plain decimal number"),
        };
        let message = || format!("row {line}, column {} ({name}): the value {why}", column + 1);
        let help = "write plain numbers such as 9800000 or -1.25e3: no thousands separators, currency signs or %";
        self.report("data/bad-value", line, column + 1, message, help);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_skips_line_ends() {
        let text = b"a,b\r\nc,d\r\n\r\ne,f\r\n";
        let mut lines = LineCounter::new(text, 1);
        assert_eq!(lines.line_at(0), 1);
        // csv reports the second record at byte 4 (the `\n` of the first line end).
        assert_eq!(lines.line_at(4), 2);
        assert_eq!(lines.line_at(9), 4);
    }

    #[test]
    fn ranks_follow_sort_order() {
        let (sorted, ranks) = sorted_with_ranks(vec!["b", "a", "c"]);
        assert_eq!(sorted, ["a", "b", "c"]);
        assert_eq!(ranks, [1, 0, 2]);
    }

    #[test]
    fn interner_reuses_ids() {
        let mut interner = Interner::default();
        assert_eq!(interner.intern(b"east", (0, 2, 3)), Ok(0));
        assert_eq!(interner.intern(b"west", (0, 3, 3)), Ok(1));
        assert_eq!(interner.intern(b"east", (0, 4, 3)), Ok(0));
        assert_eq!(interner.intern(b"\xff", (0, 5, 3)), Err(()));
        assert_eq!(interner.first_seen, [(0, 2, 3), (0, 3, 3)]);
    }

    #[test]
    fn slices_are_interned() {
        let mut rows = CsvRows::default();
        let region = rows.dimension("region");
        let product = rows.dimension("product");
        let store = &mut rows.store;
        assert_eq!(store.slice_id(&[]), 0);
        let a = store.slice_id(&[(region, 0), (product, 1)]);
        assert_eq!(store.slice_id(&[(region, 0), (product, 1)]), a);
        let single = store.slice_id(&[(product, 3)]);
        assert_eq!(store.slice_id(&[(product, 3)]), single);
        assert_ne!(single, a);
        assert_eq!(rows.dimension("region"), region);
    }

    #[test]
    fn split_points_fall_after_a_line_end() {
        let line = b"revenue,2023-Q4,east,9800000\n";
        let body: Vec<u8> = line.iter().copied().cycle().take(line.len() * 50_000).collect();
        let cut = split_point(&body).unwrap();
        assert_eq!(body[cut - 1], b'\n');
        assert_eq!(cut % line.len(), 0);
        let mut quoted = body.clone();
        quoted[10] = b'"';
        assert_eq!(split_point(&quoted), None);
        assert_eq!(split_point(line), None);
    }
}

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
use crate::rules::Rule;

/// A hash map with a fast, fixed (deterministic) hasher: the keys are the file's own short texts.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Where a text was first seen: file index, line, 1-based column.
type Place = (u32, u32, usize);

/// Texts of one kind (metric ids, or one dimension's members), numbered in order of first appearance; the
/// previous cell's text is checked first because exports repeat values row after row.
#[derive(Default)]
struct Interner {
    /// Texts of up to 15 bytes, packed into one integer (hashing and comparing it is cheaper than bytes).
    short: FastMap<u128, u32>,
    ids: FastMap<Box<[u8]>, u32>,
    texts: Vec<String>,
    first_seen: Vec<Place>,
    /// The previous cell's id.
    last: Option<u32>,
    /// Per id, the id of the text that followed it last time: exports cycle through members in one order, so
    /// this guesses right on most rows where the text changes, without hashing.
    next: Vec<u32>,
}

/// Byte equality, inlined for the short texts of CSV cells (a `memcmp` call costs more than it saves here).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    // Two overlapping word loads cover 4 to 16 bytes.
    if (8..=16).contains(&n) {
        let word = |bytes: &[u8], at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    if (4..8).contains(&n) {
        let word = |bytes: &[u8], at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
        return word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4);
    }
    if n > 16 {
        return a == b;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// A cell without surrounding ASCII white space; cells rarely have any, so the ends are checked first.
#[inline]
fn trimmed(cell: &[u8]) -> &[u8] {
    match (cell.first(), cell.last()) {
        (Some(first), Some(last)) if !first.is_ascii_whitespace() && !last.is_ascii_whitespace() => cell,
        _ => cell.trim_ascii(),
    }
}

/// A text of up to 15 bytes as one integer: the bytes, and the length in the top byte.
#[inline]
fn packed_text(cell: &[u8]) -> Option<u128> {
    if cell.len() > 15 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..cell.len()].copy_from_slice(cell);
    bytes[15] = cell.len() as u8;
    Some(u128::from_le_bytes(bytes))
}

impl Interner {
    /// The id of a cell's text; `Err` when the cell is not UTF-8.
    #[inline]
    fn intern(&mut self, cell: &[u8], place: impl FnOnce() -> Place) -> Result<u32, ()> {
        let Some(last) = self.last else { return self.look_up(cell, place) };
        if same_bytes(self.texts[last as usize].as_bytes(), cell) {
            return Ok(last);
        }
        let guess = self.next[last as usize];
        if guess != u32::MAX && same_bytes(self.texts[guess as usize].as_bytes(), cell) {
            self.last = Some(guess);
            return Ok(guess);
        }
        let id = self.look_up(cell, place)?;
        self.next[last as usize] = id;
        Ok(id)
    }

    /// The id of a text, by hashing; a new text gets the next id.
    fn look_up(&mut self, cell: &[u8], place: impl FnOnce() -> Place) -> Result<u32, ()> {
        let packed = packed_text(cell);
        let known = match packed {
            Some(key) => self.short.get(&key),
            None => self.ids.get(cell),
        };
        let id = match known {
            Some(id) => *id,
            None => {
                let text = std::str::from_utf8(cell).map_err(|_| ())?;
                let id = self.texts.len() as u32;
                self.texts.push(text.to_string());
                self.first_seen.push(place());
                self.next.push(u32::MAX);
                match packed {
                    Some(key) => self.short.insert(key, id),
                    None => self.ids.insert(cell.into(), id),
                };
                id
            }
        };
        self.last = Some(id);
        Ok(id)
    }
}

/// A slice of the first 4 dimensions with members numbered below 2¹⁶ − 1 as one integer: member + 1 in 16
/// bits per dimension (0 for none). `None` for other slices.
#[inline]
fn packed_slice(pairs: &[(u32, u32)]) -> Option<u64> {
    let mut key = 0u64;
    for &(dimension, member) in pairs {
        if dimension >= 4 || member >= 0xFFFF {
            return None;
        }
        key |= u64::from(member + 1) << (16 * dimension);
    }
    Some(key)
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
    /// The common case, without hashing a list: slices of the first 4 dimensions with members numbered below
    /// 2¹⁶ − 1, packed into one integer (see [`packed_slice`]); and the previous row's.
    packed_slices: FastMap<u64, u32>,
    last_slice: (u64, u32),
    /// Per slice id: its packed form (`u64::MAX` if none), and the packed slice that followed it last time
    /// (as [`Interner::next`]).
    slice_keys: Vec<u64>,
    slice_next: Vec<u32>,
    /// Per row, in file order: the interned key, the value, and the line and column of the value.
    keys: Vec<RowKey>,
    values: Vec<Decimal>,
    lines: Vec<u32>,
    columns: Vec<u32>,
    /// (first row, file) of each run of rows from one file.
    file_runs: Vec<(u32, u32)>,
}

impl Store {
    fn with_dimensions(count: usize, file: u32) -> Store {
        let mut store = Store { file_runs: vec![(0, file)], ..Store::default() };
        store.members.resize_with(count, Interner::default);
        store
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.metrics.texts.is_empty() && self.slices.len() <= 1
    }

    fn slice_id(&mut self, pairs: &[(u32, u32)]) -> u32 {
        if self.slices.is_empty() {
            // The total, packed as 0 (and the previous row's slice before any row).
            self.slice_ids.insert(Box::default(), 0);
            self.packed_slices.insert(0, 0);
            self.new_slice(&[], 0);
        }
        let Some(key) = packed_slice(pairs) else {
            return match self.slice_ids.get(pairs) {
                Some(id) => *id,
                None => {
                    let id = self.new_slice(pairs, u64::MAX);
                    self.slice_ids.insert(pairs.into(), id);
                    id
                }
            };
        };
        let (last_key, last) = self.last_slice;
        if key == last_key {
            return last;
        }
        let guess = self.slice_next[last as usize];
        let id = if guess != u32::MAX && self.slice_keys[guess as usize] == key {
            guess
        } else {
            let id = match self.packed_slices.get(&key) {
                Some(id) => *id,
                None => {
                    let id = self.new_slice(pairs, key);
                    self.packed_slices.insert(key, id);
                    id
                }
            };
            self.slice_next[last as usize] = id;
            id
        };
        self.last_slice = (key, id);
        id
    }

    fn new_slice(&mut self, pairs: &[(u32, u32)], key: u64) -> u32 {
        let id = self.slices.len() as u32;
        self.slices.push(pairs.into());
        self.slice_keys.push(key);
        self.slice_next.push(u32::MAX);
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
            .map(|(text, place)| self.metrics.intern(text.as_bytes(), || *place).unwrap_or(0))
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
                    .map(|(t, p)| target.intern(t.as_bytes(), || *p).unwrap_or(0))
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
        self.columns.extend_from_slice(&chunk.columns);
    }
}

/// The rows of every CSV file of a load, interned together so that facts can be compared across files.
#[derive(Default)]
pub(crate) struct CsvRows {
    dimension_ids: Vec<String>,
    store: Store,
    /// The files, in the order they were read.
    files: Vec<String>,
}

impl CsvRows {
    fn dimension(&mut self, id: &str) -> u32 {
        if let Some(index) = self.dimension_ids.iter().position(|d| d == id) {
            return index as u32;
        }
        self.dimension_ids.push(id.to_string());
        self.store.members.push(Interner::default());
        (self.dimension_ids.len() - 1) as u32
    }

    /// Sorts the rows into a [`FactTable`], reporting duplicates, and tells the loader about members and
    /// metrics first named here. `narrow_bits`: see [`FactTable::build`].
    pub(crate) fn into_table(self, loader: &mut Loader, narrow_bits: u32) -> FactTable {
        let CsvRows { dimension_ids, store, files } = self;
        let Store { metrics, members, slices, mut keys, values, lines, columns, file_runs, .. } = store;
        let origin_of = |(file, line, column): Place| Origin {
            file: files.get(file as usize).cloned().unwrap_or_default(),
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
        let rows = TableRows {
            metrics: sorted_metrics,
            slices: sorted_slices,
            files,
            keys,
            values,
            lines,
            columns,
            file_runs,
        };
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

/// One record of a CSV file, as [`Tokenizer::next_record`] reads it: its cells and where each starts.
#[derive(Default)]
struct Record {
    cells: Vec<Cell>,
    /// Texts of cells that differ from their source bytes (quoted cells with `""` or text after the closing
    /// quote).
    buffer: Vec<u8>,
}

/// Where a cell is: its text, and its first character (the opening quote of a quoted cell) in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cell {
    /// The text's byte range, in the source or (when `buffered`) in the record's buffer.
    from: u32,
    to: u32,
    buffered: bool,
    /// Byte offset of the cell's first character.
    begin: u32,
    /// The cell's 1-based line, and the byte offset where that line starts. (Offsets fit 32 bits: data files
    /// are at most `MAX_FILE_BYTES`; small cells keep a row's cells in one cache line or two.)
    line: u32,
    line_begin: u32,
}

impl Cell {
    fn new(start: usize, line: u32, line_start: usize) -> Self {
        let (begin, line_begin) = (start as u32, line_start as u32);
        Cell { from: begin, to: begin, buffered: false, begin, line, line_begin }
    }

    fn set_text(&mut self, (from, to): (usize, usize), buffered: bool) {
        (self.from, self.to, self.buffered) = (from as u32, to as u32, buffered);
    }

    fn start(&self) -> usize {
        self.begin as usize
    }

    fn line_start(&self) -> usize {
        self.line_begin as usize
    }
}

impl Record {
    #[inline]
    fn text<'s>(&'s self, source: &'s [u8], cell: &Cell) -> &'s [u8] {
        let bytes = if cell.buffered { &self.buffer } else { source };
        bytes.get(cell.from as usize..cell.to as usize).unwrap_or_default()
    }
}

/// Splits CSV text into records exactly as the `csv` crate reads it with its defaults (`,`, `"` with `""`
/// escapes, `\n`, `\r\n` or `\r` ending records, blank lines skipped, a quote inside an unquoted cell or after
/// a closing quote taken literally, an unclosed quote running to the end), but without copying cells and
/// with every cell's position. Lines are counted in `\n`s, as editors number them.
struct Tokenizer<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
}

/// The end of an unquoted cell: the first comma or line end from `from` on (or the end of the text).
#[inline]
fn cell_end(bytes: &[u8], from: usize) -> usize {
    let mut end = from;
    while let Some(&byte) = bytes.get(end) {
        if byte == b',' || byte == b'\n' || byte == b'\r' {
            break;
        }
        end += 1;
    }
    end
}

impl<'a> Tokenizer<'a> {
    /// Reads `bytes`, whose first byte is at the start of line `first_line`.
    fn new(bytes: &'a [u8], first_line: u32) -> Self {
        Tokenizer { bytes, pos: 0, line: first_line, line_start: 0 }
    }

    /// Reads the next record into `record`; `false` at the end of the text.
    fn next_record(&mut self, record: &mut Record) -> bool {
        loop {
            match self.bytes.get(self.pos) {
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                Some(b'\r') => self.pos += 1,
                Some(_) => break,
                None => return false,
            }
        }
        record.cells.clear();
        record.buffer.clear();
        while !self.cell(record) {}
        true
    }

    /// Reads one cell; `true` when it ended the record.
    #[inline]
    fn cell(&mut self, record: &mut Record) -> bool {
        let start = self.pos;
        let mut cell = Cell::new(start, self.line, self.line_start);
        let end = if self.bytes.get(start) == Some(&b'"') {
            self.quoted(record, &mut cell)
        } else {
            let end = cell_end(self.bytes, start);
            cell.set_text((start, end), false);
            end
        };
        record.cells.push(cell);
        if self.bytes.get(end) == Some(&b',') {
            self.pos = end + 1;
            false
        } else {
            // A line end (left for `next_record` to count) or the end of the text.
            self.pos = end;
            true
        }
    }

    /// Reads a quoted cell into `cell`; returns where it ends (at a comma, a line end or the end of the text).
    fn quoted(&mut self, record: &mut Record, cell: &mut Cell) -> usize {
        let bytes = self.bytes;
        let buffer_start = record.buffer.len();
        let mut buffered = false;
        let mut piece = cell.start() + 1;
        let mut pos = piece;
        loop {
            let Some(quote) = memchr::memchr(b'"', &bytes[pos..]).map(|offset| pos + offset) else {
                // Never closed: the rest of the text is the cell.
                self.count_lines(pos, bytes.len());
                return self.finish_quoted(record, cell, buffered, buffer_start, (piece, bytes.len()), bytes.len());
            };
            self.count_lines(pos, quote);
            if bytes.get(quote + 1) == Some(&b'"') {
                // `""` stands for one quote.
                record.buffer.extend_from_slice(&bytes[piece..=quote]);
                buffered = true;
                pos = quote + 2;
                piece = pos;
                continue;
            }
            // After the closing quote, text up to the next comma or line end belongs to the cell as it is.
            let end = cell_end(bytes, quote + 1);
            if end > quote + 1 {
                record.buffer.extend_from_slice(&bytes[piece..quote]);
                record.buffer.extend_from_slice(&bytes[quote + 1..end]);
                cell.set_text((buffer_start, record.buffer.len()), true);
                return end;
            }
            return self.finish_quoted(record, cell, buffered, buffer_start, (piece, quote), end);
        }
    }

    fn finish_quoted(
        &self,
        record: &mut Record,
        cell: &mut Cell,
        buffered: bool,
        buffer_start: usize,
        last_piece: (usize, usize),
        end: usize,
    ) -> usize {
        if buffered {
            record.buffer.extend_from_slice(&self.bytes[last_piece.0..last_piece.1]);
            cell.set_text((buffer_start, record.buffer.len()), true);
        } else {
            cell.set_text(last_piece, false);
        }
        end
    }

    /// Counts the line ends inside a quoted cell.
    fn count_lines(&mut self, from: usize, to: usize) {
        for newline in memchr::memchr_iter(b'\n', &self.bytes[from..to]) {
            self.line = self.line.saturating_add(1);
            self.line_start = from + newline + 1;
        }
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
    let bytes = without_bom(bytes);
    let mut tokenizer = Tokenizer::new(bytes, 1);
    let mut record = Record::default();
    if !tokenizer.next_record(&mut record) {
        loader.error(
            Diagnostic::error(Rule::DataInvalid, format!("`{name}` is empty"))
                .in_file(name)
                .with_help("the first row names the columns: metric,period,value and any dimensions"),
        );
        return;
    }
    let Some(columns) = header(loader, name, bytes, &record) else { return };
    let file = rows.files.len() as u32;
    rows.files.push(name.to_string());
    let dimensions: Vec<u32> = columns.dimensions.iter().map(|(_, id)| rows.dimension(id)).collect();
    let body = Start { offset: tokenizer.pos, line: tokenizer.line, line_start: tokenizer.line_start };
    let reading = Reading::new(name, file, &columns);
    let chunks = match split_point(&bytes[body.offset..]) {
        Some(split) => {
            // Both halves start at the start of a line.
            let (first, second) = bytes.split_at(body.offset + split);
            let second_start = Start { offset: 0, line: body.line + newlines(&first[body.offset..]), line_start: 0 };
            std::thread::scope(|scope| {
                let worker = scope.spawn(|| reading.read(second, second_start, 0));
                // The first half's rows take in the second's afterwards: room for all of them saves a copy.
                let first = reading.read(first, body, newlines(&bytes[body.offset..]) as usize + 1);
                // A worker that failed to run leaves its half to this thread.
                let second = worker.join().unwrap_or_else(|_| reading.read(second, second_start, 0));
                vec![first, second]
            })
        }
        None => vec![reading.read(bytes, body, 0)],
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

/// The text after a UTF-8 byte order mark; a second one is dropped too (as the `csv` crate did after the
/// loader dropped the first).
fn without_bom(bytes: &[u8]) -> &[u8] {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    bytes.strip_prefix(BOM).unwrap_or(bytes)
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

/// The 1-based column of a cell's first character in its line, counted in characters (a byte that does not
/// continue a UTF-8 sequence starts one). `ascii`: the whole text is ASCII, so bytes are characters.
#[inline]
fn char_column(bytes: &[u8], cell: &Cell, ascii: bool) -> usize {
    let prefix = bytes.get(cell.line_start()..cell.start()).unwrap_or_default();
    if ascii { prefix.len() + 1 } else { prefix.iter().filter(|b| (**b as i8) >= -0x40).count() + 1 }
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

fn header(loader: &mut Loader, name: &str, bytes: &[u8], record: &Record) -> Option<Columns> {
    let ascii = false;
    let at = |cell: Option<&Cell>, message: String| {
        let (line, column) = cell.map_or((1, 1), |cell| (cell.line as usize, char_column(bytes, cell, ascii)));
        let mut diagnostic = Diagnostic::error(Rule::DataInvalid, message).in_file(name);
        diagnostic.line = line;
        diagnostic.column = column;
        diagnostic.end_line = line;
        diagnostic.end_column = column;
        diagnostic
    };
    let mut names = Vec::with_capacity(record.cells.len());
    let mut ok = true;
    for (index, cell) in record.cells.iter().enumerate() {
        match std::str::from_utf8(record.text(bytes, cell).trim_ascii()) {
            Ok(text) => names.push(text.to_string()),
            Err(_) => {
                let message = format!("column {} of the header is not valid UTF-8", index + 1);
                loader.error(at(Some(cell), message).with_help("save the file as UTF-8"));
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
            loader.error(at(record.cells.first(), message).with_help(help));
            ok = false;
        }
    }
    let mut dimensions = Vec::new();
    for (index, column) in names.iter().enumerate() {
        if [metric, period, value, kind].contains(&Some(index)) {
            continue;
        }
        let cell = record.cells.get(index);
        if names[..index].contains(column) {
            loader.error(at(cell, format!("column `{column}` appears twice in the header")));
            ok = false;
        } else if column.is_empty() {
            let help = "every column needs a name; a column other than metric, period, value and kind is a dimension";
            loader.error(at(cell, format!("column {} has no name", index + 1)).with_help(help));
            ok = false;
        } else {
            dimensions.push((index, column.clone()));
        }
    }
    let (Some(metric), Some(period), Some(value), true) = (metric, period, value, ok) else { return None };
    Some(Columns { metric, period, value, kind, dimensions, names })
}

/// Where a tokenizer starts: a byte offset, its line and the offset where that line starts.
#[derive(Clone, Copy)]
struct Start {
    offset: usize,
    line: u32,
    line_start: usize,
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
    /// The stretch's text, and whether it is all ASCII (then columns are byte counts).
    bytes: &'a [u8],
    ascii: bool,
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

    /// Reads the rows of `bytes` from `start` on, with room for at least `capacity` rows.
    fn read(&self, bytes: &[u8], start: Start, capacity: usize) -> Chunk {
        let mut store = Store::with_dimensions(self.columns.dimensions.len(), self.file);
        // One row a line, give or take: reserving once saves copying growing vectors of a million rows.
        let rows = capacity.max(newlines(&bytes[start.offset..]) as usize + 1);
        store.keys.reserve(rows);
        store.values.reserve(rows);
        store.lines.reserve(rows);
        store.columns.reserve(rows);
        let chunk = Chunk { store, errors: Vec::new(), suppressed: 0 };
        let mut state =
            ChunkReader { reading: self, bytes, ascii: bytes.is_ascii(), chunk, pairs: Vec::new(), last_period: None };
        let mut tokenizer = Tokenizer { bytes, pos: start.offset, line: start.line, line_start: start.line_start };
        let mut record = Record::default();
        while tokenizer.next_record(&mut record) {
            state.row(&record);
        }
        state.chunk
    }
}

impl ChunkReader<'_> {
    fn column_of(&self, cell: &Cell) -> usize {
        char_column(self.bytes, cell, self.ascii)
    }

    fn report(&mut self, rule: Rule, cell: &Cell, message: impl FnOnce() -> String, help: &str) {
        if self.chunk.errors.len() >= MAX_ERRORS_PER_FILE {
            // Past the limit the errors are only counted; a huge broken file costs no more than a good one.
            self.chunk.suppressed += 1;
            return;
        }
        let origin =
            Origin { file: self.reading.name.to_string(), line: cell.line as usize, column: self.column_of(cell) };
        self.chunk.errors.push(at_origin(Diagnostic::error(rule, message()), &origin).with_help(help));
    }

    fn cell_name(&self, column: usize) -> String {
        self.reading.columns.names.get(column).cloned().unwrap_or_default()
    }

    fn bad_utf8(&mut self, cell: &Cell, column: usize) {
        let name = self.cell_name(column);
        let line = cell.line;
        let message = || format!("row {line}, column {} ({name}) is not valid UTF-8", column + 1);
        self.report(Rule::DataSyntax, cell, message, "save the file as UTF-8");
    }

    fn row(&mut self, record: &Record) {
        let columns = self.reading.columns;
        let cells = &record.cells;
        if cells.len() != columns.names.len() {
            // A lone empty line is no row at all.
            if cells.len() == 1 && record.text(self.bytes, &cells[0]).is_empty() {
                return;
            }
            let expected = columns.names.len();
            let message = || format!("row has {} fields but the header has {expected}", cells.len());
            let help = "every row needs one field per header column; quote fields that contain commas";
            let first = cells[0];
            self.report(Rule::DataSyntax, &first, message, help);
            return;
        }
        let bytes = self.bytes;
        let text = |column: usize| trimmed(record.text(bytes, &cells[column]));
        let metric_cell = &cells[columns.metric];
        if text(columns.metric).is_empty() {
            let help = "name the metric on every row";
            self.report(Rule::DataInvalid, metric_cell, || "the metric is empty".into(), help);
            return;
        }
        let (file, ascii) = (self.reading.file, self.ascii);
        let place = || (file, metric_cell.line, char_column(bytes, metric_cell, ascii));
        let Ok(metric) = self.chunk.store.metrics.intern(text(columns.metric), place) else {
            return self.bad_utf8(metric_cell, columns.metric);
        };
        let Some(period) = self.period(text(columns.period), &cells[columns.period]) else { return };
        let Some(kind) = self.kind(record) else { return };
        let Some(slice) = self.slice(record) else { return };
        let value_cell = &cells[columns.value];
        let value = match parse_decimal(text(columns.value)) {
            Ok(value) => value,
            Err(error) => return self.bad_value(text(columns.value), value_cell, error),
        };
        let column = u32::try_from(self.column_of(value_cell)).unwrap_or(u32::MAX);
        let store = &mut self.chunk.store;
        store.keys.push(RowKey::new(metric, period, slice, kind));
        store.values.push(value);
        store.lines.push(value_cell.line);
        store.columns.push(column);
    }

    fn period(&mut self, text: &[u8], cell: &Cell) -> Option<Period> {
        if let Some((bytes, period)) = &self.last_period
            && same_bytes(bytes, text)
        {
            return Some(*period);
        }
        let column = self.reading.columns.period;
        let Ok(text) = std::str::from_utf8(text) else {
            self.bad_utf8(cell, column);
            return None;
        };
        let Some(period) = Period::parse(text) else {
            let line = cell.line;
            let message = || format!("row {line}, column {} (period): `{text}` is not a period", column + 1);
            self.report(Rule::DataBadPeriod, cell, message, PERIOD_HELP);
            return None;
        };
        match &mut self.last_period {
            Some((bytes, last)) => {
                bytes.clear();
                bytes.extend_from_slice(text.as_bytes());
                *last = period;
            }
            None => self.last_period = Some((text.as_bytes().to_vec(), period)),
        }
        Some(period)
    }

    fn kind(&mut self, record: &Record) -> Option<Kind> {
        let Some(column) = self.reading.columns.kind else { return Some(Kind::Actual) };
        let cell = &record.cells[column];
        let text = trimmed(record.text(self.bytes, cell));
        let kind = if text.is_empty() || text.eq_ignore_ascii_case(b"actual") {
            Some(Kind::Actual)
        } else if text.eq_ignore_ascii_case(b"target") {
            Some(Kind::Target)
        } else if text.eq_ignore_ascii_case(b"standard") {
            Some(Kind::Standard)
        } else {
            None
        };
        if kind.is_none() {
            let text = String::from_utf8_lossy(text);
            let line = cell.line;
            let message = || format!("row {line}, column {} (kind): `{text}` is not a kind", column + 1);
            let help = "kind is actual (or empty), target or standard";
            self.report(Rule::DataInvalid, cell, message, help);
        }
        kind
    }

    /// The row's slice id: its non-empty dimension cells, interned.
    fn slice(&mut self, record: &Record) -> Option<u32> {
        self.pairs.clear();
        for (position, (column, _)) in self.reading.columns.dimensions.iter().enumerate() {
            let cell = &record.cells[*column];
            let text = trimmed(record.text(self.bytes, cell));
            if text.is_empty() {
                continue;
            }
            let (file, bytes, ascii) = (self.reading.file, self.bytes, self.ascii);
            let place = || (file, cell.line, char_column(bytes, cell, ascii));
            match self.chunk.store.members[position].intern(text, place) {
                Ok(member) => self.pairs.push((position as u32, member)),
                Err(()) => {
                    self.bad_utf8(cell, *column);
                    return None;
                }
            }
        }
        Some(self.chunk.store.slice_id(&self.pairs))
    }

    fn bad_value(&mut self, text: &[u8], cell: &Cell, error: NumberError) {
        let column = self.reading.columns.value;
        let name = self.cell_name(column);
        let shown = String::from_utf8_lossy(text);
        let why = match error {
            NumberError::OutOfRange => "is too large for a decimal value".to_string(),
            NumberError::Syntax if text.is_empty() => "is empty".to_string(),
            NumberError::Syntax => format!("`{shown}` is not a plain decimal number"),
        };
        let line = cell.line;
        let message = || format!("row {line}, column {} ({name}): the value {why}", column + 1);
        let help = "write plain numbers such as 9800000 or -1.25e3: no thousands separators, currency signs or %";
        self.report(Rule::DataBadValue, cell, message, help);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;

    use super::super::FactKey;
    use super::*;

    /// The records of a text by the tokenizer: each cell's text, line and byte column.
    fn tokenize(bytes: &[u8]) -> Vec<Vec<(Vec<u8>, u32, usize)>> {
        let mut tokenizer = Tokenizer::new(bytes, 1);
        let mut record = Record::default();
        let mut records = Vec::new();
        while tokenizer.next_record(&mut record) {
            let cells = record.cells.iter();
            records.push(
                cells.map(|c| (record.text(bytes, c).to_vec(), c.line, c.start() - c.line_start() + 1)).collect(),
            );
        }
        records
    }

    /// The records of a text by the `csv` crate, as the loader used to read them.
    fn csv_crate_records(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut record = ::csv::ByteRecord::new();
        let mut records = Vec::new();
        while reader.read_byte_record(&mut record).expect("reading from memory") {
            records.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        records
    }

    #[test]
    fn tokenizer_reads_quotes_line_ends_and_positions() {
        let text = "a,\"b,\"\"c\"\"\"\r\n\r\n\"multi\nline\",x\"y\n\"q\"tail,,\"\"\n\"open";
        let records = tokenize(text.as_bytes());
        let texts: Vec<Vec<&[u8]>> = records.iter().map(|r| r.iter().map(|c| c.0.as_slice()).collect()).collect();
        let expected: Vec<Vec<&[u8]>> =
            vec![vec![b"a", b"b,\"c\""], vec![b"multi\nline", b"x\"y"], vec![b"qtail", b"", b""], vec![b"open"]];
        assert_eq!(texts, expected);
        // (line, byte column): the second cell of the multi-line record starts on line 4.
        let places: Vec<(u32, usize)> = records.iter().flatten().map(|c| (c.1, c.2)).collect();
        assert_eq!(places, [(1, 1), (1, 3), (3, 1), (4, 7), (5, 1), (5, 9), (5, 10), (6, 1)]);
        assert_eq!(
            csv_crate_records(text.as_bytes()),
            texts.iter().map(|r| r.iter().map(|c| c.to_vec()).collect::<Vec<_>>()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn columns_count_characters() {
        let text = "metric,period,地区,value\n营收,2023,华东,x\n";
        let errors = match crate::data::load_sources(&[("c.csv".to_string(), text.as_bytes().to_vec())]) {
            Err(errors) => errors,
            Ok(_) => panic!("a bad value loads"),
        };
        assert_eq!((errors[0].line, errors[0].column), (2, 12), "{errors:#?}");
        assert!(errors[0].message.contains("column 4 (value)"), "{}", errors[0].message);
    }

    /// One cell of a reference row: its text after unquoting, and its 1-based character column.
    fn reference_cells(line: &str) -> Vec<(String, usize)> {
        let chars: Vec<char> = line.chars().collect();
        let mut cells = Vec::new();
        let mut at = 0;
        loop {
            let start = at;
            let mut text = String::new();
            if chars.get(at) == Some(&'"') {
                at += 1;
                while at < chars.len() {
                    if chars[at] == '"' && chars.get(at + 1) == Some(&'"') {
                        text.push('"');
                        at += 2;
                    } else if chars[at] == '"' {
                        at += 1;
                        break;
                    } else {
                        text.push(chars[at]);
                        at += 1;
                    }
                }
            }
            while at < chars.len() && chars[at] != ',' {
                text.push(chars[at]);
                at += 1;
            }
            cells.push((text, start + 1));
            if at >= chars.len() {
                return cells;
            }
            at += 1;
        }
    }

    type ReferenceFact = (String, Period, Slice, Kind, Decimal, usize, usize);

    /// The loader's rules, written plainly over whole lines (no quoted line ends in these files): the facts
    /// in key order with their value cells' (line, column), or the errors as (rule, line, column).
    fn reference_load(text: &str) -> Result<Vec<ReferenceFact>, Vec<(String, usize, usize)>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).enumerate();
        let (_, header) = lines.by_ref().find(|(_, line)| !line.is_empty()).expect("a header");
        let names: Vec<String> = reference_cells(header).into_iter().map(|(name, _)| name.trim().to_string()).collect();
        let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted)).expect("column");
        let (metric, period, value) = (find("metric"), find("period"), find("value"));
        let kind = names.iter().position(|n| n == "kind");
        let dimensions: Vec<usize> =
            (0..names.len()).filter(|i| ![Some(metric), Some(period), Some(value), kind].contains(&Some(*i))).collect();
        let mut facts: BTreeMap<FactKey, (Decimal, usize, usize)> = BTreeMap::new();
        let mut errors = Vec::new();
        for (index, line) in lines.filter(|(_, line)| !line.is_empty()) {
            let number = index + 1;
            let cells = reference_cells(line);
            let mut error = |rule: Rule, column: usize| errors.push((rule.as_str().to_string(), number, column));
            if cells.len() != names.len() {
                error(Rule::DataSyntax, 1);
                continue;
            }
            let cell = |i: usize| (cells[i].0.trim(), cells[i].1);
            if cell(metric).0.is_empty() {
                error(Rule::DataInvalid, cell(metric).1);
                continue;
            }
            let Some(parsed_period) = Period::parse(cell(period).0) else {
                error(Rule::DataBadPeriod, cell(period).1);
                continue;
            };
            let parsed_kind = match kind.map(|k| cell(k).0.to_ascii_lowercase()).as_deref() {
                None | Some("" | "actual") => Kind::Actual,
                Some("target") => Kind::Target,
                Some("standard") => Kind::Standard,
                Some(_) => {
                    error(Rule::DataInvalid, cell(kind.unwrap_or_default()).1);
                    continue;
                }
            };
            let slice: Slice = dimensions
                .iter()
                .filter(|d| !cell(**d).0.is_empty())
                .map(|d| (names[*d].clone(), cell(*d).0.to_string()))
                .collect();
            let (value_text, value_column) = cell(value);
            let parsed_value = if value_text.contains(['e', 'E']) {
                Decimal::from_scientific(value_text)
            } else {
                std::str::FromStr::from_str(value_text)
            };
            let Ok(parsed_value) = parsed_value else {
                error(Rule::DataBadValue, value_column);
                continue;
            };
            let key = FactKey { metric: cell(metric).0.to_string(), period: parsed_period, slice, kind: parsed_kind };
            match facts.entry(key) {
                std::collections::btree_map::Entry::Occupied(_) => error(Rule::DataDuplicateFact, value_column),
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert((parsed_value, number, value_column));
                }
            }
        }
        if !errors.is_empty() {
            errors.sort();
            return Err(errors);
        }
        Ok(facts
            .into_iter()
            .map(|(k, (v, line, column))| (k.metric, k.period, k.slice, k.kind, v, line, column))
            .collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The loader gives exactly the facts (values and positions) and errors of the plain reference, and
        /// the totals check the warnings of the fact-by-fact one, on exports with quoted cells, a BOM, CRLF,
        /// blank lines and cells, subtotals, duplicates and CJK members.
        #[test]
        fn loader_agrees_with_a_plain_reference(
            order in proptest::sample::select(vec![
                ["metric", "period", "region", "product", "value"],
                ["value", "region", "metric", "product", "period"],
                ["period", "product", "value", "region", "metric"],
            ]),
            with_kind in proptest::prelude::any::<bool>(),
            rows in proptest::collection::vec((
                proptest::sample::select(vec!["sales", "营收", " sales ", "\"q,m\"", "", "\"a \"\"b\"\"\""]),
                proptest::sample::select(vec!["2023", "2023-Q1", "2023-q1", "\"2023\"", "2023-13", "2023-H2"]),
                proptest::sample::select(vec!["", "east", "华东", "\"x,y\"", "west"]),
                proptest::sample::select(vec!["", "a", "b"]),
                proptest::sample::select(vec!["1", "2.50", "-3", "1e3", "x", "", "\"7\"", "12345678901234567890.5", "\"1,5\""]),
                proptest::sample::select(vec!["", "target", "Actual", "bogus"]),
                proptest::sample::select(vec!["\n", "\r\n", "\n\n", "\r\n\r\n"]),
            ), 0..30),
            bom in proptest::prelude::any::<bool>(),
            ragged in proptest::option::of(0usize..30),
            clean in proptest::prelude::any::<bool>(),
        ) {
            // Half the cases without bad cells, so that files also load and their facts and warnings compare.
            let good = |cell: &'static str, bad: &[&str], instead: &'static str| {
                if clean && bad.contains(&cell) { instead } else { cell }
            };
            let ragged = ragged.filter(|_| !clean);
            let rows: Vec<_> = rows
                .into_iter()
                .map(|(metric, period, region, product, value, kind, end)| {
                    (
                        good(metric, &[""], "sales"),
                        good(period, &["2023-13"], "2023"),
                        region,
                        product,
                        good(value, &["x", "", "\"1,5\""], "1"),
                        good(kind, &["bogus"], ""),
                        end,
                    )
                })
                .collect();
            let mut header: Vec<&str> = order.to_vec();
            if with_kind {
                header.insert(2, "kind");
            }
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            text.push_str(&header.join(","));
            text.push('\n');
            for (index, (metric, period, region, product, value, kind, end)) in rows.iter().enumerate() {
                let cells: Vec<&str> = header
                    .iter()
                    .map(|column| match *column {
                        "metric" => *metric,
                        "period" => *period,
                        "region" => *region,
                        "product" => *product,
                        "value" => *value,
                        _ => *kind,
                    })
                    .collect();
                text.push_str(&cells.join(","));
                if ragged == Some(index) {
                    text.push_str(",extra");
                }
                text.push_str(end);
            }
            let loaded = crate::data::load_sources(&[("r.csv".to_string(), text.clone().into_bytes())]);
            match (reference_load(&text), loaded) {
                (Ok(expected), Ok(data)) => {
                    let facts: Vec<ReferenceFact> = data
                        .facts_iter()
                        .map(|f| (f.metric.to_string(), f.period, f.slice.clone(), f.kind, f.value, f.line, f.column))
                        .collect();
                    proptest::prop_assert_eq!(facts, expected);
                    let expected_warnings: Vec<(String, usize, usize, String)> =
                        crate::data::rollup::tests::reference(&data).into_iter().map(|w| (w.file, w.line, w.column, w.message)).collect();
                    let warnings: Vec<(String, usize, usize, String)> =
                        data.warnings.iter().map(|w| (w.file.clone(), w.line, w.column, w.message.clone())).collect();
                    proptest::prop_assert_eq!(warnings, expected_warnings);
                }
                (Err(expected), Err(errors)) => {
                    let mut errors: Vec<(String, usize, usize)> =
                        errors.into_iter().map(|e| (e.rule.as_str().to_string(), e.line, e.column)).collect();
                    errors.sort();
                    proptest::prop_assert_eq!(errors, expected);
                }
                (expected, loaded) => {
                    let loaded = loaded.map(|data| data.fact_count());
                    proptest::prop_assert!(false, "reference {expected:?}, loader {loaded:?}\n{text}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The tokenizer splits any text into the same records and cells as the `csv` crate.
        #[test]
        fn tokenizer_agrees_with_the_csv_crate(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "bc", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "é", "\u{FEFF}"]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            // The loader used to drop one byte order mark and give the rest to the `csv` crate.
            let old = text.as_bytes().strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text.as_bytes());
            let ours: Vec<Vec<Vec<u8>>> =
                tokenize(without_bom(text.as_bytes())).into_iter().map(|r| r.into_iter().map(|c| c.0).collect()).collect();
            proptest::prop_assert_eq!(ours, csv_crate_records(old));
            // Lines count `\n`s before each cell.
            for record in tokenize(text.as_bytes()) {
                for (_, line, _) in record {
                    proptest::prop_assert!(line as usize <= text.matches('\n').count() + 1);
                }
            }
        }
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
        assert_eq!(interner.intern(b"east", || (0, 2, 3)), Ok(0));
        assert_eq!(interner.intern(b"west", || (0, 3, 3)), Ok(1));
        assert_eq!(interner.intern(b"east", || (0, 4, 3)), Ok(0));
        assert_eq!(interner.intern(b"\xff", || (0, 5, 3)), Err(()));
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

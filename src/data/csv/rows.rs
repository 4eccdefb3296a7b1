//! Reading rows: the header's columns, then each row's metric, period, kind, slice and value checked and
//! interned into a chunk's store.

use super::intern::{Store, same_bytes, trimmed};
use super::newlines;
use super::tokenize::{Cell, Record, Tokenizer};
use crate::data::load::{Loader, MAX_ERRORS_PER_FILE, PERIOD_HELP, at_origin};
use crate::data::number::{NumberError, parse_decimal};
use crate::data::table::RowKey;
use crate::data::{Kind, Origin, Period};
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;

/// The 1-based column of a cell's first character in its line, counted in characters (a byte that does not
/// continue a UTF-8 sequence starts one). `ascii`: the whole text is ASCII, so bytes are characters.
#[inline]
pub(super) fn char_column(bytes: &[u8], cell: &Cell, ascii: bool) -> usize {
    let prefix = bytes.get(cell.line_start()..cell.start()).unwrap_or_default();
    if ascii { prefix.len() + 1 } else { prefix.iter().filter(|b| (**b as i8) >= -0x40).count() + 1 }
}

/// Where the required columns are, and the dimension columns.
pub(super) struct Columns {
    pub(super) metric: usize,
    pub(super) period: usize,
    pub(super) value: usize,
    pub(super) kind: Option<usize>,
    /// (column index, dimension id)
    pub(super) dimensions: Vec<(usize, String)>,
    pub(super) names: Vec<String>,
}

pub(super) fn header(loader: &mut Loader, name: &str, bytes: &[u8], record: &Record) -> Option<Columns> {
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
pub(super) struct Start {
    pub(super) offset: usize,
    pub(super) line: u32,
    pub(super) line_start: usize,
}

/// How to read the rows of one file: shared, read-only, by both threads.
pub(super) struct Reading<'a> {
    pub(super) name: &'a str,
    pub(super) file: u32,
    pub(super) columns: &'a Columns,
}

/// What reading a stretch of rows yields.
pub(super) struct Chunk {
    pub(super) store: Store,
    pub(super) errors: Vec<Diagnostic>,
    /// Errors past the per-file limit, counted only.
    pub(super) suppressed: usize,
}

/// The mutable state of reading one stretch.
pub(super) struct ChunkReader<'a> {
    pub(super) reading: &'a Reading<'a>,
    /// The stretch's text, and whether it is all ASCII (then columns are byte counts).
    pub(super) bytes: &'a [u8],
    pub(super) ascii: bool,
    pub(super) chunk: Chunk,
    /// A reused buffer for the row's (dimension, member) pairs.
    pub(super) pairs: Vec<(u32, u32)>,
    /// Exports repeat the period row after row: the previous cell and its period.
    pub(super) last_period: Option<(Vec<u8>, Period)>,
}

impl<'a> Reading<'a> {
    pub(super) fn new(name: &'a str, file: u32, columns: &'a Columns) -> Self {
        Reading { name, file, columns }
    }

    /// Reads the rows of `bytes` from `start` on, with room for at least `capacity` rows.
    pub(super) fn read(&self, bytes: &[u8], start: Start, capacity: usize) -> Chunk {
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
    pub(super) fn column_of(&self, cell: &Cell) -> usize {
        char_column(self.bytes, cell, self.ascii)
    }

    pub(super) fn report(&mut self, rule: Rule, cell: &Cell, message: impl FnOnce() -> String, help: &str) {
        if self.chunk.errors.len() >= MAX_ERRORS_PER_FILE {
            // Past the limit the errors are only counted; a huge broken file costs no more than a good one.
            self.chunk.suppressed += 1;
            return;
        }
        let origin =
            Origin { file: self.reading.name.to_string(), line: cell.line as usize, column: self.column_of(cell) };
        self.chunk.errors.push(at_origin(Diagnostic::error(rule, message()), &origin).with_help(help));
    }

    /// [`ChunkReader::report`] with the help for a Chinese book as well.
    fn report_in_both(&mut self, rule: Rule, cell: &Cell, message: impl FnOnce() -> String, help: [&str; 2]) {
        let before = self.chunk.errors.len();
        self.report(rule, cell, message, help[0]);
        if self.chunk.errors.len() > before
            && let Some(error) = self.chunk.errors.last_mut()
        {
            error.help_zh = Some(help[1].to_string());
        }
    }

    pub(super) fn cell_name(&self, column: usize) -> String {
        self.reading.columns.names.get(column).cloned().unwrap_or_default()
    }

    pub(super) fn bad_utf8(&mut self, cell: &Cell, column: usize) {
        let name = self.cell_name(column);
        let line = cell.line;
        let message = || format!("row {line}, column {} ({name}) is not valid UTF-8", column + 1);
        self.report_in_both(Rule::DataSyntax, cell, message, ["save the file as UTF-8", "把文件另存为UTF-8"]);
    }

    pub(super) fn row(&mut self, record: &Record) {
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

    pub(super) fn period(&mut self, text: &[u8], cell: &Cell) -> Option<Period> {
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

    pub(super) fn kind(&mut self, record: &Record) -> Option<Kind> {
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
    pub(super) fn slice(&mut self, record: &Record) -> Option<u32> {
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

    pub(super) fn bad_value(&mut self, text: &[u8], cell: &Cell, error: NumberError) {
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
        let help = [
            "write plain numbers such as 9800000 or -1.25e3: no thousands separators, currency signs or %",
            "写成纯数字，如9800000或-1.25e3：不要千位分隔符、货币符号或%",
        ];
        self.report_in_both(Rule::DataBadValue, cell, message, help);
    }
}

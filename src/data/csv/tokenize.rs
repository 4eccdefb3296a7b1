//! The CSV tokenizer: records and cells of a file's bytes, with the line and offset where each cell starts.

/// One record of a CSV file, as [`Tokenizer::next_record`] reads it: its cells and where each starts.
#[derive(Default)]
pub(super) struct Record {
    pub(super) cells: Vec<Cell>,
    /// Texts of cells that differ from their source bytes (quoted cells with `""` or text after the closing
    /// quote).
    pub(super) buffer: Vec<u8>,
}

/// Where a cell is: its text, and its first character (the opening quote of a quoted cell) in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Cell {
    /// The text's byte range, in the source or (when `buffered`) in the record's buffer.
    pub(super) from: u32,
    pub(super) to: u32,
    pub(super) buffered: bool,
    /// Byte offset of the cell's first character.
    pub(super) begin: u32,
    /// The cell's 1-based line, and the byte offset where that line starts. (Offsets fit 32 bits: data files
    /// are at most `MAX_FILE_BYTES`; small cells keep a row's cells in one cache line or two.)
    pub(super) line: u32,
    pub(super) line_begin: u32,
}

impl Cell {
    pub(super) fn new(start: usize, line: u32, line_start: usize) -> Self {
        let (begin, line_begin) = (start as u32, line_start as u32);
        Cell { from: begin, to: begin, buffered: false, begin, line, line_begin }
    }

    pub(super) fn set_text(&mut self, (from, to): (usize, usize), buffered: bool) {
        (self.from, self.to, self.buffered) = (from as u32, to as u32, buffered);
    }

    pub(super) fn start(&self) -> usize {
        self.begin as usize
    }

    pub(super) fn line_start(&self) -> usize {
        self.line_begin as usize
    }
}

impl Record {
    #[inline]
    pub(super) fn text<'s>(&'s self, source: &'s [u8], cell: &Cell) -> &'s [u8] {
        let bytes = if cell.buffered { &self.buffer } else { source };
        bytes.get(cell.from as usize..cell.to as usize).unwrap_or_default()
    }
}

/// Splits CSV text into records exactly as the `csv` crate reads it with its defaults (`,`, `"` with `""`
/// escapes, `\n`, `\r\n` or `\r` ending records, blank lines skipped, a quote inside an unquoted cell or after
/// a closing quote taken literally, an unclosed quote running to the end), but without copying cells and
/// with every cell's position. Lines are counted in `\n`s, as editors number them.
pub(super) struct Tokenizer<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) line: u32,
    pub(super) line_start: usize,
}

/// The end of an unquoted cell: the first comma or line end from `from` on (or the end of the text).
#[inline]
pub(super) fn cell_end(bytes: &[u8], from: usize) -> usize {
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
    pub(super) fn new(bytes: &'a [u8], first_line: u32) -> Self {
        Tokenizer { bytes, pos: 0, line: first_line, line_start: 0 }
    }

    /// Reads the next record into `record`; `false` at the end of the text.
    pub(super) fn next_record(&mut self, record: &mut Record) -> bool {
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
    pub(super) fn cell(&mut self, record: &mut Record) -> bool {
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
    pub(super) fn quoted(&mut self, record: &mut Record, cell: &mut Cell) -> usize {
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

    pub(super) fn finish_quoted(
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
    pub(super) fn count_lines(&mut self, from: usize, to: usize) {
        for newline in memchr::memchr_iter(b'\n', &self.bytes[from..to]) {
            self.line = self.line.saturating_add(1);
            self.line_start = from + newline + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::without_bom;
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

    /// The plain reference for the tokenizer: the records of a text by `csv-core` (the state machine under the
    /// `csv` crate), each cell's text with the line and byte column it starts at. `csv-core` tells how many bytes
    /// each field took, so a cell starts where the field before it ended; a record's first cell starts after
    /// the line ends that `csv-core` skips between records.
    fn csv_core_records(bytes: &[u8]) -> Vec<Vec<(Vec<u8>, u32, usize)>> {
        let mut reader = csv_core::Reader::new();
        let mut output = vec![0; bytes.len() + 1];
        let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), Vec::new());
        let (mut read, mut field_start) = (0, None);
        loop {
            let start = *field_start.get_or_insert_with(|| {
                let skipped = if record.is_empty() {
                    bytes[read..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count()
                } else {
                    0
                };
                read + skipped
            });
            let (result, taken, written) = reader.read_field(&bytes[read..], &mut output);
            read += taken;
            field.extend_from_slice(&output[..written]);
            match result {
                csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => continue,
                csv_core::ReadFieldResult::End => return records,
                csv_core::ReadFieldResult::Field { record_end } => {
                    let before = &bytes[..start];
                    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |newline| newline + 1);
                    record.push((std::mem::take(&mut field), line, start - line_start + 1));
                    field_start = None;
                    if record_end {
                        records.push(std::mem::take(&mut record));
                    }
                }
            }
        }
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The tokenizer splits any text into the same records and cells as the `csv` crate, and places each
        /// cell where the `csv-core` reference does.
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
            // Texts and places as the plain `csv-core` reference gives them (a BOM the loader keeps, after the
            // two it drops, is text to the tokenizer but dropped again by `csv-core`).
            let body = without_bom(text.as_bytes());
            if !body.starts_with(b"\xEF\xBB\xBF") {
                proptest::prop_assert_eq!(tokenize(body), csv_core_records(body));
            }
            // Lines count `\n`s before each cell.
            for record in tokenize(text.as_bytes()) {
                for (_, line, _) in record {
                    proptest::prop_assert!(line as usize <= text.matches('\n').count() + 1);
                }
            }
        }
    }
}

//! CSV exports: one row per fact, columns `metric`, `period`, `value`, optional `kind`, and every
//! other column a dimension (an empty cell is the total).
//!
//! Built for million-row files: rows are read as byte records into one reused buffer, repeated texts (metric
//! ids, members, whole slices) are interned to small numbers across all CSV files of a load, and each row
//! becomes a compact record. At the end the records are sorted by one packed integer key, which finds
//! duplicates and yields the [`FactTable`] directly.

mod intern;
mod rows;
mod tokenize;

use super::load::{Loader, duplicate_fact};
use super::table::{FactTable, TableRows};
use super::{Origin, Slice};
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;
use intern::{Interner, Place, Store};
use rows::{Reading, Start, header};
use tokenize::{Record, Tokenizer};

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

/// Files at least this large are read in two halves at once (when no field is quoted, so that every
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
            let (first, second) = crate::parallel::join_for_data(
                // The first half's rows take in the second's afterwards: room for all of them saves a copy.
                || reading.read(first, body, newlines(&bytes[body.offset..]) as usize + 1),
                || reading.read(second, second_start, 0),
            );
            vec![first, second]
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
    if crate::parallel::worker_threads() < 2 {
        return None;
    }
    let middle = body.len() / 2;
    let cut = middle + memchr::memchr(b'\n', &body[middle..])? + 1;
    (cut < body.len()).then_some(cut)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;

    use super::super::FactKey;
    use super::*;
    use crate::data::{Kind, Period};

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

    #[test]
    fn ranks_follow_sort_order() {
        let (sorted, ranks) = sorted_with_ranks(vec!["b", "a", "c"]);
        assert_eq!(sorted, ["a", "b", "c"]);
        assert_eq!(ranks, [1, 0, 2]);
    }

    /// A large file loaded by the first of many chapter threads that need it (as expansion loads the data set
    /// on first use) reads in two halves without waiting for those threads, and gives every fact.
    #[test]
    fn a_large_file_loads_from_the_threads_that_wait_for_it() {
        use rayon::prelude::*;
        let mut text = String::from("metric,period,region,value\n");
        for row in 0..80_000 {
            text.push_str(&format!("m{},{}-Q{},r{},{}\n", row % 7, 1990 + row / 400, row % 4 + 1, row % 100, row));
        }
        assert!(text.len() > PARALLEL_BYTES);
        let loaded = std::sync::OnceLock::new();
        let counts: Vec<usize> = (0..16)
            .into_par_iter()
            .map(|_| {
                let data = loaded.get_or_init(|| {
                    crate::data::load_sources(&[("big.csv".to_string(), text.as_bytes().to_vec())]).map_err(|e| e.len())
                });
                data.as_ref().map_or(0, |data| data.fact_count())
            })
            .collect();
        assert!(counts.iter().all(|&count| count == 80_000), "{:?}", &counts[..1]);
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

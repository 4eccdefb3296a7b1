//! Facts from CSV files, stored compactly: values and lines in file order, plus one sorted array of packed
//! keys that says where each fact is.
//!
//! Why: the speed budgets (docs/src/speed.md) ask a 1,000,000-row CSV to load at no less than half the speed of plain
//! `csv` iteration. In [`DataSet::facts`](super::DataSet::facts) every fact owns its metric id, a `BTreeMap` slice (one
//! ~500-byte node) and its file name: about 700 bytes and six allocations a fact, seconds for a million rows. Here a
//! fact is an 8-byte key (16 for very varied data), a 16-byte value and a 4-byte line; metric ids and slices are
//! stored once each, and nothing is copied after the rows are read.
//!
//! Read facts through the [`DataSet`](super::DataSet) methods (`fact`, `facts_iter`, `facts_of_metric`), which
//! see both stores.

use std::cmp::Ordering;
use std::ops::Range;

use rust_decimal::Decimal;

use super::{FactKey, Kind, Origin, Period, Slice};

/// One fact, borrowed from either store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FactRef<'a> {
    pub metric: &'a str,
    pub period: Period,
    pub slice: &'a Slice,
    pub kind: Kind,
    pub value: Decimal,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
}

impl FactRef<'_> {
    pub fn origin(&self) -> Origin {
        Origin { file: self.file.to_string(), line: self.line, column: self.column }
    }

    pub fn key(&self) -> FactKey {
        FactKey { metric: self.metric.to_string(), period: self.period, slice: self.slice.clone(), kind: self.kind }
    }

    /// Orders like [`FactKey`].
    pub fn cmp_key(&self, other: &FactRef<'_>) -> Ordering {
        (self.metric, self.period, self.slice, self.kind).cmp(&(other.metric, other.period, other.slice, other.kind))
    }
}

/// A 20-bit number that orders periods as `Period`'s derived `Ord` does (variant, then year, then index).
pub(crate) fn period_code(period: Period) -> u32 {
    let variant = match period {
        Period::Year(_) => 0,
        Period::Half(..) => 1,
        Period::Quarter(..) => 2,
        Period::Month(..) => 3,
    };
    // Years are 1000–9999 (14 bits), indexes 1–12 (4 bits).
    (variant << 18) | ((period.year() as u32 & 0x3FFF) << 4) | u32::from(period.index() & 0xF)
}

fn period_from_code(code: u32) -> Period {
    let year = ((code >> 4) & 0x3FFF) as i32;
    let index = (code & 0xF) as u8;
    match code >> 18 {
        0 => Period::Year(year),
        1 => Period::Half(year, index),
        2 => Period::Quarter(year, index),
        _ => Period::Month(year, index),
    }
}

pub(crate) fn kind_code(kind: Kind) -> u32 {
    match kind {
        Kind::Actual => 0,
        Kind::Target => 1,
        Kind::Standard => 2,
    }
}

fn kind_from_code(code: u32) -> Kind {
    match code {
        0 => Kind::Actual,
        1 => Kind::Target,
        _ => Kind::Standard,
    }
}

/// A row's key while rows are read: metric and slice numbers (interned ids, then ranks) and the period code
/// with the kind in its two low bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowKey {
    pub metric: u32,
    pub slice: u32,
    pub period_kind: u32,
}

impl RowKey {
    pub(crate) fn new(metric: u32, period: Period, slice: u32, kind: Kind) -> Self {
        RowKey { metric, slice, period_kind: (period_code(period) << 2) | kind_code(kind) }
    }
}

/// How a key packs (metric rank, period, kind, slice rank, row): metric | period (20 bits) | slice
/// (`slice_bits`) | kind (2) | row (`row_bits`). Sorting keys sorts facts like [`FactKey`], then by row.
#[derive(Clone, Copy, Debug, Default)]
struct Layout {
    slice_bits: u32,
    row_bits: u32,
}

impl Layout {
    fn fact(&self, metric: u32, period_kind: u32, slice: u32) -> u128 {
        let (period, kind) = (period_kind >> 2, period_kind & 3);
        ((((u128::from(metric) << 20) | u128::from(period)) << self.slice_bits | u128::from(slice)) << 2)
            | u128::from(kind)
    }

    fn key(&self, row: &RowKey, index: usize) -> u128 {
        (self.fact(row.metric, row.period_kind, row.slice) << self.row_bits) | index as u128
    }

    /// The key without its row number: equal for two rows of one fact.
    fn fact_of(&self, key: u128) -> u128 {
        key >> self.row_bits
    }

    /// The (metric, period) part of a key.
    fn block_of(&self, key: u128) -> u128 {
        self.fact_of(key) >> (self.slice_bits + 2)
    }

    fn row_of(&self, key: u128) -> usize {
        (key & ((1u128 << self.row_bits) - 1)) as usize
    }

    fn metric_of(&self, key: u128) -> usize {
        (self.fact_of(key) >> (self.slice_bits + 22)) as usize
    }

    /// (metric, period, slice, kind) of a key.
    fn parts(&self, key: u128) -> (usize, Period, usize, Kind) {
        let fact = self.fact_of(key);
        let kind = kind_from_code((fact & 3) as u32);
        let slice = ((fact >> 2) & ((1u128 << self.slice_bits) - 1)) as usize;
        let period = period_from_code(((fact >> (self.slice_bits + 2)) & 0xF_FFFF) as u32);
        (self.metric_of(key), period, slice, kind)
    }
}

/// Sorted keys: 64 bits wide when the data allows (faster to sort, half the memory), else 128.
#[derive(Clone, Debug)]
enum Keys {
    Narrow(Vec<u64>),
    Wide(Vec<u128>),
}

impl Default for Keys {
    fn default() -> Self {
        Keys::Narrow(Vec::new())
    }
}

impl Keys {
    fn len(&self) -> usize {
        match self {
            Keys::Narrow(keys) => keys.len(),
            Keys::Wide(keys) => keys.len(),
        }
    }

    fn get(&self, index: usize) -> u128 {
        match self {
            Keys::Narrow(keys) => u128::from(keys[index]),
            Keys::Wide(keys) => keys[index],
        }
    }

    fn partition_point(&self, before: impl Fn(u128) -> bool) -> usize {
        match self {
            Keys::Narrow(keys) => keys.partition_point(|key| before(u128::from(*key))),
            Keys::Wide(keys) => keys.partition_point(|key| before(*key)),
        }
    }
}

/// The CSV facts of a data set.
#[derive(Clone, Debug, Default)]
pub struct FactTable {
    /// Metric ids in sorted order (keys hold ranks).
    metrics: Vec<String>,
    /// Slices in sorted order (keys hold ranks).
    slices: Vec<Slice>,
    /// The source files.
    files: Vec<String>,
    layout: Layout,
    /// One key per fact, strictly ascending by fact.
    keys: Keys,
    /// Per row, in file order (rows of duplicates stay, unreferenced): the value, and the line and 1-based
    /// character column of its cell.
    values: Vec<Decimal>,
    lines: Vec<u32>,
    columns: Vec<u32>,
    /// (first row, file) of each run of rows from one file.
    file_runs: Vec<(u32, u32)>,
}

/// Rows for [`FactTable::build`], in file order; `keys` hold metric and slice ranks.
pub(crate) struct TableRows {
    pub metrics: Vec<String>,
    pub slices: Vec<Slice>,
    pub files: Vec<String>,
    pub keys: Vec<RowKey>,
    pub values: Vec<Decimal>,
    pub lines: Vec<u32>,
    pub columns: Vec<u32>,
    pub file_runs: Vec<(u32, u32)>,
}

/// A fact given twice: its key, the first place and the later one.
pub(crate) type Duplicate = (FactKey, Origin, Origin);

/// From this many keys on, sorting uses two threads.
const PARALLEL_SORT: usize = 1 << 16;

/// Sorts distinct keys. Exports usually list facts by metric and period already (their keys then come in
/// ascending (metric, period) runs): only each run is sorted, small and in cache, the runs of each half on
/// their own thread. Keys are distinct, so the result is the same as one sort of the whole.
fn sort_keys<K: Copy + Ord + Send>(keys: &mut [K], block_of: impl Fn(K) -> u128 + Sync) {
    if !keys.windows(2).all(|pair| block_of(pair[0]) <= block_of(pair[1])) {
        keys.sort_unstable();
        return;
    }
    let sort_runs = |part: &mut [K]| {
        for run in part.chunk_by_mut(|a, b| block_of(*a) == block_of(*b)) {
            run.sort_unstable();
        }
    };
    if keys.len() < PARALLEL_SORT || crate::parallel::worker_threads() < 2 {
        sort_runs(keys);
        return;
    }
    // Cut at the end of the run the middle key is in.
    let middle = block_of(keys[keys.len() / 2]);
    let cut = keys.partition_point(|key| block_of(*key) <= middle);
    let (first, second) = keys.split_at_mut(cut);
    crate::parallel::join_for_data(|| sort_runs(first), || sort_runs(second));
}

/// How many bits hold the numbers below `count`.
fn bits_for(count: usize) -> u32 {
    usize::BITS - count.saturating_sub(1).leading_zeros()
}

impl FactTable {
    /// Sorts the rows by fact; of a fact given twice the first row is kept and the pair is returned.
    /// `narrow_bits` is the widest key kept in 64 bits (64; tests pass less to try the wide form).
    pub(crate) fn build(rows: TableRows, narrow_bits: u32) -> (FactTable, Vec<Duplicate>) {
        let TableRows { metrics, slices, files, keys: row_keys, values, lines, columns, file_runs } = rows;
        let layout = Layout { slice_bits: bits_for(slices.len()), row_bits: bits_for(row_keys.len()).max(1) };
        let total_bits = bits_for(metrics.len()) + 22 + layout.slice_bits + layout.row_bits;
        let mut table =
            FactTable { metrics, slices, files, layout, keys: Keys::default(), values, lines, columns, file_runs };
        let mut duplicates = Vec::new();
        let keys = if total_bits <= narrow_bits.min(64) {
            let mut keys: Vec<u64> =
                row_keys.iter().enumerate().map(|(index, row)| layout.key(row, index) as u64).collect();
            drop(row_keys);
            sort_keys(&mut keys, |key| layout.block_of(u128::from(key)));
            keys.dedup_by(|later, first| table.is_duplicate(u128::from(*first), u128::from(*later), &mut duplicates));
            Keys::Narrow(keys)
        } else {
            let mut keys: Vec<u128> = row_keys.iter().enumerate().map(|(index, row)| layout.key(row, index)).collect();
            drop(row_keys);
            sort_keys(&mut keys, |key| layout.block_of(key));
            keys.dedup_by(|later, first| table.is_duplicate(*first, *later, &mut duplicates));
            Keys::Wide(keys)
        };
        table.keys = keys;
        (table, duplicates)
    }

    /// Whether two adjacent sorted keys are the same fact; if so, records the duplicate.
    fn is_duplicate(&self, first: u128, later: u128, duplicates: &mut Vec<Duplicate>) -> bool {
        if self.layout.fact_of(first) != self.layout.fact_of(later) {
            return false;
        }
        let fact = self.fact_at(first);
        let first_origin = fact.origin();
        duplicates.push((fact.key(), first_origin, self.fact_at(later).origin()));
        true
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.len() == 0
    }

    /// The fact at a position in key order.
    pub fn row(&self, index: usize) -> FactRef<'_> {
        self.fact_at(self.keys.get(index))
    }

    fn fact_at(&self, key: u128) -> FactRef<'_> {
        let (metric, period, slice, kind) = self.layout.parts(key);
        let row = self.layout.row_of(key);
        let run = self.file_runs.partition_point(|(start, _)| *start as usize <= row).saturating_sub(1);
        let file = self.file_runs.get(run).map_or(0, |(_, file)| *file as usize);
        let file = self.files.get(file).map_or("", String::as_str);
        FactRef {
            metric: &self.metrics[metric],
            period,
            slice: &self.slices[slice],
            kind,
            value: self.values[row],
            file,
            line: self.lines[row] as usize,
            column: self.columns[row] as usize,
        }
    }

    /// The metric rank and period of the fact at a position in key order.
    pub(crate) fn metric_period_at(&self, index: usize) -> (usize, Period) {
        let (metric, period, _, _) = self.layout.parts(self.keys.get(index));
        (metric, period)
    }

    /// How many facts from `start` on have the given metric rank and period (the facts of one (metric,
    /// period) are adjacent in key order).
    pub(crate) fn run_length(&self, start: usize, metric: usize, period: Period) -> usize {
        let shift = self.layout.slice_bits + 2;
        let wanted = self.layout.fact(metric as u32, period_code(period) << 2, 0) >> shift;
        let end = self.keys.partition_point(|key| self.layout.fact_of(key) >> shift <= wanted);
        end.saturating_sub(start)
    }

    /// The slice rank, kind and value of the fact at a position in key order.
    #[inline]
    pub(crate) fn slice_kind_value_at(&self, index: usize) -> (usize, Kind, Decimal) {
        let key = self.keys.get(index);
        let (_, _, slice, kind) = self.layout.parts(key);
        (slice, kind, self.values[self.layout.row_of(key)])
    }

    pub fn iter(&self) -> impl Iterator<Item = FactRef<'_>> + '_ {
        (0..self.len()).map(|index| self.row(index))
    }

    fn metric_rank(&self, metric: &str) -> Option<u32> {
        self.metrics.binary_search_by(|m| m.as_str().cmp(metric)).ok().map(|i| i as u32)
    }

    /// The position (in key order) of one fact.
    pub fn find(&self, metric: &str, period: Period, slice: &Slice, kind: Kind) -> Option<usize> {
        let metric = self.metric_rank(metric)?;
        let slice = self.slices.binary_search(slice).ok()? as u32;
        let wanted = self.layout.fact(metric, (period_code(period) << 2) | kind_code(kind), slice);
        let index = self.keys.partition_point(|key| self.layout.fact_of(key) < wanted);
        (index < self.len() && self.layout.fact_of(self.keys.get(index)) == wanted).then_some(index)
    }

    /// The positions of one metric's facts.
    pub fn metric_rows(&self, metric: &str) -> Range<usize> {
        let Some(rank) = self.metric_rank(metric) else { return 0..0 };
        let rank = rank as usize;
        let start = self.keys.partition_point(|key| self.layout.metric_of(key) < rank);
        let end = self.keys.partition_point(|key| self.layout.metric_of(key) <= rank);
        start..end
    }

    /// The distinct slices of the table's facts, sorted.
    pub fn slices(&self) -> &[Slice] {
        &self.slices
    }

    /// The metric ids the table has facts for, sorted.
    pub fn metric_ids(&self) -> &[String] {
        &self.metrics
    }
}

/// Merges two streams sorted like [`FactKey`] into one (ties, which loading forbids, keep both).
pub(crate) fn merge_sorted<'a>(
    left: impl Iterator<Item = FactRef<'a>>,
    right: impl Iterator<Item = FactRef<'a>>,
) -> impl Iterator<Item = FactRef<'a>> {
    let mut left = left.peekable();
    let mut right = right.peekable();
    std::iter::from_fn(move || match (left.peek(), right.peek()) {
        (Some(a), Some(b)) => {
            if a.cmp_key(b) != Ordering::Greater {
                left.next()
            } else {
                right.next()
            }
        }
        (Some(_), None) => left.next(),
        (None, _) => right.next(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_codes_round_trip_and_order_like_periods() {
        let mut periods = vec![
            Period::Month(2023, 12),
            Period::Year(2024),
            Period::Quarter(2023, 4),
            Period::Half(2022, 2),
            Period::Year(2023),
            Period::Month(2023, 2),
            Period::Quarter(2024, 1),
        ];
        for period in &periods {
            assert_eq!(period_from_code(period_code(*period)), *period);
        }
        let mut by_code = periods.clone();
        periods.sort();
        by_code.sort_by_key(|p| period_code(*p));
        assert_eq!(periods, by_code);
        assert_eq!((bits_for(0), bits_for(1), bits_for(2), bits_for(5), bits_for(256)), (0, 0, 1, 3, 8));
    }

    #[test]
    fn sorting_by_runs_equals_one_sort() {
        // Keys in ascending runs of their high part (as exports come), large enough for two threads; then the
        // same keys shuffled across runs.
        let mut next = crate::testing::xorshift(12345);
        let mut keys: Vec<u64> = (0..200_000u64).map(|i| ((i / 700) << 40) | (next() & 0xFF_FFFF) << 16 | i).collect();
        let mut expected = keys.clone();
        expected.sort_unstable();
        sort_keys(&mut keys, |key| u128::from(key >> 40));
        assert_eq!(keys, expected);
        keys.reverse();
        sort_keys(&mut keys, |key| u128::from(key >> 40));
        assert_eq!(keys, expected);
    }

    fn sample(narrow_bits: u32) -> (FactTable, Vec<Duplicate>, Vec<Slice>) {
        let slices = vec![Slice::new(), Slice::from([("region".to_string(), "east".to_string())])];
        // In file order, not key order; the last row repeats the first fact.
        let rows = [
            (1, Period::Year(2023), 0, Kind::Actual, 4),
            (0, Period::Quarter(2023, 1), 0, Kind::Target, 3),
            (0, Period::Year(2023), 1, Kind::Actual, 2),
            (0, Period::Year(2023), 0, Kind::Actual, 1),
            (1, Period::Year(2023), 0, Kind::Actual, 9),
        ];
        let keys = rows.iter().map(|(m, p, s, k, _)| RowKey::new(*m, *p, *s, *k)).collect();
        let values = rows.iter().map(|row| Decimal::from(row.4)).collect();
        let rows = TableRows {
            metrics: vec!["cost".into(), "revenue".into()],
            slices: slices.clone(),
            files: vec!["a.csv".into(), "b.csv".into()],
            keys,
            values,
            lines: vec![2, 3, 4, 5, 2],
            columns: vec![4, 4, 4, 4, 2],
            file_runs: vec![(0, 0), (4, 1)],
        };
        let (table, duplicates) = FactTable::build(rows, narrow_bits);
        (table, duplicates, slices)
    }

    #[test]
    fn finds_rows_by_key_in_both_widths() {
        for narrow_bits in [64, 0] {
            let (table, duplicates, slices) = sample(narrow_bits);
            assert_eq!(matches!(table.keys, Keys::Narrow(_)), narrow_bits == 64);
            assert_eq!(table.len(), 4);
            assert_eq!(duplicates.len(), 1);
            let (key, first, later) = &duplicates[0];
            assert_eq!(
                (key.metric.as_str(), first.to_string(), later.to_string()),
                ("revenue", "a.csv:2:4".into(), "b.csv:2:2".into())
            );
            let row = table.find("cost", Period::Year(2023), &slices[1], Kind::Actual).unwrap();
            assert_eq!(table.row(row).value, Decimal::from(2));
            assert_eq!(table.row(row).origin().to_string(), "a.csv:4:4");
            assert_eq!(table.row(row).key().slice, slices[1]);
            assert_eq!(table.find("cost", Period::Year(2024), &slices[0], Kind::Actual), None);
            assert_eq!(table.find("sales", Period::Year(2023), &slices[0], Kind::Actual), None);
            assert_eq!(table.metric_rows("cost"), 0..3);
            assert_eq!(table.metric_rows("revenue"), 3..4);
            assert_eq!(table.metric_rows("nothing"), 0..0);
            let facts: Vec<(Period, Kind, Decimal)> = table.iter().map(|f| (f.period, f.kind, f.value)).collect();
            assert_eq!(
                facts,
                [
                    (Period::Year(2023), Kind::Actual, Decimal::from(1)),
                    (Period::Year(2023), Kind::Actual, Decimal::from(2)),
                    (Period::Quarter(2023, 1), Kind::Target, Decimal::from(3)),
                    (Period::Year(2023), Kind::Actual, Decimal::from(4)),
                ]
            );
        }
    }
}

//! Facts from CSV files, stored compactly: sorted packed keys and parallel columns instead of a map of owned
//! keys.
//!
//! Why: SPEC 9 asks a 1,000,000-row CSV to load at no less than half the speed of plain `csv` iteration. In
//! [`DataSet::facts`](super::DataSet::facts) every fact owns its metric id, a `BTreeMap` slice (one ~500-byte
//! node) and its file name: about 700 bytes and six allocations a fact, seconds for a million rows. Here a fact
//! is a 16-byte key, a 16-byte value and 8 bytes of position; metric ids and slices are stored once each.
//!
//! Read facts through the [`DataSet`](super::DataSet) methods (`fact`, `facts_iter`, `facts_of_metric`), which
//! see both stores.

use std::cmp::Ordering;
use std::ops::Range;

use rust_decimal::Decimal;

use super::{FactKey, Kind, Origin, Period, Slice};

/// The CSV facts of a data set. Keys sort exactly like [`FactKey`] (metric, period, slice, kind), because
/// metric and slice numbers are ranks in sorted order.
#[derive(Clone, Debug, Default)]
pub struct FactTable {
    /// Metric ids in sorted order.
    metrics: Vec<String>,
    /// Slices in sorted order.
    slices: Vec<Slice>,
    /// Each source file and the 1-based column of its values.
    files: Vec<(String, usize)>,
    /// Packed keys (see [`pack`]), strictly ascending.
    keys: Vec<u128>,
    values: Vec<Decimal>,
    /// (file index, line) of each fact.
    places: Vec<(u32, u32)>,
}

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

pub(crate) fn kind_code(kind: Kind) -> u128 {
    match kind {
        Kind::Actual => 0,
        Kind::Target => 1,
        Kind::Standard => 2,
    }
}

fn kind_from_code(code: u128) -> Kind {
    match code {
        0 => Kind::Actual,
        1 => Kind::Target,
        _ => Kind::Standard,
    }
}

/// metric rank (32 bits) | period code (20) | slice rank (32) | kind (2): 86 bits.
pub(crate) fn pack(metric: u32, period: Period, slice: u32, kind: Kind) -> u128 {
    (u128::from(metric) << 54) | (u128::from(period_code(period)) << 34) | (u128::from(slice) << 2) | kind_code(kind)
}

impl FactTable {
    /// Builds a table from columns sorted by (strictly ascending) key, with sorted metric ids and slices that
    /// the keys' ranks index.
    pub(crate) fn from_columns(
        metrics: Vec<String>,
        slices: Vec<Slice>,
        files: Vec<(String, usize)>,
        keys: Vec<u128>,
        values: Vec<Decimal>,
        places: Vec<(u32, u32)>,
    ) -> FactTable {
        debug_assert!(keys.is_sorted_by(|a, b| a < b), "table keys must be strictly ascending");
        debug_assert!(keys.len() == values.len() && keys.len() == places.len());
        FactTable { metrics, slices, files, keys, values, places }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The fact at a row.
    pub fn row(&self, index: usize) -> FactRef<'_> {
        let key = self.keys[index];
        let (file, line) = self.places[index];
        let (file, column) = self.files.get(file as usize).map_or(("", 0), |(name, column)| (name.as_str(), *column));
        FactRef {
            metric: &self.metrics[(key >> 54) as usize],
            period: period_from_code(((key >> 34) & 0xF_FFFF) as u32),
            slice: &self.slices[((key >> 2) & 0xFFFF_FFFF) as usize],
            kind: kind_from_code(key & 3),
            value: self.values[index],
            file,
            line: line as usize,
            column,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = FactRef<'_>> + '_ {
        (0..self.len()).map(|index| self.row(index))
    }

    fn metric_rank(&self, metric: &str) -> Option<u32> {
        self.metrics.binary_search_by(|m| m.as_str().cmp(metric)).ok().map(|i| i as u32)
    }

    /// The row of one fact.
    pub fn find(&self, metric: &str, period: Period, slice: &Slice, kind: Kind) -> Option<usize> {
        let metric = self.metric_rank(metric)?;
        let slice = self.slices.binary_search(slice).ok()? as u32;
        self.keys.binary_search(&pack(metric, period, slice, kind)).ok()
    }

    /// The rows of one metric.
    pub fn metric_rows(&self, metric: &str) -> Range<usize> {
        let Some(rank) = self.metric_rank(metric) else { return 0..0 };
        let start = self.keys.partition_point(|key| (key >> 54) < u128::from(rank));
        let end = self.keys.partition_point(|key| (key >> 54) <= u128::from(rank));
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
    }

    #[test]
    fn finds_rows_by_key() {
        let slices = vec![Slice::new(), Slice::from([("region".to_string(), "east".to_string())])];
        let facts = [
            (0, Period::Year(2023), 0, Kind::Actual, 1),
            (0, Period::Year(2023), 1, Kind::Actual, 2),
            (0, Period::Quarter(2023, 1), 0, Kind::Target, 3),
            (1, Period::Year(2023), 0, Kind::Actual, 4),
        ];
        let keys = facts.iter().map(|(metric, period, slice, kind, _)| pack(*metric, *period, *slice, *kind)).collect();
        let values = facts.iter().map(|fact| Decimal::from(fact.4)).collect();
        let places = (0..facts.len() as u32).map(|line| (0, line + 2)).collect();
        let table = FactTable::from_columns(
            vec!["cost".into(), "revenue".into()],
            slices.clone(),
            vec![("a.csv".into(), 4)],
            keys,
            values,
            places,
        );
        let row = table.find("cost", Period::Year(2023), &slices[1], Kind::Actual).unwrap();
        assert_eq!(table.row(row).value, Decimal::from(2));
        assert_eq!(table.row(row).origin().to_string(), "a.csv:3:4");
        assert_eq!(table.row(row).key().slice, slices[1]);
        assert_eq!(table.find("cost", Period::Year(2024), &slices[0], Kind::Actual), None);
        assert_eq!(table.find("sales", Period::Year(2023), &slices[0], Kind::Actual), None);
        assert_eq!(table.metric_rows("cost"), 0..3);
        assert_eq!(table.metric_rows("revenue"), 3..4);
        assert_eq!(table.metric_rows("nothing"), 0..0);
        let kinds: Vec<Kind> = table.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [Kind::Actual, Kind::Actual, Kind::Target, Kind::Actual]);
    }
}

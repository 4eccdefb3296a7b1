//! Interning: repeated texts (metric ids, members, whole slices) numbered across all CSV files of a load, and
//! the compact rows that refer to them.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::data::table::RowKey;

/// A hash map with a fast, fixed (deterministic) hasher: the keys are the file's own short texts.
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Where a text was first seen: file index, line, 1-based column.
pub(super) type Place = (u32, u32, usize);

/// Texts of one kind (metric ids, or one dimension's members), numbered in order of first appearance; the
/// previous cell's text is checked first because exports repeat values row after row.
#[derive(Default)]
pub(super) struct Interner {
    /// Texts of up to 15 bytes, packed into one integer (hashing and comparing it is cheaper than bytes).
    pub(super) short: FastMap<u128, u32>,
    pub(super) ids: FastMap<Box<[u8]>, u32>,
    pub(super) texts: Vec<String>,
    pub(super) first_seen: Vec<Place>,
    /// The previous cell's id.
    pub(super) last: Option<u32>,
    /// Per id, the id of the text that followed it last time: exports cycle through members in one order, so
    /// this guesses right on most rows where the text changes, without hashing.
    pub(super) next: Vec<u32>,
}

/// Byte equality, inlined for the short texts of CSV cells (a `memcmp` call costs more than it saves here).
#[inline]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
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
pub(super) fn trimmed(cell: &[u8]) -> &[u8] {
    match (cell.first(), cell.last()) {
        (Some(first), Some(last)) if !first.is_ascii_whitespace() && !last.is_ascii_whitespace() => cell,
        _ => cell.trim_ascii(),
    }
}

/// A text of up to 15 bytes as one integer: the bytes, and the length in the top byte.
#[inline]
pub(super) fn packed_text(cell: &[u8]) -> Option<u128> {
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
    pub(super) fn intern(&mut self, cell: &[u8], place: impl FnOnce() -> Place) -> Result<u32, ()> {
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
    pub(super) fn look_up(&mut self, cell: &[u8], place: impl FnOnce() -> Place) -> Result<u32, ()> {
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
pub(super) fn packed_slice(pairs: &[(u32, u32)]) -> Option<u64> {
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
pub(super) struct Store {
    pub(super) metrics: Interner,
    /// One interner per dimension.
    pub(super) members: Vec<Interner>,
    /// Slices as (dimension, member) id pairs, sorted → slice id; slice 0 is the total.
    pub(super) slice_ids: FastMap<Box<[(u32, u32)]>, u32>,
    pub(super) slices: Vec<Box<[(u32, u32)]>>,
    /// The common case, without hashing a list: slices of the first 4 dimensions with members numbered below
    /// 2¹⁶ − 1, packed into one integer (see [`packed_slice`]); and the previous row's.
    pub(super) packed_slices: FastMap<u64, u32>,
    pub(super) last_slice: (u64, u32),
    /// Per slice id: its packed form (`u64::MAX` if none), and the packed slice that followed it last time
    /// (as [`Interner::next`]).
    pub(super) slice_keys: Vec<u64>,
    pub(super) slice_next: Vec<u32>,
    /// Per row, in file order: the interned key, the value, and the line and column of the value.
    pub(super) keys: Vec<RowKey>,
    pub(super) values: Vec<Decimal>,
    pub(super) lines: Vec<u32>,
    pub(super) columns: Vec<u32>,
    /// (first row, file) of each run of rows from one file.
    pub(super) file_runs: Vec<(u32, u32)>,
}

impl Store {
    pub(super) fn with_dimensions(count: usize, file: u32) -> Store {
        let mut store = Store { file_runs: vec![(0, file)], ..Store::default() };
        store.members.resize_with(count, Interner::default);
        store
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.metrics.texts.is_empty() && self.slices.len() <= 1
    }

    pub(super) fn slice_id(&mut self, pairs: &[(u32, u32)]) -> u32 {
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

    pub(super) fn new_slice(&mut self, pairs: &[(u32, u32)], key: u64) -> u32 {
        let id = self.slices.len() as u32;
        self.slices.push(pairs.into());
        self.slice_keys.push(key);
        self.slice_next.push(u32::MAX);
        id
    }

    /// Adds a stretch's rows, renumbering its texts and slices into this store; `dimensions` maps the
    /// stretch's dimension numbers (columns) to this store's.
    pub(super) fn absorb(&mut self, chunk: Store, dimensions: &[u32]) {
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

#[cfg(test)]
mod tests {
    use super::super::CsvRows;
    use super::*;

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
}

//! Checking given totals against their members (`data/inconsistent-total`, docs/src/data-files.md).
//!
//! Built for million-row exports with subtotals over every combination of dimensions: every distinct slice is
//! numbered once (in [`Slice`] order) and its *groups* worked out once, a group being the pair (slice without
//! one dimension, that dimension). A fact then only adds its value to a few numbered counters; no slice is
//! compared, hashed or copied per fact.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use rust_decimal::Decimal;

use super::table::FactTable;
use super::{DataSet, Fact, FactKey, Kind, Period, Slice};
use crate::diagnostics::Diagnostic;
use crate::rules::Rule;

/// How far members may be off their total before a warning: 0.5% of the total.
const TOLERANCE: Decimal = Decimal::from_parts(5, 0, 0, false, 3);

/// Counters of groups × kinds held in one array, above this many in a hash map (only data with a great many
/// distinct slices gets there).
const DENSE_COUNTERS: usize = 1 << 20;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Where a total and every member of one dimension are given for the same metric, period, kind and other
/// filters, and the members' sum differs from the total by more than 0.5%: a warning at the total. Warnings
/// come in key order of the total's (metric, period), then by (other filters, dimension, kind).
pub fn inconsistent_totals(data: &DataSet) -> Vec<Diagnostic> {
    let map_facts: Vec<(&FactKey, &Fact)> = data.facts.iter().collect();
    let universe = Universe::new(data, &map_facts);
    if universe.same_lengths() {
        // A total has fewer filters than its members: when every slice has as many, there is nothing to check
        // (the common case of a large export without total rows costs nothing).
        return Vec::new();
    }
    let blocks = merged_blocks(data, &map_facts);
    // Blocks are independent: the two halves of the facts are checked at once, and their warnings are joined in
    // order, so the result is the same as from one thread.
    let total: usize = blocks.iter().map(|(rows, facts)| rows.len() + facts.len()).sum();
    let mut seen = 0;
    let middle = blocks
        .iter()
        .position(|(rows, facts)| {
            seen += rows.len() + facts.len();
            seen >= total / 2
        })
        .map_or(blocks.len(), |index| index + 1);
    let (first, second) = blocks.split_at(middle);
    let check = |blocks: &[Block]| check_blocks(data, &universe, &map_facts, blocks);
    if total < PARALLEL_FACTS || crate::parallel::worker_threads() < 2 {
        return check(&blocks);
    }
    let (mut warnings, second) = crate::parallel::join_for_data(|| check(first), || check(second));
    warnings.extend(second);
    warnings
}

/// Below this many facts the check runs on one thread.
const PARALLEL_FACTS: usize = 100_000;

/// The facts of one (metric, period): positions in the table and among the TOML/JSON facts.
type Block = (Range<usize>, Range<usize>);

/// The (metric, period) blocks of both stores, in key order.
fn merged_blocks(data: &DataSet, map_facts: &[(&FactKey, &Fact)]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut map_blocks = blocks_of_map(map_facts).into_iter().peekable();
    let mut table_blocks = blocks_of_table(&data.table).peekable();
    let metric_of = |rank: usize| data.table.metric_ids()[rank].as_str();
    loop {
        let (metric, period) = match (table_blocks.peek(), map_blocks.peek()) {
            (None, None) => break,
            (Some(t), None) => (metric_of(t.0), t.1),
            (None, Some(m)) => (m.0, m.1),
            (Some(t), Some(m)) => std::cmp::min((metric_of(t.0), t.1), (m.0, m.1)),
        };
        let rows = table_blocks.next_if(|t| (metric_of(t.0), t.1) == (metric, period)).map_or(0..0, |t| t.2);
        let facts = map_blocks.next_if(|m| (m.0, m.1) == (metric, period)).map_or(0..0, |m| m.2);
        blocks.push((rows, facts));
    }
    blocks
}

fn check_blocks(
    data: &DataSet,
    universe: &Universe<'_>,
    map_facts: &[(&FactKey, &Fact)],
    blocks: &[Block],
) -> Vec<Diagnostic> {
    let mut check =
        Check { data, universe, counters: Counters::new(universe), found: Vec::new(), warnings: Vec::new() };
    let mut entries = Vec::new();
    for (rows, facts) in blocks {
        entries.clear();
        universe.table_entries(&data.table, rows.clone(), &mut entries);
        if !facts.is_empty() {
            let from_table = entries.len();
            universe.map_entries(&map_facts[facts.clone()], facts.start, &mut entries);
            if from_table > 0 {
                entries.sort_unstable_by_key(|entry| (entry.slice, entry.kind));
            }
        }
        check.block(&entries, map_facts);
    }
    check.warnings
}

/// One fact of a (metric, period) block: its slice number, kind, value and where to find it again.
#[derive(Clone, Copy)]
struct Entry {
    slice: u32,
    kind: Kind,
    value: Decimal,
    source: Source,
}

#[derive(Clone, Copy)]
enum Source {
    /// A position in the table's key order.
    Table(usize),
    /// A position among the TOML/JSON facts.
    Map(usize),
}

/// (metric rank, period, positions) of each (metric, period) run of the table.
fn blocks_of_table(table: &FactTable) -> impl Iterator<Item = (usize, Period, Range<usize>)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= table.len() {
            return None;
        }
        let (metric, period) = table.metric_period_at(start);
        let end = start + table.run_length(start, metric, period);
        let block = (metric, period, start..end);
        start = end;
        Some(block)
    })
}

/// (metric, period, positions) of each (metric, period) run of the TOML/JSON facts (in key order).
fn blocks_of_map<'a>(facts: &[(&'a FactKey, &Fact)]) -> Vec<(&'a str, Period, Range<usize>)> {
    let mut blocks: Vec<(&str, Period, Range<usize>)> = Vec::new();
    for (index, (key, _)) in facts.iter().enumerate() {
        match blocks.last_mut() {
            Some((metric, period, range)) if *metric == key.metric && *period == key.period => range.end = index + 1,
            _ => blocks.push((&key.metric, key.period, index..index + 1)),
        }
    }
    blocks
}

/// Every distinct slice of the data, numbered in [`Slice`] order, with its groups.
struct Universe<'a> {
    slices: Vec<&'a Slice>,
    /// The number of each table slice (by its rank in the table).
    of_table_slice: Vec<u32>,
    /// Dimension ids in sorted order, and how many members each has in the data set.
    dimensions: Vec<&'a str>,
    members: Vec<usize>,
    /// Per group (numbered in (parent slice, dimension) order): the parent slice and the dimension.
    groups: Vec<(u32, u32)>,
    /// Per slice, its range in `group_of`: the groups the slice is a member of.
    group_ranges: Vec<Range<u32>>,
    group_of: Vec<u32>,
}

impl<'a> Universe<'a> {
    fn new(data: &'a DataSet, map_facts: &[(&'a FactKey, &'a Fact)]) -> Self {
        let table_slices = data.table.slices();
        let map_slices: BTreeSet<&Slice> = map_facts.iter().map(|(key, _)| &key.slice).collect();
        let mut slices: Vec<&Slice> = table_slices.iter().chain(map_slices).collect();
        slices.sort_unstable();
        slices.dedup();
        // Both lists are sorted: the table's ranks map to numbers in one walk.
        let mut of_table_slice = Vec::with_capacity(table_slices.len());
        let mut number = 0;
        for slice in table_slices {
            while slices[number] != slice {
                number += 1;
            }
            of_table_slice.push(number as u32);
        }
        let dimensions: Vec<&str> = slices
            .iter()
            .flat_map(|slice| slice.keys().map(String::as_str))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let members = dimensions.iter().map(|id| data.dimensions.get(*id).map_or(0, |d| d.members.len())).collect();
        let mut universe = Universe {
            slices,
            of_table_slice,
            dimensions,
            members,
            groups: Vec::new(),
            group_ranges: Vec::new(),
            group_of: Vec::new(),
        };
        universe.find_groups();
        universe
    }

    fn same_lengths(&self) -> bool {
        let lengths = self.slices.iter().map(|slice| slice.len());
        lengths.clone().min() == lengths.max()
    }

    /// Works out each slice's groups: the slices it is a member of (itself without one dimension), where that
    /// slice exists.
    fn find_groups(&mut self) {
        // Slices as (dimension, member) numbers, to find a parent by hashing a few integers.
        let mut member_numbers: Vec<FastMap<&str, u32>> = vec![FastMap::default(); self.dimensions.len()];
        let encoded: Vec<Vec<(u32, u32)>> = self
            .slices
            .iter()
            .map(|slice| {
                slice
                    .iter()
                    .map(|(dimension, member)| {
                        let d = self.dimensions.binary_search(&dimension.as_str()).unwrap_or(0);
                        let numbers = &mut member_numbers[d];
                        let next = numbers.len() as u32;
                        (d as u32, *numbers.entry(member.as_str()).or_insert(next))
                    })
                    .collect()
            })
            .collect();
        let number_of: FastMap<&[(u32, u32)], u32> =
            encoded.iter().enumerate().map(|(number, pairs)| (pairs.as_slice(), number as u32)).collect();
        // (parent, dimension, member slice) for every member slice whose parent exists.
        let mut memberships: Vec<(u32, u32, u32)> = Vec::new();
        let mut parent = Vec::new();
        for (number, pairs) in encoded.iter().enumerate() {
            for left_out in 0..pairs.len() {
                parent.clear();
                parent.extend(pairs.iter().enumerate().filter(|(i, _)| *i != left_out).map(|(_, pair)| *pair));
                if let Some(&parent_number) = number_of.get(parent.as_slice()) {
                    memberships.push((parent_number, pairs[left_out].0, number as u32));
                }
            }
        }
        // Groups numbered in (parent, dimension) order: sorting counters by number sorts them as warnings go.
        memberships.sort_unstable();
        let mut per_slice: Vec<Vec<u32>> = vec![Vec::new(); self.slices.len()];
        for (parent, dimension, member) in memberships {
            if self.groups.last() != Some(&(parent, dimension)) {
                self.groups.push((parent, dimension));
            }
            per_slice[member as usize].push(self.groups.len() as u32 - 1);
        }
        for groups in per_slice {
            let start = self.group_of.len() as u32;
            self.group_of.extend(groups);
            self.group_ranges.push(start..self.group_of.len() as u32);
        }
    }

    fn groups_of(&self, slice: u32) -> &[u32] {
        let range = &self.group_ranges[slice as usize];
        &self.group_of[range.start as usize..range.end as usize]
    }

    fn table_entries(&self, table: &FactTable, rows: Range<usize>, entries: &mut Vec<Entry>) {
        entries.extend(rows.map(|index| {
            let (slice, kind, value) = table.slice_kind_value_at(index);
            Entry { slice: self.of_table_slice[slice], kind, value, source: Source::Table(index) }
        }));
    }

    fn map_entries(&self, facts: &[(&FactKey, &Fact)], first: usize, entries: &mut Vec<Entry>) {
        for (offset, (key, fact)) in facts.iter().enumerate() {
            // Every map slice is in the universe.
            let Ok(slice) = self.slices.binary_search(&&key.slice) else { continue };
            entries.push(Entry {
                slice: slice as u32,
                kind: key.kind,
                value: fact.value,
                source: Source::Map(first + offset),
            });
        }
    }
}

/// A sum of members (`None` once it overflowed) and how many there are.
#[derive(Clone, Copy)]
struct Counter {
    sum: Option<Decimal>,
    count: u32,
}

const EMPTY: Counter = Counter { sum: Some(Decimal::ZERO), count: 0 };

/// A block's sum of members, as [`Counters::sum_block`] gives it.
#[derive(Clone, Copy)]
enum Sum {
    /// An exact integer at the block's scale.
    Scaled(i64),
    Decimal(Option<Decimal>),
}

/// Sums of members by group and kind, for one block at a time.
///
/// Mostly as integers: when the absolute values of a block, all scaled to its largest scale, add up to less
/// than 2⁶³, no partial sum can overflow, so integer sums are exact and equal the decimal sums (which only
/// round when a sum outgrows 96 bits). Other blocks, and data with more counters than [`DENSE_COUNTERS`],
/// add decimals in a hash map.
struct Counters {
    groups: u32,
    /// (sum, count) per slot `kind × groups + group`, so that the actual figures' counters lie together.
    integers: Vec<(i64, u32)>,
    /// Touched slots as `group × 3 + kind` (their order is the order of warnings).
    touched: Vec<u32>,
    decimals: FastMap<u32, Counter>,
    /// The block's values as integers at its scale, when the integer path is taken.
    scaled: Vec<i64>,
    scale: u32,
}

/// Powers of ten up to the largest decimal scale.
const POWERS: [i128; 29] = {
    let mut powers = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        powers[i] = powers[i - 1] * 10;
        i += 1;
    }
    powers
};

impl Counters {
    fn new(universe: &Universe<'_>) -> Self {
        let groups = universe.groups.len();
        let integers = if groups * 3 <= DENSE_COUNTERS { vec![(0, 0); groups * 3] } else { Vec::new() };
        Counters {
            groups: groups as u32,
            integers,
            touched: Vec::new(),
            decimals: FastMap::default(),
            scaled: Vec::new(),
            scale: 0,
        }
    }

    /// Scales the block's values to integers, if the integer path is exact for it; returns the scale.
    fn scale_block(&mut self, entries: &[Entry]) -> Option<u32> {
        if self.integers.is_empty() {
            return None;
        }
        let scale = entries.iter().map(|entry| entry.value.scale()).max().unwrap_or(0);
        if scale > 25 {
            // 0.5% of a total adds 3 decimals; beyond 28 the decimal check rounds, so it alone decides.
            return None;
        }
        self.scaled.clear();
        let mut total: u128 = 0;
        for entry in entries {
            let mantissa = entry.value.mantissa();
            let scaled = match scale - entry.value.scale() {
                0 => i64::try_from(mantissa).ok()?,
                shift => i64::try_from(mantissa.checked_mul(POWERS[shift as usize])?).ok()?,
            };
            total += u128::from(scaled.unsigned_abs());
            if total >= 1 << 63 {
                return None;
            }
            self.scaled.push(scaled);
        }
        Some(scale)
    }

    /// Adds every entry to the counters of its groups; the touched counters come out in warning order, each
    /// with its exact sum, and all counters are left empty.
    fn sum_block(&mut self, universe: &Universe<'_>, entries: &[Entry], out: &mut Vec<(u32, Sum, u32)>) {
        out.clear();
        match self.scale_block(entries) {
            Some(scale) => {
                for (entry, scaled) in entries.iter().zip(&self.scaled) {
                    let kind = kind_number(entry.kind);
                    for group in universe.groups_of(entry.slice) {
                        let (sum, count) = &mut self.integers[(kind * self.groups + group) as usize];
                        if *count == 0 {
                            self.touched.push(group * 3 + kind);
                        }
                        *sum += scaled;
                        *count += 1;
                    }
                }
                self.touched.sort_unstable();
                for slot in self.touched.drain(..) {
                    let index = ((slot % 3) * self.groups + slot / 3) as usize;
                    let (sum, count) = std::mem::take(&mut self.integers[index]);
                    out.push((slot, Sum::Scaled(sum), count));
                }
                self.scale = scale;
            }
            None => {
                for entry in entries {
                    for group in universe.groups_of(entry.slice) {
                        let counter = self.decimals.entry(group * 3 + kind_number(entry.kind)).or_insert(EMPTY);
                        counter.sum = counter.sum.and_then(|sum| sum.checked_add(entry.value));
                        counter.count += 1;
                    }
                }
                out.extend(
                    self.decimals.drain().map(|(slot, counter)| (slot, Sum::Decimal(counter.sum), counter.count)),
                );
                out.sort_unstable_by_key(|(slot, _, _)| *slot);
            }
        }
    }
}

fn kind_number(kind: Kind) -> u32 {
    match kind {
        Kind::Actual => 0,
        Kind::Target => 1,
        Kind::Standard => 2,
    }
}

fn kind_of_number(number: u32) -> Kind {
    match number {
        0 => Kind::Actual,
        1 => Kind::Target,
        _ => Kind::Standard,
    }
}

struct Check<'a> {
    data: &'a DataSet,
    universe: &'a Universe<'a>,
    counters: Counters,
    /// A reused buffer for the touched counters of a block.
    found: Vec<(u32, Sum, u32)>,
    warnings: Vec<Diagnostic>,
}

impl Check<'_> {
    /// Checks one (metric, period) block, its entries sorted by (slice, kind).
    fn block(&mut self, entries: &[Entry], map_facts: &[(&FactKey, &Fact)]) {
        let universe = self.universe;
        let lengths = entries.iter().map(|entry| universe.slices[entry.slice as usize].len());
        if lengths.clone().min() == lengths.max() {
            // No fact in the block can be the total of another.
            return;
        }
        let zero_filled = self.zero_filled(entries, map_facts);
        let mut found = std::mem::take(&mut self.found);
        self.counters.sum_block(universe, entries, &mut found);
        // Counters come in parent order, entries in slice order: the parent's entries are found by walking on.
        let mut parent_start = 0;
        for (slot, sum, count) in found.drain(..) {
            let (parent, dimension) = universe.groups[(slot / 3) as usize];
            let kind = kind_of_number(slot % 3);
            // Under `missing = "zero"` an absent member of the actual figures counts as 0: the members given are
            // the whole sum.
            let complete = count as usize == universe.members[dimension as usize];
            let zero_for_absent = zero_filled && kind == Kind::Actual;
            if !(complete || zero_for_absent) {
                continue;
            }
            while entries.get(parent_start).is_some_and(|entry| entry.slice < parent) {
                parent_start += 1;
            }
            let mut of_parent = entries[parent_start..].iter().take_while(|entry| entry.slice == parent);
            let Some(at) = of_parent.position(|entry| entry.kind == kind).map(|offset| parent_start + offset) else {
                continue;
            };
            let total = &entries[at];
            let sum = match sum {
                Sum::Scaled(sum) => {
                    // |sum − total| ≤ 0.5% of |total|, in integers: exact, and no decimal arithmetic per group.
                    let scaled_total = i128::from(self.counters.scaled[at]);
                    if (i128::from(sum) - scaled_total).abs() * 1000 <= scaled_total.abs() * 5 {
                        continue;
                    }
                    Decimal::try_from_i128_with_scale(i128::from(sum), self.counters.scale).unwrap_or(Decimal::MAX)
                }
                Sum::Decimal(None) => continue,
                Sum::Decimal(Some(sum)) => {
                    let difference = sum.checked_sub(total.value).map_or(Decimal::MAX, |d| d.abs());
                    let allowed = total.value.abs().checked_mul(TOLERANCE).unwrap_or(Decimal::MAX);
                    if difference <= allowed {
                        continue;
                    }
                    sum
                }
            };
            let (key, origin) = match total.source {
                Source::Table(index) => {
                    let fact = self.data.table.row(index);
                    (fact.key(), fact.origin())
                }
                Source::Map(index) => (map_facts[index].0.clone(), map_facts[index].1.origin.clone()),
            };
            let message = format!(
                "{}: the members of `{}` add up to {}, not to the total {}",
                super::load::describe_key(&key),
                universe.dimensions[dimension as usize],
                sum.normalize(),
                total.value.normalize()
            );
            self.warnings.push(
                super::load::at_origin(Diagnostic::warning(Rule::DataInconsistentTotal, message), &origin)
                    .with_help("correct the total or the members; they may differ by at most 0.5%"),
            );
        }
        self.found = found;
    }

    /// Whether the block's metric counts absent members as 0 (`missing = "zero"`).
    fn zero_filled(&self, entries: &[Entry], map_facts: &[(&FactKey, &Fact)]) -> bool {
        let Some(first) = entries.first() else { return false };
        let metric = match first.source {
            Source::Table(index) => self.data.table.row(index).metric,
            Source::Map(index) => map_facts[index].0.metric.as_str(),
        };
        self.data.metrics.get(metric).is_some_and(|m| m.missing == super::Missing::Zero)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;
    use std::fmt::Write as _;

    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::super::table::FactRef;
    use super::super::{DataSet, Missing, load_sources};
    use super::*;

    /// The straightforward check, fact by fact over string slices: what the counters must agree with.
    pub(crate) fn reference(data: &DataSet) -> Vec<Diagnostic> {
        let mut warnings = Vec::new();
        let mut block: Vec<FactRef<'_>> = Vec::new();
        for fact in data.facts_iter() {
            if let Some(first) = block.first()
                && (first.metric != fact.metric || first.period != fact.period)
            {
                reference_block(data, &block, &mut warnings);
                block.clear();
            }
            block.push(fact);
        }
        reference_block(data, &block, &mut warnings);
        warnings
    }

    type Groups<'a> = HashMap<(Vec<(&'a str, &'a str)>, &'a str, Kind), (Option<Decimal>, usize)>;

    fn reference_block(data: &DataSet, block: &[FactRef<'_>], warnings: &mut Vec<Diagnostic>) {
        let mut groups: Groups<'_> = HashMap::new();
        for fact in block {
            for dimension in fact.slice.keys() {
                let parent: Vec<(&str, &str)> =
                    fact.slice.iter().filter(|(d, _)| *d != dimension).map(|(d, m)| (d.as_str(), m.as_str())).collect();
                let entry = groups.entry((parent, dimension.as_str(), fact.kind)).or_insert((Some(Decimal::ZERO), 0));
                entry.0 = entry.0.and_then(|sum| sum.checked_add(fact.value));
                entry.1 += 1;
            }
        }
        let mut found: Vec<_> = groups.into_iter().collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        for ((parent, dimension, kind), (sum, count)) in found {
            let Some(sum) = sum else { continue };
            let zero_filled = kind == Kind::Actual
                && block.first().and_then(|f| data.metrics.get(f.metric)).is_some_and(|m| m.missing == Missing::Zero);
            if count != data.dimensions.get(dimension).map_or(0, |d| d.members.len()) && !zero_filled {
                continue;
            }
            let is_parent = |fact: &&FactRef<'_>| {
                fact.kind == kind
                    && fact.slice.len() == parent.len()
                    && fact.slice.iter().zip(&parent).all(|(a, b)| (a.0.as_str(), a.1.as_str()) == *b)
            };
            let Some(total) = block.iter().find(is_parent) else { continue };
            let difference = sum.checked_sub(total.value).map_or(Decimal::MAX, |d| d.abs());
            if difference <= total.value.abs().checked_mul(TOLERANCE).unwrap_or(Decimal::MAX) {
                continue;
            }
            let message = format!(
                "{}: the members of `{dimension}` add up to {}, not to the total {}",
                super::super::load::describe_key(&total.key()),
                sum.normalize(),
                total.value.normalize()
            );
            warnings.push(super::super::load::at_origin(
                Diagnostic::warning(Rule::DataInconsistentTotal, message),
                &total.origin(),
            ));
        }
    }

    fn summary(warnings: &[Diagnostic]) -> Vec<String> {
        warnings.iter().map(|w| format!("{}:{}:{} {}", w.file, w.line, w.column, w.message)).collect()
    }

    const REGIONS: [&str; 4] = ["", "east", "west", "北"];
    const PRODUCTS: [&str; 3] = ["", "a", "b"];

    /// One possible fact: metric, period, region, product, kind (0 actual, 1 target).
    fn all_facts() -> Vec<(&'static str, &'static str, &'static str, &'static str, usize)> {
        let mut facts = Vec::new();
        for metric in ["m1", "m2"] {
            for period in ["2023", "2023-Q1"] {
                for region in REGIONS {
                    for product in PRODUCTS {
                        for kind in 0..2 {
                            facts.push((metric, period, region, product, kind));
                        }
                    }
                }
            }
        }
        facts
    }

    /// Values that add up: a member is 1 + its indexes; a total is the sum of what it covers, unless skewed.
    fn consistent_value(region: &str, product: &str) -> i64 {
        let regions: Vec<usize> = match REGIONS.iter().position(|r| *r == region) {
            Some(0) => vec![1, 2, 3],
            Some(index) => vec![index],
            None => vec![],
        };
        let products: Vec<usize> = match PRODUCTS.iter().position(|p| *p == product) {
            Some(0) => vec![1, 2],
            Some(index) => vec![index],
            None => vec![],
        };
        regions.iter().flat_map(|r| products.iter().map(move |p| (10 * r + p) as i64)).sum()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The counters find exactly the warnings the fact-by-fact check finds, in the same order, with totals
        /// and members from CSV and TOML files alike, with and without `missing = "zero"`.
        #[test]
        fn counters_agree_with_the_reference(
            choices in prop::collection::vec((0u8..10, -3i64..4), all_facts().len()),
            declare_members in any::<bool>(),
            m1_zero in any::<bool>(),
        ) {
            let mut csv = String::from("metric,period,region,product,kind,value\n");
            let mut toml = String::new();
            if m1_zero {
                toml.push_str("[metrics.m1]\nmissing = \"zero\"\n");
            }
            if declare_members {
                toml.push_str("[dimensions.region]\nmembers.east = {}\nmembers.west = {}\nmembers.\"北\" = {}\n");
            }
            let mut toml_values: Vec<String> = Vec::new();
            for ((metric, period, region, product, kind), (choice, skew)) in all_facts().into_iter().zip(choices) {
                let value = consistent_value(region, product) + if choice == 9 { skew } else { 0 };
                match choice {
                    0..=2 => {}
                    3 if region.is_empty() && product.is_empty() && kind == 0 => {
                        toml_values.push(format!("[metrics.{metric}.values]\n\"{period}\" = {value}\n"));
                    }
                    _ => {
                        let kind = if kind == 1 { "target" } else { "" };
                        let _ = writeln!(csv, "{metric},{period},{region},{product},{kind},{value}");
                    }
                }
            }
            // One table per metric: merge the TOML value tables of each metric.
            let mut by_metric: Vec<String> = Vec::new();
            for metric in ["m1", "m2"] {
                let lines: Vec<&str> = toml_values
                    .iter()
                    .filter(|v| v.starts_with(&format!("[metrics.{metric}.values]")))
                    .map(|v| v.lines().nth(1).unwrap_or_default())
                    .collect();
                if !lines.is_empty() {
                    by_metric.push(format!("[metrics.{metric}.values]\n{}\n", lines.join("\n")));
                }
            }
            toml.push_str(&by_metric.concat());
            let sources = vec![("a.toml".to_string(), toml.into_bytes()), ("b.csv".to_string(), csv.into_bytes())];
            let data = load_sources(&sources).map_err(|e| TestCaseError::fail(format!("{e:#?}")))?;
            prop_assert_eq!(summary(&inconsistent_totals(&data)), summary(&reference(&data)));
        }
    }

    /// Under `missing = "zero"` a member without a row counts as 0: the members given must add up to the total.
    /// Targets never count absent members as 0, and without `missing = "zero"` nothing can be said.
    #[test]
    fn absent_members_count_as_zero_under_missing_zero() {
        let csv = concat!(
            "metric,period,product,kind,value\n",
            "sales,2025,a,,70\nsales,2025,b,,30\n",
            "sales,2024,,,100\nsales,2024,a,,60\n",
            "sales,2023,,,60\nsales,2023,a,,60\n",
            "sales,2024,,target,100\nsales,2024,a,target,60\n",
        );
        let load = |toml: &str| {
            let sources =
                [("m.toml".to_string(), toml.as_bytes().to_vec()), ("s.csv".to_string(), csv.as_bytes().to_vec())];
            load_sources(&sources).unwrap_or_else(|e| panic!("{e:?}"))
        };
        let zero = load("[metrics.sales]\nmissing = \"zero\"\n");
        assert_eq!(zero.metrics.get("sales").map(|m| m.missing), Some(Missing::Zero));
        // From the data side: 2024's members are a = 60 and b absent (0), so they add up to 60 against 100.
        assert_eq!(
            summary(&zero.warnings),
            ["s.csv:4:14 sales 2024: the members of `product` add up to 60, not to the total 100"]
        );
        assert_eq!(summary(&reference(&zero)), summary(&zero.warnings));
        let error = load("[metrics.sales]\nmissing = \"error\"\n");
        assert!(error.warnings.is_empty(), "{:?}", summary(&error.warnings));
        assert!(reference(&error).is_empty());
    }

    #[test]
    fn warns_at_a_csv_total_whose_members_do_not_add_up() {
        let csv = "metric,period,region,value\nsales,2023,,100\nsales,2023,east,60\nsales,2023,west,30\n";
        let data = load_sources(&[("s.csv".to_string(), csv.as_bytes().to_vec())]).unwrap();
        assert_eq!(
            summary(&data.warnings),
            ["s.csv:2:13 sales 2023: the members of `region` add up to 90, not to the total 100"]
        );
        assert_eq!(summary(&reference(&data)), summary(&data.warnings));
    }
}

//! Checking given totals against their members (`data/inconsistent-total`, SPEC 3.3).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::DataSet;
use super::table::FactRef;
use crate::diagnostics::Diagnostic;

/// How far members may be off their total before a warning: 0.5% of the total.
const TOLERANCE: Decimal = Decimal::from_parts(5, 0, 0, false, 3);

/// Where a total and every member of one dimension are given for the same metric, period, kind and other
/// filters, and the members' sum differs from the total by more than 0.5%: a warning at the total.
pub fn inconsistent_totals(data: &DataSet) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    // A total has fewer filters than its members: when every slice has as many, there is nothing to check
    // (the common case of a large export without total rows costs nothing).
    let lengths = data.facts.keys().map(|key| key.slice.len()).chain(data.table.slices().iter().map(|s| s.len()));
    if lengths.clone().min() == lengths.max() {
        return warnings;
    }
    // Facts come sorted by metric, then period: each (metric, period) block is checked on its own.
    let mut block: Vec<FactRef<'_>> = Vec::new();
    for fact in data.facts_iter() {
        if let Some(first) = block.first()
            && (first.metric != fact.metric || first.period != fact.period)
        {
            check_block(data, &block, &mut warnings);
            block.clear();
        }
        block.push(fact);
    }
    check_block(data, &block, &mut warnings);
    warnings
}

/// Sums of members per (other filters, dimension, kind).
type Groups<'a> = HashMap<(Vec<(&'a str, &'a str)>, &'a str, super::Kind), (Option<Decimal>, usize)>;

fn check_block(data: &DataSet, block: &[FactRef<'_>], warnings: &mut Vec<Diagnostic>) {
    let lengths = block.iter().map(|fact| fact.slice.len());
    if lengths.clone().min() == lengths.max() {
        // No fact in the block can be the total of another.
        return;
    }
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
        let members = data.dimensions.get(dimension).map_or(0, |d| d.members.len());
        if count != members {
            continue;
        }
        let is_parent = |fact: &&FactRef<'_>| {
            fact.kind == kind
                && fact.slice.len() == parent.len()
                && fact.slice.iter().zip(&parent).all(|(a, b)| (a.0.as_str(), a.1.as_str()) == *b)
        };
        let Some(total) = block.iter().find(is_parent) else { continue };
        let difference = sum.checked_sub(total.value).map_or(Decimal::MAX, |d| d.abs());
        let allowed = total.value.abs().checked_mul(TOLERANCE).unwrap_or(Decimal::MAX);
        if difference <= allowed {
            continue;
        }
        let message = format!(
            "{}: the members of `{dimension}` add up to {}, not to the total {}",
            super::load::describe_key(&total.key()),
            sum.normalize(),
            total.value.normalize()
        );
        warnings.push(
            super::load::at_origin(Diagnostic::warning("data/inconsistent-total", message), &total.origin())
                .with_help("correct the total or the members; they may differ by at most 0.5%"),
        );
    }
}

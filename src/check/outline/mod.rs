//! One pass over each chapter's Markdown: its headings, list items, prose blocks (text outside code and HTML,
//! with a map back to source offsets), links and `kpi-allow` comments. Every rule works from this outline, so a
//! chapter is parsed exactly once.

mod anchors;
mod book;
mod chapter;
mod numbering;
mod parse;

use std::ops::Range;

use super::Chapter;

pub use anchors::anchor_of;
pub use book::{BookOutline, Node, NodeKind};
pub use chapter::{Allow, ChapterDoc, Heading, LinkRef, ListItem, TextBlock};
pub use numbering::strip_numbering;
pub use parse::{ParseBuffers, directive_ranges, parse_chapter};

/// A chunk of work: its offset, its items, and its thread (`None` when no thread could be started).
type Started<'scope, 't, T, R> = (usize, &'t [T], Option<std::thread::ScopedJoinHandle<'scope, Vec<R>>>);

/// `f` over every item, on all cores for a long list (chapters are independent), in the original order.
pub fn parallel_map<'t, T: Sync, R: Send>(items: &'t [T], f: impl Fn(usize, &'t T) -> R + Sync) -> Vec<R> {
    parallel_map_with(items, || (), |_, i, x| f(i, x))
}

/// [`parallel_map`], with a state each run of consecutive items shares (made by `init`, passed to `f` in turn).
pub fn parallel_map_with<'t, T: Sync, R: Send, S>(
    items: &'t [T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, &'t T) -> R + Sync,
) -> Vec<R> {
    let threads = crate::parallel::worker_threads();
    let serial = |offset: usize, part: &'t [T]| -> Vec<R> {
        let mut state = init();
        part.iter().enumerate().map(|(i, x)| f(&mut state, offset + i, x)).collect()
    };
    if threads < 2 || items.len() < 16 {
        return serial(0, items);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let serial = &serial;
        let started: Vec<Started<'_, 't, T, R>> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let handle = std::thread::Builder::new().spawn_scoped(scope, move || serial(c * chunk, part)).ok();
                (c * chunk, part, handle)
            })
            .collect();
        let mut results = Vec::with_capacity(items.len());
        for (offset, part, handle) in started {
            // A thread that could not start (or failed) is redone here, so the result is always complete.
            match handle.map(|h| h.join()) {
                Some(Ok(part_results)) => results.extend(part_results),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => results.extend(serial(offset, part)),
            }
        }
        results
    })
}

/// The items of a range of a chapter, sorted by offset: those whose start lies inside it.
pub fn within<'s, T>(sorted: &'s [T], range: &Range<usize>, start: impl Fn(&T) -> usize) -> &'s [T] {
    let from = sorted.partition_point(|x| start(x) < range.start);
    let to = sorted.partition_point(|x| start(x) < range.end);
    sorted.get(from..to.max(from)).unwrap_or(&[])
}

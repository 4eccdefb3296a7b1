//! One pass over each chapter's Markdown: its headings, list items, prose blocks (text outside code and HTML,
//! with a map back to source offsets), links and `kpi-allow` comments. Every rule works from this outline, so a
//! chapter is parsed exactly once.

mod anchors;
mod book;
mod chapter;
mod numbering;
mod parse;

use std::ops::Range;

use rayon::prelude::*;

use super::Chapter;

pub use anchors::anchor_of;
pub use book::{BookOutline, Node, NodeKind};
pub use chapter::{Allow, ChapterDoc, Heading, LinkRef, ListItem, TextBlock};
pub use numbering::strip_numbering;
pub use parse::{ParseBuffers, directive_ranges, parse_chapter};

/// Compiles the outline's patterns now, rather than on first use (see [`crate::engine::warm_up`]).
pub fn compile_patterns() {
    numbering::compile_patterns();
    parse::compile_patterns();
}

/// `f` over every item with a state each run of consecutive items shares (made by `init`, passed to `f` in
/// turn), on all cores (chapters are independent); the results in the original order. A panic in `f` goes on
/// in the caller.
pub fn parallel_map_with<'t, T: Sync, R: Send, S>(
    items: &'t [T],
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize, &'t T) -> R + Sync + Send,
) -> Vec<R> {
    crate::parallel::size_global_pool();
    items.par_iter().enumerate().map_init(init, |state, (i, x)| f(state, i, x)).collect()
}

/// The items of a range of a chapter, sorted by offset: those whose start lies inside it.
pub fn within<'s, T>(sorted: &'s [T], range: &Range<usize>, start: impl Fn(&T) -> usize) -> &'s [T] {
    let from = sorted.partition_point(|x| start(x) < range.start);
    let to = sorted.partition_point(|x| start(x) < range.end);
    sorted.get(from..to.max(from)).unwrap_or(&[])
}

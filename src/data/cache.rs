//! Answers to queries, remembered: a book asks the same few hundred questions thousands of times (every chapter
//! compares revenue with last quarter), and a roll-up or a total re-derived each time is most of a directive's
//! cost.
//!
//! Only whole queries are remembered, each with the answer a fresh derivation gives (value or error), so an
//! answer never depends on which query came first or on which thread. The cache is off until the data set is
//! complete ([`super::DataSet::seal`]): loading still adds facts, which would make earlier answers stale.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

use rust_decimal::Decimal;

use super::query::{Query, QueryError};
use super::{Kind, Period, Slice};
use crate::memo::{Equivalent, Memo};

type Answer = Result<Decimal, QueryError>;

/// The remembered answers, shared by the threads that expand chapters.
#[derive(Default)]
pub struct QueryCache {
    enabled: AtomicBool,
    answers: Memo<Key, Answer>,
}

/// A query's own copy, kept with its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    metric: String,
    period: Period,
    slice: Slice,
    kind: Kind,
}

/// A query as it is asked (borrowed), to look its answer up without a copy; it hashes as its [`Key`] does.
struct Asked<'q, 'a>(&'q Query<'a>);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_fields(self.metric.as_str(), self.period, &self.slice, self.kind, state);
    }
}

impl Hash for Asked<'_, '_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_fields(self.0.metric, self.0.period, self.0.slice, self.0.kind, state);
    }
}

/// The one way a query is hashed, whether owned or borrowed.
fn hash_fields(metric: &str, period: Period, slice: &Slice, kind: Kind, state: &mut impl Hasher) {
    metric.hash(state);
    period.hash(state);
    slice.hash(state);
    kind.hash(state);
}

impl Equivalent<Key> for Asked<'_, '_> {
    fn equivalent(&self, key: &Key) -> bool {
        let query = self.0;
        key.metric == query.metric && key.period == query.period && key.kind == query.kind && key.slice == *query.slice
    }
}

impl QueryCache {
    /// From now on, answers are remembered.
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Release);
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// The remembered answer to `query`, if any.
    pub fn get(&self, query: &Query<'_>) -> Option<Answer> {
        if !self.is_enabled() {
            return None;
        }
        self.answers.get(&Asked(query))
    }

    /// Remembers the answer to `query` (when enabled).
    pub fn put(&self, query: &Query<'_>, answer: &Answer) {
        if !self.is_enabled() {
            return;
        }
        let owned = || Key {
            metric: query.metric.to_string(),
            period: query.period,
            slice: query.slice.clone(),
            kind: query.kind,
        };
        self.answers.insert(&Asked(query), owned, answer.clone());
    }
}

/// A copy of a data set starts with an empty cache, off: the copy is usually made to be changed.
impl Clone for QueryCache {
    fn clone(&self) -> Self {
        QueryCache::default()
    }
}

impl std::fmt::Debug for QueryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryCache").field("enabled", &self.is_enabled()).field("answers", &self.answers.len()).finish()
    }
}

//! Answers to queries, remembered: a book asks the same few hundred questions thousands of times (every chapter
//! compares revenue with last quarter), and a roll-up or a total re-derived each time is most of a directive's
//! cost.
//!
//! Only whole queries are remembered, each with the answer a fresh derivation gives (value or error), so an
//! answer never depends on which query came first or on which thread. The cache is off until the data set is
//! complete ([`super::DataSet::seal`]): loading still adds facts, which would make earlier answers stale.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rust_decimal::Decimal;

use super::query::{Query, QueryError};
use super::{Kind, Period, Slice};

type Answer = Result<Decimal, QueryError>;

/// The remembered answers, shared by the threads that expand chapters.
#[derive(Default)]
pub struct QueryCache {
    enabled: AtomicBool,
    /// Keyed by a hash of the query; the few entries under one hash are told apart by their full key. In
    /// shards by that hash, so that threads asking at the same time seldom wait for each other.
    answers: [Mutex<Answers>; SHARDS],
}

/// Answers by the hash of their query.
type Answers = HashMap<u64, Vec<(Key, Answer)>>;

const SHARDS: usize = 16;

/// The shard a query's hash falls in (the hash's high bits: the map uses the low ones).
fn shard(hash: u64) -> usize {
    (hash >> 60) as usize % SHARDS
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    metric: String,
    period: Period,
    slice: Slice,
    kind: Kind,
}

impl Key {
    fn matches(&self, query: &Query<'_>) -> bool {
        self.metric == query.metric
            && self.period == query.period
            && self.kind == query.kind
            && self.slice == *query.slice
    }
}

fn hash(query: &Query<'_>) -> u64 {
    let mut hasher = foldhash::fast::FixedState::with_seed(0x6b70_6921).build_hasher();
    query.metric.hash(&mut hasher);
    query.period.hash(&mut hasher);
    query.slice.hash(&mut hasher);
    query.kind.hash(&mut hasher);
    hasher.finish()
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
        let hash = hash(query);
        let answers = self.answers[shard(hash)].lock().ok()?;
        let entries = answers.get(&hash)?;
        entries.iter().find(|(key, _)| key.matches(query)).map(|(_, answer)| answer.clone())
    }

    /// Remembers the answer to `query` (when enabled).
    pub fn put(&self, query: &Query<'_>, answer: &Answer) {
        if !self.is_enabled() {
            return;
        }
        let hash = hash(query);
        let Ok(mut answers) = self.answers[shard(hash)].lock() else { return };
        let entries = answers.entry(hash).or_default();
        if !entries.iter().any(|(key, _)| key.matches(query)) {
            let key = Key {
                metric: query.metric.to_string(),
                period: query.period,
                slice: query.slice.clone(),
                kind: query.kind,
            };
            entries.push((key, answer.clone()));
        }
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
        let size: usize = self
            .answers
            .iter()
            .map(|shard| shard.lock().map(|answers| answers.values().map(Vec::len).sum::<usize>()).unwrap_or(0))
            .sum();
        f.debug_struct("QueryCache").field("enabled", &self.is_enabled()).field("answers", &size).finish()
    }
}

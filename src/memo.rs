//! Answers remembered by the threads that share them: the data set's query answers and the preprocessor's
//! expansions. A book asks the same few hundred questions thousands of times, from every thread; what is
//! remembered is what a fresh computation gives, so an answer never depends on which thread asked first.
//!
//! The entries are in 16 shards by their key's hash, each behind its own lock, so that threads asking at the
//! same time seldom wait for each other. A key is looked up by anything [`Equivalent`] to it that hashes the
//! same (a `&str` for a `Box<str>` key, a borrowed query for its owned key), so a hit allocates nothing. Each
//! entry keeps its key's hash: a table that grows moves its entries without hashing every key again (a long
//! directive text is slow to hash; growing the expansion memos was 1.5% of a run), and a lookup compares keys
//! only where the whole hash agrees.

use std::hash::{BuildHasher, Hash};
use std::sync::Mutex;

pub use equivalent::Equivalent;
use hashbrown::{HashTable, hash_table};

const SHARDS: usize = 16;

/// Values by key, shared by threads. A lookup key must hash as the key it stands for does.
pub struct Memo<K, V> {
    shards: [Mutex<HashTable<Entry<K, V>>>; SHARDS],
}

struct Entry<K, V> {
    hash: u64,
    key: K,
    value: V,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { shards: std::array::from_fn(|_| Mutex::new(HashTable::new())) }
    }
}

/// The one hash of a key: fast and fixed, so that one run is like the next.
fn hash_of(key: &(impl Hash + ?Sized)) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6b70_6921).hash_one(key)
}

impl<K: Hash, V: Clone> Memo<K, V> {
    /// The shard of a hash: bits the tables themselves do not use (they take the low bits for the bucket and
    /// the top seven for the tag), so that keys spread as well within a shard as over all of them.
    fn shard(&self, hash: u64) -> &Mutex<HashTable<Entry<K, V>>> {
        &self.shards[(hash >> 32) as usize % SHARDS]
    }

    /// The value remembered for `key`, if any.
    pub fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        let hash = hash_of(key);
        let shard = self.shard(hash).lock().ok()?;
        shard.find(hash, |entry| entry.hash == hash && key.equivalent(&entry.key)).map(|entry| entry.value.clone())
    }

    /// Remembers `value` for `key` unless a value is remembered already (both came from the same computation);
    /// `owned` makes the key to keep, only when it is kept.
    pub fn insert<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q, owned: impl FnOnce() -> K, value: V) {
        let hash = hash_of(key);
        let Ok(mut shard) = self.shard(hash).lock() else { return };
        let found = shard.entry(hash, |entry| entry.hash == hash && key.equivalent(&entry.key), |entry| entry.hash);
        if let hash_table::Entry::Vacant(vacant) = found {
            vacant.insert(Entry { hash, key: owned(), value });
        }
    }

    /// How many values are remembered.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock().map_or(0, |table| table.len())).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looked_up_by_a_borrowed_key_and_kept_once() {
        let memo: Memo<Box<str>, u32> = Memo::default();
        assert_eq!(memo.get("revenue q4"), None);
        memo.insert("revenue q4", || "revenue q4".into(), 1);
        memo.insert("revenue q4", || unreachable!("a key already known is not made again"), 2);
        assert_eq!(memo.get("revenue q4"), Some(1), "the first value stays");
        for i in 0..1000 {
            let key = format!("k{i}");
            memo.insert(key.as_str(), || key.as_str().into(), i);
        }
        assert_eq!(memo.len(), 1001);
        assert!((0..1000).all(|i| memo.get(format!("k{i}").as_str()) == Some(i)));
    }

    #[test]
    fn shared_by_threads() {
        let memo: Memo<Box<str>, usize> = Memo::default();
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let memo = &memo;
                scope.spawn(move || {
                    for i in 0..500 {
                        let value = (i * 7 + thread) % 300;
                        let key = format!("k{value}");
                        memo.insert(key.as_str(), || key.as_str().into(), value);
                    }
                });
            }
        });
        assert_eq!(memo.len(), 300);
        assert!((0..300).all(|i| memo.get(format!("k{i}").as_str()) == Some(i)));
    }
}

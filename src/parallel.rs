//! How many threads share work. The work itself is shared with rayon; the engine asks this count to decide
//! whether splitting a small batch is worth it.

use std::sync::OnceLock;

/// How many threads share work: the machine's cores, at most 8. Asked once per process, since the answer comes
/// from reading cgroup files and a run shares out work several times.
pub fn worker_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8))
}

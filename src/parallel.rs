//! How many threads share work, and the pool the data set is loaded on. The work itself is shared with rayon.
//!
//! Loading the data set has a pool of its own. Chapters are expanded on rayon's global pool, and the first
//! directive to need the data set waits for it (a preloading thread may be loading it meanwhile): were the
//! loading's halves queued on that same pool, they could wait for threads that are all waiting for the data
//! set.

use std::sync::{LazyLock, Once, OnceLock};

/// How many threads share work: the machine's cores, at most 8. Asked once per process, since the answer comes
/// from reading cgroup files and a run shares out work several times.
pub fn worker_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8))
}

/// Sizes rayon's global pool, which shares out the work on chapters, before its first use: [`worker_threads`]
/// threads, as many as the crate has always used (rayon alone would start one per core, and each costs a start
/// in a process mdBook runs on every build). Call it before work goes to the global pool; afterwards it does
/// nothing. A pool made elsewhere first (a test, a library user's own) is kept as it is.
pub fn size_global_pool() {
    static SIZED: Once = Once::new();
    SIZED.call_once(|| {
        // An error means the pool is running already, sized by whoever started it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(worker_threads())
            .thread_name(|index| format!("kpi-worker-{index}"))
            .build_global();
    });
}

/// The data set's pool: [`worker_threads`] threads, started on first use (a book without large data files never
/// starts it). `None` when the threads cannot be started.
fn data_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(worker_threads())
            .thread_name(|index| format!("kpi-data-{index}"))
            .build()
            .ok()
    });
    POOL.as_ref()
}

/// `a` and `b` at once on the data set's pool, for loading the data set; their results, and a panic in either
/// goes on in the caller. Called from a thread of another pool (a chapter's expansion that loads the data set
/// first), it waits on a plain thread of its own: a thread of another pool would take up that pool's work while
/// it waits, and that work may be waiting for this very data set. When no pool can be started, `a` then `b` run
/// here.
pub fn join_for_data<RA: Send, RB: Send>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB + Send) -> (RA, RB) {
    let Some(pool) = data_pool() else { return (a(), b()) };
    if pool.current_thread_index().is_some() {
        return rayon::join(a, b);
    }
    if rayon::current_thread_index().is_none() {
        return pool.install(|| rayon::join(a, b));
    }
    std::thread::scope(|scope| {
        let waiting = scope.spawn(|| pool.install(|| rayon::join(a, b)));
        waiting.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use rayon::prelude::*;

    use super::*;

    /// Many threads of the global pool wait for one value whose making splits work in two: the halves run on
    /// the data pool, so the waiting threads hold nothing up.
    #[test]
    fn the_data_pool_does_not_wait_for_the_threads_that_wait_for_it() {
        let value: OnceLock<u64> = OnceLock::new();
        let make = || {
            let (a, b) = join_for_data(|| (0..1000u64).sum::<u64>(), || (1000..2000u64).sum::<u64>());
            a + b
        };
        let seen: Vec<u64> = (0..64).into_par_iter().map(|_| *value.get_or_init(make)).collect();
        assert!(seen.iter().all(|&sum| sum == (0..2000u64).sum::<u64>()));
        let outside = std::thread::spawn(|| join_for_data(|| 1, || 2)).join().unwrap();
        assert_eq!(outside, (1, 2));
    }

    #[test]
    fn a_panic_in_a_half_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| join_for_data(|| 1, || -> i32 { panic!("the second half fails") }));
        assert!(outcome.is_err());
        let from_the_pool = (0..4)
            .into_par_iter()
            .map(|i| std::panic::catch_unwind(|| join_for_data(|| i, || -> i32 { panic!("fails") })).is_err());
        assert!(from_the_pool.collect::<Vec<_>>().iter().all(|&failed| failed));
    }
}

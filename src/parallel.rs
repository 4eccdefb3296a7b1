//! Work shared by threads. The machine's cores are asked for once; work is handed out one item at a time from
//! a shared counter, so a slow item holds up no other and there is no batch to wait for.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads share work: the machine's cores, at most 8. Asked once per process, since the answer comes
/// from reading cgroup files and a run shares out work several times.
pub fn worker_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8))
}

/// Runs `work` over `items` on up to `threads` threads, the calling one among them. Each thread takes the next
/// item as it finishes one and keeps a state of its own (made by `state`); a thread that cannot be started
/// leaves its share to the others. Returns the threads' states, the calling thread's first.
pub fn for_each<T: Sync, S: Send>(
    items: &[T],
    threads: usize,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &T) + Sync,
) -> Vec<S> {
    let next = AtomicUsize::new(0);
    let run = || {
        let mut state = state();
        while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
            work(&mut state, item);
        }
        state
    };
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return vec![run()];
    }
    std::thread::scope(|scope| {
        let spawned: Vec<_> =
            (1..threads).filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, run).ok()).collect();
        let mut states = vec![run()];
        // The work given here does not panic; should it, the panic goes on in the calling thread.
        states.extend(spawned.into_iter().map(|handle| handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e))));
        states
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_once_on_any_number_of_threads() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [0, 1, 2, 3, 8, 2000] {
            let states = for_each(&items, threads, Vec::new, |seen: &mut Vec<usize>, item| seen.push(*item));
            assert!(!states.is_empty() && states.len() <= threads.max(1));
            let mut seen: Vec<usize> = states.concat();
            seen.sort_unstable();
            assert_eq!(seen, items, "{threads} threads");
        }
        assert_eq!(for_each(&[] as &[u8], 4, || 7, |_, _| {}), [7], "no items: the calling thread's state");
    }
}

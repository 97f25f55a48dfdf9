//! The thread pool the library's data-parallel steps run on (FXAA and sensor effects,
//! texture mip chains, scene sampling ahead of rendering), made anew in a process forked
//! from one that used it.
//!
//! rayon's global pool cannot be: after a `fork` the child inherits the pool's state but
//! none of its threads, and the first parallel step waits forever. Python's `DataLoader`
//! forks its workers by default, often after the main process has rendered a frame, so
//! the library keeps a pool of its own and a `pthread_atfork` handler that marks it stale
//! in the child. Every step is a pure function of its rows or frames, so which pool runs
//! it never changes a byte.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

use rayon::ThreadPool;

/// Forks this process is the child of, as counted by the `pthread_atfork` handler.
static FORKS: AtomicU64 = AtomicU64::new(0);

/// The pool, with the value of [`FORKS`] it was made under.
static POOL: Mutex<Option<(u64, Arc<ThreadPool>)>> = Mutex::new(None);

static WATCH_FORKS: Once = Once::new();

extern "C" fn after_fork_in_child() {
    // Only an atomic add: async-signal-safe, as a handler run after fork must be.
    FORKS.fetch_add(1, Ordering::SeqCst);
}

/// Runs `op` on the library's pool, so that its rayon iterators use that pool's threads
/// (rayon's global pool when the pool cannot be made).
pub fn install<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) => pool.install(op),
        None => op(),
    }
}

/// The pool of this process, made on first use and again after a fork.
fn pool() -> Option<Arc<ThreadPool>> {
    WATCH_FORKS.call_once(|| {
        // SAFETY: registers a handler that only touches an atomic.
        unsafe {
            libc::pthread_atfork(None, None, Some(after_fork_in_child));
        }
    });
    let forks = FORKS.load(Ordering::SeqCst);
    let mut slot = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((made_under, pool)) = slot.as_ref()
        && *made_under == forks
    {
        return Some(Arc::clone(pool));
    }
    // A pool made before a fork: its threads are the parent's. Dropping it would signal
    // threads that do not exist here; leave it.
    std::mem::forget(slot.take());
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("synthvis-cpu-{i}"))
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    *slot = Some((forks, Arc::clone(&pool)));
    Some(pool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn runs_on_a_pool_and_again_after_a_fork_is_counted() {
        let sum: u64 = install(|| (0..1000u64).into_par_iter().sum());
        assert_eq!(sum, 499_500);
        let before = pool().map(|p| Arc::as_ptr(&p));
        after_fork_in_child(); // as the handler would in a child
        let after = pool().map(|p| Arc::as_ptr(&p));
        assert!(before.is_some() && after.is_some());
        assert_ne!(before, after, "a fork must give a new pool");
        let sum: u64 = install(|| (0..1000u64).into_par_iter().sum());
        assert_eq!(sum, 499_500);
    }
}

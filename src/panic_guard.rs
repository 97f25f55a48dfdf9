//! Containment for panics inside third-party code that parses untrusted input.
//!
//! [`catch`] runs a closure and turns a panic into an error message. While it runs,
//! [`active`] is true on that thread, so a process-wide panic hook (the binary's bug
//! report) can stay quiet about a panic that is about to be handled. [`caught`] counts
//! the panics contained on a thread, so property tests can treat one as a failure: a
//! contained panic is still a bug to fix upstream or to check for before the call.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    static CAUGHT: Cell<u64> = const { Cell::new(0) };
}

/// How many panics [`catch`] has contained on the current thread.
pub fn caught() -> u64 {
    CAUGHT.with(Cell::get)
}

/// Whether the current thread is inside [`catch`].
pub fn active() -> bool {
    GUARDED.with(|g| g.get() > 0)
}

/// Runs `f`; a panic inside it becomes `Err(message)`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get() - 1));
    result.map_err(|payload| {
        CAUGHT.with(|c| c.set(c.get() + 1));
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors_and_the_flag_is_scoped() {
        assert!(!active());
        let r: Result<(), String> = catch(|| {
            assert!(active());
            let v: Vec<u8> = Vec::new();
            let _ = v[3];
        });
        assert!(r.unwrap_err().contains("index out of bounds"));
        assert!(!active());
        assert_eq!(caught(), 1);
        assert_eq!(catch(|| 5), Ok(5));
    }
}

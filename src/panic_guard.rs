//! Containment for panics inside third-party code that parses untrusted input.
//!
//! [`catch`] runs a closure and turns a panic into an error message. While it runs,
//! [`active`] is true on that thread, so a process-wide panic hook (the binary's bug
//! report) can stay quiet about a panic that is about to be handled.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static GUARDED: Cell<u32> = const { Cell::new(0) };
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
        assert_eq!(catch(|| 5), Ok(5));
    }
}

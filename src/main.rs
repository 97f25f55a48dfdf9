//! The `synthvis` command: [`synthvis::cli::main`] with this process's arguments. The
//! Python package's `synthvis` command calls the same function.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Quiet, headless defaults for Mesa's drivers (see gpu::driver_env), set before any
    // thread starts; a user's own settings are kept. The library sets them too.
    for (key, value) in synthvis::gpu::driver_env::quiet_defaults(|k| std::env::var_os(k)) {
        // SAFETY: single-threaded at this point; no other thread reads the environment.
        unsafe { std::env::set_var(key, value) };
    }
    ExitCode::from(synthvis::cli::main(std::env::args_os()))
}

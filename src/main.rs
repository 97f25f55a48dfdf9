//! The `synthvis` command line: parses the arguments and runs the command ([`cli`]);
//! every command's work is a library function, and every error's exit code comes from
//! [`cli::exit`].

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::Cli;
use cli::console::{error_chain, install_panic_report, note};

fn main() -> ExitCode {
    install_panic_report();
    // Quiet, headless defaults for Mesa's drivers (see gpu::driver_env), set before any
    // thread starts; a user's own settings are kept. The library sets them too.
    for (key, value) in synthvis::gpu::driver_env::quiet_defaults(|k| std::env::var_os(k)) {
        // SAFETY: single-threaded at this point; no other thread reads the environment.
        unsafe { std::env::set_var(key, value) };
    }
    match cli::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note(format!("error: {}", error_chain(&e)));
            ExitCode::from(cli::exit::exit_code(&e))
        }
    }
}

//! The `synthvis` command line as a library function, [`main`]: the cargo-built binary and
//! the Python package's `synthvis` command both call it, so they take the same arguments,
//! write the same files and exit with the same codes.
//!
//! Inside: its arguments (`args`), its console (`console`), a file per command that runs
//! it through the library, and the one mapping of errors to exit codes (`exit`).

pub(crate) mod args;
pub(crate) mod console;

pub use console::error_message;
pub(crate) mod exit;

mod bench;
mod diff;
mod explain;
mod export;
mod golden;
mod info;
mod merge;
mod preview;
mod render;
mod schema;
mod stats;
mod sweep;
mod validate;
mod verify;

use std::ffi::OsString;

use clap::Parser;

use args::{Cli, Command};
use console::{error_chain, install_panic_report, note};

/// Runs the command line `args` (the program name first, as `std::env::args_os` gives
/// it) and returns the process exit code: 0 on success, 2 for bad input (clap's usage
/// errors included), 1 for a failure, 3 for a dataset that fails verification, 4 for a
/// golden mismatch, 128 + N when signal N stopped the run. Errors are printed on stderr;
/// `--help` and `--version` on stdout.
///
/// It installs the command line's panic report and, for `render`, `sweep` and `bench`,
/// handlers for SIGINT and SIGTERM: call it from a process that exists to run the
/// command.
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    install_panic_report();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors on stderr, help and version on stdout, as clap's own exit.
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            note(format!("error: {}", error_chain(&e)));
            exit::exit_code(&e)
        }
    }
}

/// Runs the command `cli` names.
fn run(cli: Cli) -> anyhow::Result<()> {
    let backend = cli.backend;
    match cli.command {
        Command::Render(args) => render::run(args, backend),
        Command::Sweep(args) => sweep::run(args, backend),
        Command::Merge(args) => merge::run(args),
        Command::Bench(args) => bench::run(args, backend),
        Command::Verify(args) => verify::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Schema => schema::run(),
        Command::Explain(args) => explain::run(args),
        Command::Info => info::run(backend),
        Command::Golden { action } => golden::run(action, backend),
        Command::Preview(args) => preview::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Export { format } => export::run(format),
        Command::Diff(args) => diff::run(args),
    }
}

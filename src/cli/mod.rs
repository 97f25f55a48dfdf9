//! The command line: its arguments ([`args`]), its console ([`console`]), a file per
//! command that runs it through the library, and the one mapping of errors to exit codes
//! ([`exit`]).

pub(crate) mod args;
pub(crate) mod console;
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

use args::{Cli, Command};

/// Runs the command `cli` names.
pub(crate) fn run(cli: Cli) -> anyhow::Result<()> {
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

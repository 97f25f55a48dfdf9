//! The command line: its arguments ([`args`]), its console ([`console`]), a file per
//! command that runs it through the library, and the one mapping of errors to exit codes
//! ([`exit`]).

pub(crate) mod args;
pub(crate) mod console;
pub(crate) mod exit;

mod bench;
mod export;
mod golden;
mod info;
mod inspect;
mod look;
mod merge;
mod render;
mod sweep;
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
        Command::Validate(args) => inspect::validate(args),
        Command::Schema => inspect::schema(),
        Command::Explain(args) => inspect::explain(args),
        Command::Info => info::run(backend),
        Command::Golden { action } => golden::run(action, backend),
        Command::Preview(args) => look::preview(args),
        Command::Stats(args) => look::stats(args),
        Command::Export { format } => export::run(format),
        Command::Diff(args) => golden::diff(args),
    }
}

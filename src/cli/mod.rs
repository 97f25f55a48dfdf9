//! The command line's parts: its arguments ([`args`]) and its console ([`console`]).

pub(crate) mod args;
pub(crate) mod console;

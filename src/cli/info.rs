//! `synthvis info`: the adapters, and the one a render uses.

use crate::gpu::{BackendChoice, GpuError, list_adapters};

use super::console::say;

/// Lists the adapters, most preferred first; none at all is an error.
pub(crate) fn run(backend: BackendChoice) -> anyhow::Result<()> {
    let adapters = list_adapters(backend);
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter {
            backends: format!("{backend:?}"),
        }
        .into());
    }
    let mut text = String::from("adapters (most preferred first):");
    for (adapter, used) in &adapters {
        let mark = if *used {
            "  <- a render uses this one"
        } else {
            ""
        };
        text.push_str(&format!("\n  {adapter}{mark}"));
    }
    say(text);
    Ok(())
}

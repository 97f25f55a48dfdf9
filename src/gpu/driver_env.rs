//! Process environment that keeps a headless run quiet on Mesa's drivers without hiding
//! any adapter or overriding a user's own settings.
//!
//! Without a display, two Mesa components print `error: XDG_RUNTIME_DIR is invalid or not
//! set in the environment.` (libwayland's message) on every run:
//! - Vulkan's device-select layer, an implicit layer that connects to Wayland when the
//!   instance enumerates devices, to move the display's GPU first. It only orders devices
//!   (synthvis orders adapters itself, see `context`); it hides one only when the user
//!   asks it to with its own variables.
//! - EGL, unless told with `EGL_PLATFORM=surfaceless` that there is no display.
//!
//! [`quiet_defaults`] says what to set. The binary sets it before any thread starts; the
//! library sets it too, once, before it first calls into the driver stack (`context`), so
//! a program embedding synthvis is as quiet.

use std::ffi::OsString;
use std::path::Path;

/// Variables the device-select layer reads: a user who set any of them wants the layer.
const DEVICE_SELECT_SETTINGS: &[&str] = &[
    "NODEVICE_SELECT",
    "MESA_VK_DEVICE_SELECT",
    "MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE",
    "DRI_PRIME",
];

/// The variables to set, given the current environment (`get` reads a variable): only
/// ones the user has not set, and the device-select layer is switched off only where it
/// could not reach a display anyway (no usable `XDG_RUNTIME_DIR`).
pub fn quiet_defaults(get: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if get("EGL_PLATFORM").is_none() {
        out.push(("EGL_PLATFORM", "surfaceless"));
    }
    let runtime_dir_usable = get("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).is_dir());
    let user_configured = DEVICE_SELECT_SETTINGS.iter().any(|k| get(k).is_some());
    if !runtime_dir_usable && !user_configured {
        out.push(("NODEVICE_SELECT", "1"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn a_bare_headless_environment_gets_both() {
        assert_eq!(
            quiet_defaults(env(&[])),
            [("EGL_PLATFORM", "surfaceless"), ("NODEVICE_SELECT", "1")]
        );
        // A runtime dir that does not exist is as good as none.
        assert_eq!(
            quiet_defaults(env(&[("XDG_RUNTIME_DIR", "/no/such/dir")])).len(),
            2
        );
    }

    #[test]
    fn user_settings_and_a_usable_runtime_dir_are_kept() {
        let tmp = std::env::temp_dir();
        let tmp = tmp.to_str().unwrap();
        assert_eq!(
            quiet_defaults(env(&[("XDG_RUNTIME_DIR", tmp), ("EGL_PLATFORM", "x11")])),
            []
        );
        for var in DEVICE_SELECT_SETTINGS {
            assert_eq!(
                quiet_defaults(env(&[(var, "1")])),
                [("EGL_PLATFORM", "surfaceless")],
                "{var}"
            );
        }
    }
}

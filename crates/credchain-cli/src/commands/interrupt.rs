//! SIGINT/SIGTERM while a prompt has the terminal's echo off.
//!
//! Python's getpass gets `KeyboardInterrupt` and its `finally` turns echo
//! back on; the AWS CLI then exits 130. A Rust process killed by the
//! default action skips `Drop`, so echo would stay off in the user's
//! shell. Before a prompt switches echo off, [`arm`] starts (once) a thread
//! that takes SIGINT and SIGTERM, restores every quieted terminal
//! ([`credchain::os::restore_terminals_for_exit`]) and then re-raises the
//! signal's default action (`emulate_default_handler`), so the process
//! still dies by the signal (status 130 / 143 in a shell).
//!
//! A handler cannot be removed again (signal-hook restores no default
//! disposition), so the thread stays after the prompt and keeps doing the
//! default action. Commands that take these signals themselves (`serve`,
//! `exec`) call [`handled_by_command`]: the thread then leaves the signal
//! to them, and `main` restores the terminal when they return (should a
//! prompt on another thread still hold echo off).
//! No `unsafe`: signal-hook's self-pipe iterator, on a plain thread.

use std::sync::atomic::{AtomicBool, Ordering};

/// A command of this process stops on SIGINT/SIGTERM itself.
static COMMAND_HANDLES: AtomicBool = AtomicBool::new(false);

/// Makes SIGINT/SIGTERM restore the terminal before the process ends; call
/// before a prompt switches echo off. Idempotent. If the signals cannot be
/// caught, the prompt still runs (as before: a kill leaves echo off).
pub(crate) fn arm() {
    #[cfg(unix)]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
                return;
            };
            std::thread::spawn(move || {
                for sig in signals.forever() {
                    // `serve` / `exec` stop (or, for a terminal's Ctrl-C,
                    // wait for their child) themselves; `main` restores
                    // the terminal when they return.
                    if COMMAND_HANDLES.load(Ordering::SeqCst) {
                        continue;
                    }
                    credchain::os::restore_terminals_for_exit();
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                }
            });
        });
    }
}

/// The running command takes SIGINT/SIGTERM itself and returns to `main`,
/// which calls [`credchain::os::restore_terminals_for_exit`].
pub(crate) fn handled_by_command() {
    COMMAND_HANDLES.store(true, Ordering::SeqCst);
}

/// The CLI's MFA prompt: botocore's getpass prompt
/// ([`credchain::sts::client::TerminalMfaPrompt`], stdin when it is not a
/// terminal) with the terminal restored on SIGINT/SIGTERM.
#[derive(Debug)]
pub(crate) struct MfaPrompt(pub(crate) credchain::sts::client::TerminalMfaPrompt);

impl credchain::sts::client::MfaPrompt for MfaPrompt {
    fn prompt(&self, prompt: &str) -> Result<String, credchain::Error> {
        arm();
        self.0.prompt(prompt)
    }
}

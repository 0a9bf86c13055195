//! botocore's default MFA prompt, `getpass.getpass` (P-AR-6), for
//! programs that use the library: the code is asked on the controlling
//! terminal, `/dev/tty`, with echo off, whatever stdin and stdout are.
//!
//! As `getpass.unix_getpass`: `/dev/tty` is opened `O_RDWR | O_NOCTTY`,
//! echo goes off before the prompt is written, one line is read, the old
//! mode comes back (on every path: an [`EchoOff`] guard), then a newline
//! is written for the Enter the terminal did not echo. End of input is
//! `EOFError`. A program that ends on SIGINT/SIGTERM restores the mode
//! with [`crate::os::restore_terminals_for_exit`] from its handler, as
//! getpass's `finally` does on `KeyboardInterrupt`.
//!
//! Where `getpass` has no terminal it warns ("Warning: Password input may
//! be echoed.") and reads stdin. A library cannot assume it owns the
//! host program's stdin, so [`TerminalMfaPrompt::new`] fails instead, with
//! an error that says so; [`TerminalMfaPrompt::scripted_stdin`] is the
//! `credchain` CLI's choice (stdin when it is not a terminal, as its other
//! prompts).

use std::io::{self, BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::sync::Mutex;

use super::client::MfaPrompt;
use crate::credentials::Method;
use crate::error::Error;
use crate::os::EchoOff;

/// The MFA code prompt on the controlling terminal with echo off
/// (botocore's `getpass.getpass`); the default of `credchain-aws-sdk`'s
/// CLI-style sessions and the `credchain` CLI's prompt.
///
/// Calls are serialised: threads that need a code at the same time are
/// asked one after the other, never interleaved on the terminal.
///
/// # Errors
/// [`MfaPrompt::prompt`] fails with `CredentialRetrievalError` when there
/// is no terminal to ask on (no controlling terminal, or not Unix), with
/// `EOFError` at end of input (Ctrl-D), and with `OSError` when the
/// terminal cannot be read.
#[derive(Debug)]
pub struct TerminalMfaPrompt {
    /// The terminal device (`/dev/tty`; another path in tests).
    tty: PathBuf,
    /// Read stdin when it is not a terminal.
    scripted_stdin: bool,
    one_at_a_time: Mutex<()>,
}

impl Default for TerminalMfaPrompt {
    fn default() -> Self {
        TerminalMfaPrompt::new()
    }
}

impl TerminalMfaPrompt {
    /// Asks on `/dev/tty`; fails when the process has no terminal.
    pub fn new() -> TerminalMfaPrompt {
        TerminalMfaPrompt {
            tty: PathBuf::from("/dev/tty"),
            scripted_stdin: false,
            one_at_a_time: Mutex::new(()),
        }
    }

    /// When stdin is not a terminal, reads the code as one line of stdin
    /// instead (prompt and `getpass`'s "Warning: Password input may be
    /// echoed." on stderr): scripted use, `echo 123456 | credchain …`.
    /// `getpass` would still ask on `/dev/tty` when there is one.
    #[must_use]
    pub fn scripted_stdin(mut self) -> TerminalMfaPrompt {
        self.scripted_stdin = true;
        self
    }

    /// The prompt on another terminal device (tests: a pty's follower).
    #[cfg(test)]
    pub(crate) fn at(tty: impl Into<PathBuf>) -> TerminalMfaPrompt {
        TerminalMfaPrompt {
            tty: tty.into(),
            ..TerminalMfaPrompt::new()
        }
    }
}

impl MfaPrompt for TerminalMfaPrompt {
    fn prompt(&self, prompt: &str) -> Result<String, Error> {
        let _serial = self
            .one_at_a_time
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.scripted_stdin && !crate::os::stdin_is_terminal() {
            return ask_stdin(prompt);
        }
        let tty = crate::os::open_terminal(&self.tty).map_err(|e| no_terminal(&self.tty, &e))?;
        let answer = ask_terminal(&tty, prompt).map_err(|e| Error::Unhandled {
            class: "OSError",
            message: format!("reading the MFA code from {}: {e}", self.tty.display()),
        })?;
        answer.ok_or_else(eof)
    }
}

/// `getpass`'s prompt on `tty`: echo off, prompt, one line, echo back on,
/// newline. `None` at end of input.
pub(crate) fn ask_terminal(tty: &std::fs::File, prompt: &str) -> io::Result<Option<String>> {
    // `&File` reads and writes, so the guard, the prompt and the reader
    // share the one descriptor.
    let mut out: &std::fs::File = tty;
    let mut line = String::new();
    let n = {
        // Off before the prompt is shown, so nothing typed in answer is
        // echoed; back on when this block ends, by any path.
        let _quiet = EchoOff::new(tty)?;
        out.write_all(prompt.as_bytes())?;
        out.flush()?;
        // No read-ahead past the line: `BufReader` on a terminal in
        // canonical mode gets one line per read.
        BufReader::new(tty).read_line(&mut line)?
    };
    if n == 0 {
        return Ok(None);
    }
    // The Enter was not echoed.
    out.write_all(b"\n")?;
    Ok(Some(chomp(line)))
}

/// `getpass`'s `fallback_getpass` on stdin (scripted use).
fn ask_stdin(prompt: &str) -> Result<String, Error> {
    let mut err = io::stderr().lock();
    let _ = write!(err, "Warning: Password input may be echoed.\n{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    let n = io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Unhandled {
            class: "OSError",
            message: format!("reading the MFA code from stdin: {e}"),
        })?;
    if n == 0 {
        return Err(eof());
    }
    Ok(chomp(line))
}

/// The line without a final `\n`, as `getpass._raw_input`: a `\r` before
/// it stays (botocore sends it as part of the code; a terminal in its
/// usual mode, `ICRNL`, never passes one on).
fn chomp(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
    }
    line
}

fn eof() -> Error {
    Error::Unhandled {
        class: "EOFError",
        message: "no MFA code given (end of input)".into(),
    }
}

fn no_terminal(tty: &std::path::Path, e: &io::Error) -> Error {
    Error::CredentialRetrieval {
        provider: Method::AssumeRole,
        message: format!(
            "cannot ask for the MFA code: no terminal ({}: {e}); give the session an \
             MFA prompt (SessionBuilder::mfa_prompt) to ask another way",
            tty.display()
        ),
    }
}

#[cfg(test)]
mod tests;

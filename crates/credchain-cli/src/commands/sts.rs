//! `credchain sts get-caller-identity`: resolve credentials (assume-role and
//! web identity included, through the AWS CLI's `~/.aws/cli/cache`), then
//! call STS `GetCallerIdentity` and print `{"UserId","Account","Arn"}` as
//! the AWS CLI v1 does (P-STS-2).

use std::fmt::Write as _;
use std::io::{self, BufRead};
use std::sync::Mutex;

use credchain::Error;
use credchain::sts::client::MfaPrompt;

use super::configure_write::Prompter;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::commands::EXIT_ERROR;
use crate::output;

/// botocore's `getpass` MFA prompt: on the terminal with echo off, else a
/// warning and the prompt on stderr and the code from stdin (P-AR-6).
pub(crate) struct GetpassPrompt(Mutex<()>);

impl GetpassPrompt {
    /// A prompt; calls are serialised.
    pub(crate) fn new() -> GetpassPrompt {
        GetpassPrompt(Mutex::new(()))
    }
}

impl MfaPrompt for GetpassPrompt {
    fn prompt(&self, prompt: &str) -> Result<String, Error> {
        let _one_at_a_time = self.0.lock();
        let io_error = |e: &io::Error| Error::Unhandled {
            class: "EOFError",
            message: format!("reading the MFA code: {e}"),
        };
        let answer = match Prompter::new() {
            mut tty @ Prompter::Tty { .. } => tty.ask(prompt, true).map_err(|e| io_error(&e))?,
            Prompter::Stdio => {
                output::err("Warning: Password input may be echoed.\n");
                output::err(prompt);
                let mut line = String::new();
                let n = io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| io_error(&e))?;
                (n > 0).then(|| line.trim_end_matches(['\r', '\n']).to_owned())
            }
        };
        answer.ok_or_else(|| Error::Unhandled {
            class: "EOFError",
            message: "no MFA code given (end of input)".into(),
        })
    }
}

/// Python `json.dumps(s, ensure_ascii=False)` for the CLI's JSON output.
fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Runs `sts get-caller-identity`.
pub(crate) fn get_caller_identity(global: &GlobalArgs) -> u8 {
    let session = super::session(global);
    // The client first, as botocore's `create_client` validates the region
    // and endpoint before the (deferred) credentials are fetched: a bad
    // region or `--endpoint-url` never lets an assume-role call out.
    let client = match super::sts_client(&session, global) {
        Ok(c) => c,
        Err(e) => {
            output::err_line(&format!("error: {}: {e}", e.kind()));
            return EXIT_ERROR;
        }
    };
    let creds = match session.get_credentials() {
        Ok(Some(c)) => c,
        Ok(None) => {
            output::err_line(
                "error: Unable to locate credentials. You can configure credentials by running \
                 \"credchain configure\".",
            );
            return EXIT_ERROR;
        }
        Err(e) => {
            output::err_line(&format!("error: {}: {e}", e.kind()));
            return EXIT_ERROR;
        }
    };
    let id = match client.get_caller_identity(&creds) {
        Ok(id) => id,
        Err(e) => {
            output::err_line(&format!("error: {}: {e}", e.kind()));
            return EXIT_ERROR;
        }
    };
    let mut text = String::new();
    if global.output == Some(OutputFormat::Text) {
        // Text output: values in sorted key order (Account, Arn, UserId).
        let _ = writeln!(text, "{}\t{}\t{}", id.account, id.arn, id.user_id);
    } else if global.output == Some(OutputFormat::Table) {
        text = output::aws_table(
            "GetCallerIdentity",
            &[
                ("UserId", &id.user_id),
                ("Account", &id.account),
                ("Arn", &id.arn),
            ],
            output::terminal_width(),
        );
    } else {
        let _ = writeln!(
            text,
            "{{\n    \"UserId\": {},\n    \"Account\": {},\n    \"Arn\": {}\n}}",
            json_str(&id.user_id),
            json_str(&id.account),
            json_str(&id.arn)
        );
    }
    output::out(&text);
    0
}

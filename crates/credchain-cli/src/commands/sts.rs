//! `credchain sts get-caller-identity`: resolve credentials (assume-role and
//! web identity included, through the AWS CLI's `~/.aws/cli/cache`), then
//! call STS `GetCallerIdentity` and print `{"UserId","Account","Arn"}` as
//! the AWS CLI v1 does (P-STS-2).

use credchain::Session;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::format::{self, Query};
use crate::output;

/// The output format: `--output`, else `AWS_DEFAULT_OUTPUT`, else the
/// profile's `output`, else `json` (the AWS CLI's `output` variable). A
/// value that is not a format is the AWS CLI's "Unknown output type".
fn output_format(global: &GlobalArgs, session: &Session) -> Result<OutputFormat, String> {
    if let Some(f) = global.output {
        return Ok(f);
    }
    let (value, source) = if let Some(v) = session.os().env.get("AWS_DEFAULT_OUTPUT") {
        (v, "AWS_DEFAULT_OUTPUT".to_owned())
    } else {
        let profile = session.scoped_profile().ok().flatten();
        match profile.and_then(|p| p.get_str("output")) {
            Some(v) => (
                v.to_owned(),
                format!("`output` of profile {}", session.profile().effective()),
            ),
            None => return Ok(OutputFormat::Json),
        }
    };
    match value.as_str() {
        "json" => Ok(OutputFormat::Json),
        "text" => Ok(OutputFormat::Text),
        "table" => Ok(OutputFormat::Table),
        _ => Err(format!(
            "Unknown output type: {value} (from {source}); expected json, text or table"
        )),
    }
}

/// Runs `sts get-caller-identity`.
pub(crate) fn get_caller_identity(global: &GlobalArgs, query: Option<&Query>) -> u8 {
    let session = super::session(global);
    // The client first, as botocore's `create_client` validates the region
    // and endpoint before the (deferred) credentials are fetched: a bad
    // region or `--endpoint-url` never lets an assume-role call out.
    let client = match super::own_sts_client(&session, global) {
        Ok(c) => c,
        Err(e) => return super::fail(&e, &session, global),
    };
    let sent = if global.no_sign_request {
        // No credentials are resolved; STS answers for itself (AWS rejects
        // an unsigned GetCallerIdentity with MissingAuthenticationToken).
        client
            .call(
                "GetCallerIdentity",
                &credchain::sts::get_caller_identity_body(),
                None,
            )
            .and_then(|body| credchain::sts::parse_caller_identity(&body))
    } else {
        let creds = match session.get_credentials() {
            Ok(Some(c)) => c,
            Ok(None) => return super::no_credentials(),
            Err(e) => return super::fail(&e, &session, global),
        };
        client.get_caller_identity(&creds)
    };
    let id = match sent {
        Ok(id) => id,
        Err(e) => return super::fail(&e, &session, global),
    };
    // As the AWS CLI, the format is looked up after the call succeeded.
    let format = match output_format(global, &session) {
        Ok(f) => f,
        Err(e) => return super::fail_msg(&e),
    };
    // The response dict in the order botocore's parser builds it.
    let mut doc = serde_json::Map::new();
    doc.insert("UserId".into(), id.user_id.clone().into());
    doc.insert("Account".into(), id.account.clone().into());
    doc.insert("Arn".into(), id.arn.clone().into());
    let doc = serde_json::Value::Object(doc);
    let result = match query {
        Some(q) => match q.search(&doc) {
            Ok(v) => v,
            Err(e) => return super::fail_msg(&e),
        },
        None => doc,
    };
    match format::render(
        &result,
        format,
        "GetCallerIdentity",
        output::terminal_width(),
    ) {
        Ok(text) => {
            output::out(&text);
            0
        }
        Err(e) => super::fail_msg(&e),
    }
}

//! Client-side parameter validation, as botocore's `ParamValidator`
//! (`botocore/validate.py`) runs it before any request is built: every
//! failed constraint is collected, in the order the parameters were given,
//! and reported together as `ParamValidationError`.
//!
//! botocore checks only what it lists in `VALIDATED_METADATA_ATTRS`:
//! `required` members, the Python type, and `min` (string length in code
//! points, integer value). A member's `max` and `pattern` are the service's
//! to enforce: botocore sends a 65-character `RoleSessionName` and lets STS
//! answer `ValidationError`, so credchain does the same. They are kept in
//! the tables anyway, so the tables are a faithful copy of the model (the
//! tests compare them with botocore's installed `service-2.json.gz`).
//!
//! Each operation is one [`Operation`] table; SSO and SSO-OIDC operations
//! are added the same way (a `const` table beside the client that sends
//! them) and validated by the same [`validate`].

use std::fmt::Write as _;

use crate::error::Error;

/// A member's type, as far as validation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `string`: `min`/`max` bound the length in code points.
    String,
    /// `integer`: `min`/`max` bound the value.
    Integer,
}

/// One input member of an operation, copied from the service model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member name (`RoleArn`).
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// The model's `min` (checked, as botocore does).
    pub min: Option<i64>,
    /// The model's `max` (documented, not checked: botocore does not).
    pub max: Option<i64>,
    /// The model's `pattern` (documented, not checked: botocore does not).
    pub pattern: Option<&'static str>,
}

/// An operation's input shape: the members credchain may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The service's model name (`sts`), for the cross-check with botocore.
    pub service: &'static str,
    /// The operation (`AssumeRole`).
    pub name: &'static str,
    /// The input shape's `required` list, in the model's order.
    pub required: &'static [&'static str],
    /// The members credchain sends (a subset of the model's).
    pub members: &'static [Member],
}

impl Operation {
    /// The member named `name`.
    pub fn member(&self, name: &str) -> Option<&'static Member> {
        self.members.iter().find(|m| m.name == name)
    }
}

const fn string(name: &'static str, min: i64, max: i64, pattern: Option<&'static str>) -> Member {
    Member {
        name,
        kind: Kind::String,
        min: Some(min),
        max: Some(max),
        pattern,
    }
}

const fn integer(name: &'static str, min: i64, max: i64) -> Member {
    Member {
        name,
        kind: Kind::Integer,
        min: Some(min),
        max: Some(max),
        pattern: None,
    }
}

/// `arnType`.
const ARN_PATTERN: &str = "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+";
/// `roleSessionNameType`.
const SESSION_NAME_PATTERN: &str = "[\\w+=,.@-]*";
/// `serialNumberType`.
const SERIAL_PATTERN: &str = "[\\w+=/:,.@-]*";
/// `tokenCodeType`.
const TOKEN_CODE_PATTERN: &str = "[\\d]*";
/// `externalIdType`.
const EXTERNAL_ID_PATTERN: &str = "[\\w+=,.@:\\/-]*";

const ROLE_ARN: Member = string("RoleArn", 20, 2048, Some(ARN_PATTERN));
const ROLE_SESSION_NAME: Member = string("RoleSessionName", 2, 64, Some(SESSION_NAME_PATTERN));
const SERIAL_NUMBER: Member = string("SerialNumber", 9, 256, Some(SERIAL_PATTERN));
const TOKEN_CODE: Member = string("TokenCode", 6, 6, Some(TOKEN_CODE_PATTERN));
/// `roleDurationSecondsType`.
const ROLE_DURATION: Member = integer("DurationSeconds", 900, 43_200);

/// STS `AssumeRole` (botocore 1.43.11's model).
pub const ASSUME_ROLE: Operation = Operation {
    service: "sts",
    name: "AssumeRole",
    required: &["RoleArn", "RoleSessionName"],
    members: &[
        ROLE_ARN,
        ROLE_SESSION_NAME,
        ROLE_DURATION,
        string("ExternalId", 2, 1224, Some(EXTERNAL_ID_PATTERN)),
        SERIAL_NUMBER,
        TOKEN_CODE,
    ],
};

/// STS `AssumeRoleWithWebIdentity`.
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: Operation = Operation {
    service: "sts",
    name: "AssumeRoleWithWebIdentity",
    required: &["RoleArn", "RoleSessionName", "WebIdentityToken"],
    members: &[
        ROLE_ARN,
        ROLE_SESSION_NAME,
        // `clientTokenType` (sensitive: only its length is ever reported).
        string("WebIdentityToken", 4, 20_000, None),
    ],
};

/// STS `GetSessionToken`.
pub const GET_SESSION_TOKEN: Operation = Operation {
    service: "sts",
    name: "GetSessionToken",
    required: &[],
    members: &[
        // `durationSecondsType` (longer than a role's).
        integer("DurationSeconds", 900, 129_600),
        SERIAL_NUMBER,
        TOKEN_CODE,
    ],
};

/// STS `GetCallerIdentity` (no input members).
pub const GET_CALLER_IDENTITY: Operation = Operation {
    service: "sts",
    name: "GetCallerIdentity",
    required: &[],
    members: &[],
};

/// Every operation table, for the cross-check against botocore's model.
pub const OPERATIONS: [&Operation; 4] = [
    &ASSUME_ROLE,
    &ASSUME_ROLE_WITH_WEB_IDENTITY,
    &GET_SESSION_TOKEN,
    &GET_CALLER_IDENTITY,
];

/// A parameter value as it is about to be sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string (may be secret: only its length is ever reported).
    Str(&'a str),
    /// An integer.
    Int(i64),
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Token codes and web identity tokens pass through here.
        match self {
            Value::Str(s) => write!(f, "Str(<{} chars>)", s.chars().count()),
            Value::Int(n) => write!(f, "Int({n})"),
        }
    }
}

/// Validates `params` (in the order the caller built them, which is the
/// order botocore reports errors in) against `op`, as botocore's
/// `validate_parameters`: required members first, then each parameter's
/// `min`.
///
/// # Panics
///
/// In debug builds, on a parameter `op` does not list or of the wrong
/// kind: that is a bug in the caller, not bad input.
pub fn validate(op: &Operation, params: &[(&str, Value<'_>)]) -> Result<(), Error> {
    let mut report = String::new();
    let mut line = |text: std::fmt::Arguments<'_>| {
        if !report.is_empty() {
            report.push('\n');
        }
        let _ = report.write_fmt(text);
    };
    for required in op.required {
        if !params.iter().any(|(n, _)| n == required) {
            line(format_args!(
                "Missing required parameter in input: \"{required}\""
            ));
        }
    }
    for (name, value) in params {
        let Some(member) = op.member(name) else {
            debug_assert!(false, "{} sends {name}, missing from its table", op.name);
            continue;
        };
        match (member.kind, value) {
            (Kind::String, Value::Str(s)) => {
                // Python's len(): code points, not bytes.
                let len = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
                if let Some(min) = member.min
                    && len < min
                {
                    line(format_args!(
                        "Invalid length for parameter {name}, value: {len}, valid min length: \
                         {min}"
                    ));
                }
            }
            (Kind::Integer, Value::Int(n)) => {
                if let Some(min) = member.min
                    && *n < min
                {
                    line(format_args!(
                        "Invalid value for parameter {name}, value: {n}, valid min value: {min}"
                    ));
                }
            }
            _ => debug_assert!(false, "{}: {name} has the wrong kind", op.name),
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(Error::ParamValidation { report })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_and_botocores_order_and_words() {
        // botocore 1.43.11: `role_arn = myrole`, session name `a`,
        // `external_id = b`, `duration_seconds = 5` (measured through
        // botocore's AssumeRoleProvider; the kwargs order is RoleSessionName,
        // ExternalId, SerialNumber, DurationSeconds, RoleArn).
        let e = validate(
            &ASSUME_ROLE,
            &[
                ("RoleSessionName", Value::Str("a")),
                ("ExternalId", Value::Str("b")),
                ("DurationSeconds", Value::Int(5)),
                ("RoleArn", Value::Str("myrole")),
            ],
        )
        .unwrap_err();
        assert_eq!(e.kind(), "ParamValidationError");
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\n\
             Invalid length for parameter RoleSessionName, value: 1, valid min length: 2\n\
             Invalid length for parameter ExternalId, value: 1, valid min length: 2\n\
             Invalid value for parameter DurationSeconds, value: 5, valid min value: 900\n\
             Invalid length for parameter RoleArn, value: 6, valid min length: 20"
        );
    }

    #[test]
    fn only_min_is_checked_as_botocore_does() {
        // 65 characters and a pattern violation: botocore sends it.
        let long = "x".repeat(65);
        assert!(
            validate(
                &ASSUME_ROLE,
                &[
                    ("RoleArn", Value::Str("arn:aws:iam::123456789012:role/r")),
                    ("RoleSessionName", Value::Str(&long)),
                    ("DurationSeconds", Value::Int(1_000_000)),
                    ("ExternalId", Value::Str("has space")),
                ],
            )
            .is_ok()
        );
        // Boundaries: min itself passes.
        assert!(
            validate(
                &GET_SESSION_TOKEN,
                &[
                    ("DurationSeconds", Value::Int(900)),
                    ("SerialNumber", Value::Str("123456789")),
                    ("TokenCode", Value::Str("123456")),
                ],
            )
            .is_ok()
        );
        let e = validate(&GET_SESSION_TOKEN, &[("DurationSeconds", Value::Int(899))]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\nInvalid value for parameter DurationSeconds, value: \
             899, valid min value: 900"
        );
    }

    #[test]
    fn length_is_code_points_and_never_the_text() {
        // Three code points, nine bytes: botocore's len() says 3.
        let e = validate(
            &ASSUME_ROLE_WITH_WEB_IDENTITY,
            &[
                ("RoleArn", Value::Str("arn:aws:iam::123456789012:role/r")),
                ("RoleSessionName", Value::Str("ok")),
                ("WebIdentityToken", Value::Str("日本語")),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\nInvalid length for parameter WebIdentityToken, \
             value: 3, valid min length: 4"
        );
        assert!(!format!("{e:?}").contains("日本語"));
        assert!(!format!("{:?}", Value::Str("secret-code")).contains("secret"));
    }

    #[test]
    fn missing_required_members_come_first() {
        let e = validate(&ASSUME_ROLE, &[("ExternalId", Value::Str("x"))]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\n\
             Missing required parameter in input: \"RoleArn\"\n\
             Missing required parameter in input: \"RoleSessionName\"\n\
             Invalid length for parameter ExternalId, value: 1, valid min length: 2"
        );
    }
}

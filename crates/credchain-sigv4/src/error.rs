//! The one error type of this crate.
//!
//! Signing is pure string work, so every failure is a problem with the input; callers
//! only need to know *which* input, hence an opaque struct with an [`ErrorKind`].

use std::fmt;

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningError {
    kind: ErrorKind,
    detail: String,
}

/// The category of a [`SigningError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request URI could not be split the way Python's `urlsplit` splits it
    /// (unbalanced IPv6 brackets), or its port is not a number in 0..=65535.
    InvalidUri,
    /// There is no `Host` header and the URI has no host to derive one from.
    MissingHost,
    /// A header name is not an HTTP token (RFC 9110 `tchar`s only).
    InvalidHeaderName,
    /// The signing time is before 1970 or after 9999-12-31T23:59:59Z.
    TimeOutOfRange,
    /// [`presign`](crate::presign) was given a non-empty body. botocore's presigners
    /// move a dict/JSON body into the query string (and raise on anything else); put
    /// the parameters in the query instead.
    BodyNotPresignable,
}

impl SigningError {
    pub(crate) fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::InvalidUri => "invalid request uri",
            ErrorKind::MissingHost => "no `host` header and no host in the request uri",
            ErrorKind::InvalidHeaderName => "invalid header name",
            ErrorKind::TimeOutOfRange => "signing time out of range",
            ErrorKind::BodyNotPresignable => "a presigned request cannot carry a body",
        };
        if self.detail.is_empty() {
            f.write_str(what)
        } else {
            write!(f, "{what}: {}", self.detail)
        }
    }
}

impl std::error::Error for SigningError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lower_case_without_period() {
        let e = SigningError::new(ErrorKind::InvalidHeaderName, "`a b`");
        assert_eq!(e.to_string(), "invalid header name: `a b`");
        assert_eq!(e.kind(), ErrorKind::InvalidHeaderName);
        let e = SigningError::new(ErrorKind::MissingHost, "");
        assert_eq!(
            e.to_string(),
            "no `host` header and no host in the request uri"
        );
    }
}

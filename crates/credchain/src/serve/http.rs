//! The HTTP/1.1 subset the credential endpoints need, sans IO: the head
//! bound, and a response serialised to bytes. Request heads are parsed by
//! [`crate::http::server_head`] (`httparse`). No bodies are read (the token
//! `PUT` has none; a declared body is refused), no chunked encoding, no
//! continuation lines: every client of these endpoints (botocore, the SDKs,
//! `curl`, load generators) sends plain heads.

/// The most bytes a request head may take (request line + headers + the
/// blank line). botocore's requests are under 1 KiB.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// An answer: status, content type, extra headers and body.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

// A response body can hold credentials: never printed.
impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

// A credentials document is wiped once answered.
impl Drop for Response {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.body);
    }
}

impl Response {
    /// `status` with a plain-text body.
    pub(crate) fn text(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type: "text/plain",
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// `status` with a JSON body.
    pub(crate) fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    /// `status` with an empty body (`401`: no detail).
    pub(crate) fn empty(status: u16) -> Response {
        Response::text(status, Vec::new())
    }

    /// The bytes on the wire.
    pub(crate) fn to_bytes(&self, keep_alive: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(160 + self.body.len());
        out.extend_from_slice(
            format!(
                "HTTP/1.1 {} {}\r\nServer: credchain\r\nContent-Type: {}\r\n\
                 Content-Length: {}\r\nConnection: {}\r\n",
                self.status,
                reason(self.status),
                self.content_type,
                self.body.len(),
                if keep_alive { "keep-alive" } else { "close" }
            )
            .as_bytes(),
        );
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// The reason phrase of the statuses the server sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_carry_length_and_connection() {
        let r = Response::text(401, "").to_bytes(false);
        assert_eq!(
            String::from_utf8(r).unwrap(),
            "HTTP/1.1 401 Unauthorized\r\nServer: credchain\r\nContent-Type: text/plain\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
}

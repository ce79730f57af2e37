//! The order in which a request's body is admitted to a decision.
//!
//! A host reads a body only once the request has earned it: without
//! credentials nothing is read (RFC 6750 §3.1: the resource answers the
//! challenge at once); a body with more than one reading is refused unread
//! ([`crate::content`]); otherwise at most one byte past `maxBodyBytes` is
//! read, so a body that is too large is told apart without reading the rest
//! whatever `Content-Length` claimed, and refused with `413` before any
//! token work; what is left is inspected for the operations it names.
//!
//! Every host (the Worker, the npm package's `authenticate` and Express
//! middleware) asks [`Validator::body_gate`] with the request head, performs
//! the counted read it answers with, and hands the bytes to
//! [`Validator::read_body`]: the order is decided here, once.

use crate::crypto::SignatureVerifier;
use crate::error::AuthError;
use crate::mcp::Operation;
use crate::validator::{Refusal, Validator};

/// What a request body names, as a decision takes it: the operations, or why
/// they could not be read (decided with the token, which may fail first).
pub type Operations = Result<Vec<Operation>, AuthError>;

/// What a host does with a request's body, decided from its head alone.
#[derive(Debug)]
pub enum BodyGate {
    /// Answer with this refusal now; the body is never read.
    Refused(Refusal),
    /// Decide now without reading the body: a request that is not a `POST`
    /// names no operation; a body whose reading would be ambiguous is a `415`.
    Decide(Operations),
    /// Read at most `limit` bytes of the body, counted, and hand them to
    /// [`Validator::read_body`].
    Read {
        /// One byte past `maxBodyBytes`.
        limit: usize,
    },
}

impl<V: SignatureVerifier> Validator<V> {
    /// The first step for a request: its method and its `Authorization`,
    /// `Content-Type` and `Content-Encoding` field values (`None` when absent;
    /// repeated fields as the platform joined them).
    pub fn body_gate(&self, method: &str, authorization: Option<&str>, content_type: Option<&str>, content_encoding: Option<&str>) -> BodyGate {
        if let Some(refusal) = self.refuse_credentials(authorization) {
            return BodyGate::Refused(refusal);
        }
        if method != "POST" {
            return BodyGate::Decide(Ok(Vec::new()));
        }
        match crate::content::check_json_body(content_type, content_encoding) {
            Err(e) => BodyGate::Decide(Err(e)),
            Ok(()) => BodyGate::Read { limit: self.policy().max_body_bytes.saturating_add(1) },
        }
    }

    /// The second step, once [`BodyGate::Read`]'s bytes are in: `413` (before
    /// any token work) when they pass `maxBodyBytes`, else the operations
    /// they name.
    pub fn read_body(&self, body: &[u8]) -> Result<Operations, Refusal> {
        if body.len() > self.policy().max_body_bytes {
            return Err(self.refuse(AuthError::BodyTooLarge));
        }
        Ok(self.inspect(Some(body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    fn validator(max_body_bytes: usize) -> Validator {
        let config = serde_json::json!({
            "resource": "https://mcp.example.com/mcp",
            "issuers": [{ "issuer": "https://auth.example.com", "jwksUri": "https://auth.example.com/jwks" }],
            "maxBodyBytes": max_body_bytes,
        });
        Validator::new(Policy::from_json(&config.to_string()).unwrap())
    }

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn no_credentials_are_refused_before_anything_else() {
        let v = validator(64);
        for (method, content_type) in [("POST", JSON), ("POST", Some("text/plain")), ("GET", None)] {
            let BodyGate::Refused(refusal) = v.body_gate(method, None, content_type, None) else { panic!("{method} {content_type:?}") };
            assert_eq!(refusal.error, AuthError::NoCredentials);
        }
        let BodyGate::Refused(refusal) = v.body_gate("POST", Some("Bearer a, Basic b"), JSON, None) else { panic!() };
        assert_eq!((&refusal.error, refusal.status()), (&AuthError::MalformedAuthorization, 400));
    }

    #[test]
    fn a_body_with_more_than_one_reading_is_decided_unread() {
        let v = validator(64);
        let gate = v.body_gate("POST", Some("Bearer t"), Some("application/json; charset=utf-7"), None);
        assert!(matches!(gate, BodyGate::Decide(Err(AuthError::UnsupportedMediaType))), "{gate:?}");
        let gate = v.body_gate("POST", Some("Bearer t"), JSON, Some("gzip"));
        assert!(matches!(gate, BodyGate::Decide(Err(AuthError::UnsupportedContentEncoding))), "{gate:?}");
    }

    #[test]
    fn only_a_post_has_a_body_to_read() {
        let v = validator(64);
        assert!(matches!(v.body_gate("GET", Some("Bearer t"), None, None), BodyGate::Decide(Ok(ops)) if ops.is_empty()));
        assert!(matches!(v.body_gate("DELETE", Some("Bearer t"), JSON, None), BodyGate::Decide(Ok(ops)) if ops.is_empty()));
        assert!(matches!(v.body_gate("POST", Some("Bearer t"), JSON, None), BodyGate::Read { limit: 65 }));
    }

    #[test]
    fn a_read_past_the_limit_is_refused_before_any_token_work() {
        let v = validator(64);
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#;
        assert!(body.len() > 64);
        let refusal = v.read_body(body).unwrap_err();
        assert_eq!((&refusal.error, refusal.status()), (&AuthError::BodyTooLarge, 413));
        let at_limit = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        assert_eq!(v.read_body(at_limit).unwrap().unwrap(), vec![Operation::Method("tools/list".into())]);
        assert_eq!(v.read_body(b"not json").unwrap(), Err(AuthError::InvalidMcpRequest));
    }
}

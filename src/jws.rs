//! Strict compact JWS parsing (RFC 7515 §7.1, RFC 8725 §3).
//!
//! Everything that can be judged without the issuer's keys is judged here:
//! structure, canonical encodings, JSON shape, and the header members we
//! refuse outright. `jku`, `x5u`, `jwk` and `x5c` are never read: keys come
//! only from the configured issuer's key set (RFC 8725 §3.10).

use crate::base64url;
use crate::error::AuthError;
use crate::json::{JsonError, Member, Object};
use crate::jwa::{self, Algorithm};

/// A parsed, not yet verified, compact JWS carrying a JWT claims set.
#[derive(Clone, Debug)]
pub struct Jws<'a> {
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: what was signed.
    pub signing_input: &'a [u8],
    /// The header's `alg`.
    pub alg: Algorithm,
    /// The header's `kid`, if any.
    pub kid: Option<String>,
    /// The header's `typ`, if any.
    pub typ: Option<String>,
    /// The claims set.
    pub claims: Object,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

fn json_error(e: JsonError, syntax: AuthError) -> AuthError {
    match e {
        JsonError::Syntax => syntax,
        JsonError::DuplicateMember => AuthError::DuplicateMember,
        JsonError::TooDeep => AuthError::JsonTooDeep,
    }
}

fn optional_string(header: &Object, name: &str) -> Result<Option<String>, AuthError> {
    match header.get(name) {
        None => Ok(None),
        Some(member) => member.as_str().map(|s| Some(s.to_owned())).ok_or(AuthError::InvalidHeader),
    }
}

/// Parses a compact JWS. The caller has already bounded its length.
pub fn parse(token: &str) -> Result<Jws<'_>, AuthError> {
    let dots = token.bytes().filter(|&b| b == b'.').count();
    if dots == 4 {
        return Err(AuthError::JweUnsupported);
    }
    if dots != 2 {
        return Err(AuthError::MalformedJws);
    }
    let mut parts = token.splitn(3, '.');
    let (h, p, s) = match (parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s)) if !h.is_empty() => (h, p, s),
        _ => return Err(AuthError::MalformedJws),
    };

    let header_bytes = base64url::decode(h.as_bytes()).map_err(|_| AuthError::Base64Url)?;
    let header = Object::parse(header_bytes).map_err(|e| json_error(e, AuthError::InvalidHeader))?;

    let alg = match header.get("alg").and_then(Member::as_str) {
        Some(name) if jwa::is_none(name) => return Err(AuthError::AlgorithmNone),
        Some(name) if jwa::is_symmetric(name) => return Err(AuthError::AlgorithmSymmetric),
        Some(name) => Algorithm::from_name(name).ok_or(AuthError::AlgorithmNotAllowed)?,
        None => return Err(AuthError::AlgorithmMissing),
    };
    if header.contains("crit") {
        return Err(AuthError::CriticalHeader);
    }
    if header.contains("b64") {
        return Err(AuthError::UnencodedPayload);
    }
    let kid = optional_string(&header, "kid")?;
    let typ = optional_string(&header, "typ")?;

    let payload = base64url::decode(p.as_bytes()).map_err(|_| AuthError::Base64Url)?;
    let claims = Object::parse(payload).map_err(|e| json_error(e, AuthError::InvalidPayload))?;
    let signature = base64url::decode(s.as_bytes()).map_err(|_| AuthError::Base64Url)?;

    Ok(Jws { signing_input: &token.as_bytes()[..h.len() + 1 + p.len()], alg, kid, typ, claims, signature })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64url::encode;

    fn tok(header: &str, payload: &str, sig: &[u8]) -> String {
        format!("{}.{}.{}", encode(header.as_bytes()), encode(payload.as_bytes()), encode(sig))
    }

    #[test]
    fn parses_a_well_formed_token() {
        let t = tok(r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#, r#"{"iss":"x"}"#, &[1, 2, 3]);
        let jws = parse(&t).unwrap();
        assert_eq!(jws.alg, Algorithm::Es256);
        assert_eq!(jws.kid.as_deref(), Some("k1"));
        assert_eq!(jws.signature, [1, 2, 3]);
        assert_eq!(jws.signing_input, t.rsplit_once('.').unwrap().0.as_bytes());
    }

    #[test]
    fn refuses_each_malformation_with_its_own_error() {
        let p = r#"{"iss":"x"}"#;
        let cases = [
            ("a.b".to_owned(), AuthError::MalformedJws),
            ("a.b.c.d".to_owned(), AuthError::MalformedJws),
            ("a.b.c.d.e".to_owned(), AuthError::JweUnsupported),
            (".b.c".to_owned(), AuthError::MalformedJws),
            (tok(r#"{"alg":"none"}"#, p, b""), AuthError::AlgorithmNone),
            (tok(r#"{"alg":"nOnE"}"#, p, b""), AuthError::AlgorithmNone),
            (tok(r#"{"alg":"hs256"}"#, p, b"x"), AuthError::AlgorithmSymmetric),
            (tok(r#"{"alg":"rs256"}"#, p, b"x"), AuthError::AlgorithmNotAllowed),
            (tok(r#"{"alg":"ES512"}"#, p, b"x"), AuthError::AlgorithmNotAllowed),
            (tok(r#"{"alg":["RS256"]}"#, p, b"x"), AuthError::AlgorithmMissing),
            (tok(r#"{"typ":"JWT"}"#, p, b"x"), AuthError::AlgorithmMissing),
            (tok(r#"{"alg":"RS256","crit":[]}"#, p, b"x"), AuthError::CriticalHeader),
            (tok(r#"{"alg":"RS256","b64":true}"#, p, b"x"), AuthError::UnencodedPayload),
            (tok(r#"{"alg":"RS256","kid":7}"#, p, b"x"), AuthError::InvalidHeader),
            (tok(r#"{"alg":"RS256","alg":"RS256"}"#, p, b"x"), AuthError::DuplicateMember),
            (tok(r#"["RS256"]"#, p, b"x"), AuthError::InvalidHeader),
            (tok(r#"{"alg":"RS256"}"#, "[1]", b"x"), AuthError::InvalidPayload),
            (tok(r#"{"alg":"RS256"}"#, "", b"x"), AuthError::InvalidPayload),
            (tok(r#"{"alg":"RS256"}"#, r#"{"a":1,"a":1}"#, b"x"), AuthError::DuplicateMember),
            (format!("{}=.{}.", encode(br#"{"alg":"RS256"}"#), encode(p.as_bytes())), AuthError::Base64Url),
        ];
        for (t, want) in cases {
            assert_eq!(parse(&t).map(|_| ()), Err(want.clone()), "{t}");
        }
    }
}

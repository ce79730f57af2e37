//! Bearer token extraction (RFC 6750 §2.1).

use crate::error::AuthError;

/// The bytes a b64token is made of, before its `=` padding: one table
/// lookup per byte (a token is checked on every request).
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        b += 1;
    }
    table
};

/// RFC 6750 §2.1 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub fn is_b64token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| B64TOKEN[b as usize])
}

/// Finds the token in an `Authorization` header value, or takes `input` as the
/// bare token when it holds no whitespace (the CLI and JS API accept either).
///
/// - nothing, an empty value, or another scheme (`Basic …`): no credentials
///   (401 without an error code, RFC 6750 §3.1);
/// - `Bearer` with zero or several tokens, or a token outside the b64token
///   syntax: malformed (400 `invalid_request`).
pub fn extract(input: Option<&str>) -> Result<&str, AuthError> {
    let value = input.unwrap_or("").trim_matches([' ', '\t']);
    if value.is_empty() {
        return Err(AuthError::NoCredentials);
    }
    // A value is almost always one long token, bare or after `Bearer `: one
    // pass through the b64token table finds where it stops being one.
    let Some(outside) = value.bytes().position(|b| !B64TOKEN[b as usize]) else {
        // Token bytes throughout: a bare token, unless it is the scheme alone.
        return if value.eq_ignore_ascii_case("bearer") { Err(AuthError::MalformedAuthorization) } else { Ok(value) };
    };
    // A space, if the value has one, is never before that byte (which, after
    // ASCII only, is where a character starts).
    let (scheme, rest) = match value[outside..].find([' ', '\t']) {
        Some(i) => (&value[..outside + i], value[outside + i..].trim_start_matches([' ', '\t'])),
        // No whitespace: a bare token (which the check below refuses).
        None => ("bearer", value),
    };
    bearer_token(scheme, rest)
}

/// The token after `scheme`, if the scheme is `Bearer` and `rest` a b64token.
fn bearer_token<'a>(scheme: &str, rest: &'a str) -> Result<&'a str, AuthError> {
    if !scheme.eq_ignore_ascii_case("bearer") {
        return if is_auth_scheme(scheme) { Err(AuthError::NoCredentials) } else { Err(AuthError::MalformedAuthorization) };
    }
    if !is_b64token(rest) {
        return Err(AuthError::MalformedAuthorization);
    }
    Ok(rest)
}

/// Where the token [`extract`] accepted sits in `input`, as byte offsets
/// `(start, end)`: it always ends the value once its trailing spaces and tabs
/// are trimmed. An accepted value is ASCII throughout (a `bearer` scheme,
/// spaces, a b64token), so these are also UTF-16 offsets for a JS host.
pub fn token_span(input: &str, token: &str) -> (usize, usize) {
    let end = input.trim_end_matches([' ', '\t']).len();
    (end.saturating_sub(token.len()), end)
}

/// An RFC 9110 `auth-scheme` is a `token`; anything else is not a header at all.
fn is_auth_scheme(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_bearer_tokens() {
        assert_eq!(extract(Some("Bearer abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(extract(Some("bEaReR   abc")), Ok("abc"));
        assert_eq!(extract(Some("abc.def.ghi")), Ok("abc.def.ghi"));
        assert_eq!(extract(Some("Bearer mF_9.B5f-4.1JqM==")), Ok("mF_9.B5f-4.1JqM=="));
    }

    #[test]
    fn the_token_span_is_where_extract_found_the_token() {
        for v in ["Bearer abc.def.ghi", "  bEaReR \t abc  \t", "abc.def.ghi", "\tabc\t", "Bearer mF_9.B5f-4.1JqM== "] {
            let token = extract(Some(v)).unwrap();
            let start = token.as_ptr() as usize - v.as_ptr() as usize;
            assert_eq!(token_span(v, token), (start, start + token.len()), "{v:?}");
            assert!(v.is_ascii());
        }
    }

    /// `extract` as the grammar reads, one rule after the other.
    fn extract_by_the_rules(input: Option<&str>) -> Result<&str, AuthError> {
        let value = input.unwrap_or("").trim_matches([' ', '\t']);
        if value.is_empty() {
            return Err(AuthError::NoCredentials);
        }
        let (scheme, rest) = match value.find([' ', '\t']) {
            Some(i) => (&value[..i], value[i..].trim_start_matches([' ', '\t'])),
            None if value.eq_ignore_ascii_case("bearer") => return Err(AuthError::MalformedAuthorization),
            None => ("bearer", value),
        };
        bearer_token(scheme, rest)
    }

    #[test]
    fn one_pass_decides_as_the_rules_do() {
        // Every value of up to five pieces from token bytes, the scheme,
        // padding, spaces, tabs and bytes outside both.
        let pieces = ["a", "Z", "-", "=", " ", "\t", "$", ",", "ä", "Bearer", "bearer", "Basic"];
        let mut values = vec![String::new()];
        for _ in 0..5 {
            values = values.iter().flat_map(|v| pieces.iter().map(move |p| format!("{v}{p}"))).chain(values.iter().cloned()).collect();
            values.sort();
            values.dedup();
        }
        for v in &values {
            assert_eq!(extract(Some(v)), extract_by_the_rules(Some(v)), "{v:?}");
        }
    }

    #[test]
    fn no_credentials() {
        for v in [None, Some(""), Some("  "), Some("Basic dXNlcjpwYXNz"), Some("DPoP abc")] {
            assert_eq!(extract(v), Err(AuthError::NoCredentials), "{v:?}");
        }
    }

    #[test]
    fn malformed() {
        for v in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer a,b",
            "Bearer a\nb",
            "Bearer =abc",
            "Bearer a=b",
            "Bearer tok$",
            "Bearer ä",
            "Bearer a, Basic b",
            "Bear(er x",
        ] {
            assert_eq!(extract(Some(v)), Err(AuthError::MalformedAuthorization), "{v:?}");
        }
    }
}

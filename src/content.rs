//! The one meaning a request body may have.
//!
//! The gateway reads the body to decide which tool, prompt or resource a
//! request names; the origin reads the same bytes to decide what to run. If
//! the two decode them differently, the origin runs something the gateway
//! never saw: `Content-Type: application/json; charset=utf-7` makes
//! body-parser decode UTF-7, where `+ACI-` is `"`, so a tool name hidden in a
//! string to the gateway's UTF-8 eyes becomes the name the origin calls. A
//! compressed body (`Content-Encoding: gzip`), inflated by the origin and
//! not by the gateway, is the same hole.
//!
//! So a body is inspected, and forwarded, only when its representation
//! metadata leaves exactly one reading: media type `application/json`
//! (RFC 8259 §11; RFC 9110 §8.3.1: type, subtype and parameter names are
//! case-insensitive) with at most a `charset` parameter of `utf-8` (RFC 8259
//! §8.1: JSON exchanged between systems is UTF-8), and no content coding
//! other than `identity` (RFC 9110 §8.4). Anything else is refused with `415`
//! before it is read. The forwarded request carries [`FORWARDED_CONTENT_TYPE`]
//! and no `Content-Encoding`, so the origin sees exactly what was inspected.

use crate::error::AuthError;

/// The `Content-Type` of every body the gateway forwards.
pub const FORWARDED_CONTENT_TYPE: &str = "application/json";

/// Checks a request body's `Content-Type` and `Content-Encoding` field values
/// (as the platform combined them: repeated fields joined by `, `, which no
/// accepted value contains). `None` is an absent field.
pub fn check_json_body(content_type: Option<&str>, content_encoding: Option<&str>) -> Result<(), AuthError> {
    if !content_type.is_some_and(is_utf8_json) {
        return Err(AuthError::UnsupportedMediaType);
    }
    match content_encoding.map(trim_ows) {
        None | Some("") => Ok(()),
        Some(coding) if coding.eq_ignore_ascii_case("identity") => Ok(()),
        Some(_) => Err(AuthError::UnsupportedContentEncoding),
    }
}

/// A `Content-Type` value's media type without parameters, in lower case
/// (RFC 9110 §8.3.1: type and subtype are case-insensitive): how the gateway
/// tells an origin's event stream or JSON answer apart.
pub fn essence(content_type: &str) -> String {
    trim_ows(content_type.split(';').next().unwrap_or("")).to_ascii_lowercase()
}

/// RFC 9110 §5.6.3 optional whitespace (SP / HTAB) around a value.
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `application/json` with no parameter but one `charset=utf-8` (RFC 9110
/// §8.3.1 grammar: `type "/" subtype *( OWS ";" OWS parameter )`; the value
/// may be a token or a quoted-string, and compares case-insensitively).
fn is_utf8_json(value: &str) -> bool {
    let mut parts = value.split(';');
    let media_type = trim_ows(parts.next().unwrap_or(""));
    if !media_type.eq_ignore_ascii_case(FORWARDED_CONTENT_TYPE) {
        return false;
    }
    let mut charset_seen = false;
    for parameter in parts {
        let Some((name, value)) = trim_ows(parameter).split_once('=') else { return false };
        // No whitespace around "=" (RFC 9110 §5.6.6).
        if charset_seen || !name.eq_ignore_ascii_case("charset") {
            return false;
        }
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(quoted) => quoted,
            None => value,
        };
        if !value.eq_ignore_ascii_case("utf-8") {
            return false;
        }
        charset_seen = true;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_utf8_json_in_identity_coding_has_one_meaning() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json ; charset=\"utf-8\"",
            " application/json\t",
        ] {
            assert_eq!(check_json_body(Some(ok), None), Ok(()), "{ok:?}");
        }
        for media in [
            "",
            "application/json; charset=utf-7",
            "application/json; charset=utf-16le",
            "application/json; charset=iso-8859-1",
            "application/json; charset=utf-8; charset=utf-8",
            "application/json; charset=utf-8; profile=x",
            "application/json; charset = utf-8",
            "application/json; charset=\"utf-8",
            "application/json;",
            "application/json, text/plain",
            "application/json-seq",
            "application/jsonx",
            "application/vnd.api+json",
            "text/plain",
            "text/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert_eq!(check_json_body(Some(media), None), Err(AuthError::UnsupportedMediaType), "{media:?}");
        }
        assert_eq!(check_json_body(None, None), Err(AuthError::UnsupportedMediaType));
        for coding in ["identity", "IDENTITY", " identity ", ""] {
            assert_eq!(check_json_body(Some("application/json"), Some(coding)), Ok(()), "{coding:?}");
        }
        for coding in ["gzip", "deflate", "br", "zstd", "identity, gzip", "gzip, identity", "x-gzip", "compress"] {
            assert_eq!(check_json_body(Some("application/json"), Some(coding)), Err(AuthError::UnsupportedContentEncoding), "{coding:?}");
        }
    }
}

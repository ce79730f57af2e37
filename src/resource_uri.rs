//! MCP resource URIs compared the way the origin will look them up.
//!
//! A `resources/read` names its resource by URI, and the policy gives scopes
//! to URIs. Compared as strings, `VET://records/rex`, `vet://records/./rex`,
//! `vet://records/%2E/rex` or the URI with a trailing newline would all miss
//! the entry for `vet://records/rex`, while the origin serves them as that
//! very resource: the TypeScript SDK looks resources up by
//! `new URL(uri).toString()`, the Python SDK by pydantic's URL type, both the
//! WHATWG URL Standard's parse-and-serialize (which lower-cases the scheme,
//! resolves dot segments, drops tabs and newlines and strips surrounding
//! spaces and control characters).
//!
//! [`key`] is that serialization (the `url` crate implements the WHATWG URL
//! Standard), then three more steps that only ever merge spellings, never
//! separate them, so an origin that follows RFC 3986 §6.2.2 normalization
//! instead cannot find a protected resource under a spelling the policy
//! misses: percent-encodings of unreserved characters are decoded and the
//! others written with upper-case hex digits (RFC 3986 §6.2.2.1–2), the host
//! is lower-cased (RFC 3986 §6.2.2.1), and the fragment, which names no
//! other resource (RFC 3986 §3.5), is dropped. A URI that does not parse as
//! an absolute URL, or whose opaque path holds a dot segment no parser
//! agrees on, has no key: the request is refused, never compared raw.
//! Config keys go through the same function, so both sides meet in one form.

use url::{Position, Url};

/// The comparison key of a resource URI, or `None` if it is not an absolute
/// URL (WHATWG URL Standard §4.4) or is ambiguous.
pub fn key(uri: &str) -> Option<String> {
    let key = key_once(uri)?;
    // Parsing is not always idempotent ("file://k/K:" loses its host when
    // read again, a Windows drive letter quirk): a form that would not read
    // back as itself is no comparison form at all.
    (key_once(&key).as_deref() == Some(key.as_str())).then_some(key)
}

fn key_once(uri: &str) -> Option<String> {
    if !special_host_is_ascii(uri) {
        return None;
    }
    let mut url = Url::parse(uri).ok()?;
    url.set_fragment(None);
    let (before_host, host, after_host) = (&url[..Position::BeforeHost], &url[Position::BeforeHost..Position::AfterHost], &url[Position::AfterHost..]);
    let mut out = String::with_capacity(url.as_str().len());
    normalize_percent_encoding(before_host, &mut out)?;
    // Lower-cased after decoding, so `%46` and `f` meet; escapes keep their upper-case hex.
    let mut decoded_host = String::with_capacity(host.len());
    normalize_percent_encoding(host, &mut decoded_host)?;
    let mut chars = decoded_host.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            out.push(c);
            out.extend(chars.by_ref().take(2));
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    let rest_start = out.len();
    normalize_percent_encoding(after_host, &mut out)?;
    // An opaque path ("vet:records/../rex") has no dot segments resolved by
    // WHATWG but would have under RFC 3986 §5.2.4: refuse rather than guess.
    if url.cannot_be_a_base() {
        let path = out[rest_start..].split(['?']).next().unwrap_or("");
        if path.split('/').any(|segment| segment == "." || segment == "..") {
            return None;
        }
    }
    Some(out)
}

/// False when `uri` has a special scheme (WHATWG URL Standard §4.2) whose
/// host is not plain ASCII (non-ASCII, percent-encoded, or a Punycode
/// label): such a host
/// would need IDNA (UTS #46) mapping, which this build leaves out, so it is
/// refused before the parser is asked. Finds the host the way the parser
/// does: tabs and newlines removed, surrounding spaces and controls
/// trimmed, any `/` or `\` after the scheme skipped, up to `/ \ ? #`.
fn special_host_is_ascii(uri: &str) -> bool {
    let cleaned: String = uri.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let Some((scheme, rest)) = cleaned.split_once(':') else { return true };
    if !["http", "https", "ws", "wss", "ftp", "file"].iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        return true;
    }
    let file = scheme.eq_ignore_ascii_case("file");
    let after_slashes = if file {
        // file: has a host only after exactly two slashes ("file:///p" has none).
        match rest.get(..2) {
            Some(two) if two.chars().all(|c| c == '/' || c == '\\') => &rest[2..],
            _ => return true,
        }
    } else {
        rest.trim_start_matches(['/', '\\'])
    };
    let authority = after_slashes.split(['/', '\\', '?', '#']).next().unwrap_or("");
    // file: hosts have no user info, so an `@` is part of the host.
    let host = if file { authority } else { authority.rsplit('@').next().unwrap_or("") };
    // Punycode labels (RFC 3492, "xn--") are internationalized names too.
    host.is_ascii() && !host.contains('%') && !host.split('.').any(|label| label.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
}

/// RFC 3986 §2.3 unreserved characters.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `s` with each `%XX` of an unreserved character decoded and every
/// other percent-encoding written in upper case (RFC 3986 §6.2.2.1–2).
/// `None` for a `%` that starts no `%XX` (RFC 3986 §2.1; WHATWG keeps it as
/// is, and a decoded neighbour could make it start one).
fn normalize_percent_encoding(s: &str, out: &mut String) -> Option<()> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let byte = (h * 16 + l) as u8;
                if is_unreserved(byte) {
                    out.push(byte as char);
                } else {
                    out.push('%');
                    out.push(bytes[i + 1].to_ascii_uppercase() as char);
                    out.push(bytes[i + 2].to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        if bytes[i] == b'%' {
            return None;
        }
        // The serialization is ASCII (WHATWG percent-encodes everything else).
        out.push(bytes[i] as char);
        i += 1;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_one_resource_has_one_key() {
        let canonical = "vet://records/rex";
        for spelling in [
            "vet://records/rex",
            "VET://records/rex",
            "vet://RECORDS/rex",
            "vet://records/./rex",
            "vet://records/x/../rex",
            "vet://records/%2E/rex",
            "vet://records/x/%2e%2E/rex",
            "vet://records/%72ex",
            "vet://records/rex#history",
            " vet://records/rex",
            "vet://records/rex\n",
            "vet://rec\tords/rex",
            "\u{1}vet://records/rex\u{1f}",
        ] {
            assert_eq!(key(spelling).as_deref(), Some(canonical), "{spelling:?}");
        }
        // Other resources stay apart.
        for other in ["vet://records/rex/", "vet://records/Rex", "vet://records/rex?v=2", "vet://records/tom", "vet:records/rex", "vet://records//rex"] {
            assert_ne!(key(other).as_deref(), Some(canonical), "{other:?}");
        }
    }

    #[test]
    fn special_schemes_follow_the_whatwg_serialization() {
        assert_eq!(key("HTTPS://Vet.Example:443/a/../b?x=%7e#f").as_deref(), Some("https://vet.example/b?x=~"));
        assert_eq!(key("https:\\\\vet.example\\a").as_deref(), Some("https://vet.example/a"));
        assert_eq!(key("http://0x7f.1/").as_deref(), Some("http://127.0.0.1/"));
        assert_eq!(key("file:///records/%2fx").as_deref(), Some("file:///records/%2Fx"));
        assert_eq!(key("vet://%52ECORDS%c3%a9/x").as_deref(), Some("vet://records%C3%A9/x"));
        assert_eq!(key("https://vet.example/a b").as_deref(), Some("https://vet.example/a%20b"));
    }

    #[test]
    fn a_key_is_its_own_key() {
        for uri in [
            "file:448\u{17}=\r\rj",
            "file:///448%17=j",
            "wss:/:&.oo@@ot\u{12}",
            "vet://records/%72ex",
            "VET://R%65cords/a%2fb?q=%7e",
            "file:///a/%2E%2E/b",
            "urn:a:%41%2f",
            "https://h.example/%C3%A9",
            "o://%46/",
            "o://%c3%A9x/",
            "O://\n%46/",
        ] {
            let k = key(uri).unwrap();
            assert_eq!(key(&k).as_deref(), Some(k.as_str()), "{uri:?}");
        }
    }

    #[test]
    fn what_does_not_parse_or_is_ambiguous_has_no_key() {
        for bad in [
            "file://\u{7eb}T@x/",
            "wss://XN--TN-mTT/",
            "https://a.xn--bcher-kva.example/",
            "file://K//K:",
            "",
            "records/rex",
            "/records/rex",
            "://x",
            "vet:records/../rex",
            "vet:./rex",
            "https://bücher.example/x",
            "https://Bücher.example/",
            "HTTPS:\\\\B%C3%BCcher.example",
            "wss:{tT\u{656}\u{16}}\"}}*",
            "https://exa mple/x",
            "http://[::1/",
            "t: 6%%666666",
            "vet://records/%zz",
            "vet://records/rex%",
        ] {
            assert_eq!(key(bad), None, "{bad:?}");
        }
        // The opaque path itself is kept (no dot segment in it).
        assert_eq!(key("urn:isbn:0451450523").as_deref(), Some("urn:isbn:0451450523"));
        assert_eq!(key("mailto:Vet@Example.com").as_deref(), Some("mailto:Vet@Example.com"));
    }
}

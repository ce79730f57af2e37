//! The `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1):
//! built for our refusals, and read back ([`parse`]) where the project checks
//! another server's challenges as a client would (`doctor`).

use crate::error::AuthError;
use crate::Policy;

/// Appends `name="value"` as an RFC 9110 §5.6.4 quoted-string. Values come
/// from checked config or fixed strings and never hold `"` or `\`; escaping
/// them anyway keeps the header well-formed whatever happens upstream.
fn param(out: &mut String, name: &str, value: &str) {
    out.push_str(if out.len() > "Bearer".len() { ", " } else { " " });
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out.push('"');
}

/// Builds the challenge for a refusal. `scopes` lists every scope the request
/// needs; it is sent with `insufficient_scope` (RFC 6750 §3.1) and, as the MCP
/// authorization spec recommends, as a hint on 401s when known.
pub fn challenge(policy: &Policy, error: &AuthError, scopes: &[String]) -> String {
    let mut out = String::from("Bearer");
    if let Some(realm) = &policy.realm {
        param(&mut out, "realm", realm);
    }
    if let Some(code) = error.rfc6750() {
        param(&mut out, "error", code.as_str());
        param(&mut out, "error_description", error.description());
    }
    if !scopes.is_empty() && matches!(error.status(), 401 | 403) {
        param(&mut out, "scope", &scopes.join(" "));
    }
    param(&mut out, "resource_metadata", &policy.resource_metadata_url);
    out
}

/// One challenge of a `WWW-Authenticate` field value (RFC 9110 §11.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The auth-scheme as sent (compare case-insensitively).
    pub scheme: String,
    /// The auth-params, names in lower case (they are case-insensitive), values unquoted.
    pub params: Vec<(String, String)>,
    /// A token68 in place of params, if any.
    pub token68: Option<String>,
}

impl Challenge {
    /// The value of parameter `name` (lower case), if present once.
    pub fn param(&self, name: &str) -> Option<&str> {
        let mut found = self.params.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Some(v),
            _ => None,
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Reads the challenges of a `WWW-Authenticate` field value (several
/// fields combined with `, ` are one value). `None` when it does not follow
/// the RFC 9110 §11.6.1 grammar: a client cannot read it either.
pub fn parse(value: &str) -> Option<Vec<Challenge>> {
    let b = value.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < b.len() && set.contains(&b[*i]) {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        (*i > start).then(|| value[start..*i].to_owned())
    };
    let mut out = Vec::new();
    loop {
        skip(&mut i, b" \t,");
        if i == b.len() {
            return Some(out);
        }
        let scheme = token(&mut i)?;
        let mut challenge = Challenge { scheme, params: Vec::new(), token68: None };
        skip(&mut i, b" \t");
        // Params (or one token68) until the next scheme or the end.
        loop {
            let start = i;
            skip(&mut i, b" \t,");
            if i == b.len() {
                break;
            }
            let name_start = i;
            while i < b.len() && (is_tchar(b[i]) || b[i] == b'/') {
                i += 1;
            }
            if i == name_start {
                return None;
            }
            let name = &value[name_start..i];
            let mut j = i;
            skip(&mut j, b" \t");
            if j == b.len() || b[j] != b'=' {
                // The next challenge's scheme (a name not followed by `=`).
                if name.contains('/') {
                    return None;
                }
                i = start;
                break;
            }
            // `name=` then end, `,` or more `=`: a token68 with padding.
            let mut k = j;
            while k < b.len() && b[k] == b'=' {
                k += 1;
            }
            let mut after = k;
            skip(&mut after, b" \t");
            if challenge.params.is_empty() && challenge.token68.is_none() && (after == b.len() || b[after] == b',' || k > j + 1) {
                challenge.token68 = Some(value[name_start..k].to_owned());
                i = after;
                continue;
            }
            if name.contains('/') {
                return None;
            }
            i = j + 1;
            skip(&mut i, b" \t");
            let param_value = if b.get(i) == Some(&b'"') {
                i += 1;
                let mut v = String::new();
                loop {
                    let c = value[i..].chars().next()?;
                    i += c.len_utf8();
                    match c {
                        '"' => break,
                        '\\' => {
                            let e = value[i..].chars().next()?;
                            i += e.len_utf8();
                            v.push(e);
                        }
                        c => v.push(c),
                    }
                }
                v
            } else {
                token(&mut i)?
            };
            challenge.params.push((name.to_ascii_lowercase(), param_value));
            skip(&mut i, b" \t");
            if i < b.len() && b[i] != b',' {
                return None;
            }
        }
        out.push(challenge);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_json(r#"{"resource":"https://mcp.example.com/mcp","issuers":[{"issuer":"https://a.example"}],"realm":"mcp"}"#).unwrap()
    }

    #[test]
    fn no_credentials_has_no_error() {
        assert_eq!(
            challenge(&policy(), &AuthError::NoCredentials, &[]),
            r#"Bearer realm="mcp", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#
        );
    }

    #[test]
    fn insufficient_scope_lists_needed_scopes() {
        let c = challenge(&policy(), &AuthError::InsufficientScope, &["mcp:access".into(), "pet-profile:write".into()]);
        assert_eq!(
            c,
            r#"Bearer realm="mcp", error="insufficient_scope", error_description="Token lacks a scope this request needs", scope="mcp:access pet-profile:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#
        );
    }

    #[test]
    fn quoting_cannot_be_broken() {
        let mut s = String::from("Bearer");
        param(&mut s, "x", "a\"b\\c\r\n");
        assert_eq!(s, r#"Bearer x="a\"b\\c""#);
    }

    #[test]
    fn our_challenges_read_back() {
        let c = challenge(&policy(), &AuthError::InsufficientScope, &["mcp:access".into(), "a\\b".into()]);
        let parsed = parse(&c).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].scheme, "Bearer");
        assert_eq!(parsed[0].param("realm"), Some("mcp"));
        assert_eq!(parsed[0].param("error"), Some("insufficient_scope"));
        assert_eq!(parsed[0].param("scope"), Some("mcp:access a\\b"));
        assert_eq!(parsed[0].param("resource_metadata"), Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp"));
    }

    #[test]
    fn several_challenges_token68_and_case() {
        let parsed = parse(r#"Basic YWxhZGRpbjpvcGVuc2VzYW1l==, bearer Realm=x , Scope="a b",DPoP algs="ES256""#).unwrap();
        let schemes: Vec<_> = parsed.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Basic", "bearer", "DPoP"]);
        assert_eq!(parsed[0].token68.as_deref(), Some("YWxhZGRpbjpvcGVuc2VzYW1l=="));
        assert_eq!(parsed[1].param("realm"), Some("x"));
        assert_eq!(parsed[1].param("scope"), Some("a b"));
        assert_eq!(parsed[2].param("algs"), Some("ES256"));
        assert_eq!(parse("Bearer").unwrap()[0].params, []);
        assert_eq!(parse("").unwrap(), []);
    }

    #[test]
    fn malformed_values_are_not_read() {
        for bad in [r#"Bearer scope="unterminated"#, "Bearer a=b c", r#"Bearer a="x"y"#, "=x", "Bearer a=\u{e9}"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        // A parameter named twice has no single value.
        assert_eq!(parse("Bearer a=1, a=2").unwrap()[0].param("a"), None);
    }
}

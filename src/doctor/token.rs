//! A token decision explained in words: which check refused it, what the
//! token said and what was expected. The claims are read without trusting
//! them (only to explain); the token itself is never repeated.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::config::{Policy, TypPolicy};
use crate::error::AuthError;
use crate::json::Object;
use crate::jwks::KeySet;
use crate::{base64url, scope, Refusal};

/// The header and claims of a compact JWS, read without any check; empty
/// maps where a part is not base64url JSON.
fn unverified_parts(token: &str) -> (Map<String, Value>, Map<String, Value>) {
    let mut parts = token.split('.');
    let mut object = || -> Map<String, Value> {
        parts
            .next()
            .and_then(|p| base64url::decode(p.as_bytes()).ok())
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default()
    };
    let header = object();
    (header, object())
}

/// A claim value for a sentence, bounded: it comes from the token.
fn shown(value: Option<&Value>) -> String {
    match value {
        None => "absent".to_owned(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 160 {
                format!("{}…", text.chars().take(160).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// `seconds` since the epoch as an RFC 3339 UTC time.
pub(crate) fn utc(seconds: f64) -> String {
    if !seconds.is_finite() || !(0.0..=253_402_300_799.0).contains(&seconds) {
        return format!("{seconds}");
    }
    let s = seconds as i64;
    let (days, rem) = (s.div_euclid(86_400), s.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| format!("\"{}\"", s.as_ref())).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// What a refusal means for this token: `(summary, expected, found)`.
pub fn explain(policy: &Policy, keys: &BTreeMap<String, KeySet>, token: &str, refusal: &Refusal, now: u64) -> (String, String, String) {
    let (header, claims) = unverified_parts(token);
    // The core's own reading of them, for the issuer and scopes it would see.
    let object = Object::from_map(&claims).unwrap_or_default();
    let issuer = claims.get("iss").and_then(Value::as_str).and_then(|iss| policy.issuer_of(iss, &object));
    let code = refusal.error.code();
    let refused = |what: &str| format!("refused ({code}): {what}");
    match &refusal.error {
        AuthError::TokenTooLarge { len, max } => (refused("the token is too long"), format!("at most {max} bytes (maxTokenBytes)"), format!("{len} bytes")),
        AuthError::MalformedJws | AuthError::JweUnsupported => (
            refused(refusal.error.description()),
            "a compact JWS: three base64url segments (RFC 7515 §7.1)".into(),
            format!("{} segments", token.split('.').count()),
        ),
        AuthError::AlgorithmMissing | AuthError::AlgorithmNone | AuthError::AlgorithmSymmetric | AuthError::AlgorithmNotAllowed => {
            let allowed = issuer.map(|i| list(i.algorithms.iter().map(|a| a.name()))).unwrap_or_else(|| "an asymmetric algorithm".into());
            (refused("its signing algorithm is not accepted"), format!("alg one of {allowed}"), format!("alg {}", shown(header.get("alg"))))
        }
        AuthError::UnknownIssuer => (
            refused("its issuer is not one this resource trusts"),
            format!("iss one of {}", list(policy.issuers.iter().map(|i| i.issuer.as_str()))),
            format!("iss {}", shown(claims.get("iss"))),
        ),
        AuthError::NoMatchingKey | AuthError::AmbiguousKey => {
            let kids = issuer
                .and_then(|i| keys.get(&i.issuer))
                .map(|set| list(set.keys().iter().map(|k| k.kid.as_deref().unwrap_or("(no kid)"))))
                .unwrap_or_else(|| "none loaded".into());
            (
                refused("no key of the issuer's published key set fits the token's kid and alg"),
                format!("kid one of {kids}"),
                format!("kid {}, alg {}", shown(header.get("kid")), shown(header.get("alg"))),
            )
        }
        AuthError::Signature => (
            refused("the signature does not verify with the issuer's published key"),
            format!("a signature by key {} of the issuer's key set", shown(header.get("kid"))),
            "a signature that does not verify: signed with another key, or the token was altered".into(),
        ),
        AuthError::Expired { exp, now } => (
            refused("the token has expired"),
            format!("exp after {} (now, less {} s of leeway)", utc(*now as f64), policy.leeway_seconds),
            format!("exp {} ({}), {} s ago", exp, utc(*exp), (*now as f64 - exp).round()),
        ),
        AuthError::NotYetValid | AuthError::IssuedInFuture => {
            let name = if refusal.error == AuthError::NotYetValid { "nbf" } else { "iat" };
            let when = claims.get(name).and_then(Value::as_f64).map(utc).unwrap_or_default();
            (
                refused(&format!("its {name} is in the future: is a clock wrong?")),
                format!("{name} at or before {} (now, plus {} s of leeway)", utc(now as f64), policy.leeway_seconds),
                format!("{name} {} ({when})", shown(claims.get(name))),
            )
        }
        AuthError::Audience => {
            let aud = claims.get("aud");
            let client = ["client_id", "azp"].iter().find_map(|n| claims.get(*n).and_then(Value::as_str));
            let names_client = match (aud, client) {
                (Some(Value::String(a)), Some(c)) => a == c,
                (Some(Value::Array(a)), Some(c)) => a.iter().any(|v| v.as_str() == Some(c)),
                _ => false,
            };
            let why = if names_client {
                "its aud names the client, not this resource: the client asked without the resource parameter (RFC 8707), or the authorization server ignores it"
            } else {
                "its aud does not name this resource: it was issued for another one"
            };
            (refused(why), format!("aud naming {}", list(&policy.audiences)), format!("aud {}", shown(aud)))
        }
        AuthError::ClaimMissing { claim } | AuthError::ClaimInvalid { claim } => (
            refused(&format!("claim {claim} is missing or of the wrong type")),
            format!("{claim} present (requiredClaims)"),
            format!("{claim} {}", shown(claims.get(claim.as_str()))),
        ),
        AuthError::ClaimValue { claim } => {
            let want = issuer.and_then(|i| i.required_claim_values.iter().find(|(n, _)| n == claim)).map(|(_, v)| v.as_str()).unwrap_or("?");
            (
                refused(&format!("claim {claim} has another value")),
                format!("{claim} \"{want}\" (requiredClaimValues)"),
                format!("{claim} {}", shown(claims.get(claim.as_str()))),
            )
        }
        AuthError::ClientNotAllowed => (
            refused("it was issued to a client this resource does not accept"),
            format!("a client id in {}", issuer.and_then(|i| i.client_ids.as_ref()).map(list).unwrap_or_default()),
            format!("client_id {}, azp {}", shown(claims.get("client_id")), shown(claims.get("azp"))),
        ),
        AuthError::TokenType => {
            let want = match issuer.map(|i| &i.typ) {
                Some(TypPolicy::Strict) => "typ \"at+jwt\" (RFC 9068 §2.1)",
                _ => "typ \"at+jwt\", \"JWT\" or none",
            };
            (refused("its type is not an access token's"), want.into(), format!("typ {}", shown(header.get("typ"))))
        }
        AuthError::InsufficientScope => {
            let granted = issuer.and_then(|i| scope::granted(&object, &i.scope_claims).ok()).unwrap_or_default();
            let needed = refusal.caller.as_ref().map(|c| c.needed.clone()).unwrap_or_default();
            (refused("it lacks a scope every request needs"), format!("scopes {}", list(&needed)), format!("scopes {}", list(&granted)))
        }
        other => (refused(other.description()), "a valid access token for this resource".into(), other.description().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times() {
        assert_eq!(utc(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400.0), "2000-02-29T00:00:00Z");
        assert_eq!(utc(4_102_444_800.0), "2100-01-01T00:00:00Z");
        assert_eq!(utc(1_767_225_599.0), "2025-12-31T23:59:59Z");
    }
}

//! JWT claims checks for access tokens (RFC 7519 §4.1, RFC 9068 §4).

use serde_json::{Map, Value};

use crate::config::{IssuerPolicy, Policy, TypPolicy, NUMBER_CLAIMS, STRING_CLAIMS};
use crate::error::AuthError;

/// A NumericDate claim (RFC 7519 §2): absent, or a finite JSON number.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        // serde_json never yields a non-finite number; the check documents the rule.
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()).map(Some).ok_or(AuthError::ClaimInvalid { claim: name.to_owned() }),
        Some(_) => Err(AuthError::ClaimInvalid { claim: name.to_owned() }),
    }
}

/// The `aud` values: a string or an array of strings (RFC 7519 §4.1.3);
/// none when absent and the issuer's `audienceOptional` allows that.
pub(crate) fn audiences(claims: &Map<String, Value>, issuer: &IssuerPolicy) -> Result<Vec<String>, AuthError> {
    let invalid = || AuthError::ClaimInvalid { claim: "aud".to_owned() };
    match claims.get("aud") {
        None if issuer.audience_optional => Ok(Vec::new()),
        None => Err(AuthError::ClaimMissing { claim: "aud".to_owned() }),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(invalid)).collect(),
        Some(_) => Err(invalid()),
    }
}

/// True if `typ` fits the issuer's policy. Media types compare case-insensitively
/// and may carry the `application/` prefix (RFC 7515 §4.1.9).
pub(crate) fn typ_ok(typ: Option<&str>, policy: TypPolicy) -> bool {
    let Some(t) = typ else { return policy == TypPolicy::Lenient };
    // Compare bytes: `typ` is attacker input and may hold multi-byte characters
    // anywhere, so never slice the str at an offset that was not checked.
    let t = match t.as_bytes().get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case(b"application/") => &t[12..],
        _ => t,
    };
    t.eq_ignore_ascii_case("at+jwt") || (policy == TypPolicy::Lenient && t.eq_ignore_ascii_case("jwt"))
}

/// The time checks alone (RFC 7519 §4.1.4–4.1.6), also re-run on every reuse
/// of a cached verification. Returns `exp`.
pub(crate) fn check_time(claims: &Map<String, Value>, leeway_seconds: u64, now: u64) -> Result<f64, AuthError> {
    let now_f = now as f64;
    let leeway = leeway_seconds as f64;
    // RFC 7519 §4.1.4: reject on or after exp (with leeway). An access token without exp never expires: refused.
    let exp = numeric_date(claims, "exp")?.ok_or(AuthError::ClaimMissing { claim: "exp".to_owned() })?;
    if now_f >= exp + leeway {
        return Err(AuthError::Expired { exp, now });
    }
    if numeric_date(claims, "nbf")?.is_some_and(|nbf| nbf > now_f + leeway) {
        return Err(AuthError::NotYetValid);
    }
    if numeric_date(claims, "iat")?.is_some_and(|iat| iat > now_f + leeway) {
        return Err(AuthError::IssuedInFuture);
    }
    Ok(exp)
}

/// The token's client id: the first `clientIdClaims` entry holding a string.
pub(crate) fn client_id<'a>(claims: &'a Map<String, Value>, issuer: &IssuerPolicy) -> Option<&'a str> {
    issuer.client_id_claims.iter().find_map(|c| c.find(claims)?.as_str())
}

/// Checks time, audience, required claims and values, the client and
/// `typ`, in that order. Returns `exp`. `iss` has already selected `issuer`.
pub(crate) fn check(claims: &Map<String, Value>, typ: Option<&str>, policy: &Policy, issuer: &IssuerPolicy, now: u64) -> Result<f64, AuthError> {
    let exp = check_time(claims, policy.leeway_seconds, now)?;

    // RFC 9068 §4 / RFC 8707: the token must be meant for this resource. A
    // token without `aud` passes only where `audienceOptional` vouches for it
    // by its client instead (checked below: `clientIds` is then set).
    let aud = audiences(claims, issuer)?;
    let meant_for_us = aud.iter().any(|a| policy.audiences.contains(a));
    let vouched_for_by_client = aud.is_empty() && issuer.audience_optional;
    if !(meant_for_us || vouched_for_by_client) {
        return Err(AuthError::Audience);
    }

    for name in &policy.required_claims {
        if name == "aud" && issuer.audience_optional {
            continue;
        }
        let value = claims.get(name.as_str()).filter(|v| !v.is_null()).ok_or_else(|| AuthError::ClaimMissing { claim: name.clone() })?;
        let type_ok = if STRING_CLAIMS.contains(&name.as_str()) {
            value.is_string()
        } else if NUMBER_CLAIMS.contains(&name.as_str()) {
            value.is_number()
        } else {
            true
        };
        if !type_ok {
            return Err(AuthError::ClaimInvalid { claim: name.clone() });
        }
    }
    // Optional identity claims must still have the right type when present.
    for name in ["sub", "client_id", "jti"] {
        if claims.get(name).is_some_and(|v| !v.is_string()) {
            return Err(AuthError::ClaimInvalid { claim: name.to_owned() });
        }
    }

    for (claim, want) in &issuer.required_claim_values {
        if claims.get(claim).and_then(Value::as_str) != Some(want.as_str()) {
            return Err(AuthError::ClaimValue { claim: claim.clone() });
        }
    }
    if let Some(allowed) = &issuer.client_ids {
        if !client_id(claims, issuer).is_some_and(|c| allowed.iter().any(|a| a == c)) {
            return Err(AuthError::ClientNotAllowed);
        }
    }

    if !typ_ok(typ, issuer.typ) {
        return Err(AuthError::TokenType);
    }
    Ok(exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_policies() {
        for t in [None, Some("JWT"), Some("jwt"), Some("at+jwt"), Some("AT+JWT"), Some("application/at+jwt"), Some("Application/JWT")] {
            assert!(typ_ok(t, TypPolicy::Lenient), "{t:?}");
        }
        for t in [
            Some("JOSE"),
            Some("dpop+jwt"),
            Some("application/"),
            Some(""),
            Some("id_token+jwt"),
            Some("applicationé+jwt"),
            Some("ééééééé"),
            Some("application/é"),
        ] {
            assert!(!typ_ok(t, TypPolicy::Lenient), "{t:?}");
        }
        for t in [Some("at+jwt"), Some("application/AT+JWT")] {
            assert!(typ_ok(t, TypPolicy::Strict), "{t:?}");
        }
        for t in [None, Some("JWT"), Some("application/jwt")] {
            assert!(!typ_ok(t, TypPolicy::Strict), "{t:?}");
        }
    }
}

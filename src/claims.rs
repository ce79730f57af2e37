//! JWT claims checks for access tokens (RFC 7519 §4.1, RFC 9068 §4).

use serde_json::Value;

use crate::config::{IssuerPolicy, Policy, TypPolicy, NUMBER_CLAIMS, STRING_CLAIMS};
use crate::error::AuthError;
use crate::json::{Member, Object};

/// A NumericDate claim (RFC 7519 §2): absent, or a finite JSON number.
fn numeric_date(claims: &Object, name: &str) -> Result<Option<f64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        // serde_json never yields a non-finite number; the check documents the rule.
        Some(Member::Value(Value::Number(n))) => {
            n.as_f64().filter(|f| f.is_finite()).map(Some).ok_or_else(|| AuthError::ClaimInvalid { claim: name.to_owned() })
        }
        Some(_) => Err(AuthError::ClaimInvalid { claim: name.to_owned() }),
    }
}

/// The `aud` values: a string or an array of strings (RFC 7519 §4.1.3);
/// none when absent and the issuer's `audienceOptional` allows that.
pub(crate) fn audiences(claims: &Object, issuer: &IssuerPolicy) -> Result<Vec<String>, AuthError> {
    let invalid = || AuthError::ClaimInvalid { claim: "aud".to_owned() };
    match claims.get("aud") {
        None if issuer.audience_optional => Ok(Vec::new()),
        None => Err(AuthError::ClaimMissing { claim: "aud".to_owned() }),
        Some(Member::Str(s)) => Ok(vec![s.to_owned()]),
        Some(Member::Value(Value::Array(items))) => items.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(invalid)).collect(),
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
pub(crate) fn check_time(claims: &Object, leeway_seconds: u64, now: u64) -> Result<f64, AuthError> {
    let now_f = now as f64;
    let leeway = leeway_seconds as f64;
    // RFC 7519 §4.1.4: reject on or after exp (with leeway). An access token without exp never expires: refused.
    let exp = numeric_date(claims, "exp")?.ok_or_else(|| AuthError::ClaimMissing { claim: "exp".to_owned() })?;
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

/// The whole seconds `[from, until)` within which [`check_time`] accepts
/// these claims, narrowed so that a `now` inside is accepted whatever the
/// rounding of the fractional claims: a host that remembers an acceptance
/// answers from it only inside this window and asks the core otherwise.
/// `None` when the claims fail the time checks' types.
pub(crate) fn time_window(claims: &Object, leeway_seconds: u64) -> Option<(u64, u64)> {
    let leeway = leeway_seconds as f64;
    let exp = numeric_date(claims, "exp").ok()??;
    // now < exp + leeway for every whole now below floor(exp + leeway).
    let until = (exp + leeway).floor().max(0.0) as u64;
    let mut from = 0u64;
    for name in ["nbf", "iat"] {
        if let Some(t) = numeric_date(claims, name).ok()? {
            // t <= now + leeway for every whole now from ceil(t - leeway) on; one more second of margin.
            from = from.max(((t - leeway).ceil().max(0.0) as u64).saturating_add(1));
        }
    }
    Some((from, until))
}

/// The token's client id: the first `clientIdClaims` entry holding a string.
pub(crate) fn client_id<'a>(claims: &'a Object, issuer: &IssuerPolicy) -> Option<&'a str> {
    issuer.client_id_claims.iter().find_map(|c| c.find(claims)?.as_str())
}

/// Checks time, audience, required claims and values, the client and
/// `typ`, in that order. Returns `exp`. `iss` has already selected `issuer`.
pub(crate) fn check(claims: &Object, typ: Option<&str>, policy: &Policy, issuer: &IssuerPolicy, now: u64) -> Result<f64, AuthError> {
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
        let value = claims.get(name).filter(|v| !v.is_null()).ok_or_else(|| AuthError::ClaimMissing { claim: name.clone() })?;
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
        if claims.get(claim).and_then(Member::as_str) != Some(want.as_str()) {
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
    use serde_json::json;

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

    #[test]
    fn the_time_window_is_inside_what_check_time_accepts() {
        let cases = [
            json!({ "exp": 1000 }),
            json!({ "exp": 1000.5, "nbf": 900.25, "iat": 899 }),
            json!({ "exp": 10, "iat": 5 }),
            json!({ "exp": 1_800_000_000u64, "nbf": 1_799_990_000u64, "iat": 1_799_999_999.9 }),
            json!({ "exp": 0.2 }),
        ];
        for leeway in [0u64, 1, 60] {
            for c in &cases {
                let claims = &Object::parse(c.to_string().into_bytes()).unwrap();
                let (from, until) = time_window(claims, leeway).unwrap();
                let exp = c["exp"].as_f64().unwrap();
                let start = from.saturating_sub(100).min((exp as u64).saturating_sub(200));
                let mut valid = Vec::new();
                for now in start..(exp as u64 + leeway + 100) {
                    let ok = check_time(claims, leeway, now).is_ok();
                    if (from..until).contains(&now) {
                        assert!(ok, "{c} leeway {leeway} now {now}");
                    }
                    if ok {
                        valid.push(now);
                    }
                }
                // Narrowed by at most two seconds at the start and none at the end.
                if let (Some(&first), Some(&last)) = (valid.first(), valid.last()) {
                    assert!(from <= first + 2 && until >= last, "{c} leeway {leeway}: [{from}, {until}) for {first}..={last}");
                }
            }
        }
        assert_eq!(time_window(&crate::json::object(json!({ "nbf": 1 })), 0), None);
    }
}

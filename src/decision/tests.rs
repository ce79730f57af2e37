//! The decision's order, driven the way every host drives it, with a clock
//! that is just a number and scripted I/O.

use super::*;
use crate::base64url;
use crate::config::Policy;
use p256::ecdsa::signature::Signer;
use serde_json::{json, Value};

const ISS: &str = "https://auth.example.com";
const RESOURCE: &str = "https://m.example/mcp";
/// 2026-01-01, in ms.
const T0: u64 = 1_767_225_600_000;

fn key() -> Value {
    serde_json::from_str(include_str!("../../tests/keys/p256.json")).unwrap()
}

fn jwks(kids: &[&str]) -> String {
    let k = key();
    let keys: Vec<Value> = kids.iter().map(|kid| json!({"kty": "EC", "crv": "P-256", "x": k["x"], "y": k["y"], "kid": kid})).collect();
    json!({ "keys": keys }).to_string()
}

/// An ES256 token by the test key, naming `kid`, expiring at `exp` (s).
fn token(kid: &str, exp: u64) -> String {
    let header = base64url::encode(json!({"alg": "ES256", "kid": kid}).to_string().as_bytes());
    let claims = base64url::encode(json!({"iss": ISS, "aud": RESOURCE, "exp": exp, "sub": "bob"}).to_string().as_bytes());
    let input = format!("{header}.{claims}");
    let d = base64url::decode(key()["d"].as_str().unwrap().as_bytes()).unwrap();
    let signer = p256::ecdsa::SigningKey::from_slice(&d).unwrap();
    let signature: p256::ecdsa::Signature = signer.sign(input.as_bytes());
    format!("{input}.{}", base64url::encode(&signature.to_bytes()))
}

fn validator() -> Validator {
    Validator::new(
        Policy::from_json(&json!({ "resource": RESOURCE, "issuers": [{ "issuer": ISS, "jwksUri": "https://auth.example.com/jwks" }] }).to_string()).unwrap(),
    )
}

fn gate() -> Gate {
    Gate::with_key_refresh(validator(), RefreshSettings::default(), false)
}

/// What the scripted host answers to each I/O action, in order.
enum Host<'a> {
    Keys(&'a str),
    Down,
}

/// What a run saw: the I/O actions asked (as names) and signature checks.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    fetches: usize,
    verifies: usize,
}

/// Drives `decision` as a host would: I/O from `host`, signatures by the
/// validator's own backend (`Verified(None)`), the clock at `clock(step)`.
fn drive(gate: &mut Gate, decision: &mut Decision, host: &[Host<'_>], clock: impl Fn(usize) -> u64) -> (Verdict, Seen) {
    let mut seen = Seen::default();
    let mut answers = host.iter();
    let mut input = Input::Start;
    for step in 0.. {
        let action = gate.step(decision, input, clock(step));
        input = match action {
            Action::Done(verdict) => return (verdict, seen),
            Action::Verify(_) => {
                seen.verifies += 1;
                Input::Verified(None)
            }
            Action::Io(Io::Fetch { .. }) => {
                seen.fetches += 1;
                match answers.next().expect("an answer for every fetch") {
                    Host::Keys(body) => Input::Fetched(Ok(Fetched { status: 200, body: body.as_bytes(), cache_control: Some("max-age=600") })),
                    Host::Down => Input::Fetched(Err("connection refused")),
                }
            }
            other => panic!("unexpected {other:?}"),
        };
        assert!(step < 50, "the decision never ended");
    }
    unreachable!()
}

#[test]
fn a_decision_fetches_the_keys_it_needs_then_checks_the_signature() {
    let mut gate = gate();
    let keys = jwks(&["k1"]);
    let t = token("k1", T0 / 1000 + 600);
    let (verdict, seen) = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[Host::Keys(&keys)], |_| T0);
    assert_eq!(verdict.unwrap().info().subject.as_deref(), Some("bob"));
    assert_eq!(seen, Seen { fetches: 1, verifies: 1 });
    // A host may reuse the acceptance while the token's claims and its keys (fresh for 600 s) hold.
    let accepted = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[], |_| T0).0.unwrap();
    let (from, until) = gate.acceptance_window(&accepted);
    assert_eq!((from <= T0 / 1000, until), (true, T0 / 1000 + 600));
    // The same token again: remembered, no fetch and no signature check.
    let (verdict, seen) = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[], |_| T0 + 1000);
    assert!(verdict.is_ok());
    assert_eq!(seen, Seen::default());
}

#[test]
fn keys_that_cannot_be_had_are_a_503_with_retry_after_never_a_401() {
    let mut gate = gate();
    let t = token("k1", T0 / 1000 + 600);
    let mut decision = Decision::new(Some(&t), Ok(Vec::new()));
    let (verdict, _) = drive(&mut gate, &mut decision, &[Host::Down], |_| T0);
    let refusal = verdict.unwrap_err();
    assert_eq!((refusal.status(), refusal.error.code(), refusal.retry_after), (503, "ERR_JWKS_UNAVAILABLE", Some(30)));
    assert_eq!(decision.issuer(), Some(ISS), "the claimed issuer, for the log");
    assert!(matches!(&decision.events[..], [KeyEvent::FetchFailed { .. }]));
}

#[test]
fn a_clock_that_moved_while_keys_were_fetched_decides_as_of_now() {
    // The token expires (with the default 60 s leeway) while its keys are fetched.
    let mut gate = gate();
    let keys = jwks(&["k1"]);
    let t = token("k1", T0 / 1000 - 30);
    let (verdict, _) = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[Host::Keys(&keys)], |step| if step == 0 { T0 } else { T0 + 45_000 });
    assert_eq!(verdict.unwrap_err().error.code(), "ERR_JWT_EXPIRED");
    // Had the clock stood still, the same token would have passed.
    let mut gate = self::gate();
    let (verdict, _) = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[Host::Keys(&keys)], |_| T0);
    assert!(verdict.is_ok());
}

#[test]
fn an_unknown_kid_fetches_the_set_once_more_and_decides_again() {
    let mut gate = gate();
    let (old, rotated) = (jwks(&["k1"]), jwks(&["k1", "k2"]));
    let t1 = token("k1", T0 / 1000 + 600);
    assert!(drive(&mut gate, &mut Decision::new(Some(&t1), Ok(Vec::new())), &[Host::Keys(&old)], |_| T0).0.is_ok());
    // After the cooldown, a token under a new key: the set is fetched again and it passes.
    let t2 = token("k2", T0 / 1000 + 600);
    let (verdict, seen) = drive(&mut gate, &mut Decision::new(Some(&t2), Ok(Vec::new())), &[Host::Keys(&rotated)], |_| T0 + 31_000);
    assert!(verdict.is_ok(), "{verdict:?}");
    assert_eq!(seen, Seen { fetches: 1, verifies: 1 });
    // A kid the new set lacks too: one refetch at most, within the cooldown none, and the refusal stands.
    let t3 = token("k3", T0 / 1000 + 600);
    let (verdict, seen) = drive(&mut gate, &mut Decision::new(Some(&t3), Ok(Vec::new())), &[], |_| T0 + 32_000);
    assert_eq!(verdict.unwrap_err().error.code(), "ERR_JWKS_NO_MATCHING_KEY");
    assert_eq!(seen, Seen::default());
}

#[test]
fn a_gate_without_key_refresh_decides_with_the_sets_it_was_given() {
    let mut gate = Gate::new(validator());
    let t = token("k1", T0 / 1000 + 600);
    let (verdict, _) = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[], |_| T0);
    assert_eq!(verdict.unwrap_err().status(), 503);
    gate.validator_mut().set_jwks(ISS, jwks(&["k1"]).as_bytes()).unwrap();
    let (verdict, seen) = drive(&mut gate, &mut Decision::new(Some(&t), Ok(Vec::new())), &[], |_| T0);
    assert!(verdict.is_ok());
    assert_eq!(seen, Seen { fetches: 0, verifies: 1 });
    // The synchronous convenience takes the same path.
    assert_eq!(gate.validator().decide(&mut Decision::new(Some(&t), Ok(Vec::new())), T0 / 1000).unwrap().info().subject.as_deref(), Some("bob"));
}

#[test]
fn a_host_verdict_is_final_and_a_host_that_cannot_check_is_answered_by_the_core() {
    let mut gate = Gate::new(validator());
    gate.validator_mut().set_jwks(ISS, jwks(&["k1"]).as_bytes()).unwrap();
    let t = token("k1", T0 / 1000 + 600);
    // The host says the signature is bad: refused, whatever the core would say.
    let mut decision = Decision::new(Some(&t), Ok(Vec::new()));
    assert!(matches!(gate.step(&mut decision, Input::Start, T0), Action::Verify(_)));
    let Action::Done(verdict) = gate.step(&mut decision, Input::Verified(Some(false)), T0) else { panic!("decided") };
    assert_eq!(verdict.unwrap_err().error.code(), "ERR_JWS_SIGNATURE");
    // A host that answers something else than what was asked is not taken as a yes.
    let mut decision = Decision::new(Some(&t), Ok(Vec::new()));
    assert!(matches!(gate.step(&mut decision, Input::Start, T0), Action::Verify(_)));
    let Action::Done(verdict) = gate.step(&mut decision, Input::Waited, T0) else { panic!("decided") };
    assert!(verdict.is_err());
    // A finished decision stepped again refuses.
    assert!(matches!(gate.step(&mut decision, Input::Start, T0), Action::Done(Err(_))));
}

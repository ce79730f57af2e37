//! rfc.json: published examples (RFC 7515 A.2/A.3, RFC 8037 A.4, RFC 7520 §4).

use mcp_edge_auth::base64url::encode as b64;
use serde_json::json;

use crate::file::{invalid, File, Files};
use crate::keys::{segments, Keys};
use crate::RESOURCE;

pub fn generate(k: &Keys, out: &mut Files) {
    let mut f = File::new("Published examples: RFC 7515 A.2/A.3, RFC 8037 A.4, RFC 7520 §4", k);
    let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    let a2_n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
    let a2 = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw");
    let a3 = format!("eyJhbGciOiJFUzI1NiJ9.{payload}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
    let a3_key = json!({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
    f.configs.insert("joe".into(), json!({"resource": RESOURCE, "issuers": [{"issuer": "joe"}]}));
    f.key_sets.insert("rfc7515 A.2".into(), json!({"joe": {"keys": [{"kty":"RSA","n":a2_n,"e":"AQAB"}]}}));
    f.key_sets.insert("rfc7515 A.3".into(), json!({"joe": {"keys": [a3_key]}}));
    // The examples' claims have no aud: the signature verifies and the audience check is what refuses them.
    for (name, tok, set) in [("RFC 7515 A.2 (RS256)", &a2, "rfc7515 A.2"), ("RFC 7515 A.3 (ES256)", &a3, "rfc7515 A.3")] {
        let c = f.case(&format!("{name}: signature verifies, no aud"), name, Some(tok.clone()), invalid("ERR_JWT_CLAIM_MISSING"));
        c["config"] = "joe".into();
        c["keySets"] = set.into();
        c["now"] = 1_300_819_000u64.into();
        let c = f.case(&format!("{name}: past exp"), name, Some(tok.clone()), invalid("ERR_JWT_EXPIRED"));
        c["config"] = "joe".into();
        c["keySets"] = set.into();
        c["now"] = 1_400_000_000u64.into();
        let mut s = segments(tok);
        s[1] = b64(br#"{"iss":"joe","exp":1300819380,"http://example.com/is_root":false}"#);
        let c = f.case(&format!("{name}: altered payload"), name, Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
        c["config"] = "joe".into();
        c["keySets"] = set.into();
        c["now"] = 1_300_819_000u64.into();
    }

    let frodo = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
    let bilbo = json!({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"});
    let ed = json!({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let sigs = [
        ("RFC 7515 A.2 RS256", "RS256", json!({"kty":"RSA","n":a2_n,"e":"AQAB"}), a2.clone()),
        ("RFC 7515 A.3 ES256", "ES256", a3_key.clone(), a3.clone()),
        ("RFC 8037 A.4 Ed25519", "EdDSA", ed, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg".to_owned()),
        ("RFC 7520 §4.1 RS256", "RS256", bilbo.clone(), format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{frodo}.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg")),
        ("RFC 7520 §4.2 PS384", "PS384", bilbo.clone(), format!("eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{frodo}.cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw")),
    ];
    for (name, alg, jwk, tok) in sigs {
        let (input, sig) = tok.rsplit_once('.').unwrap();
        f.signatures.push(json!({"name": name, "source": name, "alg": alg, "jwk": jwk, "signingInput": input, "signature": sig, "expect": "valid"}));
        let altered = format!("{input}x");
        f.signatures.push(json!({"name": format!("{name}, signing input altered"), "source": name, "alg": alg, "jwk": jwk, "signingInput": altered, "signature": sig, "expect": "invalid"}));
    }
    f.signatures.push(json!({"name": "RFC 7520 §4.3 ES512 (P-521 is not supported)", "source": "RFC 7520 §4.3", "alg": "ES512",
        "jwk": {"kty":"EC","crv":"P-521","x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt","y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"},
        "signingInput": format!("eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{frodo}"),
        "signature": "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2", "expect": "unsupported"}));
    f.signatures.push(json!({"name": "RFC 7520 §4.4 HS256 (symmetric: never)", "source": "RFC 7520 §4.4", "alg": "HS256",
        "jwk": {"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"},
        "signingInput": format!("eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.{frodo}"),
        "signature": "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0", "expect": "unsupported"}));
    let _ = k;
    f.write("rfc", out);
}

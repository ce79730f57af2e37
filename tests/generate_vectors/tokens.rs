//! tokens.json: a token signed for every algorithm and key size, and the same tokens altered.

use mcp_edge_auth::base64url::encode as b64;
use serde_json::json;

use crate::file::{invalid, ok, File, Files, READ};
use crate::keys::{claims, header, jws, segments, token, Keys};

pub fn generate(k: &Keys, out: &mut Files) {
    let mut f = File::new("A token signed for every algorithm and key size, and the same tokens altered", k);
    let signed = [
        (&k.rsa2048, ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"].as_slice()),
        (&k.rsa3072, &["RS256", "PS384"]),
        (&k.rsa4096, &["RS512", "PS256"]),
        (&k.p256, &["ES256"]),
        (&k.p384, &["ES384"]),
        (&k.ed25519, &["EdDSA"]),
    ];
    for (key, algs) in signed {
        for alg in algs {
            let t = token(key, alg, json!({}));
            f.case(&format!("{alg} with {} is accepted", key.kid), "generated (RFC 7515, RFC 7518 §3, RFC 8037)", Some(t.clone()), ok(READ));
            let mut s = segments(&t);
            s[1] = b64(claims(json!({"sub": "admin"})).to_string().as_bytes());
            f.case(&format!("{alg} with {}: payload altered after signing", key.kid), "RFC 7515 §5.2", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
        }
    }
    // Signed by another key of the same family, but naming a trusted kid.
    let forged = jws(&k.rsa3072, "RS256", &header("RS256", "rsa-2048"), &claims(json!({})).to_string());
    f.case("RS256 signed by another RSA key under a trusted kid", "RFC 7515 §5.2", Some(forged), invalid("ERR_JWS_SIGNATURE"));
    // A PKCS#1 v1.5 signature presented as PSS.
    let t = token(&k.rsa2048, "RS256", json!({}));
    let mut s = segments(&t);
    s[0] = b64(header("PS256", "rsa-2048").as_bytes());
    let input = format!("{}.{}", s[0], s[1]);
    s[2] = b64(&k.rsa2048.sign("RS256", input.as_bytes()));
    f.case("PKCS#1 v1.5 signature under a PS256 header", "RFC 8725 §3.1 (algorithm substitution)", Some(s.join(".")), invalid("ERR_JWS_SIGNATURE"));
    f.write("tokens", out);
}

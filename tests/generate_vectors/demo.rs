//! examples/demo/: what the README's run command verifies.

use serde_json::{json, Value};

use crate::file::Files;
use crate::keys::{header, jws, Keys};
use crate::NOW;

/// The demo the README's run command verifies: VetAssist's config, its
/// authorization server's key set, and two long-lived tokens (a demo key, not a secret).
pub fn generate(k: &Keys, out: &mut Files) {
    const DEMO_RESOURCE: &str = "https://vetassist.example/mcp";
    const DEMO_AS: &str = "https://auth.vetassist.example";
    let config = json!({
        "resource": DEMO_RESOURCE,
        "issuers": [{"issuer": DEMO_AS, "algorithms": ["ES256", "RS256"], "typ": "at+jwt"}],
        "requiredScopes": ["mcp:access"],
        "requiredClaims": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"],
        "tools": {
            "get_pet_profile": ["pet-profile:read"],
            "get_vaccination_schedule": ["pet-profile:read"],
            "book_appointment": ["pet-profile:read"],
            "update_pet_profile": ["pet-profile:write"]
        },
        "scopesSupported": ["mcp:access", "pet-profile:read", "pet-profile:write"],
        "resourceName": "VetAssist MCP",
        "resourceDocumentation": "https://vetassist.example/docs"
    });
    let token = |sub: &str, scope: &str| {
        let c = json!({"iss": DEMO_AS, "sub": sub, "aud": DEMO_RESOURCE, "iat": NOW, "exp": 4_102_444_800u64, "jti": format!("demo-{sub}"), "client_id": "vetassist-demo-client", "scope": scope});
        jws(&k.p256, "ES256", &header("ES256", "p256"), &c.to_string()) + "\n"
    };
    let pretty = |v: Value| serde_json::to_string_pretty(&v).unwrap() + "\n";
    let demo = "../../examples/demo";
    out.insert(format!("{demo}/config.json"), pretty(config));
    out.insert(format!("{demo}/jwks.json"), pretty(json!({"keys": [k.p256.public()]})));
    out.insert(format!("{demo}/bob.token"), token("bob", "mcp:access pet-profile:read"));
    out.insert(format!("{demo}/vet-staff.token"), token("dr-alice", "mcp:access pet-profile:read pet-profile:write"));
    out.insert(format!("{demo}/update_pet_profile.json"), pretty(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "update_pet_profile", "arguments": {"petId": "rex", "weightKg": 31.5}}})));
}

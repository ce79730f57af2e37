//! idp.json, and each identity provider's config in `examples/idp/NAME.json`:
//! tokens shaped like the provider's real ones and the look-alikes that must be refused.

use serde_json::{json, Map, Value};

use crate::file::{invalid, ok, refused, tool_call, File, Files};
use crate::keys::{jws, Key, Keys};
use crate::NOW;

/// A token as an identity provider issues it: its own header members and claims.
fn idp_token(key: &Key, alg: &str, header_extra: Value, claims: Value) -> String {
    let mut h = json!({"alg": alg, "kid": key.kid});
    for (k, v) in header_extra.as_object().unwrap() {
        h[k] = v.clone();
    }
    jws(key, alg, &h.to_string(), &claims.to_string())
}

/// Long-lived, so the Worker (which reads the real clock) runs these cases too.
const IDP_EXP: u64 = 4_102_444_800;
const VET: &str = "https://vetassist.example/mcp";

/// One identity provider's working config (also written to examples/idp/NAME.json) and its cases.
struct Idp<'k> {
    name: &'static str,
    config: Value,
    key: &'k Key,
    alg: &'static str,
    header: Value,
}

impl Idp<'_> {
    fn token(&self, claims: Value) -> String {
        idp_token(self.key, self.alg, self.header.clone(), claims)
    }
}

/// `changes` applied to `base` (`null` removes a member).
fn merged(base: &Value, changes: Value) -> Value {
    let mut v = base.clone();
    for (k, x) in changes.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    v
}

pub fn generate(k: &Keys, out: &mut Files) {
    let mut f =
        File::new("Access tokens shaped like each identity provider's real ones, with the config that accepts them and the look-alikes it must refuse", k);
    f.configs.clear();
    f.key_sets.clear();
    let tenant = "6f3a1c2e-0b7d-4e8a-9c1f-2d5e7a9b3c41";
    let other_tenant = "0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";
    let api = "3f7c9e21-8d4b-4a6e-b2f1-5c0d9e8a7b63"; // the API's application (client) id
    let client = "c0a8f6d2-41b7-4d3e-9a5c-8e2f7b6d1a90"; // the MCP client's
    let entra_tools = json!({"get_pet_profile": ["api://vetassist-mcp/Pets.Read"], "update_pet_profile": ["api://vetassist-mcp/Pets.Write"]});
    let entra_implies = json!({"api://vetassist-mcp/Pets.Write": ["api://vetassist-mcp/Pets.Read"]});
    let entra_supported = json!(["api://vetassist-mcp/Pets.Read", "api://vetassist-mcp/Pets.Write"]);
    let vet_tools = json!({"get_pet_profile": ["pet-profile:read"], "update_pet_profile": ["pet-profile:write"]});
    let vet_supported = json!(["mcp:access", "pet-profile:read", "pet-profile:write"]);
    let entra_v2_claims = |iss: &str, tid: &str, scp: &str| {
        json!({"aud": api, "iss": iss, "iat": NOW - 60, "nbf": NOW - 60, "exp": IDP_EXP, "aio": "AWQAm/8YAAAA", "azp": client, "azpacr": "0",
               "name": "Bob Smith", "oid": "a1b2c3d4-0000-4000-8000-00000000b0b0", "preferred_username": "bob@vetassist.example", "rh": "0.AXEA",
               "scp": scp, "sub": "bob-pairwise-sub", "tid": tid, "uti": "x1y2z3", "ver": "2.0"})
    };
    let entra_header = json!({"typ": "JWT", "x5t": "kWbkaa6qs8wsTnBwiiNYOhHbnAw"});
    let v2_iss = |t: &str| format!("https://login.microsoftonline.com/{t}/v2.0");

    let idps = [
        Idp {
            name: "entra-v2",
            config: json!({
                "resource": VET, "audiences": [api],
                "issuers": [{"issuer": v2_iss(tenant), "jwksUri": format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
                             "algorithms": ["RS256"], "scopeClaims": ["scp", "roles"], "clientIdClaims": ["azp"], "scopePrefix": "api://vetassist-mcp/"}],
                "tools": entra_tools, "scopeImplies": entra_implies, "scopesSupported": entra_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: entra_header.clone(),
        },
        Idp {
            name: "entra-v2-multi-tenant",
            config: json!({
                "resource": VET, "audiences": [api],
                "issuers": [{"issuer": "https://login.microsoftonline.com/{tid}/v2.0", "tenants": [tenant, other_tenant],
                             "jwksUri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
                             "algorithms": ["RS256"], "scopeClaims": ["scp", "roles"], "clientIdClaims": ["azp"], "scopePrefix": "api://vetassist-mcp/"}],
                "authorizationServers": ["https://login.microsoftonline.com/organizations/v2.0"],
                "tools": entra_tools, "scopeImplies": entra_implies, "scopesSupported": entra_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: entra_header.clone(),
        },
        Idp {
            name: "entra-v1",
            config: json!({
                "resource": VET, "audiences": ["api://vetassist-mcp"],
                "issuers": [{"issuer": format!("https://sts.windows.net/{tenant}/"), "jwksUri": format!("https://login.microsoftonline.com/{tenant}/discovery/keys"),
                             "algorithms": ["RS256"], "scopeClaims": ["scp", "roles"], "clientIdClaims": ["appid"], "scopePrefix": "api://vetassist-mcp/"}],
                "tools": entra_tools, "scopeImplies": entra_implies, "scopesSupported": entra_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: entra_header.clone(),
        },
        Idp {
            name: "auth0",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://vetassist.us.auth0.com/", "jwksUri": "https://vetassist.us.auth0.com/.well-known/jwks.json",
                             "algorithms": ["RS256"], "scopeClaims": ["scope", "permissions"], "clientIdClaims": ["azp", "client_id"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "okta",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://vetassist.okta.com/oauth2/aus1vetassist", "jwksUri": "https://vetassist.okta.com/oauth2/aus1vetassist/v1/keys",
                             "algorithms": ["RS256"], "scopeClaims": ["scp"], "clientIdClaims": ["cid"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({}),
        },
        Idp {
            name: "keycloak",
            config: json!({
                "resource": VET, "audiences": ["vetassist-mcp"],
                "issuers": [{"issuer": "https://kc.vetassist.example/realms/vetassist", "jwksUri": "https://kc.vetassist.example/realms/vetassist/protocol/openid-connect/certs",
                             "algorithms": ["RS256"], "scopeClaims": ["scope", "/resource_access/vetassist-mcp/roles", "/realm_access/roles"], "clientIdClaims": ["azp"]}],
                "tools": vet_tools, "scopeImplies": {"vet-staff": ["pet-profile:read", "pet-profile:write"], "pet-profile:write": ["pet-profile:read"]},
                "scopesSupported": ["pet-profile:read", "pet-profile:write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "cognito",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_VetAssist1",
                             "jwksUri": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_VetAssist1/.well-known/jwks.json",
                             "algorithms": ["RS256"], "scopeClaims": ["scope"], "clientIdClaims": ["client_id"],
                             "clientIds": ["5h2k9vetassistclient0abc"], "audienceOptional": true, "requiredClaimValues": {"token_use": "access"}}],
                "tools": {"get_pet_profile": ["vetassist/pet-profile.read"], "update_pet_profile": ["vetassist/pet-profile.write"]},
                "scopesSupported": ["vetassist/pet-profile.read", "vetassist/pet-profile.write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({}),
        },
        Idp {
            name: "asgardeo",
            config: json!({
                "resource": VET, "audiences": ["mcp://vetassist"],
                "issuers": [{"issuer": "https://api.asgardeo.io/t/vetassist/oauth2/token", "jwksUri": "https://api.asgardeo.io/t/vetassist/oauth2/jwks",
                             "algorithms": ["RS256"], "typ": "at+jwt", "scopeClaims": ["scope"], "clientIdClaims": ["client_id", "azp"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "at+jwt", "x5t": "MWQ5NWUxN2Q"}),
        },
        Idp {
            name: "fusionauth",
            config: json!({
                "resource": VET, "audiences": ["85a03867-dccf-4882-adde-1a79aeec50df"],
                "issuers": [{"issuer": "https://auth.vetassist.example", "jwksUri": "https://auth.vetassist.example/.well-known/jwks.json",
                             "algorithms": ["RS256"], "scopeClaims": ["roles"], "clientIdClaims": ["applicationId"]}],
                "tools": vet_tools, "scopesSupported": ["pet-profile:read", "pet-profile:write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "zitadel",
            config: json!({
                "resource": VET, "audiences": ["249391113960669421"],
                "issuers": [{"issuer": "https://vetassist-abc123.zitadel.cloud", "jwksUri": "https://vetassist-abc123.zitadel.cloud/oauth/v2/keys",
                             "algorithms": ["RS256"], "scopeClaims": ["scope", "/urn:zitadel:iam:org:project:roles"], "clientIdClaims": ["client_id"]}],
                "tools": vet_tools, "scopesSupported": ["pet-profile:read", "pet-profile:write"], "resourceName": "VetAssist MCP"}),
            key: &k.rsa2048,
            alg: "RS256",
            header: json!({"typ": "JWT"}),
        },
        Idp {
            name: "logto",
            config: json!({
                "resource": VET,
                "issuers": [{"issuer": "https://vetassist.logto.app/oidc", "jwksUri": "https://vetassist.logto.app/oidc/jwks",
                             "algorithms": ["ES384"], "typ": "at+jwt", "scopeClaims": ["scope"], "clientIdClaims": ["client_id"]}],
                "requiredScopes": ["mcp:access"], "tools": vet_tools, "scopesSupported": vet_supported, "resourceName": "VetAssist MCP"}),
            key: &k.p384,
            alg: "ES384",
            header: json!({"typ": "at+jwt"}),
        },
    ];
    for i in &idps {
        let set: Map<String, Value> =
            i.config["issuers"].as_array().unwrap().iter().map(|iss| (iss["issuer"].as_str().unwrap().to_owned(), json!({"keys": [i.key.public()]}))).collect();
        f.key_sets.insert(i.name.into(), Value::Object(set));
        f.configs.insert(i.name.into(), i.config.clone());
        out.insert(format!("../../examples/idp/{}.json", i.name), serde_json::to_string_pretty(&i.config).unwrap() + "\n");
    }
    let by = |name: &str| idps.iter().find(|i| i.name == name).unwrap();
    let case = |f: &mut File, idp: &str, what: &str, source: &str, token: String, body: Option<Value>, expect: Value| {
        let c = f.case(&format!("{idp}: {what}"), source, Some(token), expect);
        c["config"] = idp.into();
        c["keySets"] = idp.into();
        if let Some(b) = body {
            c["body"] = b.to_string().into();
        }
    };
    let scope_refusal = |scope: &str| {
        let mut e = refused(403, Some("insufficient_scope"), "ERR_INSUFFICIENT_SCOPE");
        e["scope"] = scope.into();
        e
    };
    let (get, update) = (Some(tool_call("get_pet_profile")), Some(tool_call("update_pet_profile")));

    // Entra ID v2, single tenant: scp holds short names, the config the full ones.
    let e = by("entra-v2");
    let bob = e.token(entra_v2_claims(&v2_iss(tenant), tenant, "Pets.Read"));
    case(
        &mut f,
        "entra-v2",
        "Pets.Read satisfies api://vetassist-mcp/Pets.Read (scopePrefix)",
        "Entra ID access token v2",
        bob.clone(),
        get.clone(),
        ok(&["Pets.Read"]),
    );
    case(
        &mut f,
        "entra-v2",
        "update_pet_profile asks for the full name, and keeps Pets.Read",
        "MCP 2025-11-25 scope challenge",
        bob,
        update.clone(),
        scope_refusal("api://vetassist-mcp/Pets.Write api://vetassist-mcp/Pets.Read"),
    );
    let alice = e.token(entra_v2_claims(&v2_iss(tenant), tenant, "Pets.Write"));
    case(
        &mut f,
        "entra-v2",
        "Pets.Write implies Pets.Read (scopeImplies)",
        "MCP 2026-07-28 scope hierarchies",
        alice.clone(),
        get.clone(),
        ok(&["Pets.Write"]),
    );
    case(&mut f, "entra-v2", "Pets.Write calls update_pet_profile", "Entra ID access token v2", alice, update.clone(), ok(&["Pets.Write"]));
    let app = e.token(merged(
        &entra_v2_claims(&v2_iss(tenant), tenant, ""),
        json!({"scp": null, "roles": ["Pets.Read"], "idtyp": "app", "sub": client, "oid": client}),
    ));
    case(&mut f, "entra-v2", "an app-only token's roles grant like scp", "Entra ID application permissions", app, get.clone(), ok(&["Pets.Read"]));
    let other_api = e.token(merged(&entra_v2_claims(&v2_iss(tenant), tenant, "Pets.Read"), json!({"aud": "00000003-0000-0000-c000-000000000000"})));
    case(&mut f, "entra-v2", "a token for another API (Microsoft Graph) is refused", "RFC 9068 §4 (aud)", other_api, get.clone(), invalid("ERR_JWT_AUDIENCE"));
    let other_tenant_token = e.token(entra_v2_claims(&v2_iss(other_tenant), other_tenant, "Pets.Read"));
    case(&mut f, "entra-v2", "another tenant is another issuer", "RFC 9068 §4 (iss)", other_tenant_token, get.clone(), invalid("ERR_JWT_ISSUER"));
    let id_token = e.token(json!({"aud": client, "iss": v2_iss(tenant), "iat": NOW - 60, "nbf": NOW - 60, "exp": IDP_EXP, "name": "Bob Smith",
        "nonce": "n-0S6_WzA2Mj", "oid": "a1b2c3d4-0000-4000-8000-00000000b0b0", "preferred_username": "bob@vetassist.example", "sub": "bob-pairwise-sub", "tid": tenant, "ver": "2.0"}));
    case(&mut f, "entra-v2", "an ID token is refused", "OpenID Connect Core §2 (aud is the client)", id_token, get.clone(), invalid("ERR_JWT_AUDIENCE"));

    // Entra ID v2, multi-tenant: {tid} in the issuer, the token's own tid, listed tenants only.
    let m = by("entra-v2-multi-tenant");
    for (t, label) in [(tenant, "a listed tenant"), (other_tenant, "another listed tenant")] {
        case(
            &mut f,
            "entra-v2-multi-tenant",
            &format!("{label} is accepted"),
            "issuer placeholder",
            m.token(entra_v2_claims(&v2_iss(t), t, "Pets.Read")),
            get.clone(),
            ok(&["Pets.Read"]),
        );
    }
    let unlisted = "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a";
    case(
        &mut f,
        "entra-v2-multi-tenant",
        "an unlisted tenant is refused",
        "issuer placeholder (tenants)",
        m.token(entra_v2_claims(&v2_iss(unlisted), unlisted, "Pets.Read")),
        get.clone(),
        invalid("ERR_JWT_ISSUER"),
    );
    case(
        &mut f,
        "entra-v2-multi-tenant",
        "an iss naming another tenant than the token's tid is refused",
        "issuer placeholder (the token's own claim)",
        m.token(entra_v2_claims(&v2_iss(tenant), other_tenant, "Pets.Read")),
        get.clone(),
        invalid("ERR_JWT_ISSUER"),
    );
    f.configs.insert("entra-v2-any-tenant".into(), merged(&m.config, json!({"issuers": [merged(&m.config["issuers"][0], json!({"tenants": "*"}))]})));
    f.key_sets.insert("entra-v2-any-tenant".into(), f.key_sets["entra-v2-multi-tenant"].clone());
    case(
        &mut f,
        "entra-v2-any-tenant",
        "tenants \"*\" accepts every tenant (an explicit opt-in)",
        "issuer placeholder (tenants \"*\")",
        m.token(entra_v2_claims(&v2_iss(unlisted), unlisted, "Pets.Read")),
        get.clone(),
        ok(&["Pets.Read"]),
    );

    // Entra ID v1: App ID URI as aud, appid as the client.
    let v1 = by("entra-v1");
    let v1_claims = json!({"aud": "api://vetassist-mcp", "iss": format!("https://sts.windows.net/{tenant}/"), "iat": NOW - 60, "nbf": NOW - 60, "exp": IDP_EXP,
        "acr": "1", "aio": "E2ZgYJ", "amr": ["pwd"], "appid": client, "appidacr": "0", "name": "Bob Smith", "oid": "a1b2c3d4-0000-4000-8000-00000000b0b0",
        "scp": "Pets.Read", "sub": "bob-v1-sub", "tid": tenant, "unique_name": "bob@vetassist.example", "upn": "bob@vetassist.example", "uti": "q1w2e3", "ver": "1.0"});
    case(&mut f, "entra-v1", "a v1 token with the App ID URI as aud", "Entra ID access token v1", v1.token(v1_claims.clone()), get.clone(), ok(&["Pets.Read"]));
    case(
        &mut f,
        "entra-v1",
        "a v1 token for another App ID URI is refused",
        "RFC 9068 §4 (aud)",
        v1.token(merged(&v1_claims, json!({"aud": "api://billing"}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // Auth0: scope and RBAC permissions, azp.
    let a0 = by("auth0");
    let a0_claims = json!({"iss": "https://vetassist.us.auth0.com/", "sub": "auth0|64f1c2b3a4d5e6f708192a3b", "aud": [VET, "https://vetassist.us.auth0.com/userinfo"],
        "iat": NOW - 60, "exp": IDP_EXP, "azp": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF", "scope": "openid profile mcp:access", "permissions": ["pet-profile:read"]});
    case(
        &mut f,
        "auth0",
        "scope and permissions together",
        "Auth0 access token (RBAC)",
        a0.token(a0_claims.clone()),
        get.clone(),
        ok(&["openid", "profile", "mcp:access", "pet-profile:read"]),
    );
    case(
        &mut f,
        "auth0",
        "update_pet_profile without the permission",
        "RFC 6750 §3.1",
        a0.token(a0_claims.clone()),
        update.clone(),
        scope_refusal("mcp:access pet-profile:write pet-profile:read"),
    );
    let m2m = a0.token(
        json!({"iss": "https://vetassist.us.auth0.com/", "sub": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF@clients", "aud": VET, "iat": NOW - 60, "exp": IDP_EXP,
        "azp": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF", "scope": "mcp:access pet-profile:read", "gty": "client-credentials"}),
    );
    case(&mut f, "auth0", "a machine-to-machine token", "Auth0 client credentials", m2m, get.clone(), ok(&["mcp:access", "pet-profile:read"]));
    let a0_id = a0.token(json!({"iss": "https://vetassist.us.auth0.com/", "sub": "auth0|64f1c2b3a4d5e6f708192a3b", "aud": "kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF", "iat": NOW - 60, "exp": IDP_EXP,
        "nonce": "abc", "name": "bob@vetassist.example", "email": "bob@vetassist.example", "email_verified": true, "sid": "s1"}));
    case(&mut f, "auth0", "an ID token is refused", "OpenID Connect Core §2 (aud is the client)", a0_id, get.clone(), invalid("ERR_JWT_AUDIENCE"));
    case(
        &mut f,
        "auth0",
        "a token for another API is refused",
        "RFC 9068 §4 (aud)",
        a0.token(merged(&a0_claims, json!({"aud": ["https://billing.vetassist.example/api", "https://vetassist.us.auth0.com/userinfo"]}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // Okta custom authorization server: scp array, cid.
    let ok_idp = by("okta");
    let okta_claims = json!({"ver": 1, "jti": "AT.4kCmJ8bDqfP3uVfLmN2o", "iss": "https://vetassist.okta.com/oauth2/aus1vetassist", "aud": VET, "iat": NOW - 60, "exp": IDP_EXP,
        "cid": "0oa1vetassistclient", "uid": "00u1bobvetassist", "scp": ["mcp:access", "pet-profile:read"], "auth_time": NOW - 120, "sub": "bob@vetassist.example"});
    case(
        &mut f,
        "okta",
        "scp as an array, cid as the client",
        "Okta access token",
        ok_idp.token(okta_claims.clone()),
        get.clone(),
        ok(&["mcp:access", "pet-profile:read"]),
    );
    case(
        &mut f,
        "okta",
        "the default authorization server's api://default audience is refused",
        "RFC 9068 §4 (aud)",
        ok_idp.token(merged(&okta_claims, json!({"aud": "api://default"}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // Keycloak: client roles and realm roles by JSON Pointer, an audience mapper.
    let kc = by("keycloak");
    let kc_claims = |roles: Value, realm: Value| {
        json!({"exp": IDP_EXP, "iat": NOW - 60, "auth_time": NOW - 120, "jti": "onrtac:1f2e3d4c", "iss": "https://kc.vetassist.example/realms/vetassist",
        "aud": ["vetassist-mcp", "account"], "sub": "5b6c7d8e-1111-4222-8333-444455556666", "typ": "Bearer", "azp": "vetassist-client", "sid": "7a8b9c0d",
        "acr": "1", "allowed-origins": ["http://127.0.0.1:8976"], "realm_access": {"roles": realm}, "resource_access": {"vetassist-mcp": {"roles": roles}, "account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid profile email", "email_verified": true, "preferred_username": "bob"})
    };
    let kc_bob = kc.token(kc_claims(json!(["pet-profile:read"]), json!(["default-roles-vetassist", "offline_access"])));
    case(
        &mut f,
        "keycloak",
        "a client role read from /resource_access/vetassist-mcp/roles",
        "Keycloak access token",
        kc_bob.clone(),
        get.clone(),
        ok(&["openid", "profile", "email", "pet-profile:read", "default-roles-vetassist", "offline_access"]),
    );
    case(
        &mut f,
        "keycloak",
        "update_pet_profile needs a role Bob lacks",
        "RFC 6750 §3.1",
        kc_bob,
        update.clone(),
        scope_refusal("pet-profile:write pet-profile:read"),
    );
    let kc_alice = kc.token(kc_claims(json!([]), json!(["default-roles-vetassist", "vet-staff"])));
    case(
        &mut f,
        "keycloak",
        "the realm role vet-staff implies both scopes",
        "Keycloak realm roles, scopeImplies",
        kc_alice,
        update.clone(),
        ok(&["openid", "profile", "email", "default-roles-vetassist", "vet-staff"]),
    );
    let kc_no_mapper = kc.token(merged(&kc_claims(json!(["pet-profile:read"]), json!([])), json!({"aud": "account"})));
    case(
        &mut f,
        "keycloak",
        "a token without the audience mapper (aud account) is refused",
        "RFC 9068 §4 (aud)",
        kc_no_mapper,
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // AWS Cognito: no aud in access tokens; client_id, token_use.
    let cg = by("cognito");
    let cg_iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_VetAssist1";
    let cg_access = json!({"sub": "7f1e2d3c-4b5a-4968-8776-554433221100", "iss": cg_iss, "version": 2, "client_id": "5h2k9vetassistclient0abc", "origin_jti": "a1-b2",
        "event_id": "e1-f2", "token_use": "access", "scope": "vetassist/pet-profile.read", "auth_time": NOW - 120, "exp": IDP_EXP, "iat": NOW - 60, "jti": "c3-d4", "username": "bob"});
    case(
        &mut f,
        "cognito",
        "an access token without aud, from the listed app client",
        "Cognito access token (audienceOptional)",
        cg.token(cg_access.clone()),
        get.clone(),
        ok(&["vetassist/pet-profile.read"]),
    );
    case(
        &mut f,
        "cognito",
        "another app client's access token is refused",
        "clientIds",
        cg.token(merged(&cg_access, json!({"client_id": "9z8y7otherclient"}))),
        get.clone(),
        invalid("ERR_JWT_CLIENT"),
    );
    let cg_id = json!({"sub": "7f1e2d3c-4b5a-4968-8776-554433221100", "email_verified": true, "iss": cg_iss, "cognito:username": "bob", "origin_jti": "a1-b2",
        "aud": "5h2k9vetassistclient0abc", "event_id": "e1-f2", "token_use": "id", "auth_time": NOW - 120, "exp": IDP_EXP, "iat": NOW - 60, "jti": "g5-h6", "email": "bob@vetassist.example"});
    case(
        &mut f,
        "cognito",
        "a Cognito ID token (aud is the app client) is refused",
        "Cognito ID token",
        cg.token(cg_id.clone()),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );
    // Were the app client listed as an audience (the mistake the schema steers away from), token_use would still refuse the ID token.
    f.configs.insert("cognito-client-as-audience".into(), merged(&cg.config, json!({"audiences": ["5h2k9vetassistclient0abc"]})));
    f.key_sets.insert("cognito-client-as-audience".into(), f.key_sets["cognito"].clone());
    case(
        &mut f,
        "cognito-client-as-audience",
        "token_use id is refused even when its aud is listed",
        "requiredClaimValues",
        cg.token(cg_id),
        get.clone(),
        invalid("ERR_JWT_CLAIM_VALUE"),
    );

    // Asgardeo: an API resource identifier as audience, at+jwt.
    let ag = by("asgardeo");
    let ag_claims = json!({"sub": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", "aut": "APPLICATION_USER", "iss": "https://api.asgardeo.io/t/vetassist/oauth2/token",
        "client_id": "Vt5ssT9ClientIdAsg", "aud": "mcp://vetassist", "nbf": NOW - 60, "azp": "Vt5ssT9ClientIdAsg", "org_id": "10084a8d-113f-4211-a0d5-efe36b082211",
        "scope": "mcp:access pet-profile:read", "org_name": "vetassist", "exp": IDP_EXP, "iat": NOW - 60, "jti": "8f7e6d5c"});
    case(
        &mut f,
        "asgardeo",
        "mcp://vetassist as the audience",
        "Asgardeo access token",
        ag.token(ag_claims.clone()),
        get.clone(),
        ok(&["mcp:access", "pet-profile:read"]),
    );
    let ag_id = idp_token(ag.key, "RS256", json!({"typ": "JWT"}), merged(&ag_claims, json!({"aud": "Vt5ssT9ClientIdAsg", "scope": null, "nonce": "n1"})));
    case(&mut f, "asgardeo", "an ID token is refused", "OpenID Connect Core §2", ag_id, get.clone(), invalid("ERR_JWT_AUDIENCE"));

    // FusionAuth: aud is the application (the client), roles as scopes.
    let fa = by("fusionauth");
    let fa_claims = json!({"aud": "85a03867-dccf-4882-adde-1a79aeec50df", "exp": IDP_EXP, "iat": NOW - 60, "iss": "https://auth.vetassist.example",
        "sub": "00000000-0000-0001-0000-000000000000", "jti": "a7b8c9d0", "authenticationType": "PASSWORD", "email": "bob@vetassist.example", "email_verified": true,
        "applicationId": "85a03867-dccf-4882-adde-1a79aeec50df", "scope": "offline_access", "roles": ["pet-profile:read"], "sid": "s2", "auth_time": NOW - 120,
        "tid": "d7d09513-a3f5-401c-9685-34ab6c552453"});
    case(
        &mut f,
        "fusionauth",
        "roles as scopes, the application id as aud",
        "FusionAuth access token",
        fa.token(fa_claims.clone()),
        get.clone(),
        ok(&["pet-profile:read"]),
    );
    case(
        &mut f,
        "fusionauth",
        "another application's token is refused",
        "RFC 9068 §4 (aud)",
        fa.token(merged(&fa_claims, json!({"aud": "3c219e58-ed0e-4b18-ad48-f4f92793ae32", "applicationId": "3c219e58-ed0e-4b18-ad48-f4f92793ae32"}))),
        get.clone(),
        invalid("ERR_JWT_AUDIENCE"),
    );

    // ZITADEL: project roles as an object whose member names are the roles.
    let z = by("zitadel");
    let z_claims = |roles: Value| {
        json!({"aud": ["249391113960669421", "249391234560987654@vetassist"], "client_id": "249391234560987654@vetassist", "exp": IDP_EXP, "iat": NOW - 60,
        "iss": "https://vetassist-abc123.zitadel.cloud", "jti": "249391345678901234", "nbf": NOW - 60, "sub": "249391456789012345",
        "urn:zitadel:iam:org:project:roles": roles, "urn:zitadel:iam:org:project:249391113960669421:roles": roles})
    };
    let z_bob = z.token(z_claims(json!({"pet-profile:read": {"249391113960669420": "vetassist.zitadel.cloud"}})));
    case(&mut f, "zitadel", "project roles as object member names", "ZITADEL access token", z_bob.clone(), get.clone(), ok(&["pet-profile:read"]));
    case(
        &mut f,
        "zitadel",
        "update_pet_profile needs the write role",
        "RFC 6750 §3.1",
        z_bob,
        update.clone(),
        scope_refusal("pet-profile:write pet-profile:read"),
    );

    // Logto: ES384, at+jwt, the API resource indicator as aud.
    let lg = by("logto");
    let lg_claims = json!({"jti": "Xq3k9Lm", "sub": "u7vetbob", "iat": NOW - 60, "exp": IDP_EXP, "scope": "mcp:access pet-profile:read", "client_id": "vetassistmcp1",
        "iss": "https://vetassist.logto.app/oidc", "aud": VET});
    case(
        &mut f,
        "logto",
        "ES384, at+jwt, the resource indicator as aud",
        "Logto access token (RFC 8707)",
        lg.token(lg_claims.clone()),
        get.clone(),
        ok(&["mcp:access", "pet-profile:read"]),
    );
    case(
        &mut f,
        "logto",
        "a Management API token is refused",
        "RFC 9068 §4 (aud)",
        lg.token(merged(&lg_claims, json!({"aud": "https://default.logto.app/api"}))),
        get,
        invalid("ERR_JWT_AUDIENCE"),
    );
    let _ = update;
    f.write("idp", out);
}

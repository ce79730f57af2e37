//! A vector file as it is built (its configs, key sets and cases), and the
//! expectations and configs the files share.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::keys::Keys;
use crate::{AUTH, NOW, OTHER, RESOURCE};

/// The generated files, by path relative to `tests/vectors/`, and their text.
pub type Files = BTreeMap<String, String>;

#[derive(Default)]
pub struct File {
    pub description: String,
    pub configs: Map<String, Value>,
    pub key_sets: Map<String, Value>,
    pub cases: Vec<Value>,
    pub signatures: Vec<Value>,
}

pub fn ok(scopes: &[&str]) -> Value {
    json!({"ok": true, "scopes": scopes})
}

pub fn refused(status: u16, error: Option<&str>, code: &str) -> Value {
    let mut v = json!({"ok": false, "status": status, "code": code});
    if let Some(e) = error {
        v["error"] = e.into();
    }
    v
}

pub fn invalid(code: &str) -> Value {
    refused(401, Some("invalid_token"), code)
}

impl File {
    pub fn new(description: &str, keys: &Keys) -> File {
        let mut f = File { description: description.to_owned(), ..File::default() };
        f.configs.insert("default".into(), default_config());
        let auth_keys: Vec<Value> = [&keys.rsa2048, &keys.rsa3072, &keys.rsa4096, &keys.p256, &keys.p384, &keys.ed25519].iter().map(|k| k.public()).collect();
        f.key_sets.insert("default".into(), json!({ AUTH: {"keys": auth_keys}, OTHER: {"keys": [keys.other_p256.public()]} }));
        f
    }

    pub fn case(&mut self, name: &str, source: &str, authorization: Option<String>, expect: Value) -> &mut Value {
        self.cases.push(json!({
            "name": name, "source": source, "config": "default", "keySets": "default", "now": NOW,
            // Dotted tokens go in a Bearer header; anything else is passed as given
            // (the API also takes a bare token).
            "authorization": authorization.map(|t| if t.contains('.') && !t.contains(' ') { format!("Bearer {t}") } else { t }),
            "expect": expect,
        }));
        self.cases.last_mut().unwrap()
    }

    pub fn write(self, name: &str, out: &mut Files) {
        let mut doc = json!({"description": self.description, "configs": self.configs, "keySets": self.key_sets, "cases": self.cases});
        if !self.signatures.is_empty() {
            doc["signatures"] = Value::Array(self.signatures);
        }
        out.insert(format!("{name}.json"), serde_json::to_string_pretty(&doc).unwrap() + "\n");
    }
}

pub fn default_config() -> Value {
    json!({
        "resource": RESOURCE,
        "issuers": [{"issuer": AUTH}, {"issuer": OTHER}],
        "requiredScopes": ["mcp:access"],
        "requiredClaims": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"],
        "tools": {"update_pet_profile": ["pet-profile:write"], "get_pet_profile": ["pet-profile:read"]},
        "scopesSupported": ["mcp:access", "pet-profile:read", "pet-profile:write"],
        "resourceName": "VetAssist MCP"
    })
}

pub fn with(mut config: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        config[k] = v.clone();
    }
    config
}

pub fn tool_call(name: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": {}}})
}

pub const READ: &[&str] = &["mcp:access", "pet-profile:read"];

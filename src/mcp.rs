//! What an MCP request asks to do, read from its JSON-RPC 2.0 body, and the
//! scopes that needs under the configured policy.

use serde_json::Value;

use crate::config::Policy;
use crate::error::AuthError;
use crate::json;
use crate::resource_uri;
use crate::scope;

/// One operation named by a JSON-RPC message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `tools/call` of the named tool.
    Tool(String),
    /// `prompts/get` of the named prompt.
    Prompt(String),
    /// `resources/read` of a resource, by its URI's comparison key
    /// ([`resource_uri::key`]).
    Resource(String),
    /// Any other request or notification, by method.
    Method(String),
    /// A JSON-RPC response the client sends back (e.g. to sampling): names nothing.
    Response,
}

impl Operation {
    /// What kind of operation this is, and what it names.
    pub fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Operation::Tool(name) => ("tool", Some(name)),
            Operation::Prompt(name) => ("prompt", Some(name)),
            Operation::Resource(key) => ("resource", Some(key)),
            Operation::Method(method) => ("method", Some(method)),
            Operation::Response => ("response", None),
        }
    }
}

/// `{"kind":"tool","name":"get_pet_profile"}`, `{"kind":"resource","name":"vet://records/rex"}`, `{"kind":"response"}`.
impl serde::Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (kind, name) = self.parts();
        let mut map = serializer.serialize_map(Some(1 + usize::from(name.is_some())))?;
        map.serialize_entry("kind", kind)?;
        if let Some(name) = name {
            map.serialize_entry("name", name)?;
        }
        map.end()
    }
}

/// Protocol methods every session uses to start, stay alive and discover what
/// exists. `defaultPolicy: "deny"` governs the operations that *do* something
/// (tools, prompts, resources, other methods); refusing these would only make
/// the server unusable.
const HOUSEKEEPING: [&str; 7] = ["initialize", "ping", "tools/list", "prompts/list", "resources/list", "resources/templates/list", "completion/complete"];

/// Lists the operations in a JSON-RPC request, notification, response or batch.
pub fn inspect(body: &[u8], max_bytes: usize) -> Result<Vec<Operation>, AuthError> {
    if body.len() > max_bytes {
        return Err(AuthError::BodyTooLarge);
    }
    let messages = match json::parse(body).map_err(|_| AuthError::InvalidMcpRequest)? {
        Value::Array(batch) if !batch.is_empty() => batch,
        single @ Value::Object(_) => vec![single],
        _ => return Err(AuthError::InvalidMcpRequest),
    };
    messages.iter().map(operation).collect()
}

fn operation(message: &Value) -> Result<Operation, AuthError> {
    let Value::Object(m) = message else { return Err(AuthError::InvalidMcpRequest) };
    if m.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(AuthError::InvalidMcpRequest);
    }
    let param = |key: &str| m.get("params").and_then(|p| p.get(key)).and_then(Value::as_str).ok_or(AuthError::InvalidMcpRequest);
    let name = |key: &str| param(key).and_then(|n| if is_exact_name(n) { Ok(n.to_owned()) } else { Err(AuthError::InvalidMcpRequest) });
    match m.get("method") {
        Some(Value::String(method)) => Ok(match method.as_str() {
            "tools/call" => Operation::Tool(name("name")?),
            "prompts/get" => Operation::Prompt(name("name")?),
            "resources/read" => Operation::Resource(resource_uri::key(param("uri")?).ok_or(AuthError::InvalidMcpRequest)?),
            other => Operation::Method(other.to_owned()),
        }),
        Some(_) => Err(AuthError::InvalidMcpRequest),
        None if m.contains_key("id") && (m.contains_key("result") || m.contains_key("error")) => Ok(Operation::Response),
        None => Err(AuthError::InvalidMcpRequest),
    }
}

/// The rule a config's operation names follow, applied to names in requests.
pub use crate::config::is_exact_name;

/// Every scope the request needs: `requiredScopes`, then each operation's
/// (a batch needs the union). Unlisted operations are refused under `deny`.
pub fn needed_scopes(policy: &Policy, operations: &[Operation]) -> Result<Vec<String>, AuthError> {
    let mut needed = policy.required_scopes.clone();
    let ops = &policy.operations;
    for op in operations {
        let (listed, method) = match op {
            Operation::Tool(name) => (ops.tools.get(name), "tools/call"),
            Operation::Prompt(name) => (ops.prompts.get(name), "prompts/get"),
            Operation::Resource(uri) => (ops.resources.get(uri), "resources/read"),
            Operation::Method(method) => (ops.methods.get(method), method.as_str()),
            Operation::Response => continue,
        };
        // A scope on the method itself (e.g. all of `tools/call`) applies as well.
        let on_method = if matches!(op, Operation::Method(_)) { None } else { ops.methods.get(method) };
        let housekeeping = matches!(op, Operation::Method(m) if HOUSEKEEPING.contains(&m.as_str()) || m.starts_with("notifications/"));
        if listed.is_none() && ops.deny_unlisted && !housekeeping {
            return Err(AuthError::OperationDenied);
        }
        for s in listed.into_iter().chain(on_method).flatten() {
            scope::insert(&mut needed, s);
        }
    }
    Ok(needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_operations() {
        let body = br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet_profile"}},
            {"jsonrpc":"2.0","method":"notifications/initialized"},
            {"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"PETS://1/./a"}},
            {"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"triage"}},
            {"jsonrpc":"2.0","id":"s1","result":{}}]"#;
        assert_eq!(
            inspect(body, 1 << 20).unwrap(),
            [
                Operation::Tool("get_pet_profile".into()),
                Operation::Method("notifications/initialized".into()),
                Operation::Resource("pets://1/a".into()),
                Operation::Prompt("triage".into()),
                Operation::Response,
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_json_rpc() {
        for bad in [
            &b"[]"[..],
            b"{}",
            b"1",
            b"{\"jsonrpc\":\"1.0\",\"method\":\"x\"}",
            b"{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{}}",
            b"{\"jsonrpc\":\"2.0\",\"method\":5}",
            b"not json",
            b"[{\"jsonrpc\":\"2.0\",\"method\":\"a\"},2]",
            br#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"a","name":"b"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":" get_pet_profile"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet_profile\n"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"tri\u0000age"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":""}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get\u00a0"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"records/rex"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"vet:a/../b"}}"#,
        ] {
            assert_eq!(inspect(bad, 1 << 20), Err(AuthError::InvalidMcpRequest), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(inspect(b"{}", 1), Err(AuthError::BodyTooLarge));
    }

    #[test]
    fn needs_union_and_deny() {
        let mut p = Policy::from_json(
            r#"{"resource":"https://m.example/mcp","issuers":[{"issuer":"i"}],"requiredScopes":["mcp:access"],
            "tools":{"update_pet_profile":["pet-profile:write"],"get_pet_profile":["pet-profile:read"]},"methods":{"tools/call":["tools"]}}"#,
        )
        .unwrap();
        let ops = [Operation::Tool("update_pet_profile".into()), Operation::Tool("get_pet_profile".into()), Operation::Tool("other".into())];
        assert_eq!(needed_scopes(&p, &ops).unwrap(), ["mcp:access", "pet-profile:write", "tools", "pet-profile:read"]);
        p.operations.deny_unlisted = true;
        assert_eq!(needed_scopes(&p, &ops), Err(AuthError::OperationDenied));
        assert!(
            needed_scopes(&p, &[Operation::Method("initialize".into()), Operation::Method("notifications/initialized".into()), Operation::Response]).is_ok()
        );
        assert_eq!(needed_scopes(&p, &[Operation::Method("sampling/createMessage".into())]), Err(AuthError::OperationDenied));
    }
}

//! Lists that match the token: the responses to `tools/list`,
//! `prompts/list`, `resources/list` and `resources/templates/list` keep only
//! the entries the requesting token could use, by the same decision as a
//! call ([`mcp::needed_scopes`], scope hierarchy and prefix included).
//!
//! Clients show every tool a server lists and the model may pick any of them
//! (MCP 2025-11-25 server/tools §Listing Tools); a tool the token cannot call
//! only ends in a 403. Hiding it is a convenience, not the protection: every
//! call is still decided on its own. So anything this cannot read — a body
//! that is not JSON-RPC, an entry without a name — passes unchanged.

use serde_json::Value;

use crate::config::Policy;
use crate::mcp::{self, Operation};
use crate::{json, resource_uri, scope};

/// Which list an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `tools/list`: entries named by `name`, used by `tools/call`.
    Tools,
    /// `prompts/list`: `name`, used by `prompts/get`.
    Prompts,
    /// `resources/list`: `uri`, used by `resources/read`.
    Resources,
    /// `resources/templates/list`: `uriTemplate`, which names no one resource.
    ResourceTemplates,
}

impl ListKind {
    const ALL: [ListKind; 4] = [ListKind::Tools, ListKind::Prompts, ListKind::Resources, ListKind::ResourceTemplates];

    /// The kind whose result member is `member` (`tools`, `prompts`, `resources`, `resourceTemplates`).
    pub fn from_member(member: &str) -> Option<ListKind> {
        Self::ALL.into_iter().find(|k| LISTS[*k as usize].1 == member)
    }
}

/// Whether a token holding `held` may use the entry named `name` of a `kind`
/// list: the decision a call using it would get. An entry without a name is kept.
pub fn allowed(policy: &Policy, held: &[String], kind: ListKind, name: Option<&str>) -> bool {
    let Some(name) = name else { return true };
    let operation = match kind {
        ListKind::Tools => Operation::Tool(name.to_owned()),
        ListKind::Prompts => Operation::Prompt(name.to_owned()),
        // A resource is compared by its URI's canonical form; one without one could not be read.
        ListKind::Resources => match resource_uri::key(name) {
            Some(key) => Operation::Resource(key),
            None => return false,
        },
        // A template names no resource: it is judged as an unlisted one.
        ListKind::ResourceTemplates => Operation::Resource(name.to_owned()),
    };
    matches!(mcp::needed_scopes(policy, &[operation]), Ok(needed) if scope::covers(held, &needed))
}

/// The list methods whose results are filtered, their result member, and the
/// entry member that names what a call would use; in [`ListKind`] order.
const LISTS: [(&str, &str, &str); 4] = [
    ("tools/list", "tools", "name"),
    ("prompts/list", "prompts", "name"),
    ("resources/list", "resources", "uri"),
    ("resources/templates/list", "resourceTemplates", "uriTemplate"),
];

/// The list requests of one request body awaiting their responses, and what
/// the token holds.
#[derive(Clone, Debug)]
pub struct ListFilter {
    policy: Policy,
    held: Vec<String>,
    /// JSON-RPC ids of the list requests not yet answered, with the list's index in [`LISTS`].
    pending: Vec<(Value, usize)>,
}

impl ListFilter {
    /// A filter for the responses to `request_body`'s list requests, for a
    /// token holding `held` (its scopes with prefix and implications applied,
    /// [`crate::Validator::held_scopes`]). `None` when the body has no list
    /// request: nothing to filter.
    pub fn new(policy: &Policy, held: Vec<String>, request_body: &[u8]) -> Option<ListFilter> {
        let value = json::parse(request_body).ok()?;
        let messages: Vec<&Value> = match &value {
            Value::Array(batch) => batch.iter().collect(),
            one => vec![one],
        };
        let pending: Vec<(Value, usize)> = messages
            .into_iter()
            .filter_map(|m| {
                let method = m.get("method")?.as_str()?;
                let list = LISTS.iter().position(|(name, _, _)| *name == method)?;
                Some((m.get("id")?.clone(), list))
            })
            .collect();
        (!pending.is_empty()).then(|| ListFilter { policy: policy.clone(), held, pending })
    }

    /// True once every list request was answered: nothing more to filter.
    pub fn done(&self) -> bool {
        self.pending.is_empty()
    }

    /// One JSON-RPC message or batch from the origin: the bytes to send
    /// instead when it answers a pending list request and an entry was
    /// removed, `None` to send it unchanged.
    pub fn filter_message(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut value: Value = serde_json::from_slice(bytes).ok()?;
        let changed = match &mut value {
            Value::Array(batch) => {
                // Every response of the batch, not only up to the first change.
                let mut changed = false;
                for m in batch.iter_mut() {
                    changed |= self.filter_response(m);
                }
                changed
            }
            one => self.filter_response(one),
        };
        if changed {
            serde_json::to_vec(&value).ok()
        } else {
            None
        }
    }

    /// Filters one response in place if it answers a pending list request; true if an entry went.
    fn filter_response(&mut self, message: &mut Value) -> bool {
        let Some(id) = message.get("id") else { return false };
        let Some(at) = self.pending.iter().position(|(pending, _)| pending == id) else { return false };
        let (_, list) = self.pending.remove(at);
        let (_, member, key) = LISTS[list];
        let Some(Value::Array(entries)) = message.get_mut("result").and_then(|r| r.get_mut(member)) else { return false };
        let before = entries.len();
        let kind = ListKind::ALL[list];
        entries.retain(|entry| allowed(&self.policy, &self.held, kind, entry.get(key).and_then(Value::as_str)));
        entries.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(extra: &str) -> Policy {
        Policy::from_json(&format!(
            r#"{{"resource":"https://m.example/mcp","issuers":[{{"issuer":"https://a.example"}}],"requiredScopes":["mcp:access"],
            "tools":{{"get_pet_profile":["pet-profile:read"],"update_pet_profile":["pet-profile:write"]}},
            "resources":{{"vet://records/rex":["records:read"]}}{extra}}}"#
        ))
        .unwrap()
    }

    const TOOLS: &str =
        r#"{"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"get_pet_profile"},{"name":"update_pet_profile","description":"w"},{"name":"ping_vet"}]}}"#;

    fn names(bytes: &[u8], member: &str) -> Vec<String> {
        let v: Value = serde_json::from_slice(bytes).unwrap();
        v["result"][member].as_array().unwrap().iter().map(|e| e.get("name").or(e.get("uri")).unwrap().as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn a_tool_list_keeps_what_the_token_can_call() {
        let p = policy("");
        let held = vec!["mcp:access".to_owned(), "pet-profile:read".to_owned()];
        let mut f = ListFilter::new(&p, held, br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#).unwrap();
        assert!(!f.done());
        // Another id, a notification: unchanged, still pending.
        assert_eq!(f.filter_message(br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#), None);
        let out = f.filter_message(TOOLS.as_bytes()).unwrap();
        assert_eq!(names(&out, "tools"), ["get_pet_profile", "ping_vet"]);
        assert!(f.done());
        // The same id again is no longer pending.
        assert_eq!(f.filter_message(TOOLS.as_bytes()), None);
    }

    #[test]
    fn hierarchy_deny_resources_templates_and_batches() {
        let p = policy(r#","scopeImplies":{"pet-profile:write":["pet-profile:read"]},"defaultPolicy":"deny""#);
        let writer = vec!["mcp:access".to_owned(), "pet-profile:write".to_owned(), "pet-profile:read".to_owned()];
        let request = br#"[{"jsonrpc":"2.0","id":"t","method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"resources/list"},{"jsonrpc":"2.0","id":3,"method":"resources/templates/list"}]"#;
        let mut f = ListFilter::new(&p, writer, request).unwrap();
        let response = br#"[{"jsonrpc":"2.0","id":2,"result":{"resources":[{"uri":"VET://records/./rex"},{"uri":"vet://records/tom"},{"uri":"no scheme"}]}},
            {"jsonrpc":"2.0","id":"t","result":{"tools":[{"name":"get_pet_profile"},{"name":"update_pet_profile"},{"name":"ping_vet"}]}},
            {"jsonrpc":"2.0","id":3,"result":{"resourceTemplates":[{"uriTemplate":"vet://records/{id}"}]}}]"#;
        let out: Value = serde_json::from_slice(&f.filter_message(response).unwrap()).unwrap();
        // Unlisted under deny: hidden. No records:read: the listed record hidden too.
        assert_eq!(out[0]["result"]["resources"], serde_json::json!([]));
        assert_eq!(out[1]["result"]["tools"], serde_json::json!([{"name":"get_pet_profile"},{"name":"update_pet_profile"}]));
        assert_eq!(out[2]["result"]["resourceTemplates"], serde_json::json!([]));
        assert!(f.done());
    }

    #[test]
    fn what_it_cannot_read_passes() {
        let p = policy("");
        assert!(ListFilter::new(&p, vec![], br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#).is_none());
        assert!(ListFilter::new(&p, vec![], b"not json").is_none());
        let mut f = ListFilter::new(&p, vec![], br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).unwrap();
        assert_eq!(f.filter_message(b"{not json"), None);
        assert_eq!(f.filter_message(br#"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}"#), None);
        // An entry without a name is kept; an unchanged list is sent as it came.
        let mut f = ListFilter::new(&p, vec!["mcp:access".into(), "pet-profile:read".into()], br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).unwrap();
        assert_eq!(f.filter_message(br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"title":"x"},{"name":"get_pet_profile"}]}}"#), None);
    }
}

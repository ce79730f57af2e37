//! List answers (`tools/list`, …) filtered by the token that asked, as a
//! call would be decided ([`crate::list_filter`]), whole or as an event stream.

use wasm_bindgen::prelude::*;

use super::validator::WasmValidator;
use crate::json::Object;
use crate::AuthInfo;

/// The identity parts of an `AuthInfo` the wrapper returned: what the held scopes are computed from.
#[derive(serde::Deserialize)]
struct Holder {
    issuer: String,
    scopes: Vec<String>,
    #[serde(default)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl Holder {
    fn parse(auth_info: &str) -> Result<AuthInfo, JsValue> {
        let h: Holder = serde_json::from_str(auth_info).map_err(|e| JsValue::from_str(&format!("not an AuthInfo: {e}")))?;
        Ok(AuthInfo {
            token: String::new(),
            client_id: None,
            scopes: h.scopes,
            expires_at: 0,
            resource: String::new(),
            subject: None,
            issuer: h.issuer,
            audience: Vec::new(),
            claims: Object::from_map(&h.claims).map_err(|_| JsValue::from_str("not an AuthInfo: its claims nest too deep"))?,
        })
    }
}

#[wasm_bindgen]
impl WasmValidator {
    /// The entries of a `member` list (`tools`, `prompts`, `resources`,
    /// `resourceTemplates`; JSON array text) the token of `auth_info` (JSON)
    /// could use, by the decision a call would get ([`crate::list_filter::allowed`]).
    #[wasm_bindgen(js_name = filterList)]
    pub fn filter_list(&self, auth_info: &str, member: &str, entries: &str) -> Result<String, JsValue> {
        use crate::list_filter::{allowed, ListKind};
        let kind = ListKind::from_member(member).ok_or_else(|| JsValue::from_str("kind must be tools, prompts, resources or resourceTemplates"))?;
        let info = Holder::parse(auth_info)?;
        let v = self.inner();
        let held = v.held_scopes(&info);
        let key = if matches!(kind, ListKind::Resources) {
            "uri"
        } else if matches!(kind, ListKind::ResourceTemplates) {
            "uriTemplate"
        } else {
            "name"
        };
        let mut entries: Vec<serde_json::Value> = serde_json::from_str(entries).map_err(|e| JsValue::from_str(&format!("entries: {e}")))?;
        entries.retain(|e| allowed(v.policy(), &held, kind, e.get(key).and_then(serde_json::Value::as_str)));
        Ok(serde_json::to_string(&entries).unwrap_or_default())
    }

    /// A filter for the response to `request_body` (bytes) for the token of
    /// `auth_info` (JSON), or `undefined` when the body asks for no list.
    #[wasm_bindgen(js_name = listFilter)]
    pub fn list_filter(&self, auth_info: &str, request_body: &[u8]) -> Result<Option<WasmListFilter>, JsValue> {
        let info = Holder::parse(auth_info)?;
        let v = self.inner();
        Ok(crate::list_filter::ListFilter::new(v.policy(), v.held_scopes(&info), request_body).map(|f| WasmListFilter { filter: Some(f), stream: None }))
    }
}

/// A response being filtered: a JSON body at once ([`message`](Self::message)),
/// or an event stream chunk by chunk ([`push`](Self::push), [`finish`](Self::finish)).
#[wasm_bindgen]
pub struct WasmListFilter {
    filter: Option<crate::list_filter::ListFilter>,
    stream: Option<crate::event_stream::EventStreamRewriter>,
}

#[wasm_bindgen]
impl WasmListFilter {
    /// A whole JSON-RPC body: the bytes to send instead, or `undefined` to send it as it is.
    pub fn message(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        self.filter.as_mut()?.filter_message(body)
    }

    /// The next chunk of an event stream: the bytes to send now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let filter = self.filter.take();
        self.stream.get_or_insert_with(|| crate::event_stream::EventStreamRewriter::new(filter)).push(chunk)
    }

    /// The end of an event stream: what is still held.
    pub fn finish(&mut self) -> Vec<u8> {
        self.stream.as_mut().map(|s| s.finish()).unwrap_or_default()
    }
}

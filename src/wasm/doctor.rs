//! `doctor` for the wrapper ([`crate::doctor`]): the wrapper makes each
//! probe's request and hands back the answer.

use wasm_bindgen::prelude::*;

use super::{config_error, seconds};

/// A `doctor` run ([`crate::doctor`]): the wrapper makes each probe's request and hands back the answer.
#[wasm_bindgen]
pub struct WasmDoctor(crate::doctor::Doctor);

/// The options of a run, as the wrapper sends them.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DoctorOptions {
    config: Option<serde_json::Value>,
    token: Option<String>,
    origin: Option<String>,
    now: f64,
}

#[wasm_bindgen]
impl WasmDoctor {
    /// A run against `url`; `options` is `{config?, token?, origin?, now}` JSON.
    /// Throws `{field, message}` JSON naming the option at fault.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: &str) -> Result<WasmDoctor, JsValue> {
        let o: DoctorOptions = serde_json::from_str(options).map_err(|e| config_error(crate::ConfigError::new("options", e.to_string())))?;
        let options = crate::doctor::Options { config: o.config, token: o.token, origin: o.origin, now: seconds(o.now) };
        crate::doctor::Doctor::new(url, options).map(WasmDoctor).map_err(config_error)
    }

    /// The next request as `{method, url, headers, body, timeoutMs, maxBytes}` JSON, or `undefined` when done.
    #[wasm_bindgen(js_name = nextProbe)]
    pub fn next_probe(&mut self) -> Option<String> {
        self.0.next_probe().map(|p| serde_json::to_string(&p).unwrap_or_default())
    }

    /// The answer to the last request: `status` and flat `[name, value, …]`
    /// headers with the body as read, or `failed` with the reason.
    pub fn receive(&mut self, status: u16, headers: Vec<String>, body: Vec<u8>, failed: Option<String>) {
        let headers: Vec<(String, String)> = headers.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        match &failed {
            Some(reason) => self.0.receive(crate::doctor::Reply::Failed(reason)),
            None => self.0.receive(crate::doctor::Reply::Answered { status, headers: &headers, body: &body }),
        }
    }

    /// `{ok, url, checks}` JSON.
    pub fn report(&self) -> String {
        serde_json::to_string(&self.0.report()).unwrap_or_default()
    }

    /// The report as lines for a terminal.
    #[wasm_bindgen(js_name = reportText)]
    pub fn report_text(&self) -> String {
        self.0.report().to_text()
    }
}

//! A gateway configuration checked as the Worker will check it at start-up
//! (the package's `init` and `doctor` use it before a deploy).

use wasm_bindgen::prelude::*;

use super::config_error;

/// Checks a gateway configuration as the Worker will at start-up: `MCP_AUTH`
/// (JSON text, gateway fields allowed) and `UPSTREAM_URL`, which the caller
/// parsed with its WHATWG URL parser (`scheme` without the colon, `hostname`).
/// Throws `{field, message}` JSON on the first mistake.
#[wasm_bindgen(js_name = checkGatewayConfig)]
pub fn check_gateway_config(mcp_auth: &str, upstream: &str, scheme: &str, hostname: &str) -> Result<(), JsValue> {
    let value: serde_json::Value =
        serde_json::from_str(mcp_auth).map_err(|e| config_error(crate::ConfigError::new("MCP_AUTH", format!("is not valid JSON: {e}"))))?;
    crate::gateway::split_config(value).map_err(config_error)?;
    crate::gateway::settings::check_upstream(upstream, scheme, hostname).map_err(config_error)
}

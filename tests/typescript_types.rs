//! The npm package's TypeScript types (js/src/types.ts, js/src/jwks.ts) name
//! exactly what the Rust core defines: every config field, every supported
//! algorithm, every stable error code, every key-refresh option. A field or code added on one side
//! only fails here.

use std::collections::BTreeSet;
use std::path::Path;

use mcp_edge_auth::jwks::refresh::RefreshSettings;
use mcp_edge_auth::{Config, IssuerConfig};

fn source(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The member names of `export interface NAME { … }` in `ts`.
fn interface_members(ts: &str, name: &str) -> BTreeSet<String> {
    let start = ts.find(&format!("export interface {name} {{")).unwrap_or_else(|| panic!("no interface {name}"));
    let body = &ts[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("/**") && !l.starts_with('*') && !l.starts_with("//"))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim_end_matches('?').trim().to_owned()))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

/// The field names serde reads for `value`'s type (camelCase).
fn fields<T: serde::Serialize>(value: &T) -> BTreeSet<String> {
    serde_json::to_value(value).unwrap().as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_config_types_name_every_field_of_the_rust_schema() {
    let ts = source("js/src/types.ts");
    assert_eq!(interface_members(&ts, "McpAuthConfig"), fields(&Config::default()));
    assert_eq!(interface_members(&ts, "IssuerConfig"), fields(&IssuerConfig::default()));
}

#[test]
fn the_error_code_union_is_every_stable_code() {
    let ts = source("js/src/types.ts");
    let start = ts.find("export type ErrorCode =").unwrap();
    let union = &ts[start..start + ts[start..].find(';').unwrap()];
    let codes: BTreeSet<&str> = union.split('\'').filter(|s| s.starts_with("ERR_")).collect();
    assert_eq!(codes, mcp_edge_auth::error::all_codes().collect::<BTreeSet<_>>());
}

#[test]
fn the_key_refresh_options_are_the_cores_fields() {
    let ts = source("js/src/jwks.ts");
    let mut want: BTreeSet<String> = RefreshSettings::FIELDS.iter().map(|f| f.to_string()).collect();
    let start = ts.find("export const REFRESH_OPTIONS = [").expect("REFRESH_OPTIONS");
    let list = &ts[start..start + ts[start..].find(']').unwrap()];
    let listed: BTreeSet<String> = list.split('\'').skip(1).step_by(2).map(str::to_owned).collect();
    assert_eq!(listed, want, "REFRESH_OPTIONS");
    // The interface: the core's options plus the host's own I/O.
    want.extend(["fetch", "cache", "clock"].map(String::from));
    assert_eq!(interface_members(&ts, "KeyFetchOptions"), want);
}

#[test]
fn the_algorithm_union_is_every_supported_algorithm() {
    let ts = source("js/src/types.ts");
    let start = ts.find("algorithms?: Array<").expect("IssuerConfig.algorithms");
    let union = &ts[start..start + ts[start..].find('>').unwrap()];
    let names: BTreeSet<&str> = union.split('\'').skip(1).step_by(2).collect();
    assert_eq!(names, mcp_edge_auth::Algorithm::ALL.iter().map(|a| a.name()).collect::<BTreeSet<_>>());
}

//! The one configuration schema, shared by the core, the CLI, the npm package
//! and the Worker, and its check into a [`Policy`] ("parse, don't validate").
//!
//! # Defaults
//! - `audiences`: none besides `resource`.
//! - `issuers[].algorithms`: all nine supported algorithms.
//! - `issuers[].typ`: absent = lenient (`at+jwt`, `application/at+jwt`, `JWT`
//!   in any case, or no `typ`); `"at+jwt"` = strict RFC 9068 §2.1.
//! - `issuers[].scopeClaims`: `["scope", "scp"]`.
//! - `issuers[].clientIdClaims`: `["client_id", "azp"]`.
//! - `requiredScopes`: none.
//! - `requiredClaims`: `["iss", "aud", "exp"]`.
//! - `leewaySeconds`: 60. `maxTokenBytes`: 16384. `maxBodyBytes`: 1 MiB.
//! - `defaultPolicy`: `"allow"`.
//! - `authorizationServers`: the configured issuers.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::ConfigError;
use crate::jwa::Algorithm;
use crate::metadata::ProtectedResourceMetadata;
use crate::resource_uri;
use crate::scope::is_scope_token;
use crate::uri;

/// Default clock skew tolerance (seconds).
pub const DEFAULT_LEEWAY_SECONDS: u64 = 60;
/// Default bound on a token's length (bytes).
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default bound on a JSON-RPC body (bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The configuration as written (JSON, camelCase). Unknown fields are refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)] // each field is documented in the README's config table
pub struct Config {
    pub resource: Option<String>,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub issuers: Vec<IssuerConfig>,
    #[serde(default)]
    pub required_scopes: Vec<String>,
    pub required_claims: Option<Vec<String>>,
    pub leeway_seconds: Option<u64>,
    pub max_token_bytes: Option<usize>,
    pub max_body_bytes: Option<usize>,
    #[serde(default)]
    pub tools: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub prompts: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub resources: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub methods: BTreeMap<String, Vec<String>>,
    pub default_policy: Option<String>,
    pub scopes_supported: Option<Vec<String>>,
    pub authorization_servers: Option<Vec<String>>,
    pub resource_name: Option<String>,
    pub resource_documentation: Option<String>,
    pub resource_policy_uri: Option<String>,
    pub resource_tos_uri: Option<String>,
    pub realm: Option<String>,
    pub resource_metadata_url: Option<String>,
}

/// One trusted authorization server.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct IssuerConfig {
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub algorithms: Option<Vec<String>>,
    pub typ: Option<String>,
    pub scope_claims: Option<Vec<String>>,
    pub client_id_claims: Option<Vec<String>>,
}

impl Config {
    /// Reads the config from JSON text; a mistake names the field.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let config = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
        de.end().map_err(|e| ConfigError::new("", e.to_string()))?;
        Ok(config)
    }

    /// Reads the config from an already parsed JSON value (the Worker's vars, JS objects).
    pub fn from_value(value: serde_json::Value) -> Result<Self, ConfigError> {
        serde_path_to_error::deserialize(value).map_err(path_error)
    }
}

fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> ConfigError {
    let path = e.path().to_string();
    let field = if path == "." { String::new() } else { path };
    let inner = e.into_inner().to_string();
    // serde_json appends " at line L column C"; keep it, it helps find the spot.
    ConfigError::new(field, inner)
}

/// How the `typ` header is judged (RFC 9068 §2.1, RFC 8725 §3.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypPolicy {
    /// `at+jwt`, `application/at+jwt`, `JWT` (any case) or absent.
    Lenient,
    /// Only `at+jwt` or `application/at+jwt` (any case); absent is refused.
    Strict,
}

/// A checked issuer.
#[derive(Clone, Debug)]
pub struct IssuerPolicy {
    /// The exact `iss` value.
    pub issuer: String,
    /// Where its key set lives, when configured.
    pub jwks_uri: Option<String>,
    /// Algorithms its tokens may use.
    pub algorithms: Vec<Algorithm>,
    /// `typ` handling.
    pub typ: TypPolicy,
    /// Claims holding scopes.
    pub scope_claims: Vec<String>,
    /// Claims holding the client id, first present wins.
    pub client_id_claims: Vec<String>,
}

/// Scopes needed per MCP operation, and what happens to unlisted ones.
#[derive(Clone, Debug, Default)]
pub struct OperationPolicy {
    /// `tools/call` by tool name.
    pub tools: BTreeMap<String, Vec<String>>,
    /// `prompts/get` by prompt name.
    pub prompts: BTreeMap<String, Vec<String>>,
    /// `resources/read` by the resource URI's comparison key.
    pub resources: BTreeMap<String, Vec<String>>,
    /// Any method by name.
    pub methods: BTreeMap<String, Vec<String>>,
    /// `defaultPolicy: "deny"`: unlisted operations are refused.
    pub deny_unlisted: bool,
}

/// The checked configuration: every value here is known to be usable.
#[derive(Clone, Debug)]
pub struct Policy {
    /// This resource server's identifier (RFC 8707), the audience tokens must name.
    pub resource: String,
    /// Accepted `aud` values: `resource` first, then `audiences`.
    pub audiences: Vec<String>,
    /// Trusted issuers.
    pub issuers: Vec<IssuerPolicy>,
    /// Scopes every request needs.
    pub required_scopes: Vec<String>,
    /// Claims every token must carry.
    pub required_claims: Vec<String>,
    /// Clock skew tolerance in seconds.
    pub leeway_seconds: u64,
    /// Longest accepted token in bytes.
    pub max_token_bytes: usize,
    /// Longest accepted JSON-RPC body in bytes.
    pub max_body_bytes: usize,
    /// Per-operation scopes.
    pub operations: OperationPolicy,
    /// `realm` for challenges, if configured.
    pub realm: Option<String>,
    /// The URL clients fetch the RFC 9728 document from (`resource_metadata`).
    pub resource_metadata_url: String,
    /// The RFC 9728 document.
    pub metadata: ProtectedResourceMetadata,
}

/// Claims whose JSON type we know and check when they are required.
pub(crate) const STRING_CLAIMS: [&str; 5] = ["iss", "sub", "jti", "client_id", "azp"];
/// Numeric date claims (RFC 7519 §2 NumericDate).
pub(crate) const NUMBER_CLAIMS: [&str; 3] = ["exp", "nbf", "iat"];

fn scopes(list: &[String], field: &str) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        if !is_scope_token(s) {
            let why = if s.is_empty() { "empty scope string" } else { "not a scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)" };
            return Err(ConfigError::new(format!("{field}[{i}]"), why));
        }
        crate::scope::insert(&mut out, s);
    }
    Ok(out)
}

fn names(list: Option<Vec<String>>, default: &[&str], field: &str) -> Result<Vec<String>, ConfigError> {
    let list = list.unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect());
    if list.is_empty() {
        return Err(ConfigError::new(field, "must not be empty"));
    }
    if let Some(i) = list.iter().position(String::is_empty) {
        return Err(ConfigError::new(format!("{field}[{i}]"), "empty claim name"));
    }
    Ok(list)
}

/// A `tools`, `prompts` or `methods` map: names compared byte for byte, so
/// a name that readers could see differently (surrounding whitespace,
/// control characters) is refused rather than left to match nothing.
fn operation_map(map: BTreeMap<String, Vec<String>>, field: &str) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
    map.into_iter()
        .map(|(name, list)| {
            if !crate::mcp::is_exact_name(&name) {
                return Err(ConfigError::new(format!("{field}.{name:?}"), "names must be non-empty, without surrounding whitespace or control characters"));
            }
            let s = scopes(&list, &format!("{field}.{name}"))?;
            Ok((name, s))
        })
        .collect()
}

/// The `resources` map, keyed by each URI's comparison key
/// ([`resource_uri::key`]), the form requests are judged in.
fn resource_map(map: BTreeMap<String, Vec<String>>) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
    let mut out: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for (uri, list) in map {
        let field = format!("resources.{uri}");
        if uri.contains(['{', '}']) {
            return Err(ConfigError::new(field, "URI templates are not supported here; list each resource URI"));
        }
        let Some(key) = resource_uri::key(&uri) else {
            return Err(ConfigError::new(field, "is not an absolute URL (a scheme, and an ASCII host if it has one)"));
        };
        let s = scopes(&list, &field)?;
        if let Some((first, _)) = out.get(&key) {
            return Err(ConfigError::new(field, format!("names the same resource as {first:?} (both are {key:?})")));
        }
        out.insert(key, (uri, s));
    }
    Ok(out.into_iter().map(|(key, (_, s))| (key, s)).collect())
}

fn text(value: Option<String>, field: &str) -> Result<Option<String>, ConfigError> {
    match value {
        Some(v) if v.is_empty() || v.chars().any(|c| c.is_control() || c == '"' || c == '\\') => {
            Err(ConfigError::new(field, "must be non-empty text without quotes, backslashes or control characters"))
        }
        v => Ok(v),
    }
}

fn url(value: Option<String>, field: &str) -> Result<Option<String>, ConfigError> {
    if let Some(v) = &value {
        uri::parse(v, field)?;
    }
    Ok(value)
}

impl Policy {
    /// Checks a config once. Every mistake is an error naming the field.
    pub fn from_config(config: Config) -> Result<Self, ConfigError> {
        let resource = config.resource.ok_or_else(|| ConfigError::new("resource", "required: the resource identifier this server protects"))?;
        let parsed = uri::parse(&resource, "resource")?;
        let resource_metadata_url = match config.resource_metadata_url {
            Some(u) => {
                uri::parse(&u, "resourceMetadataUrl")?;
                u
            }
            None => parsed.well_known("oauth-protected-resource"),
        };

        let mut audiences = vec![resource.clone()];
        for (i, a) in config.audiences.iter().enumerate() {
            if a.is_empty() {
                return Err(ConfigError::new(format!("audiences[{i}]"), "empty audience"));
            }
            crate::scope::insert(&mut audiences, a);
        }

        if config.issuers.is_empty() {
            return Err(ConfigError::new("issuers", "at least one issuer is required"));
        }
        let mut issuers: Vec<IssuerPolicy> = Vec::new();
        for (i, iss) in config.issuers.into_iter().enumerate() {
            let f = |name: &str| format!("issuers[{i}].{name}");
            if iss.issuer.is_empty() {
                return Err(ConfigError::new(f("issuer"), "empty issuer"));
            }
            if issuers.iter().any(|p| p.issuer == iss.issuer) {
                return Err(ConfigError::new(f("issuer"), "issuer listed twice"));
            }
            let jwks_uri = url(iss.jwks_uri, &f("jwksUri"))?;
            let algorithms = match iss.algorithms {
                None => Algorithm::ALL.to_vec(),
                Some(list) => {
                    if list.is_empty() {
                        return Err(ConfigError::new(f("algorithms"), "must not be empty"));
                    }
                    let mut out = Vec::new();
                    for (j, name) in list.iter().enumerate() {
                        let alg = Algorithm::from_name(name).ok_or_else(|| {
                            ConfigError::new(
                                format!("{}[{j}]", f("algorithms")),
                                format!("unknown algorithm {name:?}; supported: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA"),
                            )
                        })?;
                        if !out.contains(&alg) {
                            out.push(alg);
                        }
                    }
                    out
                }
            };
            let typ = match iss.typ.as_deref() {
                None => TypPolicy::Lenient,
                Some(t) if t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt") => TypPolicy::Strict,
                Some(t) => {
                    return Err(ConfigError::new(f("typ"), format!("{t:?} is not supported; use \"at+jwt\" (strict RFC 9068) or leave it out (lenient)")))
                }
            };
            issuers.push(IssuerPolicy {
                issuer: iss.issuer,
                jwks_uri,
                algorithms,
                typ,
                scope_claims: names(iss.scope_claims, &["scope", "scp"], &f("scopeClaims"))?,
                client_id_claims: names(iss.client_id_claims, &["client_id", "azp"], &f("clientIdClaims"))?,
            });
        }

        let required_claims = names(config.required_claims, &["iss", "aud", "exp"], "requiredClaims")?;
        let default_deny = match config.default_policy.as_deref() {
            None | Some("allow") => false,
            Some("deny") => true,
            Some(other) => return Err(ConfigError::new("defaultPolicy", format!("{other:?} is neither \"allow\" nor \"deny\""))),
        };
        let max_token_bytes = config.max_token_bytes.unwrap_or(DEFAULT_MAX_TOKEN_BYTES);
        if max_token_bytes == 0 {
            return Err(ConfigError::new("maxTokenBytes", "must be positive"));
        }
        let max_body_bytes = config.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes == 0 {
            return Err(ConfigError::new("maxBodyBytes", "must be positive"));
        }

        let authorization_servers = match config.authorization_servers {
            Some(list) => {
                for (i, s) in list.iter().enumerate() {
                    uri::parse(s, &format!("authorizationServers[{i}]"))?;
                }
                list
            }
            None => issuers.iter().map(|i| i.issuer.clone()).collect(),
        };
        let scopes_supported = match config.scopes_supported {
            Some(list) => Some(scopes(&list, "scopesSupported")?),
            None => None,
        };
        let metadata = ProtectedResourceMetadata {
            resource: resource.clone(),
            authorization_servers,
            scopes_supported,
            bearer_methods_supported: vec!["header".to_owned()],
            resource_name: text(config.resource_name, "resourceName")?,
            resource_documentation: url(config.resource_documentation, "resourceDocumentation")?,
            resource_policy_uri: url(config.resource_policy_uri, "resourcePolicyUri")?,
            resource_tos_uri: url(config.resource_tos_uri, "resourceTosUri")?,
        };

        Ok(Policy {
            resource,
            audiences,
            issuers,
            required_scopes: scopes(&config.required_scopes, "requiredScopes")?,
            required_claims,
            leeway_seconds: config.leeway_seconds.unwrap_or(DEFAULT_LEEWAY_SECONDS),
            max_token_bytes,
            max_body_bytes,
            operations: OperationPolicy {
                tools: operation_map(config.tools, "tools")?,
                prompts: operation_map(config.prompts, "prompts")?,
                resources: resource_map(config.resources)?,
                methods: operation_map(config.methods, "methods")?,
                deny_unlisted: default_deny,
            },
            realm: text(config.realm, "realm")?,
            resource_metadata_url,
            metadata,
        })
    }

    /// Parses and checks JSON config text in one step.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        Self::from_config(Config::from_json(text)?)
    }

    /// The configured issuer whose `iss` is exactly `iss`.
    pub fn issuer(&self, iss: &str) -> Option<&IssuerPolicy> {
        self.issuers.iter().find(|i| i.issuer == iss)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> ConfigError {
        Policy::from_json(json).unwrap_err()
    }

    const ISS: &str = r#""issuers":[{"issuer":"https://auth.example.com"}]"#;

    #[test]
    fn minimal_config_gets_the_documented_defaults() {
        let p = Policy::from_json(&format!(r#"{{"resource":"https://mcp.example.com/mcp",{ISS}}}"#)).unwrap();
        assert_eq!(p.issuers[0].algorithms, Algorithm::ALL);
        assert_eq!(p.issuers[0].typ, TypPolicy::Lenient);
        assert_eq!(p.issuers[0].scope_claims, ["scope", "scp"]);
        assert_eq!(p.issuers[0].client_id_claims, ["client_id", "azp"]);
        assert_eq!(p.required_claims, ["iss", "aud", "exp"]);
        assert_eq!(p.leeway_seconds, 60);
        assert_eq!(p.max_token_bytes, 16384);
        assert_eq!(p.metadata.authorization_servers, ["https://auth.example.com"]);
        assert_eq!(p.resource_metadata_url, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
        assert!(!p.operations.deny_unlisted);
    }

    #[test]
    fn resource_uris_are_kept_in_their_comparison_form() {
        let p = Policy::from_json(&format!(r#"{{"resource":"https://mcp.example.com/mcp","resources":{{"VET://records/./rex#top":["records:read"]}},{ISS}}}"#))
            .unwrap();
        assert_eq!(p.operations.resources.keys().collect::<Vec<_>>(), ["vet://records/rex"]);
    }

    #[test]
    fn every_mistake_names_its_field() {
        let cases = [
            (format!("{{{ISS}}}"), "resource"),
            (r#"{"resource":"https://mcp.example.com"}"#.to_owned(), "issuers"),
            (format!(r#"{{"resource":"http://mcp.example.com/",{ISS}}}"#), "resource"),
            (format!(r#"{{"resource":"https://m.example/","bogus":1,{ISS}}}"#), ""),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","jku":"x"}]}"#.to_owned(), "issuers[0]"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","algorithms":["RS256","HS256"]}]}"#.to_owned(), "issuers[0].algorithms[1]"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","algorithms":["none"]}]}"#.to_owned(), "issuers[0].algorithms[0]"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","typ":"JWT"}]}"#.to_owned(), "issuers[0].typ"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","jwksUri":"http://evil.example/k"}]}"#.to_owned(), "issuers[0].jwksUri"),
            (format!(r#"{{"resource":"https://m.example/","requiredScopes":["ok",""],{ISS}}}"#), "requiredScopes[1]"),
            (format!(r#"{{"resource":"https://m.example/","tools":{{"t":["a b"]}},{ISS}}}"#), "tools.t[0]"),
            (format!(r#"{{"resource":"https://m.example/","defaultPolicy":"maybe",{ISS}}}"#), "defaultPolicy"),
            (format!(r#"{{"resource":"https://m.example/","leewaySeconds":-1,{ISS}}}"#), "leewaySeconds"),
            (format!(r#"{{"resource":"https://m.example/","resourceName":"a\"b",{ISS}}}"#), "resourceName"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a"},{"issuer":"a"}]}"#.to_owned(), "issuers[1].issuer"),
            (format!(r#"{{"resource":"https://m.example/","tools":{{" get_pet_profile":["a"]}},{ISS}}}"#), "tools"),
            (format!(r#"{{"resource":"https://m.example/","prompts":{{"triage\u0000":["a"]}},{ISS}}}"#), "prompts"),
            (format!(r#"{{"resource":"https://m.example/","resources":{{"records/rex":["a"]}},{ISS}}}"#), "resources.records/rex"),
            (format!(r#"{{"resource":"https://m.example/","resources":{{"vet://records/{{id}}":["a"]}},{ISS}}}"#), "resources.vet://records/{id}"),
            (format!(r#"{{"resource":"https://m.example/","resources":{{"vet://records/rex":["a"],"VET://records/./rex":["b"]}},{ISS}}}"#), "resources."),
        ];
        for (json, field) in cases {
            let e = err(&json);
            if field.is_empty() {
                assert!(e.message.contains("bogus"), "{json}: {e}");
            } else {
                assert!(e.field.starts_with(field), "{json}: got {e}, want field {field}");
            }
        }
    }
}

//! The one configuration schema, shared by the core, the CLI, the npm package
//! and the Worker, and its check into a [`Policy`] ("parse, don't validate").
//!
//! # Defaults
//! - `audiences`: none besides `resource`.
//! - `issuers[].algorithms`: all nine supported algorithms.
//! - `issuers[].typ`: absent = lenient (`at+jwt`, `application/at+jwt`, `JWT`
//!   in any case, or no `typ`); `"at+jwt"` = strict RFC 9068 §2.1.
//! - `issuers[].scopeClaims`: `["scope", "scp"]` (names or RFC 6901 pointers).
//! - `issuers[].clientIdClaims`: `["client_id", "azp"]`.
//! - `issuers[].tenants`: none; required with a `{claim}` placeholder in `issuer`.
//! - `issuers[].scopePrefix`, `issuers[].clientIds`, `issuers[].requiredClaimValues`: none.
//! - `issuers[].audienceOptional`: false (only with `clientIds`).
//! - `scopeImplies`: none. `challengeScopes`: `"neededAndGranted"`.
//! - `requiredScopes`: none.
//! - `requiredClaims`: `["iss", "aud", "exp"]`.
//! - `leewaySeconds`: 60. `maxTokenBytes`: 16384. `maxBodyBytes`: 1 MiB.
//! - `defaultPolicy`: `"allow"`.
//! - `authorizationServers`: the configured issuers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::claim_path::ClaimPath;
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
/// (`Serialize` lists the field names, for the check that the npm package's
/// TypeScript types name the same fields.)
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)] // each field is documented in docs/configuration.md's table
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
    #[serde(default)]
    pub scope_implies: BTreeMap<String, Vec<String>>,
    pub challenge_scopes: Option<String>,
}

/// One trusted authorization server.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct IssuerConfig {
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub algorithms: Option<Vec<String>>,
    pub typ: Option<String>,
    pub scope_claims: Option<Vec<String>>,
    pub client_id_claims: Option<Vec<String>>,
    pub tenants: Option<serde_json::Value>,
    pub scope_prefix: Option<String>,
    pub client_ids: Option<Vec<String>>,
    pub audience_optional: Option<bool>,
    pub required_claim_values: Option<BTreeMap<String, String>>,
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

/// An `issuer` with one `{claim}` placeholder (a multi-tenant authorization
/// server such as Entra ID's `https://login.microsoftonline.com/{tid}/v2.0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerPattern {
    /// What comes before the placeholder.
    pub prefix: String,
    /// The claim the placeholder stands for: the token's own value of it must fill the placeholder.
    pub claim: String,
    /// What comes after it.
    pub suffix: String,
    /// Which values may fill it.
    pub tenants: Tenants,
}

/// The values an issuer placeholder may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tenants {
    /// Only these.
    Listed(Vec<String>),
    /// Any value (`"*"`): every tenant of the authorization server is trusted.
    Any,
}

impl IssuerPattern {
    /// True if `iss` is this pattern filled with the token's own `claim`
    /// value, which is a string without `/` that `tenants` allows.
    pub fn matches(&self, iss: &str, claims: &crate::json::Object) -> bool {
        let Some(tenant) = iss.strip_prefix(self.prefix.as_str()).and_then(|rest| rest.strip_suffix(self.suffix.as_str())) else { return false };
        let own = claims.get(&self.claim).and_then(crate::json::Member::as_str);
        !tenant.is_empty()
            && !tenant.contains('/')
            && own == Some(tenant)
            && match &self.tenants {
                Tenants::Any => true,
                Tenants::Listed(list) => list.iter().any(|t| t == tenant),
            }
    }
}

/// A checked issuer.
#[derive(Clone, Debug)]
pub struct IssuerPolicy {
    /// The `iss` value, or, with [`IssuerPolicy::pattern`], the pattern as
    /// written: either way the name its key set is loaded under.
    pub issuer: String,
    /// The placeholder, when `issuer` has one.
    pub pattern: Option<IssuerPattern>,
    /// Where its key set lives, when configured.
    pub jwks_uri: Option<String>,
    /// Algorithms its tokens may use.
    pub algorithms: Vec<Algorithm>,
    /// `typ` handling.
    pub typ: TypPolicy,
    /// Claims holding scopes.
    pub scope_claims: Vec<ClaimPath>,
    /// Claims holding the client id, first present wins.
    pub client_id_claims: Vec<ClaimPath>,
    /// A granted scope `s` also satisfies a needed `scope_prefix + s`.
    pub scope_prefix: Option<String>,
    /// When set, the token's client id must be one of these.
    pub client_ids: Option<Vec<String>>,
    /// A token without `aud` is judged by its client id alone (`client_ids` is set).
    pub audience_optional: bool,
    /// Claims that must be present with exactly these string values.
    pub required_claim_values: Vec<(String, String)>,
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
    /// Each scope and every scope it implies, transitively (`scopeImplies`).
    pub scope_implies: BTreeMap<String, Vec<String>>,
    /// What a 403 `insufficient_scope` challenge names.
    pub challenge_scopes: ChallengeScopes,
    /// Every scope this resource names (`requiredScopes`, `scopesSupported`, operation lists).
    pub known_scopes: Vec<String>,
}

/// What a 403 `insufficient_scope` challenge's `scope` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeScopes {
    /// Only what the request needs.
    Needed,
    /// What the request needs plus what the token already holds that this
    /// resource knows, so a client that replaces its scope set on step-up
    /// keeps what it had (MCP authorization 2025-11-25, "Scope Challenge Handling").
    NeededAndGranted,
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

fn claim_paths(list: Option<Vec<String>>, default: &[&str], field: &str) -> Result<Vec<ClaimPath>, ConfigError> {
    let list = names(list, default, field)?;
    list.iter().enumerate().map(|(i, c)| ClaimPath::parse(c).map_err(|why| ConfigError::new(format!("{field}[{i}]"), why))).collect()
}

/// `issuer` split at its `{claim}` placeholder, if it has one.
fn issuer_pattern(issuer: &str, tenants: Option<Value>, field: impl Fn(&str) -> String) -> Result<Option<IssuerPattern>, ConfigError> {
    let has_brace = issuer.contains(['{', '}']);
    let tenants = match (tenants, has_brace) {
        (None, false) => return Ok(None),
        (Some(_), false) => return Err(ConfigError::new(field("tenants"), "only for an issuer with a {claim} placeholder, such as \"https://login.microsoftonline.com/{tid}/v2.0\"")),
        (None, true) => {
            return Err(ConfigError::new(
                field("tenants"),
                "required with a {claim} placeholder in issuer: the allowed values, or \"*\" for any tenant of this authorization server (then any tenant's tokens are accepted)",
            ))
        }
        (Some(Value::String(s)), true) if s == "*" => Tenants::Any,
        (Some(Value::Array(items)), true) if !items.is_empty() => {
            let mut list = Vec::new();
            for (i, t) in items.iter().enumerate() {
                match t.as_str() {
                    Some(t) if !t.is_empty() && !t.contains(['/', '{', '}']) && !t.chars().any(char::is_control) => list.push(t.to_owned()),
                    _ => return Err(ConfigError::new(format!("{}[{i}]", field("tenants")), "must be a non-empty string without \"/\"")),
                }
            }
            Tenants::Listed(list)
        }
        (Some(_), true) => return Err(ConfigError::new(field("tenants"), "must be a non-empty array of tenant values, or \"*\"")),
    };
    let bad = || ConfigError::new(field("issuer"), "may hold one {claim} placeholder, e.g. https://login.microsoftonline.com/{tid}/v2.0");
    let (prefix, rest) = issuer.split_once('{').ok_or_else(bad)?;
    let (claim, suffix) = rest.split_once('}').ok_or_else(bad)?;
    if claim.is_empty() || prefix.contains('}') || claim.contains('{') || suffix.contains(['{', '}']) {
        return Err(bad());
    }
    Ok(Some(IssuerPattern { prefix: prefix.to_owned(), claim: claim.to_owned(), suffix: suffix.to_owned(), tenants }))
}

/// `scopeImplies` closed under transitivity; a cycle or a non-scope-token is an error.
fn implications(map: BTreeMap<String, Vec<String>>) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
    let mut direct = BTreeMap::new();
    for (scope, list) in map {
        let field = format!("scopeImplies.{scope}");
        if !is_scope_token(&scope) {
            return Err(ConfigError::new(field, "not a scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)"));
        }
        direct.insert(scope, scopes(&list, &field)?);
    }
    let mut closed = BTreeMap::new();
    for scope in direct.keys() {
        // Depth-first along the implications; meeting `scope` again is a cycle.
        let mut implied: Vec<String> = Vec::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(scope.clone(), vec![scope.clone()])];
        while let Some((at, path)) = stack.pop() {
            for next in direct.get(&at).into_iter().flatten() {
                let mut path = path.clone();
                path.push(next.clone());
                if next == scope {
                    return Err(ConfigError::new(format!("scopeImplies.{scope}"), format!("forms a cycle: {}", path.join(" → "))));
                }
                if !implied.contains(next) {
                    implied.push(next.clone());
                    stack.push((next.clone(), path));
                }
            }
        }
        closed.insert(scope.clone(), implied);
    }
    Ok(closed)
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

/// True if a tool or prompt name means the same to every reader: not empty,
/// no surrounding whitespace and no control characters anywhere. Names are
/// then compared byte for byte; a server that trims, or a log that shows
/// `get_pet_profile` for `get_pet_profile\u{0}`, cannot disagree with the
/// policy about which name was meant.
pub fn is_exact_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with(char::is_whitespace) && !name.ends_with(char::is_whitespace) && !name.chars().any(char::is_control)
}

/// A `tools`, `prompts` or `methods` map: names compared byte for byte, so
/// a name that readers could see differently (surrounding whitespace,
/// control characters) is refused rather than left to match nothing.
fn operation_map(map: BTreeMap<String, Vec<String>>, field: &str) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
    map.into_iter()
        .map(|(name, list)| {
            if !is_exact_name(&name) {
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
                            ConfigError::new(format!("{}[{j}]", f("algorithms")), format!("unknown algorithm {name:?}; supported: {}", Algorithm::names()))
                        })?;
                        if !out.contains(&alg) {
                            out.push(alg);
                        }
                    }
                    out
                }
            };
            let pattern = issuer_pattern(&iss.issuer, iss.tenants, f)?;
            if pattern.is_some() && jwks_uri.is_none() {
                return Err(ConfigError::new(f("jwksUri"), "required for an issuer with a placeholder: discovery needs one concrete issuer"));
            }
            let scope_prefix = match iss.scope_prefix {
                Some(p) if p.is_empty() || !is_scope_token(&p) => {
                    return Err(ConfigError::new(f("scopePrefix"), "must be non-empty and a scope token's start (no spaces, quotes or backslashes)"))
                }
                p => p,
            };
            let client_ids = match iss.client_ids {
                Some(list) if list.is_empty() => return Err(ConfigError::new(f("clientIds"), "must not be empty (leave it out to allow every client)")),
                Some(list) => {
                    if let Some(j) = list.iter().position(String::is_empty) {
                        return Err(ConfigError::new(format!("{}[{j}]", f("clientIds")), "empty client id"));
                    }
                    Some(list)
                }
                None => None,
            };
            let audience_optional = iss.audience_optional.unwrap_or(false);
            if audience_optional && client_ids.is_none() {
                return Err(ConfigError::new(f("audienceOptional"), "only with clientIds: a token without aud is then accepted only from a listed client"));
            }
            if audience_optional && config.required_claims.as_ref().is_some_and(|r| r.iter().any(|c| c == "aud")) {
                return Err(ConfigError::new("requiredClaims", format!("lists \"aud\", but {} lets tokens without aud through", f("audienceOptional"))));
            }
            let mut required_claim_values = Vec::new();
            for (claim, value) in iss.required_claim_values.unwrap_or_default() {
                if claim.is_empty() {
                    return Err(ConfigError::new(f("requiredClaimValues"), "empty claim name"));
                }
                required_claim_values.push((claim, value));
            }
            let typ = match iss.typ.as_deref() {
                None => TypPolicy::Lenient,
                Some(t) if t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt") => TypPolicy::Strict,
                Some(t) => {
                    return Err(ConfigError::new(f("typ"), format!("{t:?} is not supported; use \"at+jwt\" (strict RFC 9068) or leave it out (lenient)")))
                }
            };
            issuers.push(IssuerPolicy {
                issuer: iss.issuer,
                pattern,
                jwks_uri,
                algorithms,
                typ,
                scope_claims: claim_paths(iss.scope_claims, &["scope", "scp"], &f("scopeClaims"))?,
                client_id_claims: claim_paths(iss.client_id_claims, &["client_id", "azp"], &f("clientIdClaims"))?,
                scope_prefix,
                client_ids,
                audience_optional,
                required_claim_values,
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
            None if issuers.iter().any(|i| i.pattern.is_some()) => {
                return Err(ConfigError::new(
                    "authorizationServers",
                    "required when an issuer has a {claim} placeholder: clients need a concrete authorization server URL",
                ))
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

        let challenge_scopes = match config.challenge_scopes.as_deref() {
            None | Some("neededAndGranted") => ChallengeScopes::NeededAndGranted,
            Some("needed") => ChallengeScopes::Needed,
            Some(other) => return Err(ConfigError::new("challengeScopes", format!("{other:?} is neither \"needed\" nor \"neededAndGranted\""))),
        };
        let required_scopes = scopes(&config.required_scopes, "requiredScopes")?;
        let operations = OperationPolicy {
            tools: operation_map(config.tools, "tools")?,
            prompts: operation_map(config.prompts, "prompts")?,
            resources: resource_map(config.resources)?,
            methods: operation_map(config.methods, "methods")?,
            deny_unlisted: default_deny,
        };
        let mut known_scopes = required_scopes.clone();
        let listed = [&operations.tools, &operations.prompts, &operations.resources, &operations.methods];
        for s in metadata.scopes_supported.iter().flatten().chain(listed.into_iter().flat_map(|m| m.values().flatten())) {
            crate::scope::insert(&mut known_scopes, s);
        }

        Ok(Policy {
            resource,
            audiences,
            issuers,
            required_scopes,
            required_claims,
            leeway_seconds: config.leeway_seconds.unwrap_or(DEFAULT_LEEWAY_SECONDS),
            max_token_bytes,
            max_body_bytes,
            operations,
            realm: text(config.realm, "realm")?,
            resource_metadata_url,
            metadata,
            scope_implies: implications(config.scope_implies)?,
            challenge_scopes,
            known_scopes,
        })
    }

    /// Parses and checks JSON config text in one step.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        Self::from_config(Config::from_json(text)?)
    }

    /// The configured issuer entry named `issuer` (as written in the config:
    /// the name its key set is loaded under).
    pub fn issuer(&self, issuer: &str) -> Option<&IssuerPolicy> {
        self.issuers.iter().find(|i| i.issuer == issuer)
    }

    /// The issuer a token with this `iss` and these claims comes from: the
    /// entry whose `issuer` is exactly `iss`, else the first whose placeholder
    /// the token fills with its own claim value and an allowed tenant.
    pub fn issuer_of(&self, iss: &str, claims: &crate::json::Object) -> Option<&IssuerPolicy> {
        self.issuers
            .iter()
            .find(|i| i.pattern.is_none() && i.issuer == iss)
            .or_else(|| self.issuers.iter().find(|i| i.pattern.as_ref().is_some_and(|p| p.matches(iss, claims))))
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
        assert_eq!(p.issuers[0].scope_claims.iter().map(ClaimPath::as_str).collect::<Vec<_>>(), ["scope", "scp"]);
        assert_eq!(p.issuers[0].client_id_claims.iter().map(ClaimPath::as_str).collect::<Vec<_>>(), ["client_id", "azp"]);
        assert_eq!(p.challenge_scopes, ChallengeScopes::NeededAndGranted);
        assert!(p.scope_implies.is_empty() && p.issuers[0].pattern.is_none() && !p.issuers[0].audience_optional);
        assert_eq!(p.required_claims, ["iss", "aud", "exp"]);
        assert_eq!(p.leeway_seconds, 60);
        assert_eq!(p.max_token_bytes, 16384);
        assert_eq!(p.metadata.authorization_servers, ["https://auth.example.com"]);
        assert_eq!(p.resource_metadata_url, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
        assert!(!p.operations.deny_unlisted);
    }

    #[test]
    fn the_identity_provider_fields_are_checked_into_their_policy() {
        let p = Policy::from_json(
            r#"{"resource":"https://m.example/mcp","authorizationServers":["https://login.example/organizations/v2.0"],
                "issuers":[{"issuer":"https://login.example/{tid}/v2.0","tenants":["t1","t2"],"jwksUri":"https://login.example/keys",
                            "scopePrefix":"api://vet/","clientIds":["c1"],"audienceOptional":true,"requiredClaimValues":{"token_use":"access"},
                            "scopeClaims":["scp","/realm_access/roles"]}],
                "scopeImplies":{"vet:admin":["api://vet/Pets.Write"],"api://vet/Pets.Write":["api://vet/Pets.Read"]},"challengeScopes":"needed"}"#,
        )
        .unwrap();
        let i = &p.issuers[0];
        let pattern = i.pattern.as_ref().unwrap();
        assert_eq!((pattern.prefix.as_str(), pattern.claim.as_str(), pattern.suffix.as_str()), ("https://login.example/", "tid", "/v2.0"));
        assert_eq!(pattern.tenants, Tenants::Listed(vec!["t1".into(), "t2".into()]));
        assert_eq!(i.scope_prefix.as_deref(), Some("api://vet/"));
        assert!(i.audience_optional && i.client_ids.as_deref() == Some(&["c1".to_owned()][..]));
        assert_eq!(i.required_claim_values, [("token_use".to_owned(), "access".to_owned())]);
        assert_eq!(p.scope_implies["vet:admin"], ["api://vet/Pets.Write", "api://vet/Pets.Read"], "transitive");
        assert_eq!(p.challenge_scopes, ChallengeScopes::Needed);
        let claims = |tid: &str| crate::json::object(serde_json::json!({ "tid": tid }));
        assert!(p.issuer_of("https://login.example/t1/v2.0", &claims("t1")).is_some());
        assert!(p.issuer_of("https://login.example/t1/v2.0", &claims("t2")).is_none(), "the tenant must be the token's own");
        assert!(p.issuer_of("https://login.example/t3/v2.0", &claims("t3")).is_none(), "not a listed tenant");
        assert!(p.issuer_of("https://login.example/t1/x/v2.0", &claims("t1/x")).is_none(), "no slash in a tenant");
        assert!(p.issuer_of("https://login.example/{tid}/v2.0", &claims("{tid}")).is_none());
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
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","scopeClaims":["realm_access.roles"]}]}"#.to_owned(), "issuers[0].scopeClaims[0]"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","clientIdClaims":["/a~2"]}]}"#.to_owned(), "issuers[0].clientIdClaims[0]"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/{tid}/v2.0","jwksUri":"https://l.example/k"}],"authorizationServers":["https://l.example/o"]}"#.to_owned(), "issuers[0].tenants"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/t/v2.0","tenants":"*"}]}"#.to_owned(), "issuers[0].tenants"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/{a}/{b}","tenants":"*","jwksUri":"https://l.example/k"}],"authorizationServers":["https://l.example/o"]}"#.to_owned(), "issuers[0].issuer"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/{tid}","tenants":[]}]}"#.to_owned(), "issuers[0].tenants"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/{tid}","tenants":["a/b"],"jwksUri":"https://l.example/k"}],"authorizationServers":["https://l.example/o"]}"#.to_owned(), "issuers[0].tenants[0]"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/{tid}","tenants":"*"}]}"#.to_owned(), "issuers[0].jwksUri"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"https://l.example/{tid}","tenants":"*","jwksUri":"https://l.example/k"}]}"#.to_owned(), "authorizationServers"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","scopePrefix":"api://x /"}]}"#.to_owned(), "issuers[0].scopePrefix"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","audienceOptional":true}]}"#.to_owned(), "issuers[0].audienceOptional"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","clientIds":[]}]}"#.to_owned(), "issuers[0].clientIds"),
            (r#"{"resource":"https://m.example/","requiredClaims":["aud","exp"],"issuers":[{"issuer":"a","clientIds":["c"],"audienceOptional":true}]}"#.to_owned(), "requiredClaims"),
            (r#"{"resource":"https://m.example/","issuers":[{"issuer":"a","requiredClaimValues":{"token_use":7}}]}"#.to_owned(), "issuers[0].requiredClaimValues"),
            (format!(r#"{{"resource":"https://m.example/","scopeImplies":{{"a":["b"],"b":["c"],"c":["a"]}},{ISS}}}"#), "scopeImplies.a"),
            (format!(r#"{{"resource":"https://m.example/","scopeImplies":{{"a b":["c"]}},{ISS}}}"#), "scopeImplies.a b"),
            (format!(r#"{{"resource":"https://m.example/","scopeImplies":{{"a":["c d"]}},{ISS}}}"#), "scopeImplies.a[0]"),
            (format!(r#"{{"resource":"https://m.example/","challengeScopes":"all",{ISS}}}"#), "challengeScopes"),
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

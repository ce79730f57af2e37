//! `doctor`: checks a live MCP deployment the way MCP clients see it, and
//! says which step would stop a client from connecting.
//!
//! Sans-IO like the rest of the core: the host asks [`Doctor::next_probe`] for the
//! next HTTP request to make ([`Probe`]), makes it, and hands the answer to
//! [`Doctor::receive`]; the checks ([`Check`]) are decided here. Requests are
//! made one at a time, each with a timeout and a size limit the host
//! enforces; redirects are not followed by the host but by the doctor, at
//! most [`MAX_REDIRECTS`] times and only for metadata and key documents. The
//! token, when given, is sent only to the checked MCP URL, never on a
//! redirect, and never appears in a check.
//!
//! The order is a client's: the unauthenticated request and its 401
//! challenge (RFC 9728 §5.1), the protected resource metadata where clients
//! look for it, each authorization server's metadata in the MCP discovery
//! order ([`crate::discovery`]), its key set (checked by the same code that
//! loads keys for the gate), then CORS for a browser client, the config
//! against what is served, and the token.

pub mod report;
pub mod token;

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde_json::Value;

use crate::config::Policy;
use crate::error::ConfigError;
use crate::jwks::KeySet;
use crate::{challenge, discovery, metadata, Validator};
use report::spec;
pub use report::{Check, Report, Verdict};

/// Redirects followed for one document.
pub const MAX_REDIRECTS: u8 = 3;
/// Time allowed for one request, headers and body.
pub const TIMEOUT_MS: u64 = 10_000;
/// The most bytes read of one response.
pub const MAX_BYTES: usize = 256 * 1024;
/// The most authorization servers checked.
const MAX_SERVERS: usize = 5;
/// The origin a browser check uses when none is given: the MCP Inspector's.
pub const DEFAULT_ORIGIN: &str = "http://localhost:6274";
/// The protocol revision the probes announce.
const PROTOCOL_VERSION: &str = "2025-11-25";

/// An HTTP request for the host to make, exactly as given (headers included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    /// `GET`, `POST` or `OPTIONS`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// Request header fields.
    pub headers: Vec<(String, String)>,
    /// The body, for a POST.
    pub body: Option<String>,
    /// Time allowed for the response, headers and body.
    pub timeout_ms: u64,
    /// Read at most this many bytes of the body.
    pub max_bytes: usize,
}

impl std::fmt::Display for Probe {
    /// The method and URL only: a probe's headers may hold the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.url)
    }
}

/// How a probe went.
#[derive(Clone, Copy, Debug)]
pub enum Reply<'a> {
    /// A response: status, header fields (names in any case; repeated fields
    /// combined with `, `), and the body as read (at most the probe's limit).
    Answered {
        /// The status code.
        status: u16,
        /// The header fields.
        headers: &'a [(String, String)],
        /// The body.
        body: &'a [u8],
    },
    /// No response: unreachable, timed out, or refused by the host.
    Failed(&'a str),
}

/// What the doctor is told besides the URL.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The gateway config (`MCP_AUTH`, gateway fields allowed), to compare with what is served.
    pub config: Option<Value>,
    /// An access token to decide on, against the live keys and the live server.
    pub token: Option<String>,
    /// The origin of a browser client, for the CORS checks.
    pub origin: Option<String>,
    /// Now, in seconds since the epoch.
    pub now: u64,
}

/// A response as kept: status, headers, body.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object, or why not.
    fn json_object(&self) -> Result<Value, String> {
        if self.status != 200 {
            return Err(format!("answered {}", self.status));
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) => Err("answered JSON that is not an object".into()),
            Err(_) if self.body.len() >= MAX_BYTES => Err(format!("answered more than {MAX_BYTES} bytes")),
            Err(_) => Err("answered something that is not JSON".into()),
        }
    }
}

/// Where a protected resource metadata URL came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The challenge's `resource_metadata`.
    Challenge,
    /// RFC 9728 §3.1, well-known segment inserted before the resource's path.
    PathInserted,
    /// The host's root well-known URL.
    Root,
}

impl Source {
    fn id(self) -> &'static str {
        match self {
            Source::Challenge => "metadata.challengeUrl",
            Source::PathInserted => "metadata.pathInserted",
            Source::Root => "metadata.root",
        }
    }
}

/// What a probe is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Unauthenticated,
    Metadata(Source),
    Server { index: usize, attempt: usize },
    Keys { index: usize },
    Preflight,
    CorsChallenge,
    CorsMetadata,
    WithToken,
}

#[derive(Clone, Debug)]
struct Step {
    purpose: Purpose,
    method: &'static str,
    url: String,
    hops: u8,
}

/// The checks run in phases, each needing what the one before found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Challenge,
    Metadata,
    Servers,
    Keys,
    Cors,
    Token,
    Done,
}

/// An authorization server (or a configured issuer) being checked.
#[derive(Clone, Debug, Default)]
struct Server {
    issuer: String,
    /// The configured `jwksUri`, used instead of the metadata's.
    configured_jwks: Option<String>,
    tried: Vec<String>,
    document: Option<(String, Value)>,
    usable: bool,
    jwks_uri: Option<String>,
    keys: Option<Result<Vec<u8>, String>>,
}

/// One run of checks against one MCP URL.
pub struct Doctor {
    target: String,
    token: Option<String>,
    origin: String,
    origin_given: bool,
    policy: Option<Policy>,
    now: u64,
    phase: Phase,
    queue: VecDeque<Step>,
    current: Option<Step>,
    unauthenticated: Option<Result<Answer, String>>,
    challenge_metadata_url: Option<String>,
    challenge_scope: bool,
    documents: Vec<(Source, String, Result<Value, String>)>,
    primary: Option<(Source, String, Value)>,
    servers: Vec<Server>,
    cors: BTreeMap<&'static str, Result<Answer, String>>,
    live: Option<Result<Answer, String>>,
    checks: Vec<Check>,
}

/// The JSON-RPC `initialize` request a client opens a session with.
fn initialize_body() -> String {
    serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": { "name": "mcp-edge-auth-doctor", "version": env!("CARGO_PKG_VERSION") } }
    })
    .to_string()
}

/// An absolute http(s) URL without fragment, or the error naming `field`.
fn checked_url(value: &str, field: &str) -> Result<url::Url, ConfigError> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() && u.fragment().is_none() => Ok(u),
        _ => Err(ConfigError::new(field, "must be an absolute http(s) URL without a fragment")),
    }
}

/// Comma-separated header list members, trimmed and in lower case.
fn members(value: Option<&str>) -> Vec<String> {
    value.unwrap_or("").split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect()
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?.as_array()?.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

impl Doctor {
    /// A run against `url`, the MCP endpoint as clients are given it.
    /// Errors name the option at fault (`url`, `origin`, or the config's field).
    pub fn new(url: &str, options: Options) -> Result<Doctor, ConfigError> {
        checked_url(url, "url")?;
        let origin = match &options.origin {
            Some(o) => {
                let u = checked_url(o, "origin")?;
                if u.path() != "/" || u.query().is_some() {
                    return Err(ConfigError::new("origin", "must be an origin: scheme, host and port only"));
                }
                u.origin().ascii_serialization()
            }
            None => DEFAULT_ORIGIN.to_owned(),
        };
        let policy = match options.config {
            Some(config) => Some(crate::gateway::split_config(config)?.0),
            None => None,
        };
        if let Some(t) = &options.token {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::new("token", "must be a token: visible ASCII characters only"));
            }
        }
        let mut doctor = Doctor {
            target: url.to_owned(),
            token: options.token.map(|t| t.strip_prefix("Bearer ").map(str::to_owned).unwrap_or(t)),
            origin,
            origin_given: options.origin.is_some(),
            policy,
            now: options.now,
            phase: Phase::Challenge,
            queue: VecDeque::new(),
            current: None,
            unauthenticated: None,
            challenge_metadata_url: None,
            challenge_scope: false,
            documents: Vec::new(),
            primary: None,
            servers: Vec::new(),
            cors: BTreeMap::new(),
            live: None,
            checks: Vec::new(),
        };
        doctor.push(Purpose::Unauthenticated, "POST", url.to_owned());
        Ok(doctor)
    }

    fn push(&mut self, purpose: Purpose, method: &'static str, url: String) {
        self.queue.push_back(Step { purpose, method, url, hops: 0 });
    }

    /// The next request to make, or `None` when every check is decided.
    pub fn next_probe(&mut self) -> Option<Probe> {
        loop {
            if let Some(step) = self.queue.pop_front() {
                let probe = self.probe(&step);
                self.current = Some(step);
                return Some(probe);
            }
            if self.phase == Phase::Done {
                return None;
            }
            self.end_phase();
        }
    }

    fn probe(&self, step: &Step) -> Probe {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut body = None;
        let mcp_post = matches!(step.purpose, Purpose::Unauthenticated | Purpose::CorsChallenge | Purpose::WithToken);
        if mcp_post {
            headers.push(("content-type".into(), "application/json".into()));
            headers.push(("accept".into(), "application/json, text/event-stream".into()));
            headers.push(("mcp-protocol-version".into(), PROTOCOL_VERSION.into()));
            body = Some(initialize_body());
        } else {
            headers.push(("accept".into(), "application/json".into()));
        }
        if matches!(step.purpose, Purpose::Preflight | Purpose::CorsChallenge | Purpose::CorsMetadata) {
            headers.push(("origin".into(), self.origin.clone()));
        }
        if step.purpose == Purpose::Preflight {
            headers.push(("access-control-request-method".into(), "POST".into()));
            headers.push(("access-control-request-headers".into(), "authorization,content-type,mcp-protocol-version".into()));
        }
        // The token goes to the checked MCP URL only, never to a redirect's target.
        if let (Purpose::WithToken, Some(token), 0) = (step.purpose, &self.token, step.hops) {
            if step.url == self.target {
                headers.push(("authorization".into(), format!("Bearer {token}")));
            }
        }
        Probe { method: step.method, url: step.url.clone(), headers, body, timeout_ms: TIMEOUT_MS, max_bytes: MAX_BYTES }
    }

    /// The answer to the probe [`next_probe`](Self::next_probe) returned last.
    pub fn receive(&mut self, reply: Reply<'_>) {
        let Some(step) = self.current.take() else { return };
        let answer = match reply {
            Reply::Answered { status, headers, body } => Ok(Answer { status, headers: headers.to_vec(), body: body[..body.len().min(MAX_BYTES)].to_vec() }),
            Reply::Failed(reason) => Err(format!("{} {}: {}", step.method, step.url, reason.chars().take(200).collect::<String>())),
        };
        // Documents are followed through redirects, as clients' fetch does; the MCP endpoint is not.
        let follows = matches!(step.purpose, Purpose::Metadata(_) | Purpose::Server { .. } | Purpose::Keys { .. });
        if let Ok(a) = &answer {
            if follows && matches!(a.status, 301 | 302 | 303 | 307 | 308) {
                let next = a.header("location").and_then(|l| url::Url::parse(&step.url).ok()?.join(l).ok());
                match next {
                    Some(next) if step.hops < MAX_REDIRECTS && matches!(next.scheme(), "http" | "https") => {
                        self.queue.push_front(Step { url: next.to_string(), hops: step.hops + 1, ..step });
                        return;
                    }
                    _ => return self.record(step.purpose, Err(format!("{} redirects more than {MAX_REDIRECTS} times or to a non-http URL", step.url))),
                }
            }
        }
        self.record(step.purpose, answer.map_err(|e| e.to_string()));
    }

    fn record(&mut self, purpose: Purpose, answer: Result<Answer, String>) {
        match purpose {
            Purpose::Unauthenticated => self.unauthenticated = Some(answer),
            Purpose::Metadata(source) => {
                let url = self.metadata_url(source);
                self.documents.push((source, url, answer.and_then(|a| a.json_object())));
            }
            Purpose::Server { index, attempt } => {
                let issuer = self.servers[index].issuer.clone();
                let urls = discovery::metadata_urls(&issuer);
                match answer.and_then(|a| a.json_object()) {
                    Ok(doc) => self.servers[index].document = Some((urls[attempt].clone(), doc)),
                    Err(e) => {
                        self.servers[index].tried.push(format!("{} {e}", urls[attempt]));
                        if attempt + 1 < urls.len() {
                            self.queue.push_front(Step {
                                purpose: Purpose::Server { index, attempt: attempt + 1 },
                                method: "GET",
                                url: urls[attempt + 1].clone(),
                                hops: 0,
                            });
                        }
                    }
                }
            }
            Purpose::Keys { index } => {
                self.servers[index].keys = Some(answer.and_then(|a| if a.status == 200 { Ok(a.body) } else { Err(format!("answered {}", a.status)) }));
            }
            Purpose::Preflight => {
                self.cors.insert("preflight", answer);
            }
            Purpose::CorsChallenge => {
                self.cors.insert("challenge", answer);
            }
            Purpose::CorsMetadata => {
                self.cors.insert("metadata", answer);
            }
            Purpose::WithToken => self.live = Some(answer),
        }
    }

    fn metadata_url(&self, source: Source) -> String {
        match source {
            Source::Challenge => self.challenge_metadata_url.clone().unwrap_or_default(),
            Source::PathInserted => metadata::well_known_urls(&self.target).first().cloned().unwrap_or_default(),
            Source::Root => metadata::well_known_urls(&self.target).get(1).cloned().unwrap_or_default(),
        }
    }

    /// Decides the checks of the phase that ended and queues the next one's probes.
    fn end_phase(&mut self) {
        match self.phase {
            Phase::Challenge => {
                let reachable = self.check_challenge();
                if !reachable {
                    self.phase = Phase::Done;
                    return;
                }
                self.phase = Phase::Metadata;
                let mut seen: Vec<String> = Vec::new();
                let mut sources = vec![];
                if let Some(u) = self.challenge_metadata_url.clone() {
                    sources.push((Source::Challenge, u));
                }
                let wk = metadata::well_known_urls(&self.target);
                let path_inserted = wk.first().cloned();
                let root = wk.get(1).cloned();
                if let Some(u) = path_inserted {
                    sources.push((Source::PathInserted, u));
                }
                if let Some(u) = root {
                    sources.push((Source::Root, u));
                }
                for (source, url) in sources {
                    if !seen.contains(&url) {
                        seen.push(url.clone());
                        self.push(Purpose::Metadata(source), "GET", url);
                    }
                }
            }
            Phase::Metadata => {
                self.check_metadata();
                self.phase = Phase::Servers;
                let mut issuers: Vec<(String, Option<String>)> = Vec::new();
                if let Some((_, _, doc)) = &self.primary {
                    for s in strings(doc.get("authorization_servers")).unwrap_or_default() {
                        issuers.push((s, None));
                    }
                }
                if let Some(policy) = &self.policy {
                    for i in policy.issuers.iter().filter(|i| i.pattern.is_none()) {
                        match issuers.iter_mut().find(|(s, _)| *s == i.issuer) {
                            Some(entry) => entry.1 = i.jwks_uri.clone(),
                            None => issuers.push((i.issuer.clone(), i.jwks_uri.clone())),
                        }
                    }
                }
                for (issuer, configured_jwks) in issuers.into_iter().take(MAX_SERVERS) {
                    let index = self.servers.len();
                    let first = discovery::metadata_urls(&issuer).swap_remove(0);
                    self.servers.push(Server { issuer, configured_jwks, ..Server::default() });
                    self.push(Purpose::Server { index, attempt: 0 }, "GET", first);
                }
            }
            Phase::Servers => {
                self.check_servers();
                self.phase = Phase::Keys;
                for index in 0..self.servers.len() {
                    if let Some(uri) = self.servers[index].jwks_uri.clone() {
                        self.push(Purpose::Keys { index }, "GET", uri);
                    }
                }
            }
            Phase::Keys => {
                self.check_keys();
                self.check_config();
                self.phase = Phase::Cors;
                let target = self.target.clone();
                self.push(Purpose::Preflight, "OPTIONS", target.clone());
                self.push(Purpose::CorsChallenge, "POST", target);
                if let Some((_, url, _)) = self.primary.clone() {
                    self.push(Purpose::CorsMetadata, "GET", url);
                }
            }
            Phase::Cors => {
                self.check_cors();
                self.phase = Phase::Token;
                if self.token.is_some() {
                    let target = self.target.clone();
                    self.push(Purpose::WithToken, "POST", target);
                }
            }
            Phase::Token => {
                self.check_token();
                self.phase = Phase::Done;
            }
            Phase::Done => {}
        }
    }

    /// The 401 without a token and its challenge. False when the URL could not be reached at all.
    fn check_challenge(&mut self) -> bool {
        let answer = match self.unauthenticated.take() {
            Some(Ok(a)) => a,
            Some(Err(e)) => {
                self.checks.push(Check::fail("mcp.reachable", "the MCP URL cannot be reached").wanted("a response", e));
                return false;
            }
            None => return false,
        };
        match answer.status {
            401 => self.checks.push(Check::pass("challenge.status", "a request without a token is answered 401")),
            s @ 200..=299 => self.checks.push(
                Check::fail("challenge.status", "a request without a token is served: the endpoint is not protected")
                    .wanted("401 with a Bearer challenge", format!("{s}"))
                    .spec(spec::CHALLENGE),
            ),
            s @ 300..=399 => self.checks.push(
                Check::fail("challenge.status", "the MCP URL redirects; clients are given this URL and POST to it")
                    .wanted("401 with a Bearer challenge at the URL itself", format!("{s} to {}", answer.header("location").unwrap_or("(no Location)")))
                    .spec(spec::CHALLENGE),
            ),
            s => self.checks.push(
                Check::fail("challenge.status", "a request without a token is not answered 401")
                    .wanted("401 with a Bearer challenge", format!("{s}"))
                    .spec(spec::CHALLENGE),
            ),
        }
        if answer.status != 401 {
            return true;
        }
        let field = answer.header("www-authenticate");
        let bearer = field.and_then(challenge::parse).and_then(|cs| cs.into_iter().find(|c| c.scheme.eq_ignore_ascii_case("bearer")));
        let Some(bearer) = bearer else {
            self.checks.push(
                Check::fail("challenge.bearer", "the 401 has no readable Bearer challenge")
                    .wanted(
                        "WWW-Authenticate: Bearer resource_metadata=\"…\"",
                        field.map(|f| format!("WWW-Authenticate: {}", f.chars().take(200).collect::<String>())).unwrap_or("no WWW-Authenticate".into()),
                    )
                    .spec(spec::CHALLENGE),
            );
            return true;
        };
        match bearer.param("resource_metadata") {
            Some(u) if checked_url(u, "resource_metadata").is_ok() => {
                self.checks.push(Check::pass("challenge.resourceMetadata", format!("the challenge names the metadata: {u}")));
                self.challenge_metadata_url = Some(u.to_owned());
            }
            Some(u) => self.checks.push(
                Check::fail("challenge.resourceMetadata", "the challenge's resource_metadata is not an absolute URL")
                    .wanted("an absolute https URL", u.chars().take(200).collect::<String>())
                    .spec(spec::CHALLENGE),
            ),
            None => self.checks.push(
                Check::warn("challenge.resourceMetadata", "the challenge has no resource_metadata: clients must guess the well-known URLs")
                    .wanted("resource_metadata=\"<metadata URL>\"", "absent")
                    .spec(spec::CHALLENGE),
            ),
        }
        match bearer.param("error") {
            None => self.checks.push(Check::pass("challenge.noError", "no error code for a request without credentials")),
            Some(e) => self.checks.push(
                Check::warn("challenge.noError", "the challenge to a request without credentials carries an error code")
                    .wanted("no error parameter", format!("error=\"{e}\""))
                    .spec(spec::NO_ERROR),
            ),
        }
        match bearer.param("scope") {
            Some(s) => {
                self.challenge_scope = true;
                self.checks.push(Check::pass("challenge.scope", format!("the challenge names the scopes to ask for: {s}")));
            }
            None => self.checks.push(
                Check::warn("challenge.scope", "the challenge names no scope; clients fall back to scopes_supported or ask for none")
                    .wanted("scope=\"…\"", "absent")
                    .spec(spec::SCOPE_HINT),
            ),
        }
        true
    }

    fn check_metadata(&mut self) {
        let documents = std::mem::take(&mut self.documents);
        self.primary = documents.iter().find_map(|(s, u, d)| d.as_ref().ok().map(|d| (*s, u.clone(), d.clone())));
        for (source, url, doc) in &documents {
            match doc {
                Ok(_) => self.checks.push(Check::pass(source.id(), format!("metadata at {url}"))),
                Err(e) => {
                    let check = match (source, &self.primary) {
                        (Source::Challenge, _) | (_, None) => Check::fail(source.id(), "the protected resource metadata is not served where clients look"),
                        _ => Check::warn(source.id(), "not served here; clients that look here first fall back to another URL"),
                    };
                    self.checks.push(check.wanted(format!("200 with a JSON object at {url}"), e.clone()).spec(spec::METADATA_DISCOVERY));
                }
            }
        }
        let Some((source, url, doc)) = self.primary.clone() else { return };
        for (s, u, d) in &documents {
            let Ok(d) = d else { continue };
            let resource = d.get("resource").and_then(Value::as_str);
            if resource == Some(self.target.as_str()) {
                if *s == source {
                    self.checks.push(Check::pass("metadata.resource", format!("resource is the URL clients use: {}", self.target)));
                }
                continue;
            }
            let found = resource.map(|r| format!("\"{r}\" (at {u})")).unwrap_or(format!("no resource (at {u})"));
            let check = if *s == Source::Root && source != Source::Root {
                Check::warn("metadata.resource", "the root metadata names another resource; clients that read it first stop")
            } else {
                Check::fail("metadata.resource", "the metadata's resource is not the URL clients use: clients must stop")
            };
            self.checks.push(check.wanted(format!("\"{}\"", self.target), found).spec(spec::RESOURCE));
        }
        match strings(doc.get("authorization_servers")) {
            Some(list) if !list.is_empty() => {
                self.checks.push(Check::pass("metadata.authorizationServers", format!("authorization servers: {}", list.join(", "))))
            }
            _ => self.checks.push(
                Check::fail("metadata.authorizationServers", "the metadata names no authorization server")
                    .wanted(
                        "authorization_servers: [\"<issuer>\", …]",
                        format!("{} (at {url})", doc.get("authorization_servers").map(Value::to_string).unwrap_or("absent".into())),
                    )
                    .spec(spec::AUTHORIZATION_SERVERS),
            ),
        }
        match strings(doc.get("bearer_methods_supported")) {
            Some(m) if !m.iter().any(|m| m == "header") => self.checks.push(
                Check::fail("metadata.bearerMethods", "the metadata does not accept tokens in the Authorization header, the only way MCP clients send them")
                    .wanted("bearer_methods_supported including \"header\"", m.join(", "))
                    .spec(spec::BEARER_METHODS),
            ),
            _ => {}
        }
        match strings(doc.get("scopes_supported")) {
            Some(s) => self.checks.push(Check::pass("metadata.scopesSupported", format!("scopes supported: {}", s.join(" ")))),
            None if !self.challenge_scope => self.checks.push(
                Check::warn("metadata.scopesSupported", "neither the challenge nor the metadata names scopes: clients ask for none")
                    .wanted("scopes_supported, or scope in the challenge", "neither")
                    .spec(spec::SCOPE_HINT),
            ),
            None => {}
        }
    }

    fn check_servers(&mut self) {
        let mut checks = Vec::new();
        for server in &mut self.servers {
            let issuer = server.issuer.clone();
            let Some((url, doc)) = server.document.clone() else {
                if let Some(jwks) = &server.configured_jwks {
                    checks.push(
                        Check::warn("as.metadata", format!("{issuer}: no metadata found; the gateway uses the configured jwksUri, clients cannot sign in"))
                            .wanted("RFC 8414 or OpenID Connect metadata", server.tried.join("; "))
                            .spec(spec::AS_DISCOVERY),
                    );
                    server.jwks_uri = Some(jwks.clone());
                } else {
                    checks.push(
                        Check::fail("as.metadata", format!("{issuer}: no authorization server metadata at any URL clients try"))
                            .wanted("RFC 8414 or OpenID Connect metadata", server.tried.join("; "))
                            .spec(spec::AS_DISCOVERY),
                    );
                }
                continue;
            };
            checks.push(Check::pass("as.metadata", format!("{issuer}: metadata at {url}")));
            if let Some(named) = discovery::issuer_mismatch(&issuer, &doc) {
                checks.push(
                    Check::fail("as.issuer", format!("{issuer}: the metadata names another issuer: clients must not use it"))
                        .wanted(format!("issuer \"{issuer}\", identical"), named.map(|n| format!("\"{n}\"")).unwrap_or("no issuer".into()))
                        .spec(spec::AS_ISSUER),
                );
                continue;
            }
            checks.push(Check::pass("as.issuer", format!("{issuer}: the metadata's issuer is identical")));
            let has = |name: &str| doc.get(name).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
            let missing: Vec<&str> = ["authorization_endpoint", "token_endpoint"].into_iter().filter(|n| !has(n)).collect();
            if missing.is_empty() {
                checks.push(Check::pass("as.endpoints", format!("{issuer}: authorization and token endpoints")));
            } else {
                checks.push(
                    Check::fail("as.endpoints", format!("{issuer}: the metadata lacks an endpoint clients need"))
                        .wanted("authorization_endpoint and token_endpoint", format!("no {}", missing.join(", ")))
                        .spec(spec::AS_ENDPOINTS),
                );
            }
            let methods = strings(doc.get("code_challenge_methods_supported")).unwrap_or_default();
            if methods.iter().any(|m| m == "S256") {
                checks.push(Check::pass("as.pkce", format!("{issuer}: PKCE with S256")));
            } else {
                checks.push(
                    Check::fail("as.pkce", format!("{issuer}: the metadata does not list PKCE S256: MCP clients must refuse to proceed"))
                        .wanted("code_challenge_methods_supported including \"S256\"", if methods.is_empty() { "absent".into() } else { methods.join(", ") })
                        .spec(spec::PKCE),
                );
            }
            let cimd = doc.get("client_id_metadata_document_supported").and_then(Value::as_bool) == Some(true);
            match (has("registration_endpoint"), cimd) {
                (false, false) => checks.push(
                    Check::warn(
                        "as.registration",
                        format!("{issuer}: no dynamic registration and no Client ID Metadata Documents: only pre-registered clients can connect"),
                    )
                    .wanted("registration_endpoint, or client_id_metadata_document_supported: true", "neither")
                    .spec(spec::REGISTRATION),
                ),
                (dcr, cimd) => {
                    let ways: Vec<&str> = [(dcr, "dynamic client registration"), (cimd, "Client ID Metadata Documents")]
                        .into_iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, w)| w)
                        .collect();
                    checks.push(Check::pass("as.registration", format!("{issuer}: clients register by {}", ways.join(" or "))));
                }
            }
            if doc.get("authorization_response_iss_parameter_supported").and_then(Value::as_bool) == Some(true) {
                checks.push(Check::pass("as.issParameter", format!("{issuer}: authorization responses carry iss (RFC 9207)")));
            } else {
                checks.push(
                    Check::warn(
                        "as.issParameter",
                        format!("{issuer}: authorization responses are not announced to carry iss; clients cannot detect mix-up attacks"),
                    )
                    .wanted("authorization_response_iss_parameter_supported: true", "absent or false")
                    .spec(spec::ISS_PARAMETER),
                );
            }
            server.usable = true;
            let published = doc.get("jwks_uri").and_then(Value::as_str);
            match (&server.configured_jwks, published) {
                (Some(configured), _) => server.jwks_uri = Some(configured.clone()),
                (None, Some(uri)) if discovery::is_fetchable(uri) => server.jwks_uri = Some(uri.to_owned()),
                (None, found) => checks.push(
                    Check::fail("keys.fetch", format!("{issuer}: no usable jwks_uri: the gate cannot find the signing keys"))
                        .wanted("jwks_uri, an https URL", found.unwrap_or("absent").to_owned())
                        .spec(spec::JWKS),
                ),
            }
        }
        self.checks.extend(checks);
    }

    /// The key sets, read by the same code that loads them for the gate.
    fn check_keys(&mut self) {
        let mut checks = Vec::new();
        for server in &self.servers {
            let (Some(uri), Some(keys)) = (&server.jwks_uri, &server.keys) else { continue };
            let issuer = &server.issuer;
            let bytes = match keys {
                Ok(bytes) => bytes,
                Err(e) => {
                    checks.push(
                        Check::fail("keys.fetch", format!("{issuer}: the key set cannot be fetched"))
                            .wanted(format!("200 with a JWK Set at {uri}"), e.clone())
                            .spec(spec::JWKS),
                    );
                    continue;
                }
            };
            let (set, skipped) = match KeySet::parse(bytes) {
                Ok(parsed) => parsed,
                Err(e) => {
                    checks.push(
                        Check::fail("keys.fetch", format!("{issuer}: the key set cannot be read"))
                            .wanted(format!("a JWK Set at {uri}"), e.to_string())
                            .spec(spec::JWKS),
                    );
                    continue;
                }
            };
            checks.push(Check::pass("keys.fetch", format!("{issuer}: key set at {uri}")));
            let describe = |k: &crate::jwks::set::Jwk| format!("{} ({})", k.kid.as_deref().unwrap_or("no kid"), k.key.family().name());
            let skipped_text =
                skipped.iter().map(|s| format!("{}: {}", s.kid.as_deref().unwrap_or("a key without kid"), s.reason)).collect::<Vec<_>>().join("; ");
            if set.keys().is_empty() {
                checks.push(
                    Check::fail("keys.usable", format!("{issuer}: no key in the set can verify a token"))
                        .wanted(
                            "at least one RSA (2048+ bits), P-256, P-384 or Ed25519 public signing key",
                            if skipped.is_empty() { "an empty set".into() } else { skipped_text },
                        )
                        .spec(spec::JWKS),
                );
                continue;
            }
            let usable = set.keys().iter().map(describe).collect::<Vec<_>>().join(", ");
            if skipped.is_empty() {
                checks.push(Check::pass("keys.usable", format!("{issuer}: usable keys {usable}")));
            } else {
                checks.push(
                    Check::warn("keys.usable", format!("{issuer}: usable keys {usable}; some keys are skipped"))
                        .wanted("every key usable", skipped_text)
                        .spec(spec::JWKS),
                );
            }
            if let Some(entry) = self.policy.as_ref().and_then(|p| p.issuer(issuer)) {
                let fits: Vec<&str> = entry.algorithms.iter().filter(|a| set.keys().iter().any(|k| k.allows(**a))).map(|a| a.name()).collect();
                if fits.is_empty() {
                    checks.push(
                        Check::fail("keys.algorithms", format!("{issuer}: no key fits an algorithm the config allows"))
                            .wanted(format!("a key for one of {}", entry.algorithms.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")), usable)
                            .spec(spec::JWKS),
                    );
                } else {
                    checks.push(Check::pass("keys.algorithms", format!("{issuer}: keys for {}", fits.join(", "))));
                }
            }
        }
        self.checks.extend(checks);
    }

    /// The config against what is served.
    fn check_config(&mut self) {
        let Some(policy) = &self.policy else { return };
        let mut checks = Vec::new();
        if policy.resource == self.target {
            checks.push(Check::pass("config.resource", "the config's resource is the checked URL"));
        } else {
            checks.push(
                Check::fail("config.resource", "the config's resource is not the checked URL")
                    .wanted(format!("\"{}\"", self.target), format!("\"{}\"", policy.resource))
                    .spec(spec::RESOURCE),
            );
        }
        if let Some((_, url, served)) = &self.primary {
            let published: Value = serde_json::to_value(&policy.metadata).unwrap_or_default();
            let differs: Vec<String> = ["resource", "authorization_servers", "scopes_supported"]
                .into_iter()
                .filter(|f| served.get(*f) != published.get(*f))
                .map(|f| {
                    format!(
                        "{f}: served {}, config {}",
                        served.get(f).map(Value::to_string).unwrap_or("absent".into()),
                        published.get(f).map(Value::to_string).unwrap_or("absent".into())
                    )
                })
                .collect();
            if differs.is_empty() {
                checks.push(Check::pass("config.metadata", "the served metadata is what the config publishes"));
            } else {
                checks.push(
                    Check::fail("config.metadata", format!("the metadata at {url} is not what this config publishes: another deployment, or an old one"))
                        .wanted("the config's document", differs.join("; "))
                        .spec(spec::CONFIG),
                );
            }
        }
        let needed: Vec<String> = policy.known_scopes.clone();
        let offered: Vec<String> =
            self.servers.iter().filter_map(|s| s.document.as_ref().and_then(|(_, d)| strings(d.get("scopes_supported")))).flatten().collect();
        if !offered.is_empty() {
            let missing: Vec<&String> = needed.iter().filter(|s| !offered.contains(s)).collect();
            if missing.is_empty() {
                checks.push(Check::pass("config.scopes", "every scope the config names is one the authorization server offers"));
            } else {
                checks.push(
                    Check::warn("config.scopes", "the config names scopes the authorization server does not list; tokens may never carry them")
                        .wanted("each scope in an authorization server's scopes_supported", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
                        .spec(spec::CONFIG),
                );
            }
        }
        for entry in policy.issuers.iter().filter(|i| i.pattern.is_none()) {
            let found = self.servers.iter().any(|s| s.issuer == entry.issuer && s.usable);
            if !found && entry.jwks_uri.is_none() {
                checks.push(
                    Check::fail("config.issuers", format!("{}: the gateway cannot discover this issuer's keys", entry.issuer))
                        .wanted("usable authorization server metadata, or jwksUri in the config", "neither")
                        .spec(spec::AS_DISCOVERY),
                );
            }
        }
        self.checks.extend(checks);
    }

    fn check_cors(&mut self) {
        let origin = self.origin.clone();
        let whose = format!("a page at {origin}");
        let which = if self.origin_given { "" } else { " (the MCP Inspector's origin; --origin checks yours)" };
        let refused = |a: &Answer| a.status == 403;
        let allows = |a: &Answer| matches!(a.header("access-control-allow-origin"), Some(o) if o == origin || o == "*");
        let mut checks = Vec::new();
        let not_allowed = |id: &'static str, given: bool| {
            let c = if given {
                Check::fail(id, "this origin is refused (403): the gateway's allowedOrigins does not list it")
            } else {
                Check::warn(id, "this origin is refused (403): allowedOrigins lists others; check with --origin")
            };
            c.wanted(format!("{origin} allowed"), "403").spec(spec::CORS)
        };
        match self.cors.remove("preflight") {
            Some(Ok(a)) if refused(&a) => checks.push(not_allowed("cors.preflight", self.origin_given)),
            Some(Ok(a)) => {
                let methods = members(a.header("access-control-allow-methods"));
                let headers = members(a.header("access-control-allow-headers"));
                let mut wrong = Vec::new();
                if !(200..300).contains(&a.status) {
                    wrong.push(format!("status {}", a.status));
                }
                if !allows(&a) {
                    wrong.push(format!("Access-Control-Allow-Origin {}", a.header("access-control-allow-origin").unwrap_or("absent")));
                }
                if !methods.iter().any(|m| m == "post" || m == "*") {
                    wrong.push("POST not allowed".into());
                }
                // `*` does not cover Authorization (Fetch Standard §3.2.5).
                for h in ["authorization", "content-type", "mcp-protocol-version"] {
                    if !headers.iter().any(|x| x == h || (x == "*" && h != "authorization")) {
                        wrong.push(format!("{h} not allowed"));
                    }
                }
                if wrong.is_empty() {
                    checks.push(Check::pass("cors.preflight", format!("preflight allows {whose} to POST with a token{which}")));
                } else {
                    checks.push(
                        Check::fail("cors.preflight", format!("the preflight stops {whose}{which}"))
                            .wanted("2xx allowing the origin, POST, and Authorization, Content-Type, Mcp-Protocol-Version", wrong.join("; "))
                            .spec(spec::CORS),
                    );
                }
            }
            Some(Err(e)) => checks.push(Check::fail("cors.preflight", "the preflight got no answer").wanted("a response", e).spec(spec::CORS)),
            None => {}
        }
        match self.cors.remove("challenge") {
            Some(Ok(a)) if refused(&a) => checks.push(not_allowed("cors.challenge", self.origin_given)),
            Some(Ok(a)) => {
                let exposed = members(a.header("access-control-expose-headers"));
                let readable =
                    allows(&a) && exposed.iter().any(|h| h == "www-authenticate" || (h == "*" && a.header("access-control-allow-credentials").is_none()));
                if readable {
                    checks.push(Check::pass("cors.challenge", format!("{whose} can read the 401 challenge")));
                } else {
                    checks.push(
                        Check::fail("cors.challenge", format!("{whose} cannot read the 401 challenge, so a browser client never finds the metadata"))
                            .wanted(
                                "Access-Control-Allow-Origin for the origin and Access-Control-Expose-Headers including WWW-Authenticate",
                                format!(
                                    "Access-Control-Allow-Origin {}, Access-Control-Expose-Headers {}",
                                    a.header("access-control-allow-origin").unwrap_or("absent"),
                                    a.header("access-control-expose-headers").unwrap_or("absent")
                                ),
                            )
                            .spec(spec::CORS),
                    );
                }
            }
            Some(Err(e)) => checks.push(Check::fail("cors.challenge", "no answer to a browser's request").wanted("a response", e).spec(spec::CORS)),
            None => {}
        }
        match self.cors.remove("metadata") {
            Some(Ok(a)) if allows(&a) => checks.push(Check::pass("cors.metadata", format!("{whose} can read the metadata"))),
            Some(Ok(a)) => checks.push(
                Check::fail("cors.metadata", format!("{whose} cannot read the protected resource metadata"))
                    .wanted("Access-Control-Allow-Origin for the origin", a.header("access-control-allow-origin").unwrap_or("absent").to_owned())
                    .spec(spec::CORS),
            ),
            Some(Err(e)) => checks.push(Check::fail("cors.metadata", "no answer to a browser's metadata request").wanted("a response", e).spec(spec::CORS)),
            None => {}
        }
        self.checks.extend(checks);
    }

    /// The token: decided here against the live keys (and the config, when
    /// given), then as the live server answered it.
    fn check_token(&mut self) {
        let Some(token) = self.token.clone() else { return };
        let policy = match &self.policy {
            Some(p) => Ok(p.clone()),
            None => {
                // What a gate for this resource checks by default: the issuers the metadata names.
                let resource = self.primary.as_ref().and_then(|(_, _, d)| d.get("resource")?.as_str().map(str::to_owned)).unwrap_or(self.target.clone());
                let issuers: Vec<Value> =
                    self.servers.iter().filter(|s| s.usable).map(|s| serde_json::json!({ "issuer": s.issuer, "jwksUri": s.jwks_uri })).collect();
                crate::Config::from_value(serde_json::json!({ "resource": resource, "issuers": issuers })).and_then(Policy::from_config)
            }
        };
        let local = policy.map(|policy| {
            let mut validator = Validator::new(policy);
            let mut sets = BTreeMap::new();
            for server in &self.servers {
                if let Some(Ok(bytes)) = &server.keys {
                    if validator.set_jwks(&server.issuer, bytes).is_ok() {
                        if let Ok((set, _)) = KeySet::parse(bytes) {
                            sets.insert(server.issuer.clone(), set);
                        }
                    }
                }
            }
            let header = format!("Bearer {token}");
            match validator.verify(Some(&header), None, self.now) {
                Ok(info) => Ok(format!(
                    "subject {}, client {}, scopes \"{}\", expires {}",
                    info.subject.as_deref().unwrap_or("(none)"),
                    info.client_id.as_deref().unwrap_or("(none)"),
                    info.scopes.join(" "),
                    token::utc(info.expires_at as f64)
                )),
                Err(refusal) => Err(token::explain(validator.policy(), &sets, &token, &refusal, self.now)),
            }
        });
        let server = match self.live.take() {
            Some(Ok(a)) => {
                let challenge =
                    a.header("www-authenticate").and_then(challenge::parse).and_then(|cs| cs.into_iter().find(|c| c.scheme.eq_ignore_ascii_case("bearer")));
                let error = challenge.as_ref().and_then(|c| c.param("error").map(str::to_owned));
                let description = challenge.as_ref().and_then(|c| c.param("error_description").map(|d| d.chars().take(160).collect::<String>()));
                Ok((a.status, error, description))
            }
            Some(Err(e)) => Err(e),
            None => Err("not sent".into()),
        };
        let server_text = match &server {
            Ok((s, Some(e), Some(d))) => format!("the server answered {s} {e}: {d}"),
            Ok((s, Some(e), None)) => format!("the server answered {s} {e}"),
            Ok((s, None, _)) => format!("the server answered {s}"),
            Err(e) => format!("no answer from the server: {e}"),
        };
        let served = matches!(server, Ok((s, _, _)) if (200..300).contains(&s));
        let check = match (local, served) {
            // Nothing to judge it against: the failure that caused this is reported above.
            (Err(e), _) => Check::warn("token", format!("the token cannot be judged without a usable authorization server; {server_text}"))
                .wanted("an authorization server whose metadata and keys can be read, or --config", e.to_string())
                .spec(spec::TOKEN),
            (Ok(Ok(who)), true) => Check::pass("token", format!("the token is accepted: {who}; {server_text}")),
            (Ok(Ok(who)), false) => Check::fail("token", format!("the server refused a token its published keys and rules accept; {server_text}"))
                .wanted("the server to accept it", format!("accepted here ({who})"))
                .spec(spec::TOKEN),
            (Ok(Err((summary, expected, found))), false) => Check::fail("token", format!("{summary}; {server_text}")).wanted(expected, found).spec(spec::TOKEN),
            (Ok(Err((summary, expected, found))), true) => {
                Check::fail("token", format!("the server accepted a token that should be refused: {summary}")).wanted(expected, found).spec(spec::TOKEN)
            }
        };
        self.checks.push(check);
    }

    /// The checks so far (all of them once [`next_probe`](Self::next_probe) returned `None`).
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The report of the checks so far.
    pub fn report(&self) -> Report<'_> {
        Report { ok: !self.checks.iter().any(|c| c.verdict == Verdict::Fail), url: &self.target, checks: &self.checks }
    }
}

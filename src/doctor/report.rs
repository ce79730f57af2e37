//! What `doctor` found: one [`Check`] per question, each with the spec
//! section that asks it, as JSON for CI and as lines for a terminal.

use serde::Serialize;

/// The verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// As the specs require.
    Pass,
    /// Works, but some clients or a SHOULD of the specs disagree.
    Warn,
    /// A client following the specs cannot connect, or the gate is unsafe.
    Fail,
}

/// One check and what it found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// A stable identifier (`metadata.resource`), for CI and for tests.
    pub id: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// One sentence on what was checked and found.
    pub summary: String,
    /// What the specs expect, when it failed or warned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What was found instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// The section that asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<&'static str>,
}

impl Check {
    /// A passed check.
    pub fn pass(id: &'static str, summary: impl Into<String>) -> Self {
        Check { id, verdict: Verdict::Pass, summary: summary.into(), expected: None, found: None, spec: None }
    }

    /// A failed check.
    pub fn fail(id: &'static str, summary: impl Into<String>) -> Self {
        Check { verdict: Verdict::Fail, ..Self::pass(id, summary) }
    }

    /// A warning.
    pub fn warn(id: &'static str, summary: impl Into<String>) -> Self {
        Check { verdict: Verdict::Warn, ..Self::pass(id, summary) }
    }

    /// With what was expected and what was found.
    pub fn wanted(mut self, expected: impl Into<String>, found: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.found = Some(found.into());
        self
    }

    /// With the section that asks for it.
    pub fn spec(mut self, spec: &'static str) -> Self {
        self.spec = Some(spec);
        self
    }
}

/// Spec sections the checks cite.
pub mod spec {
    /// The 401 and its challenge.
    pub const CHALLENGE: &str = "MCP authorization 2025-11-25 §Protected Resource Metadata Discovery Requirements; RFC 9728 §5.1; RFC 6750 §3";
    /// No error code without credentials.
    pub const NO_ERROR: &str = "RFC 6750 §3.1";
    /// The `scope` hint.
    pub const SCOPE_HINT: &str =
        "MCP authorization 2025-11-25 §Protected Resource Metadata Discovery Requirements (SHOULD include scope); §Scope Selection Strategy";
    /// Where the metadata is looked for.
    pub const METADATA_DISCOVERY: &str = "MCP authorization 2025-11-25 §Protected Resource Metadata Discovery Requirements; RFC 9728 §3.1";
    /// `resource` must be the URL clients use.
    pub const RESOURCE: &str = "RFC 9728 §3.3; MCP authorization 2025-11-25 §Canonical Server URI";
    /// `authorization_servers`.
    pub const AUTHORIZATION_SERVERS: &str = "MCP authorization 2025-11-25 §Authorization Server Location; RFC 9728 §2";
    /// `bearer_methods_supported`.
    pub const BEARER_METHODS: &str = "RFC 9728 §2; MCP authorization 2025-11-25 §Token Requirements (Authorization header)";
    /// Authorization server metadata discovery order.
    pub const AS_DISCOVERY: &str = "MCP authorization 2025-11-25 §Authorization Server Metadata Discovery; RFC 8414 §3.1; OpenID Connect Discovery 1.0 §4";
    /// The metadata's `issuer`.
    pub const AS_ISSUER: &str = "RFC 8414 §3.3; OpenID Connect Discovery 1.0 §4.3; MCP authorization 2026-07-28 §Authorization Server Metadata Discovery";
    /// Endpoints.
    pub const AS_ENDPOINTS: &str = "RFC 8414 §2";
    /// PKCE.
    pub const PKCE: &str = "MCP authorization 2025-11-25 §Authorization Code Protection (clients MUST refuse without S256); RFC 7636 §4.2";
    /// Client registration.
    pub const REGISTRATION: &str = "MCP authorization 2025-11-25 §Client Registration Approaches; RFC 7591; Client ID Metadata Documents";
    /// RFC 9207.
    pub const ISS_PARAMETER: &str = "MCP authorization 2026-07-28 §Authorization Response Validation; RFC 9207 §2.3";
    /// Key sets.
    pub const JWKS: &str = "RFC 8414 §2 (jwks_uri); RFC 7517 §5; RFC 8725 §3.1, §3.5";
    /// CORS for browser clients.
    pub const CORS: &str = "Fetch Standard §3.2 (CORS protocol); MCP authorization 2025-11-25 §Protected Resource Metadata Discovery Requirements (clients MUST read WWW-Authenticate)";
    /// The token decision.
    pub const TOKEN: &str = "MCP authorization 2025-11-25 §Token Handling; RFC 9068 §4; RFC 8707 §2; RFC 6750 §3.1";
    /// The config against what is served.
    pub const CONFIG: &str = "RFC 9728 §2, §3.3";
}

/// Every check, and whether any failed.
#[derive(Clone, Debug, Serialize)]
pub struct Report<'a> {
    /// True when no check failed.
    pub ok: bool,
    /// The URL checked.
    pub url: &'a str,
    /// The checks, in the order they ran.
    pub checks: &'a [Check],
}

impl Report<'_> {
    /// The report as lines for a terminal: one per check, failures and
    /// warnings followed by what was expected, what was found and the spec.
    pub fn to_text(&self) -> String {
        let mut out = format!("mcp-edge-auth doctor {}\n", self.url);
        for c in self.checks {
            let mark = match c.verdict {
                Verdict::Pass => "pass",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            out.push_str(&format!("{mark}  {:<30} {}\n", c.id, c.summary));
            if c.verdict != Verdict::Pass {
                if let Some(e) = &c.expected {
                    out.push_str(&format!("      expected: {e}\n"));
                }
                if let Some(f) = &c.found {
                    out.push_str(&format!("      found:    {f}\n"));
                }
                if let Some(s) = c.spec {
                    out.push_str(&format!("      see:      {s}\n"));
                }
            }
        }
        let count = |v| self.checks.iter().filter(|c| c.verdict == v).count();
        out.push_str(&format!("{} passed, {} warnings, {} failed\n", count(Verdict::Pass), count(Verdict::Warn), count(Verdict::Fail)));
        out
    }
}

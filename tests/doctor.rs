//! `doctor` against a deployment simulated in memory: a healthy one passes
//! every check, and each broken variant fails exactly the check that names
//! what is broken. The live runs (the real Worker, the demo's authorization
//! server) are in tests/js/doctor.test.mjs.

use serde_json::{json, Value};

use mcp_edge_auth::doctor::{Check, Doctor, Options, Probe, Reply, Verdict};

const ISSUER: &str = "https://auth.vetassist.example";
const KEYS: &str = "https://auth.vetassist.example/jwks";

fn demo(name: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/demo/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A deployment as a client sees it: the MCP endpoint, its metadata, the
/// authorization server's metadata and keys. Each field can be broken.
struct Deployment {
    resource: String,
    metadata: Value,
    server: Value,
    keys: (u16, String),
    expose: bool,
    /// What the MCP endpoint answers a request with a token.
    with_token: u16,
    /// Redirect the path-inserted metadata URL to itself.
    metadata_loop: bool,
}

impl Deployment {
    fn healthy(resource: &str) -> Self {
        Deployment {
            resource: resource.into(),
            metadata: json!({ "resource": resource, "authorization_servers": [ISSUER], "scopes_supported": ["mcp:access", "pet-profile:read", "pet-profile:write"], "bearer_methods_supported": ["header"] }),
            server: json!({
                "issuer": ISSUER, "authorization_endpoint": format!("{ISSUER}/auth"), "token_endpoint": format!("{ISSUER}/token"),
                "jwks_uri": KEYS, "registration_endpoint": format!("{ISSUER}/reg"), "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": true, "scopes_supported": ["mcp:access", "pet-profile:read", "pet-profile:write"]
            }),
            keys: (200, demo("jwks.json")),
            expose: true,
            with_token: 200,
            metadata_loop: false,
        }
    }

    fn metadata_urls(&self) -> [String; 2] {
        let origin = self.resource.trim_end_matches("/mcp");
        [format!("{origin}/.well-known/oauth-protected-resource/mcp"), format!("{origin}/.well-known/oauth-protected-resource")]
    }

    fn answer(&self, probe: &Probe) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let header = |name: &str| probe.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let mut headers = Vec::new();
        if let Some(origin) = header("origin") {
            headers.push(("Access-Control-Allow-Origin".to_owned(), origin));
            if self.expose {
                headers.push(("Access-Control-Expose-Headers".to_owned(), "WWW-Authenticate, Mcp-Session-Id".to_owned()));
            }
        }
        let [path_inserted, root] = self.metadata_urls();
        let json = |v: &Value| v.to_string().into_bytes();
        match (probe.method, probe.url.as_str()) {
            ("OPTIONS", u) if u == self.resource => {
                headers.push(("Access-Control-Allow-Methods".into(), "GET, POST, DELETE".into()));
                headers.push(("Access-Control-Allow-Headers".into(), "Authorization, Content-Type, Mcp-Protocol-Version, Mcp-Session-Id".into()));
                (204, headers, Vec::new())
            }
            ("POST", u) if u == self.resource => {
                if header("authorization").is_some() {
                    return (self.with_token, headers, b"{}".to_vec());
                }
                headers.push(("WWW-Authenticate".into(), format!(r#"Bearer scope="mcp:access", resource_metadata="{path_inserted}""#)));
                (401, headers, b"{}".to_vec())
            }
            ("GET", u) if u == path_inserted && self.metadata_loop => {
                headers.push(("Location".into(), path_inserted.clone()));
                (307, headers, Vec::new())
            }
            ("GET", u) if u == path_inserted || u == root => (200, headers, json(&self.metadata)),
            ("GET", "https://auth.vetassist.example/.well-known/oauth-authorization-server") => (200, headers, json(&self.server)),
            ("GET", KEYS) => (self.keys.0, headers, self.keys.1.clone().into_bytes()),
            _ => (404, headers, b"not found".to_vec()),
        }
    }
}

/// Runs a doctor against `deployment`; returns the checks and every probe made.
fn run(deployment: &Deployment, options: Options) -> (Vec<Check>, Vec<Probe>) {
    let mut doctor = Doctor::new(&deployment.resource, options).unwrap();
    let mut probes = Vec::new();
    while let Some(probe) = doctor.next_probe() {
        let (status, headers, body) = deployment.answer(&probe);
        probes.push(probe);
        doctor.receive(Reply::Answered { status, headers: &headers, body: &body });
    }
    (doctor.checks().to_vec(), probes)
}

fn failing(checks: &[Check]) -> Vec<&'static str> {
    checks.iter().filter(|c| c.verdict == Verdict::Fail).map(|c| c.id).collect()
}

fn not_passing(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .map(|c| format!("{:?} {}: {} ({:?} / {:?})", c.verdict, c.id, c.summary, c.expected, c.found))
        .collect()
}

const RESOURCE: &str = "https://vetassist.example/mcp";

fn with_token(token: &str) -> Options {
    let config: Value = serde_json::from_str(&demo("config.json")).unwrap();
    Options { config: Some(config), token: Some(token.into()), now: 1_800_000_000, ..Options::default() }
}

#[test]
fn a_healthy_deployment_passes_every_check() {
    let (checks, _) = run(&Deployment::healthy(RESOURCE), with_token(demo("bob.token").trim()));
    assert_eq!(not_passing(&checks), Vec::<String>::new());
    let ids: Vec<&str> = checks.iter().map(|c| c.id).collect();
    for id in [
        "challenge.status",
        "challenge.resourceMetadata",
        "challenge.noError",
        "challenge.scope",
        "metadata.challengeUrl",
        "metadata.root",
        "metadata.resource",
        "metadata.authorizationServers",
        "as.metadata",
        "as.issuer",
        "as.pkce",
        "as.registration",
        "as.issParameter",
        "keys.fetch",
        "keys.usable",
        "keys.algorithms",
        "config.resource",
        "cors.preflight",
        "cors.challenge",
        "cors.metadata",
        "token",
    ] {
        assert!(ids.contains(&id), "{id} ran: {ids:?}");
    }
    let token = checks.iter().find(|c| c.id == "token").unwrap();
    assert!(token.summary.contains("subject bob") && token.summary.contains("mcp:access pet-profile:read"), "{}", token.summary);
}

#[test]
fn each_broken_part_fails_exactly_its_check() {
    let rsa1024: Value = serde_json::from_str(&std::fs::read_to_string(format!("{}/tests/keys/rsa-1024.json", env!("CARGO_MANIFEST_DIR"))).unwrap()).unwrap();
    type Breakage = Box<dyn Fn(&mut Deployment)>;
    let cases: Vec<(&str, Breakage)> = vec![
        ("metadata.resource", Box::new(|d| d.metadata["resource"] = "https://vetassist.example/other".into())),
        ("as.pkce", Box::new(|d| d.server.as_object_mut().unwrap().remove("code_challenge_methods_supported").map(drop).unwrap_or(()))),
        ("as.pkce", Box::new(|d| d.server["code_challenge_methods_supported"] = json!(["plain"]))),
        ("as.issuer", Box::new(|d| d.server["issuer"] = "https://auth.vetassist.example/".into())),
        ("keys.fetch", Box::new(|d| d.keys = (500, "oops".into()))),
        (
            "keys.usable",
            Box::new(move |d| d.keys = (200, json!({ "keys": [{ "kty": "RSA", "kid": "old", "n": rsa1024["n"], "e": rsa1024["e"] }] }).to_string())),
        ),
        ("cors.challenge", Box::new(|d| d.expose = false)),
        ("metadata.challengeUrl", Box::new(|d| d.metadata_loop = true)),
        ("metadata.authorizationServers", Box::new(|d| d.metadata["authorization_servers"] = json!([]))),
    ];
    for (id, breaks) in cases {
        let mut deployment = Deployment::healthy(RESOURCE);
        breaks(&mut deployment);
        let (checks, _) = run(&deployment, Options::default());
        assert_eq!(failing(&checks), [id], "{}", not_passing(&checks).join("\n"));
    }
}

#[test]
fn tokens_are_judged_and_explained_without_being_shown() {
    let bob = demo("bob.token");
    let bob = bob.trim();
    // Expired: `now` past its exp.
    let mut options = with_token(bob);
    options.now = 4_102_444_800 + 3600;
    let (checks, _) = run(&Deployment { with_token: 401, ..Deployment::healthy(RESOURCE) }, options);
    assert_eq!(failing(&checks), ["token"]);
    let token = checks.iter().find(|c| c.id == "token").unwrap();
    assert!(token.summary.contains("ERR_JWT_EXPIRED") && token.found.as_deref().unwrap().contains("2100-01-01T00:00:00Z"), "{token:?}");

    // Issued for another resource: the deployment at another URL, same issuer.
    let other = "https://other.example/mcp";
    let mut config: Value = serde_json::from_str(&demo("config.json")).unwrap();
    config["resource"] = other.into();
    let options = Options { config: Some(config), token: Some(bob.into()), now: 1_800_000_000, ..Options::default() };
    let (checks, probes) = run(&Deployment { with_token: 401, ..Deployment::healthy(other) }, options);
    assert_eq!(failing(&checks), ["token"], "{}", not_passing(&checks).join("\n"));
    let token = checks.iter().find(|c| c.id == "token").unwrap();
    assert!(token.summary.contains("ERR_JWT_AUDIENCE"), "{token:?}");
    assert_eq!(token.found.as_deref(), Some("aud \"https://vetassist.example/mcp\""));

    // A server that takes it anyway is named.
    let options =
        Options { config: Some(serde_json::from_str(&demo("config.json")).unwrap()), token: Some(bob.into()), now: 4_102_444_800 + 3600, ..Options::default() };
    let (checks, _) = run(&Deployment::healthy(RESOURCE), options);
    assert!(checks
        .iter()
        .any(|c| c.id == "token" && c.verdict == Verdict::Fail && c.summary.starts_with("the server accepted a token that should be refused")));

    // The token went to the MCP URL only, and appears in no check.
    let carrying: Vec<&Probe> = probes.iter().filter(|p| p.headers.iter().any(|(_, v)| v.contains(bob))).collect();
    assert_eq!(carrying.len(), 1);
    assert_eq!((carrying[0].method, carrying[0].url.as_str()), ("POST", other));
    assert!(!serde_json::to_string(&checks).unwrap().contains(bob));
    assert!(!probes.iter().any(|p| p.to_string().contains(bob)));
}

#[test]
fn an_unreachable_url_is_one_failure_and_bad_options_name_the_field() {
    let mut doctor = Doctor::new(RESOURCE, Options::default()).unwrap();
    let probe = doctor.next_probe().unwrap();
    assert_eq!((probe.method, probe.url.as_str()), ("POST", RESOURCE));
    doctor.receive(Reply::Failed("connection refused"));
    assert!(doctor.next_probe().is_none());
    assert_eq!(failing(doctor.checks()), ["mcp.reachable"]);
    assert!(!doctor.report().ok);

    for (url, options, field) in [
        ("mcp.example.com/mcp", Options::default(), "url"),
        (RESOURCE, Options { origin: Some("https://app.example/path".into()), ..Options::default() }, "origin"),
        (RESOURCE, Options { token: Some("two words".into()), ..Options::default() }, "token"),
        (RESOURCE, Options { config: Some(json!({ "resource": RESOURCE, "issuers": [], "bogus": 1 })), ..Options::default() }, "bogus"),
    ] {
        let e = Doctor::new(url, options).err().unwrap_or_else(|| panic!("{field} refused"));
        assert_eq!(e.field, field);
    }
}

#[test]
fn the_report_reads_as_lines() {
    let mut deployment = Deployment::healthy(RESOURCE);
    deployment.server["code_challenge_methods_supported"] = json!(["plain"]);
    let mut doctor = Doctor::new(RESOURCE, Options::default()).unwrap();
    while let Some(probe) = doctor.next_probe() {
        let (status, headers, body) = deployment.answer(&probe);
        doctor.receive(Reply::Answered { status, headers: &headers, body: &body });
    }
    let text = doctor.report().to_text();
    assert!(text.contains("FAIL  as.pkce"), "{text}");
    assert!(text.contains("      expected: code_challenge_methods_supported including \"S256\"\n      found:    plain\n"), "{text}");
    assert!(text.contains("      see:      MCP authorization 2025-11-25 §Authorization Code Protection"), "{text}");
    assert!(text.trim_end().ends_with("1 failed"), "{text}");
}

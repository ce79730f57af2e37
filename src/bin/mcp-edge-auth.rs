//! `mcp-edge-auth`: verify an access token the way the gateway would, and
//! print exactly which check refused it; or print the RFC 9728 document.
//!
//! Exit status: 0 accepted, 1 refused, 2 usage or configuration error.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use mcp_edge_auth::decision::Decision;
use mcp_edge_auth::{Policy, Validator};

const USAGE: &str = "\
usage:
  mcp-edge-auth verify --config FILE --jwks [ISSUER=]FILE... [--now UNIX_SECONDS]
                       [--body FILE [--content-type VALUE [--content-encoding VALUE]]] [--] TOKEN_OR_AUTHORIZATION_HEADER
  mcp-edge-auth metadata --config FILE

verify prints {\"ok\":true,\"authInfo\":{...}} or {\"ok\":false,\"status\":...,\"code\":\"ERR_...\",...}
and exits 0 (accepted), 1 (refused) or 2 (usage or config error).
TOKEN may be '-' to read the token or the whole Authorization header value from
standard input (one trailing line ending is removed). --jwks FILE is the key set
of the config's only issuer; with several issuers use --jwks ISSUER=FILE, repeated.
With --content-type, the body is an HTTP body with that Content-Type (and
Content-Encoding), judged as the gateway does: 415 unless application/json in
UTF-8 without a content coding (an empty value is an absent field).";

/// A failure before any decision: printed to stderr, exit 2.
struct Usage(String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(e.to_string())
    }
}

#[derive(Default)]
struct Args {
    command: String,
    config: Option<String>,
    jwks: Vec<String>,
    now: Option<String>,
    body: Option<String>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    positional: Vec<String>,
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Args, Usage> {
    let mut argv = argv.into_iter();
    let mut args = Args { command: argv.next().ok_or_else(|| Usage("missing command".into()))?, ..Args::default() };
    let mut only_positional = false;
    while let Some(arg) = argv.next() {
        if only_positional || arg == "-" || !arg.starts_with("--") {
            args.positional.push(arg);
            continue;
        }
        if arg == "--" {
            only_positional = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| argv.next()).ok_or_else(|| Usage(format!("{name} needs a value")));
        match name.as_str() {
            "--config" => args.config = Some(value()?),
            "--jwks" => args.jwks.push(value()?),
            "--now" => args.now = Some(value()?),
            "--body" => args.body = Some(value()?),
            "--content-type" => args.content_type = Some(value()?),
            "--content-encoding" => args.content_encoding = Some(value()?),
            "--help" => return Err(Usage(String::new())),
            _ => return Err(Usage(format!("unknown option {name}"))),
        }
    }
    Ok(args)
}

fn read(path: &str, what: &str) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| Usage(format!("cannot read {what} {path}: {e}")))
}

fn load_policy(args: &Args) -> Result<Policy, Usage> {
    let path = args.config.as_deref().ok_or_else(|| Usage("--config FILE is required".into()))?;
    let text = String::from_utf8(read(path, "config")?).map_err(|_| Usage(format!("config {path} is not UTF-8")))?;
    Policy::from_json(&text).map_err(|e| Usage(format!("{path}: {e}")))
}

/// Reads the token argument; `-` reads standard input and removes exactly one
/// trailing LF or CRLF, nothing else.
fn token_input(arg: &str) -> Result<String, Usage> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut raw = Vec::new();
    std::io::stdin().read_to_end(&mut raw).map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
    if raw.ends_with(b"\r\n") {
        raw.truncate(raw.len() - 2);
    } else if raw.ends_with(b"\n") {
        raw.truncate(raw.len() - 1);
    }
    // Bytes that are not UTF-8 cannot be a b64token; the replacement
    // characters make extraction refuse them as a malformed header.
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

fn verify(args: &Args) -> Result<bool, Usage> {
    let [token_arg] = args.positional.as_slice() else {
        return Err(Usage("verify takes exactly one TOKEN_OR_AUTHORIZATION_HEADER (or - for standard input)".into()));
    };
    let policy = load_policy(args)?;
    if args.jwks.is_empty() {
        return Err(Usage("--jwks is required".into()));
    }
    let issuers: Vec<String> = policy.issuers.iter().map(|i| i.issuer.clone()).collect();
    let mut validator = Validator::new(policy);
    let mut loaded: Vec<&str> = Vec::new();
    for spec in &args.jwks {
        // ISSUER=FILE when the value starts with a configured issuer and '=';
        // otherwise the file of the only issuer.
        let (issuer, file) = match issuers.iter().find(|i| spec.strip_prefix(i.as_str()).is_some_and(|r| r.starts_with('='))) {
            Some(i) => (i.as_str(), &spec[i.len() + 1..]),
            None if issuers.len() == 1 => (issuers[0].as_str(), spec.as_str()),
            None => return Err(Usage(format!("--jwks {spec}: with several issuers, use --jwks ISSUER=FILE with one of: {}", issuers.join(", ")))),
        };
        if loaded.contains(&issuer) {
            return Err(Usage(format!("--jwks given twice for issuer {issuer}")));
        }
        let report = validator.set_jwks(issuer, &read(file, "key set")?).map_err(|e| Usage(format!("{file}: {e}")))?;
        for s in &report.skipped {
            eprintln!("mcp-edge-auth: warning: {file}: skipped key {}: {}", s.kid.as_deref().unwrap_or("(no kid)"), s.reason);
        }
        loaded.push(issuer);
    }
    for i in issuers.iter().filter(|i| !loaded.contains(&i.as_str())) {
        eprintln!("mcp-edge-auth: warning: no key set for issuer {i}; its tokens will be refused with 503");
    }
    let now = match &args.now {
        Some(n) => n.parse::<u64>().map_err(|_| Usage(format!("--now {n}: not a whole number of Unix seconds")))?,
        None => SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| Usage("the system clock is before 1970".into()))?.as_secs(),
    };
    let body = args.body.as_deref().map(|b| read(b, "body")).transpose()?;
    let operations = match (&body, &args.content_type) {
        (Some(bytes), Some(content_type)) => {
            let field = |v: &str| Some(v).filter(|v| !v.is_empty()).map(str::to_owned);
            validator.inspect_http(field(content_type).as_deref(), args.content_encoding.as_deref().and_then(field).as_deref(), bytes)
        }
        (None, Some(_)) => return Err(Usage("--content-type describes a --body; give the body too".into())),
        _ if args.content_encoding.is_some() => return Err(Usage("--content-encoding needs --content-type".into())),
        _ => validator.inspect(body.as_deref()),
    };
    let input = token_input(token_arg)?;

    let (accepted, output) = match validator.decide(&mut Decision::new(Some(&input), operations), now) {
        Ok(accepted) => (true, serde_json::json!({ "ok": true, "authInfo": accepted.info() })),
        Err(refusal) => (false, refusal.to_json()),
    };
    println!("{output}");
    Ok(accepted)
}

fn run(argv: Vec<String>) -> Result<ExitCode, Usage> {
    let args = parse_args(argv)?;
    match args.command.as_str() {
        "verify" => Ok(if verify(&args)? { ExitCode::SUCCESS } else { ExitCode::from(1) }),
        "metadata" => {
            if !args.positional.is_empty() || !args.jwks.is_empty() || args.now.is_some() || args.body.is_some() || args.content_type.is_some() {
                return Err(Usage("metadata takes only --config FILE".into()));
            }
            println!("{}", load_policy(&args)?.metadata.to_json());
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => Err(Usage(String::new())),
        other => Err(Usage(format!("unknown command {other:?}"))),
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(Usage(message)) => {
            let mut err = std::io::stderr().lock();
            if message.is_empty() {
                let _ = writeln!(err, "{USAGE}");
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(err, "mcp-edge-auth: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

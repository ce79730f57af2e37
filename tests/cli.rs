//! The `mcp-edge-auth` binary end to end: every token vector through the CLI
//! (so the CLI and the library agree case by case), then the interface itself:
//! exit codes, standard input, `--`, several issuers, usage and config errors.
#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcp-edge-auth"))
}

/// Runs the binary from the repository root, as the docs' commands are.
fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child =
        bin().current_dir(env!("CARGO_MANIFEST_DIR")).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// A fresh scratch directory under the target dir (removed by `cargo clean`).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

fn demo(name: &str) -> String {
    format!("{}/examples/demo/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_token_vector_gives_the_same_decision_through_the_cli() {
    let dir = scratch("cli-vectors");
    let mut n = 0;
    // The token vector files (gateway/ holds the gateway's own refusals, which the CLI does not make).
    let paths = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")).unwrap().map(|e| e.unwrap().path());
    for path in paths.filter(|p| p.extension().is_some_and(|x| x == "json")) {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for case in file["cases"].as_array().unwrap() {
            n += 1;
            let config = write(&dir, "config.json", file["configs"][case["config"].as_str().unwrap()].to_string());
            let mut args = vec!["verify".to_owned(), "--config".into(), config, "--now".into(), case["now"].to_string()];
            for (issuer, jwks) in file["keySets"][case["keySets"].as_str().unwrap()].as_object().unwrap() {
                let path = write(&dir, &format!("jwks-{}.json", args.len()), jwks.to_string());
                args.extend(["--jwks".into(), format!("{issuer}={path}")]);
            }
            if let Some(body) = case.get("body").and_then(Value::as_str) {
                args.extend(["--body".into(), write(&dir, "body.json", body)]);
            }
            // An HTTP body: its Content-Type and Content-Encoding (absent: an empty value).
            if let Some(content_type) = case.get("contentType") {
                args.extend(["--content-type".into(), content_type.as_str().unwrap_or("").to_owned()]);
                args.extend(["--content-encoding".into(), case["contentEncoding"].as_str().unwrap_or("").to_owned()]);
            }
            let token = case["authorization"].as_str().unwrap_or("");
            // Alternate between the argument and standard input (with a trailing CRLF).
            let stdin = if n % 2 == 0 {
                args.extend(["--".into(), "-".into()]);
                Some(format!("{token}\r\n"))
            } else {
                args.push(token.to_owned());
                None
            };
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run(&argv, stdin.as_deref().map(str::as_bytes));
            let got = json(&out);
            let want = &case["expect"];
            let name = case["name"].as_str().unwrap();
            assert_eq!(got["ok"], want["ok"], "{name}: {got}");
            assert_eq!(out.status.code(), Some(if want["ok"] == true { 0 } else { 1 }), "{name}");
            if want["ok"] == false {
                assert_eq!((&got["status"], &got["code"], got.get("error")), (&want["status"], &want["code"], want.get("error")), "{name}");
                assert!(got["wwwAuthenticate"].as_str().unwrap().starts_with("Bearer"), "{name}");
                assert!(got["description"].is_string());
            } else {
                assert_eq!(got["authInfo"]["scopes"], want["scopes"], "{name}");
            }
        }
    }
    assert!(n > 200, "only {n} cases");
}

#[test]
fn documented_outputs_for_the_demo() {
    let vet = std::fs::read(demo("vet-staff.token")).unwrap();
    let bob = std::fs::read(demo("bob.token")).unwrap();
    let base = ["verify", "--config", &demo("config.json"), "--jwks", &demo("jwks.json")];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }

    let out = run(&with(&base, &["--body", &demo("update_pet_profile.json"), "-"]), Some(&vet));
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["ok", "authInfo"]);
    let info = &v["authInfo"];
    assert_eq!(info["clientId"], "vetassist-demo-client");
    assert_eq!(info["subject"], "dr-alice");
    assert_eq!(info["expiresAt"], 4_102_444_800u64);
    assert_eq!(info["resource"], "https://vetassist.example/mcp");
    assert_eq!(info["token"], String::from_utf8(vet.clone()).unwrap().trim_end());

    let out = run(&with(&base, &["--body", &demo("update_pet_profile.json"), "-"]), Some(&bob));
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["ok", "status", "error", "code", "description", "wwwAuthenticate"]);
    assert_eq!((v["status"].as_u64(), v["error"].as_str(), v["code"].as_str()), (Some(403), Some("insufficient_scope"), Some("ERR_INSUFFICIENT_SCOPE")));
    // What the call needs, then what Bob already holds (challengeScopes "neededAndGranted").
    assert!(v["wwwAuthenticate"].as_str().unwrap().contains(r#"scope="mcp:access pet-profile:write pet-profile:read""#));

    // exp is 4102444800; the default leeway is 60 s.
    let out = run(&with(&base, &["--now", "4102444859", "-"]), Some(&bob));
    assert_eq!(out.status.code(), Some(0));
    let out = run(&with(&base, &["--now", "4102444860", "-"]), Some(&bob));
    assert_eq!((out.status.code(), json(&out)["code"].as_str()), (Some(1), Some("ERR_JWT_EXPIRED")));

    // The Authorization header form, as an argument after `--`.
    let header = format!("Bearer {}", String::from_utf8(bob).unwrap().trim_end());
    let out = run(&with(&base, &["--", &header]), None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // No token: 401 without an error member.
    let out = run(&with(&base, &[""]), None);
    let v = json(&out);
    assert_eq!((out.status.code(), v["status"].as_u64(), v.get("error")), (Some(1), Some(401), None));
}

#[test]
fn standard_input_loses_exactly_one_line_ending() {
    let token = std::fs::read_to_string(demo("bob.token")).unwrap();
    let token = token.trim_end();
    let args = ["verify", "--config", &demo("config.json"), "--jwks", &demo("jwks.json"), "-"];
    for (input, ok) in [
        (token.to_owned(), true),
        (format!("{token}\n"), true),
        (format!("{token}\r\n"), true),
        (format!("{token}\n\n"), false),
        (format!("{token} \n"), true),
        (format!(" {token}"), true),
        (format!("{token}\t"), true),
    ] {
        let out = run(&args, Some(input.as_bytes()));
        let v = json(&out);
        // A stray second newline is not stripped: the token is then malformed.
        assert_eq!(v["ok"] == true, ok, "{input:?}: {v}");
        if !ok {
            assert_eq!(v["code"], "ERR_BEARER_MALFORMED");
        }
    }
    let out = run(&args, Some(b"\xff\xfe"));
    assert_eq!(json(&out)["code"], "ERR_BEARER_MALFORMED");
}

#[test]
fn usage_and_config_errors_exit_2_naming_the_problem() {
    let dir = scratch("cli-errors");
    let bad_alg = write(&dir, "bad-alg.json", r#"{"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example","algorithms":["HS256"]}]}"#);
    let no_resource = write(&dir, "no-resource.json", r#"{"issuers":[{"issuer":"https://a.example"}]}"#);
    let unknown = write(&dir, "unknown.json", r#"{"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"}],"audience":"x"}"#);
    let two = write(&dir, "two.json", r#"{"resource":"https://m.example/mcp","issuers":[{"issuer":"https://a.example"},{"issuer":"https://b.example"}]}"#);
    let not_jwks = write(&dir, "not-jwks.json", "[]");
    let jwks = demo("jwks.json");
    let config = demo("config.json");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["verify", "--config", &bad_alg, "--jwks", &jwks, "t"], "issuers[0].algorithms[0]"),
        (vec!["verify", "--config", &no_resource, "--jwks", &jwks, "t"], "`resource`"),
        (vec!["verify", "--config", &unknown, "--jwks", &jwks, "t"], "unknown field `audience`"),
        (vec!["verify", "--config", &two, "--jwks", &jwks, "t"], "--jwks ISSUER=FILE"),
        (vec!["verify", "--config", &config, "--jwks", &not_jwks, "t"], "not a JSON object"),
        (vec!["verify", "--config", &config, "t"], "--jwks is required"),
        (vec!["verify", "--config", &config, "--jwks", &jwks, "--now", "soon", "t"], "--now soon"),
        (vec!["verify", "--config", &config, "--jwks", &jwks], "exactly one"),
        (vec!["verify", "--config", &config, "--jwks", &jwks, "a", "b"], "exactly one"),
        (vec!["verify", "--config", "/nonexistent/config.json", "--jwks", &jwks, "t"], "cannot read config"),
        (vec!["verify", "--frobnicate"], "unknown option --frobnicate"),
        (vec!["verify", "--config"], "--config needs a value"),
        (vec!["launch"], "unknown command"),
        (vec![], "missing command"),
        (vec!["metadata", "--config", &config, "extra"], "metadata takes only"),
    ];
    for (args, needle) in cases {
        let out = run(&args, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        assert!(stderr.contains(needle), "{args:?}: stderr {stderr:?} lacks {needle:?}");
    }
}

#[test]
fn several_issuers_take_issuer_equals_file() {
    let dir = scratch("cli-issuers");
    let config: Value = serde_json::from_str(&std::fs::read_to_string(demo("config.json")).unwrap()).unwrap();
    let mut config = config;
    config["issuers"].as_array_mut().unwrap().push(serde_json::json!({"issuer": "https://b.example"}));
    let path = write(&dir, "config.json", config.to_string());
    let bob = std::fs::read(demo("bob.token")).unwrap();
    let out = run(&["verify", "--config", &path, "--jwks", &format!("https://auth.vetassist.example={}", demo("jwks.json")), "-"], Some(&bob));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no key set for issuer https://b.example"));
}

#[test]
fn skipped_keys_are_reported_and_the_rest_used() {
    let dir = scratch("cli-skipped");
    let mut jwks: Value = serde_json::from_str(&std::fs::read_to_string(demo("jwks.json")).unwrap()).unwrap();
    jwks["keys"].as_array_mut().unwrap().push(serde_json::json!({"kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB"}));
    let path = write(&dir, "jwks.json", jwks.to_string());
    let bob = std::fs::read(demo("bob.token")).unwrap();
    let out = run(&["verify", "--config", &demo("config.json"), "--jwks", &path, "-"], Some(&bob));
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped key tiny: RSA modulus is shorter than 2048 bits"));
}

#[test]
fn metadata_prints_the_rfc9728_document() {
    let out = run(&["metadata", "--config", &demo("config.json")], None);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["resource"], "https://vetassist.example/mcp");
    assert_eq!(v["authorization_servers"], serde_json::json!(["https://auth.vetassist.example"]));
    assert_eq!(v["bearer_methods_supported"], serde_json::json!(["header"]));
}

/// The `mcp-edge-auth` command lines of the README's and docs/cli.md's ```sh
/// blocks (continuation lines joined), as words, with `< FILE` split off.
fn documented_commands(page: &str) -> Vec<(Vec<String>, Option<String>)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(page)).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in text.replace("\\\n", " ").lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            command if in_sh && command.starts_with("target/release/mcp-edge-auth ") => {
                let (command, stdin) = match command.split_once(" < ") {
                    Some((command, file)) => (command, Some(file.trim().to_owned())),
                    None => (command, None),
                };
                commands.push((command.split_whitespace().skip(1).map(str::to_owned).collect(), stdin));
            }
            _ => {}
        }
    }
    commands
}

/// The lines of docs/cli.md's ```json output block, `…` standing for anything.
fn documented_output() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md")).unwrap();
    let start = text.find("```json output\n").expect("docs/cli.md shows verify's output") + "```json output\n".len();
    text[start..start + text[start..].find("```").unwrap()].lines().map(str::to_owned).collect()
}

/// `documented` with each `…` matching any text (and nothing else differing).
fn matches_documented(documented: &str, actual: &str) -> bool {
    let mut parts = documented.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        let Some(at) = rest.find(part) else { return false };
        rest = &rest[at + part.len()..];
    }
    rest.is_empty()
}

#[test]
fn the_commands_the_docs_show_print_what_the_docs_say() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = documented_output();
    assert_eq!(output.len(), 2, "docs/cli.md: the accepted line, then the refused one");
    let mut ran = 0;
    for page in ["README.md", "docs/cli.md"] {
        for (args, stdin) in documented_commands(page) {
            let input = stdin.map(|file| std::fs::read(Path::new(root).join(file)).unwrap());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run(&args, input.as_deref());
            let stdout = String::from_utf8(out.stdout).unwrap();
            match args[0] {
                // The documented call: Bob's token with update_pet_profile, refused as the page shows.
                "verify" => {
                    assert_eq!(out.status.code(), Some(1), "{page}: {args:?}");
                    assert_eq!(stdout.trim_end(), output[1], "{page}: {args:?}");
                    // And the first documented line: the same token without the body.
                    let without_body: Vec<&str> = args.iter().copied().filter(|a| !a.ends_with("update_pet_profile.json") && *a != "--body").collect();
                    let accepted = run(&without_body, input.as_deref());
                    assert_eq!(accepted.status.code(), Some(0));
                    let accepted = String::from_utf8(accepted.stdout).unwrap();
                    assert!(matches_documented(&output[0], accepted.trim_end()), "docs/cli.md's first line:\n{}\nthe CLI:\n{accepted}", output[0]);
                }
                "metadata" => {
                    assert_eq!(out.status.code(), Some(0), "{page}: {args:?}");
                    let document: Value = serde_json::from_str(&stdout).unwrap();
                    assert_eq!(document["resource"], "https://vetassist.example/mcp");
                }
                other => panic!("{page}: a documented subcommand this test does not run: {other}"),
            }
            ran += 1;
        }
    }
    assert_eq!(ran, 3, "the README's verify, docs/cli.md's verify and metadata");
    assert!(matches_documented("a…c…e", "abcde") && !matches_documented("a…c", "abd") && matches_documented("x", "x"));
}

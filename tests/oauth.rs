//! OAuth with an external identity provider, end to end: the certified OpenID provider
//! `oidc-provider` (npm, `tests/mcp/oidc_provider.mjs`) issues JWT access tokens for this
//! server's resource URL; the real `invoicer serve --oauth-issuer …` publishes its
//! protected-resource metadata, challenges clients without a token, and checks each token's
//! signature (the provider's JWKS), issuer, audience, expiry and scope. The official Python
//! MCP SDK works with a read-scoped token over streamable HTTP and SSE and is refused a write.
//! The static token keeps working beside OAuth.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::mcp::TestServer;
use crate::util::{
    TestDb, draft, form_encode, http_exchange, http_get, http_post_json, http_request,
    node_packages, python_json,
};

const STATIC_TOKEN: &str = "oauth-test-static-token-0123456789";
/// The resource URL tokens are requested for: the server's public URL + `/mcp`.
const PUBLIC_URL: &str = "http://invoicer.test";
const RESOURCE: &str = "http://invoicer.test/mcp";

/// `oidc-provider` on a free port; killed when dropped.
struct OpenIdProvider {
    child: Child,
    issuer: String,
}

impl OpenIdProvider {
    fn start() -> OpenIdProvider {
        OpenIdProvider::start_on(0)
    }

    /// On `port` (0: any free one); each start signs with a new key.
    fn start_on(port: u16) -> OpenIdProvider {
        let dir = node_packages();
        let script = dir.join(format!("oidc-provider-{}.mjs", std::process::id()));
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/oidc_provider.mjs"),
            &script,
        )
        .expect("copy the provider script");
        let mut child = Command::new("node")
            .arg(&script)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (Node.js) must be installed for the OAuth tests");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the provider's first line");
        let issuer = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the provider did not start: {line}"))
            .to_string();
        OpenIdProvider { child, issuer }
    }

    /// A JWT access token for `resource` with `scope`, by the client_credentials grant.
    fn token(&self, resource: &str, scope: &str) -> String {
        let basic = base64::engine::general_purpose::STANDARD
            .encode("invoicer-tests:test-secret-0123456789");
        let body = format!(
            "grant_type=client_credentials&resource={}&scope={}",
            form_encode(resource),
            form_encode(scope)
        );
        let (status, answer) = http_request(
            "POST",
            &format!("{}/token", self.issuer),
            &[
                ("Authorization", &format!("Basic {basic}")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        );
        assert_eq!(status, 200, "token request: {answer}");
        let answer: Value = serde_json::from_str(&answer).expect("token JSON");
        answer["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &TestDb, provider: &OpenIdProvider, env: &[(&str, &str)]) -> TestServer {
    let mut all = vec![("INVOICER_TOKEN", STATIC_TOKEN)];
    all.extend_from_slice(env);
    TestServer::start(
        &db.path,
        &[
            "--oauth-issuer",
            &provider.issuer,
            "--public-url",
            PUBLIC_URL,
        ],
        &all,
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `POST /tools/{tool}` with `token`: status and JSON body.
fn tool(server: &TestServer, token: &str, name: &str, arguments: Value) -> (u16, Value) {
    let (status, body) = http_post_json(
        &format!("{}/tools/{name}", server.url),
        &[("Authorization", &bearer(token))],
        &arguments.to_string(),
    );
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, body)
}

/// `POST {url}` of an MCP ping with `headers`: the status and the response head, lower-case.
fn head_of(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut all = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
    ];
    all.extend_from_slice(headers);
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let (status, head, _) = http_exchange("POST", url, &all, ping);
    (status, head.to_ascii_lowercase())
}

#[test]
fn tokens_of_an_external_identity_provider_are_checked_and_scoped() {
    let db = TestDb::new();
    let engine = db.engine();
    let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    drop(engine);
    let provider = OpenIdProvider::start();
    let server = serve(&db, &provider, &[]);

    // The protected-resource metadata names the provider (RFC 9728).
    let (status, body) = http_get(
        &format!("{}/.well-known/oauth-protected-resource/mcp", server.url),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let metadata: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(metadata["resource"], RESOURCE);
    assert_eq!(metadata["authorization_servers"], json!([provider.issuer]));
    assert_eq!(
        metadata["scopes_supported"],
        json!(["invoices:read", "invoices:write"])
    );

    // No token: 401 pointing at the metadata.
    let (status, head) = head_of(&format!("{}/mcp", server.url), &[]);
    assert_eq!(status, 401);
    assert!(
        head.contains(r#"www-authenticate: bearer resource_metadata="http://invoicer.test/.well-known/oauth-protected-resource/mcp""#),
        "{head}"
    );

    // A token with both scopes may write; the static token still works.
    let writer = provider.token(RESOURCE, "invoices:read invoices:write");
    let (status, created) = tool(
        &server,
        &writer,
        "create_invoice_draft",
        json!(draft_json()),
    );
    assert_eq!(status, 200, "{created}");
    let (status, _) = tool(&server, STATIC_TOKEN, "list_invoices", json!({}));
    assert_eq!(status, 200);

    // A read token reads, sees only the reading tools, and is refused a write.
    let reader = provider.token(RESOURCE, "invoices:read");
    let (status, listed) = tool(&server, &reader, "list_invoices", json!({}));
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let (status, refused) = tool(
        &server,
        &reader,
        "create_invoice_draft",
        json!(draft_json()),
    );
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["code"], "READ_ONLY");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("invoices:write"),
        "{refused}"
    );
    let names = |token: &str| -> Vec<String> {
        let (status, body) = http_get(
            &format!("{}/tools", server.url),
            &[("Authorization", &bearer(token))],
        );
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        let mut names: Vec<String> = body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let all_tools = names(&writer);
    let read_tools = names(&reader);
    assert!(read_tools.len() < all_tools.len());
    assert!(read_tools.iter().all(|t| all_tools.contains(t)));
    assert!(read_tools.contains(&"render_invoice_pdf".to_string()));
    assert!(!read_tools.contains(&"finalize_invoice".to_string()));

    // The official Python SDK with the read token, over streamable HTTP and SSE.
    let out = python_json(
        "tests/mcp/client.py",
        &["oauth-scopes", "--url", &server.url, "--token", &reader],
    );
    for transport in ["http", "sse"] {
        let seen: Vec<String> = serde_json::from_value(out[transport]["tools"].clone()).unwrap();
        assert_eq!(seen, read_tools, "{transport}");
        assert_eq!(out[transport]["write"]["code"], "READ_ONLY", "{out}");
    }

    // Refused: a token for another resource, a token with neither scope, a forged one.
    let elsewhere = provider.token("http://other.test/mcp", "invoices:read invoices:write");
    let (status, head) = head_of(
        &format!("{}/mcp", server.url),
        &[("Authorization", &bearer(&elsewhere))],
    );
    assert_eq!(status, 401);
    assert!(
        head.contains(r#"error="invalid_token""#)
            && head.contains("its audience must be http://invoicer.test/mcp"),
        "{head}"
    );
    let unscoped = provider.token(RESOURCE, "");
    let (status, head) = head_of(
        &format!("{}/mcp", server.url),
        &[("Authorization", &bearer(&unscoped))],
    );
    assert_eq!(status, 403, "{head}");
    assert!(head.contains(r#"error="insufficient_scope""#), "{head}");
    let mut parts: Vec<String> = reader.split('.').map(String::from).collect();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&parts[1])
        .unwrap();
    let forged = String::from_utf8(payload)
        .unwrap()
        .replace("invoices:read", "invoices:write");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged);
    let (status, body) = tool(&server, &parts.join("."), "list_invoices", json!({}));
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("signature"),
        "{body}"
    );
    // Another header on the reader's token: a symmetric or no algorithm, an unknown key id.
    let encode = |header: &Value| {
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string());
        let mut token: Vec<&str> = reader.split('.').collect();
        token[0] = &header;
        token.join(".")
    };
    for (header, says) in [
        (json!({"alg": "HS256", "typ": "JWT"}), "not accepted"),
        (json!({"alg": "none"}), "not a JWT access token"),
        (
            json!({"alg": "RS256", "kid": "no-such-key"}),
            "no key 'no-such-key'",
        ),
    ] {
        let (status, body) = tool(&server, &encode(&header), "list_invoices", json!({}));
        assert_eq!(status, 401, "{header}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{header}: {body}"
        );
    }
    drop(server);

    // Expired: the same token (valid 5 minutes) on a server whose clock is two days on.
    let later_now = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let later = serve(&db, &provider, &[("INVOICER_NOW", &later_now)]);
    let (status, body) = tool(&later, &reader, "list_invoices", json!({}));
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("expired at"),
        "{body}"
    );
}

#[test]
fn a_rotated_provider_key_is_fetched_without_a_restart() {
    let db = TestDb::new();
    db.engine();
    let first = OpenIdProvider::start();
    let port: u16 = first.issuer.rsplit(':').next().unwrap().parse().unwrap();
    let server = serve(&db, &first, &[]);
    let old_token = first.token(RESOURCE, "invoices:read");
    assert_eq!(tool(&server, &old_token, "list_invoices", json!({})).0, 200);
    // The provider comes back on the same address with a new signing key.
    drop(first);
    let second = OpenIdProvider::start_on(port);
    let new_token = second.token(RESOURCE, "invoices:read");
    // Keys are fetched again for an unknown key id at most every 10 s.
    std::thread::sleep(std::time::Duration::from_secs(11));
    let (status, body) = tool(&server, &new_token, "list_invoices", json!({}));
    assert_eq!(status, 200, "{body}");
    // Tokens of the old key no longer verify.
    let (status, body) = tool(&server, &old_token, "list_invoices", json!({}));
    assert_eq!(status, 401, "{body}");
    assert!(body["error"].as_str().unwrap().contains("no key"), "{body}");
}

#[test]
fn oauth_needs_the_public_url_and_is_not_advertised_without_it() {
    let db = TestDb::new();
    db.engine();
    let out = db.cli(&[
        "serve",
        "--port",
        "0",
        "--oauth-issuer",
        "http://127.0.0.1:9/",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("public_url") && stderr.contains("--public-url"),
        "{stderr}"
    );
    // Without OAuth the well-known documents are 404, so clients keep their static headers.
    let server = TestServer::start(&db.path, &[], &[]);
    let (status, _) = http_get(
        &format!("{}/.well-known/oauth-protected-resource/mcp", server.url),
        &[],
    );
    assert_eq!(status, 404);
}

fn draft_json() -> Value {
    crate::util::draft_json("50.00")
}

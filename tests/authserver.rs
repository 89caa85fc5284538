//! The built-in OAuth authorization server end to end (`invoicer serve --oauth-builtin`): the
//! official Python MCP SDK's OAuth client discovers it from the 401, registers itself, runs
//! PKCE, gets through the consent page (answered over HTTP with the owner password set by
//! `invoicer owner set-password`) and calls tools with its token; a read scope only reads.
//! Refresh tokens rotate and a replayed one revokes its authorization; revocation works; and
//! the negative cases are refused: a foreign redirect URI, no PKCE, a wrong verifier, a code
//! used twice, a wrong password (and a lock after five), a forged form, another resource.

use std::process::Stdio;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest;

use crate::mcp::TestServer;
use crate::util::{TestDb, draft, form_encode, http_exchange, http_get, http_request, python_json};

const PASSWORD: &str = "correct horse battery staple";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A database with an owner password and one finalized invoice, served with the built-in
/// authorization server at its real address (the issuer).
fn serve() -> (TestDb, TestServer) {
    let db = TestDb::new();
    let engine = db.engine();
    let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    drop(engine);
    let set = db.cli_with_stdin(&["owner", "set-password"], &format!("{PASSWORD}\n"));
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let port = free_port().to_string();
    let mut command = crate::util::command();
    command
        .arg("--db")
        .arg(&db.path)
        .args(["serve", "--port", &port, "--oauth-builtin"])
        .args(["--public-url", &format!("http://127.0.0.1:{port}")])
        .env("INVOICER_TOKEN", "authserver-static-token-0123456789")
        .env_remove("INVOICER_READ_ONLY")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    (db, TestServer::spawn(command))
}

fn form(server: &TestServer, path: &str, pairs: &[(&str, &str)]) -> (u16, String, String) {
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    http_exchange(
        "POST",
        &format!("{}{path}", server.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    )
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The `Location` header of a response head.
fn location(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            l.get(..10)
                .filter(|name| name.eq_ignore_ascii_case("location: "))
                .map(|_| &l[10..])
        })
        .unwrap_or_else(|| panic!("no location: {head}"))
        .to_string()
}

/// The status of `list_invoices` called with `token`.
fn list_with(server: &TestServer, token: &str) -> u16 {
    http_request(
        "POST",
        &format!("{}/tools/list_invoices", server.url),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/json"),
        ],
        "{}",
    )
    .0
}

/// A query parameter of a URL.
fn param(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The hidden fields of the consent page.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    page.split(r#"<input type="hidden" name=""#)
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once(r#"" value=""#)?;
            let value = rest.split_once('"')?.0.replace("&amp;", "&");
            Some((name.to_string(), value))
        })
        .collect()
}

const REDIRECT: &str = "http://127.0.0.1:53682/callback";
const VERIFIER: &str = "a-verifier-of-more-than-forty-three-characters-0123456789";

fn challenge() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(VERIFIER))
}

/// The consent page for `client_id` (PKCE with [`VERIFIER`]) and its hidden fields.
fn consent(server: &TestServer, client_id: &str, state: &str) -> (String, Vec<(String, String)>) {
    let (status, page) = http_get(
        &format!(
            "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256&state={state}",
            server.url,
            form_encode(REDIRECT),
            challenge()
        ),
        &[],
    );
    assert_eq!(status, 200, "{page}");
    let fields = hidden_fields(&page);
    (page, fields)
}

/// Post the consent `fields` with one more `(name, value)`: status, head and body.
fn answer(
    server: &TestServer,
    fields: &[(String, String)],
    extra: (&str, &str),
) -> (u16, String, String) {
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(extra);
    form(server, "/oauth/authorize", &pairs)
}

/// Exchange `code` of `client_id` (PKCE with [`VERIFIER`]): status and body.
fn exchange_code(server: &TestServer, client_id: &str, code: &str) -> (u16, String) {
    let (status, _, body) = form(
        server,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id),
            ("code_verifier", VERIFIER),
        ],
    );
    (status, body)
}

/// Register a client and consent with the password: the client id and a code.
fn client_and_code(server: &TestServer) -> (String, String) {
    let (status, registered) = crate::util::http_post_json(
        &format!("{}/oauth/register", server.url),
        &[],
        &json!({"redirect_uris": [REDIRECT], "client_name": "Test client"}).to_string(),
    );
    assert_eq!(status, 201, "{registered}");
    let client_id = json_of(&registered)["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (page, fields) = consent(server, &client_id, "xyz");
    assert!(page.contains("Test client"), "{page}");
    let (status, head, body) = answer(server, &fields, ("password", PASSWORD));
    assert_eq!(status, 303, "{body}");
    let back = location(&head);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(param(&back, "state").as_deref(), Some("xyz"));
    (client_id, param(&back, "code").unwrap())
}

#[test]
fn the_python_sdk_connects_through_the_built_in_authorization_server() {
    let (db, server) = serve();
    let (status, body) = http_get(
        &format!("{}/.well-known/oauth-authorization-server", server.url),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let metadata = json_of(&body);
    assert_eq!(metadata["issuer"], server.url);
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );

    let out = python_json(
        "tests/mcp/client.py",
        &[
            "oauth-builtin",
            "--url",
            &server.url,
            "--password",
            PASSWORD,
        ],
    );
    assert_eq!(out["wrong_password"], json!([401, true]), "{out}");
    assert_eq!(out["forged_form"], 403, "{out}");
    assert_eq!(out["created"], "draft", "{out}");
    assert_eq!(out["scope"], "invoices:read invoices:write");
    assert!(out["tools"].as_array().unwrap().len() >= 20, "{out}");

    // Refresh tokens rotate; the old one used again revokes the whole authorization.
    let client_id = out["client_id"].as_str().unwrap();
    let old = out["refresh_token"].as_str().unwrap();
    let (status, _, body) = form(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", old),
            ("client_id", client_id),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let fresh = json_of(&body);
    let access = fresh["access_token"].as_str().unwrap().to_string();
    assert_eq!(list_with(&server, &access), 200);
    let (status, _, body) = form(
        &server,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", old),
            ("client_id", client_id),
        ],
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("invalid_grant") && body.contains("already used"),
        "{body}"
    );
    let (status, body) = http_request(
        "POST",
        &format!("{}/tools/list_invoices", server.url),
        &[
            ("Authorization", &format!("Bearer {access}")),
            ("Content-Type", "application/json"),
        ],
        "{}",
    );
    assert_eq!(status, 401, "the replay revoked the new tokens too: {body}");
    assert!(body.contains("revoked"), "{body}");

    // The consent, the tokens and the replay are in the access trail.
    let trail = crate::util::json_out(&db.cli(&["owner", "access-log"]));
    let kinds: Vec<&str> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "oauth_refresh_replayed",
        "oauth_tokens_issued",
        "oauth_consent",
        "owner_password_set",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {trail}");
    }
    let consent = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "oauth_consent")
        .unwrap();
    assert_eq!(consent["source"], "http");
    assert!(consent["detail"]["client_id"].is_string(), "{consent}");

    // A read scope only reads.
    let out = python_json(
        "tests/mcp/client.py",
        &[
            "oauth-builtin",
            "--url",
            &server.url,
            "--password",
            PASSWORD,
            "--scope",
            "invoices:read",
        ],
    );
    assert_eq!(out["write"], "READ_ONLY", "{out}");
    assert!(
        !out["tools"]
            .as_array()
            .unwrap()
            .contains(&json!("finalize_invoice"))
    );

    // Revocation (RFC 7009).
    let access = out["access_token"].as_str().unwrap();
    assert_eq!(list_with(&server, access), 200);
    let (status, _, _) = form(&server, "/oauth/revoke", &[("token", access)]);
    assert_eq!(status, 200);
    assert_eq!(list_with(&server, access), 401);
}

#[test]
fn the_authorization_server_refuses_what_oauth_2_1_forbids() {
    let (db, server) = serve();
    // Registration: only https or loopback redirect URIs, only public clients.
    for (metadata, error) in [
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://x.example/cb#f"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_basic"}),
            "invalid_client_metadata",
        ),
    ] {
        let (status, body) = crate::util::http_post_json(
            &format!("{}/oauth/register", server.url),
            &[],
            &metadata.to_string(),
        );
        assert_eq!(status, 400, "{metadata}: {body}");
        assert_eq!(json_of(&body)["error"], error, "{metadata}");
    }

    // Only JSON: a page elsewhere cannot make a browser register without a preflight.
    let (status, body) = http_request(
        "POST",
        &format!("{}/oauth/register", server.url),
        &[("Content-Type", "text/plain")],
        &json!({"redirect_uris": [REDIRECT]}).to_string(),
    );
    assert_eq!(status, 400, "{body}");

    let (client_id, code) = client_and_code(&server);
    // A redirect URI the client did not register: a page, never a redirect.
    let (status, head, body) = http_exchange(
        "GET",
        &format!(
            "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
            server.url,
            form_encode("http://127.0.0.1:9/elsewhere"),
            challenge()
        ),
        &[],
        "",
    );
    assert_eq!(status, 400, "{body}");
    assert!(!head.to_ascii_lowercase().contains("location:"), "{head}");
    // No PKCE: a page saying so, with a link back to the client carrying invalid_request
    // (every client registered itself, so none gets an automatic redirect).
    let (status, head, page) = http_exchange(
        "GET",
        &format!(
            "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&state=s1",
            server.url,
            form_encode(REDIRECT)
        ),
        &[],
        "",
    );
    assert_eq!(status, 400, "{page}");
    assert!(!head.to_ascii_lowercase().contains("location:"), "{head}");
    assert!(
        page.contains("code_challenge is required")
            && page.contains("error=invalid_request")
            && page.contains("state=s1"),
        "{page}"
    );
    // The owner may deny: back to the client with access_denied.
    let (_, fields) = consent(&server, &client_id, "s2");
    let (status, head, _) = answer(&server, &fields, ("access", "deny"));
    assert_eq!(status, 303);
    let back = location(&head);
    assert_eq!(
        param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    // A loopback redirect URI may come back on another port (RFC 8252).
    let (status, _) = http_get(
        &format!(
            "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
            server.url,
            form_encode("http://127.0.0.1:40001/callback"),
            challenge()
        ),
        &[],
    );
    assert_eq!(status, 200);

    // The token endpoint: another resource, a wrong verifier, then the code used twice.
    let exchange = |verifier: &str, resource: Option<&str>| {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id.as_str()),
            ("code_verifier", verifier),
        ];
        if let Some(resource) = resource {
            pairs.push(("resource", resource));
        }
        let (status, _, body) = form(&server, "/oauth/token", &pairs);
        (status, json_of(&body))
    };
    let (status, body) = exchange(VERIFIER, Some("http://other.example/mcp"));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target")),
        "{body}"
    );
    let (status, body) = exchange(
        "a-wrong-verifier-of-more-than-forty-three-characters-xx",
        None,
    );
    assert_eq!(status, 400);
    assert!(
        body["error_description"].as_str().unwrap().contains("PKCE"),
        "{body}"
    );
    let (status, body) = exchange(VERIFIER, None);
    assert_eq!(
        status, 400,
        "a code works once, even after a failed try: {body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{body}"
    );

    // A fresh code gives tokens; the static token keeps working beside them.
    let (client_id, code) = client_and_code(&server);
    let (status, body) = exchange_code(&server, &client_id, &code);
    assert_eq!(status, 200, "{body}");
    let tokens = json_of(&body);
    assert_eq!(tokens["token_type"], "Bearer");
    // The owner ends every authorization from the command line, while the server runs.
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(list_with(&server, access), 200);
    let revoked = crate::util::json_out(&db.cli(&["owner", "revoke-all"]));
    assert!(revoked["revoked"].as_u64().unwrap() >= 1, "{revoked}");
    assert_eq!(list_with(&server, access), 401);
    let (status, _) = http_request(
        "POST",
        &format!("{}/tools/list_invoices", server.url),
        &[
            ("Authorization", "Bearer authserver-static-token-0123456789"),
            ("Content-Type", "application/json"),
        ],
        "{}",
    );
    assert_eq!(status, 200);

    // Five wrong passwords lock the consent page.
    let (_, fields) = consent(&server, &client_id, "s3");
    for _ in 0..5 {
        assert_eq!(
            answer(&server, &fields, ("password", "wrong wrong wrong")).0,
            401
        );
    }
    let (status, _, body) = answer(&server, &fields, ("password", PASSWORD));
    assert_eq!(status, 429, "{body}");
}

#[test]
fn the_built_in_server_needs_an_owner_password_and_a_public_url() {
    let db = TestDb::new();
    db.engine();
    let out = db.cli(&["serve", "--port", "0", "--oauth-builtin"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--public-url"));
    let out = db.cli(&[
        "serve",
        "--port",
        "0",
        "--oauth-builtin",
        "--public-url",
        "http://127.0.0.1:9",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("owner set-password"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = db.cli(&[
        "serve",
        "--port",
        "0",
        "--oauth-builtin",
        "--public-url",
        "http://invoices.example.com",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be an https URL"));
    let short = db.cli_with_stdin(&["owner", "set-password"], "short\n");
    assert_ne!(short.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
}

/// The authorization request of `client_id` for [`REDIRECT`] with PKCE.
fn authorize_url(server: &TestServer, client_id: &str) -> String {
    format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
        server.url,
        form_encode(client_id),
        form_encode(REDIRECT),
        challenge()
    )
}

/// Documents by path, as [`document_server`] serves them.
type Documents = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// Serve JSON documents on a loopback port for as long as the test runs: its base URL, and
/// the documents by path (set after the URL is known).
fn document_server() -> (String, Documents) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let documents = Documents::default();
    let served = documents.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let n = stream.read(&mut request).unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..n]).to_string();
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let found = served
                .lock()
                .unwrap()
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, body)| body.clone());
            let answer = match found {
                Some(body) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string(),
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (base, documents)
}

#[test]
fn a_client_id_metadata_document_stands_in_for_registration() {
    let (db, server) = serve();
    let (_, metadata) = http_get(
        &format!("{}/.well-known/oauth-authorization-server", server.url),
        &[],
    );
    assert_eq!(
        json_of(&metadata)["client_id_metadata_document_supported"],
        true
    );
    let (base, documents) = document_server();
    let client_id = format!("{base}/oauth/client.json");
    let document = |id: &str, uris: &[&str]| {
        json!({
            "client_id": id, "client_name": "Document Client", "redirect_uris": uris,
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "none"
        })
        .to_string()
    };
    {
        let mut documents = documents.lock().unwrap();
        documents.push((
            "/oauth/client.json".into(),
            document(&client_id, &[REDIRECT]),
        ));
        documents.push((
            "/oauth/other.json".into(),
            document("https://claude.ai/oauth/client.json", &[REDIRECT]),
        ));
        documents.push((
            "/oauth/secret.json".into(),
            json!({"client_id": format!("{base}/oauth/secret.json"), "redirect_uris": [REDIRECT],
                   "token_endpoint_auth_method": "client_secret_basic"})
            .to_string(),
        ));
        documents.push((
            "/oauth/big.json".into(),
            json!({"client_id": format!("{base}/oauth/big.json"), "redirect_uris": [REDIRECT],
                   "client_name": "x".repeat(6000)})
            .to_string(),
        ));
    }

    // No registration: the consent page reads the document and names where it is published.
    let (page, fields) = consent(&server, &form_encode(&client_id), "cimd");
    assert!(page.contains("Document Client"), "{page}");
    assert!(
        page.contains("described by a document on <strong>127.0.0.1</strong>"),
        "{page}"
    );
    let (status, head, body) = answer(&server, &fields, ("password", PASSWORD));
    assert_eq!(status, 303, "{body}");
    let back = location(&head);
    assert_eq!(param(&back, "state").as_deref(), Some("cimd"));
    let code = param(&back, "code").unwrap();
    let (status, body) = exchange_code(&server, &client_id, &code);
    assert_eq!(status, 200, "{body}");
    let access = json_of(&body)["access_token"].as_str().unwrap().to_string();
    assert_eq!(list_with(&server, &access), 200);
    let trail = crate::util::json_out(&db.cli(&["owner", "access-log"]));
    assert!(
        trail["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "oauth_consent" && e["detail"]["client_id"] == client_id.as_str()),
        "{trail}"
    );

    // A redirect URI the document does not list is refused, and so are documents that name
    // another client, ask for a secret, are too large, or are missing.
    documents.lock().unwrap()[0].1 = document(&client_id, &["http://127.0.0.1:9/elsewhere"]);
    let (status, page) = http_get(&authorize_url(&server, &client_id), &[]);
    assert_eq!(status, 400);
    assert!(page.contains("did not register"), "{page}");
    for path in [
        "/oauth/other.json",
        "/oauth/secret.json",
        "/oauth/big.json",
        "/oauth/missing.json",
    ] {
        let (status, page) = http_get(&authorize_url(&server, &format!("{base}{path}")), &[]);
        assert_eq!(status, 400, "{path}");
        assert!(
            page.contains("metadata document could not be read"),
            "{path}: {page}"
        );
    }
    let log = server.log();
    assert!(log.contains("larger than 5 KiB"), "{log}");
    assert!(log.contains("not its own URL"), "{log}");
}

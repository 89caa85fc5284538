//! Signed download links end to end: the real server (`invoicer serve` with a token) hands out
//! download URLs in tool results that open without an `Authorization` header, are refused
//! when changed, after they expire (a second server on the same file, its clock 8 days on) and
//! once `invoicer links rotate-key` has replaced the key; the unsigned routes keep needing the
//! token.

use serde_json::{Value, json};

use crate::mcp::TestServer;
use crate::util::{TestDb, draft, http_get, http_post_json, json_out};

const TOKEN: &str = "links-test-token-0123456789abcdef";

fn call(server: &TestServer, tool: &str, arguments: Value) -> Value {
    let (status, body) = http_post_json(
        &format!("{}/tools/{tool}", server.url),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        &arguments.to_string(),
    );
    assert_eq!(status, 200, "{tool}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{tool}: {e}: {body}"))
}

fn token_env() -> [(&'static str, &'static str); 1] {
    [("INVOICER_TOKEN", TOKEN)]
}

#[test]
fn signed_links_open_without_a_token_until_they_expire_or_the_key_is_replaced() {
    let db = TestDb::new();
    let engine = db.engine();
    let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    drop(engine);

    let server = TestServer::start(&db.path, &[], &token_env());
    let pdf = call(&server, "render_invoice_pdf", json!({ "id": id }));
    let url = pdf["download_url"].as_str().unwrap().to_string();
    let prefix = format!("{}/invoices/{id}.pdf?expires=", server.url);
    assert!(url.starts_with(&prefix) && url.contains("&sig="), "{url}");
    // 7 days from the server's clock (util::NOW, 2026-11-30T10:00:00Z).
    assert!(url.contains("expires=1796637600&"), "{url}");

    // Opens in a browser: no Authorization header.
    let (status, body) = http_get(&url, &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("%PDF-"));

    // The unsigned route still needs the token.
    let plain = format!("{}/invoices/{id}.pdf", server.url);
    assert_eq!(http_get(&plain, &[]).0, 401);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(http_get(&plain, &[("Authorization", &bearer)]).0, 200);

    // A changed link is refused, saying why.
    let sig = url.split("&sig=").nth(1).unwrap();
    let expires = "1796637600";
    for changed in [
        format!(
            "{}/invoices/{}.pdf?expires={expires}&sig={sig}",
            server.url,
            id + 1
        ),
        format!(
            "{}/invoices/{id}.pdf?expires=1796637601&sig={sig}",
            server.url
        ),
        format!(
            "{}/invoices/{id}.pdf?profile=basic&expires={expires}&sig={sig}",
            server.url
        ),
        format!(
            "{}/invoices/{id}.facturx.pdf?expires={expires}&sig={sig}",
            server.url
        ),
        format!(
            "{}/invoices/{id}.pdf?expires={expires}&sig=AAAA{sig}",
            server.url
        ),
    ] {
        let (status, body) = http_get(&changed, &[]);
        assert_eq!(status, 403, "{changed}: {body}");
        assert!(body.contains("this download link is not valid"), "{body}");
    }
    let (status, body) = http_get(&format!("{}/invoices/{id}.pdf?sig={sig}", server.url), &[]);
    assert_eq!(status, 403);
    assert!(body.contains("`expires`"), "{body}");

    // An e-invoice link works the same way.
    let exported = call(
        &server,
        "export_einvoice",
        json!({ "id": id, "format": "facturx" }),
    );
    let facturx = exported["download_url"].as_str().unwrap().to_string();
    assert!(
        facturx.contains(&format!("/invoices/{id}.facturx.pdf?expires=")),
        "{facturx}"
    );
    let (status, body) = http_get(&facturx, &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("%PDF-"));
    drop(server);

    // Eight days later the link has expired.
    let later = TestServer::start(
        &db.path,
        &[],
        &[
            ("INVOICER_TOKEN", TOKEN),
            ("INVOICER_NOW", "2026-12-08T10:00:00Z"),
        ],
    );
    let moved = url.replace(&server_base(&url), &later.url);
    let (status, body) = http_get(&moved, &[]);
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("expired at 2026-12-07 10:00 UTC") && body.contains("168 hours"),
        "{body}"
    );
    drop(later);

    // Replacing the key (the CLI, while a server runs) revokes every link at once.
    let server = TestServer::start(&db.path, &[], &token_env());
    let fresh = call(&server, "render_invoice_pdf", json!({ "id": id }));
    let fresh = fresh["download_url"].as_str().unwrap().to_string();
    assert_eq!(http_get(&fresh, &[]).0, 200);
    let rotated = json_out(&db.cli(&["links", "rotate-key"]));
    assert_eq!(rotated["rotated"], true);
    let (status, body) = http_get(&fresh, &[]);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("rotate-key"), "{body}");
    let newest = call(&server, "render_invoice_pdf", json!({ "id": id }));
    assert_eq!(
        http_get(newest["download_url"].as_str().unwrap(), &[]).0,
        200
    );
}

#[test]
fn the_link_lifetime_is_configurable_within_its_limits() {
    let db = TestDb::new();
    let engine = db.engine();
    let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    drop(engine);
    let server = TestServer::start(&db.path, &["--link-ttl-hours", "1"], &token_env());
    let pdf = call(&server, "render_invoice_pdf", json!({ "id": id }));
    let url = pdf["download_url"].as_str().unwrap();
    // One hour after util::NOW.
    assert!(url.contains("expires=1796036400&"), "{url}");
    drop(server);
    for hours in ["0", "8785"] {
        let out = db.cli(&["serve", "--port", "0", "--link-ttl-hours", hours]);
        assert_ne!(out.status.code(), Some(0));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("link_ttl_hours") && stderr.contains("1 to 8784 hours"),
            "{stderr}"
        );
    }
}

/// `http://host:port` of a URL.
fn server_base(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    format!("http://{}", rest.split('/').next().unwrap())
}

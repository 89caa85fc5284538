//! The owner's web app (`/app`): in a real browser (headless Chromium driven by Selenium,
//! `tests/web/browse.py`) the owner signs in, finds an invoice, opens its PDF, records a
//! payment, is refused with a forged CSRF token and without a session, and reads the app in
//! German through a one-time sign-in link; screenshots of each page are kept under the target
//! directory (`tmp/web-screenshots`). Over plain HTTP: the cookie's attributes, the security
//! headers, the sign-in form token, the lockout, Host checks, and sessions ended by
//! `owner revoke-all`.

use serde_json::{Value, json};

use crate::mcp::TestServer;
use crate::util::{TestDb, form_encode, http_exchange, json_out, python_json, seller};
use invoicer::domain::audit::Source;
use invoicer::domain::lifecycle::Status;
use invoicer::domain::party::NewCustomer;
use invoicer::engine::DocumentKey;

const PASSWORD: &str = "correct horse battery staple";

/// Invoices in several months (one overdue, one draft) for two stored customers and one
/// buyer given inline; the numbers of two open invoices.
fn fill(db: &TestDb) -> (String, String) {
    let engine = db.engine();
    engine.set_seller_profile(seller()).unwrap();
    let mut customers = Vec::new();
    for (name, city) in [
        ("Bäckerei Sonnenschein KG", "Köln"),
        ("Atelier Nord GmbH", "Hamburg"),
    ] {
        let party = serde_json::from_value(json!({
            "name": name, "address_lines": ["Markt 1"], "postcode": "50667", "city": city,
            "country_code": "DE", "vat_id": "DE123456789"
        }))
        .unwrap();
        customers.push(
            engine
                .upsert_customer(NewCustomer { id: None, party })
                .unwrap()
                .id,
        );
    }
    let invoice = |customer: i64, issued: &str, due: &str, price: &str, what: &str| {
        let draft = serde_json::from_value(json!({
            "customer_id": customer, "issue_date": issued, "due_date": due,
            "lines": [{"description": what, "quantity": "8", "unit_code": "HUR",
                       "unit_price": price, "vat_rate": "19"}]
        }))
        .unwrap();
        engine.create_invoice_draft(draft).unwrap().id
    };
    let mut numbers = Vec::new();
    for (customer, issued, due, price, what) in [
        (
            0,
            "2026-06-15",
            "2026-07-15",
            "95.00",
            "Website relaunch, design",
        ),
        (1, "2026-08-10", "2026-09-10", "110.00", "Brand workshop"),
        (
            0,
            "2026-09-20",
            "2026-10-20",
            "95.00",
            "Website relaunch, development",
        ),
        (1, "2026-10-01", "2026-10-15", "120.00", "Photo shoot"),
        (
            0,
            "2026-11-21",
            "2026-12-21",
            "95.00",
            "Maintenance November",
        ),
        (1, "2026-11-25", "2026-12-25", "110.00", "Catalogue layout"),
    ] {
        let id = invoice(customers[customer], issued, due, price, what);
        numbers.push(
            engine
                .finalize_invoice(id)
                .unwrap()
                .document
                .number
                .unwrap(),
        );
    }
    for number in &numbers[..3] {
        let id = engine
            .document_id(&DocumentKey::parse(number).unwrap())
            .unwrap();
        engine.record_payment(id, Default::default()).unwrap();
    }
    invoice(
        customers[0],
        "2026-11-30",
        "2026-12-30",
        "95.00",
        "Maintenance December",
    );
    (numbers[4].clone(), numbers[5].clone())
}

fn set_password(db: &TestDb) {
    let set = db.cli_with_stdin(&["owner", "set-password"], &format!("{PASSWORD}\n"));
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
}

#[test]
fn the_owner_works_in_a_real_browser() {
    let db = TestDb::new();
    let (number, other) = fill(&db);
    set_password(&db);
    let server = TestServer::start(&db.path, &[], &[]);
    let link = json_out(&db.cli(&["owner", "login-link", "--public-url", &server.url]));
    let link = link["url"].as_str().unwrap().to_string();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let seen = python_json(
        "tests/web/browse.py",
        &[
            &server.url,
            PASSWORD,
            &number,
            &other,
            &link,
            shots.to_str().unwrap(),
        ],
    );
    let log = server.log();
    let at = |key: &str| seen[key].clone();

    // Refused without a session, then signed in with the password and sent back.
    assert_eq!(
        at("unsigned_lands_on"),
        "/app/sign-in?next=%2Fapp%2Fdocuments",
        "{seen}"
    );
    assert_eq!(at("sign_in_heading"), "Sign in");
    assert_eq!(at("wrong_password"), "Wrong password.");
    assert_eq!(at("signed_in_lands_on"), "/app/documents");
    assert_eq!(
        at("cookie"),
        json!({"http_only": true, "same_site": "Strict", "path": "/app"})
    );

    // The dashboard: three open invoices (8 h at 120, 95 and 110 plus 19 % VAT), the first
    // overdue; net revenue of November and of the year.
    assert_eq!(at("dashboard_heading"), "Dashboard");
    let cards = at("dashboard_cards");
    assert_eq!(
        cards[0],
        json!(["Open", "3,094.00 EUR", "3 invoices"]),
        "{cards}"
    );
    assert_eq!(
        cards[1],
        json!(["Overdue", "1,142.40 EUR", "1 invoice"]),
        "{cards}"
    );
    assert_eq!(
        cards[2],
        json!(["Revenue this month", "1,640.00 EUR", "net"]),
        "{cards}"
    );
    assert_eq!(
        cards[3],
        json!(["Revenue this year", "5,000.00 EUR", "net"]),
        "{cards}"
    );
    assert_eq!(at("chart_bars"), 12);
    assert_eq!(at("attention_rows"), 2, "one overdue invoice and one draft");
    assert_eq!(at("list_rows"), 7);

    // Found by its number; its page, its PDF in the browser.
    assert_eq!(at("search_rows"), 1);
    assert_eq!(at("document_heading"), format!("Invoice {number}"));
    assert_eq!(at("document_status"), "Open");
    assert_eq!(at("downloads")[0], "PDF");
    assert_eq!(at("downloads").as_array().unwrap().len(), 6);
    assert_eq!(at("pdf_type"), "application/pdf");
    assert_eq!(at("pdf_magic"), "%PDF-");
    assert!(at("pdf_opened").as_str().unwrap().ends_with("/file/pdf"));
    assert_eq!(
        at("pdf_frame_type"),
        "application/pdf",
        "the page frames its PDF"
    );

    // The payment, through the engine's verb, recorded as coming from the web app.
    assert_eq!(at("payment_heading"), "Record payment");
    assert_eq!(at("payment_amount_prefilled"), "904.40");
    assert!(
        at("after_payment_path")
            .as_str()
            .unwrap()
            .ends_with("?done=paid")
    );
    assert_eq!(at("after_payment_notice"), "The payment is recorded.");
    assert_eq!(at("after_payment_status"), "Paid");
    assert!(
        at("payments_listed")
            .as_str()
            .unwrap()
            .contains("904.40 EUR · 30 Nov 2026 · Bank transfer"),
        "{seen}"
    );
    let engine = db.engine();
    let paid = engine
        .get_invoice(&DocumentKey::parse(&number).unwrap())
        .unwrap();
    assert_eq!(paid.status, Status::Paid);
    let history = engine
        .get_invoice_history(&DocumentKey::parse(&number).unwrap())
        .unwrap();
    assert_eq!(history.last().unwrap().source, Source::Web);

    // The forged form changed nothing.
    assert_eq!(at("forged_heading"), "This form was not accepted");
    assert_eq!(at("forged_left_status"), "Open");
    let other_doc = engine
        .get_invoice(&DocumentKey::parse(&other).unwrap())
        .unwrap();
    assert_eq!(other_doc.status, Status::Open);

    assert_eq!(at("customer_rows"), 2);
    assert_eq!(
        at("phone_overflow"),
        false,
        "the document page fits a phone's width"
    );
    assert_eq!(at("signed_out_lands_on"), "/app/sign-in");
    assert_eq!(at("after_sign_out"), "/app/sign-in?next=%2Fapp");

    // German, through the one-time link; the link works once.
    assert_eq!(at("link_page_heading"), "Anmelden");
    assert_eq!(at("link_lands_on"), "/app");
    assert_eq!(at("german_heading"), "Übersicht");
    assert_eq!(at("german_nav"), json!(["Übersicht", "Belege", "Kunden"]));
    assert_eq!(at("link_reused_heading"), "Dieser Link funktioniert nicht");

    for page in [
        "sign-in",
        "dashboard",
        "documents",
        "document",
        "record-payment",
        "forged-csrf",
        "customers",
        "document-phone",
        "dashboard-de",
    ] {
        let png = std::fs::read(shots.join(format!("{page}.png"))).expect("screenshot");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{page}: {} bytes",
            png.len()
        );
    }
    assert!(log.contains("web: the owner signed in"), "{log}");

    // The access trail, newest first: the link sign-in, the sign-out, the password sign-in,
    // the wrong password, the link made, the password set.
    let trail = json_out(&db.cli(&["owner", "access-log", "--limit", "10"]));
    let events = trail["events"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("web_sign_in", "web"),
            ("web_sign_out", "web"),
            ("web_sign_in", "web"),
            ("sign_in_failed", "web"),
            ("login_link_created", "cli"),
            ("owner_password_set", "cli"),
        ],
        "{trail}"
    );
    assert_eq!(events[0]["detail"]["method"], "link");
    assert_eq!(events[2]["detail"]["method"], "password");
    assert_eq!(events[3]["detail"]["ip"], "127.0.0.1");
    let out = db.cli(&["owner", "access-log", "--limit", "0"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("limit"));
}

/// Sign in over HTTP; the session cookie (`name=value`) and the `Set-Cookie` line.
fn sign_in(server: &TestServer, password: &str) -> (u16, String, String) {
    let (_, _, page) = http_exchange("GET", &format!("{}/app/sign-in", server.url), &[], "");
    let form = page
        .split("name=\"form\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-in form token")
        .to_string();
    let body = format!(
        "password={}&form={}&next=%2Fapp",
        form_encode(password),
        form_encode(&form)
    );
    let (status, head, _) = http_exchange(
        "POST",
        &format!("{}/app/sign-in", server.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    );
    let set_cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or("")
        .to_string();
    let cookie = set_cookie
        .split_once(':')
        .map(|(_, v)| v.trim().split(';').next().unwrap_or("").to_string())
        .unwrap_or_default();
    (status, cookie, set_cookie)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn the_app_needs_a_session_a_csrf_token_and_sends_safe_headers() {
    let db = TestDb::new();
    let (number, _) = fill(&db);
    let id = db
        .engine()
        .document_id(&DocumentKey::parse(&number).unwrap())
        .unwrap();

    // Without a password, the sign-in page says how to set one.
    let server = TestServer::start(
        &db.path,
        &["--public-url", "https://invoices.example.com"],
        &[],
    );
    let (_, _, page) = http_exchange("GET", &format!("{}/app/sign-in", server.url), &[], "");
    assert!(page.contains("invoicer owner set-password"), "{page}");
    set_password(&db);

    // Nothing without a session: pages and forms lead to the sign-in, nothing changes.
    let (status, head, _) = http_exchange(
        "GET",
        &format!("{}/app/documents/{id}", server.url),
        &[],
        "",
    );
    assert_eq!(status, 303);
    assert_eq!(
        header(&head, "location"),
        Some(format!("/app/sign-in?next=%2Fapp%2Fdocuments%2F{id}").as_str())
    );
    let forged_cookie = format!("invoicer_session={}", "A".repeat(43));
    let (status, _, _) = http_exchange(
        "POST",
        &format!("{}/app/documents/{id}/pay", server.url),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &forged_cookie),
        ],
        "csrf=x&amount=904.40",
    );
    assert_eq!(status, 303);

    // A sign-in form not made by the server is refused before the password is looked at.
    let (status, head, body) = http_exchange(
        "POST",
        &format!("{}/app/sign-in", server.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("password={}&form=1999999999.forged", form_encode(PASSWORD)),
    );
    assert_eq!(status, 403, "{head}\n{body}");

    // Signed in: the cookie is HttpOnly, SameSite=Strict, for /app, Secure behind https.
    let (status, cookie, set_cookie) = sign_in(&server, PASSWORD);
    assert_eq!(status, 303, "{set_cookie}");
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/app",
        "Secure",
        "Max-Age=604800",
    ] {
        assert!(set_cookie.contains(part), "{part} missing: {set_cookie}");
    }
    let (status, head, page) = http_exchange(
        "GET",
        &format!("{}/app/documents/{id}", server.url),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{head}");
    let csp = header(&head, "content-security-policy").unwrap_or("");
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("script"),
        "{csp}"
    );
    assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"));
    assert_eq!(
        header(&head, "strict-transport-security"),
        Some("max-age=31536000")
    );
    assert_eq!(header(&head, "cache-control"), Some("no-store"));
    assert!(!page.contains("<script"), "no script in the app");

    // The PDF may be framed by the app only.
    let (status, head, _) = http_exchange(
        "GET",
        &format!("{}/app/documents/{id}/file/pdf", server.url),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-type"), Some("application/pdf"));
    assert_eq!(
        header(&head, "content-security-policy"),
        Some("frame-ancestors 'self'")
    );
    let (status, head, body) = http_exchange(
        "GET",
        &format!("{}/app/documents/{id}/file/facturx-xml", server.url),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        header(&head, "content-disposition")
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(body.contains("CrossIndustryInvoice"));

    // The payment form: the session's CSRF token and a single-use signed nonce.
    let paid = || {
        db.engine()
            .get_invoice(&DocumentKey::Id(id))
            .unwrap()
            .amount_paid
    };
    let fields = || {
        let (status, _, page) = http_exchange(
            "GET",
            &format!("{}/app/documents/{id}/pay", server.url),
            &[("Cookie", &cookie), ("Accept-Language", "de-DE")],
            "",
        );
        assert_eq!(status, 200, "{page}");
        // The value of the input called `name` (its next `value` attribute).
        let field = |name: &str| {
            page.split(&format!("name=\"{name}\""))
                .nth(1)
                .and_then(|rest| rest.split("value=\"").nth(1))
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("no {name} in {page}"))
                .to_string()
        };
        (field("csrf"), field("once"), field("form"), field("amount"))
    };
    let pay = |csrf: &str, once: &str, form: &str, amount: &str| {
        http_exchange(
            "POST",
            &format!("{}/app/documents/{id}/pay", server.url),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
                ("Accept-Language", "de-DE"),
            ],
            &format!(
                "csrf={csrf}&once={once}&form={}&amount={}&date=2026-11-30&method=cash",
                form_encode(form),
                form_encode(amount)
            ),
        )
    };
    let (csrf, once, form, prefilled) = fields();
    assert_eq!(
        prefilled, "904,40",
        "the German page fills in the amount owed in German"
    );
    // Without the session's CSRF token, or with a forged form signature: refused, nothing paid.
    assert_eq!(pay("forged", &once, &form, "100").0, 403);
    assert_eq!(pay("", &once, &form, "100").0, 403);
    assert_eq!(pay(&csrf, "other-nonce", &form, "100").0, 403);
    assert!(paid().is_zero());
    // A wrong amount is named, and the form comes back with what was typed; so is one with
    // more decimals than the currency has (never rounded to a smaller payment; `3,555` on a
    // German page is 3.555).
    for typed in ["12x", "1,1904", "3,555"] {
        let (csrf, once, form, _) = fields();
        let (status, _, body) = pay(&csrf, &once, &form, typed);
        assert_eq!(status, 422, "{typed}");
        assert!(body.contains("is not an amount in EUR"), "{body}");
        assert!(body.contains("value=\"cash\""), "{body}");
    }
    assert!(paid().is_zero());
    // German notation with a thousands point is read as meant; the same form twice (a
    // double-click) records one payment.
    let (csrf, once, form, _) = fields();
    let (status, _, body) = pay(&csrf, &once, &form, "1.000");
    assert_eq!(status, 422, "1000 is more than owed: {body}");
    assert!(body.contains("exceeds the amount due"), "{body}");
    let (csrf, once, form, _) = fields();
    let (status, head, _) = pay(&csrf, &once, &form, "100,50");
    assert_eq!(status, 303, "{head}");
    assert!(header(&head, "location").unwrap().ends_with("?done=paid"));
    let (status, head, _) = pay(&csrf, &once, &form, "100,50");
    assert_eq!(status, 303, "{head}");
    assert_eq!(
        header(&head, "location"),
        Some(format!("/app/documents/{id}").as_str())
    );
    assert_eq!(paid(), rust_decimal_macros::dec!(100.50));

    // Another Host (DNS rebinding) and a page of another origin are refused.
    let raw = |request: &str| {
        use std::io::{Read, Write};
        let address = server.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    };
    let answer = raw("GET /app HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let (status, _, _) = http_exchange(
        "POST",
        &format!("{}/app/sign-out", server.url),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
            ("Origin", "https://evil.example"),
        ],
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 403);

    // owner revoke-all signs every browser out.
    let revoked = json_out(&db.cli(&["owner", "revoke-all"]));
    assert_eq!(revoked["signed_out"], 1, "{revoked}");
    let (status, _, _) = http_exchange(
        "GET",
        &format!("{}/app", server.url),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 303, "the session ended");

    // Five wrong passwords lock the sign-in, for the right one too.
    for _ in 0..5 {
        assert_eq!(sign_in(&server, "wrong wrong wrong").0, 401);
    }
    assert_eq!(sign_in(&server, PASSWORD).0, 429);
}

#[test]
fn a_sign_in_link_needs_an_owner_password_and_a_secure_address_and_a_writable_server() {
    let db = TestDb::new();
    let out = db.cli(&["owner", "login-link"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("owner set-password"));
    set_password(&db);
    let out = db.cli(&[
        "owner",
        "login-link",
        "--public-url",
        "http://invoices.example.com",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("https"));
    // A read-only server has no web app (signing in writes a session), and says so.
    let server = TestServer::start(&db.path, &["--read-only"], &[]);
    let (status, _, body) = http_exchange("GET", &format!("{}/app", server.url), &[], "");
    assert_eq!(status, 503);
    assert!(body.contains("--read-only"), "{body}");
    drop(server);
    let link: Value = json_out(&db.cli(&[
        "owner",
        "login-link",
        "--public-url",
        "https://invoices.example.com/",
    ]));
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://invoices.example.com/app/sign-in/link?token="),
        "{url}"
    );
}

/// `owner set-password` on a terminal: asked twice, nothing echoed; two different entries
/// change nothing. Driven through a pseudo-terminal by Python's `pty`.
#[test]
fn set_password_on_a_terminal_asks_twice_without_echo() {
    let db = TestDb::new();
    let script = r#"
import os, pty, select, sys, time
binary, db, first, second = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "--db", db, "owner", "set-password"])
out = b""
def read_until(marker, seconds):
    global out
    end = time.time() + seconds
    while time.time() < end and marker not in out:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
# Answer each prompt as a person would: once it is shown and the terminal stopped echoing.
for prompt, entry in ((b"more):", first), (b"again:", second)):
    read_until(prompt, 20)
    time.sleep(0.3)
    os.write(fd, entry.encode() + b"\n")
read_until(b"\x00", 5)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace") + "\nexit=%d" % os.waitstatus_to_exitcode(status))
"#;
    let run = |first: &str, second: &str| {
        let output = std::process::Command::new("python3")
            .args(["-c", script, crate::util::binary()])
            .arg(&db.path)
            .args([first, second])
            .output()
            .expect("python3");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let differ = run("correct horse battery", "correct horse battery!");
    assert!(
        differ.contains("Owner password (12 characters or more):"),
        "{differ}"
    );
    assert!(differ.contains("the two entries differ"), "{differ}");
    assert!(!differ.contains("correct horse"), "echoed: {differ}");
    assert!(!db.engine().owner_password_set().unwrap());
    let set = run("correct horse battery", "correct horse battery");
    assert!(
        set.contains("\"password_set\": true") && set.ends_with("exit=0"),
        "{set}"
    );
    assert!(!set.contains("correct horse"), "echoed: {set}");
    assert!(
        db.engine()
            .check_owner_password("correct horse battery")
            .unwrap()
    );
}

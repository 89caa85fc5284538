//! Operations: what the Docker image relies on (the binary renders and serves MCP with
//! an empty environment, no fonts, no TeX, no HOME, and links only libc-level libraries), the
//! Dockerfile's essentials (no Docker engine here to build it), online backup while writes are
//! in flight, `check`, and configuration from file, environment and flags.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::mcp::TestServer;
use crate::util::{TestDb, binary, draft, draft_json, finalized_counters, json_out, run_binary};

/// A command on the binary with nothing inherited: no PATH, no HOME beyond an empty directory,
/// no fonts or TeX reachable; run in an empty directory. (The test build: it links and reads
/// what the release build does, and building release as well would compile Typst once more.)
fn bare(bin: &Path, workdir: &Path, home: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("HOME", home)
        .env("INVOICER_NOW", crate::util::NOW)
        .current_dir(workdir)
        .stdin(Stdio::null());
    command
}

#[test]
fn the_binary_links_only_libc_level_libraries() {
    let bin = Path::new(binary());
    let output = Command::new("ldd").arg(bin).output().expect("ldd");
    let text = String::from_utf8_lossy(&output.stdout);
    let allowed = [
        "linux-vdso.so",
        "libc.so",
        "libm.so",
        "libgcc_s.so",
        "ld-linux",
        "libpthread.so",
        "libdl.so",
        "librt.so",
    ];
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(
            allowed.iter().any(|lib| line.contains(lib)),
            "unexpected library: {line}\n{text}"
        );
    }
    assert!(text.contains("libc.so"), "{text}");
}

#[test]
fn the_binary_renders_and_serves_mcp_with_an_empty_environment() {
    let bin = Path::new(binary());
    let dir = tempfile::tempdir().expect("temp dir");
    let (home, work) = (dir.path().join("home"), dir.path().join("work"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("draft.json"), draft_json("250.00").to_string()).unwrap();

    // A PDF with the embedded fonts only.
    let output = bare(bin, &work, &home)
        .args([
            "--db",
            "invoicer.db",
            "render",
            "--file",
            "draft.json",
            "-o",
            "out.pdf",
        ])
        .output()
        .expect("render");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pdf = std::fs::read(work.join("out.pdf")).expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = Command::new("pdftotext")
        .arg(work.join("out.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Kunde GmbH") && text.contains("297.50"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_dir(&home).unwrap().count(),
        0,
        "nothing written to HOME"
    );

    // MCP over stdio: initialize, list the tools, call one.
    let mut child = bare(bin, &work, &home)
        .args(["--db", "invoicer.db", "serve", "--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve --stdio");
    let mut input = child.stdin.take().expect("stdin");
    let mut output = BufReader::new(child.stdout.take().expect("stdout"));
    let mut ask = |message: Value| -> Value {
        writeln!(input, "{message}").expect("write");
        if message.get("id").is_none() {
            return Value::Null;
        }
        let mut line = String::new();
        output.read_line(&mut line).expect("read");
        serde_json::from_str(&line).expect("JSON-RPC")
    };
    let init = ask(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "ops-test", "version": "1"}}}),
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "invoicer");
    ask(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let tools = ask(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(20));
    let template = ask(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "get_invoice_template", "arguments": {"language": "en"}}}));
    assert_eq!(template["result"]["isError"], false, "{template}");
    drop(input);
    let _ = child.wait();

    // MCP over HTTP, and the health check the image runs.
    let mut command = bare(bin, &work, &home);
    command.args(["--db", "invoicer.db", "serve", "--port", "0"]);
    let server = TestServer::spawn(command);
    let health = bare(bin, &work, &home)
        .args(["health", "--url", &format!("{}/health", server.url)])
        .output()
        .expect("health");
    assert!(
        health.status.success(),
        "{}",
        String::from_utf8_lossy(&health.stderr)
    );
    let body: Value = serde_json::from_slice(&health.stdout).expect("health JSON");
    assert_eq!(body["database"]["ok"], true);
    let down = bare(bin, &work, &home)
        .args(["health", "--url", "http://127.0.0.1:9/health"])
        .output()
        .expect("health");
    assert!(!down.status.success(), "no server there: unhealthy");
}

#[test]
fn the_dockerfile_has_the_essentials() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let froms: Vec<&&str> = instructions
        .iter()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    let runtime = froms.last().expect("runtime stage");
    // The base images are build arguments (to pin them by digest); their defaults name them.
    let argument = |name: &str| {
        instructions
            .iter()
            .find_map(|l| l.strip_prefix(&format!("ARG {name}=")))
            .unwrap_or_default()
    };
    let base = match runtime
        .trim_start_matches("FROM ")
        .split_whitespace()
        .next()
    {
        Some(arg) if arg.starts_with("${") => argument(arg.trim_matches(['$', '{', '}'])),
        Some(image) => image,
        None => "",
    };
    assert!(
        base.contains("distroless") && base.contains("nossl"),
        "a runtime base without OpenSSL: {runtime} = {base}"
    );
    assert!(
        dockerfile.contains("libgcc_s.so.1"),
        "libgcc_s comes from the build stage"
    );
    assert!(
        dockerfile.contains("echo 'fn main() {}' > src/main.rs"),
        "a dependency-only layer before the sources"
    );
    let final_stage: Vec<&&str> = instructions
        .iter()
        .skip_while(|l| **l != **runtime)
        .collect();
    let user = final_stage
        .iter()
        .rev()
        .find(|l| l.starts_with("USER "))
        .expect("a USER in the runtime stage");
    let who = user
        .trim_start_matches("USER ")
        .split(':')
        .next()
        .unwrap_or("");
    assert!(who != "root" && who != "0", "non-root: {user}");
    let lower = dockerfile.to_lowercase();
    for forbidden in [
        "texlive",
        "pdflatex",
        "fonts-",
        "fontconfig",
        "apt-get install",
    ] {
        assert!(!lower.contains(forbidden), "the image needs no {forbidden}");
    }
    let has = |prefix: &str| final_stage.iter().any(|l| l.starts_with(prefix));
    assert!(
        has("HEALTHCHECK") && dockerfile.contains("\"health\""),
        "HEALTHCHECK via invoicer health"
    );
    assert!(has("EXPOSE 8080"));
    assert!(has("VOLUME") && dockerfile.contains("/data"));
    assert!(dockerfile.contains("INVOICER_DB=/data/invoicer.db"));
    assert!(
        dockerfile.contains(r#"CMD ["serve", "--host", "0.0.0.0"]"#),
        "serves on all interfaces by default"
    );
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect(".dockerignore");
    for entry in ["target", ".git", "*.db"] {
        assert!(
            ignore.lines().any(|l| l.trim() == entry),
            ".dockerignore lacks {entry}"
        );
    }
    let compose = std::fs::read_to_string(root.join("compose.yaml")).expect("compose.yaml");
    assert!(compose.contains("/data") && compose.contains("INVOICER_TOKEN_FILE"));
    assert!(
        compose.contains("chown 65532"),
        "compose.yaml says who must read the secret"
    );
}

#[test]
fn backup_while_writes_are_in_flight_holds_every_finalized_invoice() {
    let db = TestDb::new();
    let engine = db.engine();
    for _ in 0..20 {
        let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
        engine.finalize_invoice(id).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let engine = engine.with_pdf_archive(false);
        std::thread::spawn(move || {
            let mut finalized = 0;
            while !stop.load(Ordering::SeqCst) {
                let id = engine.create_invoice_draft(draft("50.00")).unwrap().id;
                engine.finalize_invoice(id).unwrap();
                finalized += 1;
            }
            finalized
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let before = finalized_counters(&db);
    let copy = db.dir.path().join("backup.db");
    let report = json_out(&run_binary(
        &db.path,
        &["backup", copy.to_str().unwrap()],
        "",
    ));
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::SeqCst);
    let during = writer.join().expect("writer");
    assert!(during > 5, "writes were in flight: {during}");
    assert_eq!(report["integrity"], json!(["ok"]));
    assert!(report["bytes"].as_u64() > Some(0));

    let conn = rusqlite::Connection::open(&copy).expect("the copy opens");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn
        .prepare("SELECT number FROM documents WHERE number IS NOT NULL")
        .unwrap();
    let in_copy: Vec<u64> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|n| crate::util::counter_of(&n.unwrap()))
        .collect();
    for counter in &before {
        assert!(
            in_copy.contains(counter),
            "{counter} missing from the backup"
        );
    }
    let checked = json_out(&run_binary(&copy, &["check"], ""));
    assert_eq!(checked["ok"], true, "the copy is gapless: {checked}");
    assert!(
        !db.dir.path().join("backup.db.partial").exists(),
        "no partial file left"
    );

    let again = run_binary(&db.path, &["backup", copy.to_str().unwrap()], "");
    assert_eq!(
        again.status.code(),
        Some(3),
        "an existing file is never overwritten"
    );
}

#[test]
fn check_reports_status_counts_and_finds_a_skipped_number() {
    let db = TestDb::new();
    let engine = db.engine();
    for _ in 0..3 {
        let id = engine.create_invoice_draft(draft("10.00")).unwrap().id;
        engine.finalize_invoice(id).unwrap();
    }
    engine.create_invoice_draft(draft("10.00")).unwrap();
    let report = json_out(&run_binary(&db.path, &["check"], ""));
    assert_eq!(report["ok"], true);
    assert_eq!(report["integrity"], json!(["ok"]));
    assert_eq!(report["schema_version"], 9);
    assert_eq!(
        report["documents"]["invoice"],
        json!({"draft": 1, "open": 3})
    );
    assert_eq!(
        report["series"],
        json!([{"series": "invoices", "period": "2026", "counter": 3, "numbered": 3, "gapless": true}])
    );

    // A counter moved on without a document (the triggers allow one step): a gap.
    db.raw()
        .execute(
            "UPDATE series_counters SET last_counter = last_counter + 1 WHERE series = 'invoices'",
            [],
        )
        .unwrap();
    let output = run_binary(&db.path, &["check"], "");
    assert_eq!(output.status.code(), Some(7));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["series"][0]["gapless"], false);
    assert_eq!(report["series"][0]["counter"], 4);
}

#[test]
fn config_comes_from_file_environment_and_flags_with_the_token_redacted() {
    let db = TestDb::new();
    let file = db.dir.path().join("invoicer.toml");
    std::fs::write(
        &file,
        r#"
db = "from-file.db"
[serve]
host = "0.0.0.0"
port = 9000
allowed_hosts = ["a.example", "b.example"]
read_only = true
max_sessions = 5
"#,
    )
    .unwrap();
    let secret = "s3cret-token-value-0123456789";
    let output = crate::util::command()
        .current_dir(db.dir.path())
        .args([
            "--config",
            file.to_str().unwrap(),
            "config",
            "--max-sessions",
            "7",
        ])
        .env_remove("INVOICER_DB")
        .env("MCP_PORT", "9100")
        .env("INVOICER_TOKEN", secret)
        .output()
        .expect("config");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains(secret), "the token is redacted");
    let config: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(config["db"], "from-file.db", "file");
    assert_eq!(config["serve"]["host"], "0.0.0.0", "file");
    assert_eq!(config["serve"]["port"], 9100, "environment beats file");
    assert_eq!(config["serve"]["max_sessions"], 7, "flag beats file");
    assert_eq!(config["serve"]["read_only"], true);
    let hosts = config["serve"]["allowed_hosts"].as_array().unwrap();
    assert!(hosts.contains(&json!("a.example")) && hosts.contains(&json!("b.example")));
    assert_eq!(config["serve"]["token"]["set"], true);
    assert_eq!(config["serve"]["token"]["value"], "<redacted>");

    std::fs::write(&file, "[serve]\nprot = 8080\n").unwrap();
    let output = crate::util::command()
        .args(["--config", file.to_str().unwrap(), "config"])
        .output()
        .expect("config");
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("config.serve.prot"));
}

#[test]
fn server_json_names_this_version_and_the_readme_and_image_carry_its_name() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
    let server: serde_json::Value = serde_json::from_str(&read("server.json")).unwrap();
    let name = server["name"].as_str().expect("name");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(server["version"], version);
    assert!(
        server["description"]
            .as_str()
            .is_some_and(|d| d.len() <= 100)
    );
    for package in server["packages"].as_array().expect("packages") {
        assert_eq!(package["version"], version, "{package}");
        assert_eq!(package["transport"]["type"], "stdio");
    }
    assert!(read("README.md").contains(&format!("mcp-name: {name}")));
    assert!(read("Dockerfile").contains(&format!(
        "LABEL io.modelcontextprotocol.server.name=\"{name}\""
    )));
}

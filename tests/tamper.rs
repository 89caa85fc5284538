//! Finalized documents are frozen by SQLite triggers: raw SQL, as an operator with the sqlite3
//! shell could run it, cannot change their money, lines or numbers, nor delete them.

use crate::util::{TestDb, draft, finalized_counters};

fn refused(conn: &rusqlite::Connection, sql: &str) {
    let err = conn.execute_batch(sql).expect_err(sql);
    let text = err.to_string();
    assert!(
        text.contains("immutable")
            || text.contains("cannot be deleted")
            || text.contains("append-only")
            || text.contains("counters")
            || text.contains("lifecycle"),
        "{sql}: unexpected error {text}"
    );
}

#[test]
fn raw_sql_cannot_alter_finalized_documents() {
    let db = TestDb::new();
    let engine = db.engine();
    let open = engine.create_invoice_draft(draft("100.00")).unwrap();
    let open = engine.finalize_invoice(open.id).unwrap().document;
    let draft_doc = engine.create_invoice_draft(draft("5.00")).unwrap();
    let id = open.id;
    let conn = db.raw();

    refused(
        &conn,
        &format!("UPDATE documents SET total_gross = '1.00' WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE documents SET number = '2026-9999' WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE documents SET header = '{{}}' WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE documents SET status = 'draft', number = NULL WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE document_lines SET unit_price = '1' WHERE document_id = {id}"),
    );
    refused(
        &conn,
        &format!("DELETE FROM document_lines WHERE document_id = {id}"),
    );
    refused(
        &conn,
        &format!(
            "INSERT INTO document_lines (document_id, position, description, quantity, unit_code,
               unit_price, vat_category, vat_rate, net_amount)
             VALUES ({id}, 9, 'extra', '1', 'C62', '1', 'S', '19', '1')"
        ),
    );
    refused(&conn, &format!("DELETE FROM documents WHERE id = {id}"));
    refused(&conn, "UPDATE events SET verb = 'x'");
    refused(&conn, "DELETE FROM events");
    refused(
        &conn,
        "UPDATE series_counters SET last_counter = last_counter + 5",
    );
    refused(&conn, "DELETE FROM series_counters");

    // Drafts stay editable, and a paid status can still be reached the legal way.
    conn.execute_batch(&format!(
        "UPDATE document_lines SET description = 'edited' WHERE document_id = {}",
        draft_doc.id
    ))
    .expect("drafts are editable");
    conn.execute_batch(&format!(
        "UPDATE documents SET status = 'paid' WHERE id = {id}"
    ))
    .expect("open -> paid is a legal move");
    refused(
        &conn,
        &format!("UPDATE documents SET status = 'open' WHERE id = {id}"),
    );
    assert_eq!(finalized_counters(&db), vec![1]);
}

//! The MCP tools: one [`ToolSpec`] per engine verb, split by topic (`drafts.rs`,
//! `lifecycle.rs`, `reading.rs`, `parties.rs`). A spec carries what `tools/list` shows (name,
//! description, input and output schemas derived from the argument and result types, hints) and
//! the function that parses the arguments, makes one [`Engine`] call and shapes the reply.
//!
//! Arguments are parsed here rather than by the SDK so that a bad field becomes a tool error
//! naming the field (`lines[0].quantity`), which a model can correct, instead of a protocol error.

mod drafts;
mod lifecycle;
mod parties;
pub mod reading;

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use rmcp::handler::server::common::{schema_for_output, schema_for_type};
use rmcp::model::{ContentBlock, JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::schema::{Side, slim};
use crate::engine::{DocumentKey, Engine};
use crate::error::{Error, Result, from_json_value};

/// What a tool call may use besides its arguments.
pub struct CallContext<'a> {
    /// The engine of this server (read-only when the server is).
    pub engine: &'a Engine,
    /// Base URL for PDF download links, when the call came over HTTP.
    pub download_base: Option<&'a str>,
    /// Where a long call (a render, an export, a finalization) reports its steps.
    pub progress: &'a Progress,
}

/// Where a tool reports how far a long call is: MCP `notifications/progress` when the client
/// sent a progress token, nothing otherwise. A call reports when its slow part starts; a
/// report right before the result would be lost by clients that drop a progress notification
/// arriving together with the answer (the TypeScript SDK 1.x does).
#[derive(Debug, Clone, Default)]
pub struct Progress(Option<tokio::sync::mpsc::UnboundedSender<Step>>);

/// One report: `done` of `total` steps, and what is happening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Steps done; grows with every report of a call.
    pub done: u32,
    /// Steps in all.
    pub total: u32,
    /// What is happening, for people.
    pub message: String,
}

impl Progress {
    /// Reports go to `sender`.
    pub fn to(sender: tokio::sync::mpsc::UnboundedSender<Step>) -> Progress {
        Progress(Some(sender))
    }

    /// Report a step (dropped when nobody listens).
    pub fn report(&self, done: u32, total: u32, message: impl Into<String>) {
        if let Some(sender) = &self.0 {
            let _ = sender.send(Step {
                done,
                total,
                message: message.into(),
            });
        }
    }
}

/// A tool's answer: the structured result, a one-line summary for people, and extra content
/// blocks (the PDF of `render_invoice_pdf`).
pub struct Reply {
    /// `structuredContent`, matching the tool's output schema.
    pub structured: Value,
    /// A short text summary.
    pub summary: String,
    /// More content blocks after the summary and the JSON text.
    pub attachments: Vec<ContentBlock>,
}

impl Reply {
    fn new<T: Serialize>(value: &T, summary: impl Into<String>) -> Result<Reply> {
        Ok(Reply {
            structured: serde_json::to_value(value)
                .map(super::schema::drop_nulls)
                .map_err(|e| Error::internal(format!("cannot serialize the result: {e}")))?,
            summary: summary.into(),
            attachments: Vec::new(),
        })
    }
}

/// How a tool touches data; read-only servers hide and refuse the writing ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only reads (rendering counts as reading).
    Reads,
    /// Creates or changes data; calling again with the same input is safe.
    WritesIdempotent,
    /// Creates or changes data.
    Writes,
    /// Removes or ends something for good (delete a draft, void).
    Destroys,
}

type Runner = Box<dyn Fn(&CallContext<'_>, Value) -> Result<Reply> + Send + Sync>;

/// One tool: its listing and its implementation.
pub struct ToolSpec {
    /// What `tools/list` shows.
    pub tool: Tool,
    /// Whether it writes.
    pub effect: Effect,
    run: Runner,
}

impl ToolSpec {
    /// A tool whose arguments parse into `I` and whose structured result is an `O`.
    fn new<I, O>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        effect: Effect,
        run: fn(&CallContext<'_>, I) -> Result<(O, String)>,
    ) -> ToolSpec
    where
        I: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        let runner: Runner = Box::new(move |cx, arguments| {
            let (value, summary) = run(cx, from_json_value::<I>(arguments)?)?;
            Reply::new(&value, summary)
        });
        Self::build::<I, O>(name, title, description, effect, runner)
    }

    /// A tool that parses its arguments itself; `S` only describes them.
    fn unparsed<S, O>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        effect: Effect,
        run: fn(&CallContext<'_>, Value) -> Result<(O, String)>,
    ) -> ToolSpec
    where
        S: JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        let runner: Runner = Box::new(move |cx, arguments| {
            let (value, summary) = run(cx, arguments)?;
            Reply::new(&value, summary)
        });
        Self::build::<S, O>(name, title, description, effect, runner)
    }

    /// A tool that shapes its own [`Reply`] (attachments); `O` is the schema of `structured`.
    fn with_reply<I, O>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        effect: Effect,
        run: fn(&CallContext<'_>, I) -> Result<Reply>,
    ) -> ToolSpec
    where
        I: DeserializeOwned + JsonSchema + 'static,
        O: JsonSchema + 'static,
    {
        let runner: Runner =
            Box::new(move |cx, arguments| run(cx, from_json_value::<I>(arguments)?));
        Self::build::<I, O>(name, title, description, effect, runner)
    }

    fn build<I: JsonSchema + 'static, O: JsonSchema + 'static>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        effect: Effect,
        run: Runner,
    ) -> ToolSpec {
        let annotations = ToolAnnotations::with_title(title)
            .read_only(effect == Effect::Reads)
            .destructive(effect == Effect::Destroys)
            .idempotent(matches!(effect, Effect::Reads | Effect::WritesIdempotent))
            .open_world(false);
        let mut tool = Tool::new(
            Cow::Borrowed(name),
            Cow::Borrowed(description),
            input_schema::<I>(),
        )
        .with_title(title)
        .with_annotations(annotations);
        let output = Value::Object((*schema_for_output::<O>()).clone());
        if let Value::Object(output) = slim(output, Side::Output) {
            tool.output_schema = Some(Arc::new(output));
        }
        ToolSpec { tool, effect, run }
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.tool.name
    }

    /// Parse `arguments` and run the tool.
    pub fn call(&self, cx: &CallContext<'_>, arguments: Value) -> Result<Reply> {
        (self.run)(cx, arguments)
    }
}

/// The input schema of `T`, lean (see [`super::schema`]).
fn input_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let schema = Value::Object((*schema_for_type::<T>()).clone());
    match slim(schema, Side::Input) {
        Value::Object(schema) => Arc::new(schema),
        _ => schema_for_type::<T>(),
    }
}

/// Every tool, in the order `tools/list` shows them.
pub fn all() -> &'static [ToolSpec] {
    static TOOLS: LazyLock<Vec<ToolSpec>> = LazyLock::new(|| {
        let mut tools = Vec::new();
        tools.extend(drafts::tools());
        tools.extend(lifecycle::tools());
        tools.extend(reading::tools());
        tools.extend(parties::tools());
        tools
    });
    &TOOLS
}

/// The tool called `name`.
pub fn find(name: &str) -> Option<&'static ToolSpec> {
    all().iter().find(|spec| spec.name() == name)
}

/// A document named by its id (a number) or its number (a string such as `2026-0001`).
#[derive(Debug, Clone)]
pub struct DocumentArg(pub DocumentKey);

impl DocumentArg {
    /// The document id, looking the number up if needed.
    fn id(&self, engine: &Engine) -> Result<i64> {
        engine.document_id(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DocumentArg {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let text = match Value::deserialize(deserializer)? {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s,
            other => {
                return Err(D::Error::custom(format!(
                    "expected a document id (number) or number (string), got {other}"
                )));
            }
        };
        DocumentKey::parse(&text)
            .map(DocumentArg)
            .map_err(|e| D::Error::custom(e.message))
    }
}

impl JsonSchema for DocumentArg {
    fn schema_name() -> Cow<'static, str> {
        "DocumentArg".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // `anyOf` rather than a type list, which some clients' schema checks and some models'
        // function formats do not take.
        schemars::json_schema!({
            "anyOf": [{ "type": "integer" }, { "type": "string" }],
            "description": "Id (12) or number (\"2026-0001\")."
        })
    }
}

/// A `{"id": …}` argument.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ById {
    /// Id (12) or number ("2026-0001").
    pub id: DocumentArg,
}

/// A `{"id": …, "reason": …}` argument.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ByIdWithReason {
    /// Id (12) or number ("2026-0001").
    pub id: DocumentArg,
    /// Why, for the audit trail.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The output schema of a result that is a payload for another tool (its schema is that tool's
/// input schema): any object.
pub struct AnyObject;

impl JsonSchema for AnyObject {
    fn schema_name() -> Cow<'static, str> {
        "AnyObject".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "object" })
    }
}

/// What a tool that writes a document returns: enough to go on without reading it again
/// (get_invoice has the whole document).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Receipt {
    id: i64,
    kind: crate::domain::document::DocumentKind,
    status: crate::domain::lifecycle::Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[schemars(with = "String")]
    currency: crate::domain::money::Currency,
    total_net: rust_decimal::Decimal,
    total_vat: rust_decimal::Decimal,
    total_gross: rust_decimal::Decimal,
    amount_paid: rust_decimal::Decimal,
    amount_due: rust_decimal::Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    issue_date: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_date: Option<chrono::NaiveDate>,
}

impl Receipt {
    /// The receipt of `document`.
    pub fn of(document: &crate::domain::document::Document) -> Receipt {
        let content = &document.content;
        Receipt {
            id: document.id,
            kind: document.kind,
            status: document.status,
            number: document.number.clone(),
            currency: content.currency(),
            total_net: content.totals.total_net,
            total_vat: content.totals.total_vat,
            total_gross: content.totals.total_gross,
            amount_paid: document.amount_paid,
            amount_due: document.amount_due,
            issue_date: content.issue_date,
            due_date: content.due_date,
        }
    }
}

/// A summary of a document for the text content: `Invoice 2026-0001 (open), 119.00 EUR due`.
fn describe(document: &crate::domain::document::Document) -> String {
    let kind = match document.kind {
        crate::domain::document::DocumentKind::Invoice => "Invoice",
        crate::domain::document::DocumentKind::CreditNote => "Credit note",
    };
    let name = match &document.number {
        Some(number) => format!("{kind} {number}"),
        None => format!("{kind} draft {}", document.id),
    };
    format!(
        "{name} ({status}) for {buyer}: total {total} {currency}, due {due} {currency}",
        status = document.status.as_str(),
        buyer = document.content.buyer().name,
        total = document.content.totals.total_gross,
        currency = document.content.currency(),
        due = document.amount_due,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_schemas_are_objects() {
        let mut names: Vec<&str> = all().iter().map(|t| t.name()).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "duplicate tool names");
        for spec in all() {
            assert_eq!(
                spec.tool.input_schema.get("type"),
                Some(&Value::String("object".into())),
                "{} input schema",
                spec.name()
            );
            let output = spec.tool.output_schema.as_ref().map(|s| s.get("type"));
            assert_eq!(
                output,
                Some(Some(&Value::String("object".into()))),
                "{} output schema",
                spec.name()
            );
            assert!(
                spec.tool.description.as_ref().is_some_and(|d| d.len() > 40),
                "{} needs a description a model can act on",
                spec.name()
            );
            // Every hint explicit: app reviews (ChatGPT's) ask for all four and a title.
            let listed = serde_json::to_value(&spec.tool).unwrap();
            assert!(listed["title"].is_string(), "{} title", spec.name());
            for hint in [
                "readOnlyHint",
                "destructiveHint",
                "idempotentHint",
                "openWorldHint",
            ] {
                assert!(
                    listed["annotations"][hint].is_boolean(),
                    "{} {hint}",
                    spec.name()
                );
            }
            let text = listed.to_string();
            for format in ["int64", "uint32", "uint64", "\"uint\""] {
                assert!(!text.contains(format), "{}: format {format}", spec.name());
            }
            assert!(!text.contains("\"null\""), "{}: a null type", spec.name());
        }
    }

    #[test]
    fn document_ref_takes_ids_and_numbers() {
        let by_id: ById = serde_json::from_value(serde_json::json!({"id": 12})).unwrap();
        assert_eq!(by_id.id.0, DocumentKey::Id(12));
        let by_text: ById = serde_json::from_value(serde_json::json!({"id": "12"})).unwrap();
        assert_eq!(by_text.id.0, DocumentKey::Id(12));
        let by_number: ById =
            serde_json::from_value(serde_json::json!({"id": "2026-0001"})).unwrap();
        assert_eq!(by_number.id.0, DocumentKey::Number("2026-0001".into()));
        let err = from_json_value::<ById>(serde_json::json!({"id": true})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
        let err = from_json_value::<ById>(serde_json::json!({"id": ""})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
    }
}

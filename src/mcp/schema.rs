//! What `tools/list` shows of a tool's argument and result types: the JSON Schemas schemars
//! derives, made lean and portable. Every model pays for these bytes in every conversation,
//! and every client parses them, so:
//!
//! - optional fields are left out of `required` instead of typed `["T", "null"]`, and
//!   `anyOf [X, null]` becomes `X`;
//! - a `oneOf` of constants becomes one `enum` (what the values mean is said where the field
//!   is described);
//! - the shared definitions (`$defs`) carry no descriptions of their own (the fields that use
//!   them have one), and a description of one or two words ("City.") says no more than the
//!   field's name, so it goes;
//! - decimal amounts are `string` (the long number pattern goes; `"119.00"` is what we ask for);
//! - integer formats that are not JSON Schema's (`int64`, `uint32`, …) go, so strict clients do
//!   not warn about them; `date` stays;
//! - `additionalProperties: false` goes from input schemas (the server refuses unknown fields
//!   itself, naming them);
//! - output schemas carry no descriptions (the model reads the tool's description and the
//!   values, not the result's documentation), and `title`, `$schema` and `default: null` go.
//!
//! Results are sent without nulls ([`drop_nulls`]), which is what the output schemas say.

use serde_json::{Map, Value};

/// The number pattern schemars gives `rust_decimal::Decimal`.
const DECIMAL_PATTERN: &str = r"^-?\d+(\.\d+)?([eE]\d+)?$";

/// Formats JSON Schema does not define, which schemars puts on integers.
const NON_STANDARD_FORMATS: &[&str] = &[
    "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "double",
    "float",
];

/// The long tail of EN 16931 terms: accepted and returned like every field, but shown to
/// models by name and JSON type only (the README's field reference has their shape and BT
/// numbers, and a wrong shape is refused naming the expected fields), so the payload can
/// carry the whole standard while `tools/list` stays within its budget.
const TAIL_FIELDS: &[&str] = &[
    "trading_name",
    "identifiers",
    "legal_registration",
    "legal_info",
    "electronic_address",
    "subdivision",
    "type_code",
    "tax_point_date",
    "tax_point_code",
    "vat_accounting_currency",
    "attachments",
    "project_reference",
    "contract_reference",
    "sales_order_reference",
    "receiving_advice_reference",
    "despatch_advice_reference",
    "tender_reference",
    "invoiced_object",
    "buyer_accounting_reference",
    "preceding_invoices",
    "payee",
    "tax_representative",
    "delivery",
    "allowances",
    "charges",
    "paid_amount",
    "rounding_amount",
    "vat_exemption_codes",
    "means_code",
    "means_text",
    "account_name",
    "more_accounts",
    "card",
    "direct_debit",
    "cash_discounts",
    "line_id",
    "note",
    "object_id",
    "order_line_reference",
    "accounting_reference",
    "period",
    "item_description",
    "seller_item_id",
    "buyer_item_id",
    "standard_item_id",
    "classifications",
    "origin_country",
    "attributes",
    "gross_price",
    "base_quantity",
    "contact",
    "notes",
];

/// A description without its EN 16931 term numbers: ` (BT-31, BT-48)` and `, BT-32` go (the
/// field reference in the README has them; models do not need them to fill a field).
fn without_term_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(" (B") {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let inner = &from[2..];
        match inner.find(')') {
            Some(end) if inner.starts_with("BT-") || inner.starts_with("BG-") => {
                rest = &inner[end + 1..];
            }
            _ => {
                out.push_str(&from[..2]);
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out.replace(", BT-32)", ")")
}

/// A tail field's schema reduced to its JSON type: `{"type": "array"}`, `{"type": "object"}`
/// (for a reference or a structure), `{"type": "integer"}`, or `{}` for a text.
fn type_only(schema: &Value) -> Value {
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("object")
            .to_string(),
        _ => "object".to_string(),
    };
    if kind == "string" {
        // The name says it is a text; `{}` costs a model a third of `{"type":"string"}`.
        return Value::Object(Map::new());
    }
    serde_json::json!({ "type": kind })
}

/// `schema` without the `$defs` entries nothing refers to any more.
fn drop_unused_definitions(mut schema: Value) -> Value {
    loop {
        let Some(Value::Object(definitions)) = schema.get("$defs").cloned() else {
            return schema;
        };
        let text = schema.to_string();
        let unused: Vec<String> = definitions
            .keys()
            .filter(|name| !text.contains(&format!("\"#/$defs/{name}\"")))
            .cloned()
            .collect();
        if unused.is_empty() {
            return schema;
        }
        if let Some(Value::Object(remaining)) = schema.get_mut("$defs") {
            remaining.retain(|name, _| !unused.contains(name));
            if remaining.is_empty()
                && let Value::Object(top) = &mut schema
            {
                top.remove("$defs");
            }
        }
    }
}

/// Which side of a call a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Arguments: descriptions stay, they tell the model what to send.
    Input,
    /// Results: no descriptions.
    Output,
}

/// The lean form of a derived schema (see the module documentation).
pub fn slim(mut schema: Value, side: Side) -> Value {
    if let Value::Object(top) = &mut schema {
        for key in ["$schema", "title", "description"] {
            top.remove(key);
        }
    }
    inline_single_use_definitions(drop_unused_definitions(slim_node(schema, side)))
}

/// A definition used once is written where it is used (a `$ref` and a `$defs` entry cost more
/// than the definition); those used more often stay shared.
fn inline_single_use_definitions(mut schema: Value) -> Value {
    let Some(Value::Object(definitions)) = schema.get("$defs").cloned() else {
        return schema;
    };
    let text = schema.to_string();
    let single: Map<String, Value> = definitions
        .into_iter()
        .filter(|(name, _)| text.matches(&format!("\"#/$defs/{name}\"")).count() == 1)
        .collect();
    if single.is_empty() {
        return schema;
    }
    replace_refs(&mut schema, &single, 0);
    let mut none_left = false;
    if let Some(Value::Object(remaining)) = schema.get_mut("$defs") {
        remaining.retain(|name, _| !single.contains_key(name));
        none_left = remaining.is_empty();
    }
    if none_left && let Value::Object(top) = &mut schema {
        top.remove("$defs");
    }
    schema
}

/// `schema` with every `#/$defs/…` reference replaced by its definition and no `$defs` left:
/// for documents that resolve `$ref` against themselves as a whole (OpenAPI). The tools'
/// types are not recursive; a depth bound keeps a recursive one finite.
pub fn inline_all_definitions(mut schema: Value) -> Value {
    let definitions = match schema.as_object_mut().and_then(|top| top.remove("$defs")) {
        Some(Value::Object(definitions)) => definitions,
        _ => return schema,
    };
    replace_refs(&mut schema, &definitions, 0);
    schema
}

fn replace_refs(value: &mut Value, inline: &Map<String, Value>, depth: usize) {
    match value {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| inline.get(name));
            if let Some(Value::Object(definition)) = target.cloned()
                && depth < 16
            {
                map.remove("$ref");
                for (key, value) in definition {
                    map.entry(key).or_insert(value);
                }
            }
            for child in map.values_mut() {
                replace_refs(child, inline, depth + 1);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_refs(item, inline, depth + 1)),
        _ => {}
    }
}

fn slim_node(value: Value, side: Side) -> Value {
    match value {
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| slim_node(v, side)).collect())
        }
        Value::Object(map) => Value::Object(slim_object(map, side)),
        other => other,
    }
}

fn slim_object(map: Map<String, Value>, side: Side) -> Map<String, Value> {
    let mut out = Map::new();
    let mut nullable = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "title" => {}
            "additionalProperties" if side == Side::Input && value == Value::Bool(false) => {}
            "description" if side == Side::Output || says_nothing(&value) => {}
            "description" => {
                let text = value.as_str().map(without_term_numbers).unwrap_or_default();
                if !text.is_empty() && !says_nothing(&Value::String(text.clone())) {
                    out.insert(key, Value::String(text));
                }
            }
            "$defs" => {
                let Value::Object(definitions) = value else {
                    continue;
                };
                let slimmed = definitions
                    .into_iter()
                    .map(|(name, definition)| {
                        let mut definition = slim_node(definition, side);
                        if let Value::Object(fields) = &mut definition {
                            fields.remove("description");
                        }
                        (name, definition)
                    })
                    .collect();
                out.insert(key, Value::Object(slimmed));
            }
            "default" if value.is_null() => {}
            "properties" => {
                let Value::Object(properties) = value else {
                    out.insert(key, value);
                    continue;
                };
                let mut slimmed = Map::new();
                for (name, property) in properties {
                    if is_nullable(&property) {
                        nullable.push(name.clone());
                    }
                    let property = if TAIL_FIELDS.contains(&name.as_str()) {
                        type_only(&slim_node(property, side))
                    } else {
                        slim_node(property, side)
                    };
                    slimmed.insert(name, property);
                }
                out.insert(key, Value::Object(slimmed));
            }
            _ => {
                out.insert(key, slim_node(value, side));
            }
        }
    }
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|name| {
            !name
                .as_str()
                .is_some_and(|n| nullable.iter().any(|x| x == n))
        });
        if required.is_empty() {
            out.remove("required");
        }
    }
    drop_null_type(&mut out);
    unwrap_nullable_any_of(&mut out);
    constants_to_enum(&mut out);
    if out.get("pattern").and_then(Value::as_str) == Some(DECIMAL_PATTERN) {
        out.remove("pattern");
        out.insert("type".into(), Value::String("string".into()));
    }
    if out
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| NON_STANDARD_FORMATS.contains(&f))
    {
        out.remove("format");
    }
    out
}

/// Whether a property may be null as derived: `type` with `"null"`, or `anyOf` with a null.
fn is_nullable(schema: &Value) -> bool {
    let type_has_null = schema
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "null"));
    let any_of_has_null = schema
        .get("anyOf")
        .and_then(Value::as_array)
        .is_some_and(|alts| alts.iter().any(is_null_schema));
    type_has_null || any_of_has_null
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// `"type": ["string", "null"]` → `"type": "string"`.
fn drop_null_type(out: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = out.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            out.insert("type".into(), only);
        }
    }
}

/// `"anyOf": [X, {"type": "null"}]` → the keys of X (beside the description).
fn unwrap_nullable_any_of(out: &mut Map<String, Value>) {
    let Some(Value::Array(alternatives)) = out.get("anyOf") else {
        return;
    };
    let rest: Vec<&Value> = alternatives.iter().filter(|a| !is_null_schema(a)).collect();
    if rest.len() != 1 || rest.len() == alternatives.len() {
        return;
    }
    let Some(Value::Object(only)) = rest.first().map(|v| (*v).clone()) else {
        return;
    };
    out.remove("anyOf");
    for (key, value) in only {
        out.entry(key).or_insert(value);
    }
}

/// A `oneOf` of `{"const": …}` → `"enum"`.
fn constants_to_enum(out: &mut Map<String, Value>) {
    let Some(Value::Array(alternatives)) = out.get("oneOf") else {
        return;
    };
    if alternatives.is_empty() || !alternatives.iter().all(|a| a.get("const").is_some()) {
        return;
    }
    let values: Vec<Value> = alternatives
        .iter()
        .filter_map(|a| a.get("const").cloned())
        .collect();
    out.remove("oneOf");
    if values.iter().all(Value::is_string) {
        out.insert("type".into(), Value::String("string".into()));
    }
    out.insert("enum".into(), Value::Array(values));
}

/// Whether a description says no more than a field's name would ("City.", "Bank name.").
fn says_nothing(description: &Value) -> bool {
    description
        .as_str()
        .is_some_and(|text| text.split_whitespace().count() <= 2)
}

/// `value` without object members that are null, at any depth.
pub fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_fields_leave_required_and_lose_null() {
        let derived = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args",
            "description": "Boilerplate.",
            "type": "object",
            "properties": {
                "id": {"type": "integer", "format": "int64", "description": "The id of the draft."},
                "memo": {"type": ["string", "null"], "default": null},
                "party": {"anyOf": [{"$ref": "#/$defs/Party"}, {"type": "null"}], "description": "Who is billed."},
                "other": {"$ref": "#/$defs/Party"},
                "amount": {"type": ["string", "number"], "pattern": DECIMAL_PATTERN}
            },
            "required": ["id", "memo", "party"]
        });
        assert_eq!(
            slim(derived, Side::Input),
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "description": "The id of the draft."},
                    "memo": {"type": "string"},
                    "party": {"$ref": "#/$defs/Party", "description": "Who is billed."},
                    "other": {"$ref": "#/$defs/Party"},
                    "amount": {"type": "string"}
                },
                "required": ["id"]
            })
        );
    }

    #[test]
    fn constants_become_one_enum_and_outputs_lose_descriptions() {
        let derived = json!({
            "description": "The VAT category.",
            "oneOf": [
                {"const": "S", "type": "string", "description": "Standard rate."},
                {"const": "Z", "type": "string", "description": "Zero rate."}
            ]
        });
        let input = slim_node(derived.clone(), Side::Input);
        assert_eq!(
            input,
            json!({"description": "The VAT category.", "type": "string", "enum": ["S", "Z"]})
        );
        let output = slim_node(derived, Side::Output);
        assert_eq!(output, json!({"type": "string", "enum": ["S", "Z"]}));
    }

    #[test]
    fn definitions_and_name_only_descriptions_go() {
        let derived = json!({
            "$defs": {"Party": {"description": "A party.", "type": "object", "properties": {
                "city": {"type": "string", "description": "City."},
                "vat_id": {"type": "string", "description": "VAT id with its country prefix."}
            }}},
            "type": "object",
            "properties": {
                "buyer": {"$ref": "#/$defs/Party", "description": "Who is billed."},
                "seller": {"$ref": "#/$defs/Party"}
            }
        });
        assert_eq!(
            slim(derived, Side::Input),
            json!({
                "$defs": {"Party": {"type": "object", "properties": {
                    "city": {"type": "string"},
                    "vat_id": {"type": "string", "description": "VAT id with its country prefix."}
                }}},
                "type": "object",
                "properties": {
                    "buyer": {"$ref": "#/$defs/Party", "description": "Who is billed."},
                    "seller": {"$ref": "#/$defs/Party"}
                }
            })
        );
    }

    #[test]
    fn definitions_used_once_are_written_in_place() {
        let derived = json!({
            "$defs": {
                "Language": {"type": "string", "enum": ["de", "en"]},
                "Party": {"type": "object", "properties": {"name": {"type": "string"}}}
            },
            "type": "object",
            "properties": {
                "language": {"$ref": "#/$defs/Language", "description": "Language of the text."},
                "buyer": {"$ref": "#/$defs/Party"},
                "seller": {"$ref": "#/$defs/Party"}
            }
        });
        assert_eq!(
            slim(derived, Side::Input),
            json!({
                "$defs": {"Party": {"type": "object", "properties": {"name": {"type": "string"}}}},
                "type": "object",
                "properties": {
                    "language": {"type": "string", "enum": ["de", "en"], "description": "Language of the text."},
                    "buyer": {"$ref": "#/$defs/Party"},
                    "seller": {"$ref": "#/$defs/Party"}
                }
            })
        );
    }

    #[test]
    fn results_lose_their_nulls_at_every_depth() {
        let value = json!({"a": null, "b": [{"c": null, "d": 1}], "e": {"f": null}});
        assert_eq!(drop_nulls(value), json!({"b": [{"d": 1}], "e": {}}));
    }
}

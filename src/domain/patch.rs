//! JSON merge patch (RFC 7396): how a client edits a draft by sending only what changes.
//!
//! Written here, not taken from a crate: the merge is one short recursion over `serde_json`
//! values, and the crates that have it bring RFC 6902 patches and their dependencies along.

use serde_json::Value;

/// Apply `patch` to `target`: objects merge key by key, `null` removes a key, anything else
/// (arrays included) replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(fields) = target {
        for (key, value) in patch_fields {
            if value.is_null() {
                fields.remove(key);
            } else {
                merge_patch(fields.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc_7396_examples() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}, "l": [3]}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}, "l": [3]}));
        let mut doc = json!({"a": "b"});
        merge_patch(&mut doc, &json!({"a": {"b": "c"}}));
        assert_eq!(doc, json!({"a": {"b": "c"}}));
    }
}

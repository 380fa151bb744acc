//! Bounds on every value of the contract (OWASP API security rules: every string a `maxLength`,
//! every integer a `minimum` and `maximum`), so that an integrator's validator and fuzzer know what
//! the server accepts and answers. Inputs carry their own bounds (the server enforces them, see
//! `web::contract`); here the values only answered get theirs:
//! - a property named like an input property takes the input's bound (the value came from it);
//! - dates, timestamps, ids and URIs their format's length;
//! - the values the server writes itself the bounds in [`OUTPUT_MAX_LEN`];
//! - integers the range of their format where the code states none.

use serde_json::{Map, Value};

/// The longest value the server writes into each of these properties (hashes, names it joins,
/// texts it composes). A new output string without a bound here or an input namesake fails the
/// contract test `every_value_is_bounded`, so that its bound is decided, not left out.
const OUTPUT_MAX_LEN: &[(&str, u64)] = &[
    ("access_token", 8192),
    ("acknowledged_by", 200),
    ("action", 100),
    ("actor", 200),
    ("agent_name", 400),
    ("agrement_arrete", 200),
    ("allowed", 64),
    ("author", 400),
    ("bailleur", 400),
    ("basis_offence_code", 64),
    ("breach_offence_code", 64),
    ("catalogue_version", 64),
    ("chain", 64),
    ("circonscription_name", 200),
    ("commune", 200),
    ("contact_role", 64),
    ("content_hash", 80),
    ("correction_reason", 10_000),
    ("database", 16),
    ("defining_articles", 2000),
    ("detail", crate::error::MAX_DETAIL_LEN as u64),
    ("domicile", 1000),
    ("error", 64),
    ("errors", 2000),
    ("event_type", 100),
    ("field", 200),
    ("fields", 200),
    ("hash", 64),
    ("instance", 200),
    ("label", 1000),
    ("last_error", 500),
    ("legal_basis", 100),
    ("legal_reference", 200),
    ("max_penalty", 1000),
    ("message", crate::error::MAX_DETAIL_LEN as u64),
    ("nature", 32),
    ("next", 4096),
    ("next_steps", 10_000),
    ("note", 10_000),
    ("oath_tribunal", 200),
    ("organisation_name", 200),
    ("parquet", 400),
    ("penalty_articles", 2000),
    ("placed_by", 200),
    ("postal_code", 10),
    ("prev_hash", 64),
    ("reader", 200),
    ("record_type", 32),
    ("refusal_reasons", 10_000),
    ("released_by", 200),
    ("reliability", 64),
    ("residence", 400),
    ("resource_ids", 64),
    ("role", 64),
    ("signed_by", 200),
    ("source", 200),
    ("started_by", 200),
    ("state_hash", 64),
    ("status", 64),
    ("substitution_reason", 10_000),
    ("summary", 2000),
    ("superseded_by", 64),
    ("title", 200),
    ("token_type", 16),
];

/// Response headers by name.
const HEADER_MAX_LEN: &[(&str, u64)] = &[
    ("ETag", 64),
    ("Location", 2048),
    ("Link", 4096),
    ("Vigie-Sync", 16),
    ("Vary", 100),
    ("Content-Disposition", 300),
    ("Cache-Control", 100),
];

/// The largest printable page the server renders (slips, documents, the problem catalogue).
const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;

fn max_len_of_format(format: &str) -> Option<u64> {
    match format {
        "date" => Some(10),
        // RFC 3339 with nanoseconds and an offset: `2026-11-28T09:05:00.123456789+01:00` is 35.
        "date-time" => Some(64),
        "uuid" => Some(36),
        "uri" | "uri-reference" => Some(2048),
        _ => None,
    }
}

fn is_type(v: &Map<String, Value>, t: &str) -> bool {
    match v.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) => a.iter().any(|x| x == t),
        _ => false,
    }
}

/// The longest value of each property name that some input bounds.
fn input_bounds(v: &Value, name: Option<&str>, out: &mut std::collections::HashMap<String, u64>) {
    match v {
        Value::Object(o) => {
            if let (Some(n), Some(max)) = (name, o.get("maxLength").and_then(Value::as_u64)) {
                let e = out.entry(n.to_owned()).or_insert(0);
                *e = (*e).max(max);
            }
            for (k, x) in o {
                match k.as_str() {
                    "properties" => {
                        for (p, s) in x.as_object().into_iter().flatten() {
                            input_bounds(s, Some(p), out);
                        }
                    }
                    "items" | "oneOf" | "anyOf" | "allOf" => input_bounds(x, name, out),
                    _ => input_bounds(x, None, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| input_bounds(x, name, out)),
        _ => {}
    }
}

fn bound(
    v: &mut Value,
    name: Option<&str>,
    known: &std::collections::HashMap<String, u64>,
    max_body: u64,
) {
    match v {
        Value::Object(o) => {
            if is_type(o, "string")
                && !o.contains_key("maxLength")
                && !o.contains_key("enum")
                && !o.contains_key("const")
            {
                let by_format = o
                    .get("format")
                    .and_then(Value::as_str)
                    .and_then(max_len_of_format);
                let by_name = name.and_then(|n| {
                    known.get(n).copied().or_else(|| {
                        OUTPUT_MAX_LEN
                            .iter()
                            .find(|(k, _)| *k == n)
                            .map(|(_, m)| *m)
                            .or_else(|| (n == "id" || n.ends_with("_id")).then_some(64))
                    })
                });
                if let Some(max) = by_format.or(by_name) {
                    o.insert("maxLength".into(), max.into());
                } else if o.get("format").and_then(Value::as_str) == Some("binary") {
                    o.insert("maxLength".into(), max_body.into());
                }
            }
            if is_type(o, "integer") {
                let (min, max) = match o.get("format").and_then(Value::as_str) {
                    Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    _ => (i64::MIN, i64::MAX),
                };
                o.entry("minimum").or_insert(min.into());
                o.entry("maximum").or_insert(max.into());
            }
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                let Some(x) = o.get_mut(&k) else { continue };
                match k.as_str() {
                    "properties" => {
                        if let Some(props) = x.as_object_mut() {
                            for (p, s) in props.iter_mut() {
                                bound(s, Some(p), known, max_body);
                            }
                        }
                    }
                    "items" | "oneOf" | "anyOf" | "allOf" => bound(x, name, known, max_body),
                    "headers" => {
                        if let Some(hs) = x.as_object_mut() {
                            for (h, s) in hs.iter_mut() {
                                let max =
                                    HEADER_MAX_LEN.iter().find(|(n, _)| n == h).map(|(_, m)| *m);
                                if let (Some(max), Some(schema)) =
                                    (max, s.get_mut("schema").and_then(Value::as_object_mut))
                                {
                                    schema.entry("maxLength").or_insert(max.into());
                                }
                                bound(s, None, known, max_body);
                            }
                        }
                    }
                    _ => bound(x, None, known, max_body),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| bound(x, name, known, max_body)),
        _ => {}
    }
}

/// Bounds the string bodies of a `content` map (uploads, pages) that state no length.
fn bound_media(content: Option<&mut Value>, max: u64) {
    for media in content
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|c| c.values_mut())
    {
        if let Some(schema) = media.get_mut("schema").and_then(Value::as_object_mut)
            && is_type(schema, "string")
        {
            schema.entry("maxLength").or_insert(max.into());
        }
    }
}

/// Declares the bounds of every string and integer of the document that states none.
pub fn declare_value_bounds(doc: &mut Value) {
    let mut known = std::collections::HashMap::new();
    if let Some(schemas) = doc.pointer("/components/schemas") {
        input_bounds(schemas, None, &mut known);
    }
    // Raw uploads (CSV, NDJSON) are bounded by the largest import the server reads by default.
    let max_body = crate::state::Limits::default().max_import_bytes as u64;
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|i| i.values_mut())
        {
            bound_media(op.pointer_mut("/requestBody/content"), max_body);
            // Whole pages answered as text (HTML slips, documents, the problem catalogue).
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for response in responses.values_mut() {
                    bound_media(response.get_mut("content"), MAX_PAGE_BYTES);
                }
            }
        }
    }
    bound(doc, None, &known, max_body);
}

//! The contract as the server enforces it. Every bound the generated OpenAPI document declares on
//! an input (a string's `maxLength`, an integer's `minimum` and `maximum`, an array's `maxItems`)
//! is checked here from the document itself, so that the contract and the server cannot disagree:
//! JSON bodies by [`check_body`] (through the `Body` extractor), path and query parameters by the
//! [`guard_parameters`] middleware. The rules of the use cases (and their more specific codes) apply
//! after these checks.

use std::sync::OnceLock;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// The longest value of a path, query or header parameter that declares none itself, by name:
/// what the contract states (see `openapi::declare_parameter_limits`) and this module enforces.
pub fn parameter_max_len(name: &str) -> usize {
    match name {
        "cursor" => 512,
        "Idempotency-Key" => 255,
        "external_ref" | "q" | "article" | "version" | "resource_type" | "action" => 100,
        "after" => 20,
        _ if name.ends_with("code") || name == "commune" || name == "circonscription" => 32,
        // Ids (UUIDs), logins and the other filters.
        _ => 64,
    }
}

/// The contract of this build, as JSON.
fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(crate::app::openapi()).unwrap_or(Value::Null))
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/components/schemas/")
            .and_then(|name| document()["components"]["schemas"].get(name))
            .map_or(&Value::Null, resolve),
        None => schema,
    }
}

/// Where a JSON body breaks a bound its schema (`#/components/schemas/<name>`) declares.
pub fn check_body(name: &str, body: &Value) -> Vec<FieldError> {
    let mut out = vec![];
    if let Some(schema) = document()["components"]["schemas"].get(name) {
        walk(resolve(schema), body, "", &mut out);
    }
    out
}

fn field(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

fn walk(schema: &Value, value: &Value, path: &str, out: &mut Vec<FieldError>) {
    if value.is_null() {
        return;
    }
    for all in schema["allOf"].as_array().into_iter().flatten() {
        walk(resolve(all), value, path, out);
    }
    // A tagged union: the branch whose constant properties (`kind`...) the value has.
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array()
            && let Some(branch) = branches.iter().map(resolve).find(|b| matches(b, value))
        {
            walk(branch, value, path, out);
        }
    }
    match value {
        Value::String(s) => {
            if let Some(max) = schema["maxLength"].as_u64()
                && s.chars().count() as u64 > max
            {
                out.push(FieldError::new(
                    field(path),
                    "too_long",
                    format!("at most {max} characters"),
                ));
            }
        }
        Value::Number(n) => {
            let (min, max) = (schema["minimum"].as_f64(), schema["maximum"].as_f64());
            let v = n.as_f64().unwrap_or(f64::NAN);
            if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                out.push(FieldError::new(
                    field(path),
                    "out_of_range",
                    format!(
                        "between {} and {}",
                        min.map_or("-∞".into(), |m| m.to_string()),
                        max.map_or("∞".into(), |m| m.to_string())
                    ),
                ));
            }
        }
        Value::Array(items) => {
            if let Some(max) = schema["maxItems"].as_u64()
                && items.len() as u64 > max
            {
                out.push(FieldError::new(
                    field(path),
                    "too_many",
                    format!("at most {max} entries"),
                ));
            }
            let item = resolve(&schema["items"]);
            for (i, v) in items.iter().enumerate() {
                walk(item, v, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if let Some(p) = schema["properties"].get(k) {
                    walk(resolve(p), v, &here, out);
                } else if schema["additionalProperties"].is_object() {
                    walk(resolve(&schema["additionalProperties"]), v, &here, out);
                }
            }
        }
        _ => {}
    }
}

/// Whether `value` has the constant (single-value enum) properties of a union's branch.
fn matches(branch: &Value, value: &Value) -> bool {
    let Some(props) = branch["properties"].as_object() else {
        return false;
    };
    let constants: Vec<(&String, &Value)> = props
        .iter()
        .filter_map(|(k, p)| {
            let p = resolve(p);
            match p["enum"].as_array() {
                Some(values) if values.len() == 1 => Some((k, &values[0])),
                _ => None,
            }
        })
        .collect();
    !constants.is_empty()
        && constants
            .iter()
            .all(|(k, c)| value.get(k.as_str()) == Some(*c))
}

/// A declared parameter's bounds.
#[derive(Debug)]
struct Param {
    name: String,
    location: String,
    max_length: Option<u64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

struct Operation {
    method: Method,
    path: ResourceDef,
    params: Vec<Param>,
}

fn operations() -> &'static [Operation] {
    static OPS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut ops = vec![];
        for (path, item) in document()["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let s = resolve(&p["schema"]);
                        Param {
                            name: p["name"].as_str().unwrap_or_default().to_owned(),
                            location: p["in"].as_str().unwrap_or_default().to_owned(),
                            max_length: s["maxLength"].as_u64(),
                            minimum: s["minimum"].as_f64(),
                            maximum: s["maximum"].as_f64(),
                        }
                    })
                    .collect();
                ops.push(Operation {
                    method,
                    path: ResourceDef::new(path.as_str()),
                    params,
                });
            }
        }
        ops
    })
}

/// The methods the contract has for `path` (empty: no such path).
pub fn methods_of(path: &str) -> Vec<Method> {
    let mut out: Vec<Method> = operations()
        .iter()
        .filter(|o| o.path.is_match(path))
        .map(|o| o.method.clone())
        .collect();
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out.dedup();
    out
}

/// What is wrong with a request's parameters, if anything.
fn check_parameters(method: &Method, path: &str, query: &str) -> Result<(), ApiError> {
    let Some(op) = operations()
        .iter()
        .find(|o| o.method == *method && o.path.is_match(path))
    else {
        return Ok(());
    };
    let mut matched = actix_web::dev::Path::new(path);
    op.path.capture_match_info(&mut matched);
    for p in op.params.iter().filter(|p| p.location == "path") {
        let raw = matched.get(&p.name).unwrap_or_default();
        let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        // An id longer than any id cannot name a record.
        if p.max_length
            .is_some_and(|m| value.chars().count() as u64 > m)
        {
            return Err(ApiError::not_found());
        }
    }
    let mut errors = vec![];
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let Some(p) = op
            .params
            .iter()
            .find(|p| p.location == "query" && p.name == name)
        else {
            continue;
        };
        if let Some(max) = p.max_length
            && value.chars().count() as u64 > max
        {
            errors.push(FieldError::new(
                name.as_ref(),
                "too_long",
                format!("at most {max} characters"),
            ));
        }
        // A value that is not a number is the extractor's to refuse (400 invalid_query).
        if let (true, Ok(n)) = (
            p.minimum.is_some() || p.maximum.is_some(),
            value.parse::<f64>(),
        ) && (p.minimum.is_some_and(|m| n < m) || p.maximum.is_some_and(|m| n > m))
        {
            errors.push(FieldError::new(
                name.as_ref(),
                "out_of_range",
                format!(
                    "between {} and {}",
                    p.minimum.unwrap_or(f64::MIN),
                    p.maximum.unwrap_or(f64::MAX)
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// Refuses, before any handler, a request whose path or query parameters break the bounds the
/// contract declares for its operation: 404 for a path id longer than any id, 422 for a query
/// value too long or out of range.
pub async fn guard_parameters(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Err(e) = check_parameters(req.method(), req.path(), req.query_string()) {
        let res = actix_web::ResponseError::error_response(&e);
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

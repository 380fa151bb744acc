//! The committed contract is the one the code generates, and every operation is fully documented.

use serde_json::Value;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_openapi_matches_the_code() {
    let generated = vigie_api::openapi().to_pretty_json().unwrap();
    let committed: Value = serde_json::from_str(COMMITTED).expect("openapi/openapi.json is JSON");
    let current: Value = serde_json::from_str(&generated).unwrap();
    assert!(
        committed == current,
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn every_operation_is_documented() {
    let doc: Value = serde_json::from_str(&vigie_api::openapi().to_pretty_json().unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Vigie API");
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let here = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{here}: operationId"));
            assert!(
                ids.insert(id.to_owned()),
                "{here}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{here}: summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{here}: tag"
            );
            assert!(op.get("security").is_some(), "{here}: security requirement");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{here}: success response"
            );
            let public = path.ends_with("/healthz");
            assert!(
                public
                    || responses
                        .keys()
                        .any(|k| k.starts_with('4') || k.starts_with('5')),
                "{here}: error responses"
            );
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"].get("application/problem+json").is_some(),
                        "{here} {status}: problem+json"
                    );
                }
            }
            if let Some(body) = op.get("requestBody") {
                for (media, content) in body["content"].as_object().unwrap() {
                    let has_example = content.get("example").is_some()
                        || content["schema"]
                            .get("$ref")
                            .and_then(Value::as_str)
                            .is_some_and(|r| {
                                let name = r.rsplit('/').next().unwrap();
                                doc["components"]["schemas"][name].get("example").is_some()
                            });
                    assert!(has_example, "{here}: request example for {media}");
                }
            }
        }
    }
    assert!(ids.len() >= 25, "only {} operations", ids.len());
}

/// Every `$ref` of the document points at a schema it defines (utoipa references a type used only
/// in query parameters without registering it unless told to inline it).
#[test]
fn every_reference_resolves() {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == "$ref"
                        && let Some(r) = x.as_str()
                    {
                        out.push(r.to_owned());
                    }
                    refs(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(vigie_api::openapi()).unwrap();
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    let missing: Vec<&String> = all
        .iter()
        .filter(|r| {
            let name = r.trim_start_matches("#/components/schemas/");
            doc["components"]["schemas"].get(name).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "unresolved references: {missing:?}");
}

/// OWASP API security rules: every string of the contract has a `maxLength` and every integer
/// a `minimum` and `maximum`, so that validators and fuzzers know the server's limits.
#[test]
fn every_value_is_bounded() {
    let doc: Value = serde_json::from_str(&vigie_api::openapi().to_pretty_json().unwrap()).unwrap();
    let mut unbounded = vec![];
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                let is = |t: &str| match o.get("type") {
                    Some(Value::String(s)) => s == t,
                    Some(Value::Array(a)) => a.iter().any(|x| x == t),
                    _ => false,
                };
                if is("string")
                    && !o.contains_key("maxLength")
                    && !o.contains_key("enum")
                    && !o.contains_key("const")
                {
                    out.push(format!("{path}: string without maxLength"));
                }
                if is("integer") && !(o.contains_key("minimum") && o.contains_key("maximum")) {
                    out.push(format!("{path}: integer without bounds"));
                }
                for (k, x) in o {
                    walk(x, &format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    walk(&doc, "", &mut unbounded);
    assert!(
        unbounded.is_empty(),
        "{} unbounded values: {:#?}",
        unbounded.len(),
        &unbounded[..unbounded.len().min(30)]
    );
    // Every operation that takes a token declares 429 and 500.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let authenticated = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if authenticated {
                for status in ["429", "500"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path}: {status}"
                    );
                }
            }
        }
    }
}

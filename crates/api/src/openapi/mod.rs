//! The contract: assembled by utoipa from the handlers' annotations.

use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

mod bounds;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigie API",
        description = "Shared backend of the Hauts-de-Seine social-housing security convention (5 September 2022): \
bailleurs, police circonscriptions and the parquet de Nanterre. Every error is an RFC 9457 problem (`application/problem+json`) \
with a stable `code`. Obtain a token at `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
        license(name = "EUPL-1.2", url = "https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12"),
        contact(name = "Vigie maintainers", url = "https://vigie.example/contact"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    modifiers(&Security),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "OAuth2 token endpoint"),
        (name = "organisations", description = "The convention's parties"),
        (name = "people", description = "People of an organisation (password grant)"),
        (name = "api-clients", description = "API clients of an organisation (client credentials grant)"),
        (name = "reference", description = "Communes, circonscriptions and the dated mapping between them"),
        (name = "offences", description = "Offence catalogue and NATINF list"),
        (name = "audit", description = "Hash-chained audit trail"),
        (name = "access-journal", description = "Who read which personal offence data, when and why: for the organisation's data protection officer"),
        (name = "data-protection", description = "A data protection officer's answers to data subjects' requests (GDPR art. 15 and 17)"),
        (name = "retention", description = "How long records naming people are kept: legal holds and the runs that anonymise what is past its end"),
        (name = "residences", description = "A bailleur's residences, synced by reference"),
        (name = "staff", description = "A bailleur's front-line staff"),
        (name = "directory", description = "Designated contacts of the convention"),
        (name = "incidents", description = "Incidents: intake, qualification, routing, lifecycle"),
        (name = "sworn-agents", description = "Sworn agents' files: commission, the préfet's agrément on the bailleur's request, oath, suspension, withdrawal"),
        (name = "bans", description = "The préfet's bans from premises (art. L.22-11-1 CSI), acknowledged by the landlord and the police"),
        (name = "injunctions", description = "The préfet's injunctions to sue for a lease's termination (art. L.442-4-3 CCH): deadlines and each party's steps"),
        (name = "pvs", description = "Procès-verbaux of sworn agents: drawing up, signature, corrections, deadlines"),
        (name = "pv-transmissions", description = "Transmission of PVs to the parquet, slips and acknowledgements"),
        (name = "complaints", description = "Simplified complaints, their routing, orientation and the TADPR track; notifications"),
        (name = "events", description = "The change feed: ordered, gap-free, resumable"),
        (name = "webhooks", description = "Signed webhook deliveries of the change feed"),
        (name = "imports", description = "Bulk import of incidents (CSV, NDJSON) as jobs with per-row errors"),
        (name = "operations", description = "Health and readiness"),
        (name = "problems", description = "What each problem code means and how to get past it: the pages problem `type` URIs point to"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/token (or from the configured identity provider)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([
                Flow::ClientCredentials(ClientCredentials::new(
                    "/api/v1/auth/token",
                    Scopes::new(),
                )),
                Flow::Password(Password::new("/api/v1/auth/token", Scopes::new())),
            ])),
        );
    }
}

/// Gives every string parameter that declares no bound of its own the maximum length the server
/// enforces for its name (`web::contract::parameter_max_len`), so that the contract states it.
fn declare_parameter_limits(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    for item in api.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            for param in op.parameters.iter_mut().flatten() {
                let RefOr::T(param) = param else { continue };
                let max = crate::web::contract::parameter_max_len(&param.name);
                if let Some(RefOr::T(Schema::Object(o))) = &mut param.schema {
                    let string = match &o.schema_type {
                        SchemaType::Type(Type::String) => true,
                        SchemaType::Array(types) => types.contains(&Type::String),
                        _ => false,
                    };
                    if string && o.max_length.is_none() && o.enum_values.is_none() {
                        o.max_length = Some(max);
                    }
                }
            }
        }
    }
}

/// Names the variants of every tagged union (`#[serde(tag = "kind")]` enums, which utoipa writes as
/// a `oneOf` of inline objects) and gives the union a `discriminator`, and turns an `allOf` over
/// such a union (a view that adds fields to it) into a union of named variants too. Client
/// generators need both: without them openapi-python-client drops the schemas (and every model that
/// holds one) and typed clients cannot tell the variants apart.
fn name_union_variants(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value, json};
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let pascal = |s: &str| -> String {
        s.split(['_', '-', '.'])
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    };
    // The tag of a union: a property every branch has with one constant value.
    let tag_of = |branches: &[Value]| -> Option<(String, Vec<String>)> {
        let first = branches.first()?.get("properties")?.as_object()?;
        'candidates: for key in first.keys() {
            let mut values = vec![];
            for b in branches {
                if b.get("$ref").is_some() {
                    return None;
                }
                let Some(v) = b
                    .pointer(&format!("/properties/{key}/enum"))
                    .and_then(Value::as_array)
                    .filter(|e| e.len() == 1)
                    .and_then(|e| e[0].as_str())
                else {
                    continue 'candidates;
                };
                values.push(v.to_owned());
            }
            return Some((key.clone(), values));
        }
        None
    };
    let names: Vec<String> = schemas.keys().cloned().collect();
    let mut added = Map::new();
    for name in &names {
        let Some(branches) = schemas[name]
            .get("oneOf")
            .and_then(Value::as_array)
            .cloned()
        else {
            continue;
        };
        let Some((tag, values)) = tag_of(&branches) else {
            continue;
        };
        let mut refs = vec![];
        let mut mapping = Map::new();
        for (branch, value) in branches.into_iter().zip(values) {
            let variant = format!("{name}{}", pascal(&value));
            let r = format!("#/components/schemas/{variant}");
            added.insert(variant, branch);
            refs.push(json!({"$ref": r}));
            mapping.insert(value, Value::String(r));
        }
        let s = &mut schemas[name];
        s["oneOf"] = Value::Array(refs);
        s["discriminator"] = json!({"propertyName": tag, "mapping": mapping});
    }
    // Views that extend a union (`allOf: [{$ref: Union}, {extra fields}]`).
    let unions: Map<String, Value> = names
        .iter()
        .filter_map(|n| {
            schemas[n]
                .get("discriminator")
                .map(|d| (format!("#/components/schemas/{n}"), d.clone()))
        })
        .collect();
    for name in &names {
        let Some(parts) = schemas[name]
            .get("allOf")
            .and_then(Value::as_array)
            .cloned()
        else {
            continue;
        };
        let Some((pos, disc)) = parts.iter().enumerate().find_map(|(i, p)| {
            p.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| unions.get(r))
                .map(|d| (i, d.clone()))
        }) else {
            continue;
        };
        let extra: Vec<Value> = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != pos)
            .map(|(_, p)| p.clone())
            .collect();
        let mut refs = vec![];
        let mut mapping = Map::new();
        for (value, variant_ref) in disc["mapping"].as_object().cloned().unwrap_or_default() {
            let variant = format!("{name}{}", pascal(&value));
            let r = format!("#/components/schemas/{variant}");
            let mut all_of = vec![json!({"$ref": variant_ref})];
            all_of.extend(extra.iter().cloned());
            added.insert(variant, json!({"allOf": all_of}));
            refs.push(json!({"$ref": r}));
            mapping.insert(value, Value::String(r));
        }
        let description = schemas[name].get("description").cloned();
        let mut s = json!({"oneOf": refs, "discriminator": {"propertyName": disc["propertyName"], "mapping": mapping}});
        if let Some(d) = description {
            s["description"] = d;
        }
        schemas[name] = s;
    }
    for (k, v) in added {
        schemas.entry(k).or_insert(v);
    }
}

/// Names the page of `T` `PageT` (utoipa writes `Page_T`) and makes its items a reference to `T`
/// instead of an inline copy, so that generated clients share one model per resource.
fn name_pages(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let pages: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|k| {
            k.strip_prefix("Page_")
                .map(|item| (k.clone(), item.to_owned()))
        })
        .filter(|(_, item)| schemas.contains_key(item))
        .collect();
    let mut renamed = vec![];
    for (page, item) in pages {
        if let Some(mut schema) = schemas.remove(&page) {
            if let Some(items) = schema.pointer_mut("/properties/items/items") {
                *items = json!({"$ref": format!("#/components/schemas/{item}")});
            }
            let name = format!("Page{item}");
            schemas.insert(name.clone(), schema);
            renamed.push((
                format!("#/components/schemas/{page}"),
                format!("#/components/schemas/{name}"),
            ));
        }
    }
    fn rewrite(v: &mut Value, renamed: &[(String, String)]) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if k == "$ref"
                        && let Value::String(r) = child
                        && let Some((_, new)) = renamed.iter().find(|(old, _)| old == r)
                    {
                        *r = new.clone();
                    } else {
                        rewrite(child, renamed);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| rewrite(i, renamed)),
            _ => {}
        }
    }
    rewrite(doc, &renamed);
}

/// Declares the headers every answer carries (`x-request-id`) and creations may carry
/// (`Idempotent-Replayed`), so that clients see them in the contract.
fn declare_common_headers(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let request_id = json!({"description": "The request's id: the `x-request-id` you sent, or one Vigie made; quote it when asking for help.",
        "schema": {"type": "string", "maxLength": 128}});
    let replayed = json!({"description": "`true` when the answer repeats the first answer to the same `Idempotency-Key` and body.",
        "schema": {"type": "string", "enum": ["true"]}});
    let policy = json!({"description": "The caller's rate limit policy (draft-ietf-httpapi-ratelimit-headers): `\"principal\";q=<requests>;w=<seconds>`. Absent when limiting is off.",
        "schema": {"type": "string", "maxLength": 100}});
    let state = json!({"description": "Where the caller stands: `\"principal\";r=<remaining>;t=<seconds until the quota is full again>`. Absent when limiting is off.",
        "schema": {"type": "string", "maxLength": 100}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            let idempotent = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
            let authenticated = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(r) = response.as_object_mut() else {
                    continue;
                };
                let headers = r.entry("headers").or_insert_with(|| json!({}));
                if let Some(h) = headers.as_object_mut() {
                    h.entry("x-request-id")
                        .or_insert_with(|| request_id.clone());
                    if authenticated && status != "401" {
                        h.entry("RateLimit-Policy")
                            .or_insert_with(|| policy.clone());
                        h.entry("RateLimit").or_insert_with(|| state.clone());
                    }
                    if idempotent && status == "201" {
                        h.entry("Idempotent-Replayed")
                            .or_insert_with(|| replayed.clone());
                    }
                }
            }
        }
    }
}

/// The OpenAPI 3.1 `webhooks` section: one entry per event type a subscription may receive, with
/// the payload and the headers that sign and identify it.
fn declare_webhooks(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value, json};
    let types: Vec<&str> = vigie_app::feed::EVENT_TYPES.to_vec();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.insert(
            "WebhookEvent".into(),
            json!({
                "type": "object",
                "description": "What a webhook delivery carries: the feed event. Read the resource itself from the API.",
                "required": ["id", "seq", "type", "resource_type", "resource_id", "data", "occurred_at"],
                "properties": {
                    "id": {"type": "string", "maxLength": 64, "description": "The event's id, the same on every retry: de-duplicate with it."},
                    "seq": {"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX},
                    "type": {"type": "string", "enum": types},
                    "resource_type": {"type": "string", "maxLength": 64},
                    "resource_id": {"type": "string", "maxLength": 64},
                    "data": {"type": "object", "description": "A small summary (status, version...)."},
                    "occurred_at": {"type": "string", "format": "date-time", "maxLength": 40}
                },
                "example": {"id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "seq": 1043, "type": "incident.created",
                    "resource_type": "incident", "resource_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e",
                    "data": {"status": "reported", "version": 1}, "occurred_at": "2026-11-28T08:05:00.123456Z"}
            }),
        );
    }
    let header = |name: &str, description: &str| {
        json!({"name": name, "in": "header", "required": true, "description": description,
            "schema": {"type": "string", "maxLength": 200}})
    };
    let mut hooks = Map::new();
    for t in types {
        hooks.insert(
            t.to_owned(),
            json!({"post": {
                "operationId": format!("webhook_{}", t.replace('.', "_")),
                "summary": format!("`{t}` delivered to a subscription"),
                "description": format!("Sent as a `POST` to the subscription's URL, signed with its secret in two schemes: `Vigie-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`, and Standard Webhooks' `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of \"<id>.<t>.<body>\">` (key: `standard_secret`). Refuse a timestamp more than {tolerance} s from your clock. During a secret rotation's grace period each header carries one signature per secret: accept any that matches. Answer 2xx within 10 s; anything else is retried with jittered exponential backoff for at least 24 hours.", tolerance = vigie_app::deliveries::SIGNATURE_TOLERANCE_SECS),
                "tags": ["webhooks"],
                // Vigie calls the receiver: no bearer token, the signature authenticates the call.
                "security": [],
                "parameters": [
                    header("Vigie-Signature", "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the secret>`"),
                    header("Vigie-Event-Id", "The event's id, the same on every retry"),
                    header("Vigie-Event-Type", "The event type"),
                    header("Vigie-Delivery-Id", "This delivery's id"),
                    header("webhook-id", "Standard Webhooks: the event's id, the same on every retry"),
                    header("webhook-timestamp", "Standard Webhooks: unix seconds when sent"),
                    header("webhook-signature", "Standard Webhooks: `v1,<base64 signature>`, space-separated, one per secret in force")
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookEvent"}}}},
                "responses": {
                    "200": {"description": "Received (any 2xx)"},
                    "400": {"description": "Refused (any other answer): the delivery is retried"}
                }
            }}),
        );
    }
    doc["webhooks"] = Value::Object(hooks);
}

/// The closed sets of values that the code keeps as strings, declared as enums: import job and
/// delivery statuses, the event types of subscriptions, the OAuth2 grant types, the problem codes.
fn declare_value_sets(doc: &mut serde_json::Value) {
    use serde_json::json;
    let problem_codes: Vec<&str> = vigie_app::problems::codes().collect();
    let event_types: Vec<&str> = vigie_app::feed::EVENT_TYPES
        .iter()
        .chain(vigie_app::feed::RESTRICTED_EVENT_TYPES)
        .copied()
        .collect();
    let field_codes = vigie_domain::field_codes::FIELD_CODES;
    // An import row is refused by a field rule, or by its use case as a whole (a problem code).
    let mut row_codes: Vec<&str> = field_codes
        .iter()
        .copied()
        .chain(problem_codes.iter().copied())
        .collect();
    row_codes.sort_unstable();
    row_codes.dedup();
    let sets: [(&str, &str, &[&str], bool); 12] = [
        ("FieldError", "code", field_codes, false),
        ("RowError", "code", field_codes, false),
        ("ImportError", "code", &row_codes, false),
        ("Event", "type", &event_types, false),
        ("Problem", "code", &problem_codes, false),
        ("ProblemTypeDoc", "code", &problem_codes, false),
        ("ImportJob", "status", vigie_app::imports::STATUSES, false),
        (
            "Delivery",
            "status",
            vigie_app::webhooks::DELIVERY_STATUSES,
            false,
        ),
        (
            "Subscription",
            "event_types",
            vigie_app::feed::EVENT_TYPES,
            true,
        ),
        (
            "CreateSubscription",
            "event_types",
            vigie_app::feed::EVENT_TYPES,
            true,
        ),
        (
            "UpdateSubscription",
            "event_types",
            vigie_app::feed::EVENT_TYPES,
            true,
        ),
        (
            "TokenRequest",
            "grant_type",
            &["client_credentials", "password"],
            false,
        ),
    ];
    for (schema, property, values, items) in sets {
        let path = format!("/components/schemas/{schema}/properties/{property}");
        let Some(p) = doc.pointer_mut(&path) else {
            continue;
        };
        let target = if items {
            match p.get_mut("items") {
                Some(i) => i,
                None => continue,
            }
        } else {
            p
        };
        if let Some(o) = target.as_object_mut() {
            o.insert("enum".into(), json!(values));
            o.remove("maxLength");
            o.remove("minLength");
        }
    }
}

/// The reads of personal offence data the access journal records: each takes `Vigie-Purpose`
/// (required from partners, 400 `purpose_required` without it).
const JOURNALED: &[&str] = &[
    "listIncidents",
    "getIncident",
    "listComplaints",
    "getComplaint",
    "printComplaint",
    "listPvs",
    "getPv",
    "printPv",
    "listInjunctions",
    "getInjunction",
    "listBans",
    "getBan",
    "listAccessJournal",
];

fn declare_purpose_header(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let purposes: Vec<&str> = vigie_domain::journal::Purpose::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    let header = json!({"name": "Vigie-Purpose", "in": "header", "required": false,
        "description": "Why you read this personal data; the access journal records it. Required from partners (police, parquet, préfecture, AORIF, platform): 400 `purpose_required` without it. A bailleur's own reads default to `case_management`.",
        "schema": {"type": "string", "enum": purposes}, "example": "investigation"});
    let bad = json!({"description": "`purpose_required`: a partner's read without `Vigie-Purpose`; `invalid_purpose`: a purpose not in the list",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|i| i.values_mut())
    {
        let journaled = op["operationId"]
            .as_str()
            .is_some_and(|id| JOURNALED.contains(&id));
        if !journaled {
            continue;
        }
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.push(header.clone());
        } else {
            op["parameters"] = json!([header.clone()]);
        }
        if let Some(r) = op.get_mut("responses").and_then(Value::as_object_mut) {
            r.entry("400").or_insert_with(|| bad.clone());
        }
    }
}

/// Parameters kept for clients written against an earlier contract (utoipa's `IntoParams` cannot
/// mark a field deprecated without deprecating it for Rust too).
fn declare_deprecations(doc: &mut serde_json::Value) {
    const DEPRECATED: &[(&str, &str)] = &[("/api/v1/events", "after")];
    for (path, name) in DEPRECATED {
        let pointer = format!("/paths/{}/get/parameters", path.replace('/', "~1"));
        if let Some(params) = doc.pointer_mut(&pointer).and_then(|p| p.as_array_mut()) {
            for p in params.iter_mut().filter(|p| p["name"] == *name) {
                p["deprecated"] = serde_json::Value::Bool(true);
            }
        }
    }
}

/// What the generated contract needs before integrators' tools read it: the parameters' bounds,
/// named union variants with discriminators, named pages that reference their items, the common
/// headers, the closed value sets and the webhooks.
pub fn normalise(api: &mut utoipa::openapi::OpenApi) {
    declare_parameter_limits(api);
    let Ok(mut doc) = serde_json::to_value(&*api) else {
        return;
    };
    name_union_variants(&mut doc);
    name_pages(&mut doc);
    declare_common_headers(&mut doc);
    declare_value_sets(&mut doc);
    declare_deprecations(&mut doc);
    declare_purpose_header(&mut doc);
    declare_webhooks(&mut doc);
    bounds::declare_value_bounds(&mut doc);
    match serde_json::from_value(doc) {
        Ok(parsed) => *api = parsed,
        // A schema utoipa cannot read back (an untyped `{}` value, say) would silently drop every
        // normalisation above: loud in debug builds and the tests, logged in release.
        Err(e) => {
            debug_assert!(false, "the normalised contract does not parse back: {e}");
            log::error!("the normalised contract does not parse back: {e}");
        }
    }
}

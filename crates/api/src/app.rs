//! Assembling the application: routes, extractor limits, middleware, the contract and its UI.

use actix_cors::Cors;
use actix_web::body::EitherBody;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Logger, Next, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, error::JsonPayloadError, web};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope, service_config::ServiceConfig};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, PROBLEM_BASE, REQUEST_ID};
use crate::openapi::ApiDoc;
use crate::state::AppState;
use crate::{
    access_journal, audit, bans, complaints, data_subjects, directory, feed, imports, incidents,
    injunctions, offences, ops, organisations, prescriptions, principals, problems,
    pv_transmissions, pvs, reference, residences, retention, sworn_agents, token, webhooks,
};

/// Every `/api/v1` operation; the contract is collected from these registrations.
fn api_routes(cfg: &mut ServiceConfig) {
    cfg.service(bans::create_ban)
        .service(bans::list_bans)
        .service(bans::get_ban)
        .service(bans::acknowledge);
    cfg.service(injunctions::create_injunction)
        .service(injunctions::list_injunctions)
        .service(injunctions::get_injunction)
        .service(injunctions::record_step)
        .service(injunctions::link);
    cfg.service(token::issue_token)
        .service(token::revoke_token)
        .service(organisations::create_organisation)
        .service(organisations::list_organisations)
        .service(organisations::get_organisation)
        .service(organisations::update_organisation)
        .service(principals::create_person)
        .service(principals::list_people)
        .service(principals::get_person)
        .service(principals::update_person)
        .service(principals::create_api_client)
        .service(principals::list_api_clients)
        .service(principals::get_api_client)
        .service(principals::update_api_client)
        .service(principals::rotate_api_client_secret)
        .service(reference::list_communes)
        .service(reference::get_commune_circonscription)
        .service(reference::list_circonscriptions)
        .service(reference::get_circonscription)
        .service(reference::create_circonscription)
        .service(reference::list_commune_mappings)
        .service(reference::open_commune_mapping)
        .service(offences::list_offences)
        .service(offences::get_offence)
        .service(offences::import_natinf)
        .service(access_journal::list_journal)
        .service(access_journal::verify_journal)
        .service(audit::list_audit)
        .service(audit::verify_audit)
        .service(residences::put_residence)
        .service(residences::list_residences)
        .service(residences::get_residence)
        .service(residences::create_staff)
        .service(residences::list_staff)
        .service(residences::get_staff)
        .service(residences::update_staff)
        .service(directory::designate)
        .service(directory::list_designations)
        .service(directory::get_designation)
        .service(directory::end_designation)
        .service(incidents::create_incident)
        .service(incidents::list_incidents)
        .service(incidents::get_incident)
        .service(incidents::update_incident)
        .service(incidents::set_qualifications)
        .service(incidents::propose_qualifications)
        .service(incidents::transition_incident)
        .service(prescriptions::list_alerts)
        .service(data_subjects::access_request)
        .service(data_subjects::erasure_request)
        .service(retention::place_hold)
        .service(retention::list_holds)
        .service(retention::get_hold)
        .service(retention::release_hold)
        .service(retention::start_run)
        .service(retention::list_runs)
        .service(retention::get_run)
        .service(sworn_agents::create_sworn_agent)
        .service(sworn_agents::list_sworn_agents)
        .service(sworn_agents::get_sworn_agent)
        .service(sworn_agents::record_event)
        .service(pvs::create_pv)
        .service(pvs::list_pvs)
        .service(pvs::get_pv)
        .service(pvs::print_pv)
        .service(pvs::update_draft)
        .service(pvs::sign_pv)
        .service(pvs::correct_pv)
        .service(pvs::deadlines)
        .service(pv_transmissions::create_transmission)
        .service(pv_transmissions::list_transmissions)
        .service(pv_transmissions::get_transmission)
        .service(pv_transmissions::print_transmission)
        .service(pv_transmissions::acknowledge)
        .service(complaints::create_complaint)
        .service(complaints::list_complaints)
        .service(complaints::get_complaint)
        .service(complaints::print_complaint)
        .service(complaints::record_event)
        .service(complaints::list_notifications)
        .service(feed::read_events)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::rotate_secret)
        .service(webhooks::list_deliveries)
        .service(webhooks::redeliver)
        .service(imports::create_import)
        .service(imports::get_import)
        .service(imports::list_import_errors);
}

fn ops_routes(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(problems::list_problem_types)
        .service(problems::get_problem_type);
}

/// The OpenAPI document of this build.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(api_routes))
        .configure(ops_routes)
        .split_for_parts();
    let mut api = api;
    crate::openapi::normalise(&mut api);
    api
}

/// Refuses a path or query holding the NUL character (`%00`) before any handler sees it: no id,
/// reference or filter in Vigie may contain it (PostgreSQL cannot even compare with it).
async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let raw = req.uri().path_and_query().map_or("", |p| p.as_str());
    if raw.to_ascii_lowercase().contains("%00") || raw.contains('\0') {
        let res = actix_web::ResponseError::error_response(&ApiError::bad_request(
            "nul_character",
            "the path or query contains the NUL character (%00)",
        ));
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let e = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body exceeds the limit of {limit} bytes"),
        ),
        JsonPayloadError::Deserialize(de) if de.is_data() => {
            ApiError::invalid_field("body", "invalid_body", de.to_string())
        }
        JsonPayloadError::Deserialize(de) => ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {de}"),
        ),
        other => ApiError::bad_request("unreadable_body", other.to_string()),
    };
    e.into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_query", format!("invalid query parameters: {err}")).into()
}

fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::not_found().into()
}

/// No route took the request: a known path with another method is a 405 with `Allow` (an `OPTIONS`
/// request a 204 with `Allow`); an unknown path a 404.
async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let methods = crate::web::contract::methods_of(req.path());
    if !methods.is_empty() {
        let mut allow: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
        if allow.contains(&"GET") {
            allow.push("HEAD");
        }
        allow.push("OPTIONS");
        let allow = allow.join(", ");
        if req.method() == actix_web::http::Method::OPTIONS {
            return Ok(HttpResponse::NoContent()
                .insert_header((header::ALLOW, allow))
                .finish());
        }
        let e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} is not allowed on {}: {allow}", req.method(), req.path()),
        );
        let mut res = actix_web::ResponseError::error_response(&e);
        if let Ok(v) = HeaderValue::from_str(&allow) {
            res.headers_mut().insert(header::ALLOW, v);
        }
        return Ok(res);
    }
    let mut e = ApiError::not_found();
    e.code = "unknown_route";
    debug_assert!(vigie_app::problems::find(e.code).is_some());
    e.detail = format!("no operation at {} {}", req.method(), req.path());
    Err(e)
}

/// Safety net: any error answered without a problem body (actix's own 413 on raw bodies, 405...)
/// is rewritten as a problem.
fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status {
        StatusCode::BAD_REQUEST => "invalid_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNAUTHORIZED => "invalid_token",
        StatusCode::FORBIDDEN => "forbidden",
        s if s.is_server_error() => "internal_error",
        _ => "http_error",
    };
    let detail = status.canonical_reason().unwrap_or("error").to_owned();
    let problem = ApiError::new(status, code, detail).error_response_for_net();
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, problem).map_into_right_body(),
    ))
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
        ])
        .allowed_header("idempotency-key")
        .allowed_header("x-request-id")
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::LINK,
        ])
        .expose_headers([
            "x-request-id",
            "idempotent-replayed",
            "vigie-sync",
            "ratelimit",
            "ratelimit-policy",
        ])
        .max_age(3600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

fn valid_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| s.to_owned())
}

/// The whole application, ready for `HttpServer` or `actix_web::test::init_service`.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limits = state.limits.clone();
    let problem_base = state.problem_base.clone();
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state.clone())
        .app_data(
            web::JsonConfig::default()
                .limit(limits.max_body_bytes)
                .error_handler(json_error),
        )
        .app_data(web::PayloadConfig::default().limit(limits.max_import_bytes))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .service(scope::scope("/api/v1").configure(api_routes))
        .configure(ops_routes)
        .split_for_parts();
    let mut api = api;
    crate::openapi::normalise(&mut api);
    // The UI validates nothing online: no request leaves for validator.swagger.io.
    let ui_config = utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none");
    app.service(
        SwaggerUi::new("/docs/{_:.*}")
            .url("/openapi.json", api)
            .config(ui_config),
    )
    .route(
        "/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/docs/"))
                .finish()
        }),
    )
    .default_service(web::to(unknown_route))
    .wrap(from_fn(crate::web::contract::guard_parameters))
    .wrap(from_fn(crate::web::semantics::head_and_conditional_get))
    .wrap(from_fn(refuse_nul))
    .wrap(cors(&state.cors_origins))
    .wrap(ErrorHandlers::new().default_handler(ensure_problem))
    .wrap(Logger::new("%a \"%r\" %s %b %Dms rid=%{x-request-id}o"))
    .wrap(state.metrics.clone())
    .wrap_fn(move |req, srv| {
        let problem_base = problem_base.clone();
        let id = req
            .headers()
            .get("x-request-id")
            .and_then(valid_request_id)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        req.extensions_mut().insert(id.clone());
        let fut = srv.call(req);
        let scoped = PROBLEM_BASE.scope(problem_base, fut);
        REQUEST_ID.scope(id.clone(), async move {
            let mut res: ServiceResponse<_> = scoped.await?;
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(header::HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        })
    })
    // Outermost, so that every answer is compressed as the client asked, the metrics page and
    // the problems written by the safety net included.
    .wrap(actix_web::middleware::Compress::default())
}

impl ApiError {
    /// The problem response, for the safety net (which runs outside any handler).
    fn error_response_for_net(&self) -> HttpResponse<BoxBody> {
        actix_web::ResponseError::error_response(self)
    }
}

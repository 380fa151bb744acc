//! Thin handlers: extract, call the use case, answer. The person's name travels in the body, never
//! in a URL (which proxies and access logs keep).

use actix_web::{HttpResponse, post, web};
use vigie_app::data_subjects;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::Valid;
use crate::responses::*;
use crate::state::AppState;

/// Answer a right of access (GDPR art. 15)
///
/// Every record of the DPO's organisation that names the person (incidents, complaints, PVs, the
/// préfet's bans and injunctions), found by name (every word, whatever the order, case and
/// accents) and, where a record states one, date of birth. For each: where it names the person
/// and what it states there (only their entries: other people's are left out), what the record
/// is (kind, dates, status) and how long it is kept. Free-text narratives are not exported
/// (`narrative_withheld`: they may name others; the DPO reads them before answering). The answer
/// is the export, one JSON document. Each record returned is journaled with the purpose
/// `data_subject_request`. The organisation's DPO only.
#[utoipa::path(
    tag = "data-protection", operation_id = "answerAccessRequest",
    request_body = Subject,
    responses((status = 200, description = "The records naming the person, with their entries only", body = SubjectRecords),
        AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[post("/data-subject-requests/access")]
pub async fn access_request(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<Subject>,
) -> ApiResult<HttpResponse> {
    let r = data_subjects::access(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Answer an erasure request (GDPR art. 17)
///
/// The records the request would touch (found as for access) and the answer for each: `erase`
/// when no legal action is under way (remove the person's entries with the record's usual
/// update), `refuse` with its legal basis when one is (proceedings open or decided, a PV before
/// the parquet, a legal hold: art. 17(3)(e)) or when the record is a measure of the préfet,
/// `nothing_left` when it was already anonymised. Changes nothing. The organisation's DPO only.
#[utoipa::path(
    tag = "data-protection", operation_id = "answerErasureRequest",
    request_body = Subject,
    responses((status = 200, description = "The records and the answer for each", body = ErasureAnswer),
        AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[post("/data-subject-requests/erasure")]
pub async fn erasure_request(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<Subject>,
) -> ApiResult<HttpResponse> {
    let r = data_subjects::erasure(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Ok().json(r))
}

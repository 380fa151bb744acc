//! `/incidents`: intake from bailleurs' ERPs and front-ends, qualification, routing to the
//! convention's contacts, lifecycle.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::incident::{
    self, ActionKind, Category, Evidence, PersonInvolved, Status, Transition, TransitionError,
    Victim, Witness, apply_transition,
};
use vigie_domain::offence::{Nature, NatureKind};
use vigie_domain::qualification::{self, VictimFacts};
use vigie_store::incidents::{
    self as repo, Created as Outcome, IncidentFilter, IncidentRow, QualificationRow,
};
use vigie_store::{DbConn, StoreError, offences, organisations, reference, residences};

use crate::auth::Caller;
use crate::directory::{ContactView, RoutingCache};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::{
    IdempotencyKey, Valid, created_response, if_match, ok_with_etag, replayed_answer,
};
use crate::pagination::{Page, PageQuery, fetch_size};
use crate::policy;
use crate::responses::{AuthErrors, BodyErrors, Conflict, NotFound, QueryErrors, Stale};
use crate::state::AppState;

/// A victim as shown: with the CMSP status the convention recognises systematically.
#[derive(Debug, Serialize, ToSchema)]
pub struct VictimView {
    #[serde(flatten)]
    pub victim: Victim,
    /// Staff acting in their functions are persons charged with a public-service mission.
    pub cmsp_recognised: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationView {
    pub offence_code: String,
    pub label: String,
    pub legal_reference: String,
    pub nature: NatureKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contravention_class: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub natinf: Option<i32>,
    pub aggravating: Vec<String>,
    /// Outrage to a CMSP opens the accelerated track before a délégué du procureur.
    pub tadpr_eligible: bool,
    /// Whether an avertissement pénal probatoire may answer it (never for violences).
    pub app_eligible: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Prescription {
    /// Last day on which the public action is not prescribed.
    pub date: NaiveDate,
    pub years: u32,
    /// The most serious qualification, which sets the delay.
    pub basis_offence_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Routing {
    pub insee_code: String,
    pub commune: String,
    /// The competent circonscription on the date of the facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_name: Option<String>,
    /// Whether the bailleur shared the incident with the police circonscription.
    pub shared_with_police: bool,
    /// The designated contacts in force today.
    pub contacts: Vec<ContactView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
  "id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "building": "B", "entrance": "B1",
  "common_part": "hall", "occurred_at": "2026-11-27T21:40:00Z", "reported_at": "2026-11-28T08:05:00Z", "category": "outrage_to_staff",
  "narrative": "Le gardien a été insulté dans le hall alors qu'il fermait le local poubelles.",
  "victims": [{"kind": "staff", "staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "acting_in_functions": true, "cmsp_recognised": true}],
  "persons": [{"kind": "described", "description": "homme, 20-25 ans, veste noire"}], "witnesses": [], "evidence": [],
  "external_ref": "ERP-2026-000481", "status": "qualified",
  "qualifications": [{"offence_code": "CP-433-5-AL1", "label": "Outrage à une personne chargée d'une mission de service public",
     "legal_reference": "433-5 al.1 CP", "nature": "delit", "aggravating": [], "tadpr_eligible": true, "app_eligible": true}],
  "prescription": {"date": "2032-11-27", "years": 6, "basis_offence_code": "CP-433-5-AL1"},
  "routing": {"insee_code": "92050", "commune": "Nanterre", "circonscription_code": "CSP-92050", "circonscription_name": "CSP Nanterre",
     "shared_with_police": true, "contacts": []},
  "restricted": false, "version": 3, "created_at": "2026-11-28T08:05:00Z", "updated_at": "2026-11-28T09:12:00Z"
}))]
pub struct Incident {
    pub id: String,
    pub residence_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_part: Option<String>,
    pub occurred_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    pub reported_at: DateTime<Utc>,
    pub category: Category,
    pub narrative: String,
    pub victims: Vec<VictimView>,
    pub persons: Vec<PersonInvolved>,
    pub witnesses: Vec<Witness>,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    pub status: Status,
    /// How a actioned incident is followed up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionKind>,
    pub qualifications: Vec<QualificationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescription: Option<Prescription>,
    pub routing: Routing,
    /// A radicalisation signal: visible only to the bailleur's correspondent and the police.
    pub restricted: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Caches what several incidents of a page share: offences, communes, circonscriptions, contacts.
struct Lookup {
    offences: HashMap<String, offences::OffenceRow>,
    routing: std::sync::Arc<RoutingCache>,
}

impl Lookup {
    fn new(routing: std::sync::Arc<RoutingCache>) -> Self {
        Self {
            offences: HashMap::new(),
            routing,
        }
    }

    fn commune(&mut self, conn: &mut DbConn, insee: &str) -> ApiResult<String> {
        self.routing.name(format!("commune:{insee}"), || {
            Ok(reference::find_commune(conn, insee)?.map(|c| c.name))
        })
    }

    fn circonscription(
        &mut self,
        conn: &mut DbConn,
        code: Option<&str>,
    ) -> ApiResult<Option<String>> {
        let Some(code) = code else { return Ok(None) };
        let name = self.routing.name(format!("circonscription:{code}"), || {
            Ok(reference::find_circonscription(conn, code)?.map(|c| c.name))
        })?;
        Ok(Some(name))
    }

    fn offence(&mut self, conn: &mut DbConn, code: &str) -> ApiResult<offences::OffenceRow> {
        if let Some(o) = self.offences.get(code) {
            return Ok(o.clone());
        }
        let o = offences::find_by_code(conn, code)?.ok_or_else(ApiError::internal)?;
        self.offences.insert(code.to_owned(), o.clone());
        Ok(o)
    }

    fn view(
        &mut self,
        conn: &mut DbConn,
        row: IncidentRow,
        quals: Vec<QualificationRow>,
    ) -> ApiResult<Incident> {
        let bad = |_| ApiError::internal();
        let victims: Vec<Victim> = serde_json::from_str(&row.victims).map_err(bad)?;
        let mut qualifications = vec![];
        let mut basis: Option<(Nature, String)> = None;
        for q in quals {
            let o = self.offence(conn, &q.offence_code)?;
            let kind = NatureKind::parse(&o.nature).ok_or_else(ApiError::internal)?;
            let nature = Nature::new(
                kind,
                o.contravention_class.and_then(|c| u8::try_from(c).ok()),
            )
            .map_err(|_| ApiError::internal())?;
            if basis
                .as_ref()
                .is_none_or(|(n, _)| nature.gravity() > n.gravity())
            {
                basis = Some((nature, o.code.clone()));
            }
            qualifications.push(QualificationView {
                offence_code: o.code.clone(),
                label: o.label.clone(),
                legal_reference: o.defining_articles.clone(),
                nature: kind,
                contravention_class: o.contravention_class,
                natinf: o.natinf,
                aggravating: serde_json::from_str(&q.aggravating).map_err(bad)?,
                tadpr_eligible: o.tadpr_eligible,
                app_eligible: !o.app_excluded,
            });
        }
        let contacts = self.routing.contacts(
            conn,
            &row.org_id,
            row.circonscription_code.as_deref(),
            Utc::now().date_naive(),
        )?;
        let commune = self.commune(conn, &row.insee_code)?;
        let circonscription_name =
            self.circonscription(conn, row.circonscription_code.as_deref())?;
        Ok(Incident {
            victims: victims
                .into_iter()
                .map(|v| {
                    let cmsp = matches!(
                        v,
                        Victim::Staff {
                            acting_in_functions: true,
                            ..
                        }
                    );
                    VictimView {
                        victim: v,
                        cmsp_recognised: cmsp,
                    }
                })
                .collect(),
            persons: serde_json::from_str(&row.persons).map_err(bad)?,
            witnesses: serde_json::from_str(&row.witnesses).map_err(bad)?,
            evidence: serde_json::from_str(&row.evidence).map_err(bad)?,
            category: Category::parse(&row.category).ok_or_else(ApiError::internal)?,
            status: Status::parse(&row.status).ok_or_else(ApiError::internal)?,
            action: row.action_kind.as_deref().and_then(ActionKind::parse),
            prescription: basis.map(|(n, code)| Prescription {
                date: n.prescription_date(row.occurred_at.date()),
                years: n.prescription_years(),
                basis_offence_code: code,
            }),
            routing: Routing {
                commune,
                circonscription_name,
                circonscription_code: row.circonscription_code.clone(),
                insee_code: row.insee_code.clone(),
                shared_with_police: row.shared_with_police,
                contacts,
            },
            qualifications,
            id: row.id,
            residence_id: row.residence_id,
            building: row.building,
            entrance: row.entrance,
            common_part: row.common_part,
            occurred_at: row.occurred_at.and_utc(),
            ended_at: row.ended_at.map(|t| t.and_utc()),
            reported_at: row.reported_at.and_utc(),
            narrative: row.narrative,
            external_ref: row.external_ref,
            restricted: row.restricted,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn view_one(
    conn: &mut DbConn,
    cache: &std::sync::Arc<RoutingCache>,
    row: IncidentRow,
) -> ApiResult<Incident> {
    let quals = repo::qualifications(conn, &row.id)?;
    Lookup::new(cache.clone()).view(conn, row, quals)
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
  "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "building": "B", "entrance": "B1", "common_part": "hall",
  "occurred_at": "2026-11-27T21:40:00Z", "category": "outrage_to_staff",
  "narrative": "Le gardien a été insulté dans le hall alors qu'il fermait le local poubelles.",
  "victims": [{"kind": "staff", "staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "acting_in_functions": true}],
  "persons": [{"kind": "described", "description": "homme, 20-25 ans, veste noire"}],
  "external_ref": "ERP-2026-000481", "share_with_police": true
}))]
pub struct CreateIncident {
    pub residence_id: String,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub building: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub entrance: Option<String>,
    /// Hall, stairwell, car park, roof, cellar...
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub common_part: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// When the bailleur learnt of it (default: now).
    pub reported_at: Option<DateTime<Utc>>,
    pub category: Category,
    #[schema(min_length = 1, max_length = 10000)]
    pub narrative: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub victims: Vec<Victim>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub persons: Vec<PersonInvolved>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub witnesses: Vec<Witness>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub evidence: Vec<Evidence>,
    /// The bailleur's own reference, unique per bailleur: posting it again replays the first answer.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: Option<String>,
    /// Share with the police circonscription at once (default false).
    #[serde(default)]
    pub share_with_police: bool,
}

fn content_errors(errors: Vec<incident::ContentError>) -> ApiResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        errors
            .into_iter()
            .map(|e| FieldError::new(e.field, e.code, e.message))
            .collect(),
    ))
}

fn check_lists(
    victims: &[Victim],
    persons: &[PersonInvolved],
    witnesses: &[Witness],
    evidence: &[Evidence],
) -> ApiResult<()> {
    for (name, n) in [
        ("victims", victims.len()),
        ("persons", persons.len()),
        ("witnesses", witnesses.len()),
        ("evidence", evidence.len()),
    ] {
        if n > 50 {
            return Err(ApiError::invalid_field(
                name,
                "too_many",
                "at most 50 entries",
            ));
        }
    }
    Ok(())
}

/// The facts are not in the future (5 minutes of clock skew allowed) and end after they start.
fn check_period(occurred_at: DateTime<Utc>, ended_at: Option<DateTime<Utc>>) -> ApiResult<()> {
    if ended_at.is_some_and(|e| e < occurred_at) {
        return Err(ApiError::invalid_field(
            "ended_at",
            "before_start",
            "the facts end after they start",
        ));
    }
    if occurred_at > Utc::now() + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid_field(
            "occurred_at",
            "in_the_future",
            "the facts cannot be in the future",
        ));
    }
    Ok(())
}

/// Staff named as victims or witnesses must be the bailleur's own.
fn check_staff(
    conn: &mut DbConn,
    org_id: &str,
    victims: &[Victim],
    witnesses: &[Witness],
) -> ApiResult<()> {
    let mut ids: Vec<String> = victims
        .iter()
        .filter_map(|v| match v {
            Victim::Staff { staff_id, .. } => Some(staff_id.clone()),
            Victim::Bailleur => None,
        })
        .chain(witnesses.iter().filter_map(|w| w.staff_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let found = residences::staff_among(conn, org_id, &ids)?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|s| &s.id == *id)) {
        return Err(ApiError::invalid_field(
            "victims",
            "unknown_staff",
            format!("no staff member {missing} in your organisation"),
        ));
    }
    Ok(())
}

/// Create an incident
///
/// Reported by a bailleur's people or ERP. Idempotent by `Idempotency-Key` and by `external_ref`
/// (unique per bailleur): the same request again replays the first answer; the same `external_ref`
/// with other content is a 409. The incident is routed to the circonscription of the residence's
/// commune on the date of the facts.
#[utoipa::path(
    tag = "incidents", operation_id = "createIncident",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateIncident,
    responses((status = 201, description = "Created (or replayed)", body = Incident, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/incidents")]
pub async fn create_incident(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateIncident>,
) -> ApiResult<HttpResponse> {
    let cache = state.routing.clone();
    policy::bailleur_member(&caller)?;
    check_lists(
        &body.victims,
        &body.persons,
        &body.witnesses,
        &body.evidence,
    )?;
    content_errors(incident::check_content(
        body.category,
        &body.narrative,
        &body.persons,
        &body.evidence,
        &body.witnesses,
    ))?;
    check_period(body.occurred_at, body.ended_at)?;
    let now = Utc::now();
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&body).unwrap_or_default(),
    ));
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let principal = caller.sub.clone();
    let (view, replayed) = state
        .tx(move |conn| {
            if let Some(body) = replayed_answer(conn, &principal, key.0.as_deref(), &request_hash)? {
                let id: String = serde_json::from_str(&body).map_err(|_| ApiError::internal())?;
                let row = repo::get(conn, &id)?.ok_or_else(ApiError::internal)?;
                return Ok((view_one(conn, &cache, row)?, true));
            }
            let residence = residences::find_in_org(conn, &org_id, &body.residence_id)?
                .ok_or_else(|| ApiError::invalid_field("residence_id", "unknown_residence", "no such residence in your organisation"))?;
            check_staff(conn, &org_id, &body.victims, &body.witnesses)?;
            let mapping = reference::mapping_on(conn, &residence.insee_code, body.occurred_at.date_naive())?;
            let mut row = IncidentRow::blank(&org_id, &residence.id);
            row.building = body.building;
            row.entrance = body.entrance;
            row.common_part = body.common_part;
            row.occurred_at = body.occurred_at.naive_utc();
            row.ended_at = body.ended_at.map(|t| t.naive_utc());
            row.reported_at = body.reported_at.unwrap_or(now).naive_utc();
            row.category = body.category.as_str().to_owned();
            row.narrative = body.narrative;
            row.victims = serde_json::to_string(&body.victims).map_err(|_| ApiError::internal())?;
            row.persons = serde_json::to_string(&body.persons).map_err(|_| ApiError::internal())?;
            row.witnesses = serde_json::to_string(&body.witnesses).map_err(|_| ApiError::internal())?;
            row.evidence = serde_json::to_string(&body.evidence).map_err(|_| ApiError::internal())?;
            row.external_ref = body.external_ref;
            row.request_hash = Some(request_hash.clone());
            row.insee_code = residence.insee_code.clone();
            row.circonscription_code = mapping.map(|m| m.circonscription_code);
            row.shared_with_police = body.share_with_police;
            row.restricted = body.category.is_restricted();
            // The answer is built before the insert: the audit record that follows takes the
            // organisation's chain lock, held until commit, so nothing else should come after it.
            let fresh_view = Lookup::new(cache.clone()).view(conn, row.clone(), vec![])?;
            let (row, replayed) = match repo::create(conn, &actor, row).map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::conflict(
                    "external_ref_conflict",
                    "an incident with this external_ref exists with different content: PATCH it instead",
                ),
                other => other.into(),
            })? {
                Outcome::New(r) => (r, false),
                Outcome::Replay(r) => (r, true),
            };
            if let Some(k) = &key.0 {
                vigie_store::idempotency::save(conn, &principal, k, &request_hash, 201, &serde_json::to_string(&row.id).unwrap_or_default())?;
            }
            if !replayed {
                record_event(conn, &row, "incident.created")?;
            }
            let view = if replayed { view_one(conn, &cache, row)? } else { fresh_view };
            Ok((view, replayed))
        })
        .await?;
    Ok(created_response(
        format!("/api/v1/incidents/{}", view.id),
        view.version,
        replayed,
        &view,
    ))
}

/// Records an incident's change in the feed, readable by its bailleur and, once shared, by the
/// police of its circonscription. Last in the transaction (see `vigie_store::events::record`).
fn record_event(conn: &mut DbConn, row: &IncidentRow, event_type: &str) -> ApiResult<()> {
    vigie_store::events::record(conn, feed_event(row, event_type))?;
    Ok(())
}

/// An incident's feed event (also used by bulk imports).
pub fn feed_event<'a>(
    row: &'a IncidentRow,
    event_type: &'a str,
) -> vigie_store::events::NewEvent<'a> {
    vigie_store::events::NewEvent {
        event_type,
        resource_type: "incident",
        resource_id: &row.id,
        org_id: &row.org_id,
        circonscription_code: row
            .circonscription_code
            .as_deref()
            .filter(|_| row.shared_with_police),
        parquet_id: None,
        restricted: row.restricted,
        data: serde_json::json!({"status": row.status, "version": row.version}),
    }
}

/// The police organisation's circonscription, needed to scope what the police see.
fn police_circonscription(conn: &mut DbConn, caller: &Caller) -> ApiResult<Option<String>> {
    if caller.org_kind != vigie_domain::OrgKind::PoliceCirconscription {
        return Ok(None);
    }
    Ok(organisations::find(conn, &caller.org_id)?.and_then(|o| o.circonscription_code))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    pub residence_id: Option<String>,
    /// INSEE code of the commune.
    pub commune: Option<String>,
    pub circonscription: Option<String>,
    pub category: Option<Category>,
    pub status: Option<Status>,
    /// Offence code of an attached qualification, e.g. `CP-433-5-AL1`.
    pub qualification: Option<String>,
    /// Facts on or after this instant.
    pub occurred_from: Option<DateTime<Utc>>,
    /// Facts before this instant.
    pub occurred_to: Option<DateTime<Utc>>,
    /// Changed on or after this instant (for ERPs catching up).
    pub updated_since: Option<DateTime<Utc>>,
}

/// List incidents
///
/// What the caller may see (its bailleur's incidents; for the police, those routed and shared with
/// their circonscription), filtered, in a stable order (creation), keyset-paginated.
#[utoipa::path(
    tag = "incidents", operation_id = "listIncidents",
    params(IncidentQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Incident>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/incidents")]
pub async fn list_incidents(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<IncidentQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let cache = state.routing.clone();
    let limit = page.limit()?;
    let after = page.after()?;
    let q = q.into_inner();
    let rows_and_views = state
        .db(move |conn| {
            let circ = police_circonscription(conn, &caller)?;
            let Some(scope) = policy::incident_scope(&caller, circ.as_deref()) else {
                return Err(ApiError::forbidden("this role sees no incident records"));
            };
            let f = IncidentFilter {
                scope,
                id: None,
                residence_id: q.residence_id,
                insee_code: q.commune,
                circonscription_code: q.circonscription,
                category: q.category.map(|c| c.as_str().to_owned()),
                status: q.status.map(|s| s.as_str().to_owned()),
                offence_code: q.qualification,
                occurred_from: q.occurred_from.map(|t| t.naive_utc()),
                occurred_to: q.occurred_to.map(|t| t.naive_utc()),
                updated_since: q.updated_since.map(|t| t.naive_utc()),
                after_id: after,
                limit: fetch_size(limit),
            };
            let rows = repo::list(conn, &f)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut quals: HashMap<String, Vec<QualificationRow>> = HashMap::new();
            for qr in repo::qualifications_of(conn, &ids)? {
                quals.entry(qr.incident_id.clone()).or_default().push(qr);
            }
            let mut lookup = Lookup::new(cache.clone());
            let more = rows.len() > limit as usize;
            let mut views = vec![];
            for r in rows.into_iter().take(limit as usize) {
                let qs = quals.remove(&r.id).unwrap_or_default();
                views.push(lookup.view(conn, r, qs)?);
            }
            Ok((views, more))
        })
        .await?;
    let (views, more) = rows_and_views;
    let page = Page::from_items(&req, views, more, |v| v.id.clone());
    Ok(HttpResponse::Ok().json(page))
}

/// Loads an incident the caller may see, or 404.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<IncidentRow> {
    let row = repo::get(conn, id)?.ok_or_else(ApiError::not_found)?;
    let circ = police_circonscription(conn, caller)?;
    let scope = policy::incident_scope(caller, circ.as_deref());
    let sent_to_parquet = match &scope {
        Some(vigie_store::incidents::Scope::Parquet { parquet_id }) => {
            repo::is_sent_to_parquet(conn, &row.id, parquet_id)?
        }
        _ => false,
    };
    if policy::sees_incident(scope.as_ref(), &row, sent_to_parquet) {
        Ok(row)
    } else {
        Err(ApiError::not_found())
    }
}

/// The common path of every change to an incident: load it if the caller sees it, check the caller
/// handles it, let `change` modify it (returning the audit action), save it under `If-Match`, and
/// answer the new representation with its ETag.
async fn change_incident<F>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    id: String,
    change: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConn, IncidentRow) -> ApiResult<(IncidentRow, String)> + Send + 'static,
{
    let expected = if_match(req)?;
    let actor = caller.actor();
    let cache = state.routing.clone();
    let view = state
        .tx(move |conn| {
            let row = visible(conn, &caller, &id)?;
            policy::handle_incident(&caller, &row)?;
            let (row, action) = change(conn, row)?;
            let row = repo::save(conn, &actor, row, expected, &action)?;
            let event = match action.as_str() {
                "incident.updated" | "incident.qualified" => action.as_str(),
                _ => "incident.status_changed",
            };
            record_event(conn, &row, event)?;
            view_one(conn, &cache, row)
        })
        .await?;
    Ok(ok_with_etag(&view, view.version))
}

/// Read an incident
#[utoipa::path(
    tag = "incidents", operation_id = "getIncident",
    params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = Incident, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/incidents/{id}")]
pub async fn get_incident(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let cache = state.routing.clone();
    let view = state
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            view_one(conn, &cache, row)
        })
        .await?;
    Ok(ok_with_etag(&view, view.version))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"narrative": "Le gardien a été insulté et menacé dans le hall B1.", "category": "threats"}))]
pub struct UpdateIncident {
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub building: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub entrance: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub common_part: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub category: Option<Category>,
    #[schema(min_length = 1, max_length = 10000)]
    pub narrative: Option<String>,
    pub victims: Option<Vec<Victim>>,
    pub persons: Option<Vec<PersonInvolved>>,
    pub witnesses: Option<Vec<Witness>>,
    pub evidence: Option<Vec<Evidence>>,
    /// Share with the police circonscription (a share cannot be withdrawn).
    pub share_with_police: Option<bool>,
}

/// Update an incident
///
/// Its bailleur's correspondent or integration. Send `If-Match` (412 when stale).
#[utoipa::path(
    tag = "incidents", operation_id = "updateIncident",
    params(("id" = String, Path, description = "Incident id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateIncident,
    responses((status = 200, description = "Updated", body = Incident, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/incidents/{id}")]
pub async fn update_incident(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<UpdateIncident>,
) -> ApiResult<HttpResponse> {
    change_incident(
        &state,
        caller,
        &req,
        id.into_inner(),
        move |conn, mut row| {
            let bad = |_| ApiError::internal();
            let category = body
                .category
                .unwrap_or(Category::parse(&row.category).ok_or_else(ApiError::internal)?);
            let victims: Vec<Victim> = match body.victims {
                Some(v) => v,
                None => serde_json::from_str(&row.victims).map_err(bad)?,
            };
            let persons: Vec<PersonInvolved> = match body.persons {
                Some(v) => v,
                None => serde_json::from_str(&row.persons).map_err(bad)?,
            };
            let witnesses: Vec<Witness> = match body.witnesses {
                Some(v) => v,
                None => serde_json::from_str(&row.witnesses).map_err(bad)?,
            };
            let evidence: Vec<Evidence> = match body.evidence {
                Some(v) => v,
                None => serde_json::from_str(&row.evidence).map_err(bad)?,
            };
            let narrative = body.narrative.unwrap_or_else(|| row.narrative.clone());
            check_lists(&victims, &persons, &witnesses, &evidence)?;
            content_errors(incident::check_content(
                category, &narrative, &persons, &evidence, &witnesses,
            ))?;
            check_staff(conn, &row.org_id, &victims, &witnesses)?;
            if let Some(t) = body.occurred_at {
                row.occurred_at = t.naive_utc();
                // The competent circonscription is the one on the date of the facts.
                row.circonscription_code =
                    reference::mapping_on(conn, &row.insee_code, t.date_naive())?
                        .map(|m| m.circonscription_code);
            }
            if let Some(t) = body.ended_at {
                row.ended_at = Some(t.naive_utc());
            }
            check_period(row.occurred_at.and_utc(), row.ended_at.map(|e| e.and_utc()))?;
            row.building = body.building.or(row.building);
            row.entrance = body.entrance.or(row.entrance);
            row.common_part = body.common_part.or(row.common_part);
            row.category = category.as_str().to_owned();
            row.restricted = category.is_restricted();
            row.narrative = narrative;
            row.victims = serde_json::to_string(&victims).map_err(|_| ApiError::internal())?;
            row.persons = serde_json::to_string(&persons).map_err(|_| ApiError::internal())?;
            row.witnesses = serde_json::to_string(&witnesses).map_err(|_| ApiError::internal())?;
            row.evidence = serde_json::to_string(&evidence).map_err(|_| ApiError::internal())?;
            if body.share_with_police == Some(true) {
                row.shared_with_police = true;
            }
            Ok((row, "incident.updated".to_owned()))
        },
    )
    .await
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    #[schema(example = "CP-433-5-AL1")]
    pub offence_code: String,
    /// Aggravating circumstances, e.g. `en réunion`.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub aggravating: Vec<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"qualifications": [{"offence_code": "CP-433-5-AL1", "aggravating": ["en réunion"]}]}))]
pub struct SetQualifications {
    #[schema(max_items = 20)]
    pub qualifications: Vec<QualificationInput>,
}

/// Set an incident's qualifications
///
/// Replaces the offences attached to the incident (codes of `/offences`). The prescription date
/// follows from the most serious one. Correspondent or integration.
#[utoipa::path(
    tag = "incidents", operation_id = "setIncidentQualifications",
    params(("id" = String, Path, description = "Incident id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = SetQualifications,
    responses((status = 200, description = "The incident, qualified", body = Incident, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[put("/incidents/{id}/qualifications")]
pub async fn set_qualifications(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<SetQualifications>,
) -> ApiResult<HttpResponse> {
    if body.qualifications.len() > 20 {
        return Err(ApiError::invalid_field(
            "qualifications",
            "too_many",
            "at most 20",
        ));
    }
    change_incident(
        &state,
        caller,
        &req,
        id.into_inner(),
        move |conn, mut row| {
            let mut rows = vec![];
            let mut most_serious: Option<Nature> = None;
            for (i, q) in body.qualifications.iter().enumerate() {
                let o = offences::find_by_code(conn, &q.offence_code)?.ok_or_else(|| {
                    ApiError::invalid_field(
                        &format!("qualifications[{i}].offence_code"),
                        "unknown_offence",
                        "not in the offence catalogue",
                    )
                })?;
                if q.aggravating.len() > 10
                    || q.aggravating.iter().any(|a| a.is_empty() || a.len() > 200)
                {
                    return Err(ApiError::invalid_field(
                        &format!("qualifications[{i}].aggravating"),
                        "invalid",
                        "at most 10, 1 to 200 characters each",
                    ));
                }
                if rows
                    .iter()
                    .any(|r: &QualificationRow| r.offence_code == o.code)
                {
                    return Err(ApiError::invalid_field(
                        &format!("qualifications[{i}].offence_code"),
                        "duplicate",
                        "listed twice",
                    ));
                }
                let kind = NatureKind::parse(&o.nature).ok_or_else(ApiError::internal)?;
                let nature = Nature::new(
                    kind,
                    o.contravention_class.and_then(|c| u8::try_from(c).ok()),
                )
                .map_err(|_| ApiError::internal())?;
                if most_serious.is_none_or(|m| nature.gravity() > m.gravity()) {
                    most_serious = Some(nature);
                }
                rows.push(QualificationRow {
                    incident_id: row.id.clone(),
                    offence_code: o.code,
                    aggravating: serde_json::to_string(&q.aggravating)
                        .map_err(|_| ApiError::internal())?,
                    added_at: vigie_store::now(),
                });
            }
            repo::set_qualifications(conn, &row.id, &rows)?;
            row.prescription_date =
                most_serious.map(|n| n.prescription_date(row.occurred_at.date()));
            Ok((row, "incident.qualified".to_owned()))
        },
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"proposals": [{"offence_code": "CP-433-5-AL1", "label": "Outrage à une personne chargée d'une mission de service public",
    "legal_reference": "433-5 al.1 CP", "reason": "outrage to staff acting in functions", "tadpr_eligible": true, "app_eligible": true}],
    "cmsp_recognised": true}))]
pub struct ProposalAnswer {
    pub proposals: Vec<ProposalView>,
    /// Whether a victim is recognised as a person charged with a public-service mission.
    pub cmsp_recognised: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub offence_code: String,
    pub label: String,
    pub legal_reference: String,
    pub reason: String,
    pub tadpr_eligible: bool,
    pub app_eligible: bool,
}

/// Propose qualifications
///
/// From the incident's category and victims, the catalogue's offences that fit, with their legal
/// reference and whether the TADPR track and the APP apply. Nothing is attached: set them with
/// `PUT /incidents/{id}/qualifications`.
#[utoipa::path(
    tag = "incidents", operation_id = "proposeIncidentQualifications",
    params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "Proposals", body = ProposalAnswer), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/incidents/{id}/qualification-proposals")]
pub async fn propose_qualifications(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let answer = state
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            let victims: Vec<Victim> =
                serde_json::from_str(&row.victims).map_err(|_| ApiError::internal())?;
            let staff_ids: Vec<String> = victims
                .iter()
                .filter_map(|v| {
                    if let Victim::Staff { staff_id, .. } = v {
                        Some(staff_id.clone())
                    } else {
                        None
                    }
                })
                .collect();
            let staff = residences::staff_among(conn, &row.org_id, &staff_ids)?;
            let residence = residences::find_in_org(conn, &row.org_id, &row.residence_id)?;
            let facts: Vec<VictimFacts> = victims
                .iter()
                .filter_map(|v| match v {
                    Victim::Staff {
                        staff_id,
                        acting_in_functions,
                        itt_days,
                    } => {
                        let s = staff.iter().find(|s| &s.id == staff_id);
                        // A security agent of a residence guarded under L.271-1 is a landlord guard.
                        let guard = s.is_some_and(|s| {
                            s.sworn_guard
                                || (s.role == "security_agent"
                                    && residence.as_ref().is_some_and(|r| r.guarded_l271_1))
                        });
                        Some(VictimFacts {
                            staff_in_functions: *acting_in_functions,
                            sworn_guard: guard,
                            itt_days: *itt_days,
                        })
                    }
                    Victim::Bailleur => None,
                })
                .collect();
            let category = Category::parse(&row.category).ok_or_else(ApiError::internal)?;
            let mut proposals = vec![];
            for p in qualification::propose(category, &facts) {
                // A deployment may have closed or removed a catalogue entry: propose only what exists.
                if let Some(o) = offences::find_by_code(conn, p.code)? {
                    proposals.push(ProposalView {
                        offence_code: o.code,
                        label: o.label,
                        legal_reference: o.defining_articles,
                        reason: p.reason.to_owned(),
                        tadpr_eligible: o.tadpr_eligible,
                        app_eligible: !o.app_excluded,
                    });
                }
            }
            Ok(ProposalAnswer {
                proposals,
                cmsp_recognised: facts.iter().any(|f| f.staff_in_functions),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "action", "action": "complaint"}))]
pub struct TransitionRequest {
    pub transition: Transition,
    /// With `action`: how the incident is followed up.
    pub action: Option<ActionKind>,
}

/// Change an incident's status
///
/// reported → qualified (needs qualifications) → actioned (PV, complaint or internal handling) →
/// closed, and closed → reopened. A transition not allowed from the current status is a 409 whose
/// `allowed` lists those that are. Correspondent or integration.
#[utoipa::path(
    tag = "incidents", operation_id = "transitionIncident",
    params(("id" = String, Path, description = "Incident id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = TransitionRequest,
    responses((status = 200, description = "New status", body = Incident, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/incidents/{id}/transitions")]
pub async fn transition_incident(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<TransitionRequest>,
) -> ApiResult<HttpResponse> {
    change_incident(
        &state,
        caller,
        &req,
        id.into_inner(),
        move |conn, mut row| {
            let from = Status::parse(&row.status).ok_or_else(ApiError::internal)?;
            let has_q = !repo::qualifications(conn, &row.id)?.is_empty();
            let (to, action) = apply_transition(from, body.transition, has_q, body.action)
                .map_err(|e| match e {
                    TransitionError::NotAllowed { ref allowed, .. } => {
                        let mut err = ApiError::conflict("transition_not_allowed", e.to_string());
                        err.allowed = Some(allowed.iter().map(|s| (*s).to_owned()).collect());
                        err
                    }
                    TransitionError::QualificationRequired => {
                        ApiError::conflict("qualification_required", e.to_string())
                    }
                    TransitionError::ActionKindRequired => {
                        ApiError::invalid_field("action", "required", e.to_string())
                    }
                })?;
            row.status = to.as_str().to_owned();
            row.action_kind = action
                .map(|a| a.as_str().to_owned())
                .or(if to == Status::Closed {
                    row.action_kind.clone()
                } else {
                    None
                });
            Ok((row, format!("incident.{}", body.transition.as_str())))
        },
    )
    .await
}

//! Complaints from incidents to a TADPR outcome, each step by the party that owns it, with the
//! refusals of every rule, the visibility matrix and the notifications of the designated contacts.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

/// Today in France: receipts are dated in local days, not before the filing nor after today.
pub(crate) fn today() -> String {
    vigie_domain::pv::local_day(chrono::Utc::now()).to_string()
}

pub(crate) struct Parties {
    pub org: String,
    pub corr: String,
    pub police: String,
    pub mag: String,
    pub dpr: String,
    pub other_corr: String,
    pub res: String,
    pub gardien: String,
}

pub(crate) async fn parties(h: &Harness) -> Parties {
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "Bailleur A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Châtenay", "circonscription_code": "CSP-92019"})).await;
    let p = h
        .member(&admin, &police, "p.corr", &["police_correspondent"])
        .await;
    let parquet = h
        .org(&admin, org_body("parquet", "Parquet de Nanterre"))
        .await;
    let mag = h.member(&admin, &parquet, "mag", &["magistrate"]).await;
    let dpr = h
        .member(&admin, &parquet, "dpr", &["prosecutor_delegate"])
        .await;
    for (org, login, role) in [
        (&a, "a.corr", "bailleur_correspondent"),
        (&police, "p.corr", "police_correspondent"),
        (&parquet, "mag", "magistrat_referent"),
    ] {
        let id = h.person_id(&admin, org, login).await;
        h.post(
            "/api/v1/designations",
            &admin,
            &json!({"role": role, "person_id": id, "valid_from": "2026-01-01", "org_id": org}),
        )
        .await
        .expect(201, None);
    }
    let b = h.bailleur(&admin, "Bailleur B", SIREN_B).await;
    let other_corr = h.member(&admin, &b, "b.corr", &["correspondent"]).await;
    let res = h.residence(&corr, "SCEAUX-1", "92071").await;
    let gardien = h.staff(&corr, "gardien", false).await;
    Parties {
        org: a,
        corr,
        police: p,
        mag,
        dpr,
        other_corr,
        res,
        gardien,
    }
}

/// A qualified incident of `category` with the gardien as victim; returns its id.
pub(crate) async fn qualified_incident(
    h: &Harness,
    p: &Parties,
    category: &str,
    code: &str,
    itt: Option<u32>,
) -> String {
    let mut body = incident_body(&p.res, category);
    body["victims"] = json!([{"kind": "staff", "staff_id": p.gardien, "acting_in_functions": true, "itt_days": itt}]);
    body["persons"] =
        json!([{"kind": "described", "description": "homme, 20 ans, survêtement gris"}]);
    let i = h.post("/api/v1/incidents", &p.corr, &body).await;
    i.expect(201, None);
    let id = i.body["id"].as_str().unwrap().to_owned();
    h.send(
        "PUT",
        &format!("/api/v1/incidents/{id}/qualifications"),
        Some(&p.corr),
        &[("content-type", "application/json")],
        Some(
            json!({"qualifications": [{"offence_code": code}]})
                .to_string()
                .into_bytes(),
        ),
    )
    .await
    .expect(200, None);
    id
}

/// A complaint drafted by the correspondent from `incident`, the bailleur and the gardien as
/// victims, no damages claimed; returns its id.
pub(crate) async fn draft_complaint(h: &Harness, p: &Parties, incident: &str) -> String {
    let created = h
        .post(
            "/api/v1/complaints",
            &p.corr,
            &json!({"incident_ids": [incident], "bailleur_victim": victims(),
                "employee_victims": [{"staff_id": p.gardien}], "claims_damages": false}),
        )
        .await;
    created.expect(201, None);
    created.body["id"].as_str().unwrap().to_owned()
}

/// The same complaint, filed: its proceedings are open.
pub(crate) async fn filed_complaint(h: &Harness, p: &Parties, incident: &str) -> String {
    let id = draft_complaint(h, p, incident).await;
    h.post(
        &format!("/api/v1/complaints/{id}/events"),
        &p.corr,
        &json!({"kind": "file"}),
    )
    .await
    .expect(200, None);
    id
}

pub(crate) fn victims() -> Value {
    json!({"head_office": "1 rue du Siège, 92000 Nanterre", "representative": "Claire Martin",
        "representative_capacity": "correspondante tranquillité-sécurité", "mandate": "Délégation DG 2026-04"})
}

both_backends!(a_complaint_goes_from_incidents_to_a_tadpr_outcome, |b| {
    let h = Harness::start(b).await;
    let p = parties(&h).await;
    let incident = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
    let created = h
        .post(
            "/api/v1/complaints",
            &p.corr,
            &json!({"incident_ids": [incident], "bailleur_victim": victims(),
                "employee_victims": [{"staff_id": p.gardien}], "claims_damages": true}),
        )
        .await;
    created.expect(201, None);
    let c = &created.body;
    assert_eq!(c["status"], "draft");
    assert_eq!(c["circonscription_code"], "CSP-92019");
    assert_eq!(c["tadpr_eligibility"]["eligible"], true);
    assert!(
        c["tadpr_eligibility"]["reason"]
            .as_str()
            .unwrap()
            .contains("CP-433-5-AL1")
    );
    assert_eq!(c["content"]["bailleur_victim"]["siren"], SIREN_A);
    assert_eq!(c["content"]["employee_victims"][0]["cmsp_recognised"], true);
    assert_eq!(
        c["content"]["employee_victims"][0]["domicile"],
        "1 rue du Siège, 92000 Nanterre"
    );
    assert_eq!(c["content"]["suspects"][0]["kind"], "described");
    assert!(
        c["content"]["facts"]
            .as_str()
            .unwrap()
            .contains("Faits constatés")
    );
    let id = c["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/complaints/{id}");
    let events = format!("{path}/events");
    let step = |token: &str, body: Value| {
        let h = &h;
        let events = events.clone();
        let token = token.to_owned();
        async move { h.post(&events, &token, &body).await }
    };
    // A draft is the bailleur's alone.
    h.get(&path, &p.police).await.expect(404, Some("not_found"));
    h.get(&path, &p.mag).await.expect(404, Some("not_found"));
    h.get(&path, &p.other_corr)
        .await
        .expect(404, Some("not_found"));
    h.get(&format!("/api/v1/incidents/{incident}"), &p.mag)
        .await
        .expect(404, Some("not_found"));
    step(&p.corr, json!({"kind": "transmit"}))
        .await
        .expect(403, Some("forbidden"));
    step(
        &p.corr,
        json!({"kind": "register", "receipt": {"number": "1", "date": today(), "service": "x"}}),
    )
    .await
    .expect(403, Some("forbidden"));
    step(&p.corr, json!({"kind": "file"}))
        .await
        .expect(200, None);
    let conflict = step(&p.corr, json!({"kind": "file"})).await;
    conflict.expect(409, Some("transition_not_allowed"));
    assert_eq!(conflict.body["allowed"], json!(["register"]));
    // The police correspondent of the circonscription registers it with the receipt.
    assert_eq!(
        h.get("/api/v1/complaints", &p.police).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    step(&p.police, json!({"kind": "register"}))
        .await
        .expect(422, None);
    step(&p.police, json!({"kind": "register", "receipt": {"number": " ", "date": today(), "service": "CSP Châtenay"}}))
        .await
        .expect(422, Some("required"));
    let registered = step(&p.police, json!({"kind": "register", "receipt": {"number": "2026/004512", "date": today(), "service": "CSP Châtenay-Malabry"}})).await;
    registered.expect(200, None);
    assert_eq!(registered.body["receipt"]["number"], "2026/004512");
    h.get(&path, &p.mag).await.expect(404, Some("not_found"));
    step(&p.police, json!({"kind": "transmit"}))
        .await
        .expect(200, None);
    // ...and the incident it was built from, which it did not see before.
    let incident_path = format!("/api/v1/incidents/{incident}");
    h.get(&incident_path, &p.mag).await.expect(200, None);
    // The parquet: the magistrat orients, a délégué follows the TADPR track.
    h.get(&path, &p.mag).await.expect(200, None);
    step(&p.dpr, json!({"kind": "orient", "orientation": "tadpr"}))
        .await
        .expect(403, Some("forbidden"));
    let oriented = step(&p.mag, json!({"kind": "orient", "orientation": "tadpr"})).await;
    oriented.expect(200, None);
    assert_eq!(oriented.body["next_steps"], json!(["schedule_summons"]));
    step(
        &p.dpr,
        json!({"kind": "record_measure", "measure": "avertissement_penal_probatoire"}),
    )
    .await
    .expect(409, Some("tadpr_step_out_of_order"));
    step(
        &p.corr,
        json!({"kind": "schedule_summons", "summons_at": "2026-12-10T09:30:00Z", "place": "MJD"}),
    )
    .await
    .expect(403, Some("forbidden"));
    // The magistrat orients and closes; the TADPR hearing is the délégué's alone.
    step(
        &p.mag,
        json!({"kind": "schedule_summons", "summons_at": "2026-12-10T09:30:00Z", "place": "MJD"}),
    )
    .await
    .expect(403, Some("forbidden"));
    let far = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    step(&p.dpr, json!({"kind": "schedule_summons", "summons_at": far, "place": "Maison de justice et du droit de Châtenay"}))
        .await
        .expect(200, None);
    // The measure is decided at the hearing: not before its date.
    step(
        &p.dpr,
        json!({"kind": "record_measure", "measure": "avertissement_penal_probatoire"}),
    )
    .await
    .expect(422, Some("date_out_of_order"));
    // Nor can the summons precede the orientation.
    step(
        &p.dpr,
        json!({"kind": "schedule_summons", "summons_at": "2026-01-10T09:30:00Z", "place": "MJD"}),
    )
    .await
    .expect(422, Some("date_out_of_order"));
    // The hearing is brought forward to now: the measure can be recorded.
    let now = chrono::Utc::now().to_rfc3339();
    step(&p.dpr, json!({"kind": "schedule_summons", "summons_at": now, "place": "Maison de justice et du droit de Châtenay"}))
        .await
        .expect(200, None);
    step(
        &p.mag,
        json!({"kind": "record_measure", "measure": "avertissement_penal_probatoire"}),
    )
    .await
    .expect(403, Some("forbidden"));
    step(
        &p.dpr,
        json!({"kind": "record_measure", "measure": "avertissement_penal_probatoire"}),
    )
    .await
    .expect(200, None);
    step(&p.mag, json!({"kind": "close"}))
        .await
        .expect(409, Some("tadpr_step_out_of_order"));
    step(
        &p.dpr,
        json!({"kind": "record_outcome", "outcome": "failed"}),
    )
    .await
    .expect(422, Some("next_step_required"));
    step(
        &p.dpr,
        json!({"kind": "record_outcome", "outcome": "failed", "next_step": "composition_penale"}),
    )
    .await
    .expect(200, None);
    step(&p.mag, json!({"kind": "close"}))
        .await
        .expect(200, None);
    // The bailleur follows its complaint to the outcome, with the delays of each step.
    let seen = h.get(&path, &p.corr).await;
    assert_eq!(seen.body["status"], "closed");
    assert_eq!(seen.body["tadpr"]["outcome"], "failed");
    assert_eq!(seen.body["tadpr"]["next_step"], "composition_penale");
    assert_eq!(seen.body["delays"]["filing_to_orientation_days"], 0);
    // No delay is ever negative (part B.4 of the préfet issue).
    assert_eq!(seen.body["delays"]["orientation_to_summons_days"], 0);
    assert_eq!(seen.body["delays"]["summons_to_outcome_days"], 0);
    // Each step notified the designated contacts of the three organisations.
    let notes = h
        .get(
            &format!("/api/v1/notifications?resource_id={id}&limit=200"),
            &p.corr,
        )
        .await;
    notes.expect(200, None);
    let kinds: Vec<&str> = notes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "complaint.filed",
            "complaint.registered",
            "complaint.transmitted_to_parquet",
            "complaint.oriented",
            // scheduled, then brought forward
            "complaint.summons_scheduled",
            "complaint.summons_scheduled",
            "complaint.measure_recorded",
            "complaint.tadpr_outcome",
            "complaint.closed"
        ]
    );
    for t in [&p.police, &p.mag] {
        let n = h
            .get(
                &format!("/api/v1/notifications?resource_id={id}&limit=200"),
                t,
            )
            .await;
        assert_eq!(n.body["items"].as_array().unwrap().len(), 9);
    }
    assert_eq!(
        h.get("/api/v1/notifications", &p.other_corr).await.body["items"],
        json!([])
    );
    // The change feed: the police from the filing on, the parquet from the transmission on.
    let feed_types = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    };
    let police_feed = feed_types(&h.get("/api/v1/events", &p.police).await.body);
    assert_eq!(
        police_feed.first().map(String::as_str),
        Some("complaint.filed")
    );
    assert_eq!(police_feed.len(), 9);
    let parquet_feed = feed_types(&h.get("/api/v1/events", &p.mag).await.body);
    assert_eq!(
        parquet_feed,
        [
            "complaint.transmitted_to_parquet",
            "complaint.oriented",
            "complaint.summons_scheduled",
            "complaint.summons_scheduled",
            "complaint.measure_recorded",
            "complaint.tadpr_outcome",
            "complaint.closed"
        ]
    );
    h.get(&path, &p.other_corr)
        .await
        .expect(404, Some("not_found"));
});

both_backends!(orientations_follow_the_app_afd_and_tadpr_rules, |b| {
    let h = Harness::start(b).await;
    let p = parties(&h).await;
    let direct = |incident: String, damages: bool| {
        let mut body = json!({"incident_ids": [incident], "channel": "direct_to_prosecutor", "bailleur_victim": victims(),
            "employee_victims": [{"staff_id": p.gardien, "professional_address": false, "address": "3 rue des Lilas, 92330 Sceaux"}]});
        if damages {
            body["damages"] = json!({"description": "Porte du hall dégradée", "estimate_eur": 850});
        }
        body
    };
    let file_and_register = |body: Value| {
        let h = &h;
        let p = &p;
        async move {
            let c = h.post("/api/v1/complaints", &p.corr, &body).await;
            c.expect(201, None);
            let events = format!(
                "/api/v1/complaints/{}/events",
                c.body["id"].as_str().unwrap()
            );
            h.post(&events, &p.corr, &json!({"kind": "file"}))
                .await
                .expect(200, None);
            // Sent straight to the procureur: the police never see it; the parquet registers it.
            h.get(
                &format!("/api/v1/complaints/{}", c.body["id"].as_str().unwrap()),
                &p.police,
            )
            .await
            .expect(404, Some("not_found"));
            h.post(&events, &p.mag, &json!({"kind": "register", "receipt": {"number": "P-2026-1", "date": today(), "service": "Bureau d'ordre du parquet"}}))
                .await
                .expect(200, None);
            (c.body.clone(), events)
        }
    };
    let orient =
        |o: &str, r: bool| json!({"kind": "orient", "orientation": o, "with_reparation": r});
    // Violences: no APP, no TADPR, no AFD; composition pénale is possible.
    let violence = qualified_incident(&h, &p, "assault_on_staff", "CP-222-13-4BIS", Some(3)).await;
    let (c, events) = file_and_register(direct(violence, false)).await;
    assert_eq!(c["tadpr_eligibility"]["eligible"], false);
    assert_eq!(
        c["content"]["employee_victims"][0]["domicile"],
        "3 rue des Lilas, 92330 Sceaux"
    );
    h.post(
        &events,
        &p.mag,
        &orient("avertissement_penal_probatoire", true),
    )
    .await
    .expect(422, Some("app_excluded_for_violences"));
    let t = h.post(&events, &p.mag, &orient("tadpr", false)).await;
    t.expect(422, Some("not_tadpr_eligible"));
    assert!(t.body["detail"].as_str().unwrap().contains("433-5"));
    h.post(&events, &p.mag, &orient("afd", false))
        .await
        .expect(422, Some("afd_not_available"));
    h.post(&events, &p.mag, &orient("composition_penale", false))
        .await
        .expect(200, None);
    h.post(
        &events,
        &p.dpr,
        &json!({"kind": "schedule_summons", "summons_at": "2026-12-10T09:30:00Z", "place": "MJD"}),
    )
    .await
    .expect(409, Some("not_on_tadpr_track"));
    h.post(&events, &p.mag, &json!({"kind": "close"}))
        .await
        .expect(200, None);
    // Outrage with damage: APP only with reparation.
    let outrage = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
    let (_, events) = file_and_register(direct(outrage, true)).await;
    h.post(
        &events,
        &p.mag,
        &orient("avertissement_penal_probatoire", false),
    )
    .await
    .expect(422, Some("app_requires_reparation"));
    let ok = h
        .post(
            &events,
            &p.mag,
            &orient("avertissement_penal_probatoire", true),
        )
        .await;
    ok.expect(200, None);
    assert_eq!(ok.body["with_reparation"], true);
    // A complaint needs qualified incidents of one's own, and an address when not professional.
    let unqualified = h
        .post(
            "/api/v1/incidents",
            &p.corr,
            &incident_body(&p.res, "threats"),
        )
        .await;
    let e = h
        .post(
            "/api/v1/complaints",
            &p.corr,
            &json!({"incident_ids": [unqualified.body["id"]], "bailleur_victim": victims()}),
        )
        .await;
    e.expect(422, Some("validation_failed"));
    assert_eq!(e.body["errors"][0]["code"], "not_qualified");
    let no_address = json!({"incident_ids": [unqualified.body["id"]], "employee_victims": [{"staff_id": p.gardien, "professional_address": false}]});
    h.post("/api/v1/complaints", &p.corr, &no_address)
        .await
        .expect(422, Some("validation_failed"));
    let foreign = h
        .post(
            "/api/v1/complaints",
            &p.other_corr,
            &json!({"incident_ids": [unqualified.body["id"]]}),
        )
        .await;
    foreign.expect(422, Some("validation_failed"));
    assert_eq!(foreign.body["errors"][0]["code"], "unknown_incident");
    // Filing without any victim is refused.
    let outrage2 = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
    let bare = h
        .post(
            "/api/v1/complaints",
            &p.corr,
            &json!({"incident_ids": [outrage2]}),
        )
        .await;
    bare.expect(201, None);
    h.post(
        &format!(
            "/api/v1/complaints/{}/events",
            bare.body["id"].as_str().unwrap()
        ),
        &p.corr,
        &json!({"kind": "file"}),
    )
    .await
    .expect(422, Some("complaint_incomplete"));
    // Staff and observers see no complaint.
    let admin = h.admin().await;
    let staff = h.member(&admin, &p.org, "a.staff", &["staff"]).await;
    h.get("/api/v1/complaints", &staff)
        .await
        .expect(403, Some("forbidden"));
    let pref = h.org(&admin, org_body("prefecture", "Préfecture")).await;
    let obs = h.member(&admin, &pref, "obs", &["observer"]).await;
    h.get("/api/v1/complaints", &obs)
        .await
        .expect(403, Some("forbidden"));
    h.get(
        &format!("/api/v1/complaints/{}", c["id"].as_str().unwrap()),
        &obs,
    )
    .await
    .expect(404, Some("not_found"));
});

// Part B.6 of the préfet issue: composition pénale (art. 41-2 CPP) is for délits punished by at most
// 5 years; the maximum penalty is catalogue data, and the refusal gives its reason.
both_backends!(
    b6_composition_penale_only_for_delits_of_5_years_or_less,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let lodge = |incident: String| {
            let (h, p) = (&h, &p);
            async move {
                let body = json!({"incident_ids": [incident], "channel": "direct_to_prosecutor", "bailleur_victim": victims()});
                let c = h.post("/api/v1/complaints", &p.corr, &body).await;
                c.expect(201, None);
                let events = format!(
                    "/api/v1/complaints/{}/events",
                    c.body["id"].as_str().unwrap()
                );
                h.post(&events, &p.corr, &json!({"kind": "file"}))
                    .await
                    .expect(200, None);
                h.post(&events, &p.mag, &json!({"kind": "register", "receipt": {"number": "P-1", "date": today(), "service": "Bureau d'ordre"}}))
                .await
                .expect(200, None);
                events
            }
        };
        let orient = json!({"kind": "orient", "orientation": "composition_penale"});
        // Trafficking (222-37): 10 years.
        let trafficking = qualified_incident(&h, &p, "drug_trafficking", "CP-222-37", None).await;
        let events = lodge(trafficking).await;
        let a = h.post(&events, &p.mag, &orient).await;
        a.expect(422, Some("composition_penale_excluded"));
        assert!(
            a.body["detail"].as_str().unwrap().contains("10 years"),
            "{}",
            a.text
        );
        // Violences with more than 8 days of ITT (222-12): 5 years, the ceiling itself.
        let violences = qualified_incident(&h, &p, "assault_on_staff", "CP-222-12", Some(10)).await;
        let events = lodge(violences).await;
        h.post(&events, &p.mag, &orient).await.expect(200, None);
    }
);

/// A complaint for outrage to the gardien, filed straight to the procureur, registered and oriented
/// to the TADPR track by the magistrat; returns its events path.
async fn on_the_tadpr_track(h: &Harness, p: &Parties) -> String {
    let outrage = qualified_incident(h, p, "outrage_to_staff", "CP-433-5-AL1", None).await;
    let body = json!({"incident_ids": [outrage], "channel": "direct_to_prosecutor", "bailleur_victim": victims()});
    let c = h.post("/api/v1/complaints", &p.corr, &body).await;
    c.expect(201, None);
    let events = format!(
        "/api/v1/complaints/{}/events",
        c.body["id"].as_str().unwrap()
    );
    h.post(&events, &p.corr, &json!({"kind": "file"}))
        .await
        .expect(200, None);
    h.post(&events, &p.mag, &json!({"kind": "register", "receipt": {"number": "P-2", "date": today(), "service": "Bureau d'ordre"}}))
        .await
        .expect(200, None);
    // Orienting is the magistrat's, not the délégué's.
    h.post(
        &events,
        &p.dpr,
        &json!({"kind": "orient", "orientation": "tadpr"}),
    )
    .await
    .expect(403, Some("forbidden"));
    h.post(
        &events,
        &p.mag,
        &json!({"kind": "orient", "orientation": "tadpr"}),
    )
    .await
    .expect(200, None);
    events
}

// Part B.3 of the préfet issue: the TADPR steps (summons, measure, outcome) belong to a délégué du
// procureur; the magistrat orients and closes.
both_backends!(b3_tadpr_steps_belong_to_the_delegate, |b| {
    let h = Harness::start(b).await;
    let p = parties(&h).await;
    let events = on_the_tadpr_track(&h, &p).await;
    let now = chrono::Utc::now().to_rfc3339();
    let summons = json!({"kind": "schedule_summons", "summons_at": now, "place": "MJD"});
    let measure = json!({"kind": "record_measure", "measure": "stage"});
    let outcome = json!({"kind": "record_outcome", "outcome": "executed"});
    for step in [&summons, &measure, &outcome] {
        for other in [&p.mag, &p.corr, &p.police] {
            let a = h.post(&events, other, step).await;
            assert!(
                [403, 404].contains(&a.status.as_u16()),
                "{}: {}",
                step["kind"],
                a.text
            );
        }
        h.post(&events, &p.dpr, step).await.expect(200, None);
    }
    h.post(&events, &p.dpr, &json!({"kind": "close"}))
        .await
        .expect(403, Some("forbidden"));
    h.post(&events, &p.mag, &json!({"kind": "close"}))
        .await
        .expect(200, None);
});

// Part B.4 of the préfet issue: dated steps follow each other; nothing is recorded before it
// happened, so no delay is negative.
both_backends!(
    b4_steps_happen_in_time_order_and_no_delay_is_negative,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let events = on_the_tadpr_track(&h, &p).await;
        let ahead = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
        h.post(
            &events,
            &p.dpr,
            &json!({"kind": "schedule_summons", "summons_at": ahead, "place": "MJD"}),
        )
        .await
        .expect(200, None);
        for step in [
            json!({"kind": "record_measure", "measure": "stage"}),
            json!({"kind": "schedule_summons", "summons_at": "2025-01-01T09:00:00Z", "place": "MJD"}),
        ] {
            h.post(&events, &p.dpr, &step)
                .await
                .expect(422, Some("date_out_of_order"));
        }
        let now = chrono::Utc::now().to_rfc3339();
        h.post(
            &events,
            &p.dpr,
            &json!({"kind": "schedule_summons", "summons_at": now, "place": "MJD"}),
        )
        .await
        .expect(200, None);
        h.post(
            &events,
            &p.dpr,
            &json!({"kind": "record_measure", "measure": "stage"}),
        )
        .await
        .expect(200, None);
        let done = h
            .post(
                &events,
                &p.dpr,
                &json!({"kind": "record_outcome", "outcome": "executed"}),
            )
            .await;
        done.expect(200, None);
        for delay in [
            "filing_to_orientation_days",
            "orientation_to_summons_days",
            "summons_to_outcome_days",
        ] {
            assert!(
                done.body["delays"][delay].as_i64().unwrap() >= 0,
                "{delay}: {}",
                done.text
            );
        }
    }
);

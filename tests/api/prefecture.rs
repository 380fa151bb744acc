//! The préfet's side of the convention (part A of the préfet issue): agréments are the préfet's
//! decisions on the bailleurs' requests, each step owned by its party; the préfecture lists every
//! bailleur's agents, the pending requests and the agréments ending soon; an arrêté the bailleur
//! declares is marked as such wherever it appears.

use serde_json::{Value, json};

use crate::both_backends;
use crate::pvs::sworn_setup;
use crate::support::*;

async fn officer(h: &Harness, admin: &str) -> (String, String) {
    let prefecture = h
        .org(
            admin,
            org_body("prefecture", "Préfecture des Hauts-de-Seine"),
        )
        .await;
    let officer = h
        .member(admin, &prefecture, "pref.officer", &["prefecture_officer"])
        .await;
    let observer = h
        .member(admin, &prefecture, "pref.observer", &["observer"])
        .await;
    (officer, observer)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(a1_agrements_are_the_prefets_decisions, |b| {
    let h = Harness::start(b).await;
    // A bailleur with an agent whose agrément it declared (granted before Vigie).
    let s = sworn_setup(&h).await;
    let (officer, observer) = officer(&h, &s.admin).await;
    let declared = h
        .get(&format!("/api/v1/sworn-agents/{}", s.agent_id), &s.corr)
        .await;
    assert_eq!(
        declared.body["agrements"][0]["recorded_by"],
        "declared_by_bailleur"
    );

    // A second agent: commissioned, then the bailleur asks for the agrément.
    let staff = h.staff(&s.corr, "gardien", true).await;
    let file = h
        .post(
            "/api/v1/sworn-agents",
            &s.corr,
            &json!({"staff_id": staff, "regime": "garde_particulier",
                "commission": {"residence_ids": [s.inside], "offence_codes": ["CP-R634-2", "CP-322-1-I"], "issued_on": "2026-10-01"}}),
        )
        .await;
    file.expect(201, None);
    let id = file.body["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/sworn-agents/{id}/events");
    let grant = json!({"kind": "agrement", "arrete_number": "PREF-92-2026-41", "prefet": "Préfet des Hauts-de-Seine",
        "start": "2026-11-29", "offence_codes": ["CP-R634-2"], "card_number": "GP-41"});
    // The préfet decides on a request, not before.
    h.post(&events, &officer, &grant)
        .await
        .expect(409, Some("no_pending_request"));
    // The request is the bailleur's step.
    let request = json!({"kind": "agrement_request", "requested_on": "2026-11-02", "offence_codes": ["CP-R634-2"]});
    h.post(&events, &officer, &request)
        .await
        .expect(403, Some("forbidden"));
    let asked = h.post(&events, &s.corr, &request).await;
    asked.expect(200, None);
    assert_eq!(asked.body["request"]["renewal"], false);
    h.post(&events, &s.corr, &request)
        .await
        .expect(409, Some("request_pending"));

    // The préfecture sees every bailleur's files, and the pending requests; its observers do not,
    // nor does another bailleur.
    let pending = h
        .get("/api/v1/sworn-agents?request_pending=true", &officer)
        .await;
    pending.expect(200, None);
    assert_eq!(ids(&pending.body), vec![id.clone()]);
    assert_eq!(
        ids(&h.get("/api/v1/sworn-agents", &officer).await.body).len(),
        2
    );
    h.get("/api/v1/sworn-agents", &observer)
        .await
        .expect(403, Some("forbidden"));
    h.get(&format!("/api/v1/sworn-agents/{id}"), &observer)
        .await
        .expect(404, Some("not_found"));

    // Only the préfet grants: an offence outside the request is refused; then granted.
    let mut wider = grant.clone();
    wider["offence_codes"] = json!(["CP-R634-2", "CP-322-1-I"]);
    h.post(&events, &officer, &wider)
        .await
        .expect(422, Some("offence_not_requested"));
    let granted = h.post(&events, &officer, &grant).await;
    granted.expect(200, None);
    assert_eq!(granted.body["agrements"][0]["recorded_by"], "prefecture");
    assert!(granted.body.get("request").is_none());
    // A refusal needs a pending request too, and its reason.
    let ask_again = json!({"kind": "agrement_request", "requested_on": "2026-11-29", "offence_codes": ["CP-322-1-I"]});
    h.post(&events, &s.corr, &ask_again).await.expect(200, None);
    h.post(
        &events,
        &s.corr,
        &json!({"kind": "agrement_refusal", "decided_on": "2026-11-29", "reason": "x"}),
    )
    .await
    .expect(403, Some("forbidden"));
    let refused = h
        .post(&events, &officer, &json!({"kind": "agrement_refusal", "decided_on": "2026-11-29", "reason": "Enquête administrative défavorable"}))
        .await;
    refused.expect(200, None);
    assert_eq!(
        refused.body["refusals"][0]["reason"],
        "Enquête administrative défavorable"
    );
    assert!(
        h.get("/api/v1/sworn-agents?request_pending=true", &officer)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A bailleur may still declare an arrêté granted before, never a future one; the préfecture
    // cannot change the bailleur's own steps.
    let mut future = grant.clone();
    future["start"] = json!("2030-01-01");
    h.post(&events, &s.corr, &future)
        .await
        .expect(422, Some("declared_in_the_future"));
    h.post(
        &events,
        &officer,
        &json!({"kind": "oath", "tribunal": "TJ Nanterre", "sworn_on": "2026-11-29"}),
    )
    .await
    .expect(403, Some("forbidden"));

    // Withdrawal: the préfet's, after hearing the bailleur and the agent.
    let withdrawal =
        json!({"kind": "withdrawal", "effective_on": "2026-12-15", "reason": "Manquements"});
    h.post(&events, &officer, &withdrawal)
        .await
        .expect(409, Some("hearing_required"));
    h.post(
        &events,
        &s.corr,
        &json!({"kind": "withdrawal_hearing", "held_on": "2026-12-01"}),
    )
    .await
    .expect(403, Some("forbidden"));
    h.post(
        &events,
        &officer,
        &json!({"kind": "withdrawal_hearing", "held_on": "2026-12-01"}),
    )
    .await
    .expect(200, None);
    h.post(&events, &officer, &withdrawal)
        .await
        .expect(200, None);

    // Another bailleur sees none of this.
    let other = h.bailleur(&s.admin, "B", SIREN_B).await;
    let b_corr = h
        .member(&s.admin, &other, "b.corr", &["correspondent"])
        .await;
    h.get(&format!("/api/v1/sworn-agents/{id}"), &b_corr)
        .await
        .expect(404, Some("not_found"));
});

/// Days from today, as the API dates them (local days in France).
fn day(offset: i64) -> String {
    (vigie_domain::pv::local_day(chrono::Utc::now()) + chrono::Duration::days(offset)).to_string()
}

both_backends!(a2_injunctions_follow_l442_4_3_with_each_partys_steps, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let (officer, observer) = officer(&h, &admin).await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let integration = h.member(&admin, &a, "a.erp", &["integration"]).await;
    let corr_id = h.person_id(&admin, &a, "a.corr").await;
    h.post("/api/v1/designations", &admin, &json!({"role": "bailleur_correspondent", "person_id": corr_id, "valid_from": "2026-01-01", "org_id": a}))
        .await
        .expect(201, None);
    let other = h.bailleur(&admin, "B", SIREN_B).await;
    let b_corr = h
        .member(&admin, &other, "b.corr", &["correspondent", "admin"])
        .await;
    let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
    let cop = h
        .member(&admin, &police, "p.corr", &["police_correspondent"])
        .await;
    let res = h.residence(&corr, "R1", "92050").await;
    let body = |issued: String| {
        json!({"bailleur_id": a, "residence_id": res, "tenant": {"name": "M. X", "dwelling": "Bât. B, porte 31"},
            "grounds": "Trafic de stupéfiants dans le hall B2.", "issued_on": issued})
    };

    // Only the préfecture's officers enjoin.
    for t in [&corr, &observer, &cop] {
        h.post("/api/v1/injunctions", t, &body(day(-2)))
            .await
            .expect(403, Some("forbidden"));
    }
    h.post("/api/v1/injunctions", &officer, &body(day(1)))
        .await
        .expect(422, Some("date_out_of_order"));
    let created = h
        .post("/api/v1/injunctions", &officer, &body(day(-2)))
        .await;
    created.expect(201, None);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/injunctions/{id}");
    // The deadline follows from the dated legal delays: 15 days from receipt.
    assert_eq!(created.body["procedure"]["answer_by"], day(13));
    assert_eq!(created.body["days_left"], 13);
    assert_eq!(created.body["next_steps"], json!(["accept", "refuse"]));

    // Seen by the préfecture and the landlord's correspondent only.
    h.get(&path, &corr).await.expect(200, None);
    for t in [&integration, &b_corr, &cop, &observer] {
        h.get(&path, t).await.expect(404, Some("not_found"));
    }
    assert_eq!(
        h.get("/api/v1/injunctions", &b_corr).await.body["items"],
        json!([])
    );

    // The landlord's designated correspondent is notified; the feed carries it to the préfecture
    // and the correspondent, never to another role nor to webhooks.
    let notes = h
        .get(&format!("/api/v1/notifications?resource_id={id}"), &corr)
        .await;
    assert_eq!(
        notes.body["items"][0]["event_type"], "injunction.issued",
        "{}",
        notes.text
    );
    let feed_types = |t: String| {
        let h = &h;
        async move {
            h.get("/api/v1/events", &t).await.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["resource_type"] == "injunction")
                .count()
        }
    };
    assert_eq!(feed_types(officer.clone()).await, 1);
    assert_eq!(feed_types(corr.clone()).await, 1);
    assert_eq!(feed_types(integration.clone()).await, 0);

    // Steps belong to their party; the préfet cannot substitute while the answer is awaited.
    let step = |t: &str, v: Value| {
        let (h, path, t) = (&h, path.clone(), t.to_owned());
        async move { h.post(&format!("{path}/steps"), &t, &v).await }
    };
    step(&officer, json!({"kind": "accept", "answered_on": day(0)}))
        .await
        .expect(403, Some("forbidden"));
    step(
        &officer,
        json!({"kind": "substitute", "decided_on": day(0), "reason": "x"}),
    )
    .await
    .expect(409, Some("substitution_not_open"));
    step(
        &corr,
        json!({"kind": "substitute", "decided_on": day(0), "reason": "x"}),
    )
    .await
    .expect(403, Some("forbidden"));
    step(
        &corr,
        json!({"kind": "bring_action", "court": "TJ Nanterre", "summons_on": day(0)}),
    )
    .await
    .expect(409, Some("transition_not_allowed"));
    let accepted = step(&corr, json!({"kind": "accept", "answered_on": day(0)})).await;
    accepted.expect(200, None);
    assert_eq!(accepted.body["status"], "accepted");
    // One month to bring the action.
    let in_a_month = (vigie_domain::pv::local_day(chrono::Utc::now()))
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .to_string();
    assert_eq!(accepted.body["procedure"]["action_by"], in_a_month);
    // The landlord links its own incidents, not another's.
    let incident = h
        .post(
            "/api/v1/incidents",
            &corr,
            &incident_body(&res, "drug_trafficking"),
        )
        .await;
    let incident = incident.body["id"].as_str().unwrap().to_owned();
    let b_res = h.residence(&b_corr, "RB", "92050").await;
    let foreign = h
        .post(
            "/api/v1/incidents",
            &b_corr,
            &incident_body(&b_res, "drug_trafficking"),
        )
        .await;
    let links = format!("{path}/links");
    let a = h
        .send(
            "PUT",
            &links,
            Some(&corr),
            &[("content-type", "application/json")],
            Some(
                json!({"incident_ids": [foreign.body["id"]], "complaint_ids": []})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["code"], "unknown_incident");
    h.send(
        "PUT",
        &links,
        Some(&corr),
        &[("content-type", "application/json")],
        Some(
            json!({"incident_ids": [incident], "complaint_ids": []})
                .to_string()
                .into_bytes(),
        ),
    )
    .await
    .expect(200, None);
    let brought = step(&corr, json!({"kind": "bring_action", "court": "Tribunal judiciaire de Nanterre", "summons_on": day(0)})).await;
    brought.expect(200, None);
    assert_eq!(brought.body["status"], "action_brought");
    assert_eq!(brought.body["next_steps"], json!([]));

    // A second dossier received 20 days ago, unanswered: the préfet may act in the landlord's place,
    // and the deadline alert went out once.
    let late = h
        .post("/api/v1/injunctions", &officer, &body(day(-20)))
        .await;
    late.expect(201, None);
    let late_id = late.body["id"].as_str().unwrap().to_owned();
    assert_eq!(late.body["days_left"], -5);
    assert_eq!(
        vigie_app::injunctions::alert_due_deadlines(&h.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        vigie_app::injunctions::alert_due_deadlines(&h.app)
            .await
            .unwrap(),
        0
    );
    let due = h
        .get("/api/v1/injunctions?due_within_days=0", &officer)
        .await;
    let ids: Vec<&str> = due.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [late_id.as_str()]);
    let notes = h
        .get(
            &format!("/api/v1/notifications?resource_id={late_id}"),
            &corr,
        )
        .await;
    let kinds: Vec<&str> = notes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["injunction.issued", "injunction.deadline_approaching"]
    );
    let substituted = h
        .post(&format!("/api/v1/injunctions/{late_id}/steps"), &officer, &json!({"kind": "substitute", "decided_on": day(0), "reason": "Aucune réponse dans les 15 jours"}))
        .await;
    substituted.expect(200, None);
    assert_eq!(substituted.body["status"], "substituted");
});

both_backends!(
    a3_bans_last_a_month_at_most_and_are_seen_by_the_four_parties,
    |b| {
        let h = Harness::start(b).await;
        let admin = h.admin().await;
        let (officer, observer) = officer(&h, &admin).await;
        let a = h.bailleur(&admin, "A", SIREN_A).await;
        let corr = h
            .member(&admin, &a, "a.corr", &["correspondent", "admin"])
            .await;
        let staff_member = h.member(&admin, &a, "a.staff", &["staff"]).await;
        let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
        let cop = h
            .member(&admin, &police, "p.corr", &["police_correspondent"])
            .await;
        let elsewhere = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Clamart", "circonscription_code": "CSP-92023"})).await;
        let other_cop = h
            .member(&admin, &elsewhere, "p2.corr", &["police_correspondent"])
            .await;
        let parquet = h.org(&admin, org_body("parquet", "Parquet")).await;
        let mag = h.member(&admin, &parquet, "mag", &["magistrate"]).await;
        let other = h.bailleur(&admin, "B", SIREN_B).await;
        let b_corr = h.member(&admin, &other, "b.corr", &["correspondent"]).await;
        let res = h.residence(&corr, "R1", "92050").await;
        let ban = |start: String, end: String, informed: String| {
            json!({"bailleur_id": a, "residence_id": res, "person": {"name": "M. Y"},
            "places": {"buildings": ["B"], "common_parts": ["hall B2"]},
            "grounds": "Occupation répétée du hall B2 en réunion, liée au trafic.",
            "start": start, "end": end, "procureur_informed_on": informed})
        };
        // The préfet's decision only; at most one month; the procureur informed first.
        h.post("/api/v1/bans", &corr, &ban(day(1), day(20), day(0)))
            .await
            .expect(403, Some("forbidden"));
        let too_long = h
            .post("/api/v1/bans", &officer, &ban(day(1), day(40), day(0)))
            .await;
        too_long.expect(422, Some("validation_failed"));
        assert_eq!(too_long.body["errors"][0]["code"], "ban_too_long");
        let uninformed = h
            .post("/api/v1/bans", &officer, &ban(day(0), day(20), day(1)))
            .await;
        uninformed.expect(422, Some("validation_failed"));
        assert_eq!(
            uninformed.body["errors"][0]["field"],
            "procureur_informed_on"
        );
        let created = h
            .post("/api/v1/bans", &officer, &ban(day(0), day(27), day(-1)))
            .await;
        created.expect(201, None);
        assert_eq!(created.body["circonscription_code"], "CSP-92050");
        assert_eq!(created.body["in_force"], true);
        assert_eq!(created.body["breach_offence_code"], "CSI-L22-11-1");
        let path = format!("/api/v1/bans/{}", created.body["id"].as_str().unwrap());

        // Seen by the préfecture, the landlord's correspondent, the circonscription's police and the
        // parquet; by no one else.
        for t in [&officer, &corr, &cop, &mag] {
            h.get(&path, t).await.expect(200, None);
        }
        for t in [&observer, &staff_member, &other_cop, &b_corr] {
            h.get(&path, t).await.expect(404, Some("not_found"));
        }
        assert_eq!(
            h.get("/api/v1/bans", &other_cop).await.body["items"],
            json!([])
        );

        // Acknowledged once by the landlord and once by the police; not by the others.
        let ack = format!("{path}/acknowledgement");
        h.post(&ack, &officer, &json!({}))
            .await
            .expect(403, Some("forbidden"));
        h.post(&ack, &corr, &json!({})).await.expect(200, None);
        h.post(&ack, &corr, &json!({}))
            .await
            .expect(409, Some("already_acknowledged"));
        let both = h.post(&ack, &cop, &json!({})).await;
        both.expect(200, None);
        assert!(both.body["bailleur_acknowledged_at"].is_string());
        assert!(both.body["police_acknowledged_at"].is_string());

        // A breach can be qualified as the offence, for facts since the law came into force.
        let incident = h
            .post(
                "/api/v1/incidents",
                &corr,
                &incident_body(&res, "hall_occupation"),
            )
            .await;
        incident.expect(201, None);
        h.qualify(&corr, incident.body["id"].as_str().unwrap(), "CSI-L22-11-1")
            .await
            .expect(200, None);
    }
);

// Restricted events reach the correspondents in the feed, never a webhook: a ban reaches the police
// correspondent's feed, not the police organisation's webhook receiver.
both_backends!(bans_and_injunctions_never_leave_by_webhook, |b| {
    let h = Harness::start_with(b, crate::webhooks::PRIVATE_TARGETS).await;
    let admin = h.admin().await;
    let (officer, _) = officer(&h, &admin).await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
    let cop = h
        .member(&admin, &police, "p.corr", &["police_correspondent"])
        .await;
    let police_erp = h.member(&admin, &police, "p.admin", &["admin"]).await;
    let (srv, got) = crate::webhooks::receiver(0);
    for t in [&corr, &police_erp] {
        h.post(
            "/api/v1/webhooks",
            t,
            &json!({"url": srv.url("/hook"), "event_types": []}),
        )
        .await
        .expect(201, None);
    }
    let res = h.residence(&corr, "R1", "92050").await;
    h.post("/api/v1/bans", &officer, &json!({"bailleur_id": a, "residence_id": res, "person": {"name": "M. Y"},
        "grounds": "Occupation répétée du hall.", "start": day(0), "end": day(10), "procureur_informed_on": day(0)}))
        .await
        .expect(201, None);
    h.post(
        "/api/v1/injunctions",
        &officer,
        &json!({"bailleur_id": a, "tenant": {"name": "M. X", "dwelling": "B31"},
        "grounds": "Trafic.", "issued_on": day(0)}),
    )
    .await
    .expect(201, None);
    crate::webhooks::rounds(&h, &crate::webhooks::fast(), || false).await;
    assert!(
        got.lock().unwrap().is_empty(),
        "a restricted event left by webhook"
    );
    let feed = h.get("/api/v1/events", &cop).await;
    let types: Vec<&str> = feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["ban.issued"]);
});

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

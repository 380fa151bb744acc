//! Sworn agents and procès-verbaux: the file's rules, every rule of drawing up, numbering, signature
//! and immutability, corrections, deadlines, transmission with the void flag, and who sees what.

use futures_util::future::join_all;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::support::*;

/// A bailleur with a correspondent, a residence in the commission and one outside, and an active
/// regime A agent (agrément from 2023-06-01 for 5 years, oath 2023-06-15) who logs in.
pub struct Sworn {
    pub admin: String,
    pub org: String,
    pub corr: String,
    pub agent: String,
    pub agent_id: String,
    pub inside: String,
    pub outside: String,
    pub file_version: String,
}

pub async fn sworn_setup(h: &Harness) -> Sworn {
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "Bailleur A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    let inside = h.residence(&corr, "RES-IN", "92050").await;
    let outside = h.residence(&corr, "RES-OUT", "92050").await;
    let staff = h.staff(&corr, "security_agent", true).await;
    let agent = h.member(&admin, &org, "a.agent", &["sworn_agent"]).await;
    let principal = h.person_id(&admin, &org, "a.agent").await;
    let file = h
        .post(
            "/api/v1/sworn-agents",
            &corr,
            &json!({"staff_id": staff, "principal_id": principal, "regime": "garde_particulier",
                "commission": {"residence_ids": [inside], "offence_codes": ["CP-R634-2", "CP-322-1-I"], "issued_on": "2023-05-01"}}),
        )
        .await;
    file.expect(201, None);
    assert_eq!(file.body["status"], "awaiting_agrement");
    let agent_id = file.body["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/sworn-agents/{agent_id}/events");
    h.post(&events, &corr, &json!({"kind": "agrement", "arrete_number": "PREF-92-2023-7", "prefet": "Préfet des Hauts-de-Seine",
        "start": "2023-06-01", "offence_codes": ["CP-R634-2", "CP-322-1-I"], "card_number": "GP-7"}))
        .await
        .expect(200, None);
    let sworn = h
        .post(
            &events,
            &corr,
            &json!({"kind": "oath", "tribunal": "Tribunal judiciaire de Nanterre", "sworn_on": "2023-06-15"}),
        )
        .await;
    sworn.expect(200, None);
    Sworn {
        admin,
        org,
        corr,
        agent,
        agent_id,
        inside,
        outside,
        file_version: sworn.header("etag").unwrap(),
    }
}

pub fn pv_body(residence: &str, found_at: &str, codes: &[&str]) -> Value {
    json!({"found_at": found_at, "residence_id": residence, "entrance": "A1",
        "facts": "Constaté personnellement le dépôt de sacs d'ordures devant l'entrée.",
        "personally_observed": true, "offence_codes": codes})
}

/// An instant of yesterday (UTC noon): a finding whose deadline is still ahead.
fn yesterday_noon() -> String {
    (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%dT12:00:00Z")
        .to_string()
}

both_backends!(a_sworn_agent_file_follows_its_rules, |b| {
    let h = Harness::start(b).await;
    let s = sworn_setup(&h).await;
    let path = format!("/api/v1/sworn-agents/{}", s.agent_id);
    let file = h.get(&path, &s.corr).await;
    file.expect(200, None);
    assert_eq!(file.body["status"], "active");
    assert_eq!(
        file.body["agrements"][0]["end"], "2028-06-01",
        "5 years by default"
    );
    // Active is computed for any day.
    let on = |d: &str| format!("{path}?on={d}");
    assert_eq!(
        h.get(&on("2023-06-10"), &s.corr).await.body["status"],
        "awaiting_oath"
    );
    assert_eq!(
        h.get(&on("2028-06-02"), &s.corr).await.body["status"],
        "agrement_expired"
    );
    let events = format!("{path}/events");
    // An agrément longer than 5 years, a renewal before the current one: refused with their codes.
    h.post(&events, &s.corr, &json!({"kind": "agrement", "arrete_number": "X", "prefet": "P", "start": "2028-01-01", "end": "2033-01-02", "offence_codes": ["CP-R634-2"]}))
        .await
        .expect(422, Some("agrement_too_long"));
    h.post(&events, &s.corr, &json!({"kind": "agrement", "arrete_number": "X", "prefet": "P", "start": "2023-01-01", "offence_codes": ["CP-R634-2"]}))
        .await
        .expect(422, Some("renewal_before_previous"));
    h.post(&events, &s.corr, &json!({"kind": "agrement", "arrete_number": "X", "prefet": "P", "start": "2028-01-01", "offence_codes": ["CP-222-37"]}))
        .await
        .expect(422, Some("offence_outside_commission"));
    h.post(&events, &s.corr, &json!({"kind": "agrement", "arrete_number": "X", "prefet": "P", "start": "2028-01-01", "offence_codes": ["NOPE"]}))
        .await
        .expect(422, Some("validation_failed"));
    // Stale If-Match, then a suspension and its lifting.
    let a = h
        .send(
            "POST",
            &events,
            Some(&s.corr),
            &[("content-type", "application/json"), ("if-match", "\"1\"")],
            Some(
                json!({"kind": "suspension", "from": "2026-01-01", "reason": "enquête"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    a.expect(412, None);
    let a = h
        .send(
            "POST",
            &events,
            Some(&s.corr),
            &[
                ("content-type", "application/json"),
                ("if-match", s.file_version.as_str()),
            ],
            Some(
                json!({"kind": "suspension", "from": "2026-01-01", "reason": "enquête"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    a.expect(200, None);
    assert_eq!(a.body["status"], "suspended");
    h.post(
        &events,
        &s.corr,
        &json!({"kind": "suspension", "from": "2026-02-01", "reason": "encore"}),
    )
    .await
    .expect(409, Some("already_suspended"));
    h.post(
        &events,
        &s.corr,
        &json!({"kind": "suspension_lifted", "until": "2026-01-31"}),
    )
    .await
    .expect(200, None);
    assert_eq!(
        h.get(&on("2026-01-15"), &s.corr).await.body["status"],
        "suspended"
    );
    assert_eq!(
        h.get(&on("2026-02-01"), &s.corr).await.body["status"],
        "active"
    );
    // The agent reads their own file, not manage it; another bailleur does not see it.
    h.get(&path, &s.agent).await.expect(200, None);
    h.post(
        &events,
        &s.agent,
        &json!({"kind": "suspension_lifted", "until": "2026-01-31"}),
    )
    .await
    .expect(403, Some("forbidden"));
    let other = h.bailleur(&s.admin, "B", SIREN_B).await;
    let b_corr = h
        .member(&s.admin, &other, "b.corr", &["correspondent"])
        .await;
    h.get(&path, &b_corr).await.expect(404, Some("not_found"));
    assert_eq!(
        h.get("/api/v1/sworn-agents", &b_corr).await.body["items"],
        json!([])
    );
    // One regime per person: a second file for the same staff member is a conflict.
    let staff_id = file.body["staff_id"].as_str().unwrap();
    h.post("/api/v1/sworn-agents", &s.corr, &json!({"staff_id": staff_id, "regime": "landlord_security_agent", "cnaps_card_number": "CAR-1",
        "commission": {"residence_ids": [s.inside], "offence_codes": ["CP-R634-2"], "issued_on": "2024-01-01"}}))
        .await
        .expect(409, Some("agent_file_exists"));
    // Withdrawal is the préfet's, after hearing the bailleur and the agent; it closes the file.
    let withdrawal = json!({"kind": "withdrawal", "effective_on": "2026-06-01", "reason": "retrait préfectoral"});
    h.post(&events, &s.corr, &withdrawal)
        .await
        .expect(403, Some("forbidden"));
    let prefecture = h.org(&s.admin, org_body("prefecture", "Préfecture")).await;
    let officer = h
        .member(
            &s.admin,
            &prefecture,
            "pref.officer",
            &["prefecture_officer"],
        )
        .await;
    h.post(&events, &officer, &withdrawal)
        .await
        .expect(409, Some("hearing_required"));
    h.post(
        &events,
        &officer,
        &json!({"kind": "withdrawal_hearing", "held_on": "2026-05-20"}),
    )
    .await
    .expect(200, None);
    h.post(&events, &officer, &withdrawal)
        .await
        .expect(200, None);
    assert_eq!(
        h.get(&on("2026-06-01"), &s.corr).await.body["status"],
        "withdrawn"
    );
    h.post(
        &events,
        &s.corr,
        &json!({"kind": "oath", "tribunal": "TJ", "sworn_on": "2026-07-01"}),
    )
    .await
    .expect(409, Some("agent_withdrawn"));
});

both_backends!(regime_b_is_limited_and_renewals_due_are_listed, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "RES-1", "92050").await;
    let staff = h.staff(&corr, "security_agent", false).await;
    let commission = |codes: Value| json!({"residence_ids": [res], "offence_codes": codes, "issued_on": "2024-01-01"});
    // Regime B: only R.614-11 contraventions, and a CNAPS card.
    h.post("/api/v1/sworn-agents", &corr, &json!({"staff_id": staff, "regime": "landlord_security_agent", "cnaps_card_number": "CAR-1",
        "commission": commission(json!(["CP-R634-2", "CP-322-1-I"]))}))
        .await
        .expect(422, Some("regime_b_contraventions_only"));
    let no_card = h
        .post(
            "/api/v1/sworn-agents",
            &corr,
            &json!({"staff_id": staff, "regime": "landlord_security_agent",
        "commission": commission(json!(["CP-R634-2"]))}),
        )
        .await;
    no_card.expect(422, Some("validation_failed"));
    assert_eq!(no_card.body["errors"][0]["field"], "cnaps_card_number");
    let file = h.post("/api/v1/sworn-agents", &corr, &json!({"staff_id": staff, "regime": "landlord_security_agent", "cnaps_card_number": "CAR-1",
        "commission": commission(json!(["CP-R634-2"]))})).await;
    file.expect(201, None);
    let id = file.body["id"].as_str().unwrap();
    // An agrément ending within 90 days (ends 60 days from now) is due for renewal.
    let today = chrono::Utc::now().date_naive();
    let start = today - chrono::Duration::days(300);
    let end = today + chrono::Duration::days(60);
    h.post(
        &format!("/api/v1/sworn-agents/{id}/events"),
        &corr,
        &json!({"kind": "agrement", "arrete_number": "A", "prefet": "Préfet",
        "start": start, "end": end, "offence_codes": ["CP-R634-2"]}),
    )
    .await
    .expect(200, None);
    let due = h.get("/api/v1/sworn-agents?renewal_due=true", &corr).await;
    due.expect(200, None);
    assert_eq!(due.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(due.body["items"][0]["renewal_due"], true);
    let later = h
        .get("/api/v1/sworn-agents?agrement_ending_within_days=30", &corr)
        .await;
    assert_eq!(later.body["items"], json!([]));
});

both_backends!(each_rule_of_drawing_up_refuses_with_its_code, |b| {
    let h = Harness::start(b).await;
    let s = sworn_setup(&h).await;
    let when = yesterday_noon();
    let post = |body: Value| {
        let h = &h;
        let t = s.agent.clone();
        async move { h.post("/api/v1/pvs", &t, &body).await }
    };
    let mut unattested = pv_body(&s.inside, &when, &["CP-R634-2"]);
    unattested["personally_observed"] = json!(false);
    post(unattested)
        .await
        .expect(422, Some("not_personally_observed"));
    post(pv_body(&s.outside, &when, &["CP-R634-2"]))
        .await
        .expect(422, Some("place_outside_commission"));
    post(pv_body(&s.inside, &when, &["CP-222-37"]))
        .await
        .expect(422, Some("offence_outside_agrement"));
    post(pv_body(&s.inside, &when, &[]))
        .await
        .expect(422, Some("offence_required"));
    // Before the oath, after the agrément's end is impossible today; before the oath is checkable.
    post(pv_body(&s.inside, "2023-06-10T10:00:00Z", &["CP-R634-2"]))
        .await
        .expect(422, Some("agent_not_active"));
    post(pv_body(&s.inside, "2023-05-20T10:00:00Z", &["CP-R634-2"]))
        .await
        .expect(422, Some("agent_not_active"));
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    post(pv_body(&s.inside, &future, &["CP-R634-2"]))
        .await
        .expect(422, Some("validation_failed"));
    // Suspended on the day of the finding: refused; the day after the suspension: accepted.
    let events = format!("/api/v1/sworn-agents/{}/events", s.agent_id);
    h.post(&events, &s.corr, &json!({"kind": "suspension", "from": "2025-03-01", "until": "2025-03-31", "reason": "enquête"}))
        .await
        .expect(200, None);
    post(pv_body(&s.inside, "2025-03-15T10:00:00Z", &["CP-R634-2"]))
        .await
        .expect(422, Some("agent_not_active"));
    post(pv_body(&s.inside, "2025-04-01T10:00:00Z", &["CP-R634-2"]))
        .await
        .expect(201, None);
    // Only sworn agents (or the integration) draw up; the correspondent does not.
    h.post(
        "/api/v1/pvs",
        &s.corr,
        &pv_body(&s.inside, &when, &["CP-R634-2"]),
    )
    .await
    .expect(403, Some("forbidden"));
    // Nothing was half-written: one PV, number 1.
    let list = h.get("/api/v1/pvs", &s.corr).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list.body["items"][0]["number"],
        format!("{}-000001", chrono::Utc::now().format("%Y"))
    );
});

both_backends!(regime_b_agents_record_only_their_contraventions, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "RES-1", "92050").await;
    let staff = h.staff(&corr, "security_agent", false).await;
    let agent = h.member(&admin, &org, "b.agent", &["sworn_agent"]).await;
    let principal = h.person_id(&admin, &org, "b.agent").await;
    let file = h.post("/api/v1/sworn-agents", &corr, &json!({"staff_id": staff, "principal_id": principal, "regime": "landlord_security_agent",
        "cnaps_card_number": "CAR-1", "commission": {"residence_ids": [res], "offence_codes": ["CP-R634-2"], "issued_on": "2024-01-01"}})).await;
    let id = file.body["id"].as_str().unwrap();
    let events = format!("/api/v1/sworn-agents/{id}/events");
    h.post(&events, &corr, &json!({"kind": "agrement", "arrete_number": "A", "prefet": "Préfet", "start": "2024-02-01", "offence_codes": ["CP-R634-2", "CP-322-1-I"]}))
        .await
        .expect(422, Some("regime_b_contraventions_only"));
    h.post(&events, &corr, &json!({"kind": "agrement", "arrete_number": "A", "prefet": "Préfet", "start": "2024-02-01", "offence_codes": ["CP-R634-2"]}))
        .await
        .expect(200, None);
    h.post(
        &events,
        &corr,
        &json!({"kind": "oath", "tribunal": "TJ Nanterre", "sworn_on": "2024-02-05"}),
    )
    .await
    .expect(200, None);
    let when = yesterday_noon();
    h.post(
        "/api/v1/pvs",
        &agent,
        &pv_body(&res, &when, &["CP-322-1-I"]),
    )
    .await
    .expect(422, Some("regime_b_contraventions_only"));
    let pv = h
        .post("/api/v1/pvs", &agent, &pv_body(&res, &when, &["CP-R634-2"]))
        .await;
    pv.expect(201, None);
    let pv_id = pv.body["id"].as_str().unwrap();
    h.post(
        &format!("/api/v1/pvs/{pv_id}/signature"),
        &agent,
        &json!({}),
    )
    .await
    .expect(200, None);
    // Regime B goes through an OPJ, never by registered letter.
    let parquet = h
        .org(&admin, org_body("parquet", "Parquet de Nanterre"))
        .await;
    let _ = parquet;
    let today = chrono::Utc::now().date_naive().to_string();
    let letter = h.post("/api/v1/pv-transmissions", &corr, &json!({"pv_ids": [pv_id], "transmitted_on": today, "mode": "registered_letter", "proof_reference": "1A"})).await;
    letter.expect(422, Some("transmission_mode_not_allowed"));
    assert_eq!(letter.body["allowed"], json!(["via_opj"]));
    h.post("/api/v1/pv-transmissions", &corr, &json!({"pv_ids": [pv_id], "transmitted_on": today, "mode": "via_opj", "proof_reference": "OPJ-12"}))
        .await
        .expect(422, Some("validation_failed"));
    h.post("/api/v1/pv-transmissions", &corr, &json!({"pv_ids": [pv_id], "transmitted_on": today, "mode": "via_opj", "proof_reference": "OPJ-12", "opj": "Brigadier Martin, CSP Nanterre"}))
        .await
        .expect(201, None);
});

/// The canonical JSON of a value, written here independently of the server: keys sorted.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

both_backends!(
    a_signed_pv_is_immutable_and_corrections_are_new_revisions,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        let when = yesterday_noon();
        let pv = h
            .post(
                "/api/v1/pvs",
                &s.agent,
                &pv_body(&s.inside, &when, &["CP-R634-2"]),
            )
            .await;
        pv.expect(201, None);
        assert_eq!(pv.body["status"], "draft");
        let id = pv.body["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/pvs/{id}");
        // A draft can be rewritten (same rules).
        let mut changed = pv_body(&s.inside, &when, &["CP-R634-2", "CP-322-1-I"]);
        changed["facts"] = json!("Constaté personnellement un dépôt et des tags.");
        let put = |body: Value, etag: Option<String>| {
            let h = &h;
            let t = s.agent.clone();
            let path = path.clone();
            async move {
                let mut hd = vec![("content-type", "application/json")];
                let e = etag.unwrap_or_default();
                if !e.is_empty() {
                    hd.push(("if-match", e.as_str()));
                }
                h.send(
                    "PUT",
                    &path,
                    Some(&t),
                    &hd,
                    Some(body.to_string().into_bytes()),
                )
                .await
            }
        };
        put(changed.clone(), pv.header("etag"))
            .await
            .expect(200, None);
        let signed = h
            .post(&format!("{path}/signature"), &s.agent, &json!({}))
            .await;
        signed.expect(200, None);
        assert_eq!(signed.body["status"], "signed");
        // Anyone recomputes the hash from the returned document.
        let hash = format!(
            "sha256:{}",
            hex::encode(Sha256::digest(
                canonical(&signed.body["document"]).as_bytes()
            ))
        );
        assert_eq!(signed.body["content_hash"], hash);
        assert_eq!(
            signed.body["document"]["author"]["agrement_arrete"],
            "PREF-92-2023-7"
        );
        assert_eq!(
            signed.body["document"]["qualifications"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // Immutable: no rewrite, no second signature; a read gives the same document and hash.
        put(changed.clone(), None)
            .await
            .expect(409, Some("pv_immutable"));
        h.post(&format!("{path}/signature"), &s.agent, &json!({}))
            .await
            .expect(409, Some("pv_immutable"));
        let read = h.get(&path, &s.corr).await;
        assert_eq!(read.body["document"], signed.body["document"]);
        assert_eq!(read.body["content_hash"], hash);
        // A correction is a new revision with the same number, referencing the previous hash.
        let corr_path = format!("{path}/corrections");
        h.post(&corr_path, &s.agent, &json!({"reason": "", "pv": changed}))
            .await
            .expect(422, Some("validation_failed"));
        let fix = h
            .post(
                &corr_path,
                &s.agent,
                &json!({"reason": "Entrée A2 et non A1.", "pv": changed}),
            )
            .await;
        fix.expect(201, None);
        assert_eq!(fix.body["number"], signed.body["number"]);
        assert_eq!(fix.body["revision"], 2);
        assert_eq!(fix.body["status"], "draft");
        assert_eq!(fix.body["document"]["previous"]["content_hash"], hash);
        let old = h.get(&path, &s.corr).await;
        assert_eq!(old.body["superseded_by"], fix.body["id"]);
        assert_eq!(
            old.body["content_hash"], hash,
            "the corrected revision is untouched"
        );
        h.post(
            &corr_path,
            &s.agent,
            &json!({"reason": "encore", "pv": changed}),
        )
        .await
        .expect(409, Some("pv_superseded"));
        // A draft is neither transmitted nor corrected.
        let fix_id = fix.body["id"].as_str().unwrap();
        h.post(
            &format!("/api/v1/pvs/{fix_id}/corrections"),
            &s.agent,
            &json!({"reason": "x", "pv": changed}),
        )
        .await
        .expect(409, Some("pv_not_signed"));
        let today = chrono::Utc::now().date_naive().to_string();
        h.org(&s.admin, org_body("parquet", "Parquet de Nanterre"))
            .await;
        h.post("/api/v1/pv-transmissions", &s.corr, &json!({"pv_ids": [fix_id], "transmitted_on": today, "mode": "hand_delivery", "proof_reference": "R-1"}))
        .await
        .expect(409, Some("pv_not_signed"));
        h.post("/api/v1/pv-transmissions", &s.corr, &json!({"pv_ids": [id], "transmitted_on": today, "mode": "hand_delivery", "proof_reference": "R-1"}))
        .await
        .expect(409, Some("pv_superseded"));
        // Every step is in the audit trail.
        let audit = h
            .get(
                &format!("/api/v1/audit?org_id={}&limit=200", s.org),
                &s.admin,
            )
            .await;
        let actions: Vec<&str> = audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for a in [
            "pv.drawn_up",
            "pv.draft_updated",
            "pv.signed",
            "pv.corrected",
            "pv.superseded",
            "sworn_agent.oath",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
    }
);

both_backends!(deadlines_cross_month_ends_leap_days_and_year_ends, |b| {
    let h = Harness::start(b).await;
    let s = sworn_setup(&h).await;
    let mut ids = std::collections::HashMap::new();
    for (found_at, deadline) in [
        ("2024-02-24T09:00:00Z", "2024-02-29"),
        ("2024-02-26T09:00:00Z", "2024-03-02"),
        ("2024-02-27T09:00:00Z", "2024-03-03"),
        ("2025-12-29T09:00:00Z", "2026-01-03"),
        ("2025-10-30T09:00:00Z", "2025-11-04"),
        // 23:30 UTC on 31 December is 1 January in Nanterre: the clock starts on the 1st.
        ("2025-12-31T23:30:00Z", "2026-01-06"),
    ] {
        let pv = h
            .post(
                "/api/v1/pvs",
                &s.agent,
                &pv_body(&s.inside, found_at, &["CP-R634-2"]),
            )
            .await;
        pv.expect(201, None);
        assert_eq!(pv.body["deadline"], deadline, "finding {found_at}");
        ids.insert(deadline, pv.body["id"].as_str().unwrap().to_owned());
    }
    let due = h.get("/api/v1/pv-deadlines?on=2024-03-02", &s.corr).await;
    due.expect(200, None);
    let ids_of = |k: &str| -> Vec<String> {
        due.body[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids_of("due_today"), vec![ids["2024-03-02"].clone()]);
    assert_eq!(ids_of("due_tomorrow"), vec![ids["2024-03-03"].clone()]);
    assert_eq!(ids_of("overdue"), vec![ids["2024-02-29"].clone()]);
    // The agent sees their own; the parquet has nothing due.
    assert_eq!(
        h.get("/api/v1/pv-deadlines?on=2024-03-02", &s.agent)
            .await
            .body["due_today"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

both_backends!(
    transmission_flags_late_pvs_void_and_the_parquet_acknowledges,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        let parquet = h
            .org(&s.admin, org_body("parquet", "Parquet de Nanterre"))
            .await;
        let mag = h.member(&s.admin, &parquet, "mag", &["magistrate"]).await;
        let now = chrono::Utc::now();
        let late_at = (now - chrono::Duration::days(8))
            .format("%Y-%m-%dT12:00:00Z")
            .to_string();
        let incident = h
            .post(
                "/api/v1/incidents",
                &s.corr,
                &incident_body(&s.inside, "dumping"),
            )
            .await;
        incident.expect(201, None);
        let incident_path = format!(
            "/api/v1/incidents/{}",
            incident.body["id"].as_str().unwrap()
        );
        let mut sign = vec![];
        for at in [yesterday_noon(), late_at] {
            let mut body = pv_body(&s.inside, &at, &["CP-R634-2", "CP-322-1-I"]);
            body["incident_ids"] = json!([incident.body["id"]]);
            let pv = h.post("/api/v1/pvs", &s.agent, &body).await;
            pv.expect(201, None);
            let id = pv.body["id"].as_str().unwrap().to_owned();
            h.post(&format!("/api/v1/pvs/{id}/signature"), &s.agent, &json!({}))
                .await
                .expect(200, None);
            sign.push(id);
        }
        // Before transmission the parquet does not see the PVs.
        h.get(&format!("/api/v1/pvs/{}", sign[0]), &mag)
            .await
            .expect(404, Some("not_found"));
        h.get(&incident_path, &mag)
            .await
            .expect(404, Some("not_found"));
        assert_eq!(
            h.get("/api/v1/incidents", &mag).await.body["items"],
            json!([])
        );
        let today = chrono::Utc::now().date_naive();
        // Two days ahead is the future in Nanterre whatever the hour (UTC+1 or +2).
        let tomorrow = (today + chrono::Duration::days(2)).to_string();
        let body = |on: &str| json!({"pv_ids": sign, "transmitted_on": on, "mode": "registered_letter", "proof_reference": "1A 234 567"});
        h.post("/api/v1/pv-transmissions", &s.corr, &body(&tomorrow))
            .await
            .expect(422, Some("validation_failed"));
        h.post("/api/v1/pv-transmissions", &s.corr, &json!({"pv_ids": sign, "transmitted_on": today, "mode": "via_opj", "proof_reference": "x", "opj": "OPJ"}))
        .await
        .expect(422, Some("transmission_mode_not_allowed"));
        let slip = h
            .post(
                "/api/v1/pv-transmissions",
                &s.corr,
                &body(&today.to_string()),
            )
            .await;
        slip.expect(201, None);
        assert_eq!(slip.body["void_count"], 1);
        assert_eq!(slip.body["parquet_id"], parquet);
        let lines = slip.body["lines"].as_array().unwrap();
        let line = |id: &str| lines.iter().find(|l| l["pv_id"] == id).unwrap().clone();
        assert_eq!(line(&sign[0])["void"], false);
        assert_eq!(line(&sign[1])["void"], true);
        // NATINF codes on the slip (dumping has none in the catalogue: absent, not invented).
        let offences = line(&sign[0])["offences"].as_array().unwrap().clone();
        assert_eq!(offences.len(), 2);
        let late = h.get(&format!("/api/v1/pvs/{}", sign[1]), &s.corr).await;
        assert_eq!(late.body["void"], true);
        assert_eq!(late.body["status"], "transmitted");
        // Sent once only.
        h.post(
            "/api/v1/pv-transmissions",
            &s.corr,
            &body(&today.to_string()),
        )
        .await
        .expect(409, Some("pv_already_transmitted"));
        // The printable slip.
        let tid = slip.body["id"].as_str().unwrap();
        let html = h
            .get(&format!("/api/v1/pv-transmissions/{tid}/slip"), &s.corr)
            .await;
        html.expect(200, None);
        assert!(
            html.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(html.text.contains("HORS DÉLAI"), "{}", html.text);
        assert!(
            html.text
                .contains(slip.body["lines"][0]["number"].as_str().unwrap())
        );
        // The magistrate sees what was sent to the parquet, and acknowledges once.
        let seen = h.get("/api/v1/pv-transmissions", &mag).await;
        assert_eq!(seen.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            h.get("/api/v1/pvs", &mag).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        h.get(&format!("/api/v1/pvs/{}", sign[0]), &mag)
            .await
            .expect(200, None);
        h.get(&incident_path, &mag).await.expect(200, None);
        assert_eq!(
            h.get("/api/v1/incidents", &mag).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        h.post(
            &format!("/api/v1/pv-transmissions/{tid}/acknowledgement"),
            &s.corr,
            &json!({}),
        )
        .await
        .expect(403, Some("forbidden"));
        let ack = h
            .post(
                &format!("/api/v1/pv-transmissions/{tid}/acknowledgement"),
                &mag,
                &json!({}),
            )
            .await;
        ack.expect(200, None);
        assert!(ack.body["acknowledged_at"].is_string());
        h.post(
            &format!("/api/v1/pv-transmissions/{tid}/acknowledgement"),
            &mag,
            &json!({}),
        )
        .await
        .expect(409, Some("already_acknowledged"));
        assert!(
            h.get(&format!("/api/v1/pvs/{}", sign[0]), &s.corr)
                .await
                .body["transmission"]["acknowledged_at"]
                .is_string()
        );
        // Another parquet sees nothing.
        let other = h
            .org(&s.admin, org_body("parquet", "Parquet de Versailles"))
            .await;
        let other_mag = h.member(&s.admin, &other, "mag2", &["magistrate"]).await;
        h.get(&format!("/api/v1/pv-transmissions/{tid}"), &other_mag)
            .await
            .expect(404, Some("not_found"));
        assert_eq!(
            h.get("/api/v1/pvs", &other_mag).await.body["items"],
            json!([])
        );
        h.get(&incident_path, &other_mag)
            .await
            .expect(404, Some("not_found"));
    }
);

both_backends!(
    pvs_are_seen_by_the_correspondent_and_their_author_only,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        let pv = h
            .post(
                "/api/v1/pvs",
                &s.agent,
                &pv_body(&s.inside, &yesterday_noon(), &["CP-R634-2"]),
            )
            .await;
        let path = format!("/api/v1/pvs/{}", pv.body["id"].as_str().unwrap());
        h.get(&path, &s.corr).await.expect(200, None);
        h.get(&path, &s.agent).await.expect(200, None);
        let staff = h.member(&s.admin, &s.org, "a.staff", &["staff"]).await;
        h.get(&path, &staff).await.expect(404, Some("not_found"));
        h.get("/api/v1/pvs", &staff)
            .await
            .expect(403, Some("forbidden"));
        // Another sworn agent of the same bailleur does not see it.
        let other_agent = h
            .member(&s.admin, &s.org, "a.agent2", &["sworn_agent"])
            .await;
        h.get(&path, &other_agent)
            .await
            .expect(404, Some("not_found"));
        assert_eq!(
            h.get("/api/v1/pvs", &other_agent).await.body["items"],
            json!([])
        );
        let police = h.org(&s.admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
        let p = h
            .member(&s.admin, &police, "p.corr", &["police_correspondent"])
            .await;
        h.get(&path, &p).await.expect(404, Some("not_found"));
    }
);

both_backends!(numbers_are_gap_free_under_concurrent_creation, |b| {
    let h = Harness::start_with(b, &["--db-pool-size", "8"]).await;
    let s = sworn_setup(&h).await;
    let when = yesterday_noon();
    let bodies: Vec<Value> = (0..16)
        .map(|_| pv_body(&s.inside, &when, &["CP-R634-2"]))
        .collect();
    let answers = join_all(bodies.iter().map(|b| h.post("/api/v1/pvs", &s.agent, b))).await;
    let mut numbers: Vec<String> = answers
        .iter()
        .map(|a| {
            a.expect(201, None);
            a.body["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: Vec<String> = (1..=16).map(|i| format!("{year}-{i:06}")).collect();
    assert_eq!(numbers, expected);
});

/// Two `vigie serve` processes on one PostgreSQL database, plus the in-process server: PV numbers
/// stay unique and gap-free.
#[actix_web::test]
async fn numbering_is_gap_free_across_server_processes_on_postgresql() {
    if !postgres_enabled() {
        return;
    }
    let h = Harness::start_with(Backend::Postgres, &["--db-pool-size", "8"]).await;
    let s = sworn_setup(&h).await;
    let mut children = vec![];
    let mut bases = vec![];
    for _ in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
            .arg("serve")
            .env("VIGIE_DATABASE_URL", h.db.url())
            .env("VIGIE_DATA_DIR", h.db.data_dir())
            .env("VIGIE_BIND", &bind)
            .env("VIGIE_RATE_LIMIT_PER_SECOND", "0")
            .env("VIGIE_WORKERS", "2")
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        children.push(child);
        bases.push(format!("http://{bind}"));
    }
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .finish();
    for base in &bases {
        let mut ready = false;
        for _ in 0..150 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                ready = true;
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ready, "server {base} did not start");
    }
    let when = yesterday_noon();
    let body = pv_body(&s.inside, &when, &["CP-R634-2"]).to_string();
    let requests = (0..30).map(|i| {
        let client = client.clone();
        let token = s.agent.clone();
        let body = body.clone();
        let target = if i % 3 == 2 {
            None
        } else {
            Some(bases[i % 3].clone())
        };
        let h = &h;
        async move {
            match target {
                Some(base) => {
                    let mut r = client
                        .post(format!("{base}/api/v1/pvs"))
                        .insert_header(("authorization", format!("Bearer {token}")))
                        .insert_header(("content-type", "application/json"))
                        .send_body(body)
                        .await
                        .expect("request");
                    let status = r.status().as_u16();
                    let v: Value = r.json().await.unwrap_or(Value::Null);
                    (status, v)
                }
                None => {
                    let a = h
                        .post("/api/v1/pvs", &token, &serde_json::from_str(&body).unwrap())
                        .await;
                    (a.status.as_u16(), a.body)
                }
            }
        }
    });
    let answers = join_all(requests).await;
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    let mut numbers: Vec<String> = answers
        .iter()
        .map(|(status, v)| {
            assert_eq!(*status, 201, "{v}");
            v["number"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: Vec<String> = (1..=30).map(|i| format!("{year}-{i:06}")).collect();
    assert_eq!(numbers, expected);
}

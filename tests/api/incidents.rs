use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(residences_sync_by_reference, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let bb = h.bailleur(&admin, "B", SIREN_B).await;
    let erp = h.member(&admin, &a, "a.admin", &["admin"]).await;
    let staff = h.member(&admin, &a, "a.gardien", &["staff"]).await;
    let b_admin = h.member(&admin, &bb, "b.admin", &["admin"]).await;
    let body = json!({"name": "Les Pâquerettes", "address": "3 allée des Fleurs", "insee_code": "92050", "buildings": [{"name": "A", "entrances": ["A1", "A2"]}], "qpv": true});
    let put = |token: &str, b: &serde_json::Value| {
        let h = &h;
        let (token, b) = (token.to_owned(), b.to_string());
        async move {
            h.send(
                "PUT",
                "/api/v1/residences/by-ref/RES-1",
                Some(&token),
                &[("content-type", "application/json")],
                Some(b.into_bytes()),
            )
            .await
        }
    };
    let created = put(&erp, &body).await;
    created.expect(201, None);
    let again = put(&erp, &body).await;
    again.expect(200, None);
    assert_eq!(again.header("vigie-sync").as_deref(), Some("unchanged"));
    assert_eq!(again.body["id"], created.body["id"]);
    let mut changed = body.clone();
    changed["name"] = json!("Les Pâquerettes II");
    let updated = put(&erp, &changed).await;
    assert_eq!(updated.header("vigie-sync").as_deref(), Some("updated"));
    assert_eq!(updated.body["version"], 2);
    let mut bad = body.clone();
    bad["insee_code"] = json!("75056");
    put(&erp, &bad).await.expect(422, Some("validation_failed"));
    put(&staff, &body).await.expect(403, Some("forbidden"));
    // Same reference in another bailleur: another residence; and A's is invisible to B.
    let other = put(&b_admin, &body).await;
    other.expect(201, None);
    assert_ne!(other.body["id"], created.body["id"]);
    let id = created.body["id"].as_str().unwrap();
    h.get(&format!("/api/v1/residences/{id}"), &b_admin)
        .await
        .expect(404, Some("not_found"));
    h.get(&format!("/api/v1/residences/{id}"), &staff)
        .await
        .expect(200, None);
    assert_eq!(
        h.get("/api/v1/residences", &erp).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

both_backends!(incidents_are_routed_to_contacts_with_cmsp_recognised, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Châtenay", "circonscription_code": "CSP-92019"})).await;
    h.member(&admin, &police, "p.corr", &["police_correspondent"])
        .await;
    let parquet = h
        .org(&admin, org_body("parquet", "Parquet de Nanterre"))
        .await;
    h.member(&admin, &parquet, "mag", &["magistrate"]).await;
    // Designations: one per role, each by its organisation.
    let a_corr_id = h.person_id(&admin, &a, "a.corr").await;
    h.post("/api/v1/designations", &corr, &json!({"role": "bailleur_correspondent", "person_id": a_corr_id, "valid_from": "2026-01-01"})).await.expect(201, None);
    let p_id = h.person_id(&admin, &police, "p.corr").await;
    h.post("/api/v1/designations", &admin, &json!({"role": "police_correspondent", "person_id": p_id, "valid_from": "2026-01-01", "org_id": police})).await.expect(201, None);
    let m_id = h.person_id(&admin, &parquet, "mag").await;
    h.post("/api/v1/designations", &admin, &json!({"role": "magistrat_referent", "person_id": m_id, "valid_from": "2026-01-01", "org_id": parquet})).await.expect(201, None);
    // A designation of the wrong kind or person is refused; a second one replaces the first from its date.
    h.post(
        "/api/v1/designations",
        &corr,
        &json!({"role": "magistrat_referent", "person_id": a_corr_id, "valid_from": "2026-01-01"}),
    )
    .await
    .expect(422, Some("validation_failed"));
    h.post("/api/v1/designations", &corr, &json!({"role": "bailleur_correspondent", "person_id": a_corr_id, "valid_from": "2025-06-01"})).await.expect(409, Some("designation_not_latest"));
    let res = h.residence(&corr, "SCEAUX-1", "92071").await;
    let gardien = h.staff(&corr, "gardien", false).await;
    let mut body = incident_body(&res, "outrage_to_staff");
    body["victims"] = json!([{"kind": "staff", "staff_id": gardien, "acting_in_functions": true}, {"kind": "bailleur"}]);
    let i = h.post("/api/v1/incidents", &corr, &body).await;
    i.expect(201, None);
    assert_eq!(i.body["status"], "reported");
    assert_eq!(i.body["victims"][0]["cmsp_recognised"], true);
    assert_eq!(i.body["victims"][1]["cmsp_recognised"], false);
    assert_eq!(i.body["routing"]["insee_code"], "92071");
    assert_eq!(i.body["routing"]["circonscription_code"], "CSP-92019");
    let roles: Vec<&str> = i.body["routing"]["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        vec![
            "bailleur_correspondent",
            "police_correspondent",
            "magistrat_referent"
        ]
    );
    assert_eq!(
        i.body["routing"]["contacts"][1]["holder"]["display_name"],
        "p.corr"
    );
    // Victims must be the bailleur's own staff.
    let mut foreign = incident_body(&res, "assault_on_staff");
    foreign["victims"] = json!([{"kind": "staff", "staff_id": "01936f5e-0000-7000-8000-000000000000", "acting_in_functions": true}]);
    h.post("/api/v1/incidents", &corr, &foreign)
        .await
        .expect(422, Some("validation_failed"));
    // The directory is readable by partners.
    let p_token = h.person_token("p.corr").await;
    assert_eq!(
        h.get("/api/v1/designations?on=2026-11-28", &p_token)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
});

both_backends!(creation_is_idempotent_by_key_and_external_ref, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let c = h
        .post(
            &format!("/api/v1/organisations/{a}/api-clients"),
            &admin,
            &json!({"name": "ERP", "roles": ["integration"]}),
        )
        .await;
    let erp = h
        .client_token(
            c.body["client_id"].as_str().unwrap(),
            c.body["client_secret"].as_str().unwrap(),
        )
        .await;
    let res = h.residence(&erp, "R1", "92050").await;
    let mut body = incident_body(&res, "dumping");
    body["external_ref"] = json!("ERP-1");
    let first = h.post("/api/v1/incidents", &erp, &body).await;
    first.expect(201, None);
    let again = h.post("/api/v1/incidents", &erp, &body).await;
    again.expect(201, None);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    body["narrative"] = json!("autre chose");
    h.post("/api/v1/incidents", &erp, &body)
        .await
        .expect(409, Some("external_ref_conflict"));
    let keyed = incident_body(&res, "dumping").to_string().into_bytes();
    let hdr = [
        ("content-type", "application/json"),
        ("idempotency-key", "abc"),
    ];
    let k1 = h
        .send(
            "POST",
            "/api/v1/incidents",
            Some(&erp),
            &hdr,
            Some(keyed.clone()),
        )
        .await;
    let k2 = h
        .send("POST", "/api/v1/incidents", Some(&erp), &hdr, Some(keyed))
        .await;
    assert_eq!(k1.body["id"], k2.body["id"]);
    let list = h.get("/api/v1/incidents", &erp).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
});

both_backends!(qualification_proposals_and_prescription, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "R1", "92050").await;
    let gardien = h.staff(&corr, "gardien", false).await;
    let guard = h.staff(&corr, "security_agent", true).await;
    let propose = |category: &'static str, victim: String| {
        let h = &h;
        let corr = corr.clone();
        let res = res.clone();
        async move {
            let mut body = incident_body(&res, category);
            body["victims"] =
                json!([{"kind": "staff", "staff_id": victim, "acting_in_functions": true}]);
            let i = h.post("/api/v1/incidents", &corr, &body).await;
            i.expect(201, None);
            let id = i.body["id"].as_str().unwrap().to_owned();
            (
                id.clone(),
                h.get(
                    &format!("/api/v1/incidents/{id}/qualification-proposals"),
                    &corr,
                )
                .await
                .body,
            )
        }
    };
    let (outrage_id, p) = propose("outrage_to_staff", gardien.clone()).await;
    assert_eq!(p["proposals"][0]["offence_code"], "CP-433-5-AL1");
    assert_eq!(p["proposals"][0]["legal_reference"], "433-5 al.1 CP");
    assert_eq!(p["proposals"][0]["tadpr_eligible"], true);
    assert_eq!(p["proposals"][0]["app_eligible"], true);
    assert_eq!(p["cmsp_recognised"], true);
    let (_, p) = propose("assault_on_staff", gardien.clone()).await;
    assert_eq!(p["proposals"][0]["offence_code"], "CP-222-13-4BIS");
    assert_eq!(p["proposals"][0]["app_eligible"], false);
    let (_, p) = propose("threats", guard.clone()).await;
    assert_eq!(p["proposals"][0]["offence_code"], "CP-433-3-AL1");
    let (_, p) = propose("hall_occupation", gardien.clone()).await;
    assert_eq!(p["proposals"][0]["offence_code"], "CSI-L272-4");
    // Attach: the prescription follows the most serious qualification (6 years for a délit).
    let path = format!("/api/v1/incidents/{outrage_id}/qualifications");
    let q = h
        .send(
            "PUT",
            &path,
            Some(&corr),
            &[("content-type", "application/json")],
            Some(
                json!({"qualifications": [{"offence_code": "CP-R634-2"}]})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    q.expect(200, None);
    assert_eq!(q.body["prescription"]["years"], 1);
    assert_eq!(q.body["prescription"]["date"], "2027-11-20");
    let q = h
        .send(
            "PUT",
            &path,
            Some(&corr),
            &[("content-type", "application/json")],
            Some(json!({"qualifications": [{"offence_code": "CP-R634-2"}, {"offence_code": "CP-433-5-AL1", "aggravating": ["en réunion"]}]}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(q.body["prescription"]["years"], 6);
    assert_eq!(q.body["prescription"]["date"], "2032-11-20");
    assert_eq!(q.body["prescription"]["basis_offence_code"], "CP-433-5-AL1");
    assert_eq!(
        q.body["qualifications"][1]["aggravating"],
        json!(["en réunion"])
    );
    let bad = json!({"qualifications": [{"offence_code": "NOPE"}]})
        .to_string()
        .into_bytes();
    h.send(
        "PUT",
        &path,
        Some(&corr),
        &[("content-type", "application/json")],
        Some(bad),
    )
    .await
    .expect(422, Some("validation_failed"));
});

both_backends!(lifecycle_and_concurrency_control, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h.member(&admin, &a, "a.corr", &["correspondent"]).await;
    let adm = h.member(&admin, &a, "a.admin", &["admin"]).await;
    let staff = h.member(&admin, &a, "a.gardien", &["staff"]).await;
    let res = h.residence(&adm, "R1", "92050").await;
    let i = h
        .post(
            "/api/v1/incidents",
            &staff,
            &incident_body(&res, "damage_or_tags"),
        )
        .await;
    i.expect(201, None);
    let id = i.body["id"].as_str().unwrap().to_owned();
    let tr = format!("/api/v1/incidents/{id}/transitions");
    h.post(&tr, &staff, &json!({"transition": "qualify"}))
        .await
        .expect(403, Some("forbidden"));
    let r = h
        .post(
            &tr,
            &corr,
            &json!({"transition": "action", "action": "complaint"}),
        )
        .await;
    r.expect(409, Some("transition_not_allowed"));
    assert_eq!(r.body["allowed"], json!(["qualify", "close"]));
    h.post(&tr, &corr, &json!({"transition": "qualify"}))
        .await
        .expect(409, Some("qualification_required"));
    let put = json!({"qualifications": [{"offence_code": "CP-322-1-II"}]})
        .to_string()
        .into_bytes();
    h.send(
        "PUT",
        &format!("/api/v1/incidents/{id}/qualifications"),
        Some(&corr),
        &[("content-type", "application/json")],
        Some(put),
    )
    .await
    .expect(200, None);
    h.post(&tr, &corr, &json!({"transition": "qualify"}))
        .await
        .expect(200, None);
    h.post(&tr, &corr, &json!({"transition": "action"}))
        .await
        .expect(422, Some("validation_failed"));
    let r = h
        .post(
            &tr,
            &corr,
            &json!({"transition": "action", "action": "proces_verbal"}),
        )
        .await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["action"].as_str()),
        (Some("actioned"), Some("proces_verbal"))
    );
    h.post(&tr, &corr, &json!({"transition": "close"}))
        .await
        .expect(200, None);
    let r = h.post(&tr, &corr, &json!({"transition": "reopen"})).await;
    assert_eq!(r.body["status"], "qualified");
    // Every change is audited.
    let audit = h
        .get(&format!("/api/v1/audit?resource_id={id}"), &admin)
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "incident.created",
            "incident.qualified",
            "incident.qualify",
            "incident.action",
            "incident.close",
            "incident.reopen"
        ]
    );
    // PATCH with a stale ETag.
    let current = h.get(&format!("/api/v1/incidents/{id}"), &corr).await;
    let etag = current.header("etag").unwrap();
    h.patch(
        &format!("/api/v1/incidents/{id}"),
        &corr,
        &json!({"narrative": "précision"}),
        Some(&etag),
    )
    .await
    .expect(200, None);
    h.patch(
        &format!("/api/v1/incidents/{id}"),
        &corr,
        &json!({"narrative": "écrasement"}),
        Some(&etag),
    )
    .await
    .expect(412, Some("precondition_failed"));
    assert_eq!(
        h.get(&format!("/api/v1/incidents/{id}"), &corr).await.body["narrative"],
        "précision"
    );
});

both_backends!(lists_filter_and_paginate, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let nanterre = h.residence(&corr, "N", "92050").await;
    let clamart = h.residence(&corr, "C", "92023").await;
    let mut ids = vec![];
    for (i, (res, cat, day)) in [
        (&nanterre, "dumping", 10),
        (&nanterre, "hall_occupation", 11),
        (&clamart, "dumping", 12),
        (&clamart, "drug_trafficking", 13),
        (&nanterre, "dumping", 14),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = incident_body(res, cat);
        body["occurred_at"] = json!(format!("2026-11-{day}T10:00:00Z"));
        body["external_ref"] = json!(format!("E{i}"));
        ids.push(
            h.post("/api/v1/incidents", &corr, &body).await.body["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let put = json!({"qualifications": [{"offence_code": "CP-R634-2"}]})
        .to_string()
        .into_bytes();
    h.send(
        "PUT",
        &format!("/api/v1/incidents/{}/qualifications", ids[4]),
        Some(&corr),
        &[("content-type", "application/json")],
        Some(put),
    )
    .await
    .expect(200, None);
    let count = |q: &str| {
        let h = &h;
        let corr = corr.clone();
        let q = q.to_owned();
        async move {
            let a = h.get(&format!("/api/v1/incidents?{q}"), &corr).await;
            a.expect(200, None);
            a.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        count("category=dumping").await,
        vec![ids[0].clone(), ids[2].clone(), ids[4].clone()]
    );
    assert_eq!(
        count(&format!("residence_id={clamart}")).await,
        vec![ids[2].clone(), ids[3].clone()]
    );
    assert_eq!(count("commune=92023").await.len(), 2);
    assert_eq!(count("circonscription=CSP-92023").await.len(), 2);
    assert_eq!(count("qualification=CP-R634-2").await, vec![ids[4].clone()]);
    assert_eq!(count("status=reported").await.len(), 5);
    assert_eq!(
        count("occurred_from=2026-11-11T00:00:00Z&occurred_to=2026-11-13T00:00:00Z").await,
        vec![ids[1].clone(), ids[2].clone()]
    );
    assert_eq!(count("updated_since=2999-01-01T00:00:00Z").await.len(), 0);
    h.get("/api/v1/incidents?category=castle", &corr)
        .await
        .expect(400, Some("invalid_query"));
    // Keyset pages: stable order, no duplicates, nothing missed.
    let mut seen = vec![];
    let mut next = Some("/api/v1/incidents?limit=2".to_owned());
    while let Some(url) = next {
        let page = h.get(&url, &corr).await;
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned()),
        );
        next = page.body["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ids);
});

both_backends!(radicalisation_signals_are_restricted_and_factual, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let staff = h.member(&admin, &a, "a.gardien", &["staff"]).await;
    let res = h.residence(&corr, "R1", "92050").await;
    let mut body = incident_body(&res, "radicalisation_signal");
    body["persons"] = json!([{"kind": "described", "description": "barbe, tenue religieuse"}]);
    let r = h.post("/api/v1/incidents", &corr, &body).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["errors"][0]["code"], "no_profiling");
    body["persons"] = json!([]);
    body["narrative"] = json!("x".repeat(501));
    h.post("/api/v1/incidents", &corr, &body)
        .await
        .expect(422, Some("validation_failed"));
    body["narrative"] = json!("Inscription factuelle relevée sur la porte du local vélos.");
    let i = h.post("/api/v1/incidents", &staff, &body).await;
    i.expect(201, None);
    assert_eq!(i.body["restricted"], true);
    let id = i.body["id"].as_str().unwrap();
    h.get(&format!("/api/v1/incidents/{id}"), &staff)
        .await
        .expect(404, Some("not_found"));
    h.get(&format!("/api/v1/incidents/{id}"), &corr)
        .await
        .expect(200, None);
    assert!(
        h.get("/api/v1/incidents", &staff).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
});

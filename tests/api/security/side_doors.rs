//! Every entry point reaches a rule through the same use case: the bulk import, complaint drafting
//! and PV links refuse what the direct routes refuse, with the same answer, and nothing reveals that
//! an incident the caller may not read exists.

use serde_json::{Value, json};

use crate::both_backends;
use crate::imports::import;
use crate::pvs::{pv_body, sworn_setup};
use crate::support::*;

const HEADER: &str = "external_ref;residence_ref;occurred_at;category;narrative\n";

fn row(external_ref: &str, category: &str, narrative: &str) -> Vec<u8> {
    format!("{HEADER}{external_ref};RES-1;2026-11-20T21:40:00Z;{category};{narrative}\n")
        .into_bytes()
}

async fn errors_of(h: &Harness, token: &str, job: &Value) -> Vec<(String, String)> {
    let page = h.get(job["errors"].as_str().unwrap(), token).await;
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

struct Bailleur {
    corr: String,
    integration: String,
    admin_role: String,
    staff: String,
    res: String,
}

async fn bailleur(h: &Harness) -> Bailleur {
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h.member(&admin, &org, "a.corr", &["correspondent"]).await;
    let integration = h.member(&admin, &org, "a.erp", &["integration"]).await;
    let admin_role = h.member(&admin, &org, "a.admin", &["admin"]).await;
    let staff = h.member(&admin, &org, "a.gardien", &["staff"]).await;
    let res = h.residence(&admin_role, "RES-1", "92050").await;
    Bailleur {
        corr,
        integration,
        admin_role,
        staff,
        res,
    }
}

fn with_ref(mut body: Value, external_ref: &str) -> Value {
    body["external_ref"] = json!(external_ref);
    body
}

both_backends!(an_import_changes_only_what_its_caller_may_change, |b| {
    let h = Harness::start(b).await;
    let a = bailleur(&h).await;
    let signal = h
        .post(
            "/api/v1/incidents",
            &a.corr,
            &with_ref(incident_body(&a.res, "radicalisation_signal"), "ERP-R"),
        )
        .await;
    signal.expect(201, None);
    let signal_id = signal.body["id"].as_str().unwrap().to_owned();
    let open = h
        .post(
            "/api/v1/incidents",
            &a.corr,
            &with_ref(incident_body(&a.res, "dumping"), "ERP-O"),
        )
        .await;
    open.expect(201, None);
    let open_id = open.body["id"].as_str().unwrap().to_owned();

    // The integration may not read the signal: its import cannot rewrite it, and the row's
    // error is what POST /incidents answers for it.
    let job = import(
        &h,
        &a.integration,
        "?mode=valid_rows_only",
        row("ERP-R", "dumping", "Réécrit par import"),
    )
    .await;
    assert_eq!(job["failed"], 1, "{job}");
    assert_eq!(job["updated"], 0);
    assert_eq!(
        errors_of(&h, &a.integration, &job).await,
        vec![(
            "external_ref".to_owned(),
            "external_ref_conflict".to_owned()
        )]
    );
    let direct = h
        .post(
            "/api/v1/incidents",
            &a.integration,
            &with_ref(incident_body(&a.res, "dumping"), "ERP-R"),
        )
        .await;
    direct.expect(409, Some("external_ref_conflict"));
    let still = h
        .get(&format!("/api/v1/incidents/{signal_id}"), &a.corr)
        .await;
    assert_eq!(still.body["category"], "radicalisation_signal");
    assert_eq!(still.body["restricted"], true);
    assert_eq!(still.body["narrative"], "Faits constatés dans le hall.");
    assert_eq!(still.body["version"], 1);
    h.get(&format!("/api/v1/incidents/{signal_id}"), &a.integration)
        .await
        .expect(404, Some("not_found"));

    // The organisation's admin may not change incidents: 403 on PATCH, `forbidden` by import,
    // for the incident it reads and for the one it does not alike.
    h.patch(
        &format!("/api/v1/incidents/{open_id}"),
        &a.admin_role,
        &json!({"narrative": "x"}),
        None,
    )
    .await
    .expect(403, Some("forbidden"));
    let mut file = row("ERP-O", "dumping", "Réécrit par l'admin");
    file.extend_from_slice(b"ERP-R;RES-1;2026-11-20T21:40:00Z;dumping;Idem\n");
    let job = import(&h, &a.admin_role, "?mode=valid_rows_only", file).await;
    assert_eq!(job["failed"], 2, "{job}");
    assert_eq!(
        errors_of(&h, &a.admin_role, &job).await,
        vec![
            ("external_ref".to_owned(), "forbidden".to_owned()),
            ("external_ref".to_owned(), "forbidden".to_owned())
        ]
    );
    for (id, category) in [(&open_id, "dumping"), (&signal_id, "radicalisation_signal")] {
        let r = h.get(&format!("/api/v1/incidents/{id}"), &a.corr).await;
        assert_eq!(r.body["version"], 1);
        assert_eq!(r.body["category"], category);
    }

    // What the integration may change, it changes by import as by PATCH: audited, in the feed.
    let job = import(
        &h,
        &a.integration,
        "",
        row("ERP-O", "dumping", "Précisé par l'ERP"),
    )
    .await;
    assert_eq!(job["updated"], 1, "{job}");
    let r = h
        .get(&format!("/api/v1/incidents/{open_id}"), &a.corr)
        .await;
    assert_eq!(r.body["narrative"], "Précisé par l'ERP");
    assert_eq!(r.body["version"], 2);
    let trail = h
        .get(
            &format!("/api/v1/audit?resource_id={open_id}"),
            &h.admin().await,
        )
        .await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["incident.created", "incident.updated"]);
});

both_backends!(
    reposting_an_incident_shows_it_only_to_who_may_read_it,
    |b| {
        let h = Harness::start(b).await;
        let a = bailleur(&h).await;
        let body = with_ref(incident_body(&a.res, "radicalisation_signal"), "ERP-SIGNAL");
        let first = h.post("/api/v1/incidents", &a.corr, &body).await;
        first.expect(201, None);
        // The correspondent reads it: the same body replays the first answer.
        let again = h.post("/api/v1/incidents", &a.corr, &body).await;
        again.expect(201, None);
        assert_eq!(again.body["id"], first.body["id"]);
        // A gardien may not read it: the same body and another body answer the same conflict,
        // which shows nothing of the incident.
        let same = h.post("/api/v1/incidents", &a.staff, &body).await;
        same.expect(409, Some("external_ref_conflict"));
        let mut other = body.clone();
        other["narrative"] = json!("Autre chose");
        let different = h.post("/api/v1/incidents", &a.staff, &other).await;
        different.expect(409, Some("external_ref_conflict"));
        assert_eq!(same.body["detail"], different.body["detail"]);
        assert!(!same.text.contains("Faits constatés"), "{}", same.text);
        assert!(same.body.get("id").is_none());
        // An incident the gardien reads replays for it too.
        let open = with_ref(incident_body(&a.res, "dumping"), "ERP-OPEN");
        let first = h.post("/api/v1/incidents", &a.corr, &open).await;
        let replay = h.post("/api/v1/incidents", &a.staff, &open).await;
        replay.expect(201, None);
        assert_eq!(replay.body["id"], first.body["id"]);
        assert_eq!(
            replay.header("idempotent-replayed").as_deref(),
            Some("true")
        );
    }
);

both_backends!(
    an_imported_incident_and_a_posted_one_share_one_fingerprint,
    |b| {
        let h = Harness::start(b).await;
        let a = bailleur(&h).await;
        let job = import(
            &h,
            &a.integration,
            "",
            row("ERP-1", "dumping", "Dépôt de sacs devant l'entrée"),
        )
        .await;
        assert_eq!(job["created"], 1, "{job}");
        let body = json!({"residence_id": a.res, "occurred_at": "2026-11-20T21:40:00Z", "category": "dumping",
            "narrative": "Dépôt de sacs devant l'entrée", "external_ref": "ERP-1"});
        let replay = h.post("/api/v1/incidents", &a.integration, &body).await;
        replay.expect(201, None);
        assert_eq!(
            replay.header("idempotent-replayed").as_deref(),
            Some("true")
        );
        let listed = h.get("/api/v1/incidents", &a.integration).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(listed.body["items"][0]["id"], replay.body["id"]);
        let mut other = body.clone();
        other["narrative"] = json!("Autre chose");
        h.post("/api/v1/incidents", &a.integration, &other)
            .await
            .expect(409, Some("external_ref_conflict"));
        // And the other way round: posted first, the same row imports as unchanged.
        let posted = json!({"residence_id": a.res, "occurred_at": "2026-11-20T21:40:00Z", "category": "dumping",
            "narrative": "Tags dans l'escalier", "external_ref": "ERP-2"});
        h.post("/api/v1/incidents", &a.integration, &posted)
            .await
            .expect(201, None);
        let job = import(
            &h,
            &a.integration,
            "",
            row("ERP-2", "dumping", "Tags dans l'escalier"),
        )
        .await;
        assert_eq!(job["unchanged"], 1, "{job}");
        assert_eq!(job["created"], 0);
    }
);

both_backends!(the_prescription_follows_the_facts_on_every_change, |b| {
    let h = Harness::start(b).await;
    let a = bailleur(&h).await;
    let created = h
        .post(
            "/api/v1/incidents",
            &a.corr,
            &incident_body(&a.res, "dumping"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let q = h.qualify(&a.corr, &id, "CP-R634-2").await;
    q.expect(200, None);
    assert_eq!(q.body["prescription"]["date"], "2027-11-20");
    // Facts moved to 23:30 UTC on 10 January: 00:30 on the 11th in France, the day that counts.
    let moved = h
        .patch(
            &format!("/api/v1/incidents/{id}"),
            &a.corr,
            &json!({"occurred_at": "2026-01-10T23:30:00Z"}),
            None,
        )
        .await;
    moved.expect(200, None);
    assert_eq!(moved.body["prescription"]["date"], "2027-01-11");
    let read = h.get(&format!("/api/v1/incidents/{id}"), &a.corr).await;
    assert_eq!(read.body["prescription"]["date"], "2027-01-11");
    assert_eq!(read.body["prescription"]["years"], 1);
    // A délit instead: six years from the same local day.
    let q = h.qualify(&a.corr, &id, "CP-433-5-AL1").await;
    assert_eq!(q.body["prescription"]["date"], "2032-01-11");
    // The stored date is the one read back: a list page shows the same.
    let page = h.get("/api/v1/incidents", &a.corr).await;
    assert_eq!(page.body["items"][0]["prescription"]["date"], "2032-01-11");
});

both_backends!(
    complaints_and_pvs_name_only_incidents_their_author_may_read,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        h.org(&s.admin, org_body("parquet", "Parquet de Nanterre"))
            .await;
        let integration = h.member(&s.admin, &s.org, "a.erp", &["integration"]).await;
        let signal = h
            .post(
                "/api/v1/incidents",
                &s.corr,
                &incident_body(&s.inside, "radicalisation_signal"),
            )
            .await;
        signal.expect(201, None);
        let signal = signal.body["id"].as_str().unwrap().to_owned();
        h.qualify(&s.corr, &signal, "CP-R634-2")
            .await
            .expect(200, None);
        let complaint = |ids: Value| {
            json!({"incident_ids": ids, "bailleur_victim": {"head_office": "1 rue du Siège, 92000 Nanterre",
            "representative": "Claire Martin", "representative_capacity": "correspondante", "mandate": "Délégation 2026-04"}})
        };
        // The integration may not read the signal: drafting from it answers what drafting from
        // an incident that does not exist answers, and copies nothing.
        let hidden = h
            .post(
                "/api/v1/complaints",
                &integration,
                &complaint(json!([signal])),
            )
            .await;
        hidden.expect(422, Some("validation_failed"));
        let missing = h
            .post(
                "/api/v1/complaints",
                &integration,
                &complaint(json!(["01936f60-0000-7000-8000-000000000000"])),
            )
            .await;
        missing.expect(422, Some("validation_failed"));
        assert_eq!(hidden.body["errors"], missing.body["errors"]);
        assert_eq!(hidden.body["errors"][0]["code"], "unknown_incident");
        assert!(!hidden.text.contains("Faits constatés"));
        // The correspondent may.
        h.post("/api/v1/complaints", &s.corr, &complaint(json!([signal])))
            .await
            .expect(201, None);

        // The sworn agent may not read the signal: a PV cannot follow it up.
        let found_at = (chrono::Utc::now() - chrono::Duration::days(1))
            .format("%Y-%m-%dT12:00:00Z")
            .to_string();
        let mut pv = pv_body(&s.inside, &found_at, &["CP-R634-2"]);
        pv["incident_ids"] = json!([signal]);
        let refused = h.post("/api/v1/pvs", &s.agent, &pv).await;
        refused.expect(422, Some("validation_failed"));
        assert_eq!(refused.body["errors"][0]["code"], "unknown_incident");
        assert_eq!(refused.body["errors"][0]["field"], "incident_ids[0]");
        let open = h
            .post(
                "/api/v1/incidents",
                &s.corr,
                &incident_body(&s.inside, "dumping"),
            )
            .await;
        pv["incident_ids"] = json!([open.body["id"]]);
        h.post("/api/v1/pvs", &s.agent, &pv).await.expect(201, None);
    }
);

both_backends!(corrupt_stored_data_is_one_internal_error_not_a_panic, |b| {
    let h = Harness::start(b).await;
    let a = bailleur(&h).await;
    let created = h
        .post(
            "/api/v1/incidents",
            &a.corr,
            &incident_body(&a.res, "dumping"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    h.db.execute(&format!(
        "UPDATE incidents SET victims = 'not json', category = 'no_such_category' WHERE id = '{id}'"
    ));
    for path in [
        format!("/api/v1/incidents/{id}"),
        "/api/v1/incidents".to_owned(),
        format!("/api/v1/incidents/{id}/qualification-proposals"),
    ] {
        let r = h.get(&path, &a.corr).await;
        r.expect(500, Some("internal_error"));
        // The cause is logged for the operator, never shown to the caller.
        assert!(!r.text.contains("not json"), "{}", r.text);
        assert!(!r.text.contains("no_such_category"), "{}", r.text);
    }
    // The server goes on serving.
    h.get("/api/v1/residences", &a.corr).await.expect(200, None);
});

both_backends!(facts_are_dated_between_1900_and_now_on_every_path, |b| {
    let h = Harness::start(b).await;
    let a = bailleur(&h).await;
    for (occurred_at, ended_at, field, code) in [
        ("0000-01-01T00:00:00Z", None, "occurred_at", "too_early"),
        ("1899-12-31T12:00:00Z", None, "occurred_at", "too_early"),
        (
            "2026-11-20T21:40:00Z",
            Some("9999-01-01T00:00:00Z"),
            "ended_at",
            "in_the_future",
        ),
    ] {
        let mut body = incident_body(&a.res, "dumping");
        body["occurred_at"] = json!(occurred_at);
        if let Some(e) = ended_at {
            body["ended_at"] = json!(e);
        }
        let r = h.post("/api/v1/incidents", &a.corr, &body).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
    }
    let file = format!("{HEADER}OLD;RES-1;1850-06-01T10:00:00Z;dumping;Sacs\n");
    let job = import(
        &h,
        &a.integration,
        "?mode=valid_rows_only",
        file.into_bytes(),
    )
    .await;
    assert_eq!(job["failed"], 1, "{job}");
    assert_eq!(
        errors_of(&h, &a.integration, &job).await,
        vec![("occurred_at".to_owned(), "too_early".to_owned())]
    );
});

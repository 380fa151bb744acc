//! The rules of part B of the préfet issue, each through the API on both databases and named after
//! it. (B.3 and B.4 on complaints are also walked through in `complaints.rs`, B.7's whole matrix in
//! `visibility.rs`.)

use serde_json::json;

use crate::both_backends;
use crate::support::*;

struct Bailleur {
    corr: String,
    res: String,
    gardien: String,
}

async fn bailleur(h: &Harness) -> Bailleur {
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "R1", "92050").await;
    let gardien = h.staff(&corr, "gardien", false).await;
    Bailleur { corr, res, gardien }
}

async fn proposals(h: &Harness, b: &Bailleur, itt: Option<u32>) -> Vec<String> {
    let mut body = incident_body(&b.res, "assault_on_staff");
    body["victims"] = json!([{"kind": "staff", "staff_id": b.gardien, "acting_in_functions": true, "itt_days": itt}]);
    let i = h.post("/api/v1/incidents", &b.corr, &body).await;
    i.expect(201, None);
    let id = i.body["id"].as_str().unwrap();
    let p = h
        .get(
            &format!("/api/v1/incidents/{id}/qualification-proposals"),
            &b.corr,
        )
        .await;
    p.expect(200, None);
    p.body["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["offence_code"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(b1_itt_over_8_days_is_222_12_and_not_222_13, |b| {
    let h = Harness::start(b).await;
    let a = bailleur(&h).await;
    assert_eq!(proposals(&h, &a, Some(12)).await, ["CP-222-12"]);
    assert_eq!(proposals(&h, &a, Some(9)).await, ["CP-222-12"]);
    assert_eq!(proposals(&h, &a, Some(8)).await, ["CP-222-13-4BIS"]);
    assert_eq!(proposals(&h, &a, None).await, ["CP-222-13-4BIS"]);
});

both_backends!(
    b2_prescription_runs_from_the_day_of_the_facts_in_france,
    |b| {
        let h = Harness::start(b).await;
        let a = bailleur(&h).await;
        // 23:30 UTC on 23 November 2025 is 00:30 on 24 November in Nanterre.
        let mut body = incident_body(&a.res, "damage_or_tags");
        body["occurred_at"] = json!("2025-11-23T23:30:00Z");
        let i = h.post("/api/v1/incidents", &a.corr, &body).await;
        i.expect(201, None);
        let id = i.body["id"].as_str().unwrap();
        let q = h.qualify(&a.corr, id, "CP-322-1-I").await;
        q.expect(200, None);
        assert_eq!(q.body["prescription"]["years"], 6, "{}", q.text);
        assert_eq!(q.body["prescription"]["date"], "2031-11-24");
        let seen = h.get(&format!("/api/v1/incidents/{id}"), &a.corr).await;
        assert_eq!(seen.body["prescription"]["date"], "2031-11-24");
    }
);

both_backends!(
    b7_radicalisation_signals_are_seen_by_the_correspondent_and_the_shared_police_only,
    |b| {
        let h = Harness::start(b).await;
        let admin = h.admin().await;
        let a = h.bailleur(&admin, "A", SIREN_A).await;
        let corr = h.member(&admin, &a, "a.corr", &["correspondent"]).await;
        let a_admin = h.member(&admin, &a, "a.admin", &["admin"]).await;
        let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
        let parquet = h.org(&admin, org_body("parquet", "Parquet")).await;
        let officer = h
            .member(&admin, &police, "p.corr", &["police_correspondent"])
            .await;
        let magistrate = h.member(&admin, &parquet, "mag", &["magistrate"]).await;
        let res = h.residence(&a_admin, "R1", "92050").await;
        let i = h
            .post(
                "/api/v1/incidents",
                &corr,
                &incident_body(&res, "radicalisation_signal"),
            )
            .await;
        i.expect(201, None);
        let path = format!("/api/v1/incidents/{}", i.body["id"].as_str().unwrap());
        let sees = |token: &str| {
            let (h, path) = (&h, path.clone());
            let token = token.to_owned();
            async move { h.get(&path, &token).await.status.as_u16() == 200 }
        };
        assert!(sees(&corr).await);
        assert!(!sees(&a_admin).await);
        assert!(!sees(&officer).await, "not before it is shared");
        assert!(!sees(&magistrate).await);
        h.patch(&path, &corr, &json!({"share_with_police": true}), None)
            .await
            .expect(200, None);
        assert!(sees(&officer).await, "once shared");
        assert!(!sees(&magistrate).await, "never the parquet");
        assert!(!sees(&a_admin).await);
    }
);

both_backends!(
    b5_qualification_uses_the_version_in_force_on_the_day_of_the_facts,
    |b| {
        let h = Harness::start(b).await;
        let a = bailleur(&h).await;
        let incident = |on: &str| {
            let (h, a) = (&h, &a);
            let on = on.to_owned();
            async move {
                let mut body = incident_body(&a.res, "assault_on_staff");
                body["occurred_at"] = json!(on);
                body["victims"] =
                    json!([{"kind": "staff", "staff_id": a.gardien, "acting_in_functions": true}]);
                let i = h.post("/api/v1/incidents", &a.corr, &body).await;
                i.expect(201, None);
                i.body["id"].as_str().unwrap().to_owned()
            }
        };
        let before = incident("2024-01-10T10:00:00Z").await;
        let after = incident("2024-06-10T10:00:00Z").await;
        // 222-13 4° bis reads "other than those of 222-14-5" only for facts from 23 March 2024.
        let label = |id: String| {
            let (h, a) = (&h, &a);
            async move {
                let q = h.qualify(&a.corr, &id, "CP-222-13-4BIS").await;
                q.expect(200, None);
                q.body["qualifications"][0]["label"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        assert!(!label(before.clone()).await.contains("222-14-5"));
        assert!(label(after.clone()).await.contains("222-14-5"));
        // 322-8 3° covers CMSP since that day only: facts before it cannot be qualified with it.
        let q = h.qualify(&a.corr, &before, "CP-322-8-3").await;
        q.expect(422, Some("validation_failed"));
        assert_eq!(q.body["errors"][0]["code"], "not_in_force");
        h.qualify(&a.corr, &after, "CP-322-8-3")
            .await
            .expect(200, None);
        // The catalogue says so too.
        let o = h.get("/api/v1/offences/CP-433-5-AL1", &a.corr).await;
        o.expect(200, None);
        assert_eq!(o.body["versions"][0]["valid_from"], "2024-03-23");
        assert!(
            o.body["max_penalty"]
                .as_str()
                .unwrap()
                .contains("travail d'intérêt général")
        );
        let o = h.get("/api/v1/offences/CP-322-8-3", &a.corr).await;
        assert_eq!(o.body["in_force_from"], "2024-03-23");
    }
);

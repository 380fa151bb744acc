//! The change feed: ordered, gap-free, resumable, scoped to what the caller may see, and never
//! holding an event of a change that was rolled back.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

fn seqs(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

fn types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(the_feed_is_ordered_scoped_and_resumable, |b| {
    let h = Harness::start_with(b, &["--db-pool-size", "8"]).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &a, "a.corr", &["correspondent", "admin"])
        .await;
    let staff = h.member(&admin, &a, "a.staff", &["staff"]).await;
    let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
    let p = h
        .member(&admin, &police, "p.corr", &["police_correspondent"])
        .await;
    let bb = h.bailleur(&admin, "B", SIREN_B).await;
    let b_corr = h.member(&admin, &bb, "b.corr", &["correspondent"]).await;
    let res = h.residence(&corr, "RES-1", "92050").await;
    // Twelve concurrent creations, one of them shared with the police.
    let bodies: Vec<Value> = (0..12)
        .map(|i| {
            let mut body = incident_body(&res, "hall_occupation");
            body["share_with_police"] = json!(i == 0);
            body
        })
        .collect();
    let created = join_all(
        bodies
            .iter()
            .map(|body| h.post("/api/v1/incidents", &corr, body)),
    )
    .await;
    for c in &created {
        c.expect(201, None);
    }
    // Rolled back: a refused creation and a refused transition leave no event.
    h.post(
        "/api/v1/incidents",
        &corr,
        &incident_body("no-such-residence", "other"),
    )
    .await
    .expect(422, Some("validation_failed"));
    let first = created[0].body["id"].as_str().unwrap();
    h.post(
        &format!("/api/v1/incidents/{first}/transitions"),
        &corr,
        &json!({"transition": "reopen"}),
    )
    .await
    .expect(409, Some("transition_not_allowed"));
    h.patch(
        &format!("/api/v1/incidents/{first}"),
        &corr,
        &json!({"narrative": "Occupation du hall, précisée."}),
        None,
    )
    .await
    .expect(200, None);
    let all = h.get("/api/v1/events", &corr).await;
    all.expect(200, None);
    // Gap-free and in order: this bailleur alone wrote, so its events are numbered 1..=13.
    assert_eq!(seqs(&all.body), (1..=13).collect::<Vec<_>>());
    assert_eq!(
        types(&all.body)
            .iter()
            .filter(|t| *t == "incident.created")
            .count(),
        12
    );
    assert_eq!(types(&all.body)[12], "incident.updated");
    assert_eq!(all.body["next_cursor"], "13");
    assert_eq!(all.body["has_more"], false);
    // Resumable: two at a time, then nothing new.
    let page = h.get("/api/v1/events?limit=2", &corr).await;
    assert_eq!(seqs(&page.body), vec![1, 2]);
    assert_eq!(page.body["has_more"], true);
    let next = h
        .get(
            &format!(
                "/api/v1/events?after={}&limit=100",
                page.body["next_cursor"].as_str().unwrap()
            ),
            &corr,
        )
        .await;
    assert_eq!(seqs(&next.body), (3..=13).collect::<Vec<_>>());
    let idle = h.get("/api/v1/events?after=13", &corr).await;
    assert_eq!(idle.body["items"], json!([]));
    assert_eq!(idle.body["next_cursor"], "13");
    // Scoped: the police see the shared incident only; another bailleur nothing; staff may not read.
    let police_feed = h.get("/api/v1/events", &p).await;
    let ids: Vec<&str> = police_feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![first, first]);
    assert_eq!(
        h.get("/api/v1/events", &b_corr).await.body["items"],
        json!([])
    );
    h.get("/api/v1/events", &staff)
        .await
        .expect(403, Some("forbidden"));
    h.get("/api/v1/events?after=abc", &corr)
        .await
        .expect(422, Some("validation_failed"));
    h.get("/api/v1/events?limit=0", &corr)
        .await
        .expect(422, Some("validation_failed"));
});

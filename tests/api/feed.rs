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
    // One page holds everything: no next page, and the position to poll from later.
    assert_eq!(all.body.get("next_cursor"), None);
    assert_eq!(all.header("link"), None);
    let resume = all.body["resume_cursor"].as_str().unwrap().to_owned();
    // Paged two at a time like every other list: next_cursor, next and Link while more wait.
    let page = h.get("/api/v1/events?limit=2", &corr).await;
    assert_eq!(seqs(&page.body), vec![1, 2]);
    let next_link = page.body["next"].as_str().unwrap().to_owned();
    assert_eq!(
        page.header("link"),
        Some(format!("<{next_link}>; rel=\"next\""))
    );
    let mut seen = seqs(&page.body);
    let mut next = page.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(cursor) = next {
        let p = h
            .get(&format!("/api/v1/events?limit=5&cursor={cursor}"), &corr)
            .await;
        p.expect(200, None);
        seen.extend(seqs(&p.body));
        next = p.body["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, (1..=13).collect::<Vec<_>>());
    // The link of a page is the next page itself.
    let via_link = h.get(&next_link, &corr).await;
    assert_eq!(seqs(&via_link.body), vec![3, 4]);
    // Nothing new since the resume position: an empty page that resumes where it was.
    let idle = h
        .get(&format!("/api/v1/events?cursor={resume}"), &corr)
        .await;
    assert_eq!(idle.body["items"], json!([]));
    assert_eq!(idle.body["resume_cursor"], resume.as_str());
    assert_eq!(idle.body.get("next_cursor"), None);
    // The deprecated numeric `after` still reads from a seq.
    let legacy = h.get("/api/v1/events?after=11", &corr).await;
    assert_eq!(seqs(&legacy.body), vec![12, 13]);
    assert_eq!(legacy.body["resume_cursor"], resume.as_str());
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
    h.get("/api/v1/events?cursor=%21%21", &corr)
        .await
        .expect(422, Some("validation_failed"));
    h.get("/api/v1/events?limit=0", &corr)
        .await
        .expect(422, Some("validation_failed"));
});

//! Concurrent writers: no lost write, no broken audit chain, on either backend.

use futures_util::future::join_all;
use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(concurrent_writes_keep_the_audit_chain_whole, |b| {
    let h = Harness::start_with(b, &["--db-pool-size", "8"]).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let path = format!("/api/v1/organisations/{org}/people");
    let bodies: Vec<_> = (0..12)
        .map(|i| json!({"login": format!("person{i}"), "display_name": "P", "password": PASSWORD, "roles": ["staff"]}))
        .collect();
    let answers = join_all(bodies.iter().map(|body| h.post(&path, &admin, body))).await;
    for a in &answers {
        a.expect(201, None);
    }
    // Concurrent organisation creations write to different chains and the platform's.
    let sirens = ["344810825", "999123458", "999543218"];
    let orgs = join_all(sirens.iter().enumerate().map(|(i, s)| {
        let body = json!({"kind": "bailleur", "name": format!("C{i}"), "siren": s});
        let h = &h;
        let admin = admin.clone();
        async move { h.post("/api/v1/organisations", &admin, &body).await }
    }))
    .await;
    assert_eq!(
        orgs.iter().filter(|a| a.status.as_u16() == 201).count(),
        2,
        "SIREN_A is taken; the two others are created"
    );
    let events = h
        .get(&format!("/api/v1/audit?org_id={org}&limit=200"), &admin)
        .await;
    let mut seqs: Vec<i64> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=13).collect::<Vec<_>>());
    assert_eq!(
        h.get("/api/v1/audit/verify", &admin).await.body["breaks"],
        json!([])
    );
    assert_eq!(
        h.get(&path, &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
});

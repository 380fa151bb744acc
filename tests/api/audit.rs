use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(changes_are_audited_with_who_and_request_id, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let body = json!({"kind": "bailleur", "name": "A", "siren": SIREN_A})
        .to_string()
        .into_bytes();
    let created = h
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&admin),
            &[
                ("content-type", "application/json"),
                ("x-request-id", "req-audit-1"),
            ],
            Some(body),
        )
        .await;
    created.expect(201, None);
    assert_eq!(
        created.header("x-request-id").as_deref(),
        Some("req-audit-1")
    );
    let id = created.body["id"].as_str().unwrap();
    let events = h
        .get(&format!("/api/v1/audit?resource_id={id}"), &admin)
        .await;
    events.expect(200, None);
    let e = &events.body["items"][0];
    assert_eq!(e["action"], "organisation.created");
    assert_eq!(e["actor"], format!("client:{ADMIN_ID}"));
    assert_eq!(e["request_id"], "req-audit-1");
    assert_eq!(e["chain"], id);
    assert_eq!(e["seq"], 1);
    assert_eq!(e["prev_hash"], "0".repeat(64));
    // Only the platform admin reads the trail.
    let corr = h
        .member(&admin, id, "a.corr", &["correspondent", "admin"])
        .await;
    h.get("/api/v1/audit", &corr)
        .await
        .expect(403, Some("forbidden"));
    let v = h.get("/api/v1/audit/verify", &admin).await;
    v.expect(200, None);
    assert_eq!(v.body["breaks"], json!([]));
    assert!(v.body["records"].as_u64().unwrap() >= 3);
});

both_backends!(an_edited_or_deleted_audit_row_is_detected, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    h.member(&admin, &org, "a.corr", &["correspondent"]).await;
    h.patch(
        &format!("/api/v1/organisations/{org}"),
        &admin,
        &json!({"name": "A2"}),
        None,
    )
    .await
    .expect(200, None);
    assert_eq!(
        h.get("/api/v1/audit/verify", &admin).await.body["breaks"],
        json!([])
    );
    // Someone with database access rewrites history.
    h.db.execute(&format!(
        "UPDATE audit_events SET actor = 'someone-else' WHERE chain = '{org}' AND seq = 2"
    ));
    let v = h.get("/api/v1/audit/verify", &admin).await;
    let breaks = v.body["breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 1);
    assert_eq!(breaks[0]["chain"], org.as_str());
    assert_eq!(breaks[0]["seq"], 2);
    assert_eq!(breaks[0]["reason"], "hash_mismatch");
    // The CLI says the same and fails.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["audit", "verify"])
        .env("VIGIE_DATABASE_URL", h.db.url())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("hash_mismatch"));
    // Deleting the newest record of a chain is caught by the chain head.
    h.db.execute(&format!(
        "UPDATE audit_events SET actor = 'client:{ADMIN_ID}' WHERE chain = '{org}' AND seq = 2"
    ));
    assert_eq!(
        h.get("/api/v1/audit/verify", &admin).await.body["breaks"],
        json!([])
    );
    h.db.execute(&format!(
        "DELETE FROM audit_events WHERE chain = '{org}' AND seq = 3"
    ));
    let v = h.get("/api/v1/audit/verify", &admin).await;
    assert_eq!(v.body["breaks"][0]["reason"], "head_mismatch");
});

both_backends!(a_failed_change_leaves_no_audit_record, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    h.bailleur(&admin, "A", SIREN_A).await;
    let before = h.get("/api/v1/audit?limit=200", &admin).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    h.post(
        "/api/v1/organisations",
        &admin,
        &json!({"kind": "bailleur", "name": "Dup", "siren": SIREN_A}),
    )
    .await
    .expect(409, Some("siren_taken"));
    let after = h.get("/api/v1/audit?limit=200", &admin).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
    assert_eq!(
        h.get("/api/v1/audit/verify", &admin).await.body["breaks"],
        json!([])
    );
});

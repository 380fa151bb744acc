//! Password guessing is slowed per account: after five consecutive failures the account answers
//! 429 with `Retry-After`, even to the right password, until the lock ends; unknown logins behave
//! the same, so the brake reveals nothing; the lock is audited; a success ends the streak.

use std::time::Duration;

use crate::both_backends;
use crate::support::*;

async fn login(h: &Harness, user: &str, password: &str) -> Answer {
    h.form_token(&format!(
        "grant_type=password&username={user}&password={password}"
    ))
    .await
}

both_backends!(
    an_account_is_locked_after_five_failures_then_unlocked,
    |b| {
        let h = Harness::start_with(b, &["--login-lock-secs", "2"]).await;
        let admin = h.admin().await;
        let org = h.bailleur(&admin, "A", SIREN_A).await;
        h.member(&admin, &org, "alice", &["correspondent"]).await;
        h.member(&admin, &org, "bob", &["correspondent"]).await;

        for who in ["alice", "nobody-by-this-name"] {
            for _ in 0..5 {
                login(&h, who, "wrong-password")
                    .await
                    .expect(400, Some("invalid_grant"));
            }
            // Locked: even the right password is not checked. Existing or not, the same answer.
            let a = login(&h, who, PASSWORD).await;
            a.expect(429, Some("login_locked"));
            assert_eq!(a.body["error"], "invalid_grant", "{}", a.text);
            let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=3).contains(&wait), "Retry-After {wait}");
        }
        // Another account is not affected.
        login(&h, "bob", PASSWORD).await.expect(200, None);

        // The lock is in the organisation's audit trail; an unknown name's in the platform's.
        let audit = h.get("/api/v1/audit?action=login.locked", &admin).await;
        audit.expect(200, None);
        let items = audit.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{}", audit.text);
        let alice = items
            .iter()
            .find(|e| e["resource_id"] == "person:alice")
            .expect("alice's lock");
        assert_eq!(alice["org_id"], org.as_str());

        // A login as long as the token endpoint takes is locked and audited too, and its audit
        // record keeps within the contract's bound (schemathesis found it beyond 64).
        let long = "z".repeat(200);
        for _ in 0..6 {
            login(&h, &long, "wrong-password").await;
        }
        let audit = h
            .get(
                &format!("/api/v1/audit?action=login.locked&resource_id=person:{long}"),
                &admin,
            )
            .await;
        audit.expect(200, None);
        let id = audit.body["items"][0]["resource_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(id, format!("person:{long}"), "{}", audit.text);
        let contract: serde_json::Value =
            serde_json::from_str(&vigie_api::openapi().to_pretty_json().unwrap()).unwrap();
        let bound = contract["components"]["schemas"]["AuditEvent"]["properties"]["resource_id"]
            ["maxLength"]
            .as_u64()
            .unwrap();
        assert!(id.chars().count() as u64 <= bound, "{} > {bound}", id.len());

        // When the lock ends the right password works, and the streak starts over.
        actix_web::rt::time::sleep(Duration::from_millis(2100)).await;
        login(&h, "alice", PASSWORD).await.expect(200, None);
        login(&h, "alice", "wrong-password")
            .await
            .expect(400, Some("invalid_grant"));
        login(&h, "alice", PASSWORD).await.expect(200, None);

        // A lock that is still on grows with further failures (two seconds, then four).
        actix_web::rt::time::sleep(Duration::from_millis(2100)).await;
        login(&h, "nobody-by-this-name", "wrong")
            .await
            .expect(400, Some("invalid_grant"));
        let a = login(&h, "nobody-by-this-name", "wrong").await;
        a.expect(429, Some("login_locked"));
        let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
        assert!((3..=5).contains(&wait), "Retry-After {wait}");
    }
);

both_backends!(api_clients_and_the_address_brake_are_unchanged, |b| {
    // Client secrets are random: locking a client would only let anyone stop an integration.
    let h = Harness::start(b).await;
    for _ in 0..8 {
        h.form_token(&format!(
            "grant_type=client_credentials&client_id={ADMIN_ID}&client_secret=wrong"
        ))
        .await
        .expect(401, Some("invalid_client"));
    }
    h.admin().await;
    // The per-address brake still stands in front of everything.
    let h = Harness::start_with(b, &["--token-rate-limit-per-second", "1"]).await;
    let mut limited = false;
    for _ in 0..10 {
        let a = login(&h, "whoever", "wrong").await;
        if a.status.as_u16() == 429 && a.body["code"] != "login_locked" {
            limited = true;
            break;
        }
    }
    assert!(limited, "the address brake did not answer 429");
});

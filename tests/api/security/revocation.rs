//! Revocation takes effect at once: a token stops working on the next request after its person or
//! API client is deactivated, its roles change, its password or secret changes, its organisation
//! is deactivated, or its holder revokes it (RFC 7009); and on another replica sharing the database
//! within the refresh interval.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::both_backends;
use crate::support::*;

/// The status a token gets on a route every member may read.
async fn status(h: &Harness, org: &str, token: &str) -> u16 {
    h.get(&format!("/api/v1/organisations/{org}"), token)
        .await
        .status
        .as_u16()
}

#[track_caller]
fn refused(a: &Answer) {
    a.expect(401, Some("invalid_token"));
    assert!(
        a.body["detail"].as_str().unwrap_or("").contains("revoked"),
        "{}",
        a.text
    );
}

both_backends!(an_account_change_ends_the_tokens_it_holds, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let t1 = h.member(&admin, &org, "alice", &["correspondent"]).await;
    let id = h.person_id(&admin, &org, "alice").await;
    let person = format!("/api/v1/organisations/{org}/people/{id}");
    assert_eq!(status(&h, &org, &t1).await, 200);

    // A change that gives nothing away keeps the token.
    h.patch(&person, &admin, &json!({"display_name": "Alice M."}), None)
        .await
        .expect(200, None);
    assert_eq!(status(&h, &org, &t1).await, 200);

    // A new password ends it; the new password gives a token that works.
    h.patch(
        &person,
        &admin,
        &json!({"password": "another-long-password"}),
        None,
    )
    .await
    .expect(200, None);
    refused(&h.get(&format!("/api/v1/organisations/{org}"), &t1).await);
    let a = h
        .form_token("grant_type=password&username=alice&password=another-long-password")
        .await;
    a.expect(200, None);
    let t2 = a.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(status(&h, &org, &t2).await, 200);

    // Roles changed: the token's roles are stale, so it ends.
    h.patch(&person, &admin, &json!({"roles": ["staff"]}), None)
        .await
        .expect(200, None);
    assert_eq!(status(&h, &org, &t2).await, 401);
    // The same roles again change nothing.
    let a = h
        .form_token("grant_type=password&username=alice&password=another-long-password")
        .await;
    let t3 = a.body["access_token"].as_str().unwrap().to_owned();
    h.patch(&person, &admin, &json!({"roles": ["staff"]}), None)
        .await
        .expect(200, None);
    assert_eq!(status(&h, &org, &t3).await, 200);

    // Deactivated: refused at once, and reactivation does not bring old tokens back.
    h.patch(&person, &admin, &json!({"active": false}), None)
        .await
        .expect(200, None);
    assert_eq!(status(&h, &org, &t3).await, 401);
    h.patch(&person, &admin, &json!({"active": true}), None)
        .await
        .expect(200, None);
    assert_eq!(status(&h, &org, &t3).await, 401);
    let a = h
        .form_token("grant_type=password&username=alice&password=another-long-password")
        .await;
    a.expect(200, None);
    // Nobody else's token was touched.
    assert_eq!(status(&h, &org, &admin).await, 200);
});

both_backends!(
    rotating_a_client_secret_or_deactivating_it_ends_its_tokens,
    |b| {
        let h = Harness::start(b).await;
        let admin = h.admin().await;
        let org = h.bailleur(&admin, "A", SIREN_A).await;
        let make = |name: &str| json!({"name": name, "roles": ["integration"]});
        let c = h
            .post(
                &format!("/api/v1/organisations/{org}/api-clients"),
                &admin,
                &make("ERP"),
            )
            .await;
        c.expect(201, None);
        let (cid, id) = (
            c.body["client_id"].as_str().unwrap().to_owned(),
            c.body["id"].as_str().unwrap().to_owned(),
        );
        let token = h
            .client_token(&cid, c.body["client_secret"].as_str().unwrap())
            .await;
        assert_eq!(status(&h, &org, &token).await, 200);
        let r = h
            .post(
                &format!("/api/v1/organisations/{org}/api-clients/{id}/secret"),
                &admin,
                &json!({}),
            )
            .await;
        r.expect(200, None);
        refused(&h.get(&format!("/api/v1/organisations/{org}"), &token).await);
        let fresh = h
            .client_token(&cid, r.body["client_secret"].as_str().unwrap())
            .await;
        assert_eq!(status(&h, &org, &fresh).await, 200);
        h.patch(
            &format!("/api/v1/organisations/{org}/api-clients/{id}"),
            &admin,
            &json!({"active": false}),
            None,
        )
        .await
        .expect(200, None);
        assert_eq!(status(&h, &org, &fresh).await, 401);
    }
);

both_backends!(deactivating_an_organisation_ends_its_members_tokens, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let other = h.bailleur(&admin, "B", SIREN_B).await;
    let alice = h.member(&admin, &a, "alice", &["correspondent"]).await;
    let bob = h.member(&admin, &other, "bob", &["correspondent"]).await;
    h.patch(
        &format!("/api/v1/organisations/{a}"),
        &admin,
        &json!({"active": false}),
        None,
    )
    .await
    .expect(200, None);
    let r = h.get(&format!("/api/v1/organisations/{a}"), &alice).await;
    refused(&r);
    assert!(r.body["detail"].as_str().unwrap().contains("organisation"));
    assert_eq!(status(&h, &other, &bob).await, 200);
    h.form_token(&format!(
        "grant_type=password&username=alice&password={PASSWORD}"
    ))
    .await
    .expect(400, Some("invalid_grant"));
});

both_backends!(a_holder_revokes_its_own_token, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let t1 = h.member(&admin, &org, "alice", &["correspondent"]).await;
    let t2 = h.person_token("alice").await;
    let bob = h.member(&admin, &org, "bob", &["correspondent"]).await;
    let revoke = |body: String, ctype: &'static str, bearer: Option<String>| {
        let h = &h;
        async move {
            h.send(
                "POST",
                "/api/v1/auth/revoke",
                bearer.as_deref(),
                &[("content-type", ctype)],
                Some(body.into_bytes()),
            )
            .await
        }
    };
    let form = "application/x-www-form-urlencoded";
    // Someone else's token: refused, and it keeps working.
    revoke(format!("token={t1}"), form, Some(bob.clone()))
        .await
        .expect(403, Some("forbidden"));
    assert_eq!(status(&h, &org, &t1).await, 200);
    // The token itself proves its holder (RFC 7009).
    let a = revoke(
        format!("token={t1}&token_type_hint=access_token"),
        form,
        None,
    )
    .await;
    a.expect(200, None);
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    refused(&h.get(&format!("/api/v1/organisations/{org}"), &t1).await);
    // The holder's other token is another session: untouched. JSON is accepted too.
    assert_eq!(status(&h, &org, &t2).await, 200);
    revoke(
        json!({"token": t2}).to_string(),
        "application/json",
        Some(t2.clone()),
    )
    .await
    .expect(200, None);
    assert_eq!(status(&h, &org, &t2).await, 401);
    // Not a valid token: nothing to end, 200 as the RFC says. No token: 400.
    revoke("token=not-a-jwt".into(), form, None)
        .await
        .expect(200, None);
    revoke(String::new(), form, None)
        .await
        .expect(400, Some("invalid_request"));
    revoke("token=a%00b".into(), form, None)
        .await
        .expect(400, Some("invalid_request"));
    // The revocation is in the holder's organisation's audit trail.
    let audit = h.get("/api/v1/audit?action=token.revoked", &admin).await;
    audit.expect(200, None);
    assert_eq!(
        audit.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        audit.text
    );
});

both_backends!(
    another_replica_refuses_a_revoked_token_within_its_refresh_interval,
    |b| {
        let h = Harness::start(b).await;
        let admin = h.admin().await;
        let org = h.bailleur(&admin, "A", SIREN_A).await;
        let token = h.member(&admin, &org, "alice", &["correspondent"]).await;
        let id = h.person_id(&admin, &org, "alice").await;
        let other = h.replica(&["--revocation-refresh-secs", "1"]);
        let probe = || {
            let req = other
                .get(format!("/api/v1/organisations/{org}"))
                .insert_header(("authorization", format!("Bearer {token}")));
            async move { req.send().await.expect("replica answers").status().as_u16() }
        };
        assert_eq!(probe().await, 200);
        h.patch(
            &format!("/api/v1/organisations/{org}/people/{id}"),
            &admin,
            &json!({"active": false}),
            None,
        )
        .await
        .expect(200, None);
        let started = Instant::now();
        while probe().await == 200 {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the replica still accepts a revoked token after 5 s"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(probe().await, 401);
        // Refused within the refresh interval (1 s here), with slack for a busy machine.
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
);

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(bailleur_needs_a_valid_unique_siren, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let cases = [
        (json!({"kind": "bailleur", "name": "X"}), "required"),
        (
            json!({"kind": "bailleur", "name": "X", "siren": "344810826"}),
            "siren_checksum",
        ),
        (
            json!({"kind": "bailleur", "name": "X", "siren": "34481082"}),
            "siren_length",
        ),
        (
            json!({"kind": "bailleur", "name": "X", "siren": "34481082A"}),
            "siren_not_digits",
        ),
        (
            json!({"kind": "parquet", "name": "X", "siren": "344810825"}),
            "not_applicable",
        ),
    ];
    for (body, code) in cases {
        let a = h.post("/api/v1/organisations", &admin, &body).await;
        a.expect(422, Some("validation_failed"));
        assert_eq!(a.body["errors"][0]["field"], "siren");
        assert_eq!(a.body["errors"][0]["code"], code, "{body}");
    }
    let a = h
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "bailleur", "name": "Paris Habitat", "siren": "344 810 825"}),
        )
        .await;
    a.expect(201, None);
    assert_eq!(a.body["siren"], "344810825");
    assert_eq!(a.header("etag").as_deref(), Some("\"v1\""));
    assert!(
        a.header("location")
            .unwrap()
            .ends_with(a.body["id"].as_str().unwrap())
    );
    h.post(
        "/api/v1/organisations",
        &admin,
        &json!({"kind": "bailleur", "name": "Dup", "siren": "344810825"}),
    )
    .await
    .expect(409, Some("siren_taken"));
    // Nothing half-written: the refused organisations do not exist.
    let list = h.get("/api/v1/organisations?kind=bailleur", &admin).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
});

both_backends!(police_names_an_existing_circonscription, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    h.post(
        "/api/v1/organisations",
        &admin,
        &org_body("police_circonscription", "CSP"),
    )
    .await
    .expect(422, Some("validation_failed"));
    let a = h
        .post("/api/v1/organisations", &admin, &json!({"kind": "police_circonscription", "name": "CSP", "circonscription_code": "CSP-NOPE"}))
        .await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["code"], "unknown_circonscription");
    h.post("/api/v1/organisations", &admin, &json!({"kind": "police_circonscription", "name": "CSP Clamart", "circonscription_code": "CSP-92023"}))
        .await
        .expect(201, None);
});

both_backends!(only_the_platform_admin_creates_organisations, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let org_admin = h.member(&admin, &org, "a.admin", &["admin"]).await;
    h.post(
        "/api/v1/organisations",
        &org_admin,
        &org_body("parquet", "P"),
    )
    .await
    .expect(403, Some("forbidden"));
});

both_backends!(an_organisation_sees_only_itself, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let bb = h.bailleur(&admin, "B", SIREN_B).await;
    let a_user = h.member(&admin, &a, "a.corr", &["correspondent"]).await;
    h.get(&format!("/api/v1/organisations/{a}"), &a_user)
        .await
        .expect(200, None);
    h.get(&format!("/api/v1/organisations/{bb}"), &a_user)
        .await
        .expect(404, Some("not_found"));
    h.patch(
        &format!("/api/v1/organisations/{bb}"),
        &a_user,
        &json!({"name": "mine"}),
        None,
    )
    .await
    .expect(404, Some("not_found"));
    let list = h.get("/api/v1/organisations", &a_user).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a.as_str());
    // The platform admin sees every organisation, paginated with a cursor.
    let page1 = h.get("/api/v1/organisations?limit=2", &admin).await;
    assert_eq!(page1.body["items"].as_array().unwrap().len(), 2);
    let next = page1.body["next"].as_str().unwrap().to_owned();
    let page2 = h.get(&next, &admin).await;
    assert_eq!(page2.body["items"].as_array().unwrap().len(), 1);
    assert!(page2.body.get("next").is_none());
    let ids: Vec<&str> = page1.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2.body["items"].as_array().unwrap())
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&a.as_str()) && ids.contains(&bb.as_str()));
});

both_backends!(updates_honour_if_match_and_roles, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let org_admin = h.member(&admin, &org, "a.admin", &["admin"]).await;
    let corr = h.member(&admin, &org, "a.corr", &["correspondent"]).await;
    let path = format!("/api/v1/organisations/{org}");
    let read = h.get(&path, &org_admin).await;
    let etag = read.header("etag").unwrap();
    let a = h
        .patch(
            &path,
            &org_admin,
            &json!({"name": "A renamed"}),
            Some(&etag),
        )
        .await;
    a.expect(200, None);
    assert_eq!(a.body["name"], "A renamed");
    assert_eq!(a.header("etag").as_deref(), Some("\"v2\""));
    // The same stale ETag again: 412, and the name is unchanged.
    h.patch(
        &path,
        &org_admin,
        &json!({"name": "lost update"}),
        Some(&etag),
    )
    .await
    .expect(412, Some("precondition_failed"));
    assert_eq!(h.get(&path, &org_admin).await.body["name"], "A renamed");
    // Only the platform admin deactivates; a correspondent edits nothing.
    h.patch(&path, &org_admin, &json!({"active": false}), None)
        .await
        .expect(403, Some("forbidden"));
    h.patch(&path, &corr, &json!({"name": "x"}), None)
        .await
        .expect(403, Some("forbidden"));
    h.patch(
        &path,
        &org_admin,
        &json!({"contact_email": "not-an-email"}),
        None,
    )
    .await
    .expect(422, Some("validation_failed"));
    h.patch(&path, &org_admin, &json!({"unknown_field": 1}), None)
        .await
        .expect(422, Some("validation_failed"));
    h.patch(&path, &admin, &json!({"active": false}), None)
        .await
        .expect(200, None);
    // An inactive organisation's principals get no token.
    let a = h
        .form_token(&format!(
            "grant_type=password&username=a.corr&password={PASSWORD}"
        ))
        .await;
    a.expect(400, Some("invalid_grant"));
});

both_backends!(creation_is_idempotent_by_key, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let body = json!({"kind": "bailleur", "name": "Idem", "siren": SIREN_A})
        .to_string()
        .into_bytes();
    let hdrs = [
        ("content-type", "application/json"),
        ("idempotency-key", "k-123"),
    ];
    let first = h
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&admin),
            &hdrs,
            Some(body.clone()),
        )
        .await;
    first.expect(201, None);
    let again = h
        .send(
            "POST",
            "/api/v1/organisations",
            Some(&admin),
            &hdrs,
            Some(body),
        )
        .await;
    again.expect(201, None);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let other = json!({"kind": "bailleur", "name": "Other", "siren": SIREN_B})
        .to_string()
        .into_bytes();
    h.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin),
        &hdrs,
        Some(other),
    )
    .await
    .expect(422, Some("idempotency_key_reused"));
    assert_eq!(
        h.get("/api/v1/organisations?kind=bailleur", &admin)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

both_backends!(idempotency_keys_are_forgotten_after_their_retention, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let body = json!({"kind": "bailleur", "name": "Idem", "siren": SIREN_A})
        .to_string()
        .into_bytes();
    let hdrs = [
        ("content-type", "application/json"),
        ("idempotency-key", "k-old"),
    ];
    h.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin),
        &hdrs,
        Some(body),
    )
    .await
    .expect(201, None);
    let store = vigie::startup::open_store(&settings(&["--database-url", &h.db.url()])).unwrap();
    let keep = store
        .write(|c| {
            vigie_store::idempotency::purge_before(
                c,
                vigie_store::now() - chrono::Duration::hours(1),
            )
        })
        .unwrap();
    assert_eq!(keep, 0, "a fresh key is kept");
    let gone = store
        .write(|c| {
            vigie_store::idempotency::purge_before(
                c,
                vigie_store::now() + chrono::Duration::seconds(1),
            )
        })
        .unwrap();
    assert_eq!(gone, 1);
    // Once forgotten, the key is free: another body with it is a new creation, not a 422.
    let other = json!({"kind": "bailleur", "name": "Other", "siren": SIREN_B})
        .to_string()
        .into_bytes();
    h.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin),
        &hdrs,
        Some(other),
    )
    .await
    .expect(201, None);
});

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(an_org_admin_manages_its_own_people_only, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let bb = h.bailleur(&admin, "B", SIREN_B).await;
    let a_admin = h.member(&admin, &a, "a.admin", &["admin"]).await;
    let a_corr = h.member(&admin, &a, "a.corr", &["correspondent"]).await;
    let person = json!({"login": "a.gardien", "display_name": "Gardien", "password": PASSWORD, "roles": ["staff"]});
    let created = h
        .post(
            &format!("/api/v1/organisations/{a}/people"),
            &a_admin,
            &person,
        )
        .await;
    created.expect(201, None);
    assert!(created.body.get("password").is_none() && !created.text.contains("argon2"));
    // Another organisation's people: invisible; a correspondent: not allowed.
    h.post(
        &format!("/api/v1/organisations/{bb}/people"),
        &a_admin,
        &person,
    )
    .await
    .expect(404, Some("not_found"));
    h.get(&format!("/api/v1/organisations/{bb}/people"), &a_admin)
        .await
        .expect(404, Some("not_found"));
    h.post(
        &format!("/api/v1/organisations/{a}/people"),
        &a_corr,
        &person,
    )
    .await
    .expect(403, Some("forbidden"));
    let id = created.body["id"].as_str().unwrap();
    h.get(&format!("/api/v1/organisations/{bb}/people/{id}"), &admin)
        .await
        .expect(404, Some("not_found"));
    h.get(&format!("/api/v1/organisations/{a}/people/{id}"), &a_admin)
        .await
        .expect(200, None);
    // The login is unique across Vigie.
    let dup = json!({"login": "a.gardien", "display_name": "Other", "password": PASSWORD, "roles": ["correspondent"]});
    h.post(&format!("/api/v1/organisations/{bb}/people"), &admin, &dup)
        .await
        .expect(409, Some("login_taken"));
    let list = h
        .get(&format!("/api/v1/organisations/{a}/people"), &a_admin)
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 3);
});

both_backends!(roles_must_fit_the_organisation_kind, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    for roles in [json!(["magistrate"]), json!(["platform_admin"]), json!([])] {
        let p = json!({"login": "x.y", "display_name": "X", "password": PASSWORD, "roles": roles});
        let r = h
            .post(&format!("/api/v1/organisations/{a}/people"), &admin, &p)
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["errors"][0]["field"], "roles");
    }
    let p = json!({"login": "x.y", "display_name": "X", "password": "short", "roles": ["staff"]});
    let r = h
        .post(&format!("/api/v1/organisations/{a}/people"), &admin, &p)
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["errors"][0]["field"], "password");
    let p = json!({"login": "bad login!", "display_name": "X", "password": PASSWORD, "roles": ["staff"]});
    h.post(&format!("/api/v1/organisations/{a}/people"), &admin, &p)
        .await
        .expect(422, Some("validation_failed"));
});

both_backends!(people_log_in_change_roles_and_can_be_deactivated, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    h.member(&admin, &a, "a.corr", &["correspondent"]).await;
    let list = h
        .get(&format!("/api/v1/organisations/{a}/people"), &admin)
        .await;
    let id = list.body["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organisations/{a}/people/{id}");
    let r = h
        .patch(
            &path,
            &admin,
            &json!({"roles": ["correspondent", "admin"]}),
            Some("\"v1\""),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["roles"], json!(["correspondent", "admin"]));
    h.patch(&path, &admin, &json!({"roles": ["staff"]}), Some("\"v1\""))
        .await
        .expect(412, Some("precondition_failed"));
    // New roles are in the next token.
    let token = h.person_token("a.corr").await;
    h.get(&format!("/api/v1/organisations/{a}/people"), &token)
        .await
        .expect(200, None);
    h.patch(&path, &admin, &json!({"active": false}), None)
        .await
        .expect(200, None);
    h.form_token(&format!(
        "grant_type=password&username=a.corr&password={PASSWORD}"
    ))
    .await
    .expect(400, Some("invalid_grant"));
});

both_backends!(api_clients_show_their_secret_once_and_rotate, |b| {
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
    c.expect(201, None);
    let id = c.body["id"].as_str().unwrap().to_owned();
    let client_id = c.body["client_id"].as_str().unwrap().to_owned();
    let secret = c.body["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32);
    let token = h.client_token(&client_id, &secret).await;
    h.get(&format!("/api/v1/organisations/{a}"), &token)
        .await
        .expect(200, None);
    let listed = h
        .get(&format!("/api/v1/organisations/{a}/api-clients"), &admin)
        .await;
    assert!(!listed.text.contains(&secret));
    let rotated = h
        .post(
            &format!("/api/v1/organisations/{a}/api-clients/{id}/secret"),
            &admin,
            &json!({}),
        )
        .await;
    rotated.expect(200, None);
    let new_secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    h.form_token(&format!(
        "grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
    ))
    .await
    .expect(401, Some("invalid_client"));
    h.client_token(&client_id, &new_secret).await;
    h.patch(
        &format!("/api/v1/organisations/{a}/api-clients/{id}"),
        &admin,
        &json!({"active": false}),
        None,
    )
    .await
    .expect(200, None);
    h.form_token(&format!(
        "grant_type=client_credentials&client_id={client_id}&client_secret={new_secret}"
    ))
    .await
    .expect(401, Some("invalid_client"));
});

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(every_error_is_a_problem_with_a_stable_code, |b| {
    let h = Harness::start_with(b, &["--max-body-bytes", "2048"]).await;
    let admin = h.admin().await;
    let a = h.get("/no/such/route", &admin).await;
    a.expect(404, Some("unknown_route"));
    assert!(
        a.body["instance"]
            .as_str()
            .unwrap()
            .starts_with("urn:vigie:request:")
    );
    h.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin),
        &[("content-type", "application/json")],
        Some(b"{\"kind\": ".to_vec()),
    )
    .await
    .expect(400, Some("malformed_json"));
    h.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin),
        &[("content-type", "text/plain")],
        Some(b"{}".to_vec()),
    )
    .await
    .expect(415, Some("unsupported_media_type"));
    let big = json!({"kind": "bailleur", "name": "x".repeat(5000), "siren": SIREN_A});
    h.post("/api/v1/organisations", &admin, &big)
        .await
        .expect(413, Some("payload_too_large"));
    let wrong_type = h
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "castle", "name": "x"}),
        )
        .await;
    wrong_type.expect(422, Some("validation_failed"));
    let many = h
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "bailleur", "name": "", "contact_email": "nope"}),
        )
        .await;
    many.expect(422, Some("validation_failed"));
    let fields: Vec<&str> = many.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["contact_email", "name"]);
    h.get("/api/v1/organisations?limit=0", &admin)
        .await
        .expect(422, Some("validation_failed"));
    h.get("/api/v1/organisations?limit=abc", &admin)
        .await
        .expect(400, Some("invalid_query"));
    h.get("/api/v1/organisations?kind=castle", &admin)
        .await
        .expect(400, Some("invalid_query"));
    h.get("/api/v1/organisations?cursor=bm90LWEtY3Vyc29y!", &admin)
        .await
        .expect(422, Some("validation_failed"));
    // Nothing was created by any of these.
    assert_eq!(
        h.get("/api/v1/organisations?kind=bailleur", &admin)
            .await
            .body["items"],
        json!([])
    );
});

both_backends!(database_outage_is_503_and_recovers, |b| {
    let h = Harness::start_with(b, &["--sqlite-busy-timeout-ms", "300"]).await;
    let admin = h.admin().await;
    let org_path = format!(
        "/api/v1/organisations/{}",
        h.bailleur(&admin, "A", SIREN_A).await
    );
    h.get("/readyz", &admin).await.expect(200, None);
    match &h.db {
        TestDb::Postgres { name, .. } => {
            let mut c =
                <diesel::PgConnection as diesel::Connection>::establish(&postgres_url_for(None))
                    .unwrap();
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
                .execute(&mut c)
                .unwrap();
            diesel::sql_query(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ))
            .execute(&mut c)
            .unwrap();
            let down = h.get("/api/v1/organisations", &admin).await;
            down.expect(503, Some("database_unavailable"));
            assert!(down.header("retry-after").is_some());
            h.get("/readyz", &admin)
                .await
                .expect(503, Some("database_unavailable"));
            diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
                .execute(&mut c)
                .unwrap();
        }
        TestDb::Sqlite(_) => {
            // Another process holds the write lock past the busy timeout: writes answer 503.
            let path = h.db.url().trim_start_matches("sqlite://").to_owned();
            let (locked_tx, locked_rx) = std::sync::mpsc::channel();
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            let holder = std::thread::spawn(move || {
                use diesel::connection::SimpleConnection;
                let mut c =
                    <diesel::SqliteConnection as diesel::Connection>::establish(&path).unwrap();
                c.batch_execute("BEGIN IMMEDIATE; UPDATE communes SET name = name;")
                    .unwrap();
                locked_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                c.batch_execute("COMMIT;").unwrap();
            });
            locked_rx.recv().unwrap();
            let down = h
                .patch(&org_path, &admin, &json!({"name": "while locked"}), None)
                .await;
            down.expect(503, Some("database_unavailable"));
            assert!(down.header("retry-after").is_some());
            release_tx.send(()).unwrap();
            holder.join().unwrap();
        }
    }
    // Back without a restart.
    let mut ok = false;
    for _ in 0..20 {
        if h.patch(&org_path, &admin, &json!({"name": "after"}), None)
            .await
            .status
            .as_u16()
            == 200
        {
            ok = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ok, "the service did not recover");
});

both_backends!(every_problem_type_resolves_to_its_page_on_the_server, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    // A real refusal: its type is a path on this server (no public URL configured)...
    let missing = h
        .get(
            "/api/v1/incidents/01936f60-0000-7000-8000-000000000000",
            &admin,
        )
        .await;
    missing.expect(404, Some("not_found"));
    let type_uri = missing.body["type"].as_str().unwrap().to_owned();
    assert_eq!(type_uri, "/problems/not_found");
    // ...that answers without a token: JSON for programs...
    let page = h.send("GET", &type_uri, None, &[], None).await;
    page.expect(200, None);
    assert_eq!(page.body["code"], "not_found");
    assert_eq!(page.body["statuses"], json!([404]));
    assert!(page.body["fix"].as_str().unwrap().len() > 10);
    assert!(page.header("cache-control").unwrap().contains("max-age"));
    // ...HTML for a browser, with the code spans rendered and the text escaped.
    let html = h
        .send(
            "GET",
            "/problems/precondition_failed",
            None,
            &[("accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
            None,
        )
        .await;
    html.expect(200, None);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        html.text
            .contains("<h2><a href=\"/problems/precondition_failed\">precondition_failed</a></h2>")
    );
    assert!(html.text.contains("<code>ETag</code>"), "{}", html.text);
    // The index lists every code the contract lists, in the same order.
    let index = h.send("GET", "/problems", None, &[], None).await;
    let listed: Vec<&str> = index
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    let contract: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let declared: Vec<&str> =
        contract["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
    assert_eq!(listed, declared);
    assert!(listed.contains(&"validation_failed") && listed.contains(&"unknown_route"));
    // An unknown code is a 404 problem, itself documented.
    h.send("GET", "/problems/no_such_code", None, &[], None)
        .await
        .expect(404, Some("not_found"));
});

both_backends!(problem_types_are_absolute_under_the_public_url, |b| {
    let h = Harness::start_with(b, &["--public-url", "https://vigie.example.org/"]).await;
    let a = h.get("/api/v1/incidents", "not-a-token").await;
    a.expect(401, Some("invalid_token"));
    assert_eq!(
        a.body["type"],
        "https://vigie.example.org/problems/invalid_token"
    );
});

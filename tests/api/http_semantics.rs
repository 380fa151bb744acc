//! HTTP as clients and proxies expect it: conditional GET (304), HEAD, 405 with Allow and OPTIONS,
//! compression, and the next page as a Link header.

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(reads_are_conditional_and_head_and_options_answer, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "R1", "92050").await;
    let created = h
        .post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
        .await;
    created.expect(201, None);
    let path = format!("/api/v1/incidents/{}", created.body["id"].as_str().unwrap());
    let etag = created.header("etag").unwrap();

    // If-None-Match with the current ETag: 304 without a body; with another, the record.
    let same = h
        .send("GET", &path, Some(&corr), &[("if-none-match", &etag)], None)
        .await;
    assert_eq!(same.status.as_u16(), 304);
    assert!(same.text.is_empty());
    assert_eq!(same.header("etag").as_deref(), Some(etag.as_str()));
    let other = h
        .send(
            "GET",
            &path,
            Some(&corr),
            &[("if-none-match", "\"v99\"")],
            None,
        )
        .await;
    other.expect(200, None);
    // A change makes the old ETag stale.
    h.patch(&path, &corr, &json!({"narrative": "Précisé."}), Some(&etag))
        .await
        .expect(200, None);
    h.send("GET", &path, Some(&corr), &[("if-none-match", &etag)], None)
        .await
        .expect(200, None);

    // HEAD: the headers of GET, no body.
    let head = h.send("HEAD", &path, Some(&corr), &[], None).await;
    assert_eq!(head.status.as_u16(), 200);
    assert!(head.text.is_empty());
    assert!(head.header("etag").is_some());
    // Visibility holds for HEAD too.
    let stranger = h.bailleur(&admin, "B", SIREN_B).await;
    let b_corr = h
        .member(&admin, &stranger, "b.corr", &["correspondent"])
        .await;
    assert_eq!(
        h.send("HEAD", &path, Some(&b_corr), &[], None)
            .await
            .status
            .as_u16(),
        404
    );

    // A known path with another method: 405 and what is allowed; OPTIONS lists it.
    let wrong = h.send("DELETE", &path, Some(&corr), &[], None).await;
    wrong.expect(405, Some("method_not_allowed"));
    assert_eq!(
        wrong.header("allow").as_deref(),
        Some("GET, PATCH, HEAD, OPTIONS")
    );
    let options = h
        .send("OPTIONS", "/api/v1/incidents", None, &[], None)
        .await;
    assert_eq!(options.status.as_u16(), 204);
    assert_eq!(
        options.header("allow").as_deref(),
        Some("GET, POST, HEAD, OPTIONS")
    );
    // An unknown path is still a 404.
    h.send("DELETE", "/api/v1/nowhere", Some(&corr), &[], None)
        .await
        .expect(404, Some("unknown_route"));

    // The next page is a Link header too.
    h.post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
        .await
        .expect(201, None);
    let page = h.get("/api/v1/incidents?limit=1", &corr).await;
    page.expect(200, None);
    let next = page.body["next"].as_str().unwrap();
    assert_eq!(page.header("link"), Some(format!("<{next}>; rel=\"next\"")));
    let last = h.get(next, &corr).await;
    assert!(last.header("link").is_none());
});

#[actix_web::test]
async fn answers_are_compressed_when_the_client_asks() {
    let h = Harness::start(Backend::Sqlite).await;
    for (asked, got) in [("gzip", "gzip"), ("br", "br")] {
        let mut res = h
            .srv
            .get("/openapi.json")
            .insert_header(("accept-encoding", asked))
            .no_decompress()
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(
            res.headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some(got)
        );
        let body = res.body().limit(10_000_000).await.unwrap();
        // The contract is most of a megabyte as JSON; compressed it is a small fraction of that.
        let plain = h
            .srv
            .get("/openapi.json")
            .send()
            .await
            .unwrap()
            .body()
            .limit(10_000_000)
            .await
            .unwrap();
        assert!(plain.len() > 300_000, "{} bytes", plain.len());
        assert!(
            body.len() * 8 < plain.len(),
            "{asked}: {} of {} bytes",
            body.len(),
            plain.len()
        );
    }
}

both_backends!(
    reference_data_is_cacheable_and_titles_follow_rfc_9110,
    |b| {
        let h = Harness::start(b).await;
        let admin = h.admin().await;
        for path in [
            "/api/v1/communes",
            "/api/v1/circonscriptions",
            "/api/v1/offences/CP-433-5-AL1",
        ] {
            let a = h.get(path, &admin).await;
            a.expect(200, None);
            assert_eq!(
                a.header("cache-control").as_deref(),
                Some("private, max-age=300"),
                "{path}"
            );
        }
        // A record is not cacheable that way.
        let org = h.bailleur(&admin, "A", SIREN_A).await;
        let a = h.get(&format!("/api/v1/organisations/{org}"), &admin).await;
        assert_ne!(
            a.header("cache-control").as_deref(),
            Some("private, max-age=300")
        );
        // 422 is "Unprocessable Content" (RFC 9110), not the older "Unprocessable Entity".
        let bad = h
            .post(
                "/api/v1/organisations",
                &admin,
                &json!({"kind": "bailleur", "name": ""}),
            )
            .await;
        bad.expect(422, Some("validation_failed"));
        assert_eq!(bad.body["title"], "Unprocessable Content");
        // The API explorer sends nothing to an online validator.
        let init = h
            .send("GET", "/docs/swagger-initializer.js", None, &[], None)
            .await;
        assert!(
            init.text.contains("\"validatorUrl\": \"none\""),
            "{}",
            init.text
        );
    }
);

both_backends!(every_location_answers_get, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "corr", &["correspondent", "admin"])
        .await;
    let follow = |token: String, created: Answer| {
        let h = &h;
        async move {
            created.expect(201, None);
            let location = created.header("location").expect("Location");
            let read = h.get(&location, &token).await;
            read.expect(200, None);
            assert_eq!(read.body["id"], created.body["id"], "{location}");
        }
    };
    follow(
        admin.clone(),
        h.post(
            "/api/v1/organisations",
            &admin,
            &json!({"kind": "parquet", "name": "P"}),
        )
        .await,
    )
    .await;
    follow(
        admin.clone(),
        h.post(
            &format!("/api/v1/organisations/{org}/api-clients"),
            &admin,
            &json!({"name": "ERP", "roles": ["integration"]}),
        )
        .await,
    )
    .await;
    follow(corr.clone(), h.post("/api/v1/staff", &corr, &json!({"first_name": "Jo", "last_name": "Doe", "role": "gardien", "sworn_guard": false})).await).await;
    follow(
        corr.clone(),
        h.post(
            "/api/v1/webhooks",
            &corr,
            &json!({"url": "https://erp.bailleur.example/hook", "event_types": []}),
        )
        .await,
    )
    .await;
    let circ = h
        .post(
            "/api/v1/circonscriptions",
            &admin,
            &json!({"code": "CSP-TEST-1", "name": "CSP Test", "reliability": "verified"}),
        )
        .await;
    circ.expect(201, None);
    let read = h.get(&circ.header("location").unwrap(), &admin).await;
    read.expect(200, None);
    assert_eq!(read.body["code"], "CSP-TEST-1");
    // Another bailleur's record behind a Location is still a 404.
    let other = h.bailleur(&admin, "B", SIREN_B).await;
    let b_admin = h.member(&admin, &other, "b.admin", &["admin"]).await;
    let staff = h.post("/api/v1/staff", &corr, &json!({"first_name": "Al", "last_name": "Bo", "role": "gardien", "sworn_guard": false})).await;
    h.get(&staff.header("location").unwrap(), &b_admin)
        .await
        .expect(404, Some("not_found"));
});

both_backends!(
    answers_say_where_the_caller_stands_against_its_rate_limit,
    |b| {
        let h = Harness::start_with(
            b,
            &["--rate-limit-per-second", "5", "--rate-limit-burst", "10"],
        )
        .await;
        let admin = h.admin().await;
        let a = h.get("/api/v1/organisations", &admin).await;
        a.expect(200, None);
        assert_eq!(
            a.header("ratelimit-policy").as_deref(),
            Some("\"principal\";q=10;w=2")
        );
        assert_eq!(
            a.header("ratelimit").as_deref(),
            Some("\"principal\";r=9;t=1")
        );
        let mut last = a;
        for _ in 0..20 {
            last = h.get("/api/v1/organisations", &admin).await;
            if last.status.as_u16() == 429 {
                break;
            }
        }
        last.expect(429, Some("rate_limited"));
        let state = last.header("ratelimit").unwrap();
        assert!(state.starts_with("\"principal\";r=0;t="), "{state}");
        // Unauthenticated answers carry none.
        assert!(
            h.send("GET", "/healthz", None, &[], None)
                .await
                .header("ratelimit")
                .is_none()
        );
    }
);

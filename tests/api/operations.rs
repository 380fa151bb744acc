use crate::both_backends;
use crate::support::*;

both_backends!(health_readiness_metrics_and_request_ids, |b| {
    let h = Harness::start_with(b, &["--cors-origins", "https://front.example"]).await;
    let a = h.send("GET", "/healthz", None, &[], None).await;
    a.expect(200, None);
    let generated = a.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    let r = h
        .send("GET", "/readyz", None, &[("x-request-id", "abc-123")], None)
        .await;
    r.expect(200, None);
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    assert_eq!(
        r.body["database"],
        if h.backend == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let admin = h.admin().await;
    h.get("/api/v1/organisations", &admin)
        .await
        .expect(200, None);
    let m = h.send("GET", "/metrics", None, &[], None).await;
    assert!(m.text.contains("vigie_http_requests_total{endpoint=\"/api/v1/organisations\",method=\"GET\",status=\"200\"}"), "{}", m.text);
    assert!(
        m.text
            .contains("vigie_http_requests_duration_seconds_bucket")
    );
    assert!(m.text.contains("vigie_db_pool_connections"));
    // CORS: the listed origin is allowed, another is not.
    let pre = h
        .send(
            "OPTIONS",
            "/api/v1/organisations",
            None,
            &[
                ("origin", "https://front.example"),
                ("access-control-request-method", "GET"),
            ],
            None,
        )
        .await;
    assert_eq!(
        pre.header("access-control-allow-origin").as_deref(),
        Some("https://front.example")
    );
    let other = h
        .send(
            "OPTIONS",
            "/api/v1/organisations",
            None,
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "GET"),
            ],
            None,
        )
        .await;
    assert!(other.header("access-control-allow-origin").is_none());
    // The contract and its UI are served.
    let doc = h.send("GET", "/openapi.json", None, &[], None).await;
    assert_eq!(doc.body["info"]["title"], "Vigie API");
    assert_eq!(
        h.send("GET", "/docs/", None, &[], None)
            .await
            .status
            .as_u16(),
        200
    );
});

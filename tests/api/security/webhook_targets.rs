//! Webhook URLs cannot reach inside: loopback, private, link-local, metadata and unspecified
//! addresses in every spelling, and URLs with credentials, are refused at subscription and again
//! at delivery; redirects are not followed; the delivery log says only a generic reason. The
//! operator's `VIGIE_WEBHOOK_ALLOW_PRIVATE=true` lets on-premises receivers in.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpResponse, web};
use serde_json::json;
use vigie::webhooks::{WebhookConfig, client, run_once};

use crate::both_backends;
use crate::support::*;
use crate::webhooks::{PRIVATE_TARGETS, bailleur_with_webhook, fast, rounds};

both_backends!(internal_targets_are_refused_at_subscription, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    let refused = |url: &'static str, code: &'static str| {
        let (h, corr) = (&h, &corr);
        async move {
            let a = h
                .post(
                    "/api/v1/webhooks",
                    corr,
                    &json!({"url": url, "event_types": []}),
                )
                .await;
            a.expect(422, Some("validation_failed"));
            assert_eq!(a.body["errors"][0]["field"], "url", "{url}");
            assert_eq!(a.body["errors"][0]["code"], code, "{url}: {}", a.text);
        }
    };
    for url in [
        "http://127.0.0.1:5432/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0.0.0.0/",
        "http://10.0.0.1/hook",
        "http://172.16.5.4/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fc00::1]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://localhost:8080/hook",
    ] {
        refused(url, "target_not_allowed").await;
    }
    refused(
        "https://erp:secret@erp.bailleur.example/hook",
        "credentials_in_url",
    )
    .await;
    refused("gopher://erp.bailleur.example/", "invalid_url").await;
    // A public name passes, and cannot be changed into an internal one either.
    let ok = h
        .post(
            "/api/v1/webhooks",
            &corr,
            &json!({"url": "https://erp.bailleur.example/hook", "event_types": []}),
        )
        .await;
    ok.expect(201, None);
    let id = ok.body["id"].as_str().unwrap();
    let a = h
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &corr,
            &json!({"url": "http://169.254.169.254/"}),
            None,
        )
        .await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["code"], "target_not_allowed");
});

/// A receiver whose `/hook` redirects to `/inside`; counts what reaches `/inside`.
fn redirecting_receiver() -> (actix_test::TestServer, Arc<AtomicUsize>) {
    let inside = Arc::new(AtomicUsize::new(0));
    let i = inside.clone();
    let srv = actix_test::start(move || {
        let i = i.clone();
        App::new()
            .route(
                "/hook",
                web::post().to(|| async {
                    HttpResponse::TemporaryRedirect()
                        .insert_header(("location", "/inside"))
                        .finish()
                }),
            )
            .route(
                "/inside",
                web::post().to(move || {
                    let i = i.clone();
                    async move {
                        i.fetch_add(1, Ordering::SeqCst);
                        HttpResponse::Ok().finish()
                    }
                }),
            )
    });
    (srv, inside)
}

async fn delivery_log(h: &Harness, token: &str, sub: &str) -> serde_json::Value {
    let log = h
        .get(&format!("/api/v1/webhooks/{sub}/deliveries"), token)
        .await;
    log.expect(200, None);
    log.body["items"][0].clone()
}

both_backends!(deliveries_follow_no_redirect_and_log_generic_reasons, |b| {
    let h = Harness::start_with(b, PRIVATE_TARGETS).await;
    let (srv, inside) = redirecting_receiver();
    let (corr, sub, _, res) =
        bailleur_with_webhook(&h, &srv.url("/hook"), json!(["incident.created"])).await;
    h.post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
        .await
        .expect(201, None);
    let cfg = WebhookConfig {
        retry_base: std::time::Duration::from_secs(3600),
        ..fast()
    };
    rounds(&h, &cfg, || true).await;
    let d = delivery_log(&h, &corr, &sub).await;
    assert_eq!(d["status"], "pending", "{d}");
    assert_eq!(d["last_status_code"], 307);
    assert_eq!(d["last_error"], "status 307");
    assert_eq!(
        inside.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );

    // A closed port: the log says "refused", not the operating system's error.
    let admin = h.admin().await;
    let other = h.bailleur(&admin, "B", SIREN_B).await;
    let b_corr = h
        .member(&admin, &other, "b.corr", &["correspondent", "admin"])
        .await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let s = h
        .post(
            "/api/v1/webhooks",
            &b_corr,
            &json!({"url": format!("http://127.0.0.1:{port}/hook"), "event_types": []}),
        )
        .await;
    s.expect(201, None);
    let b_sub = s.body["id"].as_str().unwrap().to_owned();
    let b_res = h.residence(&b_corr, "RES-B", "92050").await;
    h.post(
        "/api/v1/incidents",
        &b_corr,
        &incident_body(&b_res, "dumping"),
    )
    .await
    .expect(201, None);
    rounds(&h, &cfg, || true).await;
    let d = delivery_log(&h, &b_corr, &b_sub).await;
    assert_eq!(d["last_error"], "refused: no connection", "{d}");
    assert!(d.get("last_status_code").is_none());
});

both_backends!(a_worker_without_the_setting_refuses_at_delivery, |b| {
    // Subscribed while private targets were allowed; the setting is then turned off: the worker
    // checks again before each attempt and sends nothing.
    let h = Harness::start_with(b, PRIVATE_TARGETS).await;
    let (srv, inside) = redirecting_receiver();
    let (corr, sub, _, res) =
        bailleur_with_webhook(&h, &srv.url("/inside"), json!(["incident.created"])).await;
    h.post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
        .await
        .expect(201, None);
    let s = h.replica_settings(&[]);
    let strict = vigie_app::App::new(
        vigie::startup::open_store(&s).expect("store"),
        std::time::Duration::from_secs(10),
    )
    .with_security(vigie::startup::security(&s));
    assert!(!strict.security().webhook_allow_private);
    let cfg = WebhookConfig {
        retry_base: std::time::Duration::from_secs(3600),
        ..fast()
    };
    assert_eq!(
        run_once(&strict, &client(&strict, &cfg), &cfg)
            .await
            .unwrap(),
        1
    );
    let d = delivery_log(&h, &corr, &sub).await;
    assert_eq!(inside.load(Ordering::SeqCst), 0);
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .starts_with("refused: the URL names a loopback"),
        "{d}"
    );
});

//! Webhooks: signed deliveries from the feed, retries against a receiver that fails then succeeds,
//! nothing for a rolled-back change, redelivery, giving up after the window, and no double sending
//! by two workers on one PostgreSQL.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, web};
use futures_util::future::join_all;
use serde_json::{Value, json};
use vigie::webhooks::{WebhookConfig, client, run_once, signature};

use crate::both_backends;
use crate::support::*;

/// What the receiver got: headers of interest and the body.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    event_id: String,
    signature: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    /// Checks the Standard Webhooks signature with that specification's own library, as a
    /// receiver would (timestamp tolerance included).
    pub(crate) fn verify_standard(&self, standard_secret: &str) -> bool {
        let mut headers = http::HeaderMap::new();
        for n in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            if let Some(v) = self.headers.get(n) {
                headers.insert(n, http::HeaderValue::from_str(v).unwrap());
            }
        }
        standardwebhooks::Webhook::new(standard_secret)
            .unwrap()
            .verify(&self.body, &headers)
            .is_ok()
    }

    /// Whether one of the `v1=` signatures of `Vigie-Signature` is the secret's.
    pub(crate) fn signed_by(&self, secret: &str) -> bool {
        let mut parts = self.signature.split(',');
        let t: i64 = parts
            .next()
            .unwrap()
            .trim_start_matches("t=")
            .parse()
            .unwrap();
        let expected = signature(secret, t, &self.body);
        parts.any(|p| p.trim_start_matches("v1=") == expected)
    }
}

/// A receiver that answers 500 to its first `failures` requests, then 200.
pub(crate) fn receiver(failures: usize) -> (actix_test::TestServer, Arc<Mutex<Vec<Received>>>) {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let left = Arc::new(AtomicUsize::new(failures));
    let g = got.clone();
    let srv = actix_test::start(move || {
        let g = g.clone();
        let left = left.clone();
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let g = g.clone();
                let left = left.clone();
                async move {
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    g.lock().unwrap().push(Received {
                        event_id: h("vigie-event-id"),
                        signature: h("vigie-signature"),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.as_str().to_owned(),
                                    v.to_str().unwrap_or_default().to_owned(),
                                )
                            })
                            .collect(),
                        body: body.to_vec(),
                    });
                    let fail = left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if fail {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }),
        )
    });
    (srv, got)
}

/// The receivers of these tests listen on the loopback, which only an operator's setting allows.
pub(crate) const PRIVATE_TARGETS: &[&str] = &["--webhook-allow-private", "true"];

pub(crate) fn fast() -> WebhookConfig {
    WebhookConfig {
        retry_base: Duration::from_millis(1),
        retry_window: chrono::Duration::hours(26),
        timeout: Duration::from_secs(5),
        batch: 500,
        claim: 50,
    }
}

/// Runs worker rounds until `done` or 200 rounds.
pub(crate) async fn rounds(h: &Harness, cfg: &WebhookConfig, done: impl Fn() -> bool) {
    let client = client(&h.app, cfg);
    for _ in 0..200 {
        run_once(&h.app, &client, cfg).await.expect("round");
        if done() {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
}

pub(crate) async fn bailleur_with_webhook(
    h: &Harness,
    url: &str,
    types: Value,
) -> (String, String, String, String) {
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    let sub = h
        .post(
            "/api/v1/webhooks",
            &corr,
            &json!({"url": url, "event_types": types}),
        )
        .await;
    sub.expect(201, None);
    let secret = sub.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32);
    assert!(
        sub.body["standard_secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    let res = h.residence(&corr, "RES-1", "92050").await;
    (
        corr,
        sub.body["id"].as_str().unwrap().to_owned(),
        secret,
        res,
    )
}

both_backends!(
    deliveries_are_signed_retried_and_never_for_a_rollback,
    |b| {
        let h = Harness::start_with(b, PRIVATE_TARGETS).await;
        let (srv, got) = receiver(2);
        let url = srv.url("/hook");
        let (corr, sub, secret, res) =
            bailleur_with_webhook(&h, &url, json!(["incident.created"])).await;
        let standard_secret = vigie_app::deliveries::standard_secret(&secret);
        h.post(
            "/api/v1/webhooks",
            &corr,
            &json!({"url": "ftp://x", "event_types": []}),
        )
        .await
        .expect(422, Some("validation_failed"));
        h.post(
            "/api/v1/webhooks",
            &corr,
            &json!({"url": url, "event_types": ["incident.deleted"]}),
        )
        .await
        .expect(422, Some("validation_failed"));
        // One committed creation, one refused (rolled back), one update (a type not subscribed).
        let created = h
            .post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
            .await;
        created.expect(201, None);
        h.post(
            "/api/v1/incidents",
            &corr,
            &incident_body("no-such-residence", "dumping"),
        )
        .await
        .expect(422, Some("validation_failed"));
        let id = created.body["id"].as_str().unwrap();
        h.patch(
            &format!("/api/v1/incidents/{id}"),
            &corr,
            &json!({"narrative": "Dépôt sauvage, précisé."}),
            None,
        )
        .await
        .expect(200, None);
        let cfg = fast();
        rounds(&h, &cfg, || got.lock().unwrap().len() >= 3).await;
        let got_now = got.lock().unwrap().clone();
        assert_eq!(got_now.len(), 3, "two failures, then the success");
        let event_ids: Vec<&str> = got_now.iter().map(|r| r.event_id.as_str()).collect();
        assert!(
            event_ids.iter().all(|e| *e == event_ids[0]),
            "the same event id on every retry"
        );
        for r in &got_now {
            let (t, v1) = r.signature.split_once(",v1=").unwrap();
            let t: i64 = t.trim_start_matches("t=").parse().unwrap();
            assert_eq!(v1, signature(&secret, t, &r.body));
            assert!((chrono::Utc::now().timestamp() - t).abs() < 300);
            // Standard Webhooks: the message id is the event id, and its library accepts it.
            assert_eq!(r.headers["webhook-id"], r.event_id);
            assert_eq!(r.headers["webhook-timestamp"], t.to_string());
            assert!(r.verify_standard(&standard_secret));
            assert!(!r.verify_standard(&vigie_app::deliveries::standard_secret(
                "x".repeat(32).as_str()
            )));
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["type"], "incident.created");
            assert_eq!(body["resource_id"], id);
        }
        // The delivery log: one delivery (nothing for the rollback nor the unsubscribed update).
        let log = h
            .get(&format!("/api/v1/webhooks/{sub}/deliveries"), &corr)
            .await;
        log.expect(200, None);
        let items = log.body["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["status"], "delivered");
        assert_eq!(items[0]["attempts"], 3);
        assert_eq!(items[0]["last_status_code"], 200);
        // Redelivery on demand.
        let delivery = items[0]["id"].as_str().unwrap();
        h.post(
            &format!("/api/v1/webhooks/{sub}/deliveries/{delivery}/redelivery"),
            &corr,
            &json!({}),
        )
        .await
        .expect(202, None);
        rounds(&h, &cfg, || got.lock().unwrap().len() >= 4).await;
        assert_eq!(got.lock().unwrap().len(), 4);
        assert_eq!(got.lock().unwrap()[3].event_id, event_ids[0]);
        // Another organisation does not see the subscription.
        let admin = h.admin().await;
        let other = h.bailleur(&admin, "B", SIREN_B).await;
        let b_admin = h.member(&admin, &other, "b.admin", &["admin"]).await;
        h.get(&format!("/api/v1/webhooks/{sub}/deliveries"), &b_admin)
            .await
            .expect(404, Some("not_found"));
        assert_eq!(
            h.get("/api/v1/webhooks", &b_admin).await.body["items"],
            json!([])
        );
    }
);

both_backends!(
    a_delivery_that_keeps_failing_is_given_up_after_the_window,
    |b| {
        let h = Harness::start_with(b, PRIVATE_TARGETS).await;
        // Nothing listens on this port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (corr, sub, _, res) =
            bailleur_with_webhook(&h, &format!("http://127.0.0.1:{port}/hook"), json!([])).await;
        h.post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
            .await
            .expect(201, None);
        let cfg = WebhookConfig {
            retry_window: chrono::Duration::zero(),
            ..fast()
        };
        let client = client(&h.app, &cfg);
        assert_eq!(run_once(&h.app, &client, &cfg).await.unwrap(), 1);
        let log = h
            .get(&format!("/api/v1/webhooks/{sub}/deliveries"), &corr)
            .await;
        assert_eq!(log.body["items"][0]["status"], "failed");
        assert_eq!(log.body["items"][0]["attempts"], 1);
        assert!(log.body["items"][0]["last_error"].is_string());
        // A failed delivery is not retried by itself.
        assert_eq!(run_once(&h.app, &client, &cfg).await.unwrap(), 0);
    }
);

/// Two workers (two stores, as two processes would have) on one PostgreSQL send each event once.
#[actix_web::test]
async fn two_workers_on_postgresql_never_send_an_event_twice() {
    if !postgres_enabled() {
        return;
    }
    let h = Harness::start_with(
        Backend::Postgres,
        &["--db-pool-size", "8", "--webhook-allow-private", "true"],
    )
    .await;
    let (srv, got) = receiver(0);
    let (corr, _, _, res) = bailleur_with_webhook(&h, &srv.url("/hook"), json!([])).await;
    let bodies: Vec<Value> = (0..20).map(|_| incident_body(&res, "dumping")).collect();
    for a in join_all(bodies.iter().map(|b| h.post("/api/v1/incidents", &corr, b))).await {
        a.expect(201, None);
    }
    let url = h.db.url();
    let data = h.db.data_dir();
    let s = settings(&[
        "--database-url",
        &url,
        "--data-dir",
        &data,
        "--db-pool-size",
        "4",
        "--webhook-allow-private",
        "true",
    ]);
    let second = vigie_app::App::new(
        vigie::startup::open_store(&s).expect("second store"),
        std::time::Duration::from_secs(10),
    )
    .with_security(vigie::startup::security(&s));
    let cfg = WebhookConfig { claim: 3, ..fast() };
    let client = client(&h.app, &cfg);
    for _ in 0..100 {
        let (a, b) = futures_util::future::join(
            run_once(&h.app, &client, &cfg),
            run_once(&second, &client, &cfg),
        )
        .await;
        a.unwrap();
        b.unwrap();
        if got.lock().unwrap().len() >= 20 {
            break;
        }
    }
    // Let any straggler round finish, then count.
    run_once(&h.app, &client, &cfg).await.unwrap();
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for r in got.lock().unwrap().iter() {
        *per_event.entry(r.event_id.clone()).or_default() += 1;
    }
    assert_eq!(per_event.len(), 20);
    assert!(per_event.values().all(|n| *n == 1), "{per_event:?}");
}

both_backends!(
    a_rotated_secret_signs_beside_the_previous_one_during_the_grace,
    |b| {
        let h = Harness::start_with(b, PRIVATE_TARGETS).await;
        let (srv, got) = receiver(0);
        let (corr, sub, old, res) =
            bailleur_with_webhook(&h, &srv.url("/hook"), json!(["incident.created"])).await;
        let path = format!("/api/v1/webhooks/{sub}/secret-rotation");
        // Reading never shows a secret.
        let read = h.get(&format!("/api/v1/webhooks/{sub}"), &corr).await;
        assert_eq!(read.body.get("secret"), None);
        assert_eq!(read.body.get("standard_secret"), None);
        let etag = read.header("etag").unwrap();
        // Only the organisation's admin or integration; an unknown grace is refused.
        let admin = h.admin().await;
        let orgs = h.get("/api/v1/organisations", &admin).await;
        let org = orgs.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "A")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let staff = h.member(&admin, &org, "a.staff", &["staff"]).await;
        h.post(&path, &staff, &json!({}))
            .await
            .expect(403, Some("forbidden"));
        h.post(&path, &corr, &json!({"grace_hours": 500}))
            .await
            .expect(422, Some("validation_failed"));
        // Rotation with the default grace: the new secret shown once, the previous one's end given.
        let rotated = h
            .send(
                "POST",
                &path,
                Some(&corr),
                &[("content-type", "application/json"), ("if-match", &etag)],
                Some(b"{}".to_vec()),
            )
            .await;
        rotated.expect(200, None);
        let new = rotated.body["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        let until = chrono::DateTime::parse_from_rfc3339(
            rotated.body["previous_secret_expires_at"].as_str().unwrap(),
        )
        .unwrap();
        let hours = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
        assert!((23 * 60..=24 * 60).contains(&hours), "{hours} minutes");
        // A stale If-Match is refused.
        h.send(
            "POST",
            &path,
            Some(&corr),
            &[("content-type", "application/json"), ("if-match", &etag)],
            Some(b"{}".to_vec()),
        )
        .await
        .expect(412, Some("precondition_failed"));
        // During the grace, each delivery is signed by both secrets in both schemes.
        h.post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
            .await
            .expect(201, None);
        let cfg = fast();
        rounds(&h, &cfg, || !got.lock().unwrap().is_empty()).await;
        let first = got.lock().unwrap()[0].clone();
        assert!(
            first.signed_by(&new) && first.signed_by(&old),
            "{}",
            first.signature
        );
        assert!(first.verify_standard(&vigie_app::deliveries::standard_secret(&new)));
        assert!(first.verify_standard(&vigie_app::deliveries::standard_secret(&old)));
        // A rotation without grace: only the newest secret signs; the audit trail has both rotations.
        let again = h
            .post(
                &path,
                &corr,
                &json!({"grace_hours": 0, "secret": "n".repeat(40)}),
            )
            .await;
        again.expect(200, None);
        assert_eq!(again.body.get("previous_secret_expires_at"), None);
        h.post("/api/v1/incidents", &corr, &incident_body(&res, "dumping"))
            .await
            .expect(201, None);
        rounds(&h, &cfg, || got.lock().unwrap().len() >= 2).await;
        let second = got.lock().unwrap()[1].clone();
        assert!(second.signed_by(&"n".repeat(40)));
        assert!(!second.signed_by(&new) && !second.signed_by(&old));
        assert!(!second.verify_standard(&vigie_app::deliveries::standard_secret(&new)));
        let audit = h
            .get(
                "/api/v1/audit?action=webhook_subscription.secret_rotated",
                &admin,
            )
            .await;
        assert_eq!(
            audit.body["items"].as_array().map(Vec::len),
            Some(2),
            "{}",
            audit.text
        );
        assert!(
            !audit.text.contains(&new),
            "the audit trail never holds a secret"
        );
    }
);

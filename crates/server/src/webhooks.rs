//! The webhook worker: turns new feed events into deliveries, sends due deliveries signed with
//! HMAC-SHA256, and records each attempt with exponential backoff. Several server processes may run
//! it on one PostgreSQL: enqueuing locks the subscription row and claiming skips locked deliveries,
//! so a delivery is sent by one process at a time (at least once overall: a receiver that answers
//! after the time-out may get it again, with the same `Vigie-Event-Id`).

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use vigie_store::events::FeedScope;
use vigie_store::webhooks::{self as repo, Attempt, Claimed};
use vigie_store::{Store, StoreError, StoreResult};

use crate::settings::Settings;

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub retry_base: Duration,
    pub retry_window: chrono::Duration,
    pub timeout: Duration,
    /// Events turned into deliveries per subscription and round.
    pub batch: i64,
    /// Deliveries claimed per round.
    pub claim: i64,
}

impl WebhookConfig {
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            retry_base: Duration::from_millis(s.webhook_retry_base_ms),
            retry_window: chrono::Duration::hours(
                i64::try_from(s.webhook_retry_window_hours).unwrap_or(26),
            ),
            timeout: Duration::from_secs(s.webhook_timeout_secs),
            batch: 500,
            claim: 50,
        }
    }
}

/// `hex(HMAC-SHA256(secret, "<timestamp>.<body>"))`: what `Vigie-Signature: t=…,v1=…` carries.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The delay before attempt `attempts + 1`: the base doubled per attempt made, at most one hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.max(1) - 1).unwrap_or(u32::MAX));
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// Enqueues new events for every active subscription, then claims due deliveries.
fn prepare(store: &Store, cfg: &WebhookConfig) -> StoreResult<Vec<Claimed>> {
    let ids = store.with_conn(repo::active_subscription_ids)?;
    for id in ids {
        store.write(|conn| {
            let Some(sub) = repo::get_subscription(conn, &id)? else {
                return Ok(0);
            };
            // Webhooks carry no restricted event (radicalisation signals stay with the correspondent).
            match FeedScope::of_org(conn, &sub.org_id, false)? {
                Some(scope) => repo::enqueue(conn, &id, &scope, cfg.batch),
                None => Ok(0),
            }
        })?;
    }
    store.write(|conn| repo::claim_due(conn, chrono::Duration::seconds(60), cfg.claim))
}

fn payload(c: &Claimed) -> Vec<u8> {
    let e = &c.event;
    serde_json::json!({
        "id": e.id,
        "seq": e.seq,
        "type": e.event_type,
        "resource_type": e.resource_type,
        "resource_id": e.resource_id,
        "data": serde_json::from_str::<serde_json::Value>(&e.data).unwrap_or_default(),
        "occurred_at": e.created_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    })
    .to_string()
    .into_bytes()
}

async fn send(client: &awc::Client, c: &Claimed, cfg: &WebhookConfig) -> Attempt {
    let body = payload(c);
    let t = chrono::Utc::now().timestamp();
    let sig = signature(&c.subscription.secret, t, &body);
    let res = client
        .post(&c.subscription.url)
        .timeout(cfg.timeout)
        .insert_header(("content-type", "application/json"))
        .insert_header(("vigie-event-id", c.event.id.as_str()))
        .insert_header(("vigie-event-type", c.event.event_type.as_str()))
        .insert_header(("vigie-delivery-id", c.delivery.id.as_str()))
        .insert_header(("vigie-signature", format!("t={t},v1={sig}")))
        .send_body(body)
        .await;
    let (status_code, error) = match res {
        Ok(r) if r.status().is_success() => {
            return Attempt::Delivered {
                status_code: r.status().as_u16(),
            };
        }
        Ok(r) => (
            Some(r.status().as_u16()),
            format!("the receiver answered {}", r.status()),
        ),
        Err(e) => (None, e.to_string()),
    };
    let now = vigie_store::now();
    let delay = chrono::Duration::from_std(backoff(cfg.retry_base, c.delivery.attempts + 1))
        .unwrap_or(chrono::Duration::hours(1));
    let retry_at = now + delay;
    Attempt::Failed {
        status_code,
        error,
        retry_at: (retry_at <= c.delivery.created_at + cfg.retry_window).then_some(retry_at),
    }
}

/// One round: enqueue, claim, send, record. Returns how many deliveries were attempted.
pub async fn run_once(
    store: &Store,
    client: &awc::Client,
    cfg: &WebhookConfig,
) -> Result<usize, StoreError> {
    let (s, c) = (store.clone(), cfg.clone());
    let claimed = actix_web::web::block(move || prepare(&s, &c))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))??;
    let n = claimed.len();
    let attempts =
        futures_util::future::join_all(claimed.iter().map(|c| send(client, c, cfg))).await;
    let s = store.clone();
    let ids: Vec<String> = claimed.into_iter().map(|c| c.delivery.id).collect();
    actix_web::web::block(move || {
        s.write(|conn| {
            for (id, a) in ids.iter().zip(attempts) {
                repo::record_attempt(conn, id, a)?;
            }
            Ok(())
        })
    })
    .await
    .map_err(|e| StoreError::Unavailable(e.to_string()))??;
    Ok(n)
}

/// Runs rounds forever, every `poll` (at once again when a round was full).
pub async fn run(store: Store, cfg: WebhookConfig, poll: Duration) {
    let client = awc::Client::builder().timeout(cfg.timeout).finish();
    loop {
        match run_once(&store, &client, &cfg).await {
            Ok(n) if n as i64 >= cfg.claim => continue,
            Ok(_) => {}
            Err(e) => log::warn!("webhook round failed: {e}"),
        }
        actix_web::rt::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 5), Duration::from_secs(480));
        assert_eq!(backoff(base, 40), Duration::from_secs(3600));
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_and_body() {
        // RFC 4231 test case 2 shape: key "Jefe", message "what do ya want for nothing?".
        let s = signature("Jefe", 0, b"what do ya want for nothing?");
        assert_eq!(s.len(), 64);
        assert_ne!(s, signature("Jefe", 1, b"what do ya want for nothing?"));
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"0.what do ya want for nothing?");
        assert_eq!(s, hex::encode(mac.finalize().into_bytes()));
    }
}

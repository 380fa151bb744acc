//! The webhook worker's use cases: turning new feed events into deliveries for each subscription
//! (through the feed's own scope, without restricted events), claiming the due ones, and recording
//! each attempt with exponential backoff. Sending them over the network is the worker's business.
//! Several processes may run it on one PostgreSQL: enqueuing locks the subscription row and claiming
//! skips locked deliveries, so a delivery is sent by one process at a time.

use std::time::Duration;

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use vigie_store::events::FeedScope;
use vigie_store::webhooks::{self as repo, Attempt, Claimed};

use crate::context::App;
use crate::error::AppResult;

/// How deliveries are batched and retried.
#[derive(Debug, Clone)]
pub struct DeliveryPolicy {
    /// The first retry's delay, doubled per attempt (at most one hour).
    pub retry_base: Duration,
    /// How long after the event a delivery is still retried.
    pub retry_window: chrono::Duration,
    /// Events turned into deliveries per subscription and round.
    pub batch: i64,
    /// Deliveries claimed per round.
    pub claim: i64,
}

/// A delivery to send: where, what, and the headers that sign and identify it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: String,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    attempts: i64,
    created_at: NaiveDateTime,
}

/// What the receiver did with a delivery.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status_code: u16 },
    /// Another answer, or none (`status_code` absent); `reason` goes to the delivery log.
    Failed {
        status_code: Option<u16>,
        reason: String,
    },
}

/// How far a delivery's timestamp may be from the receiver's clock before the receiver should
/// refuse it as a replay (both signature schemes sign the timestamp). Standard Webhooks' default.
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

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

/// The delay before the next attempt of delivery `id`: the backoff, spread by ±20 % so that the
/// deliveries that failed together (a receiver's outage) are not all retried at the same instant.
/// The spread is derived from the delivery's id: the same delivery always gets the same delay.
pub fn jittered_backoff(base: Duration, attempts: i64, id: &str) -> Duration {
    use sha2::Digest;
    let d = backoff(base, attempts);
    let h = sha2::Sha256::digest(id.as_bytes());
    // A fraction in [0, 1) from the first two bytes of the hash.
    let unit = f64::from(u16::from_be_bytes([h[0], h[1]])) / 65536.0;
    d.mul_f64(0.8 + 0.4 * unit)
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

/// The Standard Webhooks signature (`webhook-signature: v1,<this>`):
/// `base64(HMAC-SHA256(secret, "<id>.<timestamp>.<body>"))`.
pub fn standard_signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    use base64::Engine;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC key");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The secret as Standard Webhooks libraries take it: `whsec_` and the key's bytes in base64.
pub fn standard_secret(secret: &str) -> String {
    use base64::Engine;
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(secret.as_bytes())
    )
}

/// The secrets that sign a delivery sent at `now`: the current one, and the previous one during
/// its grace period after a rotation.
fn signing_secrets(sub: &vigie_store::webhooks::SubscriptionRow, now: NaiveDateTime) -> Vec<&str> {
    let mut out = vec![sub.secret.as_str()];
    if let (Some(previous), Some(until)) = (&sub.previous_secret, sub.previous_secret_expires_at)
        && until > now
    {
        out.push(previous);
    }
    out
}

/// The headers that sign a delivery, in both schemes: Vigie's (`Vigie-Signature: t=…,v1=…[,v1=…]`)
/// and Standard Webhooks' (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,… [v1,…]`),
/// one signature per secret in force.
pub fn signing_headers(
    secrets: &[&str],
    event_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let vigie: Vec<String> = secrets
        .iter()
        .map(|s| format!("v1={}", signature(s, timestamp, body)))
        .collect();
    let standard: Vec<String> = secrets
        .iter()
        .map(|s| format!("v1,{}", standard_signature(s, event_id, timestamp, body)))
        .collect();
    vec![
        (
            "vigie-signature",
            format!("t={timestamp},{}", vigie.join(",")),
        ),
        ("webhook-id", event_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", standard.join(" ")),
    ]
}

fn outgoing(c: Claimed) -> Outgoing {
    let body = payload(&c);
    let now = chrono::Utc::now();
    let t = now.timestamp();
    let secrets = signing_secrets(&c.subscription, now.naive_utc());
    let mut headers = vec![
        ("content-type", "application/json".into()),
        ("vigie-event-id", c.event.id.clone()),
        ("vigie-event-type", c.event.event_type.clone()),
        ("vigie-delivery-id", c.delivery.id.clone()),
    ];
    headers.extend(signing_headers(&secrets, &c.event.id, t, &body));
    Outgoing {
        headers,
        body,
        delivery_id: c.delivery.id,
        url: c.subscription.url,
        attempts: c.delivery.attempts,
        created_at: c.delivery.created_at,
    }
}

/// Enqueues new events for every active subscription, then claims the due deliveries (for a
/// lease of 60 s: another worker takes them over after that).
pub async fn due(app: &App, policy: &DeliveryPolicy) -> AppResult<Vec<Outgoing>> {
    let store = app.store.clone();
    let policy = policy.clone();
    app.db(move |_| {
        let ids = store.with_conn(repo::active_subscription_ids)?;
        for id in ids {
            store.write(|conn| {
                let Some(sub) = repo::get_subscription(conn, &id)? else {
                    return Ok(0);
                };
                // The feed's own scope; webhooks carry no restricted event (radicalisation signals
                // stay with the correspondent).
                match FeedScope::of_org(conn, &sub.org_id, false)? {
                    Some(scope) => repo::enqueue(conn, &id, &scope, policy.batch),
                    None => Ok(0),
                }
            })?;
        }
        let claimed = store
            .write(|conn| repo::claim_due(conn, chrono::Duration::seconds(60), policy.claim))?;
        Ok(claimed.into_iter().map(outgoing).collect())
    })
    .await
}

/// Records what became of each delivery sent: delivered, retried later, or given up after the
/// retry window.
pub async fn record(
    app: &App,
    policy: &DeliveryPolicy,
    results: Vec<(Outgoing, Outcome)>,
) -> AppResult<()> {
    let policy = policy.clone();
    app.tx(move |conn| {
        for (o, outcome) in results {
            let attempt = match outcome {
                Outcome::Delivered { status_code } => Attempt::Delivered { status_code },
                Outcome::Failed {
                    status_code,
                    reason,
                } => {
                    let delay = chrono::Duration::from_std(jittered_backoff(
                        policy.retry_base,
                        o.attempts + 1,
                        &o.delivery_id,
                    ))
                    .unwrap_or(chrono::Duration::hours(1));
                    let retry_at = vigie_store::now() + delay;
                    Attempt::Failed {
                        status_code,
                        error: reason,
                        retry_at: (retry_at <= o.created_at + policy.retry_window)
                            .then_some(retry_at),
                    }
                }
            };
            repo::record_attempt(conn, &o.delivery_id, attempt)?;
        }
        Ok(())
    })
    .await
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
    fn retries_are_spread_around_the_backoff_and_stable_per_delivery() {
        let base = Duration::from_secs(100);
        let delays: Vec<Duration> = (0..50)
            .map(|i| jittered_backoff(base, 1, &format!("delivery-{i}")))
            .collect();
        assert!(
            delays
                .iter()
                .all(|d| *d >= Duration::from_secs(80) && *d < Duration::from_secs(120))
        );
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(distinct.len() > 40, "spread: {}", distinct.len());
        assert_eq!(
            jittered_backoff(base, 3, "same"),
            jittered_backoff(base, 3, "same")
        );
    }

    #[test]
    fn both_schemes_sign_with_every_secret_in_force() {
        let h = signing_headers(&["new-secret", "old-secret"], "evt_1", 1_700_000_000, b"{}");
        let get = |n: &str| {
            h.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(
            get("vigie-signature"),
            format!(
                "t=1700000000,v1={},v1={}",
                signature("new-secret", 1_700_000_000, b"{}"),
                signature("old-secret", 1_700_000_000, b"{}")
            )
        );
        let standard = get("webhook-signature");
        let parts: Vec<&str> = standard.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0],
            format!(
                "v1,{}",
                standard_signature("new-secret", "evt_1", 1_700_000_000, b"{}")
            )
        );
        assert_eq!(get("webhook-id"), "evt_1");
        assert_eq!(get("webhook-timestamp"), "1700000000");
        assert_eq!(standard_secret("abc"), "whsec_YWJj");
    }

    #[test]
    fn the_previous_secret_signs_only_during_its_grace_period() {
        let at = |h: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let sub = vigie_store::webhooks::SubscriptionRow {
            id: "s".into(),
            org_id: "o".into(),
            url: "https://erp.example/hook".into(),
            event_types: "[]".into(),
            secret: "new".into(),
            active: true,
            last_enqueued_seq: 0,
            previous_secret: Some("old".into()),
            previous_secret_expires_at: Some(at(12)),
            created_by: "x".into(),
            version: 2,
            created_at: at(0),
            updated_at: at(0),
        };
        assert_eq!(signing_secrets(&sub, at(11)), vec!["new", "old"]);
        assert_eq!(signing_secrets(&sub, at(12)), vec!["new"]);
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_and_body() {
        let s = signature("Jefe", 0, b"what do ya want for nothing?");
        assert_eq!(s.len(), 64);
        assert_ne!(s, signature("Jefe", 1, b"what do ya want for nothing?"));
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"0.what do ya want for nothing?");
        assert_eq!(s, hex::encode(mac.finalize().into_bytes()));
    }
}

//! The webhook worker: each round takes the due deliveries from the application
//! (`vigie_app::deliveries`: enqueued from the feed, signed with HMAC-SHA256), sends them, and
//! gives back what the receivers answered. A delivery is sent at least once overall: a receiver
//! that answers after the time-out may get it again, with the same `Vigie-Event-Id`.

use std::time::Duration;

use vigie_app::deliveries::{self, DeliveryPolicy, Outcome, Outgoing};
use vigie_app::{App, AppResult};

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

impl WebhookConfig {
    fn policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            retry_base: self.retry_base,
            retry_window: self.retry_window,
            batch: self.batch,
            claim: self.claim,
        }
    }
}

/// Sends one delivery. The log keeps a reason, never the receiver's answer body.
async fn send(client: &awc::Client, o: &Outgoing, cfg: &WebhookConfig) -> Outcome {
    let mut req = client.post(&o.url).timeout(cfg.timeout);
    for (name, value) in &o.headers {
        req = req.insert_header((*name, value.as_str()));
    }
    match req.send_body(o.body.clone()).await {
        Ok(r) if r.status().is_success() => Outcome::Delivered {
            status_code: r.status().as_u16(),
        },
        Ok(r) => Outcome::Failed {
            status_code: Some(r.status().as_u16()),
            reason: format!("the receiver answered {}", r.status()),
        },
        Err(e) => Outcome::Failed {
            status_code: None,
            reason: e.to_string(),
        },
    }
}

/// One round: enqueue, claim, send, record. Returns how many deliveries were attempted.
pub async fn run_once(app: &App, client: &awc::Client, cfg: &WebhookConfig) -> AppResult<usize> {
    let policy = cfg.policy();
    let due = deliveries::due(app, &policy).await?;
    let n = due.len();
    let outcomes = futures_util::future::join_all(due.iter().map(|o| send(client, o, cfg))).await;
    deliveries::record(app, &policy, due.into_iter().zip(outcomes).collect()).await?;
    Ok(n)
}

/// Runs rounds forever, every `poll` (at once again when a round was full).
pub async fn run(app: App, cfg: WebhookConfig, poll: Duration) {
    let client = awc::Client::builder().timeout(cfg.timeout).finish();
    loop {
        match run_once(&app, &client, &cfg).await {
            Ok(n) if n as i64 >= cfg.claim => continue,
            Ok(_) => {}
            Err(e) => log::warn!("webhook round failed: {e}"),
        }
        actix_web::rt::time::sleep(poll).await;
    }
}
pub use vigie_app::deliveries::signature;

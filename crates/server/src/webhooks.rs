//! The webhook worker: each round takes the due deliveries from the application
//! (`vigie_app::deliveries`: enqueued from the feed, signed with HMAC-SHA256), sends them, and
//! gives back what the receivers answered. A delivery is sent at least once overall: a receiver
//! that answers after the time-out may get it again, with the same `Vigie-Event-Id`.
//!
//! Deliveries go only where `vigie_app::webhook_target` allows: the URL is checked again before
//! each attempt, and names are resolved by [`GuardedResolver`], which refuses a name with any
//! address inside, so the address connected to is the one checked. Redirects are not followed.
//! The delivery log keeps a generic reason (timeout, refused, TLS, status N), never the network
//! error itself, so that it cannot be used to map ports.

use std::net::SocketAddr;
use std::time::Duration;

use actix_tls::connect::{Connector as TcpConnector, Resolve, Resolver};
use awc::error::{ConnectError, SendRequestError};
use futures_util::future::LocalBoxFuture;
use vigie_app::webhook_target::{self, Refusal};

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

/// Resolves receivers' names, refusing a name if any of its addresses is one the policy refuses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            for a in &addrs {
                webhook_target::check_ip(a.ip(), self.allow_private)?;
            }
            Ok(addrs)
        })
    }
}

/// The worker's HTTP client: the guarded resolver, no redirects, the delivery time-out.
pub fn client(app: &App, cfg: &WebhookConfig) -> awc::Client {
    let resolver = GuardedResolver {
        allow_private: app.security().webhook_allow_private,
    };
    let connector = awc::Connector::new()
        .connector(TcpConnector::new(Resolver::custom(resolver)).service())
        .timeout(cfg.timeout);
    awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(cfg.timeout)
        .finish()
}

/// What the delivery log says about a request that got no answer: coarse on purpose.
fn reason_of(e: &SendRequestError) -> &'static str {
    match e {
        SendRequestError::Timeout => "timeout",
        SendRequestError::Connect(ConnectError::Resolver(inner))
            if inner.downcast_ref::<Refusal>().is_some() =>
        {
            "refused: the target address is not allowed"
        }
        SendRequestError::Connect(ConnectError::Resolver(_) | ConnectError::NoRecords) => {
            "DNS resolution failed"
        }
        SendRequestError::Connect(ConnectError::Timeout) => "timeout",
        SendRequestError::Connect(ConnectError::SslError(_)) => "TLS error",
        SendRequestError::Connect(_) => "refused: no connection",
        _ => "the receiver's answer could not be read",
    }
}

/// Sends one delivery. The log keeps a reason, never the receiver's answer body.
async fn send(app: &App, client: &awc::Client, o: &Outgoing, cfg: &WebhookConfig) -> Outcome {
    if let Err(r) = webhook_target::check_url(&o.url, app.security().webhook_allow_private) {
        return Outcome::Failed {
            status_code: None,
            reason: format!("refused: {r}"),
        };
    }
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
            reason: format!("status {}", r.status().as_u16()),
        },
        Err(e) => Outcome::Failed {
            status_code: None,
            reason: reason_of(&e).to_owned(),
        },
    }
}

/// One round: enqueue, claim, send, record. Returns how many deliveries were attempted.
pub async fn run_once(app: &App, client: &awc::Client, cfg: &WebhookConfig) -> AppResult<usize> {
    let policy = cfg.policy();
    let due = deliveries::due(app, &policy).await?;
    let n = due.len();
    let outcomes =
        futures_util::future::join_all(due.iter().map(|o| send(app, client, o, cfg))).await;
    deliveries::record(app, &policy, due.into_iter().zip(outcomes).collect()).await?;
    Ok(n)
}

/// Runs rounds forever, every `poll` (at once again when a round was full).
pub async fn run(app: App, cfg: WebhookConfig, poll: Duration) {
    let client = client(&app, &cfg);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A name is judged by the addresses it resolves to: `localhost` is not refused for its name
    /// here but for resolving to the loopback.
    #[actix_web::test]
    async fn the_resolver_refuses_a_name_that_resolves_inside() {
        let strict = GuardedResolver {
            allow_private: false,
        };
        let err = strict.lookup("localhost", 80).await.expect_err("refused");
        assert!(err.downcast_ref::<Refusal>().is_some(), "{err}");
        let open = GuardedResolver {
            allow_private: true,
        };
        let addrs = open.lookup("localhost", 80).await.expect("resolved");
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }
}

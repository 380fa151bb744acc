//! The `vigie` server: settings, start-up, demo data and the HTTP server. The binary's `main` only
//! parses the command line; integration tests build the same state through [`startup`].

pub mod bench;
pub mod demo;
pub mod import_cli;
pub mod settings;
pub mod startup;
pub mod webhooks;

use std::time::Duration;

use actix_web::HttpServer;
use vigie_api::build_app;

use crate::settings::Settings;
use crate::startup::StartError;

/// Prepares the database and serves until SIGTERM or Ctrl-C (requests in flight get
/// `VIGIE_SHUTDOWN_TIMEOUT_SECS` to finish).
pub async fn serve(settings: Settings, demo: bool) -> Result<(), StartError> {
    let store = startup::open_store(&settings)?;
    startup::load_reference(&store)?;
    if let Some(b) = startup::bootstrap_admin(&store, &settings)? {
        match b.client_secret {
            Some(secret) => println!(
                "\nFirst start: created the platform admin API client. Its secret is shown only now:\n  client_id:     {}\n  client_secret: {secret}\nGet a token:\n  curl -s -X POST http://{}/api/v1/auth/token -d grant_type=client_credentials -d client_id={} -d client_secret={secret}\n",
                b.client_id, settings.bind, b.client_id
            ),
            None => println!(
                "First start: created the platform admin API client `{}` from VIGIE_BOOTSTRAP_CLIENT_ID.",
                b.client_id
            ),
        }
    }
    if demo {
        let summary = demo::load(&store)?;
        println!(
            "\nDemo data loaded. People (password `{}`):",
            summary.password
        );
        for (login, org, roles) in &summary.people {
            println!("  {login:<22} {roles:<34} {org}");
        }
        for (id, secret) in &summary.clients {
            println!("  API client {id} / secret {secret}");
        }
        println!();
    }
    let state = startup::app_state(&settings, store)?;
    if demo {
        // Through the use cases, like any client: one PV, slip and complaint to print.
        match demo::record_documents(&state.app, state.app.store()).await {
            Ok(Some(d)) => println!(
                "Demo documents (HTML, or PDF with `Accept: application/pdf`, as demo.correspondant):\n  PV         {}\n  slip       {}\n  complaint  {}\n",
                d.pv, d.slip, d.complaint
            ),
            Ok(None) => {}
            Err(e) => log::warn!("demo documents not recorded: {e}"),
        }
    }
    // Imports whose process stopped (this one before a restart, or a replica that died) are
    // marked interrupted once their owner has been silent for a lease; a live replica's are left
    // to it. Every process beats for its own running jobs.
    let jobs = state.app.clone();
    let lease = Duration::from_secs(settings.job_lease_secs);
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(lease / 4);
        loop {
            tick.tick().await;
            if let Err(e) = vigie_app::imports::beat(&jobs).await {
                log::warn!("import heartbeat: {e}");
            }
            match vigie_app::imports::take_over_stale(&jobs, lease).await {
                Ok(0) => {}
                Ok(n) => {
                    log::warn!("{n} imports whose server stopped beating were marked interrupted")
                }
                Err(e) => log::warn!("import take-over: {e}"),
            }
        }
    });
    actix_web::rt::spawn(webhooks::run(
        state.app.clone(),
        webhooks::WebhookConfig::from_settings(&settings),
        Duration::from_millis(settings.webhook_poll_ms.max(50)),
    ));
    let housekeeping = state.clone();
    let journal_days = settings.access_journal_retention_days;
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            housekeeping.rate_limiter.shrink();
            housekeeping.token_rate_limiter.shrink();
            match vigie_app::idempotency::purge_expired(&housekeeping.app).await {
                Ok(n) if n > 0 => log::info!(
                    "forgot {n} idempotency keys older than {} h",
                    vigie_app::idempotency::RETENTION_HOURS
                ),
                Ok(_) => {}
                Err(e) => log::warn!("idempotency key purge failed: {e}"),
            }
            match vigie_app::access_journal::purge(&housekeeping.app, journal_days).await {
                Ok(n) if n > 0 => {
                    log::info!("purged {n} access journal entries older than {journal_days} days")
                }
                Ok(_) => {}
                Err(e) => log::warn!("access journal purge failed: {e}"),
            }
            match vigie_app::prescriptions::alert_due(&housekeeping.app).await {
                Ok(n) if n > 0 => log::info!("alerted {n} incidents about to be prescribed"),
                Ok(_) => {}
                Err(e) => log::warn!("prescription alerts failed: {e}"),
            }
            match vigie_app::retention::run::daily(&housekeeping.app).await {
                Ok(Some(r)) => log::info!(
                    "retention run {}: {} examined, {} anonymised",
                    r.id,
                    r.examined,
                    r.anonymised
                ),
                Ok(None) => {}
                Err(e) => log::warn!("retention run failed: {e}"),
            }
            match vigie_app::injunctions::alert_due_deadlines(&housekeeping.app).await {
                Ok(n) if n > 0 => log::info!("alerted {n} injunction deadlines"),
                Ok(_) => {}
                Err(e) => log::warn!("injunction deadline alerts failed: {e}"),
            }
        }
    });
    let mut server = HttpServer::new(move || build_app(state.clone()))
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .bind(&settings.bind)
        .map_err(|e| StartError::Config(format!("cannot listen on {}: {e}", settings.bind)))?;
    if let Some(n) = settings.workers {
        server = server.workers(n.max(1));
    }
    log::info!(
        "Vigie listening on http://{} (Swagger UI at /docs/)",
        settings.bind
    );
    server
        .run()
        .await
        .map_err(|e| StartError::Config(format!("server: {e}")))
}

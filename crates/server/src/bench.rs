//! Support for `make bench`: seeding a large data set and measuring the raw single-row insert rate of
//! the database, so that the API's figures can be compared with the ceiling of the same rows.

use std::time::{Duration, Instant};

use chrono::{Duration as Span, Utc};
use vigie_domain::incident::Category;
use vigie_domain::{OrgKind, Role};
use vigie_store::audit::Actor;
use vigie_store::incidents::{self, IncidentRow};
use vigie_store::organisations::{self, NewOrganisation};
use vigie_store::principals::{self, NewPrincipal, PrincipalKind};
use vigie_store::residences::{self, ResidenceData};
use vigie_store::{Store, StoreError};

pub struct Seeded {
    pub org_id: String,
    pub residence_ids: Vec<String>,
}

/// Creates a bailleur with 20 residences and an integration client, then `count` incidents spread
/// over two years, categories and residences (inserted without audit: this is a fixture, not usage).
pub fn seed(
    store: &Store,
    count: usize,
    client_id: &str,
    client_secret: &str,
) -> Result<Seeded, StoreError> {
    let actor = Actor::system();
    let (org_id, residence_ids) = store.write(|conn| {
        let org = organisations::create(
            conn,
            &actor,
            NewOrganisation {
                kind: OrgKind::Bailleur,
                name: "Bench Habitat".into(),
                siren: Some("999123458".into()),
                circonscription_code: None,
                contact_email: None,
                address: None,
            },
        )?;
        principals::create(
            conn,
            &actor,
            NewPrincipal {
                kind: PrincipalKind::ApiClient,
                org_id: org.id.clone(),
                login: client_id.into(),
                display_name: "bench".into(),
                email: None,
                secret: client_secret.into(),
                roles: vec![Role::Integration, Role::Correspondent],
            },
        )?;
        let communes = ["92050", "92023", "92071", "92002", "92012"];
        let mut ids = vec![];
        for i in 0..20 {
            let data = ResidenceData {
                name: format!("Résidence {i}"),
                address: format!("{i} rue du Banc d'essai"),
                insee_code: communes[i % communes.len()].into(),
                buildings: "[]".into(),
                qpv: i % 2 == 0,
                guarded_l271_1: false,
            };
            ids.push(
                residences::upsert(conn, &actor, &org.id, &format!("R{i}"), data)?
                    .0
                    .id,
            );
        }
        Ok((org.id, ids))
    })?;
    let start = Utc::now().naive_utc() - Span::days(730);
    let mut batch = Vec::with_capacity(10_000);
    for n in 0..count {
        let mut row = IncidentRow::blank(&org_id, &residence_ids[n % residence_ids.len()]);
        let category = Category::ALL[n % Category::ALL.len()];
        row.category = category.as_str().into();
        row.restricted = category.is_restricted();
        row.narrative =
            format!("Incident de référence numéro {n}, constaté dans les parties communes.");
        row.occurred_at = start + Span::seconds((n as i64 * 63_072_000) / count.max(1) as i64);
        row.insee_code =
            ["92050", "92023", "92071", "92002", "92012"][(n % residence_ids.len()) % 5].into();
        row.circonscription_code = Some(format!("CSP-{}", row.insee_code));
        row.status = ["reported", "qualified", "actioned", "closed"][n % 4].into();
        batch.push(row);
        if batch.len() == 10_000 || n + 1 == count {
            store.write(|conn| incidents::insert_many_unaudited(conn, &batch))?;
            batch.clear();
        }
    }
    // A production database has planner statistics (autovacuum); a freshly bulk-loaded one has none
    // until autovacuum wakes up, and the planner then guesses badly.
    store.analyze()?;
    Ok(Seeded {
        org_id,
        residence_ids,
    })
}

/// Inserts one incident row per transaction for `duration`, from `threads` connections, and returns
/// rows per second: the database's own ceiling for what `POST /incidents` writes (one row).
pub fn raw_insert_rate(
    store: &Store,
    org_id: &str,
    residence_id: &str,
    duration: Duration,
    threads: usize,
) -> Result<f64, StoreError> {
    let started = Instant::now();
    let total: Result<Vec<usize>, StoreError> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| -> Result<usize, StoreError> {
                    let mut conn = store.pool().get()?;
                    let mut n = 0;
                    while started.elapsed() < duration {
                        let mut row = IncidentRow::blank(org_id, residence_id);
                        row.category = "dumping".into();
                        row.narrative = "Dépôt sauvage devant le local poubelles.".into();
                        row.insee_code = "92050".into();
                        row.circonscription_code = Some("CSP-92050".into());
                        store.write_on(&mut conn, |c| {
                            incidents::insert_many_unaudited(c, std::slice::from_ref(&row))
                        })?;
                        n += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Ok(0)))
            .collect()
    });
    let rows: usize = total?.into_iter().sum();
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// Writes a CSV of `rows` incidents for `POST /imports`, spread over the seeded residences (`R0`…
/// `R19`), two categories and a year of dates, each with one qualification.
pub fn import_file(rows: usize, out: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(
        f,
        "external_ref;residence_ref;occurred_at;category;narrative;offence_codes"
    )?;
    let start = Utc::now() - Span::days(365);
    for i in 0..rows {
        let at = start + Span::seconds((i as i64 * 31_536_000) / rows.max(1) as i64);
        let (category, code) = if i % 2 == 0 {
            ("dumping", "CP-R634-2")
        } else {
            ("hall_occupation", "CSI-L272-4")
        };
        writeln!(
            f,
            "BENCH-IMPORT-{i:07};R{};{};{category};Faits importés numéro {i}, constatés dans les parties communes.;{code}",
            i % 20,
            at.format("%Y-%m-%dT%H:%M:%SZ"),
        )?;
    }
    f.flush()
}

/// The raw ceiling for the rows of [`import_file`]: the same incident rows written by the
/// database's bulk path in one transaction (PostgreSQL COPY, SQLite multi-row inserts); rows/s.
pub fn raw_bulk_rate(
    store: &Store,
    org_id: &str,
    residence_ids: &[String],
    rows: usize,
) -> Result<f64, StoreError> {
    let start = Utc::now().naive_utc() - Span::days(365);
    let batch: Vec<IncidentRow> = (0..rows)
        .map(|i| {
            let mut row = IncidentRow::blank(org_id, &residence_ids[i % residence_ids.len()]);
            row.category = if i % 2 == 0 {
                "dumping"
            } else {
                "hall_occupation"
            }
            .into();
            row.narrative =
                format!("Faits importés numéro {i}, constatés dans les parties communes.");
            row.occurred_at = start + Span::seconds((i as i64 * 31_536_000) / rows.max(1) as i64);
            row.external_ref = Some(format!("BENCH-RAW-{i:07}"));
            row.insee_code = "92050".into();
            row.circonscription_code = Some("CSP-92050".into());
            row
        })
        .collect();
    let started = Instant::now();
    store.write(|conn| incidents::copy_in(conn, &batch))?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

//! Bulk imports: 100 000 rows, idempotent re-imports, per-row errors for every kind of bad row,
//! both modes and dry runs, NDJSON, and a server killed mid-import.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

const HEADER: &str = "external_ref;residence_ref;occurred_at;category;narrative;offence_codes\n";

fn csv(rows: impl Iterator<Item = String>) -> Vec<u8> {
    let mut out = HEADER.as_bytes().to_vec();
    for r in rows {
        out.extend_from_slice(r.as_bytes());
        out.push(b'\n');
    }
    out
}

fn good_rows(n: usize) -> Vec<u8> {
    csv((0..n).map(|i| {
        format!(
            "ERP-{i:06};RES-1;2026-{:02}-{:02}T21:40:00Z;dumping;Dépôt de sacs n°{i} devant l'entrée;CP-R634-2",
            i % 9 + 1,
            i % 28 + 1
        )
    }))
}

async fn post_import(h: &Harness, token: &str, query: &str, ctype: &str, body: Vec<u8>) -> Answer {
    h.send(
        "POST",
        &format!("/api/v1/imports{query}"),
        Some(token),
        &[("content-type", ctype)],
        Some(body),
    )
    .await
}

/// Posts and waits for the job to end; returns the final job.
pub async fn import(h: &Harness, token: &str, query: &str, body: Vec<u8>) -> Value {
    let a = post_import(h, token, query, "text/csv", body).await;
    a.expect(202, None);
    let path = a.header("location").unwrap();
    for _ in 0..6000 {
        let j = h.get(&path, token).await;
        let status = j.body["status"].as_str().unwrap().to_owned();
        if !["queued", "running"].contains(&status.as_str()) {
            return j.body;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

async fn setup(h: &Harness) -> String {
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    h.residence(&corr, "RES-1", "92050").await;
    corr
}

fn count(h: &Harness, sql_table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let q = format!("SELECT COUNT(*) AS n FROM {sql_table}");
    match &h.db {
        TestDb::Sqlite(_) => {
            use diesel::Connection;
            let path = h.db.url().trim_start_matches("sqlite://").to_owned();
            let mut c = diesel::SqliteConnection::establish(&path).unwrap();
            diesel::sql_query(q).get_result::<N>(&mut c).unwrap().n
        }
        TestDb::Postgres { url, .. } => {
            use diesel::Connection;
            let mut c = diesel::PgConnection::establish(url).unwrap();
            diesel::sql_query(q).get_result::<N>(&mut c).unwrap().n
        }
    }
}

both_backends!(a_100000_row_import_is_idempotent, |b| {
    let h = Harness::start(b).await;
    let corr = setup(&h).await;
    let file = good_rows(100_000);
    let started = std::time::Instant::now();
    let job = import(&h, &corr, "?mode=valid_rows_only", file.clone()).await;
    eprintln!(
        "100 000 rows imported in {:?} ({b:?}, debug build)",
        started.elapsed()
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["created"], 100_000);
    assert_eq!(job["failed"], 0);
    assert_eq!(job["progress_percent"], 100);
    assert_eq!(count(&h, "incidents"), 100_000);
    assert_eq!(count(&h, "incident_qualifications"), 100_000);
    assert_eq!(count(&h, "events"), 100_000);
    // An imported incident reads like any other, qualified, with its prescription.
    let page = h
        .get("/api/v1/incidents?limit=1&qualification=CP-R634-2", &corr)
        .await;
    assert_eq!(page.body["items"][0]["prescription"]["years"], 1);
    // Again: nothing created, everything unchanged.
    let again = import(&h, &corr, "", file).await;
    assert_eq!(again["status"], "succeeded");
    assert_eq!(again["created"], 0);
    assert_eq!(again["unchanged"], 100_000);
    assert_eq!(count(&h, "incidents"), 100_000);
});

both_backends!(
    every_bad_row_is_reported_and_modes_decide_what_is_written,
    |b| {
        let h = Harness::start(b).await;
        let corr = setup(&h).await;
        let mut file = csv([
            "OK-1;RES-1;2026-11-01T10:00:00Z;dumping;Sacs;CP-R634-2",
            "BAD-DATE;RES-1;01/11/2026;dumping;Sacs;",
            "BAD-RES;RES-404;2026-11-01T10:00:00Z;dumping;Sacs;",
            "BAD-OFFENCE;RES-1;2026-11-01T10:00:00Z;dumping;Sacs;CP-999",
            "SHORT;RES-1;2026-11-01T10:00:00Z;dumping",
            "OK-1;RES-1;2026-11-02T10:00:00Z;dumping;Doublon;",
            "OK-2;RES-1;2026-11-01T11:00:00Z;hall_occupation;Occupation du hall;CSI-L272-4",
        ]
        .into_iter()
        .map(str::to_owned));
        file.extend_from_slice(b"BAD-UTF8;RES-1;2026-11-01T10:00:00Z;dumping;Sac \xff;\n");
        // All or nothing: nothing written, every bad line listed.
        let job = import(&h, &corr, "", file.clone()).await;
        assert_eq!(job["status"], "failed");
        assert_eq!(job["failed"], 6);
        assert_eq!(job["created"], 0);
        assert_eq!(count(&h, "incidents"), 0);
        let errors = h
            .get(
                &format!("{}?limit=200", job["errors"].as_str().unwrap()),
                &corr,
            )
            .await;
        let got: Vec<(i64, String, String)> = errors.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_i64().unwrap(),
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expect = |l: i64, f: &str, c: &str| (l, f.to_owned(), c.to_owned());
        assert_eq!(
            got,
            vec![
                expect(3, "occurred_at", "invalid_date"),
                expect(4, "residence_ref", "unknown_residence"),
                expect(5, "offence_codes", "unknown_offence"),
                expect(6, "", "missing_columns"),
                expect(7, "external_ref", "duplicate_in_file"),
                expect(9, "narrative", "invalid_utf8"),
            ]
        );
        // A dry run counts what would change and writes nothing.
        let dry = import(
            &h,
            &corr,
            "?mode=valid_rows_only&dry_run=true",
            file.clone(),
        )
        .await;
        assert_eq!(
            (dry["created"].as_i64(), dry["failed"].as_i64()),
            (Some(2), Some(6))
        );
        assert_eq!(count(&h, "incidents"), 0);
        // Valid rows only: the two good rows are written.
        let job = import(&h, &corr, "?mode=valid_rows_only", file).await;
        assert_eq!(job["status"], "succeeded");
        assert_eq!(job["created"], 2);
        assert_eq!(count(&h, "incidents"), 2);
        // A changed row is updated, the other unchanged.
        let changed = csv([
            "OK-1;RES-1;2026-11-01T10:00:00Z;dumping;Sacs et un matelas;CP-R634-2",
            "OK-2;RES-1;2026-11-01T11:00:00Z;hall_occupation;Occupation du hall;CSI-L272-4",
        ]
        .into_iter()
        .map(str::to_owned));
        let job = import(&h, &corr, "", changed).await;
        assert_eq!(
            (job["updated"].as_i64(), job["unchanged"].as_i64()),
            (Some(1), Some(1))
        );
        // A file without a required column is refused at once; another bailleur sees no job.
        post_import(
            &h,
            &corr,
            "",
            "text/csv",
            b"external_ref;occurred_at\nX;2026-11-01T10:00:00Z\n".to_vec(),
        )
        .await
        .expect(422, Some("validation_failed"));
        post_import(&h, &corr, "", "application/pdf", b"%PDF".to_vec())
            .await
            .expect(415, Some("unsupported_media_type"));
        let admin = h.admin().await;
        let other = h.bailleur(&admin, "B", SIREN_B).await;
        let b_corr = h.member(&admin, &other, "b.corr", &["correspondent"]).await;
        h.get(
            &format!("/api/v1/imports/{}", job["id"].as_str().unwrap()),
            &b_corr,
        )
        .await
        .expect(404, Some("not_found"));
    }
);

both_backends!(ndjson_imports_follow_the_same_rules, |b| {
    let h = Harness::start(b).await;
    let corr = setup(&h).await;
    let body = [
        json!({"external_ref": "N-1", "residence_ref": "RES-1", "occurred_at": "2026-11-01T10:00:00Z", "category": "threats",
            "narrative": "Menaces envers le gardien", "offence_codes": ["CP-433-3-AL2"], "entrance": "A1"}).to_string(),
        json!({"external_ref": "N-2", "residence_ref": "RES-1", "category": "threats", "narrative": "x"}).to_string(),
    ]
    .join("\n");
    let a = post_import(
        &h,
        &corr,
        "?mode=valid_rows_only",
        "application/x-ndjson",
        body.into_bytes(),
    )
    .await;
    a.expect(202, None);
    let path = a.header("location").unwrap();
    let mut job = Value::Null;
    for _ in 0..200 {
        job = h.get(&path, &corr).await.body;
        if job["status"] == "succeeded" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        (job["created"].as_i64(), job["failed"].as_i64()),
        (Some(1), Some(1))
    );
    let errors = h.get(job["errors"].as_str().unwrap(), &corr).await;
    assert_eq!(errors.body["items"][0]["field"], "occurred_at");
    assert_eq!(errors.body["items"][0]["code"], "missing_columns");
});

// A server killed while it writes an all-or-nothing import leaves no incident; after a restart the
// job says `interrupted` and posting the file again completes it.
both_backends!(
    a_server_killed_mid_import_leaves_nothing_half_written,
    |b| {
        let h = Harness::start(b).await;
        let corr = setup(&h).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let base = format!("http://{bind}");
        let start = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
                .arg("serve")
                .env("VIGIE_DATABASE_URL", h.db.url())
                .env("VIGIE_DATA_DIR", h.db.data_dir())
                .env("VIGIE_BIND", &bind)
                .env("VIGIE_RATE_LIMIT_PER_SECOND", "0")
                .env("VIGIE_JOB_LEASE_SECS", "1")
                .env("RUST_LOG", "error")
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();
        let wait_ready = |client: awc::Client, base: String| async move {
            for _ in 0..200 {
                if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                    && r.status().is_success()
                {
                    return;
                }
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("server did not start");
        };
        let get_job = |client: awc::Client, url: String, token: String| async move {
            let mut r = client
                .get(url)
                .insert_header(("authorization", format!("Bearer {token}")))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        };
        let mut child = start();
        wait_ready(client.clone(), base.clone()).await;
        let file = good_rows(100_000);
        let mut r = client
            .post(format!("{base}/api/v1/imports"))
            .insert_header(("authorization", format!("Bearer {corr}")))
            .insert_header(("content-type", "text/csv"))
            .send_body(file.clone())
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        let job: Value = r.json().await.unwrap();
        let url = format!("{base}/api/v1/imports/{}", job["id"].as_str().unwrap());
        // Kill it (SIGKILL: no grace) as soon as it runs.
        let mut seen_running = false;
        for _ in 0..400 {
            let j = get_job(client.clone(), url.clone(), corr.clone()).await;
            if j["status"] == "running" {
                seen_running = true;
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            seen_running,
            "the import should have been running when killed"
        );
        assert_eq!(count(&h, "incidents"), 0, "nothing half-written");
        // Restarted: once its killed owner has been silent for the lease (1 s here), the job is
        // marked interrupted; the same file again completes.
        let mut child = start();
        wait_ready(client.clone(), base.clone()).await;
        let mut j = Value::Null;
        for _ in 0..100 {
            j = get_job(client.clone(), url.clone(), corr.clone()).await;
            if j["status"] == "interrupted" {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(j["status"], "interrupted", "{j}");
        // Posted again (to the test's own server: the restarted one, with its 1 s lease, would
        // take over a job that another process runs without beating for it).
        child.kill().unwrap();
        child.wait().unwrap();
        let job = import(&h, &corr, "", file).await;
        assert_eq!(job["created"], 100_000, "{job}");
        assert_eq!(count(&h, "incidents"), 100_000);
    }
);

both_backends!(the_import_command_reports_and_fails_on_bad_rows, |b| {
    let h = Harness::start(b).await;
    let corr = setup(&h).await;
    // An API client of the bailleur: the command gets its own token from its credentials.
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
    let erp = h
        .post(
            &format!("/api/v1/organisations/{org}/api-clients"),
            &admin,
            &json!({"name": "ERP", "roles": ["integration"]}),
        )
        .await;
    erp.expect(201, None);
    let client_id = erp.body["client_id"].as_str().unwrap().to_owned();
    let client_secret = erp.body["client_secret"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let api = h.srv.url("");
    let vigie = |file: &std::path::Path, args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"));
        cmd.arg("import")
            .arg(file)
            .args(args)
            .env("RUST_LOG", "error")
            .env_remove("VIGIE_TOKEN")
            .env_remove("VIGIE_CLIENT_ID")
            .env_remove("VIGIE_CLIENT_SECRET")
            .env_remove("VIGIE_DATABASE_URL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let good = dir.path().join("good.csv");
    std::fs::write(&good, good_rows(1500)).unwrap();
    // 0: every row imported, with client credentials from the environment; counts read as people
    // write them.
    let (code, out) = vigie(
        &good,
        &["--api", &api],
        &[
            ("VIGIE_CLIENT_ID", &client_id),
            ("VIGIE_CLIENT_SECRET", &client_secret),
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("created 1,500"), "{out}");
    assert!(
        out.contains("1,500 rows in ") && out.contains(" rows/s)"),
        "{out}"
    );
    // 1: rows failed; their errors are written next to the file (token from the environment).
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        csv([
            "OK-9;RES-1;2026-11-01T10:00:00Z;dumping;Sacs;",
            "X;RES-1;hier;dumping;Sacs;",
        ]
        .into_iter()
        .map(str::to_owned)),
    )
    .unwrap();
    let (code, out) = vigie(
        &bad,
        &["--api", &api, "--mode", "valid_rows_only"],
        &[("VIGIE_TOKEN", &corr)],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("created 1,"), "{out}");
    let errors = std::fs::read_to_string(dir.path().join("bad.csv.errors.csv")).unwrap();
    assert!(
        errors.starts_with("line;field;code;message\n3;occurred_at;invalid_date;"),
        "{errors}"
    );
    // 2: a wrong command line (no credentials at all, or an unknown mode).
    assert_eq!(vigie(&good, &["--api", &api], &[]).0, Some(2));
    assert_eq!(
        vigie(
            &good,
            &["--api", &api, "--token", "t", "--mode", "some"],
            &[]
        )
        .0,
        Some(2)
    );
    // 3: refused: a token that is not one, or a wrong client secret, with the reason.
    let (code, out) = vigie(&good, &["--api", &api, "--token", "not-a-token"], &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("refused (401 invalid_token)"), "{out}");
    let (code, out) = vigie(
        &good,
        &[
            "--api",
            &api,
            "--client-id",
            &client_id,
            "--client-secret",
            "wrong",
        ],
        &[],
    );
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("invalid_client"), "{out}");
    // 4: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, out) = vigie(
        &good,
        &["--api", &format!("http://{closed}"), "--token", "t"],
        &[],
    );
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("cannot reach"), "{out}");
    // 5: no such file.
    let (code, out) = vigie(
        &dir.path().join("missing.csv"),
        &["--api", &api, "--token", "t"],
        &[],
    );
    assert_eq!(code, Some(5), "{out}");
    assert!(out.contains("cannot read"), "{out}");
});

both_backends!(a_database_error_ends_the_job_as_failed, |b| {
    let h = Harness::start(b).await;
    let corr = setup(&h).await;
    // The job cannot record its row errors: it must end `failed`, not stay `running`.
    h.db.execute("DROP TABLE import_errors");
    let bad = csv(["X;RES-1;hier;dumping;Sacs;".to_owned()].into_iter());
    let job = import(&h, &corr, "?mode=valid_rows_only", bad).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["message"].as_str().unwrap().contains("database error"),
        "{job}"
    );
    assert_eq!(count(&h, "incidents"), 0);
});

// Replicas share the import jobs: a process takes over (marks interrupted) only the jobs whose
// owner stopped beating for the lease, never those a live replica runs, and a live owner's beat
// keeps its own jobs.
both_backends!(only_the_jobs_of_a_silent_owner_are_taken_over, |b| {
    let h = Harness::start(b).await;
    let corr = setup(&h).await;
    // A real job: it records this process as its owner and finishes.
    let done = import(&h, &corr, "", good_rows(3)).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let org = h.get("/api/v1/organisations?limit=5", &corr).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ts = |ago_secs: i64| {
        (vigie_store::now() - chrono::Duration::seconds(ago_secs))
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string()
    };
    let me = vigie_app::process::id();
    // Running jobs: one of a live replica (beat just now), one of a replica that died 10 minutes
    // ago, one of this process whose last beat is as old (it beats now), one from before owners.
    for (id, owner, beat) in [
        ("job-live", Some("replica-live"), Some(ts(1))),
        ("job-dead", Some("replica-dead"), Some(ts(600))),
        ("job-mine", Some(me), Some(ts(600))),
        ("job-legacy", None, None),
    ] {
        let q = |v: Option<&str>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
        h.db.execute(&format!(
            "INSERT INTO imports (id, org_id, created_by, format, mode, dry_run, status, total_rows, processed_rows, \
             created_count, updated_count, unchanged_count, failed_count, created_at, owner, heartbeat_at) \
             VALUES ('{id}', '{org}', 'person:a.corr', 'csv', 'all_or_nothing', FALSE, 'running', 10, 0, 0, 0, 0, 0, '{}', {}, {})",
            ts(700),
            q(owner),
            q(beat.as_deref())
        ));
    }
    assert_eq!(
        vigie_app::imports::beat(&h.app).await.unwrap(),
        1,
        "this process's own job"
    );
    let taken = vigie_app::imports::take_over_stale(&h.app, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        taken, 2,
        "the dead replica's job and the one from before owners"
    );
    let status = |id: &'static str| {
        let h = &h;
        let corr = corr.clone();
        async move { h.get(&format!("/api/v1/imports/{id}"), &corr).await.body["status"].clone() }
    };
    assert_eq!(status("job-live").await, "running");
    assert_eq!(status("job-mine").await, "running");
    assert_eq!(status("job-dead").await, "interrupted");
    assert_eq!(status("job-legacy").await, "interrupted");
    let dead = h.get("/api/v1/imports/job-dead", &corr).await;
    assert!(
        dead.body["message"]
            .as_str()
            .unwrap()
            .contains("post the file again")
    );
    // Once the live replica falls silent for the lease too, its job is taken over as well.
    h.db.execute(&format!(
        "UPDATE imports SET heartbeat_at = '{}' WHERE id = 'job-live'",
        ts(600)
    ));
    assert_eq!(
        vigie_app::imports::take_over_stale(&h.app, Duration::from_secs(60))
            .await
            .unwrap(),
        1
    );
    assert_eq!(status("job-live").await, "interrupted");
    assert_eq!(status("job-mine").await, "running");
});

//! The binary's start-up and administration commands.

use std::process::Command;

use crate::both_backends;
use crate::support::*;

fn vigie(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigie"));
    cmd.args(args)
        .current_dir(dir.path())
        .env("RUST_LOG", "error")
        .env_remove("VIGIE_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn an_unknown_database_scheme_is_a_clear_error() {
    let out = vigie(
        &["migrate"],
        &[("VIGIE_DATABASE_URL", "mysql://localhost/vigie")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("unsupported database URL scheme `mysql`"),
        "{err}"
    );
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let started = std::time::Instant::now();
    let out = vigie(
        &["migrate"],
        &[("VIGIE_DATABASE_URL", "postgres://vigie@127.0.0.1:1/vigie")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("vigie: error: database"), "{err}");
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn the_default_database_is_created_in_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("VIGIE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/vigie.db").exists());
}

#[test]
fn openapi_command_prints_the_contract() {
    let out = vigie(&["openapi"], &[]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["info"]["title"], "Vigie API");
}

both_backends!(natinf_cli_import, |b| {
    let db = TestDb::new(b);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natinf.csv");
    std::fs::write(
        &file,
        "NATINF;Q;N;D;P\n91001;TEST CLI;Délit;A;B\nbad;X;Délit;A;B\n",
    )
    .unwrap();
    let url = db.url();
    let f = file.to_str().unwrap();
    let out = vigie(&["natinf", "import", f], &[("VIGIE_DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(":3:"),
        "the bad line is named"
    );
    let out = vigie(
        &["natinf", "import", f, "--skip-invalid"],
        &[("VIGIE_DATABASE_URL", &url)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("1 created, 0 updated, 0 unchanged, 1 rejected")
    );
    let out = vigie(
        &["natinf", "import", f, "--skip-invalid"],
        &[("VIGIE_DATABASE_URL", &url)],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 created, 0 updated, 1 unchanged"));
    let out = vigie(&["audit", "verify"], &[("VIGIE_DATABASE_URL", &url)]);
    assert!(
        out.status.success(),
        "{:?}: {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
});

both_backends!(bootstrap_and_demo, |b| {
    let db = TestDb::new(b);
    let url = db.url();
    // Demo loads twice without duplicates; the first time it records one document of each kind
    // through the use cases.
    for run in 0..2 {
        let out = vigie(&["demo"], &[("VIGIE_DATABASE_URL", &url)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.contains("demo documents: PV /api/v1/pvs/"),
            run == 0,
            "{stdout}"
        );
    }
    let h = {
        let data_dir = db.data_dir();
        let s = settings(&[
            "--database-url",
            &url,
            "--data-dir",
            &data_dir,
            "--bootstrap-client-id",
            ADMIN_ID,
            "--bootstrap-client-secret",
            ADMIN_SECRET,
        ]);
        let store = vigie::startup::open_store(&s).unwrap();
        let first = vigie::startup::bootstrap_admin(&store, &s).unwrap();
        assert_eq!(first.unwrap().client_id, ADMIN_ID);
        assert!(
            vigie::startup::bootstrap_admin(&store, &s)
                .unwrap()
                .is_none(),
            "only on the very first start"
        );
        store
    };
    let orgs = h
        .with_conn(|c| {
            vigie_store::organisations::list(
                c,
                &vigie_store::organisations::OrganisationFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(orgs.iter().filter(|o| o.kind == "bailleur").count(), 2);
    // Residences, staff and one designated contact per role, once however often the demo is loaded.
    let designations = h
        .with_conn(|c| vigie_store::designations::list(c, Default::default(), None, 1000))
        .unwrap();
    let mut roles: Vec<&str> = designations.iter().map(|d| d.role.as_str()).collect();
    roles.sort_unstable();
    assert_eq!(
        roles,
        vec![
            "bailleur_correspondent",
            "bailleur_correspondent",
            "magistrat_referent",
            "police_correspondent"
        ]
    );
    let residences: usize = orgs
        .iter()
        .map(|o| {
            h.with_conn(|c| vigie_store::residences::list(c, &o.id, None, 100))
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(residences, 3);
    // One PV (signed, transmitted), one slip and one complaint, recorded once.
    let count = |table: &str| -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        h.with_conn(|c| {
            Ok(
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result::<N>(c)?
                    .n,
            )
        })
        .unwrap()
    };
    assert_eq!(count("pvs"), 1);
    assert_eq!(count("pv_transmissions"), 1);
    assert_eq!(count("complaints"), 1);
});

#[test]
fn first_start_prints_credentials_once_and_sigterm_stops_cleanly() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_vigie"))
            .arg("serve")
            .current_dir(dir.path())
            .env_remove("VIGIE_DATABASE_URL")
            .env("VIGIE_BIND", &bind)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let wait_ready = || {
        for _ in 0..100 {
            if let Ok(mut s) = std::net::TcpStream::connect(&bind) {
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .unwrap();
                let mut r = String::new();
                let _ = s.read_to_string(&mut r);
                if r.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("server did not start");
    };
    let stop = |mut child: std::process::Child| {
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "SIGTERM should end the server cleanly: {status:?}"
        );
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    };
    let first = start();
    wait_ready();
    let out = stop(first);
    assert!(
        out.contains("client_id:") && out.contains("client_secret:"),
        "{out}"
    );
    let second = start();
    wait_ready();
    let out = stop(second);
    assert!(
        !out.contains("client_secret:"),
        "credentials are printed only on the very first start"
    );
}

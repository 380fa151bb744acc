//! The test harness: a real Vigie server on an ephemeral port, on a fresh SQLite file or a fresh
//! PostgreSQL database, with a platform admin whose credentials the test knows.

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::StatusCode;
use awc::http::header::HeaderMap;
use clap::Parser;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{Value, json};
use vigie::settings::Settings;
use vigie::startup;

pub const ADMIN_ID: &str = "test-platform-admin";
pub const ADMIN_SECRET: &str = "test-platform-admin-secret";
pub const PASSWORD: &str = "a-long-enough-password";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Parses settings as the binary would, from flags only (the environment of the test run is ignored
/// for everything the harness sets).
pub fn settings(extra: &[&str]) -> Settings {
    #[derive(Parser)]
    struct S {
        #[command(flatten)]
        s: Settings,
    }
    let mut args = vec!["vigie"];
    args.extend_from_slice(extra);
    S::parse_from(args).s
}

pub fn postgres_admin_url() -> String {
    // The database named here is only used to create and drop the per-test databases.
    std::env::var("VIGIE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The URL of database `name` on the test server. TLS and GSSAPI encryption are disabled on this
/// loopback connection: a test process exits while server threads may still hold connections, and
/// the exit handlers of OpenSSL and of Kerberos (`k5_mutex_lock` assertion, seen on a fresh CI
/// run) then abort the process under libpq although the test passed.
pub fn postgres_url_for(name: Option<&str>) -> String {
    let admin = postgres_admin_url();
    let (base, _query) = admin.split_once('?').unwrap_or((&admin, ""));
    let (server, admin_db) = base.rsplit_once('/').unwrap_or((base, "postgres"));
    format!(
        "{server}/{}?sslmode=disable&gssencmode=disable",
        name.unwrap_or(admin_db)
    )
}

static SKIP_NOTICE: AtomicBool = AtomicBool::new(false);

/// `None` when the run was told to skip PostgreSQL (VIGIE_TEST_SKIP_POSTGRES=1); otherwise
/// PostgreSQL must be reachable, or the test fails.
pub fn postgres_enabled() -> bool {
    if std::env::var("VIGIE_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        if !SKIP_NOTICE.swap(true, Ordering::SeqCst) {
            eprintln!("PostgreSQL half SKIPPED (VIGIE_TEST_SKIP_POSTGRES=1)");
        }
        return false;
    }
    true
}

/// A database that exists for one test and is dropped after it.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres {
        name: String,
        url: String,
        _dir: tempfile::TempDir,
    },
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::Sqlite(tempfile::tempdir().expect("tempdir")),
            Backend::Postgres => {
                let name = format!("vigie_t_{}", uuid::Uuid::new_v4().simple());
                let admin = postgres_url_for(None);
                let mut conn = PgConnection::establish(&admin)
                    .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {admin} for the PostgreSQL half of the suite: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                Self::Postgres {
                    url: postgres_url_for(Some(&name)),
                    name,
                    _dir: tempfile::tempdir().expect("tempdir"),
                }
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("vigie.db").display()),
            Self::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn data_dir(&self) -> String {
        match self {
            Self::Sqlite(dir) => dir.path().display().to_string(),
            Self::Postgres { _dir, .. } => _dir.path().display().to_string(),
        }
    }

    /// Runs raw SQL against the test database (to simulate tampering or outages).
    pub fn execute(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        match self {
            Self::Sqlite(_) => {
                let path = self.url().trim_start_matches("sqlite://").to_owned();
                let mut c = diesel::SqliteConnection::establish(&path).expect("sqlite");
                // The access journal's own file, under the name the server gives it.
                let journal = vigie_store::db::sqlite_journal_path(std::path::Path::new(&path));
                c.batch_execute(&format!(
                    "ATTACH DATABASE '{}' AS journal",
                    journal.display()
                ))
                .expect("attach the journal");
                c.batch_execute(sql).expect("sql");
            }
            Self::Postgres { url, .. } => {
                let mut c = PgConnection::establish(url).expect("postgres");
                c.batch_execute(sql).expect("sql");
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { name, .. } = self
            && let Ok(mut conn) = PgConnection::establish(&postgres_url_for(None))
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

pub struct Harness {
    pub backend: Backend,
    pub db: TestDb,
    pub srv: actix_test::TestServer,
    /// The server's use cases, for driving background work (the webhook worker) from a test.
    pub app: vigie_app::App,
}

/// An HTTP answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts the status and, for errors, that the body is a problem with this code.
    #[track_caller]
    pub fn expect(&self, status: u16, code: Option<&str>) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        if let Some(code) = code {
            assert_eq!(
                self.header("content-type").as_deref(),
                Some("application/problem+json"),
                "{}",
                self.text
            );
            assert_eq!(self.body["code"], code, "{}", self.text);
            assert_eq!(self.body["status"], status);
            // The type names the code's page (RFC 9457 §3.1.1).
            let type_uri = self.body["type"].as_str().unwrap_or_default();
            assert!(
                type_uri.ends_with(&format!("/problems/{code}")),
                "type {type_uri} does not name the page of {code}"
            );
        }
        self
    }
}

impl Harness {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[]).await
    }

    /// Starts with extra settings flags (e.g. `--max-body-bytes 100`).
    pub async fn start_with(backend: Backend, extra: &[&str]) -> Self {
        let db = TestDb::new(backend);
        let url = db.url();
        let data_dir = db.data_dir();
        let defaults = [
            ("--database-url", url.as_str()),
            ("--data-dir", data_dir.as_str()),
            ("--bootstrap-client-id", ADMIN_ID),
            ("--bootstrap-client-secret", ADMIN_SECRET),
            ("--rate-limit-per-second", "0"),
            ("--token-rate-limit-per-second", "0"),
            ("--db-pool-size", "4"),
            ("--db-timeout-secs", "2"),
        ];
        let mut args: Vec<&str> = defaults
            .iter()
            .filter(|(flag, _)| !extra.contains(flag))
            .flat_map(|(f, v)| [*f, *v])
            .collect();
        args.extend_from_slice(extra);
        let s = settings(&args);
        let store = startup::open_store(&s).expect("open store");
        startup::load_reference(&store).expect("reference data");
        startup::bootstrap_admin(&store, &s).expect("bootstrap");
        let state = startup::app_state(&s, store).expect("state");
        let app = state.app.clone();
        let srv = actix_test::start(move || vigie_api::build_app(state.clone()));
        Self {
            backend,
            db,
            srv,
            app,
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.srv.request(method, self.srv.url(path));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        // Partners state why they read personal data; tests read as an investigation unless they
        // say otherwise (an empty value leaves the header out).
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("vigie-purpose"))
        {
            req = req.insert_header(("vigie-purpose", "investigation"));
        }
        for (k, v) in headers {
            if !v.is_empty() || !k.eq_ignore_ascii_case("vigie-purpose") {
                req = req.insert_header((*k, *v));
            }
        }
        let mut res = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let bytes = res
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .unwrap_or_else(|e| panic!("body of {path}: {e:?}"));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Answer {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
        }
    }

    /// The body of a GET as bytes, untouched (a PDF).
    pub async fn raw_get(&self, path: &str, token: &str, accept: &str) -> Vec<u8> {
        let mut res = self
            .srv
            .get(path)
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("accept", accept))
            .insert_header(("vigie-purpose", "investigation"))
            .send()
            .await
            .expect("request sent");
        res.body()
            .limit(64 * 1024 * 1024)
            .await
            .expect("body")
            .to_vec()
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send("GET", path, Some(token), &[], None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.send(
            "POST",
            path,
            Some(token),
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Answer {
        let mut h = vec![("content-type", "application/json")];
        if let Some(m) = if_match {
            h.push(("if-match", m));
        }
        self.send(
            "PATCH",
            path,
            Some(token),
            &h,
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn form_token(&self, form: &str) -> Answer {
        self.send(
            "POST",
            "/api/v1/auth/token",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.as_bytes().to_vec()),
        )
        .await
    }

    pub async fn client_token(&self, id: &str, secret: &str) -> String {
        let a = self
            .form_token(&format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}"
            ))
            .await;
        a.expect(200, None);
        a.body["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn person_token(&self, login: &str) -> String {
        let a = self
            .form_token(&format!(
                "grant_type=password&username={login}&password={PASSWORD}"
            ))
            .await;
        a.expect(200, None);
        a.body["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn admin(&self) -> String {
        self.client_token(ADMIN_ID, ADMIN_SECRET).await
    }

    /// Creates an organisation as platform admin; returns its id.
    pub async fn org(&self, admin: &str, body: Value) -> String {
        let a = self.post("/api/v1/organisations", admin, &body).await;
        a.expect(201, None);
        a.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn bailleur(&self, admin: &str, name: &str, siren: &str) -> String {
        self.org(
            admin,
            json!({"kind": "bailleur", "name": name, "siren": siren}),
        )
        .await
    }

    /// Creates a person with `roles` in `org` and returns a token for them.
    pub async fn member(&self, admin: &str, org: &str, login: &str, roles: &[&str]) -> String {
        let a = self
            .post(
                &format!("/api/v1/organisations/{org}/people"),
                admin,
                &json!({"login": login, "display_name": login, "password": PASSWORD, "roles": roles}),
            )
            .await;
        a.expect(201, None);
        self.person_token(login).await
    }
}

/// Defines one test per backend: `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$b:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($b: $crate::support::Backend) $body

            #[actix_web::test]
            async fn sqlite() {
                run($crate::support::Backend::Sqlite).await
            }

            #[actix_web::test]
            async fn postgres() {
                if $crate::support::postgres_enabled() {
                    run($crate::support::Backend::Postgres).await
                }
            }
        }
    };
}

/// Two valid (Luhn) SIRENs for tests, besides Paris Habitat's 344810825.
pub const SIREN_A: &str = "999123458";
pub const SIREN_B: &str = "999543218";

pub fn org_body(kind: &str, name: &str) -> Value {
    json!({"kind": kind, "name": name})
}

impl Harness {
    /// The settings of a second process on the same database (a small pool, no rate limit), with
    /// `extra` settings.
    pub fn replica_settings(&self, extra: &[&str]) -> Settings {
        let url = self.db.url();
        let data = self.db.data_dir();
        let mut args = vec![
            "--database-url",
            &url,
            "--data-dir",
            &data,
            "--db-pool-size",
            "2",
            "--rate-limit-per-second",
            "0",
        ];
        args.extend_from_slice(extra);
        settings(&args)
    }

    /// A second server on the same database, as another replica would be (its own pool, caches
    /// and journal writer), with `extra` settings.
    pub fn replica(&self, extra: &[&str]) -> actix_test::TestServer {
        let s = self.replica_settings(extra);
        let store = vigie::startup::open_store(&s).expect("replica store");
        let state = vigie::startup::app_state(&s, store).expect("replica state");
        actix_test::start(move || vigie_api::build_app(state.clone()))
    }
}

impl Harness {
    /// Creates (or syncs) a residence of the caller's bailleur in commune `insee`; returns its id.
    pub async fn residence(&self, token: &str, external_ref: &str, insee: &str) -> String {
        let a = self
            .send(
                "PUT",
                &format!("/api/v1/residences/by-ref/{external_ref}"),
                Some(token),
                &[("content-type", "application/json")],
                Some(json!({"name": external_ref, "address": "1 rue de la Paix", "insee_code": insee, "buildings": [{"name": "A", "entrances": ["A1"]}]}).to_string().into_bytes()),
            )
            .await;
        assert!(a.status.is_success(), "{}", a.text);
        a.body["id"].as_str().expect("id").to_owned()
    }

    /// Adds a staff member to the caller's bailleur; returns its id.
    pub async fn staff(&self, token: &str, role: &str, sworn_guard: bool) -> String {
        let a = self.post("/api/v1/staff", token, &json!({"first_name": "Jo", "last_name": "Doe", "role": role, "sworn_guard": sworn_guard})).await;
        a.expect(201, None);
        a.body["id"].as_str().expect("id").to_owned()
    }

    /// Sets an incident's qualifications to one offence code.
    pub async fn qualify(&self, token: &str, incident: &str, code: &str) -> Answer {
        self.send(
            "PUT",
            &format!("/api/v1/incidents/{incident}/qualifications"),
            Some(token),
            &[("content-type", "application/json")],
            Some(
                json!({"qualifications": [{"offence_code": code}]})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await
    }

    /// The id of the person with `login` in `org` (as the platform admin sees it).
    pub async fn person_id(&self, admin: &str, org: &str, login: &str) -> String {
        let list = self
            .get(
                &format!("/api/v1/organisations/{org}/people?limit=200"),
                admin,
            )
            .await;
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["login"] == login)
            .expect("person")["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A minimal valid incident body.
pub fn incident_body(residence: &str, category: &str) -> Value {
    json!({"residence_id": residence, "occurred_at": "2026-11-20T21:40:00Z", "category": category, "narrative": "Faits constatés dans le hall."})
}

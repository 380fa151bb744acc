//! `vigie import FILE`: a client of `POST /api/v1/imports` for scripted bulk imports. It gets its
//! own token from client credentials (or takes one), streams the file with an upload bar, follows
//! the job with a progress bar, prints the summary with its rate, writes the row errors next to the
//! file, and says how it ended by a distinct exit code (listed in `vigie import --help`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

/// How the command ended; each outcome has its own exit code for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row imported (or, with `--dry-run`, every row valid).
    Imported = 0,
    /// The job ran, but rows failed: their errors are in the errors file.
    RowsFailed = 1,
    /// The API refused the request: credentials, permission, file format or size.
    Refused = 3,
    /// The API could not be reached, or failed itself (5xx, a job that ended `failed`).
    Unreachable = 4,
    /// The file could not be read, or the errors file not written.
    LocalFile = 5,
}

/// The exit codes as `--help` lists them (2 is clap's own, for a wrong command line).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  every row imported (with --dry-run: every row valid)
  1  the job ran but rows failed; their errors are written to the errors file
  2  wrong command line (unknown option, missing credentials...)
  3  the API refused the request: credentials, permission, file format or size
  4  the API could not be reached, or failed itself (5xx, or the job ended `failed`)
  5  the file could not be read, or the errors file could not be written";

/// How the command authenticates.
pub enum Credentials {
    /// A token obtained elsewhere.
    Token(String),
    /// An API client of the bailleur: the command gets its own token (client credentials grant).
    Client { id: String, secret: String },
}

pub struct ImportArgs {
    pub file: PathBuf,
    pub api: String,
    pub credentials: Credentials,
    /// `all_or_nothing` or `valid_rows_only`.
    pub mode: String,
    pub dry_run: bool,
    pub errors_file: Option<PathBuf>,
}

/// Why the command stopped early.
struct Failure {
    exit: Exit,
    message: String,
}

impl Failure {
    fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    /// An answer other than the one expected: refused (4xx) or failed (5xx).
    fn answer(what: &str, status: u16, body: &Value) -> Self {
        let exit = if status >= 500 {
            Exit::Unreachable
        } else {
            Exit::Refused
        };
        let detail = body["detail"].as_str().unwrap_or("no detail");
        let code = body["code"].as_str().unwrap_or("unknown");
        Self::new(
            exit,
            format!("{what} was refused ({status} {code}): {detail}"),
        )
    }
}

fn bar(len: u64, template: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b
}

fn format_of(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("ndjson" | "jsonl") => "application/x-ndjson",
        _ => "text/csv",
    }
}

/// `1234567` as `1,234,567`: counts as people read them.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `rows` over `elapsed`, as people read it: `100,000 rows in 12.3 s (8,130 rows/s)`.
pub fn rate(rows: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let per_sec = if secs > 0.0 {
        // Rounded to a whole row per second; the count fits easily in a u64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let r = (rows as f64 / secs).round() as u64;
        grouped(r)
    } else {
        grouped(rows)
    };
    format!("{} rows in {secs:.1} s ({per_sec} rows/s)", grouped(rows))
}

/// Runs the import and prints how it ended; the exit code tells scripts.
pub async fn run(args: ImportArgs) -> ExitCode {
    match import(args).await {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(f) => {
            eprintln!("vigie import: {}", f.message);
            ExitCode::from(f.exit as u8)
        }
    }
}

async fn token(
    client: &awc::Client,
    api: &str,
    credentials: Credentials,
) -> Result<String, Failure> {
    let (id, secret) = match credentials {
        Credentials::Token(t) => return Ok(t),
        Credentials::Client { id, secret } => (id, secret),
    };
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let mut res = client
        .post(format!("{api}/api/v1/auth/token"))
        .send_form(&form)
        .await
        .map_err(|e| Failure::new(Exit::Unreachable, format!("cannot reach {api}: {e}")))?;
    let body: Value = res.json().limit(1 << 16).await.unwrap_or_default();
    if res.status().as_u16() != 200 {
        return Err(Failure::answer(
            "the token request",
            res.status().as_u16(),
            &body,
        ));
    }
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure::new(Exit::Unreachable, "the token answer has no access_token"))
}

async fn import(args: ImportArgs) -> Result<Exit, Failure> {
    let api = args.api.trim_end_matches('/').to_owned();
    let mut f = std::fs::File::open(&args.file).map_err(|e| {
        Failure::new(
            Exit::LocalFile,
            format!("cannot read {}: {e}", args.file.display()),
        )
    })?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(600))
        .finish();
    let auth = format!("Bearer {}", token(&client, &api, args.credentials).await?);
    let upload = bar(
        size,
        "upload  [{bar:40}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
    );
    let up = upload.clone();
    // Read 256 KiB at a time as the request body goes out.
    let stream = futures_util::stream::unfold(false, move |done| {
        let mut buf = vec![0u8; 256 * 1024];
        let read = if done { Ok(0) } else { f.read(&mut buf) };
        let next = match read {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                up.inc(n as u64);
                Some((
                    Ok::<_, std::io::Error>(actix_web::web::Bytes::from(buf)),
                    false,
                ))
            }
            Err(e) => Some((Err(e), true)),
        };
        std::future::ready(next)
    });
    let started = Instant::now();
    let mut res = client
        .post(format!(
            "{api}/api/v1/imports?mode={}&dry_run={}",
            args.mode, args.dry_run
        ))
        .insert_header(("authorization", auth.as_str()))
        .insert_header(("content-type", format_of(&args.file)))
        .send_stream(stream)
        .await
        .map_err(|e| Failure::new(Exit::Unreachable, format!("cannot reach {api}: {e}")))?;
    upload.finish_and_clear();
    let body: Value = res.json().limit(1 << 20).await.unwrap_or_default();
    if res.status().as_u16() != 202 {
        return Err(Failure::answer("the import", res.status().as_u16(), &body));
    }
    let job_url = format!(
        "{api}/api/v1/imports/{}",
        body["id"].as_str().unwrap_or_default()
    );
    let total = body["total_rows"].as_u64().unwrap_or(0);
    let progress = bar(
        total,
        "import  [{bar:40}] {human_pos}/{human_len} rows, {msg}",
    );
    let job = loop {
        let follow =
            |e: String| Failure::new(Exit::Unreachable, format!("cannot follow the import: {e}"));
        let mut r = client
            .get(&job_url)
            .insert_header(("authorization", auth.as_str()))
            .send()
            .await
            .map_err(|e| follow(e.to_string()))?;
        let job: Value = r.json().await.map_err(|e| follow(e.to_string()))?;
        let done = job["processed_rows"].as_u64().unwrap_or(0);
        progress.set_position(done);
        progress.set_message(format!(
            "{} ({})",
            job["status"].as_str().unwrap_or_default(),
            rate(done, started.elapsed())
        ));
        if !matches!(job["status"].as_str(), Some("queued" | "running")) {
            break job;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    progress.finish_and_clear();
    let count = |k: &str| grouped(job[k].as_u64().unwrap_or(0));
    println!(
        "{}: {}; created {}, updated {}, unchanged {}, failed {}{}",
        job["status"].as_str().unwrap_or_default(),
        rate(job["total_rows"].as_u64().unwrap_or(0), started.elapsed()),
        count("created"),
        count("updated"),
        count("unchanged"),
        count("failed"),
        job["message"]
            .as_str()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default()
    );
    let failed = job["failed"].as_u64().unwrap_or(0);
    if failed > 0 {
        let path = args.errors_file.clone().unwrap_or_else(|| {
            let mut p = args.file.clone().into_os_string();
            p.push(".errors.csv");
            PathBuf::from(p)
        });
        write_errors(&client, &api, &auth, &job_url, &path).await?;
        eprintln!("{} rows failed: see {}", grouped(failed), path.display());
    }
    Ok(match job["status"].as_str() {
        Some("failed" | "interrupted") => {
            return Err(Failure::new(
                Exit::Unreachable,
                format!(
                    "the job ended {}: {}",
                    job["status"].as_str().unwrap_or_default(),
                    job["message"].as_str().unwrap_or("no detail")
                ),
            ));
        }
        _ if failed > 0 => Exit::RowsFailed,
        _ => Exit::Imported,
    })
}

/// Writes the job's row errors as `line;field;code;message`.
async fn write_errors(
    client: &awc::Client,
    api: &str,
    auth: &str,
    job_url: &str,
    path: &Path,
) -> Result<(), Failure> {
    let local = |e: std::io::Error| {
        Failure::new(
            Exit::LocalFile,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let mut out = std::fs::File::create(path).map_err(local)?;
    writeln!(out, "line;field;code;message").map_err(local)?;
    let mut next = Some(format!("{job_url}/errors?limit=200"));
    while let Some(url) = next.take() {
        let read =
            |e: String| Failure::new(Exit::Unreachable, format!("cannot read the errors: {e}"));
        let mut r = client
            .get(&url)
            .insert_header(("authorization", auth))
            .send()
            .await
            .map_err(|e| read(e.to_string()))?;
        let page: Value = r
            .json()
            .limit(8 << 20)
            .await
            .map_err(|e| read(e.to_string()))?;
        for e in page["items"].as_array().into_iter().flatten() {
            let clean = |v: &Value| v.as_str().unwrap_or_default().replace([';', '\n'], " ");
            writeln!(
                out,
                "{};{};{};{}",
                e["line"],
                clean(&e["field"]),
                clean(&e["code"]),
                clean(&e["message"])
            )
            .map_err(local)?;
        }
        next = page["next"].as_str().map(|n| format!("{api}{n}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_rates_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(
            rate(100_000, Duration::from_millis(12_300)),
            "100,000 rows in 12.3 s (8,130 rows/s)"
        );
    }

    #[test]
    fn every_exit_code_is_listed_in_the_help() {
        for exit in [
            Exit::Imported,
            Exit::RowsFailed,
            Exit::Refused,
            Exit::Unreachable,
            Exit::LocalFile,
        ] {
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {}  ", exit as u8)),
                "{exit:?}"
            );
        }
    }
}

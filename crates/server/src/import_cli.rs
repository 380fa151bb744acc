//! `vigie import FILE --api URL`: a client of `POST /api/v1/imports` for scripted bulk imports. It
//! streams the file with an upload bar, follows the job with a progress bar, prints the summary,
//! writes the row errors next to the file, and exits non-zero when rows failed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

pub struct ImportArgs {
    pub file: PathBuf,
    pub api: String,
    pub token: String,
    pub mode: String,
    pub dry_run: bool,
    pub errors_file: Option<PathBuf>,
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

pub async fn run(args: ImportArgs) -> Result<ExitCode, String> {
    let api = args.api.trim_end_matches('/').to_owned();
    let mut f = std::fs::File::open(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let upload = bar(
        size,
        "upload  [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec}",
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
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(600))
        .finish();
    let auth = format!("Bearer {}", args.token);
    let mut res = client
        .post(format!(
            "{api}/api/v1/imports?mode={}&dry_run={}",
            args.mode, args.dry_run
        ))
        .insert_header(("authorization", auth.as_str()))
        .insert_header(("content-type", format_of(&args.file)))
        .send_stream(stream)
        .await
        .map_err(|e| format!("cannot reach {api}: {e}"))?;
    upload.finish_and_clear();
    let body: Value = res.json().limit(1 << 20).await.unwrap_or_default();
    if res.status().as_u16() != 202 {
        return Err(format!(
            "the import was refused ({}): {}",
            res.status(),
            body["detail"].as_str().unwrap_or("no detail")
        ));
    }
    let job_url = format!(
        "{api}/api/v1/imports/{}",
        body["id"].as_str().unwrap_or_default()
    );
    let total = body["total_rows"].as_u64().unwrap_or(0);
    let progress = bar(total, "import  [{bar:40}] {pos}/{len} rows {per_sec} {msg}");
    let job = loop {
        let mut r = client
            .get(&job_url)
            .insert_header(("authorization", auth.as_str()))
            .send()
            .await
            .map_err(|e| format!("cannot follow the import: {e}"))?;
        let job: Value = r.json().await.map_err(|e| e.to_string())?;
        progress.set_position(job["processed_rows"].as_u64().unwrap_or(0));
        progress.set_message(job["status"].as_str().unwrap_or_default().to_owned());
        if !matches!(job["status"].as_str(), Some("queued" | "running")) {
            break job;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    progress.finish_and_clear();
    println!(
        "{}: {} rows; created {}, updated {}, unchanged {}, failed {}{}",
        job["status"].as_str().unwrap_or_default(),
        job["total_rows"],
        job["created"],
        job["updated"],
        job["unchanged"],
        job["failed"],
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
        let mut out = std::fs::File::create(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        writeln!(out, "line;field;code;message").map_err(|e| e.to_string())?;
        let mut next = Some(format!("{job_url}/errors?limit=200"));
        while let Some(url) = next.take() {
            let mut r = client
                .get(&url)
                .insert_header(("authorization", auth.as_str()))
                .send()
                .await
                .map_err(|e| format!("cannot read the errors: {e}"))?;
            let page: Value = r.json().limit(8 << 20).await.map_err(|e| e.to_string())?;
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
                .map_err(|e| e.to_string())?;
            }
            next = page["next"].as_str().map(|n| format!("{api}{n}"));
        }
        eprintln!("{failed} rows failed: see {}", path.display());
    }
    let ok = job["status"] == "succeeded" && failed == 0;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

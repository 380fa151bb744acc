//! `vigie`: the Vigie server and its administration commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vigie::settings::Settings;
use vigie::startup::{self, StartError};

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Vigie: the Hauts-de-Seine social-housing security convention's shared backend"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load reference data and serve the API (the default command).
    Serve {
        /// Also load the demo data set (fictional bailleurs, police, parquet and their people).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Load the demo data set and exit.
    Demo,
    /// The official NATINF list.
    Natinf {
        #[command(subcommand)]
        command: NatinfCommand,
    },
    /// Import incidents from a CSV or NDJSON file through a running Vigie API.
    ///
    /// Authenticates with an API client of the bailleur (`--client-id` and `--client-secret`: the
    /// command gets its own token) or with a token obtained elsewhere (`--token`). Streams the file,
    /// follows the job, prints the counts and the rate, and writes the failed rows' errors as
    /// `line;field;code;message` next to the file.
    #[command(after_help = vigie::import_cli::EXIT_CODES_HELP)]
    Import {
        /// The file: CSV (`;`-separated, header row) or NDJSON (`.ndjson`, `.jsonl`).
        file: PathBuf,
        /// Base URL of the API.
        #[arg(long, env = "VIGIE_API_URL", default_value = "http://127.0.0.1:8080")]
        api: String,
        /// An access token of the bailleur (POST /api/v1/auth/token), instead of client credentials.
        #[arg(
            long,
            env = "VIGIE_TOKEN",
            hide_env_values = true,
            conflicts_with = "client_id",
            required_unless_present = "client_id"
        )]
        token: Option<String>,
        /// The id of an API client of the bailleur with the integration role.
        #[arg(long, env = "VIGIE_CLIENT_ID", requires = "client_secret")]
        client_id: Option<String>,
        /// That client's secret.
        #[arg(
            long,
            env = "VIGIE_CLIENT_SECRET",
            hide_env_values = true,
            requires = "client_id"
        )]
        client_secret: Option<String>,
        /// `all_or_nothing`: one bad row and nothing is written; `valid_rows_only`: the valid rows
        /// are written and the bad ones reported.
        #[arg(long, value_enum, default_value_t = ImportMode::AllOrNothing)]
        mode: ImportMode,
        /// Check every row, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where to write the row errors (default: FILE.errors.csv).
        #[arg(long)]
        errors_file: Option<PathBuf>,
    },
    /// Run the retention rules now, on the database (the service also runs them daily).
    ///
    /// Anonymises the incidents, complaints, PVs and sworn-agent files past the end of their
    /// retention with no legal hold, and prints what it did; `--dry-run` only prints what it would
    /// do and why. Safe while servers run on the same database.
    Retention {
        /// Change nothing: list what would be anonymised and why.
        #[arg(long)]
        dry_run: bool,
        /// Only this organisation's records.
        #[arg(long)]
        org_id: Option<String>,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Benchmark support (used by `make bench`).
    #[command(hide = true)]
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

/// What an import writes when some rows are bad.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ImportMode {
    #[value(name = "all_or_nothing")]
    AllOrNothing,
    #[value(name = "valid_rows_only")]
    ValidRowsOnly,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Seed a bailleur, 20 residences, an API client and N incidents; prints `org_id residence_id`.
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        incidents: usize,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
    },
    /// Write a CSV of N incidents for POST /imports (residences R0..R19 of the seeded bailleur).
    ImportFile {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// The same rows through the database's bulk path (COPY / multi-row inserts); prints rows/s.
    RawBulk {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        #[arg(long)]
        org_id: String,
        /// Comma-separated residence ids.
        #[arg(long)]
        residence_ids: String,
    },
    /// Single-row inserts, one transaction each, for SECONDS; prints rows per second.
    RawInsert {
        #[arg(long)]
        org_id: String,
        #[arg(long)]
        residence_id: String,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        #[arg(long, default_value_t = 16)]
        threads: usize,
    },
}

#[derive(Subcommand)]
enum NatinfCommand {
    /// Import a NATINF CSV (number; qualification; nature; defining articles; penalty articles).
    Import {
        file: PathBuf,
        /// Import the valid rows even if some are malformed.
        #[arg(long)]
        skip_invalid: bool,
        /// Label of this version of the list (default: natinf/<today>).
        #[arg(long)]
        version: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every hash chain; exit 1 if a record was edited or removed.
    Verify,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigie: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, StartError> {
    let s = cli.settings;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            actix_web::rt::System::new().block_on(vigie::serve(s, demo))?;
        }
        Command::Import {
            file,
            api,
            token,
            client_id,
            client_secret,
            mode,
            dry_run,
            errors_file,
        } => {
            use vigie::import_cli::Credentials;
            let credentials = match (token, client_id, client_secret) {
                (_, Some(id), Some(secret)) => Credentials::Client { id, secret },
                (Some(t), _, _) => Credentials::Token(t),
                // clap requires a token or both client credentials.
                _ => {
                    return Err(StartError::Config(
                        "give --token or --client-id and --client-secret".into(),
                    ));
                }
            };
            let args = vigie::import_cli::ImportArgs {
                file,
                api,
                credentials,
                mode: match mode {
                    ImportMode::AllOrNothing => "all_or_nothing",
                    ImportMode::ValidRowsOnly => "valid_rows_only",
                }
                .to_owned(),
                dry_run,
                errors_file,
            };
            return Ok(actix_web::rt::System::new().block_on(vigie::import_cli::run(args)));
        }
        Command::Retention { dry_run, org_id } => {
            let store = startup::open_store(&s)?;
            startup::load_reference(&store)?;
            let app = vigie_app::App::new(store, std::time::Duration::from_secs(10))
                .with_security(startup::security(&s));
            let run = actix_web::rt::System::new().block_on(vigie_app::retention::run::run_now(
                &app, "cli", org_id, dry_run, false,
            ))?;
            for r in run.records.iter().flatten() {
                println!(
                    "{}\t{} {}\t{}\tended {}",
                    if dry_run {
                        "would anonymise"
                    } else {
                        "anonymised"
                    },
                    r.record_type.as_str(),
                    r.record_id,
                    r.basis.as_str(),
                    r.ended_on
                );
            }
            println!(
                "retention run {} ({}): {} examined, {} anonymised{}",
                run.id,
                run.day,
                run.examined,
                run.anonymised,
                if run.records_truncated == Some(true) {
                    " (first 1,000 listed)"
                } else {
                    ""
                }
            );
        }
        Command::Migrate => {
            startup::open_store(&s)?;
            println!("migrations applied");
        }
        Command::Openapi => {
            let doc = vigie_api::openapi()
                .to_pretty_json()
                .map_err(|e| StartError::Config(e.to_string()))?;
            println!("{doc}");
        }
        Command::Demo => {
            let store = startup::open_store(&s)?;
            startup::load_reference(&store)?;
            let summary = vigie::demo::load(&store)?;
            println!(
                "demo data loaded: {} people, password `{}`",
                summary.people.len(),
                summary.password
            );
            let state = startup::app_state(&s, store)?;
            let recorded = actix_web::rt::System::new()
                .block_on(vigie::demo::record_documents(&state.app, state.app.store()))
                .map_err(StartError::Config)?;
            if let Some(d) = recorded {
                println!(
                    "demo documents: PV {}, slip {}, complaint {}",
                    d.pv, d.slip, d.complaint
                );
            }
        }
        Command::Natinf {
            command:
                NatinfCommand::Import {
                    file,
                    skip_invalid,
                    version,
                },
        } => {
            let data = std::fs::read(&file)
                .map_err(|e| StartError::Config(format!("cannot read {}: {e}", file.display())))?;
            let store = startup::open_store(&s)?;
            startup::load_reference(&store)?;
            let app = vigie_app::App::new(store, std::time::Duration::from_secs(10))
                .with_security(startup::security(&s));
            let version =
                version.unwrap_or_else(|| format!("natinf/{}", chrono::Utc::now().date_naive()));
            let import = vigie_app::offences::import_natinf(
                &app,
                vigie_app::Caller::operator("natinf-import"),
                Some(version.clone()),
                skip_invalid,
                data,
            );
            match actix_web::rt::System::new().block_on(import) {
                Err(e) if e.code == "natinf_rows_rejected" => {
                    for f in &e.errors {
                        eprintln!(
                            "{}:{}: {} ({})",
                            file.display(),
                            f.field.trim_start_matches("line "),
                            f.message,
                            f.code
                        );
                    }
                    eprintln!(
                        "{} malformed rows: nothing imported (use --skip-invalid to import the others)",
                        e.errors.len()
                    );
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(e.into()),
                Ok(r) => {
                    for e in &r.rejected {
                        eprintln!(
                            "{}:{}: skipped: {} ({})",
                            file.display(),
                            e.line,
                            e.message,
                            e.code
                        );
                    }
                    println!(
                        "NATINF {version}: {} created, {} updated, {} unchanged, {} rejected",
                        r.created,
                        r.updated,
                        r.unchanged,
                        r.rejected.len()
                    );
                }
            }
        }
        Command::Bench { command } => {
            let store = startup::open_store(&s)?;
            startup::load_reference(&store)?;
            match command {
                BenchCommand::Seed {
                    incidents,
                    client_id,
                    client_secret,
                } => {
                    let seeded = vigie::bench::seed(&store, incidents, &client_id, &client_secret)?;
                    println!(
                        "{} {} {}",
                        seeded.org_id,
                        seeded.residence_ids[0],
                        seeded.residence_ids.join(",")
                    );
                }
                BenchCommand::ImportFile { rows, out } => {
                    vigie::bench::import_file(rows, &out).map_err(|e| {
                        StartError::Config(format!("cannot write {}: {e}", out.display()))
                    })?;
                }
                BenchCommand::RawBulk {
                    rows,
                    org_id,
                    residence_ids,
                } => {
                    let ids: Vec<String> = residence_ids.split(',').map(str::to_owned).collect();
                    let rate = vigie::bench::raw_bulk_rate(&store, &org_id, &ids, rows)?;
                    println!("{rate:.1}");
                }
                BenchCommand::RawInsert {
                    org_id,
                    residence_id,
                    seconds,
                    threads,
                } => {
                    let duration = std::time::Duration::from_secs(seconds);
                    let rate = vigie::bench::raw_insert_rate(
                        &store,
                        &org_id,
                        &residence_id,
                        duration,
                        threads,
                    )?;
                    println!("{rate:.1}");
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let app =
                vigie_app::App::new(startup::open_store(&s)?, std::time::Duration::from_secs(10));
            let report = actix_web::rt::System::new().block_on(vigie_app::audit::verify_audit(
                &app,
                vigie_app::Caller::operator("audit-verify"),
            ))?;
            println!(
                "{} chains, {} records checked",
                report.chains, report.records
            );
            if !report.breaks.is_empty() {
                for b in &report.breaks {
                    println!("BROKEN chain {} at seq {}: {}", b.chain, b.seq, b.reason);
                }
                return Ok(ExitCode::FAILURE);
            }
            println!("audit trail intact");
        }
    }
    Ok(ExitCode::SUCCESS)
}

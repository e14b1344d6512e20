//! `liuhen`: the one binary. `serve` runs the server; `admin` manages
//! agencies, units, users and tokens directly on the database.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use liuhen_domain::{CredentialId, NewUnit, NewUser, Role};
use liuhen_server::{Config, Layer};
use liuhen_service::admin::AdminActor;
use liuhen_service::{Service, SystemClock, demo};

mod archive_cmd;
mod ingest;
mod keys;
mod remote;
mod verify_cmd;

#[derive(Parser)]
#[command(
    name = "liuhen",
    version,
    about = "留痕 — full-process recording of administrative law enforcement"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Seed the demo agency, users and cases (idempotent) and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Administration on the database itself (no server needed).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The verifiable ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Enforcement documents (执法文书).
    Doc {
        #[command(subcommand)]
        command: DocCommand,
    },
    /// Case-file packages (归档, archivists).
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// Docking-station agent: upload a folder of body-camera files, resumably, verifying every digest.
    /// Exit 0 every file verified, 1 some failed (they stay for the next run), 2 cannot run.
    Ingest {
        /// The liuhen server, http://HOST:PORT.
        #[arg(long)]
        server: String,
        /// The station's API token (`liuhen admin token create`).
        #[arg(long, env = "LIUHEN_TOKEN")]
        token: String,
        /// This station's id, recorded with each file.
        #[arg(long)]
        station: Option<String>,
        /// Keep watching the folder for new files.
        #[arg(long)]
        watch: bool,
        /// The docking folder: device.json and the device's files.
        dir: PathBuf,
    },
    /// Evidence storage.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// The recording rulebook: check layers, show effective rules.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Verify offline, with no server and no database: a case-file package (a BagIt folder or a
    /// tar file of one, see docs/archive-package.md) or a C2SP tlog-proof (`.tlog-proof`).
    /// Exit 0 verified, 1 failed (each failing item named), 2 cannot run.
    Verify {
        /// The package or proof to verify.
        file: PathBuf,
        /// The log's verifier key (`name+id+base64`), or a file of keys such as the server's /ledger/keys.
        /// Every key given must have signed.
        #[arg(long, required_unless_present = "key_fingerprint")]
        key: Vec<String>,
        /// For a package: trust the keys in its data/ledger/keys.txt whose fingerprint (hex SHA-256
        /// of the key line) starts with this, at least 16 hex digits.
        #[arg(long, conflicts_with = "key")]
        key_fingerprint: Option<String>,
        /// The log's origin [default: the first key's name].
        #[arg(long)]
        origin: Option<String>,
        /// The entry's bytes, when the proof does not carry them.
        #[arg(long)]
        entry: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Assemble (if not yet) and download an archived case's package as one tar file (BagIt).
    Export {
        /// The liuhen server, http://HOST:PORT.
        #[arg(long, env = "LIUHEN_SERVER")]
        server: String,
        /// An archivist's API token.
        #[arg(long, env = "LIUHEN_TOKEN")]
        token: String,
        /// The case: its 案件编号 or id.
        #[arg(long)]
        case: String,
        /// The tar file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// 四性检测 of every package again (run it on a schedule, e.g. a daily systemd timer): originals
    /// re-hashed, packaged ledger entries against the log, each archive entry against its manifests.
    /// Each check is a ledger entry; a failure alerts supervisors. Exit 0 all passed, 1 some failed.
    Check {
        #[command(flatten)]
        db: DbArgs,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Rehash every evidence original; quarantine and record in the ledger any that changed.
    /// Exit 0 all intact, 1 something was quarantined.
    Scrub {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Load the national rulebook and these layers in order (department, then local); report the first error.
    Check {
        /// Rulebook layers (TOML).
        files: Vec<PathBuf>,
    },
    /// Print the effective rule for an act, with the layer behind each field.
    Show {
        /// Act kind: code or Chinese term (e.g. 查封扣押).
        #[arg(long, required_unless_present = "procedure", conflicts_with = "procedure")]
        act: Option<String>,
        /// Procedure: code or Chinese term (e.g. 行政处罚普通程序): the acts and
        /// documents each stage expects, and the handling limit.
        #[arg(long)]
        procedure: Option<String>,
        /// Layers to apply over the national rulebook, in order.
        #[arg(long)]
        layer: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DocCommand {
    /// Render a preview PDF from a format and field values (JSON), with no server.
    /// Exit 0 written, 2 invalid fields or cannot render (each field at fault is named).
    Render {
        /// Format code or name, e.g. penalty_decision or 行政处罚决定书.
        #[arg(long)]
        format: String,
        /// The field values, a JSON object.
        #[arg(long)]
        data: PathBuf,
        /// The PDF to write.
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// The 文号 to print (a pending marker otherwise).
        #[arg(long)]
        number: Option<String>,
        /// Font files or folders [default: Debian's fonts-noto-cjk].
        #[arg(long)]
        font: Vec<PathBuf>,
        /// Format layers over the base formats, in order (department, then local).
        #[arg(long)]
        layer: Vec<PathBuf>,
    },
    /// List the effective document formats and their fields; with `--layer`, check layers
    /// (exit 1 naming what a layer got wrong, e.g. a mandatory base field it dropped).
    Formats {
        #[arg(long)]
        layer: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Replay the whole log from the database: recompute every hash, check every checkpoint.
    /// Exit 0 verified, 1 failed (the first divergence is named), 2 cannot run.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Replay the log served at this URL (http://HOST:PORT) from its tiles instead of the database.
        #[arg(long)]
        server: Option<String>,
        /// With --server: a token of a supervisor, administrator or archivist (entry bundles need one).
        #[arg(long, env = "LIUHEN_TOKEN")]
        token: Option<String>,
        /// Verifier keys to require [default: the keys in DATA/keys; required with --server].
        #[arg(long)]
        key: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where the data lives. Layered: defaults, `--config` file (or
/// `LIUHEN_CONFIG`), `LIUHEN_*` variables, then these flags.
#[derive(Args, Clone)]
struct DbArgs {
    /// Data folder [default: ./liuhen-data].
    #[arg(long)]
    data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…) instead of SQLite in the data folder.
    #[arg(long)]
    database_url: Option<String>,
    /// Where evidence originals go: `s3://bucket[/prefix]?endpoint=URL&region=R`
    /// (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) instead of
    /// the data folder. Needs a build with `--features s3`.
    #[arg(long)]
    blob_url: Option<String>,
    /// TOML configuration file.
    #[arg(long, env = "LIUHEN_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Agencies (执法机关).
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// Units (内设机构) inside an agency.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens for machines (docking stations, integrations).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum AgencyCommand {
    /// Create an agency; prints its id.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
        /// 简称, used in case numbers (e.g. 临市监).
        #[arg(long)]
        short_name: String,
        /// 统一社会信用代码.
        #[arg(long)]
        uscc: String,
    },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Create a unit below PARENT (an id or a unique name); prints its id.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        parent: String,
        #[arg(long)]
        name: String,
        /// 单位编号, as the unit's body cameras are configured (`device.json` `unit_code`).
        #[arg(long)]
        code: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. Reads the password from standard input, or generates and prints one.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        login: String,
        /// 姓名.
        #[arg(long)]
        name: String,
        /// officer, reviewer, leader, archivist, supervisor, station, admin (or the Chinese term).
        #[arg(long)]
        role: String,
        /// The user's unit: an id or a unique name.
        #[arg(long)]
        unit: String,
        /// 执法证号 (required for officers).
        #[arg(long)]
        cert_no: Option<String>,
        /// 执法类别.
        #[arg(long)]
        category: Option<String>,
        /// Holds 法律职业资格.
        #[arg(long)]
        legal_qualification: bool,
        /// The highest label read without a 调阅 grant (public, internal, personal_privacy,
        /// trade_secret or the Chinese term); the role's default when absent.
        #[arg(long)]
        clearance: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// No password at all (machines that use tokens only).
        #[arg(long, conflicts_with = "password_stdin")]
        no_password: bool,
    },
    /// Set a user's password (read from standard input); the user's sessions end.
    Password {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        login: String,
    },
    /// Change a user's role, unit or whether the account is active (a ledger entry, user.changed).
    Change {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        login: String,
        /// The new role (code or Chinese term).
        #[arg(long)]
        role: Option<String>,
        /// The new unit: an id or a unique name, within the user's agency.
        #[arg(long)]
        unit: Option<String>,
        /// `true` to reactivate, `false` to deactivate.
        #[arg(long)]
        active: Option<bool>,
        /// The highest label read without a 调阅 grant (code or Chinese term).
        #[arg(long)]
        clearance: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for LOGIN and print it alone on standard output.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        login: String,
        /// A name to recognise the token by (e.g. the station's).
        #[arg(long)]
        name: Option<String>,
        /// What the token may do: full (all its user may), read (only reads) or upload
        /// (only evidence uploads).
        #[arg(long, default_value = "full")]
        scope: String,
    },
    /// Revoke a token by its id.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        id: String,
    },
}

fn load_config(db: &DbArgs, listen: Option<SocketAddr>) -> Result<Config> {
    let mut config = Config::default();
    if let Some(file) = &db.config {
        config = config.with(Layer::from_toml_file(file)?);
    }
    config = config.with(Layer::from_env(std::env::vars())?);
    config = config.with(Layer {
        data: db.data.clone(),
        listen,
        database_url: db.database_url.clone(),
        blob_url: db.blob_url.clone(),
        ..Default::default()
    });
    Ok(config.validate()?)
}

async fn open_service(config: &Config) -> Result<Service> {
    // The rulebook first: a bad layer stops the start before anything is created.
    let policy = load_policy(&config.policy_layers).map_err(|e| anyhow::anyhow!("the rulebook: {e}"))?;
    let formats = liuhen_service::documents::load_formats(&read_layers(&config.format_layers)?)
        .map_err(|e| anyhow::anyhow!("the document formats: {e}"))?;
    liuhen_store::blobs::create_private_dir(&config.data)
        .with_context(|| format!("cannot create the data folder {}", config.data.display()))?;
    warn_if_open(&config.data);
    let url = config.effective_database_url();
    let store = liuhen_store::Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database {}", liuhen_store::redact_url(&url)))?;
    let service_config = config.service_config();
    let signer = keys::ledger_signer(config)?;
    let login_key = keys::login_key(config)?;
    let blobs = liuhen_store::blobs::LocalBlobs::open(&config.data.join("blobs"))
        .with_context(|| format!("opening the evidence folder in {}", config.data.display()))?;
    let limits = liuhen_service::evidence::UploadLimits {
        max_bytes: config.max_upload_bytes,
        expiry: time::Duration::hours(i64::from(config.upload_expiry_hours)),
    };
    let originals = liuhen_store::originals::Originals::from_url(config.blob_url.as_deref(), &blobs)
        .context("opening the evidence store")?;
    tracing::info!(originals = %originals.describe(), "evidence store");
    Ok(Service::new(store, Arc::new(SystemClock), service_config, signer)
        .with_login_key(login_key)
        .with_evidence(liuhen_store::uploads::UploadArea::with_originals(blobs, originals), limits)
        .with_policy(policy)
        .with_formats(formats)
        .with_alert_rules(config.alerts.rules())
        .with_stream_limits(liuhen_service::supervision::StreamLimits {
            per_user: config.max_streams_per_user as usize,
        }))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LIUHEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let verifying = matches!(
        cli.command,
        Command::Verify { .. } | Command::Ledger { .. } | Command::Store { .. } | Command::Policy { .. }
    );
    match runtime.block_on(run(cli)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(if verifying { 2 } else { 1 })
        }
    }
}

fn load_policy(files: &[PathBuf]) -> Result<liuhen_policy::Policy, String> {
    let mut p = liuhen_policy::Policy::national().map_err(|e| format!("the national rulebook: {e}"))?;
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        p.add_layer(&f.display().to_string(), &text).map_err(|e| e.to_string())?;
    }
    Ok(p)
}

fn policy(command: PolicyCommand) -> Result<u8> {
    match command {
        PolicyCommand::Check { files } => match load_policy(&files) {
            Ok(p) => {
                println!("rulebook valid: national + {} layer(s)", p.layers().len().saturating_sub(1));
                Ok(0)
            }
            Err(e) => {
                println!("rulebook invalid: {e}");
                Ok(1)
            }
        },
        PolicyCommand::Show { act, procedure, layer } => {
            let p = load_policy(&layer).map_err(|e| anyhow::anyhow!(e))?;
            if let Some(procedure) = procedure {
                let procedure: liuhen_domain::Procedure =
                    procedure.parse().map_err(|e: liuhen_domain::ValidationError| {
                        anyhow::anyhow!("--procedure: {}", e.problem)
                    })?;
                print!("{}", p.show_procedure(procedure));
                return Ok(0);
            }
            let act: liuhen_domain::ActKind = act
                .unwrap_or_default()
                .parse()
                .map_err(|e: liuhen_domain::ValidationError| anyhow::anyhow!("--act: {}", e.problem))?;
            print!("{}", p.show(act));
            Ok(0)
        }
    }
}

/// Reads layer files as (source name, text).
fn read_layers(paths: &[PathBuf]) -> Result<Vec<(String, String)>> {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

fn doc(command: DocCommand) -> Result<u8> {
    match command {
        DocCommand::Render { format, data, out, number, font, layer } => {
            let layers = read_layers(&layer)?;
            let text =
                std::fs::read_to_string(&data).with_context(|| format!("reading {}", data.display()))?;
            let fields: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", data.display()))?;
            match liuhen_service::documents::render_preview(
                &format,
                &fields,
                number.as_deref(),
                &font,
                &layers,
            ) {
                Ok(bytes) => {
                    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
                    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("cannot render: {e}");
                    Ok(2)
                }
            }
        }
        DocCommand::Formats { layer } => {
            match liuhen_service::documents::formats_summary(&read_layers(&layer)?) {
                Ok(lines) => {
                    for f in lines {
                        println!("{f}");
                    }
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(1)
                }
            }
        }
    }
}

/// Runs a command; the exit status is 0 for success, 1 for a failed verification.
async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Serve { db, listen, demo } => serve(&db, listen, demo).await.map(|()| 0),
        Command::Admin { command } => admin(command).await.map(|()| 0),
        Command::Policy { command } => policy(command),
        Command::Doc { command } => doc(command),
        Command::Archive { command: ArchiveCommand::Export { server, token, case, output } } => {
            archive_cmd::export(&server, &token, &case, &output).await
        }
        Command::Archive { command: ArchiveCommand::Check { db, json } } => {
            let service = open_service(&load_config(&db, None)?).await?;
            let mut failed = 0usize;
            let mut reports = Vec::new();
            for id in service.archive_ids().await? {
                let report = service.check_archive(None, id).await?;
                if !report.passed {
                    failed += 1;
                }
                if !json {
                    let bad: Vec<String> = report
                        .checks
                        .iter()
                        .filter(|c| !c.passed)
                        .map(|c| format!("{}: {}", c.item, c.detail))
                        .collect();
                    println!(
                        "{id}: {}",
                        if report.passed { "passed".to_owned() } else { format!("FAILED {bad:?}") }
                    );
                }
                reports.push(serde_json::json!({ "archive": id, "report": report }));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else {
                println!("{} package(s) checked, {failed} failed", reports.len());
            }
            Ok(if failed == 0 { 0 } else { 1 })
        }
        Command::Ingest { server, token, station, watch, dir } => {
            ingest::run(&server, &token, station.as_deref(), &dir, watch).await
        }
        Command::Store { command: StoreCommand::Scrub { db, json } } => {
            let service = open_service(&load_config(&db, None)?).await?;
            let report = service.scrub_evidence().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for (expected, actual) in &report.quarantined {
                    println!("QUARANTINED: object {expected} now hashes to {actual}");
                }
                println!("{} objects checked, {} quarantined", report.checked, report.quarantined.len());
            }
            Ok(if report.quarantined.is_empty() { 0 } else { 1 })
        }
        Command::Verify { file, key, key_fingerprint, origin, entry, json } => {
            if verify_cmd::is_package(&file) {
                return verify_cmd::verify_package(&file, &key, key_fingerprint, json);
            }
            if key_fingerprint.is_some() {
                anyhow::bail!("--key-fingerprint picks keys from a package; {} is not one", file.display());
            }
            let keys = verify_cmd::read_keys(&key)?;
            let outcome = verify_cmd::verify_tlog_proof(&file, &keys, origin.as_deref(), entry.as_deref())?;
            outcome.print(json)?;
            Ok(if outcome.verified { 0 } else { 1 })
        }
        Command::Ledger { command: LedgerCommand::Verify { db, server, token, key, json } } => {
            let report = match server {
                Some(url) => {
                    let keys = verify_cmd::read_keys(&key)?;
                    remote::verify_server(&url, token, &keys).await?
                }
                None => {
                    let config = load_config(&db, None)?;
                    let service = open_service(&config).await?;
                    let keys = if key.is_empty() {
                        service.ledger_signer().verifier_keys()
                    } else {
                        verify_cmd::read_keys(&key)?
                    };
                    service.verify_ledger(&config.ledger_origin, &keys).await?
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} entries ({} integrated), {} checkpoints; latest checkpoint {} {}",
                    report.entries,
                    report.integrated,
                    report.checkpoints,
                    report.latest_size.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                    report.latest_root.as_deref().unwrap_or("-")
                );
                match &report.failure {
                    None => println!("ledger verified"),
                    Some(d) => println!("ledger verification FAILED: {}", d.message),
                }
            }
            Ok(if report.ok() { 0 } else { 1 })
        }
    }
}

async fn serve(db: &DbArgs, listen: Option<SocketAddr>, with_demo: bool) -> Result<()> {
    let mut config = load_config(db, listen)?;
    // The demo's documents carry officers' QR codes (事中公示) pointing at this server unless a
    // public address is configured.
    if with_demo && config.public_url.is_none() && config.listen.port() != 0 {
        let ip = if config.listen.ip().is_unspecified() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            config.listen.ip()
        };
        config.public_url = Some(format!("http://{}", SocketAddr::new(ip, config.listen.port())));
    }
    let service = open_service(&config).await?;
    // Destructions approved before a crash, whose files were not yet all removed.
    let finished = service.finish_destructions().await.context("finishing approved destructions")?;
    if finished > 0 {
        tracing::info!(finished, "removed the files of destructions approved before the last stop");
    }
    let mut shown = None;
    if with_demo {
        let logins = demo::seed(&service).await.context("seeding the demo data")?;
        write_demo_logins(&config.data, &logins)?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "演示账号 (demo logins), also in {}:", config.data.join("demo-logins.json").display())?;
        for l in &logins {
            writeln!(out, "  {:<12} {:<26} {:<11} {}", l.login, l.password, l.role, l.unit)?;
        }
        shown = Some(logins);
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!("liuhen listening on http://{addr}");
    // The address a browser on this machine opens (a server bound to every interface is on loopback too).
    let open = if addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let how = if with_demo { ", and sign in with a demo login above" } else { "" };
    println!("ready: open http://{open}/ in a browser{how} (Ctrl-C stops the server)");
    std::io::stdout().flush()?;
    tracing::info!(%addr, database = %liuhen_store::redact_url(&config.effective_database_url()), "serving");
    let mut state = liuhen_server::AppState::new(service, config);
    if let Some(logins) = shown {
        state = state.with_demo_logins(logins);
    }
    liuhen_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Warns when a data folder made before (or by hand) is open to group or
/// others: it holds the database, evidence and keys. Left as it is, since
/// the operator may share it on purpose; the key files are checked apart.
fn warn_if_open(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(dir) {
            let mode = m.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(folder = %dir.display(), mode = format!("{:o}", mode & 0o777),
                    "the data folder is open to group or others; chmod 700 it");
            }
        }
    }
    let _ = dir;
}

fn write_demo_logins(data: &Path, logins: &[demo::DemoLogin]) -> Result<()> {
    let path = data.join("demo-logins.json");
    let tmp = data.join("demo-logins.json.tmp");
    let body = serde_json::to_vec_pretty(logins)?;
    // Passwords: private to liuhen's user (0600), whatever the umask says.
    liuhen_store::blobs::create_private_file(&tmp)
        .and_then(|mut f| f.write_all(&body))
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn read_password_line() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        bail!("no password on standard input");
    }
    Ok(p)
}

/// 20 characters drawn from an alphabet without look-alikes (about 116 bits).
fn generated_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 20] = liuhen_service::random_bytes()?;
    // 256 is not a multiple of 56: the slight bias costs under a bit of entropy in all.
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(*b) % ALPHABET.len()).copied().unwrap_or(b'x')))
        .collect())
}

async fn admin(command: AdminCommand) -> Result<()> {
    let who = AdminActor::CommandLine;
    match command {
        AdminCommand::Agency { command: AgencyCommand::Add { db, name, short_name, uscc } } => {
            let service = open_service(&load_config(&db, None)?).await?;
            let input =
                NewUnit { name, parent_id: None, short_name: Some(short_name), uscc: Some(uscc), code: None };
            let unit = service.create_unit(who, &input).await?;
            println!("{}", unit.id);
        }
        AdminCommand::Unit { command: UnitCommand::Add { db, parent, name, code } } => {
            let service = open_service(&load_config(&db, None)?).await?;
            let parent = service.find_unit(&parent).await.context("finding the parent unit")?;
            let input = NewUnit { name, parent_id: Some(parent.id), short_name: None, uscc: None, code };
            let unit = service.create_unit(who, &input).await?;
            println!("{}", unit.id);
        }
        AdminCommand::User {
            command:
                UserCommand::Add {
                    db,
                    login,
                    name,
                    role,
                    unit,
                    cert_no,
                    category,
                    legal_qualification,
                    clearance,
                    password_stdin,
                    no_password,
                },
        } => {
            let role: Role = role
                .parse()
                .map_err(|e: liuhen_domain::ValidationError| anyhow::anyhow!("--role: {}", e.problem))?;
            let service = open_service(&load_config(&db, None)?).await?;
            let unit = service.find_unit(&unit).await.context("finding the unit")?;
            let (password, show) = if no_password {
                (None, false)
            } else if password_stdin {
                (Some(read_password_line()?), false)
            } else {
                (Some(generated_password()?), true)
            };
            let input = NewUser {
                login,
                display_name: name,
                role,
                unit_id: unit.id,
                cert_no,
                enforcement_category: category,
                legal_qualification,
                clearance: clearance.map(|c| c.parse()).transpose()?,
            };
            let user = service.create_user(who, &input, password.as_deref()).await?;
            println!("{}", user.id);
            if let (true, Some(p)) = (show, password) {
                eprintln!("generated password for {}: {p}", user.login);
            }
        }
        AdminCommand::User { command: UserCommand::Password { db, login } } => {
            let service = open_service(&load_config(&db, None)?).await?;
            let user = service.user_by_login(&login).await?;
            let password = read_password_line()?;
            service.set_password(who, user.id, &password).await?;
        }
        AdminCommand::User { command: UserCommand::Change { db, login, role, unit, active, clearance } } => {
            let service = open_service(&load_config(&db, None)?).await?;
            let user = service.user_by_login(&login).await.with_context(|| format!("no user {login:?}"))?;
            let role = role.map(|r| r.parse::<Role>()).transpose()?;
            let unit_id = match unit {
                Some(u) => Some(service.find_unit(&u).await?.id),
                None => None,
            };
            let clearance = clearance.map(|c| c.parse()).transpose()?;
            let change = liuhen_domain::UserChange { role, unit_id, active, clearance };
            let after = service.change_user(who, user.id, &change).await?;
            println!("{} {} {} active={}", after.login, after.role.code(), after.unit_id, after.active);
        }
        AdminCommand::Token { command: TokenCommand::Create { db, login, name, scope } } => {
            let scope: liuhen_domain::TokenScope = scope.parse()?;
            let service = open_service(&load_config(&db, None)?).await?;
            let user = service.user_by_login(&login).await.with_context(|| format!("no user {login:?}"))?;
            let token =
                service.create_token(liuhen_domain::Actor::System("cli"), user.id, name, scope).await?;
            eprintln!("token id {} (use it to revoke)", token.id);
            println!("{}", token.secret);
        }
        AdminCommand::Token { command: TokenCommand::Revoke { db, id } } => {
            let id: CredentialId = id.parse().context("--id must be a token id (a UUID)")?;
            let service = open_service(&load_config(&db, None)?).await?;
            service.revoke_credential(liuhen_domain::Actor::System("cli"), id).await?;
        }
    }
    Ok(())
}

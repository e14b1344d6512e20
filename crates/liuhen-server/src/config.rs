//! Configuration, in layers: built-in defaults, then a TOML file, then
//! `LIUHEN_*` environment variables, then command-line flags. An unknown key
//! in the file or an unknown `LIUHEN_*` variable is an error, so a typo never
//! silently leaves a default in force.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The effective configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Data folder: the SQLite database and, later, local blobs and keys.
    pub data: PathBuf,
    pub listen: SocketAddr,
    /// `postgres://…` to use PostgreSQL; `None` for SQLite in `data`.
    pub database_url: Option<String>,
    /// `s3://bucket[/prefix]?endpoint=…` to keep evidence originals in
    /// S3-compatible storage; `None` for the local folder in `data`.
    pub blob_url: Option<String>,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Login session lifetime, in minutes.
    pub session_minutes: u32,
    /// Mark the session cookie `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// The ledger's origin line, e.g. `liuhen.example.gov.cn/ledger`: names the log in checkpoints.
    pub ledger_origin: String,
    /// Serve checkpoints, hash tiles and proofs without authentication.
    pub ledger_public: bool,
    /// Also sign checkpoints with an SM2 key (signed-note type 0xff).
    pub ledger_sm2: bool,
    /// Largest evidence file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long an unfinished upload is kept, in hours.
    pub upload_expiry_hours: u32,
    /// Rulebook layers (TOML) applied over the national rules, in order: department, then local.
    pub policy_layers: Vec<PathBuf>,
    /// Approvals a 调阅 request needs before it is granted (1 to 5).
    pub access_approvals: u32,
    /// Document format layers (TOML) over the built-in base formats, in order: department, then local.
    pub format_layers: Vec<PathBuf>,
    /// The alert rules of the supervision stream (`[alerts]`).
    pub alerts: AlertConfig,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request from
    /// one of them is attributed to the address it forwarded for (the
    /// nearest one not itself a trusted proxy). Empty: the peer address.
    pub trusted_proxies: Vec<IpAddr>,
    /// Password hashes (Argon2id, 19 MiB each) run at once at most; 0 for
    /// one per processor.
    pub password_hashes: usize,
    /// Logins that may wait for a hash; beyond, `503` with `Retry-After`.
    pub password_hash_queue: usize,
    /// Failed logins from one address (an IPv6 /64) in 15 minutes before the
    /// address is locked for 15.
    pub login_failures_per_source: u32,
    /// A device clock offset (校时) beyond this many milliseconds either way
    /// is a finding on the clip and an alert on the supervision stream.
    pub clock_drift_threshold_ms: u32,
    /// Seconds a client has to send a request's headers; then the connection closes.
    pub header_read_seconds: u32,
    /// Seconds an upload's body may stall: then the request ends, keeping what came (tus).
    pub body_idle_seconds: u32,
    /// Connections served at once; a connection beyond them is answered 503 and closed.
    pub max_connections: u32,
    /// Upload PATCH requests served at once; beyond them a PATCH is answered 503 with Retry-After.
    pub max_upload_patches: u32,
    /// Seconds between checks that a supervision stream's credential and role still hold.
    pub stream_recheck_seconds: u32,
    /// Supervision streams one user may hold open at once; beyond them 429.
    pub max_streams_per_user: u32,
    /// The address the public reaches this site at (`https://gs.example.gov.cn`), for the links
    /// of the Atom feed and the QR codes on documents; absent, the request's own host.
    pub public_url: Option<String>,
    /// ClamAV's `clamscan`, which scans a case-file package at packaging and
    /// at each re-check (四性检测, 安全性): a bare name is looked up on `PATH`
    /// (absent: the report says it is not installed), a path must be there;
    /// empty for no scan.
    pub clamscan: String,
    /// Its signature database (`--database`, a folder or a file); `None` for ClamAV's own.
    pub clamscan_database: Option<PathBuf>,
    /// Seconds one package's scan may take; then it is stopped and the check fails.
    pub clamscan_timeout_seconds: u32,
}

/// The alert rules of the supervision stream, as configured (`[alerts]` in
/// the file, `LIUHEN_ALERTS_*` in the environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertConfig {
    /// 批量下载: more than this many viewing sessions or downloads by one user…
    pub bulk_count: u32,
    /// …within this many minutes.
    pub bulk_minutes: u32,
    /// 工作时间: reads before the first hour or from the second on (local time,
    /// 0–24), or on a non-working day, alert.
    pub work_hours: [u8; 2],
    /// 反复被拒: this many refusals of one subject…
    pub refusal_count: u32,
    /// …within this many minutes.
    pub refusal_minutes: u32,
    /// 读取本单位以外案件: alert on reads of cases outside the reader's unit.
    pub outside_unit: bool,
    /// Roles (codes or Chinese names) whose reads outside their unit alert
    /// only when made through a 调阅 grant.
    pub outside_unit_exempt_roles: Vec<liuhen_domain::Role>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        let d = liuhen_service::supervision::AlertRules::default();
        AlertConfig {
            bulk_count: u32::try_from(d.bulk_count).unwrap_or(u32::MAX),
            bulk_minutes: u32::try_from(d.bulk_window.whole_minutes()).unwrap_or(u32::MAX),
            work_hours: [d.work_hours.0, d.work_hours.1],
            refusal_count: u32::try_from(d.refusal_count).unwrap_or(u32::MAX),
            refusal_minutes: u32::try_from(d.refusal_window.whole_minutes()).unwrap_or(u32::MAX),
            outside_unit: d.outside_unit,
            outside_unit_exempt_roles: d.outside_unit_exempt,
        }
    }
}

impl AlertConfig {
    /// The rules the service applies.
    pub fn rules(&self) -> liuhen_service::supervision::AlertRules {
        let [start, end] = self.work_hours;
        liuhen_service::supervision::AlertRules {
            bulk_count: self.bulk_count as usize,
            bulk_window: time::Duration::minutes(i64::from(self.bulk_minutes)),
            work_hours: (start, end),
            refusal_count: self.refusal_count as usize,
            refusal_window: time::Duration::minutes(i64::from(self.refusal_minutes)),
            outside_unit: self.outside_unit,
            outside_unit_exempt: self.outside_unit_exempt_roles.clone(),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(format!("alerts.{m}")));
        if !(1..=100_000).contains(&self.bulk_count) {
            return bad("bulk_count must be between 1 and 100000");
        }
        if !(1..=1_440).contains(&self.refusal_count) {
            return bad("refusal_count must be between 1 and 1440");
        }
        for (name, m) in [("bulk_minutes", self.bulk_minutes), ("refusal_minutes", self.refusal_minutes)] {
            if !(1..=1_440).contains(&m) {
                return bad(&format!("{name} must be between 1 and 1440"));
            }
        }
        let [start, end] = self.work_hours;
        if start >= end || end > 24 {
            return bad("work_hours must be [start, end] with 0 <= start < end <= 24, e.g. [8, 18]");
        }
        Ok(())
    }
}

/// The `[alerts]` table of a layer: every key optional, unknown keys refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertLayer {
    pub bulk_count: Option<u32>,
    pub bulk_minutes: Option<u32>,
    pub work_hours: Option<[u8; 2]>,
    pub refusal_count: Option<u32>,
    pub refusal_minutes: Option<u32>,
    pub outside_unit: Option<bool>,
    pub outside_unit_exempt_roles: Option<Vec<liuhen_domain::Role>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: PathBuf::from("./liuhen-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            blob_url: None,
            max_body_bytes: 1024 * 1024,
            session_minutes: 12 * 60,
            secure_cookies: false,
            ledger_origin: "liuhen.localhost/ledger".to_owned(),
            ledger_public: true,
            ledger_sm2: false,
            max_upload_bytes: 64 << 30,
            upload_expiry_hours: 24,
            policy_layers: Vec::new(),
            access_approvals: 2,
            format_layers: Vec::new(),
            alerts: AlertConfig::default(),
            trusted_proxies: Vec::new(),
            password_hashes: 0,
            password_hash_queue: 32,
            login_failures_per_source: 30,
            clock_drift_threshold_ms: 30_000,
            header_read_seconds: 30,
            body_idle_seconds: 60,
            max_connections: 1024,
            // Each PATCH holds three blocking threads (two digests, the
            // writer) of tokio's 512: at most 64 leaves most of them free.
            max_upload_patches: 64,
            stream_recheck_seconds: 10,
            max_streams_per_user: 4,
            public_url: None,
            clamscan: "clamscan".to_owned(),
            clamscan_database: None,
            clamscan_timeout_seconds: 3600,
        }
    }
}

/// One layer: every key optional, unknown keys refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub data: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    pub blob_url: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub session_minutes: Option<u32>,
    pub secure_cookies: Option<bool>,
    pub ledger_origin: Option<String>,
    pub ledger_public: Option<bool>,
    pub ledger_sm2: Option<bool>,
    pub max_upload_bytes: Option<u64>,
    pub upload_expiry_hours: Option<u32>,
    pub policy_layers: Option<Vec<PathBuf>>,
    pub access_approvals: Option<u32>,
    pub format_layers: Option<Vec<PathBuf>>,
    pub alerts: Option<AlertLayer>,
    pub trusted_proxies: Option<Vec<IpAddr>>,
    pub password_hashes: Option<usize>,
    pub password_hash_queue: Option<usize>,
    pub login_failures_per_source: Option<u32>,
    pub clock_drift_threshold_ms: Option<u32>,
    pub header_read_seconds: Option<u32>,
    pub body_idle_seconds: Option<u32>,
    pub max_connections: Option<u32>,
    pub max_upload_patches: Option<u32>,
    pub stream_recheck_seconds: Option<u32>,
    pub max_streams_per_user: Option<u32>,
    pub clamscan: Option<String>,
    pub clamscan_database: Option<PathBuf>,
    pub public_url: Option<String>,
    pub clamscan_timeout_seconds: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// Environment variables that are not configuration keys but are read
/// elsewhere (the log filter, the config file path, test suites).
const ENV_NOT_KEYS: &[&str] = &["LIUHEN_LOG", "LIUHEN_CONFIG"];
const ENV_PREFIXES_NOT_KEYS: &[&str] = &["LIUHEN_TEST_"];

impl Layer {
    pub fn from_toml_file(path: &Path) -> Result<Layer, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.into(), source })?;
        toml::from_str(&text)
            .map_err(|e| ConfigError::File { path: path.into(), message: e.message().to_owned() })
    }

    /// Reads `LIUHEN_*` variables from `vars`.
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> Result<Layer, ConfigError> {
        let mut layer = Layer::default();
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("LIUHEN_") else {
                continue;
            };
            if ENV_NOT_KEYS.contains(&name.as_str())
                || ENV_PREFIXES_NOT_KEYS.iter().any(|p| name.starts_with(p))
            {
                continue;
            }
            let bad = |message: String| ConfigError::Env { name: name.clone(), message };
            match key {
                "DATA" => layer.data = Some(PathBuf::from(value)),
                "LISTEN" => layer.listen = Some(value.parse().map_err(|e| bad(format!("{e}")))?),
                "DATABASE_URL" => layer.database_url = Some(value),
                "BLOB_URL" => layer.blob_url = Some(value),
                "MAX_BODY_BYTES" => {
                    layer.max_body_bytes = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "SESSION_MINUTES" => {
                    layer.session_minutes = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "SECURE_COOKIES" => {
                    layer.secure_cookies = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "LEDGER_ORIGIN" => layer.ledger_origin = Some(value),
                "LEDGER_PUBLIC" => {
                    layer.ledger_public = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "LEDGER_SM2" => layer.ledger_sm2 = Some(value.parse().map_err(|e| bad(format!("{e}")))?),
                "MAX_UPLOAD_BYTES" => {
                    layer.max_upload_bytes = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "POLICY_LAYERS" => {
                    layer.policy_layers =
                        Some(value.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect())
                }
                "FORMAT_LAYERS" => {
                    layer.format_layers =
                        Some(value.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect())
                }
                "ACCESS_APPROVALS" => {
                    layer.access_approvals = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "UPLOAD_EXPIRY_HOURS" => {
                    layer.upload_expiry_hours = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "TRUSTED_PROXIES" => {
                    layer.trusted_proxies = Some(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|a| !a.is_empty())
                            .map(|a| a.parse().map_err(|e| bad(format!("{a:?}: {e}"))))
                            .collect::<Result<_, _>>()?,
                    )
                }
                "PASSWORD_HASHES" => {
                    layer.password_hashes = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "PASSWORD_HASH_QUEUE" => {
                    layer.password_hash_queue = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "LOGIN_FAILURES_PER_SOURCE" => {
                    layer.login_failures_per_source = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "CLOCK_DRIFT_THRESHOLD_MS" => {
                    layer.clock_drift_threshold_ms = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "HEADER_READ_SECONDS" => {
                    layer.header_read_seconds = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "BODY_IDLE_SECONDS" => {
                    layer.body_idle_seconds = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "MAX_CONNECTIONS" => {
                    layer.max_connections = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "MAX_UPLOAD_PATCHES" => {
                    layer.max_upload_patches = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "STREAM_RECHECK_SECONDS" => {
                    layer.stream_recheck_seconds = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "MAX_STREAMS_PER_USER" => {
                    layer.max_streams_per_user = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                "PUBLIC_URL" => layer.public_url = Some(value),
                "CLAMSCAN" => layer.clamscan = Some(value),
                "CLAMSCAN_DATABASE" => layer.clamscan_database = Some(PathBuf::from(value)),
                "CLAMSCAN_TIMEOUT_SECONDS" => {
                    layer.clamscan_timeout_seconds = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                }
                _ if key.starts_with("ALERTS_") => {
                    let a = layer.alerts.get_or_insert_with(AlertLayer::default);
                    let num = |v: &str| v.parse::<u32>().map_err(|e| bad(format!("{e}")));
                    match &key["ALERTS_".len()..] {
                        "BULK_COUNT" => a.bulk_count = Some(num(&value)?),
                        "BULK_MINUTES" => a.bulk_minutes = Some(num(&value)?),
                        "REFUSAL_COUNT" => a.refusal_count = Some(num(&value)?),
                        "REFUSAL_MINUTES" => a.refusal_minutes = Some(num(&value)?),
                        "OUTSIDE_UNIT" => {
                            a.outside_unit = Some(value.parse().map_err(|e| bad(format!("{e}")))?)
                        }
                        "WORK_HOURS" => {
                            let (s, e) = value
                                .split_once('-')
                                .ok_or_else(|| bad("write the hours as START-END, e.g. 8-18".into()))?;
                            let h = |v: &str| v.trim().parse::<u8>().map_err(|e| bad(format!("{e}")));
                            a.work_hours = Some([h(s)?, h(e)?]);
                        }
                        "OUTSIDE_UNIT_EXEMPT_ROLES" => {
                            a.outside_unit_exempt_roles = Some(
                                value
                                    .split(',')
                                    .map(str::trim)
                                    .filter(|r| !r.is_empty())
                                    .map(|r| r.parse().map_err(|e| bad(format!("{e}"))))
                                    .collect::<Result<_, _>>()?,
                            )
                        }
                        _ => return Err(bad("unknown setting".into())),
                    }
                }
                _ => return Err(bad("unknown setting".into())),
            }
        }
        Ok(layer)
    }
}

impl Config {
    /// Applies a layer over this configuration.
    #[must_use]
    pub fn with(mut self, l: Layer) -> Config {
        if let Some(v) = l.data {
            self.data = v;
        }
        if let Some(v) = l.listen {
            self.listen = v;
        }
        if let Some(v) = l.database_url {
            self.database_url = Some(v);
        }
        if let Some(v) = l.blob_url {
            self.blob_url = Some(v);
        }
        if let Some(v) = l.max_body_bytes {
            self.max_body_bytes = v;
        }
        if let Some(v) = l.session_minutes {
            self.session_minutes = v;
        }
        if let Some(v) = l.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = l.ledger_origin {
            self.ledger_origin = v;
        }
        if let Some(v) = l.ledger_public {
            self.ledger_public = v;
        }
        if let Some(v) = l.ledger_sm2 {
            self.ledger_sm2 = v;
        }
        if let Some(v) = l.max_upload_bytes {
            self.max_upload_bytes = v;
        }
        if let Some(v) = l.upload_expiry_hours {
            self.upload_expiry_hours = v;
        }
        if let Some(v) = l.policy_layers {
            self.policy_layers = v;
        }
        if let Some(v) = l.access_approvals {
            self.access_approvals = v;
        }
        if let Some(v) = l.format_layers {
            self.format_layers = v;
        }
        if let Some(v) = l.trusted_proxies {
            self.trusted_proxies = v;
        }
        if let Some(v) = l.password_hashes {
            self.password_hashes = v;
        }
        if let Some(v) = l.password_hash_queue {
            self.password_hash_queue = v;
        }
        if let Some(v) = l.login_failures_per_source {
            self.login_failures_per_source = v;
        }
        if let Some(v) = l.clamscan {
            self.clamscan = v;
        }
        if let Some(v) = l.public_url {
            self.public_url = (!v.trim().is_empty()).then(|| v.trim().trim_end_matches('/').to_owned());
        }
        if let Some(v) = l.clamscan_database {
            // An empty path is ClamAV's own database again.
            self.clamscan_database = (!v.as_os_str().is_empty()).then_some(v);
        }
        let limits = [
            (l.clock_drift_threshold_ms, &mut self.clock_drift_threshold_ms),
            (l.header_read_seconds, &mut self.header_read_seconds),
            (l.body_idle_seconds, &mut self.body_idle_seconds),
            (l.max_connections, &mut self.max_connections),
            (l.max_upload_patches, &mut self.max_upload_patches),
            (l.stream_recheck_seconds, &mut self.stream_recheck_seconds),
            (l.max_streams_per_user, &mut self.max_streams_per_user),
            (l.clamscan_timeout_seconds, &mut self.clamscan_timeout_seconds),
        ];
        for (given, field) in limits {
            if let Some(v) = given {
                *field = v;
            }
        }
        if let Some(a) = l.alerts {
            let c = &mut self.alerts;
            c.bulk_count = a.bulk_count.unwrap_or(c.bulk_count);
            c.bulk_minutes = a.bulk_minutes.unwrap_or(c.bulk_minutes);
            c.work_hours = a.work_hours.unwrap_or(c.work_hours);
            c.refusal_count = a.refusal_count.unwrap_or(c.refusal_count);
            c.refusal_minutes = a.refusal_minutes.unwrap_or(c.refusal_minutes);
            c.outside_unit = a.outside_unit.unwrap_or(c.outside_unit);
            if let Some(r) = a.outside_unit_exempt_roles {
                c.outside_unit_exempt_roles = r;
            }
        }
        self
    }

    pub fn validate(self) -> Result<Config, ConfigError> {
        if let Some(u) = &self.public_url
            && !((u.starts_with("https://") || u.starts_with("http://"))
                && u.len() > 8
                && !u.contains(['"', '<', '>', ' ']))
        {
            return Err(ConfigError::Invalid(format!(
                "public_url {u:?} must be an http:// or https:// address"
            )));
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err(ConfigError::Invalid("max_body_bytes must be between 1 KiB and 64 MiB".into()));
        }
        if !(5..=7 * 24 * 60).contains(&self.session_minutes) {
            return Err(ConfigError::Invalid("session_minutes must be between 5 and 10080".into()));
        }
        if self.upload_expiry_hours == 0 || self.upload_expiry_hours > 24 * 30 {
            return Err(ConfigError::Invalid("upload_expiry_hours must be between 1 and 720".into()));
        }
        self.alerts.validate()?;
        if self.password_hashes > 1024 || self.password_hash_queue > 100_000 {
            return Err(ConfigError::Invalid(
                "password_hashes must be at most 1024 and password_hash_queue at most 100000".into(),
            ));
        }
        if !(5..=100_000).contains(&self.login_failures_per_source) {
            return Err(ConfigError::Invalid(
                "login_failures_per_source must be between 5 and 100000".into(),
            ));
        }
        for (name, v, range) in [
            ("clock_drift_threshold_ms", self.clock_drift_threshold_ms, 1..=86_400_000),
            ("header_read_seconds", self.header_read_seconds, 1..=600),
            ("body_idle_seconds", self.body_idle_seconds, 1..=3_600),
            ("max_connections", self.max_connections, 1..=1_000_000),
            ("max_upload_patches", self.max_upload_patches, 1..=150),
            ("stream_recheck_seconds", self.stream_recheck_seconds, 1..=30),
            ("max_streams_per_user", self.max_streams_per_user, 1..=100),
            ("clamscan_timeout_seconds", self.clamscan_timeout_seconds, 10..=86_400),
        ] {
            if !range.contains(&v) {
                return Err(ConfigError::Invalid(format!(
                    "{name} must be between {} and {}",
                    range.start(),
                    range.end()
                )));
            }
        }
        if !(1..=5).contains(&self.access_approvals) {
            return Err(ConfigError::Invalid("access_approvals must be between 1 and 5".into()));
        }
        if !liuhen_tlog::is_valid_key_name(&self.ledger_origin) {
            return Err(ConfigError::Invalid(format!(
                "ledger_origin {:?} cannot name a log: use a schema-less URL without spaces or '+'",
                self.ledger_origin
            )));
        }
        if let Some(url) = &self.database_url {
            liuhen_store::Backend::from_url(url).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        }
        if let Some(url) = &self.blob_url
            && !(url.starts_with("s3://") || url == "file:")
        {
            return Err(ConfigError::Invalid(format!(
                "blob_url {url:?}: use `file:` (the local folder) or `s3://bucket[/prefix]?endpoint=URL&region=R`"
            )));
        }
        Ok(self)
    }

    /// The settings of the use cases this configuration gives.
    pub fn service_config(&self) -> liuhen_service::ServiceConfig {
        let d = liuhen_service::ServiceConfig::default();
        liuhen_service::ServiceConfig {
            session_ttl: time::Duration::minutes(i64::from(self.session_minutes)),
            record_reads: true,
            access_approvals: self.access_approvals,
            password_hashes: if self.password_hashes == 0 { d.password_hashes } else { self.password_hashes },
            password_hash_queue: self.password_hash_queue,
            login_failures_per_source: i64::from(self.login_failures_per_source),
            clock_drift_threshold_ms: i64::from(self.clock_drift_threshold_ms),
            antivirus: liuhen_service::archive_checks::Antivirus {
                clamscan: (!self.clamscan.trim().is_empty()).then(|| PathBuf::from(self.clamscan.trim())),
                database: self.clamscan_database.clone(),
                timeout: std::time::Duration::from_secs(u64::from(self.clamscan_timeout_seconds)),
            },
            public_url: self.public_url.clone(),
        }
    }

    /// The database URL in effect: the configured one, or SQLite in `data`.
    pub fn effective_database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| liuhen_store::sqlite_url_for_dir(&self.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liuhen.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nsession_minutes = 60\n").unwrap();
        let c = Config::default()
            .with(Layer::from_toml_file(&file).unwrap())
            .with(
                Layer::from_env(env(&[
                    ("LIUHEN_SESSION_MINUTES", "30"),
                    ("PATH", "/bin"),
                    ("LIUHEN_LOG", "debug"),
                ]))
                .unwrap(),
            )
            .with(Layer { data: Some("/srv/liuhen".into()), ..Default::default() })
            .validate()
            .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.session_minutes, 30);
        assert_eq!(c.data, PathBuf::from("/srv/liuhen"));
        assert_eq!(c.max_body_bytes, 1024 * 1024);
    }

    #[test]
    fn alert_rules_are_configured_in_layers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liuhen.toml");
        std::fs::write(
            &file,
            "[alerts]\nbulk_count = 5\nbulk_minutes = 3\nwork_hours = [7, 19]\n\
             outside_unit_exempt_roles = [\"supervisor\", \"法制审核人员\"]\n",
        )
        .unwrap();
        let c = Config::default()
            .with(Layer::from_toml_file(&file).unwrap())
            .with(
                Layer::from_env(env(&[
                    ("LIUHEN_ALERTS_REFUSAL_COUNT", "7"),
                    ("LIUHEN_ALERTS_OUTSIDE_UNIT", "false"),
                ]))
                .unwrap(),
            )
            .validate()
            .unwrap();
        let rules = c.alerts.rules();
        assert_eq!((rules.bulk_count, rules.bulk_window.whole_minutes()), (5, 3));
        assert_eq!(rules.work_hours, (7, 19));
        assert_eq!((rules.refusal_count, rules.refusal_window.whole_minutes()), (7, 10));
        assert!(!rules.outside_unit);
        assert_eq!(
            rules.outside_unit_exempt,
            vec![liuhen_domain::Role::Supervisor, liuhen_domain::Role::Reviewer]
        );
        // The defaults are the service's, the outside-unit rule on.
        let d = Config::default().alerts.rules();
        assert_eq!(d, liuhen_service::supervision::AlertRules::default());
        assert!(d.outside_unit);
        // Unknown keys, bad hours, unknown roles are refused.
        std::fs::write(&file, "[alerts]\nbulk_cnt = 5\n").unwrap();
        assert!(Layer::from_toml_file(&file).unwrap_err().to_string().contains("bulk_cnt"));
        std::fs::write(&file, "[alerts]\noutside_unit_exempt_roles = [\"janitor\"]\n").unwrap();
        assert!(Layer::from_toml_file(&file).is_err());
        let bad = Config::default()
            .with(Layer::from_env(env(&[("LIUHEN_ALERTS_WORK_HOURS", "18-8")])).unwrap())
            .validate();
        assert!(bad.unwrap_err().to_string().contains("work_hours"));
        assert!(Layer::from_env(env(&[("LIUHEN_ALERTS_NOPE", "1")])).is_err());
    }

    #[test]
    fn the_clock_drift_threshold_is_configured_in_layers() {
        assert_eq!(Config::default().service_config().clock_drift_threshold_ms, 30_000);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liuhen.toml");
        std::fs::write(&file, "clock_drift_threshold_ms = 10000\n").unwrap();
        let c = Config::default().with(Layer::from_toml_file(&file).unwrap()).validate().unwrap();
        assert_eq!(c.service_config().clock_drift_threshold_ms, 10_000);
        let c = c
            .with(Layer::from_env(env(&[("LIUHEN_CLOCK_DRIFT_THRESHOLD_MS", "5000")])).unwrap())
            .validate()
            .unwrap();
        assert_eq!(c.service_config().clock_drift_threshold_ms, 5_000);
        let zero = Config::default().with(Layer { clock_drift_threshold_ms: Some(0), ..Default::default() });
        assert!(zero.validate().unwrap_err().to_string().contains("clock_drift_threshold_ms"));
    }

    #[test]
    fn the_virus_scan_is_configured_in_layers() {
        use std::time::Duration;
        // By default clamscan is looked for on PATH, with ClamAV's own database.
        let av = Config::default().service_config().antivirus;
        assert_eq!((av.clamscan, av.database), (Some(PathBuf::from("clamscan")), None));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liuhen.toml");
        std::fs::write(
            &file,
            "clamscan = \"/opt/clamav/bin/clamscan\"\nclamscan_database = \"/srv/sigs\"\nclamscan_timeout_seconds = 600\n",
        )
        .unwrap();
        let c = Config::default().with(Layer::from_toml_file(&file).unwrap()).validate().unwrap();
        let av = c.service_config().antivirus;
        assert_eq!(av.clamscan, Some(PathBuf::from("/opt/clamav/bin/clamscan")));
        assert_eq!((av.database, av.timeout), (Some(PathBuf::from("/srv/sigs")), Duration::from_secs(600)));
        // Empty turns the scan off, and an empty database is ClamAV's own again.
        let off = c
            .with(Layer::from_env(env(&[("LIUHEN_CLAMSCAN", ""), ("LIUHEN_CLAMSCAN_DATABASE", "")])).unwrap())
            .validate()
            .unwrap();
        assert_eq!((off.service_config().antivirus.clamscan, off.clamscan_database), (None, None));
        let quick = Config::default().with(Layer { clamscan_timeout_seconds: Some(1), ..Default::default() });
        assert!(quick.validate().unwrap_err().to_string().contains("clamscan_timeout_seconds"));
    }

    #[test]
    fn connection_and_stream_limits_are_configured_in_layers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liuhen.toml");
        std::fs::write(&file, "max_connections = 10\nheader_read_seconds = 5\n").unwrap();
        let c = Config::default()
            .with(Layer::from_toml_file(&file).unwrap())
            .with(
                Layer::from_env(env(&[
                    ("LIUHEN_MAX_UPLOAD_PATCHES", "3"),
                    ("LIUHEN_BODY_IDLE_SECONDS", "7"),
                    ("LIUHEN_STREAM_RECHECK_SECONDS", "2"),
                    ("LIUHEN_MAX_STREAMS_PER_USER", "1"),
                ]))
                .unwrap(),
            )
            .validate()
            .unwrap();
        assert_eq!((c.max_connections, c.header_read_seconds, c.max_upload_patches), (10, 5, 3));
        assert_eq!((c.body_idle_seconds, c.stream_recheck_seconds, c.max_streams_per_user), (7, 2, 1));
        let bad = Config { stream_recheck_seconds: 31, ..Config::default() }.validate();
        assert!(bad.unwrap_err().to_string().contains("stream_recheck_seconds"));
        let bad = Config { max_upload_patches: 0, ..Config::default() }.validate();
        assert!(bad.unwrap_err().to_string().contains("max_upload_patches"));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("liuhen.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nlisten_port = 1\n").unwrap();
        let e = Layer::from_toml_file(&file).unwrap_err().to_string();
        assert!(e.contains("listen_port"), "{e}");
        let e = Layer::from_env(env(&[("LIUHEN_LISTN", "x")])).unwrap_err().to_string();
        assert!(e.contains("LIUHEN_LISTN") && e.contains("unknown"), "{e}");
        let e = Layer::from_env(env(&[("LIUHEN_LISTEN", "nowhere")])).unwrap_err().to_string();
        assert!(e.contains("LIUHEN_LISTEN"), "{e}");
        assert!(Layer::from_env(env(&[("LIUHEN_TEST_DATABASE_URL", "x")])).is_ok());
        let bad = Config { database_url: Some("mysql://x".into()), ..Default::default() };
        assert!(bad.validate().is_err());
    }
}

//! The deployment's secrets — the ledger's signing keys and the key of
//! login names in the ledger — kept as files in `DATA/keys/` (folder 0700,
//! files 0600), created on first start. A key file readable by group or
//! others is refused. Several nodes on one PostgreSQL database must share
//! the same key files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use liuhen_server::Config;
use liuhen_service::ledger::LedgerSigner;
use liuhen_tlog::SignerKey;

pub fn keys_dir(config: &Config) -> PathBuf {
    config.data.join("keys")
}

/// Loads the ledger's keys, creating any that are missing.
pub fn ledger_signer(config: &Config) -> Result<LedgerSigner> {
    let dir = keys_dir(config);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    restrict(&dir, 0o700)?;
    let origin = &config.ledger_origin;
    let mut keys = vec![load_or_create(&dir.join("ledger-ed25519.key"), origin, |seed| {
        SignerKey::ed25519_from_seed(origin, seed)
    })?];
    if config.ledger_sm2 {
        keys.push(load_or_create(&dir.join("ledger-sm2.key"), origin, |secret| {
            SignerKey::sm2_from_secret(origin, secret)
        })?);
    }
    LedgerSigner::new(origin, keys).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The secret that keys login names and source addresses in the ledger and
/// in the failure counters (HMAC-SHA256), created once per deployment.
pub fn login_key(config: &Config) -> Result<[u8; 32]> {
    let dir = keys_dir(config);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    restrict(&dir, 0o700)?;
    let path = dir.join("login-hmac.key");
    if path.exists() {
        check_private(&path)?;
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let bytes = hex::decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
        return bytes
            .with_context(|| format!("{} does not hold a key (64 hexadecimal digits)", path.display()));
    }
    let key: [u8; 32] = liuhen_service::random_bytes()?;
    write_secret(&path, hex::encode(key).as_bytes())?;
    tracing::info!(path = %path.display(), "created the login-name key");
    Ok(key)
}

/// Refuses a secret file that group or others may read or write: whoever
/// could read it could sign checkpoints or reverse login keys.
fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{} is open to group or others (mode {:o}); a key must be private to liuhen's user: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    let _ = path;
    Ok(())
}

fn load_or_create(
    path: &Path,
    origin: &str,
    make: impl Fn(&[u8; 32]) -> Result<SignerKey, liuhen_tlog::Error>,
) -> Result<SignerKey> {
    if path.exists() {
        check_private(path)?;
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let key = SignerKey::parse(text.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if key.name() != origin {
            bail!(
                "{} is the key of the log {:?}, but ledger_origin is {origin:?}; a log keeps its origin for life",
                path.display(),
                key.name()
            );
        }
        return Ok(key);
    }
    // An SM2 secret must lie below the curve order; retry the rare miss.
    let mut key = None;
    for _ in 0..16 {
        let secret: [u8; 32] = liuhen_service::random_bytes()?;
        if let Ok(k) = make(&secret) {
            key = Some(k);
            break;
        }
    }
    let key = key.context("could not make a signing key")?;
    write_secret(path, key.to_secret_string().as_bytes())?;
    tracing::info!(path = %path.display(), verifier = %key.verifier(), "created a ledger signing key");
    Ok(key)
}

/// Writes a new secret file durably: create-only with mode 0600, fsync, then fsync the folder.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn restrict(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    let _ = (path, mode);
    Ok(())
}

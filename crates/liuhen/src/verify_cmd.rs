//! `liuhen verify PACKAGE` — offline verification of a case-file package —,
//! `liuhen verify FILE` — of a C2SP tlog-proof file — and `liuhen ledger
//! verify` — a replay of the whole log from the database.
//! Exit status: 0 verified, 1 verification failed, 2 cannot run.

use std::path::Path;

use anyhow::{Context, Result};
use liuhen_tlog::{ProofPolicy, TlogProof, VerifierKey};
use serde::Serialize;

/// The outcome of a verification, as printed with `--json`.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub verified: bool,
    pub subject: String,
    pub details: Vec<String>,
    pub failures: Vec<String>,
}

impl Outcome {
    pub fn print(&self, json: bool) -> Result<()> {
        if json {
            println!("{}", serde_json::to_string_pretty(self)?);
        } else {
            for d in &self.details {
                println!("{d}");
            }
            for f in &self.failures {
                println!("FAILED: {f}");
            }
            println!("{}: {}", self.subject, if self.verified { "verified" } else { "verification FAILED" });
        }
        Ok(())
    }
}

/// Whether `path` is a package: a folder, or a tar file (`ustar` at byte 257).
pub fn is_package(path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    let mut head = [0u8; 263];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head.get(257..262) == Some(b"ustar".as_slice()))
}

/// `liuhen verify PACKAGE`: exit 0 verified, 1 failed; cannot run is an error (2).
pub fn verify_package(path: &Path, key: &[String], fingerprint: Option<String>, json: bool) -> Result<u8> {
    let choice = match fingerprint {
        Some(fp) => liuhen_archive::KeyChoice::Fingerprint(fp),
        None => liuhen_archive::KeyChoice::Given(read_keys(key)?),
    };
    let report = liuhen_archive::verify_package(path, &choice)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for d in &report.details {
            println!("{d}");
        }
        for f in &report.failures {
            println!("FAILED: {}: {}", f.item, f.problem);
        }
        let verdict = if report.verified {
            "verified".to_owned()
        } else {
            format!("verification FAILED ({} item(s))", report.failures.len())
        };
        println!("{}: {verdict}", report.package);
    }
    Ok(if report.verified { 0 } else { 1 })
}

/// Reads verifier keys: each argument is a key (`name+id+base64`) or a file of keys, one per line.
pub fn read_keys(args: &[String]) -> Result<Vec<VerifierKey>> {
    let mut keys = Vec::new();
    for a in args {
        let text = if Path::new(a).is_file() {
            std::fs::read_to_string(a).with_context(|| format!("reading {a}"))?
        } else {
            a.clone()
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            keys.push(VerifierKey::parse(line).map_err(|e| anyhow::anyhow!("verifier key {line:?}: {e}"))?);
        }
    }
    if keys.is_empty() {
        anyhow::bail!(
            "give the log's verifier key with --key (a key, or a file such as the server's /ledger/keys)"
        );
    }
    Ok(keys)
}

/// Verifies a tlog-proof file. The entry comes from `entry` or, failing
/// that, from the proof's `extra` line.
pub fn verify_tlog_proof(
    file: &Path,
    keys: &[VerifierKey],
    origin: Option<&str>,
    entry: Option<&Path>,
) -> Result<Outcome> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let subject = file.display().to_string();
    let proof = match TlogProof::parse(&bytes) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Outcome {
                verified: false,
                subject,
                details: vec![],
                failures: vec![format!("not a tlog-proof: {e}")],
            });
        }
    };
    let entry_bytes = match entry {
        Some(p) => std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        None => proof.extra.clone().context("the proof carries no entry; give it with --entry FILE")?,
    };
    let log_key = keys.first().cloned().context("no key")?;
    let policy = ProofPolicy {
        origin: origin.unwrap_or(log_key.name()).to_owned(),
        log_key,
        witnesses: vec![],
        quorum: 0,
    };
    let mut details = vec![format!("entry {} of log {}", proof.index, policy.origin)];
    match proof.verify(&entry_bytes, &policy) {
        Ok(v) => {
            let mut failures = Vec::new();
            for k in keys.iter().skip(1) {
                if !v.note.is_signed_by(k) {
                    failures.push(format!("the checkpoint lacks a valid signature by {}", k.name()));
                }
            }
            details.push(format!(
                "included in the tree of {} entries with root {}",
                v.checkpoint.size,
                v.checkpoint.root.to_base64()
            ));
            if let Ok(e) = liuhen_domain::LedgerEntry::decode(&entry_bytes) {
                details.push(format!(
                    "entry: {} by {} at {} ms, subjects {:?}",
                    e.kind, e.actor, e.time, e.subjects
                ));
            }
            Ok(Outcome { verified: failures.is_empty(), subject, details, failures })
        }
        Err(e) => Ok(Outcome { verified: false, subject, details, failures: vec![e.to_string()] }),
    }
}

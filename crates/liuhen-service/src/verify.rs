//! Replaying the whole ledger from the store: every entry decoded, every
//! tree hash recomputed, every checkpoint's signatures, root and
//! consistency with the one before checked. The first divergence is
//! reported precisely (which entry, which checkpoint, what differs).

use liuhen_domain::LedgerEntry;
use liuhen_tlog::{Checkpoint, Hash, Sha256Hasher, VerifierKey};
use serde::Serialize;

use crate::Service;
use crate::error::Result;

/// What a replay found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LedgerReport {
    /// Entries sequenced in the store.
    pub entries: u64,
    /// Entries whose tree hashes were stored and recomputed.
    pub integrated: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Size and root (base64) of the newest checkpoint.
    pub latest_size: Option<u64>,
    pub latest_root: Option<String>,
    /// The first problem found, if any.
    pub failure: Option<Divergence>,
}

/// One problem, located.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Divergence {
    /// The entry index at fault, when the problem is an entry's.
    pub entry: Option<u64>,
    /// The checkpoint tree size at fault, when the problem is a checkpoint's.
    pub checkpoint: Option<u64>,
    pub message: String,
}

impl LedgerReport {
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

const BATCH: u32 = 4096;

impl Service {
    /// Replays the ledger. `keys` are the verifier keys a checkpoint must be
    /// signed by (all of them); `origin` the log's expected origin.
    pub async fn verify_ledger(&self, origin: &str, keys: &[VerifierKey]) -> Result<LedgerReport> {
        let mut tx = self.store.read().await?;
        let progress = tx.ledger_progress().await?;
        let mut report = LedgerReport {
            entries: progress.sequenced,
            integrated: progress.integrated,
            checkpoints: 0,
            latest_size: None,
            latest_root: None,
            failure: None,
        };
        let fail =
            |report: &mut LedgerReport, entry: Option<u64>, checkpoint: Option<u64>, message: String| {
                report.failure = Some(Divergence { entry, checkpoint, message });
            };
        // Recompute every stored hash from the entries alone.
        let mut hashes: Vec<Hash> = Vec::new();
        let mut next = 0u64;
        while next < progress.sequenced {
            let batch = tx.read_entries(next, BATCH).await?;
            if batch.is_empty() {
                fail(&mut report, Some(next), None, format!("entry {next} is missing"));
                return Ok(report);
            }
            for e in batch {
                if e.seq != next {
                    fail(
                        &mut report,
                        Some(next),
                        None,
                        format!("entry {next} is missing (next stored is {})", e.seq),
                    );
                    return Ok(report);
                }
                if let Err(err) = LedgerEntry::decode(&e.body) {
                    fail(&mut report, Some(next), None, format!("entry {next} is not a valid entry: {err}"));
                    return Ok(report);
                }
                match liuhen_tlog::stored_hashes::<Sha256Hasher>(next, &e.body, &hashes) {
                    Ok(new) => hashes.extend(new),
                    Err(err) => {
                        fail(
                            &mut report,
                            Some(next),
                            None,
                            format!("recomputing the tree at entry {next}: {err}"),
                        );
                        return Ok(report);
                    }
                }
                next += 1;
            }
        }
        // Compare with what the store holds, for the integrated part.
        let stored_count = usize::try_from(
            liuhen_tlog::stored_hash_count(progress.integrated)
                .map_err(|e| crate::ServiceError::Internal(e.to_string()))?,
        )
        .unwrap_or(usize::MAX);
        let mut at = 0usize;
        while at < stored_count.min(hashes.len()) {
            let end = (at + BATCH as usize).min(stored_count);
            let indexes: Vec<u64> = (at as u64..end as u64).collect();
            let stored = tx.read_tree_hashes(&indexes).await?;
            for (i, s) in indexes.iter().zip(stored) {
                let computed = hashes.get(*i as usize).copied();
                if s.map(Hash) != computed {
                    let (level, n) = liuhen_tlog::split_stored_hash_index(*i);
                    let first_entry = n << level;
                    let what = if level == 0 {
                        "the entry's bytes no longer match its leaf hash"
                    } else {
                        "a stored tree hash differs"
                    };
                    fail(
                        &mut report,
                        Some(first_entry),
                        None,
                        format!(
                            "entry {first_entry}: {what} (stored hash {i}, level {level}, covers entries {first_entry}..{})",
                            (n + 1) << level
                        ),
                    );
                    return Ok(report);
                }
            }
            at = end;
        }
        // Every checkpoint: signatures, origin, root, consistency with the one before.
        let mut prev: Option<(u64, Hash)> = None;
        let mut from = 0u64;
        loop {
            let cps = tx.checkpoints(from, 1000).await?;
            if cps.is_empty() {
                break;
            }
            for cp in cps {
                from = cp.size + 1;
                report.checkpoints += 1;
                let at = Some(cp.size);
                let opened = match Checkpoint::open(cp.note.as_bytes(), origin, keys) {
                    Ok((c, verified)) => {
                        if let Some(k) = keys.iter().find(|k| !verified.is_signed_by(k)) {
                            fail(
                                &mut report,
                                None,
                                at,
                                format!("checkpoint {} lacks a valid signature by {}", cp.size, k.name()),
                            );
                            return Ok(report);
                        }
                        c
                    }
                    Err(e) => {
                        fail(&mut report, None, at, format!("checkpoint {}: {e}", cp.size));
                        return Ok(report);
                    }
                };
                if opened.size != cp.size || opened.root.0 != cp.root {
                    fail(
                        &mut report,
                        None,
                        at,
                        format!("checkpoint {}: the signed note does not match its row", cp.size),
                    );
                    return Ok(report);
                }
                if cp.size > next {
                    fail(
                        &mut report,
                        None,
                        at,
                        format!("checkpoint {} covers more entries than the {next} stored", cp.size),
                    );
                    return Ok(report);
                }
                let root = match liuhen_tlog::tree_hash::<Sha256Hasher>(cp.size, &hashes) {
                    Ok(r) => r,
                    Err(e) => {
                        fail(&mut report, None, at, format!("checkpoint {}: {e}", cp.size));
                        return Ok(report);
                    }
                };
                if root != opened.root {
                    fail(
                        &mut report,
                        None,
                        at,
                        format!(
                            "checkpoint {}: signed root {} but the entries give {}; an entry below {} was changed",
                            cp.size,
                            opened.root.to_base64(),
                            root.to_base64(),
                            cp.size
                        ),
                    );
                    return Ok(report);
                }
                if let Some((psize, proot)) = prev {
                    let consistent = liuhen_tlog::prove_tree::<Sha256Hasher>(cp.size, psize, &hashes)
                        .and_then(|p| {
                            liuhen_tlog::verify_consistency::<Sha256Hasher>(psize, cp.size, &proot, &root, &p)
                        });
                    if let Err(e) = consistent {
                        fail(
                            &mut report,
                            None,
                            at,
                            format!("checkpoint {} is not consistent with checkpoint {psize}: {e}", cp.size),
                        );
                        return Ok(report);
                    }
                }
                prev = Some((cp.size, root));
                report.latest_size = Some(cp.size);
                report.latest_root = Some(root.to_base64());
            }
        }
        tx.finish().await?;
        Ok(report)
    }
}

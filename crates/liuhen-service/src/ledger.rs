//! The verifiable ledger's moving parts: integrating sequenced entries into
//! the RFC 6962 tree, signing checkpoints, and reading tiles, proofs and
//! entries back out.
//!
//! Sequencing happens in every write transaction (`record()`); integration
//! follows in its own transaction, run by [`Service::integrate`] (a
//! background loop calls it several times a second, and the server calls it
//! once at start so that whatever was sequenced before a crash is
//! integrated). Integration and signing hold the same writer lock as every
//! change, so on PostgreSQL several nodes can run it and only one does the
//! work for a given range.

use std::cell::RefCell;
use std::collections::HashMap;

use liuhen_store::{LedgerProgress, Read, StoreError, StoredCheckpoint, Tx};
use liuhen_tlog::{
    Checkpoint, EntryBundle, Hash, HashReader, Note, Sha256Hasher, SignerKey, Tile, TlogProof, VerifierKey,
};

use crate::error::{Result, ServiceError};
use crate::{Principal, Service};

/// The log's identity and the keys that sign its checkpoints.
#[derive(Debug)]
pub struct LedgerSigner {
    origin: String,
    signers: Vec<SignerKey>,
}

impl LedgerSigner {
    /// `origin` names the log (e.g. `liuhen.example.gov.cn/ledger`); every
    /// signer key must carry it as its name. The first key is the log's
    /// Ed25519 key; an SM2 key may follow.
    pub fn new(origin: &str, signers: Vec<SignerKey>) -> Result<Self> {
        if signers.is_empty() {
            return Err(ServiceError::Internal("a ledger needs at least one signing key".into()));
        }
        if let Some(k) = signers.iter().find(|k| k.name() != origin) {
            return Err(ServiceError::Conflict(format!(
                "the ledger key named {:?} does not match the ledger origin {origin:?}",
                k.name()
            )));
        }
        Ok(LedgerSigner { origin: origin.to_owned(), signers })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier keys, one per signer, in signed-note `name+id+key` form.
    pub fn verifier_keys(&self) -> Vec<VerifierKey> {
        self.signers.iter().map(|s| s.verifier().clone()).collect()
    }

    fn sign(&self, text: &str) -> Result<Note> {
        let refs: Vec<&SignerKey> = self.signers.iter().collect();
        Note::sign(text, &refs).map_err(|e| ServiceError::Internal(format!("signing a checkpoint: {e}")))
    }
}

/// Entries integrated per inner step.
const INTEGRATE_BATCH: u32 = 4096;
/// Most entries integrated in one round; a backlog takes several rounds.
const MAX_PER_ROUND: u64 = 200_000;

/// A [`HashReader`] over hashes fetched so far; a miss is recorded so the
/// caller can fetch it from the store and run the pure computation again.
/// The tree algorithms read the same indexes whatever the hash values are,
/// so a few rounds always settle.
#[derive(Default)]
struct FetchingReader {
    known: HashMap<u64, Hash>,
    missing: RefCell<Vec<u64>>,
}

impl HashReader for FetchingReader {
    fn read_hashes(&self, indexes: &[u64]) -> std::result::Result<Vec<Hash>, liuhen_tlog::Error> {
        let mut out = Vec::with_capacity(indexes.len());
        let mut missing = self.missing.borrow_mut();
        for i in indexes {
            match self.known.get(i) {
                Some(h) => out.push(*h),
                None => missing.push(*i),
            }
        }
        match missing.first() {
            Some(first) => Err(liuhen_tlog::Error::HashNotFound(*first)),
            None => Ok(out),
        }
    }
}

impl FetchingReader {
    /// Runs `f` until every hash it reads has been fetched from `tx`.
    async fn run<M, T>(
        &mut self,
        tx: &mut Tx<M>,
        f: impl Fn(&FetchingReader) -> std::result::Result<T, liuhen_tlog::Error>,
    ) -> Result<T> {
        for _ in 0..128 {
            self.missing.borrow_mut().clear();
            match f(self) {
                Ok(v) => return Ok(v),
                Err(liuhen_tlog::Error::HashNotFound(_)) if !self.missing.borrow().is_empty() => {
                    let wanted: Vec<u64> = std::mem::take(&mut *self.missing.borrow_mut());
                    let got = tx.read_tree_hashes(&wanted).await?;
                    for (i, h) in wanted.iter().zip(got) {
                        let h = h.ok_or_else(|| {
                            ServiceError::Internal(format!("tree hash {i} is missing from the store"))
                        })?;
                        self.known.insert(*i, Hash(h));
                    }
                }
                Err(e) => return Err(ServiceError::Internal(format!("ledger tree: {e}"))),
            }
        }
        Err(ServiceError::Internal("ledger tree: hash reads did not settle".into()))
    }
}

/// Whether `user` may read the entry `body`: one of their own agency's, or
/// one that belongs to no agency (the deployment's own). Hash tiles and
/// checkpoints stay public; entries name records, so they stay within the
/// agency that made them.
fn entry_in_reach(user: &liuhen_domain::User, body: &[u8]) -> Result<bool> {
    let entry = liuhen_domain::LedgerEntry::decode(body)
        .map_err(|e| ServiceError::Internal(format!("a stored ledger entry does not decode: {e}")))?;
    Ok(entry.org.as_deref().is_none_or(|org| org == user.agency_id.to_string()))
}

fn tlog_err(e: liuhen_tlog::Error) -> ServiceError {
    ServiceError::Internal(format!("ledger tree: {e}"))
}

impl Service {
    pub fn ledger_signer(&self) -> &LedgerSigner {
        &self.ledger
    }

    /// Integrates every sequenced entry into the tree and signs a checkpoint
    /// for the new size. Returns the new checkpoint, if one was signed.
    /// Refuses to sign a tree that is not consistent with the last checkpoint.
    pub async fn integrate(&self) -> Result<Option<StoredCheckpoint>> {
        // 1. A snapshot: what is sequenced, what is integrated, the last checkpoint.
        let mut tx = self.store.read().await?;
        let p = tx.ledger_progress().await?;
        let latest = tx.latest_checkpoint().await?;
        let latest_size = latest.as_ref().map(|c| c.size);
        if p.integrated == p.sequenced && latest_size.unwrap_or(0) == p.sequenced {
            tx.finish().await?;
            return Ok(None);
        }
        // 2. Hash the new entries in memory, with no lock held: entries are
        //    immutable once committed.
        let from = p.integrated;
        let to = p.sequenced.min(from.saturating_add(MAX_PER_ROUND));
        let first_index = liuhen_tlog::stored_hash_count(from).map_err(tlog_err)?;
        let mut reader = FetchingReader::default();
        let mut new_hashes: Vec<[u8; 32]> = Vec::new();
        let mut size = from;
        while size < to {
            let want = u32::try_from(to - size).unwrap_or(u32::MAX).min(INTEGRATE_BATCH);
            let entries = tx.read_entries(size, want).await?;
            if entries.is_empty() {
                return Err(ServiceError::Internal(format!("ledger entry {size} is missing")));
            }
            for e in &entries {
                if e.seq != size {
                    return Err(ServiceError::Internal(format!(
                        "ledger entry {size} is missing (found {})",
                        e.seq
                    )));
                }
                let n = size;
                let hs = reader
                    .run(&mut tx, |r| liuhen_tlog::stored_hashes::<Sha256Hasher>(n, &e.body, r))
                    .await?;
                let at = liuhen_tlog::stored_hash_count(n).map_err(tlog_err)?;
                for (k, h) in hs.iter().enumerate() {
                    reader.known.insert(at + k as u64, *h);
                }
                new_hashes.extend(hs.iter().map(|h| h.0));
                size += 1;
            }
        }
        // 3. The new tree head, checked against the last checkpoint before it is signed.
        let checkpoint = if to > 0 && latest_size.is_none_or(|s| s < to) {
            let root = reader.run(&mut tx, |r| liuhen_tlog::tree_hash::<Sha256Hasher>(to, r)).await?;
            if let Some(prev) = &latest {
                let proof = reader
                    .run(&mut tx, |r| liuhen_tlog::prove_tree::<Sha256Hasher>(to, prev.size, r))
                    .await?;
                if let Err(e) = liuhen_tlog::verify_consistency::<Sha256Hasher>(
                    prev.size,
                    to,
                    &Hash(prev.root),
                    &root,
                    &proof,
                ) {
                    tracing::error!(from = prev.size, to, error = %e, "refusing to sign: tree inconsistent with the last checkpoint");
                    return Err(ServiceError::Internal(format!(
                        "the tree at size {to} is not consistent with the checkpoint at size {}: not signed",
                        prev.size
                    )));
                }
            }
            let body = Checkpoint::new(&self.ledger.origin, to, root).to_note_text().map_err(tlog_err)?;
            let note = self.ledger.sign(&body)?;
            Some(StoredCheckpoint { size: to, root: root.0, note: note.to_text(), signed_at: self.now() })
        } else {
            None
        };
        tx.finish().await?;
        // 4. One short job of the group commit stores it all, provided nobody
        //    (another node) integrated or signed meanwhile.
        let outcome = self
            .store
            .transact(move |tx| {
                Box::pin(async move {
                    if to > from {
                        tx.append_tree_hashes(first_index, &new_hashes, from, to).await?;
                    }
                    if let Some(cp) = &checkpoint {
                        if tx.latest_checkpoint().await?.map(|c| c.size) != latest_size {
                            return Err(StoreError::Conflict("a checkpoint was signed meanwhile"));
                        }
                        tx.insert_checkpoint(cp).await?;
                    }
                    Ok(checkpoint)
                })
            })
            .await;
        match outcome {
            Ok(cp) => Ok(cp),
            Err(StoreError::Conflict(why)) => {
                tracing::debug!(why, "integration skipped");
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Integrates until everything sequenced so far is in the tree (at start,
    /// after a crash, a backlog may take several rounds).
    pub async fn integrate_all(&self) -> Result<()> {
        loop {
            self.integrate().await?;
            let p = self.ledger_progress().await?;
            let signed = self.latest_checkpoint().await?.map(|c| c.size).unwrap_or(0);
            if p.integrated >= p.sequenced && signed >= p.integrated {
                return Ok(());
            }
        }
    }

    /// Sequenced and integrated sizes.
    pub async fn ledger_progress(&self) -> Result<LedgerProgress> {
        let mut tx = self.store.read().await?;
        let p = tx.ledger_progress().await?;
        tx.finish().await?;
        Ok(p)
    }

    /// The newest signed checkpoint.
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let mut tx = self.store.read().await?;
        let cp = tx.latest_checkpoint().await?;
        tx.finish().await?;
        Ok(cp)
    }

    async fn integrated_snapshot(&self) -> Result<(Tx<Read>, u64)> {
        let mut tx = self.store.read().await?;
        let size = tx.ledger_progress().await?.integrated;
        Ok((tx, size))
    }

    /// The bytes of a hash tile (C2SP tlog-tiles). A tile the tree has not
    /// reached is not found.
    pub async fn hash_tile(&self, tile: Tile) -> Result<Vec<u8>> {
        let (mut tx, size) = self.integrated_snapshot().await?;
        let level_nodes = size.checked_shr(8 * u32::from(tile.level)).unwrap_or(0);
        let end = tile.index.saturating_mul(256).saturating_add(u64::from(tile.width));
        if end > level_nodes {
            return Err(ServiceError::NotFound("tile"));
        }
        let mut reader = FetchingReader::default();
        let data = reader.run(&mut tx, |r| liuhen_tlog::read_tile_data(tile, r)).await?;
        tx.finish().await?;
        Ok(data)
    }

    /// An entry bundle (C2SP tlog-tiles): the entries themselves, for
    /// supervisors, administrators and archivists.
    pub async fn entry_bundle(&self, me: &Principal, bundle: EntryBundle) -> Result<Vec<u8>> {
        if !crate::scope::may_read_ledger_entries(&me.user) {
            return Err(ServiceError::Forbidden(
                "ledger entries are for supervisors, administrators and archivists".into(),
            ));
        }
        let (mut tx, size) = self.integrated_snapshot().await?;
        let start = bundle.index.saturating_mul(256);
        let end = start.saturating_add(u64::from(bundle.width));
        if end > size {
            return Err(ServiceError::NotFound("entry bundle"));
        }
        let entries = tx.read_entries(start, u32::from(bundle.width)).await?;
        tx.finish().await?;
        if entries.len() != usize::from(bundle.width) {
            return Err(ServiceError::Internal("entries missing below the integrated size".into()));
        }
        // A bundle is verified whole against the tree, so it cannot be served
        // with other agencies' entries cut out: it is served only when every
        // entry in it is within the reader's reach.
        for e in &entries {
            if !entry_in_reach(&me.user, &e.body)? {
                return Err(ServiceError::Forbidden(
                    "this entry bundle holds other agencies' entries; read your agency's entries one by one"
                        .into(),
                ));
            }
        }
        let bodies: Vec<&[u8]> = entries.iter().map(|e| e.body.as_slice()).collect();
        liuhen_tlog::encode_entry_bundle(&bodies).map_err(tlog_err)
    }

    /// One entry's canonical bytes.
    pub async fn ledger_entry(&self, me: &Principal, index: u64) -> Result<Vec<u8>> {
        if !crate::scope::may_read_ledger_entries(&me.user) {
            return Err(ServiceError::Forbidden(
                "ledger entries are for supervisors, administrators and archivists".into(),
            ));
        }
        let mut tx = self.store.read().await?;
        let e = tx.read_entries(index, 1).await?;
        tx.finish().await?;
        let body = e
            .into_iter()
            .find(|e| e.seq == index)
            .map(|e| e.body)
            .ok_or(ServiceError::NotFound("ledger entry"))?;
        // Another agency's entry answers as one that does not exist.
        if !entry_in_reach(&me.user, &body)? {
            return Err(ServiceError::NotFound("ledger entry"));
        }
        Ok(body)
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        let (mut tx, integrated) = self.integrated_snapshot().await?;
        if size > integrated || index >= size {
            return Err(ServiceError::NotFound("entry in a tree of that size"));
        }
        let mut reader = FetchingReader::default();
        let proof =
            reader.run(&mut tx, |r| liuhen_tlog::prove_record::<Sha256Hasher>(size, index, r)).await?;
        tx.finish().await?;
        Ok(proof)
    }

    /// Consistency proof from the tree of `from` entries to the tree of `to`.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>> {
        let (mut tx, integrated) = self.integrated_snapshot().await?;
        if to > integrated || from == 0 || from > to {
            return Err(ServiceError::NotFound("trees of those sizes"));
        }
        let mut reader = FetchingReader::default();
        let proof = reader.run(&mut tx, |r| liuhen_tlog::prove_tree::<Sha256Hasher>(to, from, r)).await?;
        tx.finish().await?;
        Ok(proof)
    }

    /// A C2SP tlog-proof file for entry `index` against the newest
    /// checkpoint, with the entry itself as its `extra` data, so that the
    /// file alone proves the entry offline.
    pub async fn tlog_proof(&self, me: &Principal, index: u64) -> Result<String> {
        let entry = self.ledger_entry(me, index).await?;
        let mut tx = self.store.read().await?;
        let cp = tx.latest_checkpoint().await?;
        let cp = match cp {
            Some(cp) if cp.size > index => cp,
            _ => {
                return Err(ServiceError::Conflict(
                    "the entry is not yet covered by a signed checkpoint; try again in a second".into(),
                ));
            }
        };
        let mut reader = FetchingReader::default();
        let proof =
            reader.run(&mut tx, |r| liuhen_tlog::prove_record::<Sha256Hasher>(cp.size, index, r)).await?;
        tx.finish().await?;
        Ok(TlogProof { extra: Some(entry), index, proof, checkpoint: cp.note }.to_text())
    }
}

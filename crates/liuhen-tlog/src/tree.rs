//! Append-only storage layout of a Merkle tree ("stored hashes") and the tree
//! head, RFC 6962 §2.1 (MTH).
//!
//! The layout is the one described by `golang.org/x/mod/sumdb/tlog`: hashes
//! are stored in the order they become known. When record `n` (0-based) is
//! appended, its leaf hash is stored, followed by the hash of every complete
//! subtree that record `n` completes — one per trailing 1-bit of `n`. The hash
//! of the complete subtree at `level` with index `n` (covering leaves
//! `[n·2^level, (n+1)·2^level)`) therefore has the stored index
//!
//! ```text
//! stored_hash_index(level, n) = C(((n+1) << level) - 1) + level
//! C(m) = 2m - popcount(m)          (number of hashes stored for m records)
//! ```
//!
//! This module was written from that description; it shares no code with
//! the Go package.

use crate::hash::{Hash, TreeHasher};
use crate::Error;

/// Random access to stored hashes.
///
/// The single method must return exactly one hash per requested index, in
/// the same order. Implementations backed by storage map their own failures
/// to [`Error::Storage`] or [`Error::HashNotFound`].
pub trait HashReader {
    /// Reads the stored hashes with the given stored indexes.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i).ok().and_then(|u| self.get(u)).copied().ok_or(Error::HashNotFound(i))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<T: HashReader + ?Sized> HashReader for &T {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// Reads hashes and checks the reader kept its contract.
pub(crate) fn read_checked<R: HashReader + ?Sized>(reader: &R, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
    let hashes = reader.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::ReaderLength { got: hashes.len(), want: indexes.len() });
    }
    Ok(hashes)
}

/// `C(m) = 2m - popcount(m)`, checked.
fn count_for(m: u64) -> Option<u64> {
    m.checked_mul(2)?.checked_sub(u64::from(m.count_ones()))
}

/// Stored index of the hash of the complete subtree at `level` with index `n`.
pub fn stored_hash_index(level: u64, n: u64) -> Result<u64, Error> {
    let overflow = Error::StoredIndexOverflow { level, index: n };
    let shift = u32::try_from(level).map_err(|_| overflow.clone())?;
    // Last leaf covered by the subtree: ((n + 1) << level) - 1.
    let end = n
        .checked_add(1)
        .and_then(|e| e.checked_shl(shift))
        .filter(|e| shift == 0 || (e >> shift) == n.wrapping_add(1))
        .ok_or(overflow.clone())?;
    let last = end.checked_sub(1).ok_or(overflow.clone())?;
    count_for(last).and_then(|c| c.checked_add(level)).ok_or(overflow)
}

/// Inverse of [`stored_hash_index`]: returns `(level, n)`.
pub fn split_stored_hash_index(index: u64) -> (u64, u64) {
    // The record that stored this hash is in [index/2, index/2 + 64].
    let mut n = index / 2;
    // count_for(n) <= 2n <= index, no overflow possible for n <= u64::MAX/2.
    let mut at = count_for(n).unwrap_or(0);
    loop {
        // Record n stores 1 + trailing_ones(n) hashes.
        let next = at.checked_add(1).and_then(|x| x.checked_add(u64::from(n.trailing_ones())));
        let Some(next) = next.filter(|x| *x <= index) else {
            break;
        };
        n += 1;
        at = next;
    }
    let level = index - at;
    let n = u32::try_from(level).ok().and_then(|l| n.checked_shr(l)).unwrap_or(0);
    (level, n)
}

/// Number of stored hashes in a tree with `n` records.
pub fn stored_hash_count(n: u64) -> Result<u64, Error> {
    count_for(n).ok_or(Error::StoredIndexOverflow { level: 0, index: n })
}

/// The hashes to append to storage when record `n` with data `data` is added
/// to a tree that currently holds records `0..n`.
///
/// The first returned hash is the leaf hash; each following one completes a
/// subtree one level higher.
pub fn stored_hashes<H: TreeHasher>(
    n: u64,
    data: &[u8],
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, Error> {
    stored_hashes_for_record_hash::<H>(n, H::hash_leaf(data), reader)
}

/// Like [`stored_hashes`], with the leaf hash already computed.
pub fn stored_hashes_for_record_hash<H: TreeHasher>(
    n: u64,
    leaf: Hash,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, Error> {
    // Record n completes one subtree per trailing 1-bit of n; the left
    // sibling of the new node at level k-1 is subtree (k-1, (n >> (k-1)) - 1).
    let completed = u64::from(n.trailing_ones());
    let mut indexes = Vec::with_capacity(completed as usize);
    for k in 0..completed {
        let sibling = (n >> k) ^ 1;
        indexes.push(stored_hash_index(k, sibling)?);
    }
    let siblings = read_checked(reader, &indexes)?;
    let mut out = Vec::with_capacity(siblings.len() + 1);
    let mut h = leaf;
    out.push(h);
    for s in &siblings {
        h = H::hash_children(s, &h);
        out.push(h);
    }
    Ok(out)
}

/// Appends the stored indexes of the complete subtrees that make up leaves
/// `[lo, hi)`, left to right, largest first.
pub(crate) fn subtree_indexes(mut lo: u64, hi: u64, out: &mut Vec<u64>) -> Result<(), Error> {
    while lo < hi {
        let width = hi - lo;
        let mut k = if lo == 0 { 63 } else { lo.trailing_zeros() };
        while k > 0 && (1u64 << k) > width {
            k -= 1;
        }
        out.push(stored_hash_index(u64::from(k), lo >> k)?);
        lo += 1u64 << k;
    }
    Ok(())
}

/// Folds the hashes of a decomposition (largest first) into one root:
/// `node(h0, node(h1, ... node(h_{n-2}, h_{n-1})))`.
pub(crate) fn fold_right<H: TreeHasher>(hashes: &[Hash]) -> Option<Hash> {
    let mut iter = hashes.iter().rev();
    let mut h = *iter.next()?;
    for left in iter {
        h = H::hash_children(left, &h);
    }
    Some(h)
}

/// Root hash (MTH, RFC 6962 §2.1) of the tree with the first `size` records.
pub fn tree_hash<H: TreeHasher>(size: u64, reader: &(impl HashReader + ?Sized)) -> Result<Hash, Error> {
    if size == 0 {
        return Ok(H::empty_root());
    }
    let mut indexes = Vec::new();
    subtree_indexes(0, size, &mut indexes)?;
    let hashes = read_checked(reader, &indexes)?;
    fold_right::<H>(&hashes).ok_or(Error::ReaderLength { got: 0, want: 1 })
}

/// Builds the full stored-hash list for `records` in memory (a convenience
/// for tests, small logs and tools).
pub fn build_stored_hashes<H: TreeHasher>(
    records: impl IntoIterator<Item = impl AsRef<[u8]>>,
) -> Result<Vec<Hash>, Error> {
    let mut store: Vec<Hash> = Vec::new();
    for (n, data) in (0u64..).zip(records) {
        let new = stored_hashes::<H>(n, data.as_ref(), &store)?;
        store.extend(new);
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sha256Hasher;

    #[test]
    fn index_round_trip() {
        for level in 0..6u64 {
            for n in 0..300u64 {
                let i = stored_hash_index(level, n).unwrap();
                assert_eq!(split_stored_hash_index(i), (level, n));
            }
        }
        assert!(stored_hash_index(64, 0).is_err());
        assert!(stored_hash_index(1, u64::MAX).is_err());
    }

    #[test]
    fn counts_match_layout() {
        let store = build_stored_hashes::<Sha256Hasher>((0..100u32).map(|i| i.to_be_bytes())).unwrap();
        assert_eq!(store.len() as u64, stored_hash_count(100).unwrap());
        for i in 0..store.len() as u64 {
            let (level, n) = split_stored_hash_index(i);
            assert_eq!(stored_hash_index(level, n).unwrap(), i);
        }
    }
}

//! Inclusion and consistency proofs, RFC 9162 §2.1.3 and §2.1.4
//! (= RFC 6962 §2.1.1 PATH and §2.1.2 PROOF).
//!
//! Generation follows the recursive definitions of RFC 9162 §2.1.3.1 and
//! §2.1.4.1, reading complete-subtree hashes through a [`HashReader`] in one
//! batch. Verification implements the iterative algorithms of RFC 9162
//! §2.1.3.2 and §2.1.4.2 exactly, plus these checks (the semantics of
//! transparency-dev/merkle, which the known-answer vectors encode):
//!
//! * the leaf hash and every proof element must be exactly 32 bytes;
//! * `index < size`; the proof must have exactly the expected length;
//! * a consistency proof with `size1 == 0` is always rejected (even `0 → 0`);
//! * `size1 == size2` needs an empty proof and `root1 == root2`;
//! * `size1 > size2` is rejected.

use crate::hash::{Hash, TreeHasher};
use crate::tree::{fold_right, read_checked, subtree_indexes, HashReader};
use crate::Error;

/// Largest power of two strictly less than `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Leaf ranges `[lo, hi)` whose MTHs form PATH(m, D[lo:hi]), leaf-to-root.
fn path_ranges(m: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
    if hi - lo <= 1 {
        return;
    }
    let k = split_point(hi - lo);
    if m < lo + k {
        path_ranges(m, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        path_ranges(m, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// Leaf ranges whose MTHs form SUBPROOF(m, D[lo:hi], b), leaf-to-root.
fn subproof_ranges(m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<(u64, u64)>) {
    if m == hi {
        if !b {
            out.push((lo, hi));
        }
        return;
    }
    let k = split_point(hi - lo);
    if m <= lo + k {
        subproof_ranges(m, lo, lo + k, b, out);
        out.push((lo + k, hi));
    } else {
        subproof_ranges(m, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// Computes the MTH of each range with one read.
fn range_hashes<H: TreeHasher>(
    ranges: &[(u64, u64)],
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, Error> {
    let mut indexes = Vec::new();
    let mut bounds = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges {
        let start = indexes.len();
        subtree_indexes(lo, hi, &mut indexes)?;
        bounds.push((start, indexes.len()));
    }
    let hashes = read_checked(reader, &indexes)?;
    bounds
        .iter()
        .map(|&(a, b)| {
            hashes
                .get(a..b)
                .and_then(fold_right::<H>)
                .ok_or(Error::ReaderLength { got: hashes.len(), want: indexes.len() })
        })
        .collect()
}

/// Number of hashes in an inclusion proof for `index` in a tree of `size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, Error> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let mut ranges = Vec::new();
    path_ranges(index, 0, size, &mut ranges);
    Ok(ranges.len())
}

/// Number of hashes in a consistency proof from `size1` to `size2`.
pub fn consistency_proof_len(size1: u64, size2: u64) -> Result<usize, Error> {
    if size1 == 0 || size1 > size2 {
        return Err(Error::InvalidTreeSizes { size1, size2 });
    }
    let mut ranges = Vec::new();
    subproof_ranges(size1, 0, size2, true, &mut ranges);
    Ok(ranges.len())
}

/// Inclusion proof (RFC 9162 §2.1.3.1) for record `index` in the tree of
/// `tree_size` records.
pub fn prove_record<H: TreeHasher>(
    tree_size: u64,
    index: u64,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, Error> {
    if index >= tree_size {
        return Err(Error::IndexOutOfRange { index, size: tree_size });
    }
    let mut ranges = Vec::new();
    path_ranges(index, 0, tree_size, &mut ranges);
    range_hashes::<H>(&ranges, reader)
}

/// Consistency proof (RFC 9162 §2.1.4.1) that the tree of `size1` records is
/// a prefix of the tree of `size2` records. Note the argument order: the
/// newer size comes first, as in `sumdb/tlog`'s `ProveTree(t, n, r)`.
pub fn prove_tree<H: TreeHasher>(
    size2: u64,
    size1: u64,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, Error> {
    if size1 == 0 || size1 > size2 {
        return Err(Error::InvalidTreeSizes { size1, size2 });
    }
    let mut ranges = Vec::new();
    subproof_ranges(size1, 0, size2, true, &mut ranges);
    range_hashes::<H>(&ranges, reader)
}

fn check_len(bytes: &[u8]) -> Result<(), Error> {
    if bytes.len() == Hash::LEN {
        Ok(())
    } else {
        Err(Error::InvalidHashLength(bytes.len()))
    }
}

fn node<H: TreeHasher>(left: &[u8], right: &[u8]) -> [u8; 32] {
    H::hash_node_bytes(left, right).0
}

/// Computes the root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps
/// 1–4), checking lengths. Byte-slice form: elements of the wrong length are
/// rejected with [`Error::InvalidHashLength`].
pub fn root_from_inclusion_proof_bytes<H: TreeHasher, P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
) -> Result<Hash, Error> {
    check_len(leaf_hash)?;
    let want = inclusion_proof_len(index, size)?;
    if proof.len() != want {
        return Err(Error::ProofLength { got: proof.len(), want });
    }
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = Hash::from_slice(leaf_hash)?.0;
    for p in proof {
        let p = p.as_ref();
        check_len(p)?;
        if snode == 0 {
            return Err(Error::ProofLength { got: proof.len(), want });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node::<H>(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node::<H>(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(Error::ProofLength { got: proof.len(), want });
    }
    Ok(Hash(r))
}

/// Verifies an inclusion proof, byte-slice form (RFC 9162 §2.1.3.2).
pub fn verify_inclusion_bytes<H: TreeHasher, P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), Error> {
    let computed = root_from_inclusion_proof_bytes::<H, P>(index, size, leaf_hash, proof)?;
    if computed.0.as_slice() == root {
        Ok(())
    } else {
        Err(Error::RootMismatch)
    }
}

/// Verifies that `leaf_hash` is record `index` of the tree of `size` records
/// with root `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion<H: TreeHasher>(
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), Error> {
    verify_inclusion_bytes::<H, Hash>(index, size, &leaf_hash.0, proof, &root.0)
}

/// Verifies a consistency proof, byte-slice form (RFC 9162 §2.1.4.2).
pub fn verify_consistency_bytes<H: TreeHasher, P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &[P],
) -> Result<(), Error> {
    if size1 == 0 || size1 > size2 {
        return Err(Error::InvalidTreeSizes { size1, size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(Error::ProofLength { got: proof.len(), want: 0 });
        }
        return if root1 == root2 { Ok(()) } else { Err(Error::RootMismatch) };
    }
    let want = consistency_proof_len(size1, size2)?;
    if proof.len() != want {
        return Err(Error::ProofLength { got: proof.len(), want });
    }
    for p in proof {
        check_len(p.as_ref())?;
    }
    let bad_len = Error::ProofLength { got: proof.len(), want };
    // Step 2: if size1 is a power of two, the path starts with root1.
    let mut path: Vec<&[u8]> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        check_len(root1)?;
        path.push(root1);
    }
    path.extend(proof.iter().map(AsRef::as_ref));
    let mut fnode = size1 - 1;
    let mut snode = size2 - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (first, rest) = path.split_first().ok_or(bad_len.clone())?;
    let mut fr = Hash::from_slice(first)?.0;
    let mut sr = fr;
    for c in rest {
        if snode == 0 {
            return Err(bad_len);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node::<H>(c, &fr);
            sr = node::<H>(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node::<H>(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(bad_len);
    }
    if fr.as_slice() == root1 && sr.as_slice() == root2 {
        Ok(())
    } else {
        Err(Error::RootMismatch)
    }
}

/// Verifies that the tree of `size1` records with root `root1` is a prefix of
/// the tree of `size2` records with root `root2` (RFC 9162 §2.1.4.2).
pub fn verify_consistency<H: TreeHasher>(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), Error> {
    verify_consistency_bytes::<H, Hash>(size1, size2, &root1.0, &root2.0, proof)
}

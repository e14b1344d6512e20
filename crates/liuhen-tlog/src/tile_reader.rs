//! Tile contents, C2SP tlog-tiles §Merkle Tree: building tile bytes from
//! stored hashes, and an authenticating [`HashReader`] over fetched tiles.
//!
//! Tile data is the concatenation of its `W` hashes (`32·W` bytes). Hash `i`
//! of tile `(L, N)` is the tree node at level `8·L`, index `N·256 + i`.
//!
//! [`TileHashReader`] lets a verifier use tiles as its hash storage. Tiles
//! fetched through a [`TileReader`] are authenticated before any hash is
//! returned:
//!
//! * every partial (rightmost) tile of the tree is checked by recomputing the
//!   tree head from all of them and comparing it with the trusted root;
//! * every full tile `(L, N)` is checked by hashing its 256 entries and
//!   comparing with entry `N mod 256` of its parent tile `(L+1, N/256)`,
//!   which is itself authenticated the same way, up to a partial tile.

use core::marker::PhantomData;
use std::collections::{BTreeMap, BTreeSet};

use crate::hash::{Hash, TreeHasher};
use crate::tile::{shr, tile_in_tree, Tile, MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH};
use crate::tree::{fold_right, read_checked, split_stored_hash_index, stored_hash_index, HashReader};
use crate::Error;

/// Fetches raw tile data (the I/O layer implements this).
pub trait TileReader {
    /// Returns the data of each tile, in order.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error>;
}

/// Builds the bytes of `tile` from stored hashes.
pub fn read_tile_data(tile: Tile, reader: &(impl HashReader + ?Sized)) -> Result<Vec<u8>, Error> {
    let tile = Tile::new(tile.level, tile.index, tile.width)?;
    let level = tile.hash_level();
    let start = tile.index.checked_mul(u64::from(TILE_WIDTH)).ok_or(Error::InvalidTile("index overflow"))?;
    let indexes = (0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, start + i))
        .collect::<Result<Vec<_>, _>>()?;
    let hashes = read_checked(reader, &indexes)?;
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

/// Splits tile data into hashes, checking its length against the width.
pub fn tile_hashes(tile: &Tile, data: &[u8]) -> Result<Vec<Hash>, Error> {
    if data.len() != usize::from(tile.width) * Hash::LEN {
        return Err(Error::TileData("length does not match width"));
    }
    data.chunks_exact(Hash::LEN).map(Hash::from_slice).collect()
}

/// Locates a stored hash inside tiles: `(tile level, tile index, first
/// position, count)`; the hash is the MTH of `count` tile entries.
fn locate(stored_index: u64) -> Result<(u8, u64, u64, u64), Error> {
    let (level, n) = split_stored_hash_index(stored_index);
    let h = u64::from(TILE_HEIGHT);
    let tile_level = u8::try_from(level / h)
        .ok()
        .filter(|l| *l <= MAX_TILE_LEVEL)
        .ok_or(Error::InvalidTile("level too high"))?;
    let sub = level % h;
    let first = n
        .checked_shl(sub as u32)
        .filter(|f| shr(*f, sub) == n)
        .ok_or(Error::StoredIndexOverflow { level, index: n })?;
    Ok((tile_level, first >> h, first & 0xff, 1u64 << sub))
}

/// Computes a stored hash from the data of the tile that contains it.
pub fn hash_from_tile<H: TreeHasher>(tile: &Tile, data: &[u8], stored_index: u64) -> Result<Hash, Error> {
    let (level, index, pos, count) = locate(stored_index)?;
    if level != tile.level || index != tile.index || pos + count > u64::from(tile.width) {
        return Err(Error::InvalidTile("hash not in tile"));
    }
    let hashes = tile_hashes(tile, data)?;
    subtree_of(&hashes, pos, count).and_then(mth::<H>)
}

fn subtree_of(hashes: &[Hash], pos: u64, count: u64) -> Result<&[Hash], Error> {
    let a = usize::try_from(pos).map_err(|_| Error::InvalidTile("position"))?;
    let b = usize::try_from(pos + count).map_err(|_| Error::InvalidTile("position"))?;
    hashes.get(a..b).ok_or(Error::TileData("tile too short"))
}

/// MTH of a power-of-two-sized run of complete-subtree hashes.
fn mth<H: TreeHasher>(hashes: &[Hash]) -> Result<Hash, Error> {
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => H::hash_children(l, r),
                [single] => *single,
                _ => H::empty_root(),
            })
            .collect();
    }
    level.first().copied().ok_or(Error::TileData("empty tile"))
}

/// A [`HashReader`] that serves stored hashes of the tree of `tree_size`
/// leaves with root `root` from authenticated tiles.
pub struct TileHashReader<'a, H, R: ?Sized> {
    tree_size: u64,
    root: Hash,
    tiles: &'a R,
    _hasher: PhantomData<H>,
}

impl<'a, H: TreeHasher, R: TileReader + ?Sized> TileHashReader<'a, H, R> {
    /// A reader for the tree `(tree_size, root)` whose tiles come from `tiles`.
    pub fn new(tree_size: u64, root: Hash, tiles: &'a R) -> Self {
        TileHashReader { tree_size, root, tiles, _hasher: PhantomData }
    }

    /// Partial tiles along the right edge (they determine the root).
    fn edge_tiles(&self) -> Vec<Tile> {
        let mut out = Vec::new();
        for level in 0..=MAX_TILE_LEVEL {
            let n = shr(self.tree_size, u64::from(level) * u64::from(TILE_HEIGHT));
            if n == 0 {
                break;
            }
            let w = n % u64::from(TILE_WIDTH);
            if w != 0 {
                out.push(Tile {
                    level,
                    index: n >> TILE_HEIGHT,
                    width: u16::try_from(w).unwrap_or(TILE_WIDTH),
                });
            }
        }
        out
    }

    fn verify_edge(&self, fetched: &BTreeMap<Tile, Vec<Hash>>, edge: &[Tile]) -> Result<(), Error> {
        let mut parts = Vec::new();
        for tile in edge.iter().rev() {
            let hashes = fetched.get(tile).ok_or(Error::TileData("missing edge tile"))?;
            let mut pos = 0u64;
            for bit in (0..TILE_HEIGHT).rev() {
                let count = 1u64 << bit;
                if u64::from(tile.width) & count != 0 {
                    parts.push(mth::<H>(subtree_of(hashes, pos, count)?)?);
                    pos += count;
                }
            }
        }
        match fold_right::<H>(&parts) {
            Some(r) if r == self.root => Ok(()),
            _ => Err(Error::TileData("tiles do not match the tree root")),
        }
    }
}

impl<H: TreeHasher, R: TileReader + ?Sized> HashReader for TileHashReader<'_, H, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        let edge = self.edge_tiles();
        let mut want: BTreeSet<Tile> = edge.iter().copied().collect();
        let mut located = Vec::with_capacity(indexes.len());
        for &i in indexes {
            let (level, index, pos, count) = locate(i)?;
            let tile = tile_in_tree(level, index, self.tree_size).map_err(|_| Error::HashNotFound(i))?;
            if pos + count > u64::from(tile.width) {
                return Err(Error::HashNotFound(i));
            }
            // Add the tile and its chain of full ancestors up to a partial one.
            let mut t = tile;
            while want.insert(t) {
                if t.is_partial() {
                    break;
                }
                let parent_level = t.level.checked_add(1).ok_or(Error::InvalidTile("level"))?;
                t = tile_in_tree(parent_level, t.index >> TILE_HEIGHT, self.tree_size)?;
            }
            located.push((tile, pos, count));
        }
        let want: Vec<Tile> = want.into_iter().collect();
        let data = self.tiles.read_tiles(&want)?;
        if data.len() != want.len() {
            return Err(Error::TileData("tile reader returned wrong number of tiles"));
        }
        let mut fetched = BTreeMap::new();
        for (tile, bytes) in want.iter().zip(&data) {
            fetched.insert(*tile, tile_hashes(tile, bytes)?);
        }
        self.verify_edge(&fetched, &edge)?;
        for (tile, hashes) in &fetched {
            if tile.is_partial() {
                continue;
            }
            let parent_level = tile.level.checked_add(1).ok_or(Error::InvalidTile("level"))?;
            let parent = tile_in_tree(parent_level, tile.index >> TILE_HEIGHT, self.tree_size)?;
            let parent_hashes = fetched.get(&parent).ok_or(Error::TileData("missing parent tile"))?;
            let slot = subtree_of(parent_hashes, tile.index & 0xff, 1)?;
            if slot.first() != Some(&mth::<H>(hashes)?) {
                return Err(Error::TileData("tile does not match its parent"));
            }
        }
        located
            .iter()
            .map(|(tile, pos, count)| {
                let hashes = fetched.get(tile).ok_or(Error::TileData("missing tile"))?;
                mth::<H>(subtree_of(hashes, *pos, *count)?)
            })
            .collect()
    }
}

/// Convenience: a [`TileReader`] over a stored-hash reader, building tiles on
/// the fly (useful for tests and for a log serving its own tiles).
pub struct StoredTiles<'a, R: ?Sized>(pub &'a R);

impl<R: HashReader + ?Sized> TileReader for StoredTiles<'_, R> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        tiles.iter().map(|t| read_tile_data(*t, self.0)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sha256Hasher;
    use crate::tree::{build_stored_hashes, tree_hash};

    #[test]
    fn tiles_serve_tree_hash() {
        for size in [1u64, 2, 255, 256, 257, 511, 513, 1000] {
            let store = build_stored_hashes::<Sha256Hasher>((0..size).map(|i| i.to_le_bytes())).unwrap();
            let root = tree_hash::<Sha256Hasher>(size, &store).unwrap();
            let tiles = StoredTiles(&store);
            let reader = TileHashReader::<Sha256Hasher, _>::new(size, root, &tiles);
            assert_eq!(tree_hash::<Sha256Hasher>(size, &reader).unwrap(), root, "size {size}");
        }
    }
}

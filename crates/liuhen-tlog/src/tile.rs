//! Tile coordinates, paths and entry bundles, C2SP tlog-tiles
//! (<https://c2sp.org/tlog-tiles>, §Merkle Tree, §Partial Tiles, §Log Entries).
//!
//! Tiles have height 8: a tile at level `L` with index `N` holds up to 256
//! consecutive hashes of tree level `8·L`, namely nodes
//! `N·256 .. N·256+W`, where `W` (the width) is 256 for a full tile and
//! `1..=255` for the rightmost, partial tile of a level.
//!
//! Paths are `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`. `L` is a
//! decimal in `0..=63`; `N` is split into 3-digit groups, all but the last
//! prefixed with `x` (1234067 → `x001/x234/067`); `W` is a decimal in
//! `1..=255`, only present for partial tiles. The parser here is strict: it
//! rejects leading zeroes, leading `x000` groups, wrong group lengths,
//! overflow, `.p/0`, `.p/256` and anything else that would not be produced by
//! the encoder, so that every tile has exactly one path.
//!
//! An entry bundle is the concatenation of its entries, each prefixed by its
//! length as a big-endian `uint16`.

use crate::util::parse_decimal;
use crate::Error;

/// Tile height (C2SP fixes it at 8).
pub const TILE_HEIGHT: u32 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u16 = 256;
/// Largest tile level allowed in a path.
pub const MAX_TILE_LEVEL: u8 = 63;

/// `x >> k`, zero when `k >= 64`.
pub(crate) fn shr(x: u64, k: u64) -> u64 {
    u32::try_from(k).ok().and_then(|k| x.checked_shr(k)).unwrap_or(0)
}

/// A Merkle tree tile (C2SP tlog-tiles §Merkle Tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    /// Tile level `L` (0..=63); holds hashes of tree level `8·L`.
    pub level: u8,
    /// Tile index `N` within the level.
    pub index: u64,
    /// Number of hashes, 1..=256 (256 = full tile).
    pub width: u16,
}

/// An entry bundle (C2SP tlog-tiles §Log Entries): entries `N·256 .. N·256+W`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryBundle {
    /// Bundle index `N`.
    pub index: u64,
    /// Number of entries, 1..=256 (256 = full bundle).
    pub width: u16,
}

/// A parsed `tile/...` path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hash(Tile),
    /// `tile/entries/<N>[.p/<W>]`
    Entries(EntryBundle),
}

fn check_width(width: u16) -> Result<(), Error> {
    if (1..=TILE_WIDTH).contains(&width) {
        Ok(())
    } else {
        Err(Error::InvalidTile("width must be 1..=256"))
    }
}

impl Tile {
    /// Checked constructor.
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, Error> {
        if level > MAX_TILE_LEVEL {
            return Err(Error::InvalidTile("level must be 0..=63"));
        }
        check_width(width)?;
        Ok(Tile { level, index, width })
    }

    /// Whether this is a partial (rightmost, incomplete) tile.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The C2SP path, e.g. `tile/0/x001/x234/067.p/8`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, encode_index(self.index, self.width))
    }

    /// Tree level of the hashes stored in the tile.
    pub fn hash_level(&self) -> u64 {
        u64::from(self.level) * u64::from(TILE_HEIGHT)
    }
}

impl EntryBundle {
    /// Checked constructor.
    pub fn new(index: u64, width: u16) -> Result<Self, Error> {
        check_width(width)?;
        Ok(EntryBundle { index, width })
    }

    /// The C2SP path, e.g. `tile/entries/x001/x234/067.p/8`.
    pub fn path(&self) -> String {
        format!("tile/entries/{}", encode_index(self.index, self.width))
    }
}

/// Encodes `N` (and `.p/W` when `width < 256`) as in C2SP tlog-tiles.
pub fn encode_index(index: u64, width: u16) -> String {
    let mut groups = Vec::new();
    let mut n = index;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let last = groups.len().saturating_sub(1);
    let mut out = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i < last {
            out.push_str(&format!("x{g:03}/"));
        } else {
            out.push_str(&format!("{g:03}"));
        }
    }
    if width < TILE_WIDTH {
        out.push_str(&format!(".p/{width}"));
    }
    out
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() == 3 && s.bytes().all(|c| c.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Parses `<N>[.p/<W>]`, returning `(N, W)` with `W = 256` for full tiles.
pub fn parse_index(s: &str) -> Result<(u64, u16), Error> {
    let (n_part, width) = match s.split_once(".p/") {
        Some((n, w)) => {
            let w = parse_decimal(w)
                .and_then(|w| u16::try_from(w).ok())
                .filter(|w| (1..TILE_WIDTH).contains(w))
                .ok_or(Error::TilePath("partial width must be 1..=255"))?;
            (n, w)
        }
        None => (s, TILE_WIDTH),
    };
    let groups: Vec<&str> = n_part.split('/').collect();
    let (last, init) = groups.split_last().ok_or(Error::TilePath("empty index"))?;
    let mut n: u64 = 0;
    for (i, g) in init.iter().enumerate() {
        let v =
            g.strip_prefix('x').and_then(three_digits).ok_or(Error::TilePath("index group must be xDDD"))?;
        if i == 0 && v == 0 {
            return Err(Error::TilePath("leading x000 group"));
        }
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(v))
            .ok_or(Error::TilePath("index overflows u64"))?;
    }
    let v = three_digits(last).ok_or(Error::TilePath("last index group must be DDD"))?;
    n = n.checked_mul(1000).and_then(|n| n.checked_add(v)).ok_or(Error::TilePath("index overflows u64"))?;
    Ok((n, width))
}

/// Parses a `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` path.
pub fn parse_tile_path(path: &str) -> Result<TilePath, Error> {
    let rest = path.strip_prefix("tile/").ok_or(Error::TilePath("missing tile/ prefix"))?;
    let (first, rest) = rest.split_once('/').ok_or(Error::TilePath("missing index"))?;
    let (index, width) = parse_index(rest)?;
    if first == "entries" {
        return Ok(TilePath::Entries(EntryBundle { index, width }));
    }
    let level = parse_decimal(first)
        .and_then(|l| u8::try_from(l).ok())
        .filter(|l| *l <= MAX_TILE_LEVEL)
        .ok_or(Error::TilePath("level must be 0..=63"))?;
    Ok(TilePath::Hash(Tile { level, index, width }))
}

/// Number of hashes at tile level `level` in a tree of `size` leaves.
fn hashes_at_level(size: u64, level: u8) -> u64 {
    shr(size, u64::from(level) * u64::from(TILE_HEIGHT))
}

/// Maximum number of tiles [`new_tiles`] returns (it fails beyond that, so
/// a huge size cannot make it allocate without bound).
pub const MAX_NEW_TILES: u64 = 1 << 20;

/// The tiles whose contents differ between a tree of `old_size` and one of
/// `new_size` leaves (all tiles of the new tree when `old_size == 0`).
/// Fails if `old_size > new_size` or if more than [`MAX_NEW_TILES`] tiles
/// would be returned.
pub fn new_tiles(old_size: u64, new_size: u64) -> Result<Vec<Tile>, Error> {
    if old_size > new_size {
        return Err(Error::InvalidTreeSizes { size1: old_size, size2: new_size });
    }
    let mut total: u64 = 0;
    for level in 0..=MAX_TILE_LEVEL {
        let n_new = hashes_at_level(new_size, level);
        let n_old = hashes_at_level(old_size, level);
        if n_new > n_old {
            total = total.saturating_add(((n_new - 1) >> TILE_HEIGHT) - (n_old >> TILE_HEIGHT) + 1);
        }
    }
    if total > MAX_NEW_TILES {
        return Err(Error::InvalidTile("too many tiles; split the range"));
    }
    let mut out = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let n_new = hashes_at_level(new_size, level);
        if n_new == 0 {
            break;
        }
        let n_old = hashes_at_level(old_size, level);
        if n_new == n_old {
            continue;
        }
        for index in (n_old >> TILE_HEIGHT)..=((n_new - 1) >> TILE_HEIGHT) {
            let start = index << TILE_HEIGHT;
            let width = u16::try_from((n_new - start).min(u64::from(TILE_WIDTH))).unwrap_or(TILE_WIDTH);
            out.push(Tile { level, index, width });
        }
    }
    Ok(out)
}

/// All tiles of a tree of `size` leaves.
pub fn tiles_for_size(size: u64) -> Result<Vec<Tile>, Error> {
    new_tiles(0, size)
}

/// The tile at `level` and `index` as it exists in a tree of `size` leaves.
pub fn tile_in_tree(level: u8, index: u64, size: u64) -> Result<Tile, Error> {
    if level > MAX_TILE_LEVEL {
        return Err(Error::InvalidTile("level must be 0..=63"));
    }
    let n = hashes_at_level(size, level);
    let start = index
        .checked_mul(u64::from(TILE_WIDTH))
        .filter(|s| *s < n)
        .ok_or(Error::InvalidTile("tile not in tree"))?;
    let width = u16::try_from((n - start).min(u64::from(TILE_WIDTH))).unwrap_or(TILE_WIDTH);
    Ok(Tile { level, index, width })
}

/// The entry bundle holding entry `index` of a log of `log_size` entries.
pub fn entry_bundle_for_index(index: u64, log_size: u64) -> Result<EntryBundle, Error> {
    if index >= log_size {
        return Err(Error::IndexOutOfRange { index, size: log_size });
    }
    let bundle = index >> TILE_HEIGHT;
    let start = bundle << TILE_HEIGHT;
    let width = u16::try_from((log_size - start).min(u64::from(TILE_WIDTH))).unwrap_or(TILE_WIDTH);
    Ok(EntryBundle { index: bundle, width })
}

/// Maps a tree node `(level, index)` to `(tile_level, tile_index,
/// level_in_tile, index_in_tile)`.
pub fn node_coords_to_tile_address(level: u64, index: u64) -> (u64, u64, u64, u64) {
    let h = u64::from(TILE_HEIGHT);
    let tile_level = level / h;
    let node_level = level % h;
    let span = h - node_level;
    let tile_index = shr(index, span);
    let node_index = index & ((1u64 << span) - 1);
    (tile_level, tile_index, node_level, node_index)
}

/// Encodes entries as an entry bundle (big-endian `uint16` length prefixes).
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, Error> {
    if entries.len() > usize::from(TILE_WIDTH) {
        return Err(Error::EntryBundle("more than 256 entries"));
    }
    let mut out = Vec::new();
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| Error::EntryBundle("entry longer than 65535 bytes"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries. Truncated data is an error.
pub fn parse_entry_bundle(mut data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut out = Vec::new();
    while !data.is_empty() {
        if out.len() >= usize::from(TILE_WIDTH) {
            return Err(Error::EntryBundle("more than 256 entries"));
        }
        let (len, rest) =
            data.split_first_chunk::<2>().ok_or(Error::EntryBundle("truncated length prefix"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (entry, rest) = rest.split_at_checked(len).ok_or(Error::EntryBundle("truncated entry"))?;
        out.push(entry);
        data = rest;
    }
    Ok(out)
}

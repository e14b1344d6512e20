//! SHA-256 and SM3 of a stream in one read. Neither has hardware help on
//! the machines liuhen targets, so for large inputs the two run on two
//! threads fed the same chunks: the read costs the slower of the two, not
//! their sum.

use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use sha2::{Digest as _, Sha256};
use sm3::Sm3;

/// Both digests of one file, and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    pub size: u64,
    pub sha256: [u8; 32],
    pub sm3: [u8; 32],
}

impl Digests {
    /// Both digests of bytes in memory.
    pub fn of(bytes: &[u8]) -> Digests {
        Digests {
            size: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
            sm3: Sm3::digest(bytes).into(),
        }
    }
}

const CHUNK: usize = 1 << 20;
/// Inputs at least this long are hashed on two threads.
const THREADED_FROM: u64 = 4 << 20;

/// Reads `reader` to its end, hashing as it goes. `size_hint` (the length
/// the caller expects, if known) picks the two-thread path for large input.
pub fn digest_reader(reader: &mut dyn Read, size_hint: Option<u64>) -> std::io::Result<Digests> {
    if size_hint.is_some_and(|n| n >= THREADED_FROM) {
        return digest_threaded(reader);
    }
    let mut sha = Sha256::new();
    let mut sm = Sm3::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        sha.update(chunk);
        sm.update(chunk);
        size += n as u64;
    }
    Ok(Digests { size, sha256: sha.finalize().into(), sm3: sm.finalize().into() })
}

fn digest_threaded(reader: &mut dyn Read) -> std::io::Result<Digests> {
    std::thread::scope(|scope| {
        let (to_sm3, from_reader) = sync_channel::<Arc<Vec<u8>>>(4);
        let sm3_thread = scope.spawn(move || {
            let mut sm = Sm3::new();
            for chunk in from_reader {
                sm.update(chunk.as_slice());
            }
            <[u8; 32]>::from(sm.finalize())
        });
        let mut sha = Sha256::new();
        let mut size = 0u64;
        let read = (|| -> std::io::Result<()> {
            loop {
                let mut buf = vec![0u8; CHUNK];
                let mut filled = 0;
                while filled < CHUNK {
                    let n = reader.read(buf.get_mut(filled..).unwrap_or_default())?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                if filled == 0 {
                    return Ok(());
                }
                buf.truncate(filled);
                size += filled as u64;
                let chunk = Arc::new(buf);
                // The SM3 thread hashes this chunk while this one does SHA-256.
                if to_sm3.send(chunk.clone()).is_err() {
                    return Err(std::io::Error::other("the SM3 thread stopped"));
                }
                sha.update(chunk.as_slice());
            }
        })();
        drop(to_sm3);
        let sm3 = sm3_thread.join().map_err(|_| std::io::Error::other("the SM3 thread panicked"))?;
        read?;
        Ok(Digests { size, sha256: sha.finalize().into(), sm3 })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_paths_agree_with_known_answers() {
        // SM3("abc") from GB/T 32905-2016 appendix A; SHA-256("abc") from FIPS 180-4.
        let d = Digests::of(b"abc");
        assert_eq!(hex::encode(d.sm3), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        assert_eq!(hex::encode(d.sha256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let big: Vec<u8> = (0..(9u32 << 20) + 7).map(|i| (i % 251) as u8).collect();
        let threaded = digest_reader(&mut big.as_slice(), Some(big.len() as u64)).unwrap();
        let inline = digest_reader(&mut big.as_slice(), None).unwrap();
        assert_eq!(threaded, inline);
        assert_eq!(threaded, Digests::of(&big));
    }
}

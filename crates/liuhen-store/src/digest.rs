//! Streaming SHA-256 and SM3 for evidence uploads.
//!
//! With the `openssl` feature (the default) both come from the system
//! OpenSSL, whose assembly runs about twice as fast as the portable Rust
//! code on CPUs without SHA extensions — and hashing is what bounds upload
//! speed. Without it, the RustCrypto `sha2` and `sm3` crates are used. Both
//! give the same digests (tests compare them on the same bytes).

/// Which hash a [`Hasher`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sm3,
}

#[cfg(feature = "openssl")]
mod imp {
    use super::Algorithm;

    #[derive(Clone)]
    pub struct Hasher(openssl::hash::Hasher);

    fn md(a: Algorithm) -> openssl::hash::MessageDigest {
        match a {
            Algorithm::Sha256 => openssl::hash::MessageDigest::sha256(),
            Algorithm::Sm3 => openssl::hash::MessageDigest::sm3(),
        }
    }

    impl Hasher {
        pub fn new(a: Algorithm) -> Result<Self, std::io::Error> {
            openssl::hash::Hasher::new(md(a)).map(Hasher).map_err(std::io::Error::other)
        }
        pub fn update(&mut self, b: &[u8]) -> Result<(), std::io::Error> {
            self.0.update(b).map_err(std::io::Error::other)
        }
        pub fn finish(mut self) -> Result<[u8; 32], std::io::Error> {
            let d = self.0.finish().map_err(std::io::Error::other)?;
            <[u8; 32]>::try_from(&*d).map_err(std::io::Error::other)
        }
    }
}

#[cfg(not(feature = "openssl"))]
mod imp {
    use super::Algorithm;
    use sha2::Digest as _;

    #[derive(Clone)]
    pub enum Hasher {
        Sha256(sha2::Sha256),
        Sm3(sm3::Sm3),
    }

    impl Hasher {
        pub fn new(a: Algorithm) -> Result<Self, std::io::Error> {
            Ok(match a {
                Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
                Algorithm::Sm3 => Hasher::Sm3(sm3::Sm3::new()),
            })
        }
        pub fn update(&mut self, b: &[u8]) -> Result<(), std::io::Error> {
            match self {
                Hasher::Sha256(h) => h.update(b),
                Hasher::Sm3(h) => h.update(b),
            }
            Ok(())
        }
        pub fn finish(self) -> Result<[u8; 32], std::io::Error> {
            Ok(match self {
                Hasher::Sha256(h) => h.finalize().into(),
                Hasher::Sm3(h) => h.finalize().into(),
            })
        }
    }
}

/// A running digest. Cloning copies the state (to give back a failed request).
#[derive(Clone)]
pub struct Hasher {
    inner: imp::Hasher,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher").finish_non_exhaustive()
    }
}

impl Hasher {
    /// A fresh digest.
    pub fn new(algorithm: Algorithm) -> std::io::Result<Self> {
        Ok(Hasher { inner: imp::Hasher::new(algorithm)? })
    }
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.update(bytes)
    }
    /// The digest of everything fed.
    pub fn finish(self) -> std::io::Result<[u8; 32]> {
        self.inner.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest as _;

    #[test]
    fn same_digests_as_the_rust_implementations() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for split in [0, 1, 63, 64, 65, 1 << 20, data.len()] {
            let (a, b) = data.split_at(split);
            let mut s = Hasher::new(Algorithm::Sha256).unwrap();
            let mut m = Hasher::new(Algorithm::Sm3).unwrap();
            for part in [a, b] {
                s.update(part).unwrap();
                m.update(part).unwrap();
            }
            let copy = s.clone();
            assert_eq!(s.finish().unwrap(), <[u8; 32]>::from(sha2::Sha256::digest(&data)));
            assert_eq!(copy.finish().unwrap(), <[u8; 32]>::from(sha2::Sha256::digest(&data)));
            assert_eq!(m.finish().unwrap(), <[u8; 32]>::from(sm3::Sm3::digest(&data)));
        }
        // GB/T 32905-2016 example 1.
        let mut m = Hasher::new(Algorithm::Sm3).unwrap();
        m.update(b"abc").unwrap();
        assert_eq!(
            m.finish().unwrap().iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}

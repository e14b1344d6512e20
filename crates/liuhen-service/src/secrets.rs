//! Random values, password hashing (Argon2id) and bearer secrets.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::error::{Result, ServiceError};

/// Fills `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| ServiceError::Internal(format!("random source failed: {e}")))?;
    Ok(b)
}

/// Prefix of login-session secrets.
pub const SESSION_PREFIX: &str = "lhs_";
/// Prefix of API-token secrets.
pub const TOKEN_PREFIX: &str = "lht_";

/// A new bearer secret (`prefix` + 256 random bits, base64url) and the
/// SHA-256 under which it is stored.
pub fn new_secret(prefix: &str) -> Result<(String, [u8; 32])> {
    let raw: [u8; 32] = random_bytes()?;
    let secret = format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
    let hash = secret_hash(&secret);
    Ok((secret, hash))
}

/// The stored form of a bearer secret. The secret has 256 bits of entropy,
/// so a fast hash suffices; a database leak yields no usable secret.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Hashes a password with Argon2id at the crate's default cost
/// (m = 19 MiB, t = 2, p = 1, the OWASP recommendation). CPU-heavy: runs on
/// a blocking thread.
pub async fn hash_password(password: String) -> Result<String> {
    let salt_bytes: [u8; 16] = random_bytes()?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

/// A fixed Argon2id hash of a random password, verified against when the
/// login is unknown so that unknown and known logins take the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bGl1aGVuLWR1bW15LXNhbHQ$0X3n8dY0kR8nZ3JhJ4V0o7VQx2s2mF5Jb8qS0m3r2sA";

/// Checks a password against a stored PHC hash (or the dummy when `None`).
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool> {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(known && ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_round_trip() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify_password("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify_password("anything".into(), None).await.unwrap());
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must parse so it costs a real verification"
        );
    }

    #[test]
    fn secrets_are_distinct_and_prefixed() {
        let (a, ha) = new_secret(TOKEN_PREFIX).unwrap();
        let (b, hb) = new_secret(TOKEN_PREFIX).unwrap();
        assert!(a.starts_with("lht_") && a.len() == 4 + 43);
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(secret_hash(&a), ha);
    }
}

//! Note signer keys: the private-key encoding of `golang.org/x/mod/sumdb/note`
//! (`PRIVATE+KEY+<name>+<hex key ID>+base64(<type> || <private key>)`), used
//! to produce C2SP signed-note signatures (§Signatures, §Ed25519 signatures).
//!
//! The key ID is that of the matching *public* key (see [`crate::keys`] for
//! the type bytes and the SM2 layout). Ed25519 private keys are 32-byte
//! RFC 8032 seeds; SM2 private keys are 32-byte big-endian scalars on
//! sm2p256v1. SM2 signing is deterministic (RFC 6979-style nonces with SM3,
//! as provided by the `sm2` crate), so signing needs no RNG.

use core::fmt;

use ed25519_dalek::Signer as _;

use crate::keys::{parse_hex_id, KeyAlgorithm, VerifierKey, SM2_DIST_ID};
use crate::util::{b64_decode, b64_encode, hex_encode};
use crate::Error;

#[derive(Clone)]
enum SecretKey {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// A note signer key (`PRIVATE+KEY+name+hexid+base64(type‖secret)`).
#[derive(Clone)]
pub struct SignerKey {
    verifier: VerifierKey,
    secret: SecretKey,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey({}, <secret>)", self.verifier)
    }
}

impl SignerKey {
    /// An Ed25519 signer from its 32-byte RFC 8032 seed.
    pub fn ed25519_from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, Error> {
        let sk = ed25519_dalek::SigningKey::from_bytes(seed);
        let verifier = VerifierKey::new(name, KeyAlgorithm::Ed25519, sk.verifying_key().as_bytes())?;
        Ok(SignerKey { verifier, secret: SecretKey::Ed25519(Box::new(sk)) })
    }

    /// An SM2 signer from its 32-byte big-endian private scalar.
    pub fn sm2_from_secret(name: &str, secret: &[u8; 32]) -> Result<Self, Error> {
        let sk = sm2::dsa::SigningKey::from_slice(SM2_DIST_ID, secret)
            .map_err(|_| Error::MalformedSignerKey("bad SM2 private key"))?;
        let public = sm2_public_bytes(sk.verifying_key())?;
        let verifier = VerifierKey::new(name, KeyAlgorithm::Sm2, &public)?;
        Ok(SignerKey { verifier, secret: SecretKey::Sm2(Box::new(sk)) })
    }

    /// Parses a signer key string, checking the key ID against the derived
    /// public key.
    pub fn parse(skey: &str) -> Result<Self, Error> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(Error::MalformedSignerKey("missing PRIVATE+KEY+ prefix"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::MalformedSignerKey("want name+id+key"));
        };
        let id =
            parse_hex_id(id).ok_or(Error::MalformedSignerKey("key id must be 8 lower-case hex digits"))?;
        let data = b64_decode(b64)?;
        let (alg, key) = KeyAlgorithm::split(&data).ok_or(Error::MalformedSignerKey("unknown key type"))?;
        let key = <&[u8; 32]>::try_from(key)
            .map_err(|_| Error::MalformedSignerKey("private key must be 32 bytes"))?;
        let signer = match alg {
            KeyAlgorithm::Ed25519 => Self::ed25519_from_seed(name, key)?,
            KeyAlgorithm::Sm2 => Self::sm2_from_secret(name, key)?,
            KeyAlgorithm::CosignatureV1 => return Err(Error::MalformedSignerKey("unsupported signer type")),
        };
        if signer.verifier.key_id() != id {
            return Err(Error::MalformedSignerKey("key id does not match key"));
        }
        Ok(signer)
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }
    /// Key name.
    pub fn name(&self) -> &str {
        self.verifier.name()
    }
    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.verifier.key_id()
    }

    /// Signs `msg` (the note text); returns the signature without key ID.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        match &self.secret {
            SecretKey::Ed25519(sk) => Ok(sk.sign(msg).to_bytes().to_vec()),
            SecretKey::Sm2(sk) => {
                let sig: sm2::dsa::Signature = sk.try_sign(msg).map_err(|_| Error::Signing)?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }

    /// The `PRIVATE+KEY+...` string. Handle with care: it contains the secret.
    pub fn to_secret_string(&self) -> String {
        let mut data = self.verifier.algorithm().type_bytes().to_vec();
        match &self.secret {
            SecretKey::Ed25519(sk) => data.extend_from_slice(sk.as_bytes()),
            SecretKey::Sm2(sk) => data.extend_from_slice(&sk.to_bytes()),
        }
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.verifier.name(),
            hex_encode(&self.verifier.key_id().to_be_bytes()),
            b64_encode(&data)
        )
    }
}

fn sm2_public_bytes(vk: &sm2::dsa::VerifyingKey) -> Result<Vec<u8>, Error> {
    let bytes = vk.to_sec1_bytes().to_vec();
    if bytes.len() == 65 {
        Ok(bytes)
    } else {
        Err(Error::MalformedSignerKey("unexpected SM2 public key encoding"))
    }
}

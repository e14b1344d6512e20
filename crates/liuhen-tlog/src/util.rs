//! Small strict encoders and decoders shared by the text formats.
//!
//! * base64: RFC 4648 §4 standard alphabet with canonical padding (as
//!   required by C2SP signed-note, tlog-checkpoint and tlog-proof).
//! * decimals: ASCII digits only, no sign, no leading zeroes (unless the
//!   value is `0`), must fit in a `u64` (C2SP tlog-checkpoint "tree size",
//!   tlog-proof "index").

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::Error;

/// Encodes bytes as standard padded base64.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes standard padded base64, rejecting non-canonical input.
pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, Error> {
    STANDARD.decode(s).map_err(|_| Error::InvalidBase64)
}

/// Lower-case hex encoding.
pub(crate) fn hex_encode(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(data.len() * 2);
    for b in data {
        for nibble in [b >> 4, b & 0x0f] {
            let c = DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
            out.push(char::from(c));
        }
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Hex decoding (either case).
pub(crate) fn hex_decode(s: &str) -> Result<Vec<u8>, Error> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::InvalidHex);
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => match (hex_val(*hi), hex_val(*lo)) {
                (Some(h), Some(l)) => Ok((h << 4) | l),
                _ => Err(Error::InvalidHex),
            },
            _ => Err(Error::InvalidHex),
        })
        .collect()
}

/// Parses a canonical ASCII decimal `u64` (no sign, no leading zeroes).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    match bytes {
        [] => return None,
        [b'0'] => return Some(0),
        [b'0', ..] => return None,
        _ => {}
    }
    let mut v: u64 = 0;
    for &c in bytes {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "00", "01", "-1", "+1", "1a", "18446744073709551616", " 1"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_round_trip() {
        let data = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex_encode(&data), "0001abff");
        assert_eq!(hex_decode("0001ABff").ok(), Some(data.to_vec()));
        assert!(hex_decode("0").is_err());
        assert!(hex_decode("zz").is_err());
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(b64_decode("Zm8=").ok(), Some(b"fo".to_vec()));
        assert!(b64_decode("Zm8").is_err());
        assert!(b64_decode("Zm9=").is_err(), "non-zero trailing bits");
        assert!(b64_decode("Zm8=\n").is_err());
    }
}

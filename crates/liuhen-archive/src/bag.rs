//! The BagIt 1.0 text files (RFC 8493 §2): `bagit.txt`, `bag-info.txt`,
//! payload manifests for SHA-256 and SM3, and the tag manifest.

use std::collections::BTreeMap;

use crate::digest::Digests;
use crate::layout;

/// The whole of `bagit.txt` for BagIt 1.0.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

/// One file of a bag, with its digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// Relative to the bag's base, `/`-separated (`data/…` for payload).
    pub path: String,
    pub digests: Digests,
}

/// Which algorithm a manifest lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Sha256,
    Sm3,
}

impl Alg {
    fn of(self, d: &Digests) -> String {
        match self {
            Alg::Sha256 => hex::encode(d.sha256),
            Alg::Sm3 => hex::encode(d.sm3),
        }
    }
}

/// A path as a manifest writes it: `%`, CR and LF percent-encoded (§2.1.3).
pub fn encode_path(path: &str) -> String {
    path.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// The inverse of [`encode_path`] (case-insensitive hex, as the RFC allows).
pub fn decode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('%') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let code = rest.get(i + 1..i + 3).unwrap_or_default();
        match code.to_ascii_uppercase().as_str() {
            "25" => out.push('%'),
            "0D" => out.push('\r'),
            "0A" => out.push('\n'),
            _ => {
                out.push('%');
                rest = rest.get(i + 1..).unwrap_or_default();
                continue;
            }
        }
        rest = rest.get(i + 3..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// A manifest of `files` for `alg`, sorted by path: `HEX  PATH\n` per file.
pub fn manifest<'a>(files: impl IntoIterator<Item = &'a FileDigest>, alg: Alg) -> String {
    let mut lines: Vec<(String, String)> =
        files.into_iter().map(|f| (f.path.clone(), alg.of(&f.digests))).collect();
    lines.sort();
    lines.into_iter().map(|(p, h)| format!("{h}  {}\n", encode_path(&p))).collect()
}

/// A manifest's lines as path → lowercase hex; a malformed or repeated line is an error naming it.
pub fn parse_manifest(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((hash, path)) = line.split_once(char::is_whitespace) else {
            return Err(format!("line {}: no path", i + 1));
        };
        let path = decode_path(path.trim_start());
        if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) || path.is_empty() {
            return Err(format!("line {}: not `DIGEST  PATH`", i + 1));
        }
        if out.insert(path.clone(), hash.to_ascii_lowercase()).is_some() {
            return Err(format!("line {}: {path} listed twice", i + 1));
        }
    }
    Ok(out)
}

/// `bag-info.txt` from labelled values (each on one line; a newline in a value is folded to a space).
pub fn bag_info(fields: &[(&str, String)]) -> String {
    fields.iter().map(|(label, value)| format!("{label}: {}\n", value.replace(['\r', '\n'], " "))).collect()
}

/// `bag-info.txt` parsed into labels and values (the first value of a repeated label).
pub fn parse_bag_info(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if let Some((label, value)) = line.split_once(':') {
            out.entry(label.trim().to_owned()).or_insert_with(|| value.trim().to_owned());
        }
    }
    out
}

/// `Payload-Oxum`: total payload bytes and file count, `BYTES.COUNT`.
pub fn payload_oxum<'a>(files: impl IntoIterator<Item = &'a FileDigest>) -> String {
    let (bytes, count) = files.into_iter().fold((0u64, 0u64), |(b, c), f| (b + f.digests.size, c + 1));
    format!("{bytes}.{count}")
}

/// A bag being made: payload files are added with their digests; then the
/// payload manifests, whose digests the `archive.assembled` entry names, and
/// the tag files follow from them.
#[derive(Debug, Clone, Default)]
pub struct Bag {
    payload: Vec<FileDigest>,
}

impl Bag {
    pub fn new() -> Self {
        Bag::default()
    }

    /// Adds a payload file; `path` is under `data/`. A path given twice is refused.
    pub fn add(&mut self, path: &str, digests: Digests) -> Result<(), String> {
        if !path.starts_with(layout::PAYLOAD) {
            return Err(format!("{path}: payload files are under data/"));
        }
        if self.payload.iter().any(|f| f.path == path) {
            return Err(format!("{path}: added twice"));
        }
        self.payload.push(FileDigest { path: path.to_owned(), digests });
        Ok(())
    }

    pub fn payload(&self) -> &[FileDigest] {
        &self.payload
    }

    /// `manifest-sha256.txt`.
    pub fn manifest_sha256(&self) -> String {
        manifest(&self.payload, Alg::Sha256)
    }

    /// `manifest-sm3.txt`.
    pub fn manifest_sm3(&self) -> String {
        manifest(&self.payload, Alg::Sm3)
    }

    pub fn payload_oxum(&self) -> String {
        payload_oxum(&self.payload)
    }

    /// Every tag file: `bagit.txt`, `bag-info.txt` (with `Payload-Oxum`
    /// added after `info`), both payload manifests, the `extra` tag files
    /// (`liuhen/…`), and `tagmanifest-sha256.txt` over all of them.
    pub fn tag_files(&self, info: &[(&str, String)], extra: &[(&str, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
        let mut info = info.to_vec();
        info.push(("Payload-Oxum", self.payload_oxum()));
        let mut files: Vec<(String, Vec<u8>)> = vec![
            (layout::BAGIT_TXT.into(), BAGIT_TXT.as_bytes().to_vec()),
            (layout::BAG_INFO.into(), bag_info(&info).into_bytes()),
            (layout::MANIFEST_SHA256.into(), self.manifest_sha256().into_bytes()),
            (layout::MANIFEST_SM3.into(), self.manifest_sm3().into_bytes()),
        ];
        files.extend(extra.iter().map(|(p, b)| ((*p).to_owned(), b.clone())));
        let tagged: Vec<FileDigest> =
            files.iter().map(|(p, b)| FileDigest { path: p.clone(), digests: Digests::of(b) }).collect();
        files.push((layout::TAGMANIFEST_SHA256.into(), manifest(&tagged, Alg::Sha256).into_bytes()));
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_newlines_and_percent_round_trip() {
        for p in ["data/a b.pdf", "data/100%.txt", "data/x\ny\rz", "data/%0A"] {
            assert_eq!(decode_path(&encode_path(p)), p);
        }
        assert_eq!(encode_path("data/a\nb%"), "data/a%0Ab%25");
    }

    #[test]
    fn manifests_are_sorted_and_parse_back() {
        let mut bag = Bag::new();
        bag.add("data/b.txt", Digests::of(b"b")).unwrap();
        bag.add("data/a.txt", Digests::of(b"a")).unwrap();
        assert!(bag.add("data/a.txt", Digests::of(b"a")).is_err());
        assert!(bag.add("other.txt", Digests::of(b"a")).is_err());
        let m = bag.manifest_sha256();
        assert!(m.starts_with(&format!("{}  data/a.txt\n", hex::encode(Digests::of(b"a").sha256))), "{m}");
        let parsed = parse_manifest(&m).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(bag.payload_oxum(), "2.2");
        assert!(parse_manifest("zz  data/a\n").is_err());
        assert!(parse_manifest("ab  data/a\nab  data/a\n").is_err());
        let tags = bag.tag_files(&[("External-Identifier", "X-2026-D10-0001".into())], &[]);
        let names: Vec<&str> = tags.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "bagit.txt",
                "bag-info.txt",
                "manifest-sha256.txt",
                "manifest-sm3.txt",
                "tagmanifest-sha256.txt"
            ]
        );
        let info = parse_bag_info(std::str::from_utf8(&tags[1].1).unwrap());
        assert_eq!(info["Payload-Oxum"], "2.2");
        assert_eq!(info["External-Identifier"], "X-2026-D10-0001");
    }
}

//! Evidence (证据): audio-video files and photos from body cameras and
//! docking stations, and the metadata a tus upload declares for them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::device::device_identifier as identifier;
use crate::error::required_text;
use crate::{CaseId, Confidentiality, EvidenceId, UnitId, UserId, ValidationError};

/// A stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: EvidenceId,
    pub agency_id: UnitId,
    pub unit_id: UnitId,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// SM3 (GB/T 32905) of the file, lower-case hex.
    pub sm3: String,
    pub size: u64,
    pub media_type: String,
    /// The file's name as the device gave it (never used as a path).
    pub file_name: String,
    /// 产品序号 — the recording device's serial number.
    pub device_serial: Option<String>,
    /// The officer whose device recorded it.
    pub officer_id: Option<UserId>,
    /// The docking station (采集站) that uploaded it.
    pub station_id: Option<String>,
    /// Start of the recording as the device stated it, with its UTC offset.
    pub recorded_start: Option<String>,
    /// The device clock's offset (device minus true time, ms) measured by the station at docking.
    pub clock_offset_ms: Option<i64>,
    /// The recorded start corrected by that offset, in UTC: what every comparison uses.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub recorded_start_corrected: Option<OffsetDateTime>,
    /// Length of the recording, from the file itself, when it could be read.
    pub duration_ms: Option<u64>,
    pub case_id: Option<CaseId>,
    /// 重要 — marked important on the device or at the station.
    pub important: bool,
    pub label: Confidentiality,
    pub uploaded_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// What could be read from the file itself: `{"status": "recognised", …}`
    /// with duration, creation time, codecs, size and location, or
    /// `{"status": "unparsed", "reason": …}` — such a file is kept all the same.
    #[schema(value_type = Object)]
    pub media: serde_json::Value,
    /// 单位编号 the device reported (`device.json`), as given.
    #[serde(default)]
    pub unit_code: Option<String>,
    /// 单位名称 the device reported, as given.
    #[serde(default)]
    pub unit_name: Option<String>,
    /// Where the upload disagreed with the device register when it came in
    /// (unregistered device, another officer's, another unit's, clock drift):
    /// the file was kept all the same.
    #[serde(default)]
    pub device_flags: Vec<crate::DeviceFlag>,
    /// When the file was destroyed (销毁) after its retention ran out; the record and its digests
    /// stay, the file is gone.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub destroyed_at: Option<OffsetDateTime>,
}

/// What an upload declares about its file (tus `Upload-Metadata`), validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceMetadata {
    pub file_name: String,
    pub media_type: String,
    pub device_serial: Option<String>,
    /// 执法证号 of the officer whose device recorded it.
    pub officer_cert_no: Option<String>,
    pub recorded_start: Option<String>,
    pub station_id: Option<String>,
    pub case_id: Option<CaseId>,
    pub important: bool,
    /// 密级 / 敏感标识 as the uploader gave it; when absent, the case's
    /// label (内部 without a case).
    pub label: Option<Confidentiality>,
    /// A SHA-256 the client computed beforehand (hex); checked at completion.
    pub sha256: Option<[u8; 32]>,
    /// Device clock minus true time, in milliseconds, as the station measured it.
    pub clock_offset_ms: Option<i64>,
    /// 单位编号 the device is configured with.
    pub unit_code: Option<String>,
    /// 单位名称 the device is configured with.
    pub unit_name: Option<String>,
}

/// Keys accepted in `Upload-Metadata`.
pub const METADATA_KEYS: &[&str] = &[
    "filename",
    "filetype",
    "device_serial",
    "officer",
    "recorded_start",
    "station_id",
    "case_id",
    "important",
    "label",
    "sha256",
    "clock_offset_ms",
    "unit_code",
    "unit_name",
];

/// The last component of a client's file name, without control characters:
/// shown to people, never used as a path.
pub fn clean_file_name(raw: &str) -> Result<String, ValidationError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    required_text("filename", &cleaned, 255)
}

impl EvidenceMetadata {
    /// Validates decoded `Upload-Metadata` pairs.
    pub fn from_pairs(pairs: &HashMap<String, String>) -> Result<Self, ValidationError> {
        if let Some(k) = pairs.keys().find(|k| !METADATA_KEYS.contains(&k.as_str())) {
            return Err(ValidationError::new(
                format!("Upload-Metadata.{k}"),
                format!("unknown key; use {}", METADATA_KEYS.join(", ")),
            ));
        }
        let get = |k: &str| pairs.get(k).map(String::as_str).filter(|v| !v.trim().is_empty());
        let file_name = clean_file_name(get("filename").unwrap_or(""))?;
        let media_type = match get("filetype") {
            Some(t) => {
                let t = t.trim().to_ascii_lowercase();
                let ok = t.split_once('/').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && t.chars().all(|c| c.is_ascii_alphanumeric() || "/+-.".contains(c))
                });
                if !ok || t.len() > 100 {
                    return Err(ValidationError::new("filetype", "is not a media type such as video/mp4"));
                }
                t
            }
            None => "application/octet-stream".to_owned(),
        };
        let recorded_start = match get("recorded_start") {
            Some(s) => {
                let t = OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                        ValidationError::new(
                            "recorded_start",
                            "must be RFC 3339 with its UTC offset, e.g. 2026-03-02T09:30:00+08:00",
                        )
                    })?;
                crate::when::bounded("recorded_start", t)?;
                Some(s.trim().to_owned())
            }
            None => None,
        };
        let case_id = get("case_id")
            .map(|s| {
                s.trim().parse::<CaseId>().map_err(|_| ValidationError::new("case_id", "is not a case id"))
            })
            .transpose()?;
        let important = match get("important").map(|s| s.trim().to_ascii_lowercase()) {
            None => false,
            Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "重要") => true,
            Some(v) if matches!(v.as_str(), "false" | "0" | "no") => false,
            Some(_) => return Err(ValidationError::new("important", "must be true or false")),
        };
        let label = match get("label") {
            None => None,
            Some(l) => Some(
                l.trim().parse::<Confidentiality>().map_err(|e| ValidationError::new("label", e.problem))?,
            ),
        };
        if label == Some(Confidentiality::StateSecret) {
            return Err(ValidationError::new(
                "label",
                "liuhen does not take in content labelled 国家秘密; it belongs in a certified classified system",
            ));
        }
        let sha256 = get("sha256")
            .map(|h| {
                let h = h.trim();
                let bytes = hex::decode(h).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
                bytes.ok_or_else(|| ValidationError::new("sha256", "must be 64 hexadecimal digits"))
            })
            .transpose()?;
        let clock_offset_ms = get("clock_offset_ms")
            .map(|v| {
                v.trim().parse::<i64>().ok().filter(|ms| ms.abs() <= 86_400_000).ok_or_else(|| {
                    ValidationError::new("clock_offset_ms", "must be whole milliseconds within a day")
                })
            })
            .transpose()?;
        Ok(EvidenceMetadata {
            clock_offset_ms,
            file_name,
            media_type,
            device_serial: get("device_serial").map(|v| identifier("device_serial", v)).transpose()?,
            officer_cert_no: get("officer").map(|v| identifier("officer", v)).transpose()?,
            recorded_start,
            station_id: get("station_id").map(|v| identifier("station_id", v)).transpose()?,
            unit_code: get("unit_code").map(|v| identifier("unit_code", v)).transpose()?,
            unit_name: get("unit_name").map(|v| required_text("unit_name", v, 100)).transpose()?,
            case_id,
            important,
            label,
            sha256,
        })
    }

    /// The recorded start in UTC corrected for the device's clock offset:
    /// a device running 30 s fast (offset +30,000 ms) started 30 s earlier
    /// than it says.
    pub fn recorded_start_corrected(&self) -> Option<OffsetDateTime> {
        self.recorded_start_utc()
            .and_then(|t| t.checked_sub(time::Duration::milliseconds(self.clock_offset_ms.unwrap_or(0))))
    }

    /// The recorded start in UTC, when declared.
    pub fn recorded_start_utc(&self) -> Option<OffsetDateTime> {
        self.recorded_start
            .as_deref()
            .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
            .map(crate::when::in_utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(kv: &[(&str, &str)]) -> HashMap<String, String> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn metadata_is_checked_and_names_become_plain_names() {
        let m = EvidenceMetadata::from_pairs(&pairs(&[
            ("filename", "../../etc/DCIM\\100/FILE0001.MP4"),
            ("filetype", "video/mp4"),
            ("device_serial", "DSJ-A8-2026-0001"),
            ("officer", "33010026001"),
            ("recorded_start", "2026-03-02T09:30:00+08:00"),
            ("important", "true"),
            ("unit_code", "330100"),
            ("unit_name", "执法稽查一队"),
        ]))
        .unwrap();
        assert_eq!((m.unit_code.as_deref(), m.unit_name.as_deref()), (Some("330100"), Some("执法稽查一队")));
        assert_eq!(m.file_name, "FILE0001.MP4");
        assert!(m.important);
        assert_eq!(m.recorded_start_utc().unwrap().hour(), 1);
        let e = EvidenceMetadata::from_pairs(&pairs(&[
            ("filename", "a.mp4"),
            ("recorded_start", "2026-03-02 09:30"),
        ]))
        .unwrap_err();
        assert_eq!(e.field, "recorded_start");
        let e = EvidenceMetadata::from_pairs(&pairs(&[("filename", "a.mp4"), ("label", "国家秘密")]))
            .unwrap_err();
        assert!(e.problem.contains("国家秘密"));
        let e = EvidenceMetadata::from_pairs(&pairs(&[("filename", "a.mp4"), ("colour", "x")])).unwrap_err();
        assert_eq!(e.field, "Upload-Metadata.colour");
        assert_eq!(EvidenceMetadata::from_pairs(&pairs(&[("filename", "/")])).unwrap_err().field, "filename");
        assert_eq!(
            EvidenceMetadata::from_pairs(&pairs(&[("filename", "a"), ("sha256", "zz")])).unwrap_err().field,
            "sha256"
        );
    }
}

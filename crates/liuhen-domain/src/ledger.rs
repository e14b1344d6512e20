//! Ledger entries: what the verifiable log records for each change and each
//! read.
//!
//! # Encoding (version 1)
//!
//! An entry is a JSON object in the canonical form of RFC 8785 (JSON
//! Canonicalization Scheme): members sorted by key, no insignificant
//! whitespace, strings as serde_json writes them (which matches RFC 8785 for
//! the ASCII keys and the UTF-8 values used here), integers only. Absent
//! optional members are omitted. The members are:
//!
//! | key | value |
//! |---|---|
//! | `actor` | `user:<uuid>` or `system:<name>` |
//! | `kind` | the entry kind code, e.g. `case.created` |
//! | `nonce` | 32 lower-case hex digits: 128 random bits |
//! | `org` | the agency's unit id, when the entry belongs to one |
//! | `sha256` | hex SHA-256 of `nonce ‖ content`, when the entry commits to content |
//! | `sm3` | hex SM3 (GB/T 32905) of `nonce ‖ content`, alongside `sha256` |
//! | `subjects` | identifiers of the records concerned (`case:<uuid>`, `act:<uuid>`) |
//! | `time` | milliseconds since the Unix epoch, UTC |
//! | `v` | `1` |
//!
//! The content committed to (for example the canonical JSON of a case as
//! created) may hold personal data; the entry never does. Prefixing the
//! content with the random nonce keeps a guessable content (an identity
//! number, a name) from being confirmed by hashing candidates.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::{UnitId, UserId};

crate::labelled_enum! {
    /// What an entry records.
    pub enum EntryKind {
        UnitCreated = ("unit.created", "新建机构"),
        UserCreated = ("user.created", "新建用户"),
        PasswordSet = ("user.password_set", "管理员设置密码"),
        PasswordChanged = ("user.password_changed", "本人修改密码"),
        UserChanged = ("user.changed", "变更用户角色、单位或状态"),
        TokenCreated = ("credential.token_created", "签发令牌"),
        TokenRevoked = ("credential.token_revoked", "吊销令牌"),
        SessionCreated = ("credential.session_created", "登录"),
        SessionEnded = ("credential.session_ended", "退出登录"),
        LoginFailed = ("credential.login_failed", "登录失败"),
        LoginLocked = ("credential.login_locked", "登录失败次数过多，已锁定"),
        AccessRefused = ("access.refused", "拒绝调阅"),
        AccessRequested = ("access.requested", "申请调阅"),
        AccessApproved = ("access.approved", "批准调阅"),
        AccessRejected = ("access.rejected", "驳回调阅申请"),
        AuditRead = ("audit.read", "查阅审计记录"),
        CaseCreated = ("case.created", "立案"),
        CaseRead = ("case.read", "查看案件"),
        CasesListed = ("case.listed", "查询案件列表"),
        OfficersAssigned = ("case.officers_assigned", "指派办案人员"),
        StageChanged = ("case.stage_changed", "办案阶段变更"),
        FindingsOverridden = ("case.findings_overridden", "负责人越过阻断性问题推进阶段"),
        ActRecorded = ("act.recorded", "记录执法行为"),
        ElementsAttested = ("act.elements_attested", "补充确认记录要素"),
        InterruptionExplained = ("act.interruption_explained", "记录中止说明"),
        LimitExtended = ("case.limit_extended", "批准延长办案期限"),
        SeizureReleased = ("case.seizure_released", "解除查封扣押"),
        EvidenceIngested = ("evidence.ingested", "证据入库"),
        EvidenceRead = ("evidence.read", "查看证据信息"),
        EvidenceViewed = ("evidence.viewing_session", "播放或下载证据"),
        BlobQuarantined = ("evidence.blob_quarantined", "证据文件校验失败并隔离"),
        EvidenceLinked = ("evidence.linked", "证据关联执法行为"),
        EvidenceUnlinked = ("evidence.unlinked", "证据解除关联"),
        DecisionProposed = ("decision.proposed", "拟作出处理决定"),
        ReviewSubmitted = ("review.submitted", "提交法制审核"),
        ReviewOpinionGiven = ("review.opinion", "法制审核意见"),
        DecisionIssued = ("decision.issued", "作出处理决定"),
        DocumentDrafted = ("document.drafted", "起草文书"),
        DocumentEdited = ("document.edited", "修改文书草稿"),
        DocumentIssued = ("document.issued", "签发文书"),
        DocumentServed = ("document.served", "文书送达"),
        DocumentRead = ("document.read", "查看文书"),
        DocumentDownloaded = ("document.downloaded", "下载文书"),
        DocumentRegistered = ("document.registered", "登记纸质文书"),
        ArchiveAssembled = ("archive.assembled", "电子案卷封包归档"),
        ArchiveDownloaded = ("archive.downloaded", "下载电子案卷"),
        ArchiveChecked = ("archive.checked", "电子案卷四性检测通过"),
        ArchiveCheckFailed = ("archive.check_failed", "电子案卷四性检测未通过"),
        DeviceRegistered = ("device.registered", "登记执法记录仪"),
        DeviceChanged = ("device.changed", "变更执法记录仪状态或单位"),
        DeviceIssued = ("device.issued", "领用执法记录仪"),
        DeviceReturned = ("device.returned", "归还执法记录仪"),
        ClockMeasured = ("device.clock_measured", "执法记录仪校时"),
        ClockDrift = ("device.clock_drift", "执法记录仪校时偏差超限"),
        StationRegistered = ("station.registered", "登记采集站"),
        HoldPlaced = ("hold.placed", "设置保全冻结"),
        HoldLifted = ("hold.lifted", "解除保全冻结"),
        DestructionRequested = ("destruction.requested", "提出档案销毁申请"),
        DestructionApproved = ("destruction.approved", "批准档案销毁"),
        DestructionWithdrawn = ("destruction.withdrawn", "撤回或驳回档案销毁申请"),
        RecordDestroyed = ("record.destroyed", "档案已销毁 (墓碑)"),
        DisclosureDue = ("disclosure.due", "决定待公示"),
        DisclosureRedacted = ("disclosure.redacted", "公示文本隐名处理"),
        DisclosureConfirmed = ("disclosure.confirmed", "确认公示文本"),
        DisclosurePublished = ("disclosure.published", "发布执法决定公示"),
        DisclosureWithdrawn = ("disclosure.withdrawn", "撤回执法决定公示"),
        DisclosureOverdue = ("disclosure.overdue", "执法决定逾期未公示"),
        PriorItemChanged = ("prior.changed", "修改事前公开事项"),
        PriorItemPublished = ("prior.published", "发布事前公开事项"),
        PriorItemOverdue = ("prior.overdue", "事前公开事项逾期未更新发布"),
        RemedyRecorded = ("case.remedy_recorded", "登记行政复议或行政诉讼"),
    }
}

/// Who caused an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    /// The system itself or an administrator's command line: `system:cli`.
    System(&'static str),
}

impl Actor {
    pub fn encode(&self) -> String {
        match self {
            Actor::User(u) => u.subject(),
            Actor::System(name) => format!("system:{name}"),
        }
    }
}

/// The largest encoded entry accepted, in bytes.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024;

/// One ledger entry, version 1. Field order is the canonical (sorted) order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    pub actor: String,
    pub kind: String,
    pub nonce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm3: Option<String>,
    pub subjects: Vec<String>,
    pub time: i64,
    pub v: u32,
}

/// Why bytes are not a valid entry.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("entry is {0} bytes; at most {MAX_ENTRY_BYTES} are allowed")]
    TooLarge(usize),
    #[error("entry is not valid JSON of version 1: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("entry is not in canonical form")]
    NotCanonical,
    #[error("unsupported entry version {0}")]
    Version(u32),
}

impl LedgerEntry {
    /// Builds an entry. `time_ms` comes from the injected clock, `nonce` from
    /// the caller's random source; `content` is what the entry commits to.
    pub fn new(
        kind: EntryKind,
        time_ms: i64,
        actor: Actor,
        org: Option<UnitId>,
        subjects: Vec<String>,
        content: Option<&[u8]>,
        nonce: [u8; 16],
    ) -> Self {
        let (sha256, sm3) = match content {
            Some(c) => {
                let (a, b) = content_digests(&nonce, c);
                (Some(hex::encode(a)), Some(hex::encode(b)))
            }
            None => (None, None),
        };
        LedgerEntry {
            actor: actor.encode(),
            kind: kind.code().to_owned(),
            nonce: hex::encode(nonce),
            org: org.map(|o| o.to_string()),
            sha256,
            sm3,
            subjects,
            time: time_ms,
            v: 1,
        }
    }

    /// The canonical bytes of this entry.
    pub fn encode(&self) -> Result<Vec<u8>, EntryError> {
        let bytes = serde_json::to_vec(self)?;
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        Ok(bytes)
    }

    /// Parses canonical bytes; anything not byte-identical to its own
    /// re-encoding is refused, so one entry has exactly one encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        let e: LedgerEntry = serde_json::from_slice(bytes)?;
        if e.v != 1 {
            return Err(EntryError::Version(e.v));
        }
        if e.encode()? != bytes {
            return Err(EntryError::NotCanonical);
        }
        Ok(e)
    }

    /// Whether this entry commits to `content` (checks both digests).
    pub fn commits_to(&self, content: &[u8]) -> bool {
        let Ok(nonce) = hex::decode(&self.nonce) else {
            return false;
        };
        let (a, b) = content_digests(&nonce, content);
        self.sha256.as_deref() == Some(hex::encode(a).as_str())
            && self.sm3.as_deref() == Some(hex::encode(b).as_str())
    }
}

/// Milliseconds since the Unix epoch: how entries and the store keep time.
pub fn unix_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// SHA-256 and SM3 of `nonce ‖ content`.
pub fn content_digests(nonce: &[u8], content: &[u8]) -> ([u8; 32], [u8; 32]) {
    let mut a = Sha256::new();
    a.update(nonce);
    a.update(content);
    let mut b = sm3::Sm3::new();
    b.update(nonce);
    b.update(content);
    (a.finalize().into(), b.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LedgerEntry {
        LedgerEntry::new(
            EntryKind::CaseCreated,
            1_767_225_600_000,
            Actor::System("cli"),
            None,
            vec!["case:00000000-0000-4000-8000-000000000000".into()],
            Some("张三 11010519491231002X".as_bytes()),
            [7; 16],
        )
    }

    #[test]
    fn encoding_is_canonical_and_round_trips() {
        let e = sample();
        let bytes = e.encode().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"actor":"system:cli","kind":"case.created","nonce":"0707"#), "{text}");
        assert!(!text.contains("张三") && !text.contains("11010519491231002X"));
        assert_eq!(LedgerEntry::decode(&bytes).unwrap(), e);
        assert!(e.commits_to("张三 11010519491231002X".as_bytes()));
        assert!(!e.commits_to("张三 110105194912310021".as_bytes()));
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let text = String::from_utf8(sample().encode().unwrap()).unwrap();
        let spaced = text.replacen(':', ": ", 1);
        assert!(matches!(LedgerEntry::decode(spaced.as_bytes()), Err(EntryError::NotCanonical)));
        let extra = text.replacen('{', r#"{"zz":1,"#, 1);
        assert!(matches!(LedgerEntry::decode(extra.as_bytes()), Err(EntryError::Malformed(_))));
    }

    #[test]
    fn sm3_matches_the_standard_example() {
        // GB/T 32905-2016 Appendix A.1: SM3("abc").
        let (_, sm3) = content_digests(b"", b"abc");
        assert_eq!(hex::encode(sm3), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }
}

//! Pure types of administrative law enforcement for liuhen (留痕).
//!
//! This crate knows the words of the domain and their rules, and nothing of
//! storage, networks or clocks: every function is deterministic in its
//! arguments (architecture invariant 3).
//!
//! - Organisations: [`OrgUnit`] — an agency (执法机关) with its
//!   [`Uscc`] (统一社会信用代码) and a tree of departments below it.
//! - People: [`User`] with a [`Role`]; officers carry a 执法证号.
//! - Cases: [`Case`] with its [`CaseKind`], [`Stage`], [`Party`] list,
//!   officers and [`Confidentiality`] label.
//! - Acts: [`Act`] — an enforcement act with its [`ActKind`], time window,
//!   [`Place`] and [`Venue`]; [`Interruption`] — a 中止说明 of why its
//!   recording stopped, with its [`InterruptionReason`].
//! - Handling limits: [`LimitExtension`] — a 负责人's approved extension;
//!   [`SeizureRelease`] — 解除查封扣押, with its [`ReleaseReason`].
//! - Devices: [`Device`] (执法记录仪) with its [`DeviceStatus`], 领用 as
//!   [`DeviceBinding`], 校时 as [`ClockMeasurement`], [`Station`] (采集站),
//!   and the [`DeviceFlag`]s an upload gets when it disagrees with them.
//! - Identity numbers: [`ResidentId`] (GB 11643) and [`Uscc`] (GB 32100),
//!   checked down to their check characters.
//! - Ledger entries: [`LedgerEntry`], the canonical record of one change or
//!   one read.
//!
//! ```
//! use liuhen_domain::{NewCase, CaseKind, Party, PersonIdKind};
//!
//! let input = NewCase {
//!     cause: "销售过期食品".into(),
//!     kind: CaseKind::Penalty,
//!     procedure: None, // 行政处罚普通程序
//!     unit_id: None,
//!     label: None,
//!     summary: None,
//!     parties: vec![Party::NaturalPerson {
//!         name: "张三".into(),
//!         id_kind: PersonIdKind::ResidentIdCard,
//!         id_number: "110105194912310021".into(), // wrong check digit
//!         phone: None,
//!         address: None,
//!     }],
//!     officers: vec![],
//! };
//! let err = input.validate().unwrap_err();
//! assert_eq!(err.field, "parties[0].id_number");
//! ```

mod access;
mod act;
mod case;
mod device;
mod disclosure;
mod document;
mod error;
mod evidence;
mod idnum;
mod ids;
mod interruption;
mod labels;
mod ledger;
mod limit;
mod org;
mod procedure;
mod redact;
mod remedy;
mod retention;
mod review;
mod user;
pub mod when;

pub use access::{AccessRequest, ExternalRequester, MAX_ACCESS_DAYS, NewAccessRequest, reject_reason};
pub use act::{
    Act, ActDraft, ActKind, MAX_ACT_SECONDS, MAX_ELEMENTS, NewAct, Place, Venue, validate_elements,
};
pub use case::{
    Case, CaseDraft, CaseKind, Confidentiality, MAX_OFFICERS, MAX_PARTIES, NewCase, Party, PersonIdKind,
    Stage, case_number, validate_officer_list,
};
pub use device::{
    ClockMeasurement, Device, DeviceBinding, DeviceChange, DeviceFlag, DeviceFlagKind, DeviceStatus,
    NewDevice, NewStation, Station, device_identifier,
};
pub use disclosure::{
    Disclosure, DisclosureState, MAX_DISCLOSURE_TEXT, MAX_PRIOR_BODY, MaskedSpan, NewRedaction,
    NewWithdrawal, PriorItem, PriorItemDraft, PriorKind, Withdrawal, WithdrawalGround,
};
pub use document::{Document, DocumentStatus, IssuedDigests};
pub use error::{ValidationError, optional_text, required_text};
pub use evidence::{Evidence, EvidenceMetadata, METADATA_KEYS, clean_file_name};
pub use idnum::{IdNumberError, ResidentId, Uscc};
pub use ids::{
    AccessRequestId, ActId, ArchiveId, CaseId, CredentialId, DestructionId, DeviceId, DisclosureId,
    DocumentId, EvidenceId, HoldId, InterruptionId, PriorItemId, RemedyId, StationId, UnitId, UserId,
};
pub use interruption::{
    Interruption, InterruptionDraft, InterruptionReason, MAX_INTERRUPTION_TEXT, NewInterruption,
};
pub use labels::Labelled;
pub use ledger::{Actor, EntryError, EntryKind, LedgerEntry, MAX_ENTRY_BYTES, content_digests, unix_ms};
pub use limit::{
    LimitExtension, MAX_LIMIT_TEXT, NewLimitExtension, NewSeizureRelease, ReleaseReason, SeizureRelease,
};
pub use org::{NewUnit, OrgUnit, UnitKind};
pub use procedure::Procedure;
pub mod redaction {
    //! 公示前的隐名处理: see [`find`].
    pub use crate::redact::{Finding, IdentifierKind, Known, apply, find, mask_name, redact};
}
pub use remedy::{NewRemedy, Remedy, RemedyKind, RemedyOutcome};
pub use retention::{
    DESTRUCTION_APPROVALS, Destruction, DestructionApproval, DestructionState, Hold, LiftHold,
    MAX_DESTRUCTION_ITEMS, MAX_RETENTION_TEXT, NewDestruction, NewHold, RecordClass, RecordRef, RecordSource,
    retention_reason,
};
pub use review::{ChecklistAnswer, ChecklistItem, ProposedDecision, ReviewOpinion, ReviewOutcome};
pub use user::{
    NewToken, NewUser, Role, TokenScope, User, UserChange, default_clearance, validate_clearance,
    validate_login, validate_password,
};

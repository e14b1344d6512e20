//! Newtype identifiers. Every record is named by a random UUID; the
//! newtypes keep a case id from being passed where a user id belongs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The prefix used when this id names a ledger subject (`case:…`).
            pub const SUBJECT_PREFIX: &'static str = $prefix;

            pub fn from_bytes(b: [u8; 16]) -> Self {
                // Version 4 layout so that ids made from supplied random bytes
                // look like every other id.
                Self(uuid::Builder::from_random_bytes(b).into_uuid())
            }

            /// `case:0f…` — how a ledger entry refers to this record.
            pub fn subject(&self) -> String {
                format!("{}:{}", $prefix, self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// An organisational unit: an agency (执法机关) or one of its departments.
    UnitId,
    "unit"
);
uuid_id!(
    /// A user: an officer, reviewer, leader, archivist, supervisor, station or administrator.
    UserId,
    "user"
);
uuid_id!(
    /// An enforcement case (案件).
    CaseId,
    "case"
);
uuid_id!(
    /// An enforcement act (执法行为) within a case.
    ActId,
    "act"
);
uuid_id!(
    /// A login session or API token.
    CredentialId,
    "credential"
);
uuid_id!(
    /// One evidence file (证据).
    EvidenceId,
    "evidence"
);
uuid_id!(
    /// A 调阅 request and, once approved, its grant.
    AccessRequestId,
    "access"
);
uuid_id!(
    /// An enforcement document (执法文书), one version of it.
    DocumentId,
    "document"
);
uuid_id!(
    /// A 中止说明: why an act's recording stopped for a while.
    InterruptionId,
    "interruption"
);
uuid_id!(
    /// A case-file package (电子案卷归档包).
    ArchiveId,
    "archive"
);
uuid_id!(
    /// A body camera (执法记录仪) on the agency's device register.
    DeviceId,
    "device"
);
uuid_id!(
    /// A docking station (采集站) on the agency's station register.
    StationId,
    "station"
);
uuid_id!(
    /// A legal hold (诉讼保全, 法律冻结) on a case file or an AV record.
    HoldId,
    "hold"
);
uuid_id!(
    /// A destruction request (销毁申请) and its 销毁清册.
    DestructionId,
    "destruction"
);

uuid_id!(
    /// A disclosure (事后公开) of one issued decision.
    DisclosureId,
    "disclosure"
);

uuid_id!(
    /// A 事前公开 item (权责清单, 执法依据, …).
    PriorItemId,
    "prior"
);

uuid_id!(
    /// A 行政复议 or 行政诉讼 against a case's decision.
    RemedyId,
    "remedy"
);

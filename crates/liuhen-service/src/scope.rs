//! Who may see and do what, by role and unit.
//!
//! | role | sees | may change |
//! |---|---|---|
//! | 执法人员 officer | cases of their own unit, and cases they are assigned to | opens cases in their unit; records acts on cases they are assigned to |
//! | 负责人 leader | cases of their unit and every unit below | opens cases, records acts, assigns officers, moves stages, in that subtree |
//! | 法制审核人员 reviewer | cases of their agency from 审核决定 on | nothing here (reviews come with the review workflow) |
//! | 档案管理员 archivist | archived cases of their agency | nothing here |
//! | 监督人员 supervisor | every case of their agency labelled 公开 or 内部; others through an approved 调阅 | nothing |
//! | 采集站 station | no case | uploads only |
//! | 系统管理员 admin | no case | units, users and tokens; the device and station registers (领用/归还) |
//!
//! Documents and evidence carry their own label (a document's is its
//! case's unless set); a user reads those labelled up to their clearance
//! ([`liuhen_domain::default_clearance`] by role — 商业秘密 for officers,
//! leaders, reviewers and archivists, 内部 for supervisors, 公开 for stations
//! and administrators — unless an administrator set another). Above it, a
//! record is read only through a grant on its case; whoever uploaded or
//! recorded an evidence file reads it regardless.
//!
//! Anyone may read more through an approved, unexpired 调阅 grant
//! (`access.rs`). A case outside the scope answers "not found", exactly like
//! a case that does not exist, so its existence does not leak.

use liuhen_domain::{Case, Role, Stage, User};
use liuhen_store::CaseScope;

/// The cases `user` may read.
pub fn case_scope(user: &User) -> CaseScope {
    if !user.active {
        return CaseScope::Nothing;
    }
    match user.role {
        Role::Officer => CaseScope::UnitOrAssigned { unit: user.unit_id, user: user.id },
        Role::Leader => CaseScope::UnitSubtree(user.unit_id),
        Role::Supervisor => CaseScope::AgencyUnrestricted(user.agency_id),
        Role::Reviewer => {
            CaseScope::AgencyStages(user.agency_id, vec![Stage::Decision, Stage::Execution, Stage::Archived])
        }
        Role::Archivist => CaseScope::AgencyStages(user.agency_id, vec![Stage::Archived]),
        Role::Station | Role::Admin => CaseScope::Nothing,
    }
}

/// Whether `user`, who can read `case`, may record acts on it.
pub fn may_record_acts(user: &User, case: &Case) -> bool {
    case.stage != Stage::Archived
        && match user.role {
            Role::Officer => case.officers.contains(&user.id),
            Role::Leader => true,
            _ => false,
        }
}

/// Whether `user`, who can read `case`, may assign officers or move its stage.
pub fn may_direct(user: &User) -> bool {
    user.role == Role::Leader
}

/// Whether `user` records 行政复议 and 行政诉讼 against decisions (负责人, 法制审核人员), on cases they
/// may change.
pub fn may_record_remedies(user: &User) -> bool {
    matches!(user.role, Role::Leader | Role::Reviewer)
}

/// Whether a user of this role may open cases.
pub fn may_open_cases(role: Role) -> bool {
    matches!(role, Role::Officer | Role::Leader)
}

/// Whether a user may be assigned to cases and acts: an active officer or
/// leader holding a 执法证.
pub fn may_enforce(user: &User) -> bool {
    user.active && matches!(user.role, Role::Officer | Role::Leader) && user.cert_no.is_some()
}

/// Whether `user`, who can read `case`, may issue its documents and its
/// decision: a leader, while the case is open.
pub fn may_issue(user: &User, case: &Case) -> bool {
    may_direct(user) && case.stage != Stage::Archived
}

/// Whether `user` may give a legal review opinion (法制审核): a reviewer
/// holding the legal professional qualification.
pub fn may_review(user: &User) -> bool {
    user.active && user.role == Role::Reviewer && user.legal_qualification
}

/// Whether `user` may read raw ledger entries (they hold no personal data,
/// but they show who did what and when): supervisors, administrators and
/// archivists.
pub fn may_read_ledger_entries(user: &User) -> bool {
    user.active && matches!(user.role, Role::Supervisor | Role::Admin | Role::Archivist)
}

/// Whether `user` may ask for 调阅: anyone who reads cases at all (not a
/// docking station, not an administrator).
pub fn may_request_access(user: &User) -> bool {
    user.active && !matches!(user.role, Role::Station | Role::Admin)
}

/// Whether `user` administers their agency's units, users and tokens.
pub fn may_administer(user: &User) -> bool {
    user.active && user.role == Role::Admin
}

/// Whether `user` reads the device and station registers of their agency:
/// administrators who keep them, leaders and supervisors who answer for them.
pub fn may_read_devices(user: &User) -> bool {
    user.active && matches!(user.role, Role::Admin | Role::Leader | Role::Supervisor)
}

/// Whether `user` assembles and hands out case-file packages (档案管理人员).
pub fn may_archive(user: &User) -> bool {
    user.active && user.role == Role::Archivist
}

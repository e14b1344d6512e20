//! 调阅: approved, time-limited reading of cases outside one's own scope or
//! touching 个人隐私 / 商业秘密, and the refusals that are not approved.
//!
//! - A request names the case, the purpose and the days wanted (an external
//!   one also the 调阅函 and who will read); it is a ledger entry.
//! - Leaders and supervisors of the agency approve; the requester never
//!   approves their own. With [`ServiceConfig::access_approvals`](crate::ServiceConfig)
//!   approvals (default two) the grant runs for the days asked. Every
//!   approval and refusal is a ledger entry.
//! - A document or an evidence record labelled above the reader's clearance
//!   ([`User::clearance_in_force`](liuhen_domain::User::clearance_in_force))
//!   is read only through a grant on its case, even when the case itself is
//!   in the reader's scope; lists leave such documents out.
//! - A read through a grant names the grant (`access:…`) among the read
//!   entry's subjects. A read refused (no scope, no grant) answers "not
//!   found", as for a case that does not exist, and is recorded as
//!   `access.refused` for the supervisors.

use liuhen_domain::{
    AccessRequest, AccessRequestId, Case, CaseId, Confidentiality, EntryKind, NewAccessRequest, Role, UnitId,
};
use liuhen_store::CaseScope;

use crate::error::{Result, ServiceError};
use crate::scope::case_scope;
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

impl Service {
    /// The cases `me` may read now: their role's scope and their grants.
    pub(crate) fn read_scope(&self, me: &Principal) -> CaseScope {
        CaseScope::WithGrants {
            base: Box::new(case_scope(&me.user)),
            user: me.user.id,
            now_ms: liuhen_domain::unix_ms(self.now()),
        }
    }

    /// A case for reading: in scope, or through an unexpired grant (whose
    /// id is returned). Out of both, a case of the reader's agency is a
    /// refusal, recorded, and answered like a case that does not exist.
    pub(crate) async fn case_for_read(
        &self,
        me: &Principal,
        id: CaseId,
    ) -> Result<(Case, Option<AccessRequestId>)> {
        if let Some(case) = self.store.get_case_in_scope(id, &case_scope(&me.user)).await? {
            return Ok((case, None));
        }
        let now = self.now();
        let (grant, case) = {
            let mut tx = self.store.read().await?;
            let grant = tx.active_grant(me.user.id, id, now).await?;
            let case = if me.user.active && !matches!(me.user.role, Role::Station | Role::Admin) {
                tx.get_case_in_scope(id, &CaseScope::Agency(me.user.agency_id)).await?
            } else {
                None
            };
            tx.finish().await?;
            (grant, case)
        };
        match (case, grant) {
            (Some(case), Some(grant)) => Ok((case, Some(grant))),
            (Some(case), None) => {
                self.record_alone(
                    now,
                    EntryKind::AccessRefused,
                    actor(&me.user),
                    Some(case.agency_id),
                    vec![case.id.subject()],
                )
                .await?;
                Err(ServiceError::NotFound("case"))
            }
            (None, _) => Err(self.refuse_missing(me, id.subject(), "case").await),
        }
    }

    /// Answers a read of a record that is not there, or not there for `me`,
    /// the way a read refused on scope or label is answered: recorded as
    /// `access.refused` (durably, before the answer) and then not found. A
    /// missing record and one out of reach thus take the same path and the
    /// same time, so that neither the answer nor its delay tells whether the
    /// record exists; probing for identifiers is itself on the record.
    pub(crate) async fn refuse_missing(
        &self,
        me: &Principal,
        subject: String,
        what: &'static str,
    ) -> ServiceError {
        let now = self.now();
        match self
            .record_alone(
                now,
                EntryKind::AccessRefused,
                actor(&me.user),
                Some(me.user.agency_id),
                vec![subject],
            )
            .await
        {
            Ok(_) => ServiceError::NotFound(what),
            Err(e) => e,
        }
    }

    /// A case to change: read as [`Service::case_for_read`] would, but a
    /// case reached only through a 调阅 grant is refused — grants are for
    /// reading; changes stay within the caller's own scope.
    pub(crate) async fn case_for_write(&self, me: &Principal, id: CaseId) -> Result<Case> {
        let (case, grant) = self.case_for_read(me, id).await?;
        if grant.is_some() {
            return Err(read_only_grant());
        }
        Ok(case)
    }

    /// Whether `me` may read a labelled record: within their
    /// clearance, or through an unexpired 调阅 grant on its case (`grant`,
    /// when the case itself was read through one, or found now). The grant
    /// read under is returned. Otherwise the refusal is recorded
    /// (`access.refused`, naming the record and its case) and answered
    /// like a record that does not exist.
    pub(crate) async fn clear_label(
        &self,
        me: &Principal,
        item: Labelled,
        grant: Option<AccessRequestId>,
    ) -> Result<Option<AccessRequestId>> {
        let Labelled { label, subjects, case, agency, what } = item;
        if me.user.cleared_for(label) || grant.is_some() {
            return Ok(grant);
        }
        let now = self.now();
        if let Some(case) = case {
            let mut tx = self.store.read().await?;
            let found = tx.active_grant(me.user.id, case, now).await?;
            tx.finish().await?;
            if found.is_some() {
                return Ok(found);
            }
        }
        self.record_alone(now, EntryKind::AccessRefused, actor(&me.user), Some(agency), subjects).await?;
        Err(ServiceError::NotFound(what))
    }

    /// Asks for 调阅 of a case of the caller's agency.
    pub async fn request_access(&self, me: &Principal, input: &NewAccessRequest) -> Result<AccessRequest> {
        let input = input.validated()?;
        if !crate::scope::may_request_access(&me.user) {
            return Err(ServiceError::Forbidden("stations and administrators do not read cases".into()));
        }
        let now = self.now();
        let request = AccessRequest {
            id: AccessRequestId::from_bytes(random_bytes()?),
            agency_id: me.user.agency_id,
            case_id: input.case_id,
            requester: me.user.id,
            purpose: input.purpose,
            days: input.days,
            external: input.external,
            approvals: Vec::new(),
            approvals_needed: self.config.access_approvals,
            created_at: now,
            granted_until: None,
            rejected_by: None,
            reject_reason: None,
        };
        let who = me.user.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.get_case_in_scope(request.case_id, &CaseScope::Agency(who.agency_id))
                        .await?
                        .ok_or(ServiceError::NotFound("case"))?;
                    tx.insert_access_request(&request).await?;
                    record(
                        tx,
                        now,
                        EntryKind::AccessRequested,
                        actor(&who),
                        Some(who.agency_id),
                        vec![request.id.subject(), request.case_id.subject()],
                        Some(&request),
                    )
                    .await?;
                    Ok(request)
                })
            })
            .await
    }

    /// The case a 调阅 request names, given as its id or as its exact 案件编号.
    /// A request is mostly for a case outside the caller's own scope, so a
    /// number is looked up among all the cases of the caller's agency; the
    /// request then checks the case as it checks one named by id. Nothing is
    /// recorded here: the request that follows is.
    pub async fn case_for_access_request(&self, me: &Principal, id_or_number: &str) -> Result<CaseId> {
        let text = id_or_number.trim();
        if let Ok(id) = text.parse::<CaseId>() {
            return Ok(id);
        }
        if !crate::scope::may_request_access(&me.user) {
            return Err(ServiceError::Forbidden("stations and administrators do not read cases".into()));
        }
        if text.is_empty() {
            return Err(
                liuhen_domain::ValidationError::new("case_id", "name the case: its 案件编号 or id").into()
            );
        }
        let filter =
            liuhen_store::CaseFilter { query: Some(text.to_owned()), limit: 50, ..Default::default() };
        let mut tx = self.store.read().await?;
        let (found, _) = tx.list_cases(&CaseScope::Agency(me.user.agency_id), &filter).await?;
        tx.finish().await?;
        found.into_iter().find(|c| c.number == text).map(|c| c.id).ok_or(ServiceError::NotFound("case"))
    }

    /// Approves a request (leaders and supervisors, never the requester);
    /// the last approval needed grants it.
    pub async fn approve_access(&self, me: &Principal, id: AccessRequestId) -> Result<AccessRequest> {
        self.decide_access(me, id, None).await
    }

    /// Refuses a request, saying why.
    pub async fn reject_access(
        &self,
        me: &Principal,
        id: AccessRequestId,
        reason: &str,
    ) -> Result<AccessRequest> {
        let reason = liuhen_domain::reject_reason(reason)?;
        self.decide_access(me, id, Some(reason)).await
    }

    async fn decide_access(
        &self,
        me: &Principal,
        id: AccessRequestId,
        rejection: Option<String>,
    ) -> Result<AccessRequest> {
        if !matches!(me.user.role, Role::Leader | Role::Supervisor) || !me.user.active {
            return Err(ServiceError::Forbidden("leaders and supervisors decide 调阅 requests".into()));
        }
        let now = self.now();
        let who = me.user.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let r = tx.get_access_request(who.agency_id, id).await?.ok_or(ServiceError::NotFound("access request"))?;
                    if let Some(refusal) = refusal_to_decide(&who, &r) {
                        return Err(refusal);
                    }
                    let subjects = vec![r.id.subject(), r.case_id.subject()];
                    if let Some(reason) = rejection {
                        tx.reject_access(id, who.id, &reason).await?;
                        let content = serde_json::json!({"request": id, "reason": reason});
                        record(tx, now, EntryKind::AccessRejected, actor(&who), Some(who.agency_id), subjects, Some(&content))
                            .await?;
                    } else {
                        let ord = u32::try_from(r.approvals.len() + 1).unwrap_or(u32::MAX);
                        let until = (ord >= r.approvals_needed).then(|| now + time::Duration::days(i64::from(r.days)));
                        tx.approve_access(id, who.id, ord, now, until).await?;
                        let content = serde_json::json!({"request": id, "approval": ord, "granted_until": until.map(liuhen_domain::unix_ms)});
                        record(tx, now, EntryKind::AccessApproved, actor(&who), Some(who.agency_id), subjects, Some(&content))
                            .await?;
                    }
                    tx.get_access_request(who.agency_id, id).await?.ok_or(ServiceError::NotFound("access request"))
                })
            })
            .await
    }

    /// 调阅 requests: all of the agency's for leaders and supervisors, one's
    /// own for everyone else.
    pub async fn list_access_requests(&self, me: &Principal) -> Result<Vec<AccessRequest>> {
        let own = (!matches!(me.user.role, Role::Leader | Role::Supervisor)).then_some(me.user.id);
        let mut tx = self.store.read().await?;
        let out = tx.list_access_requests(me.user.agency_id, own, 200).await?;
        tx.finish().await?;
        Ok(out)
    }
}

/// Why `me` may not approve or reject `r` now, or `None` when they may:
/// a leader or supervisor, not its requester, while it is undecided and
/// they have not approved it yet.
pub(crate) fn refusal_to_decide(me: &liuhen_domain::User, r: &AccessRequest) -> Option<ServiceError> {
    if !matches!(me.role, Role::Leader | Role::Supervisor) || !me.active {
        return Some(ServiceError::Forbidden("leaders and supervisors decide 调阅 requests".into()));
    }
    if r.requester == me.id {
        return Some(ServiceError::Forbidden("a requester does not decide their own request".into()));
    }
    if r.rejected_by.is_some() || r.granted_until.is_some() {
        return Some(ServiceError::Conflict("the request is already decided".into()));
    }
    if r.approvals.contains(&me.id) {
        return Some(ServiceError::Conflict("you already approved this request".into()));
    }
    None
}

/// The refusal of a change to something `me` reads only through a grant.
pub(crate) fn read_only_grant() -> ServiceError {
    ServiceError::Forbidden(
        "a 调阅 grant is for reading: changes stay within your own scope and clearance".into(),
    )
}

/// A labelled record to be read: what [`Service::clear_label`] decides on.
pub(crate) struct Labelled {
    pub label: Confidentiality,
    /// The subjects of a refusal: the record and its case.
    pub subjects: Vec<String>,
    pub case: Option<CaseId>,
    pub agency: UnitId,
    /// What a refusal answers not found: `document`, `evidence`.
    pub what: &'static str,
}

/// The subjects of a read entry: the record, and the grant it was read under.
pub(crate) fn read_subjects(record: String, grant: Option<AccessRequestId>) -> Vec<String> {
    let mut v = vec![record];
    v.extend(grant.map(|g| g.subject()));
    v
}

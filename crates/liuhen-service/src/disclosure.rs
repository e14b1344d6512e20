//! 执法公示 (国办发〔2018〕118号): before, during and after enforcement.
//!
//! - 事后公开: issuing a document the rulebook publishes (`[disclosure] documents`) opens a
//!   [`Disclosure`] in the same write, due on the rulebook's working-day calendar (7 working days
//!   for 行政处罚 and 行政许可, 20 for the rest). Its text is made from the issued document by
//!   redaction ([`liuhen_domain::redaction`]; the case's natural-person parties and legal
//!   representatives are known names) — a new text, the document untouched — proposed, confirmed
//!   by another person, published, and perhaps withdrawn with its ground and (redacted) reason. Each
//!   step is done by the roles the rulebook names and is a ledger entry; the publication entry
//!   names the text's SHA-256 and SM3, and the public page shows its index.
//! - Late: [`Service::sweep_disclosures`] (every minute in `liuhen serve`) appends one
//!   `disclosure.overdue` finding per disclosure past its last day and per 事前公开 item not
//!   re-published in time; a withdrawal later than the rulebook's days appends one in its own
//!   write. The supervision stream raises an alert from each.
//! - 事前公开 items are versioned; each change and each publication is an entry.
//! - The public side ([`Service::public_disclosures`] and the rest) needs no principal and shows
//!   only published texts, online until the rulebook's offline period ran out.

use std::collections::HashMap;

use liuhen_archive::Digests;
use liuhen_docs::{DocumentView, ViewBlock};
use liuhen_domain::redaction::{self, Known};
use liuhen_domain::{
    Actor, Case, CaseId, CaseKind, Disclosure, DisclosureId, DisclosureState, Document, EntryKind,
    MaskedSpan, NewRedaction, NewRemedy, NewWithdrawal, Party, PriorItem, PriorItemDraft, PriorItemId,
    PriorKind, Remedy, RemedyId, Role, UnitId, User, UserId, Withdrawal, WithdrawalGround,
};
pub use liuhen_policy::DisclosureAction;
use liuhen_policy::Policy;
use liuhen_store::{CaseScope, PublicQuery, Tx, Write};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

use crate::error::{Result, ServiceError};
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// `days` working days after `from` on the rulebook's calendar; outside the years it covers,
/// counting Monday to Friday (the rulebook's calendar is the authority; a later one may move a day).
pub fn working_days_after(policy: &Policy, from: Date, days: u32) -> Date {
    if let Ok(d) = policy.calendar().add_working_days(from, days) {
        return d;
    }
    let mut d = from;
    let mut left = days;
    while left > 0 {
        d = d.next_day().unwrap_or(d);
        if !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            left -= 1;
        }
    }
    d
}

fn today(now: OffsetDateTime) -> Date {
    liuhen_domain::when::in_beijing(now).date()
}

/// The same day `years` later (29 February becomes 28 February).
fn years_after(d: Date, years: u32) -> Date {
    let y = d.year() + i32::try_from(years).unwrap_or(0);
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), 28))
        .unwrap_or(d)
}

/// Where a waiting disclosure stands towards its deadline.
pub fn deadline_state(d: &Disclosure, today: Date) -> &'static str {
    match d.state {
        DisclosureState::Published | DisclosureState::Withdrawn => "done",
        _ if today > d.due_on => "overdue",
        _ if (d.due_on - today) <= Duration::days(2) => "due_soon",
        _ => "pending",
    }
}

/// A disclosure as officers, reviewers and leaders see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisclosureView {
    #[serde(flatten)]
    pub disclosure: Disclosure,
    pub case_number: String,
    pub cause: String,
    /// `pending`, `due_soon` (two days or less), `overdue`; for a published one whose decision a
    /// 行政复议 or 行政诉讼 revoked, changed or found unlawful: `withdraw` (until `withdraw_by`) or
    /// `withdraw_overdue`; otherwise `done`.
    pub deadline: String,
    /// The last day to withdraw, when a remedy's outcome calls for it.
    #[serde(with = "liuhen_domain::when::day::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub withdraw_by: Option<Date>,
    /// What `me` may do next: `redact`, `confirm`, `publish`, `withdraw`.
    pub actions: Vec<String>,
}

/// A withdrawal as the public sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicWithdrawal {
    pub ground: WithdrawalGround,
    pub ground_zh: String,
    /// Redacted like the text.
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The ledger index of the withdrawal entry.
    pub entry: u64,
}

/// A published (or withdrawn) decision as the public portal and the 公示平台 API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicDisclosure {
    pub id: DisclosureId,
    pub agency_id: UnitId,
    pub agency_name: String,
    /// 文书名称（文号）.
    pub title: String,
    pub format_name: String,
    pub number: Option<String>,
    pub case_kind: CaseKind,
    pub case_kind_zh: String,
    #[serde(with = "liuhen_domain::when::day")]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub published_at: OffsetDateTime,
    /// The redacted text; `None` once withdrawn.
    pub text: Option<String>,
    pub text_sha256: String,
    pub text_sm3: String,
    /// The ledger index of the publication entry, to check against a public checkpoint.
    pub entry: u64,
    pub withdrawal: Option<PublicWithdrawal>,
    #[serde(with = "liuhen_domain::when::day::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub offline_after: Option<Date>,
}

/// One page of public search results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPage {
    pub items: Vec<PublicDisclosure>,
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

/// An agency on the portal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicAgency {
    pub id: UnitId,
    pub name: String,
    pub uscc: Option<String>,
}

/// An officer as 事前公开 and the 执法证 page show them: name, certificate, category, nothing else.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicOfficer {
    pub id: UserId,
    pub name: String,
    pub cert_no: String,
    pub category: Option<String>,
    pub agency_name: String,
    /// 有效: the certificate is held by an officer in service; 已失效 otherwise.
    pub valid: bool,
}

/// A 事前公开 item as published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPriorItem {
    pub id: PriorItemId,
    pub kind: PriorKind,
    pub kind_zh: String,
    pub title: String,
    pub body: String,
    pub version: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub published_at: OffsetDateTime,
    pub entry: u64,
}

/// Everything an agency publishes before it enforces.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPrior {
    pub agency: PublicAgency,
    pub items: Vec<PublicPriorItem>,
    pub officers: Vec<PublicOfficer>,
}

/// One row of the annual statistics.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatRow {
    /// 统计项: `cases`, `decisions`, `amounts`, `hearings`, `reviews`, `remedies`, `disclosures`.
    pub section: String,
    pub item: String,
    pub count: u64,
    /// Amounts in 分 (fen), for the amount rows.
    pub amount_fen: Option<u64>,
}

/// 统计年报 of one agency for one year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnualStats {
    pub agency: PublicAgency,
    pub year: i32,
    /// Counted up to this instant (the year's end, or now for the running year).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub as_of: OffsetDateTime,
    pub complete: bool,
    pub rows: Vec<StatRow>,
}

/// The documents whose amounts the statistics sum, and their amount fields.
const AMOUNT_FIELDS: &[(&str, &str, &str)] = &[
    ("行政处罚决定书", "fine_amount", "罚款金额"),
    ("行政处罚决定书", "confiscation_amount", "没收违法所得金额"),
];
/// Documents that show a hearing was held or offered.
const HEARING_DOCUMENTS: &[&str] = &["听证通知书", "听证笔录"];

fn role_may(policy: &Policy, user: &User, action: DisclosureAction) -> Result<()> {
    if policy.disclosure().allows(user.role, action) {
        return Ok(());
    }
    let (what, roles) = (
        match action {
            DisclosureAction::Redact => "propose the redacted text (隐名处理)",
            DisclosureAction::Confirm => "confirm a redaction",
            DisclosureAction::Publish => "publish",
            DisclosureAction::Withdraw => "withdraw a publication",
        },
        policy.disclosure().roles(action).iter().map(|r| r.label_zh()).collect::<Vec<_>>().join("、"),
    );
    Err(ServiceError::Forbidden(format!("only {roles} may {what}")))
}

/// The names redaction masks besides those it finds by their labels: the natural-person parties
/// and the organisations' legal representatives.
fn known_of(case: &Case, labels: &[String], secrets: &[String]) -> Known {
    let mut persons: Vec<String> = case
        .parties
        .iter()
        .filter_map(|p| match p {
            Party::NaturalPerson { name, .. } => Some(name.clone()),
            Party::Organisation { legal_representative, .. } => legal_representative.clone(),
        })
        .collect();
    persons.extend(labels.iter().cloned());
    Known { persons, secrets: secrets.to_vec() }
}

/// The document's text as published before redaction: the view's title, number, recipient,
/// headings, paragraphs, rows and closing (no signature boxes, no notes).
fn document_text(view: &DocumentView) -> String {
    let mut out: Vec<String> = Vec::new();
    for block in &view.blocks {
        match block {
            ViewBlock::Title { text, issuer } => {
                if let Some(i) = issuer {
                    out.push(i.clone());
                }
                out.push(text.clone());
            }
            ViewBlock::Number { text, .. } | ViewBlock::Recipient { text } | ViewBlock::Heading { text } => {
                out.push(text.clone())
            }
            ViewBlock::Paragraph { text, .. } => out.extend(text.lines().map(str::to_owned)),
            ViewBlock::Rows { rows } => {
                for row in rows {
                    let cells: Vec<String> = row
                        .iter()
                        .filter(|c| !c.value.trim().is_empty() || !c.label.is_empty())
                        .map(|c| {
                            if c.label.is_empty() {
                                c.value.clone()
                            } else {
                                format!("{}：{}", c.label, c.value)
                            }
                        })
                        .collect();
                    if !cells.is_empty() {
                        out.push(cells.join("  "));
                    }
                }
            }
            ViewBlock::Closing { lines, .. } => out.extend(lines.iter().cloned()),
            ViewBlock::Signatures { .. } | ViewBlock::Note { .. } => {}
        }
    }
    out.retain(|l| !l.trim().is_empty());
    out.join("\n")
}

impl Service {
    /// Opens the disclosure of a document just issued, inside its write, when the rulebook
    /// publishes documents of its name. `decided` is the issuing instant.
    pub(crate) async fn open_disclosure(
        tx: &mut Tx<Write>,
        policy: &Policy,
        case: &Case,
        doc: &Document,
        who: &User,
        decided: OffsetDateTime,
    ) -> Result<()> {
        if !policy.disclosure().publishes(&doc.format_name) || doc.corrects.is_some() {
            return Ok(());
        }
        let decided_on = today(decided);
        let due_on = working_days_after(policy, decided_on, policy.deadlines().disclosure_days(case.kind));
        let d = Disclosure {
            id: DisclosureId::from_bytes(random_bytes()?),
            agency_id: case.agency_id,
            case_id: case.id,
            document_id: doc.id,
            format_name: doc.format_name.clone(),
            number: doc.number.clone(),
            case_kind: case.kind,
            decided_on,
            due_on,
            state: DisclosureState::Due,
            natural_person: case.parties.iter().any(|p| matches!(p, Party::NaturalPerson { .. })),
            text: None,
            masked: Vec::new(),
            labels: NewRedaction::default(),
            prepared_by: None,
            confirmed_by: None,
            published_by: None,
            published_at: None,
            published_entry: None,
            text_sha256: None,
            text_sm3: None,
            offline_after: None,
            withdrawal: None,
            overdue_entry: None,
        };
        tx.insert_disclosure(&d, case.unit_id).await?;
        let content = serde_json::json!({"due_on": liuhen_store::date_text(due_on)});
        record(
            tx,
            decided,
            EntryKind::DisclosureDue,
            actor(who),
            Some(case.agency_id),
            vec![d.id.subject(), doc.id.subject(), case.id.subject()],
            Some(&content),
        )
        .await?;
        Ok(())
    }

    /// Whether the rulebook lets `me`'s role take `action` (on a disclosure within their reach).
    pub fn may_disclose(&self, me: &Principal, action: DisclosureAction) -> bool {
        self.policy().is_ok_and(|p| p.disclosure().allows(me.user.role, action))
    }

    fn actions_for(&self, policy: &Policy, me: &User, d: &Disclosure) -> Vec<String> {
        let rules = policy.disclosure();
        let mut out = Vec::new();
        let may = |a| rules.allows(me.role, a);
        if matches!(d.state, DisclosureState::Due | DisclosureState::Redacted | DisclosureState::Confirmed)
            && may(DisclosureAction::Redact)
        {
            out.push("redact".to_owned());
        }
        if d.state == DisclosureState::Redacted
            && may(DisclosureAction::Confirm)
            && d.prepared_by != Some(me.id)
        {
            out.push("confirm".to_owned());
        }
        if d.state == DisclosureState::Confirmed && may(DisclosureAction::Publish) {
            out.push("publish".to_owned());
        }
        if d.state == DisclosureState::Published && may(DisclosureAction::Withdraw) {
            out.push("withdraw".to_owned());
        }
        out
    }

    fn view_of(
        &self,
        policy: &Policy,
        me: &User,
        d: Disclosure,
        case: &Case,
        remedies: &[Remedy],
    ) -> DisclosureView {
        let day = today(self.now());
        let withdraw_by = (d.state == DisclosureState::Published)
            .then(|| remedies.iter().filter_map(|r| r.withdraw_by).min())
            .flatten();
        let deadline = match withdraw_by {
            Some(by) if day > by => "withdraw_overdue".to_owned(),
            Some(_) => "withdraw".to_owned(),
            None => deadline_state(&d, day).to_owned(),
        };
        let actions = self.actions_for(policy, me, &d);
        DisclosureView {
            disclosure: d,
            case_number: case.number.clone(),
            cause: case.cause.clone(),
            deadline,
            withdraw_by,
            actions,
        }
    }

    async fn remedies_of(&self, case: CaseId) -> Result<Vec<Remedy>> {
        let mut tx = self.store.read().await?;
        let r = tx.remedies(case).await?;
        tx.finish().await?;
        Ok(r)
    }

    /// The disclosures of the cases `me` reads (of one case when given), waiting ones first.
    pub async fn disclosures(&self, me: &Principal, case: Option<CaseId>) -> Result<Vec<DisclosureView>> {
        if matches!(me.user.role, Role::Station | Role::Admin) {
            return Err(ServiceError::Forbidden("stations and administrators read no case".into()));
        }
        let policy = self.policy()?;
        if let Some(c) = case
            && !self.confirms(me)
        {
            self.case_for_read(me, c).await?;
        }
        let confirms = self.confirms(me);
        let scope = if confirms { CaseScope::Agency(me.user.agency_id) } else { self.read_scope(me) };
        let mut tx = self.store.read().await?;
        let list = tx.disclosures(me.user.agency_id, case).await?;
        let mut cases: HashMap<CaseId, Option<(Case, Vec<Remedy>)>> = HashMap::new();
        let mut out = Vec::new();
        for d in list {
            if let std::collections::hash_map::Entry::Vacant(slot) = cases.entry(d.case_id) {
                let c = match tx.get_case_in_scope(d.case_id, &scope).await? {
                    Some(c) => Some((c, tx.remedies(d.case_id).await?)),
                    None => None,
                };
                slot.insert(c);
            }
            if let Some(Some((c, remedies))) = cases.get(&d.case_id)
                && (!confirms || me.user.cleared_for(c.label))
            {
                out.push(self.view_of(&policy, &me.user, d, c, remedies));
            }
        }
        tx.finish().await?;
        if !out.is_empty() {
            let mut subjects: Vec<String> = out.iter().map(|v| v.disclosure.case_id.subject()).collect();
            subjects.sort();
            subjects.dedup();
            self.record_read_as(
                EntryKind::CasesListed,
                self.now(),
                actor(&me.user),
                Some(me.user.agency_id),
                subjects,
            )
            .await?;
        }
        Ok(out)
    }

    /// One disclosure, with the masked spans (a read of the case's document, recorded).
    pub async fn disclosure(&self, me: &Principal, id: DisclosureId) -> Result<DisclosureView> {
        let (d, case) = self.disclosure_in_reach(me, id).await?;
        let policy = self.policy()?;
        self.record_read_as(
            EntryKind::DocumentRead,
            self.now(),
            actor(&me.user),
            Some(d.agency_id),
            vec![d.document_id.subject(), d.id.subject(), d.case_id.subject()],
        )
        .await?;
        let remedies = self.remedies_of(case.id).await?;
        Ok(self.view_of(&policy, &me.user, d, &case, &remedies))
    }

    /// Whether `me` confirms redactions, a duty across the agency: they reach the disclosures of
    /// every case of it (within their clearance), whatever its stage — a 查封扣押决定书 is published
    /// while its case is still being investigated.
    fn confirms(&self, me: &Principal) -> bool {
        me.user.active && self.may_disclose(me, DisclosureAction::Confirm)
    }

    /// The case of a disclosure for `me`: through the confirmer's duty, or as `me` reads the case
    /// (for a change, not through a 调阅 grant).
    async fn disclosure_case(&self, me: &Principal, d: &Disclosure, write: bool) -> Result<Case> {
        if self.confirms(me)
            && let Some(c) =
                self.store.get_case_in_scope(d.case_id, &CaseScope::Agency(me.user.agency_id)).await?
            && me.user.cleared_for(c.label)
        {
            return Ok(c);
        }
        if write {
            self.case_for_write(me, d.case_id).await
        } else {
            Ok(self.case_for_read(me, d.case_id).await?.0)
        }
    }

    async fn disclosure_in_reach(&self, me: &Principal, id: DisclosureId) -> Result<(Disclosure, Case)> {
        let d = {
            let mut tx = self.store.read().await?;
            let d = tx.disclosure(Some(me.user.agency_id), id).await?;
            tx.finish().await?;
            d
        };
        let Some(d) = d else { return Err(self.refuse_missing(me, id.subject(), "disclosure").await) };
        let case = self.disclosure_case(me, &d, false).await?;
        Ok((d, case))
    }

    /// Proposes the redacted text (隐名处理) from the issued document: a new text; the document is
    /// untouched. Again after a confirmation, it starts the confirmation over.
    pub async fn redact_disclosure(
        &self,
        me: &Principal,
        id: DisclosureId,
        input: &NewRedaction,
    ) -> Result<DisclosureView> {
        let input = input.validate()?;
        let policy = self.policy()?;
        role_may(&policy, &me.user, DisclosureAction::Redact)?;
        let (d, _) = self.disclosure_in_reach(me, id).await?;
        let case = self.disclosure_case(me, &d, true).await?;
        if !matches!(d.state, DisclosureState::Due | DisclosureState::Redacted | DisclosureState::Confirmed) {
            return Err(ServiceError::Conflict(format!(
                "the disclosure is {}; its text is fixed",
                d.state.label_zh()
            )));
        }
        let doc = {
            let mut tx = self.store.read().await?;
            let doc = tx
                .get_document(d.agency_id, d.document_id)
                .await?
                .ok_or(ServiceError::NotFound("document"))?;
            tx.finish().await?;
            doc
        };
        let (formats, _) = self.formats()?;
        let format = formats.get(&doc.format).ok_or_else(|| {
            ServiceError::Internal(format!("the format {} is no longer loaded", doc.format))
        })?;
        let valid = liuhen_docs::validate(format, &doc.fields)
            .map_err(|e| ServiceError::Internal(format!("the issued document no longer validates: {e:?}")))?;
        let original = document_text(&DocumentView::new(&valid, doc.number.as_deref()));
        let (text, findings) = redaction::redact(&original, &known_of(&case, &input.persons, &input.secrets));
        let masked: Vec<MaskedSpan> = findings
            .into_iter()
            .map(|f| MaskedSpan { kind: f.kind, original: f.original, replacement: f.replacement })
            .collect();
        let digests = Digests::of(text.as_bytes());
        let mut next = d.clone();
        next.state = DisclosureState::Redacted;
        next.text = Some(text);
        next.masked = masked;
        next.labels = input.clone();
        next.prepared_by = Some(me.user.id);
        next.confirmed_by = None;
        let (now, who) = (self.now(), me.user.clone());
        let from = d.state;
        let view_case = case.clone();
        let saved = self
            .store
            .transact(move |tx| {
                Box::pin(async move {
                    if !tx.update_disclosure(&next, from).await? {
                        return Err(ServiceError::Conflict(
                            "the disclosure changed meanwhile; reload it".into(),
                        ));
                    }
                    let content = serde_json::json!({
                        "masked": next.masked.len(),
                        "text_sha256": hex::encode(digests.sha256),
                        "text_sm3": hex::encode(digests.sm3),
                    });
                    record(
                        tx,
                        now,
                        EntryKind::DisclosureRedacted,
                        actor(&who),
                        Some(next.agency_id),
                        vec![next.id.subject(), next.document_id.subject(), next.case_id.subject()],
                        Some(&content),
                    )
                    .await?;
                    Ok(next)
                })
            })
            .await?;
        let remedies = self.remedies_of(view_case.id).await?;
        Ok(self.view_of(&policy, &me.user, saved, &view_case, &remedies))
    }

    /// A reviewer confirms the proposed text (not the person who proposed it).
    pub async fn confirm_disclosure(&self, me: &Principal, id: DisclosureId) -> Result<DisclosureView> {
        let policy = self.policy()?;
        role_may(&policy, &me.user, DisclosureAction::Confirm)?;
        let (d, _) = self.disclosure_in_reach(me, id).await?;
        let case = self.disclosure_case(me, &d, true).await?;
        if d.state != DisclosureState::Redacted {
            return Err(ServiceError::Conflict(format!(
                "only a proposed text (待确认) is confirmed; this disclosure is {}",
                d.state.label_zh()
            )));
        }
        if d.prepared_by == Some(me.user.id) {
            return Err(ServiceError::Forbidden(
                "the person who proposed the redaction does not confirm it".into(),
            ));
        }
        let mut next = d.clone();
        next.state = DisclosureState::Confirmed;
        next.confirmed_by = Some(me.user.id);
        let saved = self.save_step(next, d.state, EntryKind::DisclosureConfirmed, &me.user, None).await?;
        let remedies = self.remedies_of(case.id).await?;
        Ok(self.view_of(&policy, &me.user, saved, &case, &remedies))
    }

    /// Publishes a confirmed text: the entry names its digests; the public page shows its index.
    pub async fn publish_disclosure(&self, me: &Principal, id: DisclosureId) -> Result<DisclosureView> {
        let policy = self.policy()?;
        role_may(&policy, &me.user, DisclosureAction::Publish)?;
        let (d, _) = self.disclosure_in_reach(me, id).await?;
        let case = self.disclosure_case(me, &d, true).await?;
        if d.state != DisclosureState::Confirmed {
            return Err(ServiceError::Conflict(format!(
                "only a confirmed text (待发布) is published; this disclosure is {}",
                d.state.label_zh()
            )));
        }
        let text = d
            .text
            .clone()
            .ok_or_else(|| ServiceError::Internal("a confirmed disclosure without text".into()))?;
        let digests = Digests::of(text.as_bytes());
        let now = self.now();
        let rules = policy.disclosure();
        let years = if d.natural_person { rules.offline_years_natural_person } else { rules.offline_years };
        let mut next = d.clone();
        next.state = DisclosureState::Published;
        next.published_by = Some(me.user.id);
        next.published_at = Some(now);
        next.text_sha256 = Some(hex::encode(digests.sha256));
        next.text_sm3 = Some(hex::encode(digests.sm3));
        next.offline_after = Some(years_after(today(now), years));
        let saved = self.save_step(next, d.state, EntryKind::DisclosurePublished, &me.user, None).await?;
        let remedies = self.remedies_of(case.id).await?;
        Ok(self.view_of(&policy, &me.user, saved, &case, &remedies))
    }

    /// Withdraws a publication with its ground and reason (redacted like the text); one later than
    /// the rulebook's working days after the decision was revoked appends a finding too.
    pub async fn withdraw_disclosure(
        &self,
        me: &Principal,
        id: DisclosureId,
        input: &NewWithdrawal,
    ) -> Result<DisclosureView> {
        let now = self.now();
        let input = input.validate(today(now))?;
        let policy = self.policy()?;
        role_may(&policy, &me.user, DisclosureAction::Withdraw)?;
        let (d, _) = self.disclosure_in_reach(me, id).await?;
        let case = self.disclosure_case(me, &d, true).await?;
        if d.state != DisclosureState::Published {
            return Err(ServiceError::Conflict(format!(
                "only a published disclosure is withdrawn; this one is {}",
                d.state.label_zh()
            )));
        }
        let due_on = working_days_after(&policy, input.decided_on, policy.disclosure().withdraw_days);
        let (reason, _) =
            redaction::redact(&input.reason, &known_of(&case, &d.labels.persons, &d.labels.secrets));
        let mut next = d.clone();
        next.state = DisclosureState::Withdrawn;
        next.withdrawal = Some(Withdrawal {
            ground: input.ground,
            reason,
            decided_on: input.decided_on,
            due_on,
            by: me.user.id,
            at: now,
            entry: 0,
        });
        let late = today(now) > due_on;
        let saved =
            self.save_step(next, d.state, EntryKind::DisclosureWithdrawn, &me.user, Some(late)).await?;
        let remedies = self.remedies_of(case.id).await?;
        Ok(self.view_of(&policy, &me.user, saved, &case, &remedies))
    }

    /// Writes one step of a disclosure with its entry (and, for a late withdrawal, the finding).
    async fn save_step(
        &self,
        mut next: Disclosure,
        from: DisclosureState,
        kind: EntryKind,
        who: &User,
        late: Option<bool>,
    ) -> Result<Disclosure> {
        let (now, who) = (self.now(), who.clone());
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let mut subjects =
                        vec![next.id.subject(), next.document_id.subject(), next.case_id.subject()];
                    if let (Some(s), Some(m)) = (&next.text_sha256, &next.text_sm3)
                        && kind == EntryKind::DisclosurePublished
                    {
                        subjects.push(format!("text:sha256:{s}"));
                        subjects.push(format!("text:sm3:{m}"));
                    }
                    let content = match (&next.withdrawal, kind) {
                        (Some(w), EntryKind::DisclosureWithdrawn) => serde_json::json!({
                            "ground": w.ground, "decided_on": liuhen_store::date_text(w.decided_on),
                            "due_on": liuhen_store::date_text(w.due_on), "late": late.unwrap_or(false),
                        }),
                        _ => serde_json::json!({"title": next.title()}),
                    };
                    let seq = record(
                        tx,
                        now,
                        kind,
                        actor(&who),
                        Some(next.agency_id),
                        subjects.clone(),
                        Some(&content),
                    )
                    .await?;
                    match kind {
                        EntryKind::DisclosurePublished => next.published_entry = Some(seq),
                        EntryKind::DisclosureWithdrawn => {
                            if let Some(w) = next.withdrawal.as_mut() {
                                w.entry = seq;
                            }
                            if late == Some(true) {
                                let finding =
                                    serde_json::json!({"what": "withdrawal", "withdrawn_entry": seq});
                                let f = record(
                                    tx,
                                    now,
                                    EntryKind::DisclosureOverdue,
                                    Actor::System("disclosure"),
                                    Some(next.agency_id),
                                    subjects,
                                    Some(&finding),
                                )
                                .await?;
                                next.overdue_entry = Some(f);
                            }
                        }
                        _ => {}
                    }
                    if !tx.update_disclosure(&next, from).await? {
                        return Err(ServiceError::Conflict(
                            "the disclosure changed meanwhile; reload it".into(),
                        ));
                    }
                    Ok(next)
                })
            })
            .await
    }

    /// Appends the findings of lateness not yet recorded: disclosures past their last day and
    /// 事前公开 versions not published in time. How many were appended.
    pub async fn sweep_disclosures(&self) -> Result<usize> {
        let now = self.now();
        let day = today(now);
        let (late, prior, unwithdrawn) = {
            let mut tx = self.store.read().await?;
            let late = tx.disclosures_overdue(day).await?;
            let prior = tx.prior_items_overdue(day).await?;
            let unwithdrawn = tx.withdrawals_overdue(day).await?;
            tx.finish().await?;
            (late, prior, unwithdrawn)
        };
        let n = late.len() + prior.len() + unwithdrawn.len();
        if n == 0 {
            return Ok(0);
        }
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let system = || Actor::System("disclosure");
                    for mut d in late {
                        let content = serde_json::json!({
                            "what": "publication", "due_on": liuhen_store::date_text(d.due_on),
                            "state": d.state,
                        });
                        let seq = record(
                            tx,
                            now,
                            EntryKind::DisclosureOverdue,
                            system(),
                            Some(d.agency_id),
                            vec![d.id.subject(), d.document_id.subject(), d.case_id.subject()],
                            Some(&content),
                        )
                        .await?;
                        d.overdue_entry = Some(seq);
                        // A step taken meanwhile keeps its state; the finding stands either way.
                        let state = d.state;
                        tx.update_disclosure(&d, state).await?;
                    }
                    for item in prior {
                        let content = serde_json::json!({
                            "what": "prior", "version": item.version,
                            "due_on": liuhen_store::date_text(item.due_on),
                        });
                        let seq = record(
                            tx,
                            now,
                            EntryKind::PriorItemOverdue,
                            system(),
                            Some(item.agency_id),
                            vec![item.id.subject()],
                            Some(&content),
                        )
                        .await?;
                        tx.prior_item_overdue(item.id, item.version, seq).await?;
                    }
                    for (remedy, agency, disclosures) in unwithdrawn {
                        let content = serde_json::json!({
                            "what": "withdrawal", "outcome": remedy.outcome,
                            "withdraw_by": remedy.withdraw_by.map(liuhen_store::date_text),
                        });
                        let mut subjects: Vec<String> = disclosures.iter().map(|d| d.subject()).collect();
                        subjects.push(remedy.id.subject());
                        subjects.push(remedy.case_id.subject());
                        let seq = record(
                            tx,
                            now,
                            EntryKind::DisclosureOverdue,
                            system(),
                            Some(agency),
                            subjects,
                            Some(&content),
                        )
                        .await?;
                        tx.remedy_overdue(remedy.id, seq).await?;
                    }
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(n)
    }

    // --- 行政复议, 行政诉讼 -----------------------------------------------------------------------

    /// A case's 行政复议 and 行政诉讼 (whoever reads the case).
    pub async fn remedies(&self, me: &Principal, case: CaseId) -> Result<Vec<Remedy>> {
        let (case, _) = self.case_for_read(me, case).await?;
        self.remedies_of(case.id).await
    }

    /// Records a 行政复议 or 行政诉讼 against the case's decision, or (`id`) its outcome learnt later;
    /// 负责人 and 法制审核人员 (who answer them). An outcome revoking, changing or finding the decision
    /// unlawful sets the last day to withdraw its publications.
    pub async fn put_remedy(
        &self,
        me: &Principal,
        case_id: CaseId,
        id: Option<RemedyId>,
        input: &NewRemedy,
    ) -> Result<Remedy> {
        if !crate::scope::may_record_remedies(&me.user) {
            return Err(ServiceError::Forbidden(
                "负责人 and 法制审核人员 record 行政复议 and 行政诉讼".into(),
            ));
        }
        let now = self.now();
        let input = input.validate(today(now))?;
        let case = self.case_for_write(me, case_id).await?;
        let policy = self.policy()?;
        let withdraw_by = match (input.outcome.calls_for_withdrawal(), input.decided_on) {
            (true, Some(d)) => Some(working_days_after(&policy, d, policy.disclosure().withdraw_days)),
            _ => None,
        };
        let who = me.user.clone();
        let new_id = RemedyId::from_bytes(random_bytes()?);
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    if let Some(id) = id {
                        let current = tx.remedy(case.agency_id, id).await?;
                        if current.is_none_or(|r| r.case_id != case.id) {
                            return Err(ServiceError::NotFound("remedy"));
                        }
                    }
                    let r = Remedy {
                        id: id.unwrap_or(new_id),
                        case_id: case.id,
                        kind: input.kind,
                        filed_on: input.filed_on,
                        outcome: input.outcome,
                        decided_on: input.decided_on,
                        note: input.note.clone(),
                        recorded_by: who.id,
                        recorded_at: now,
                        withdraw_by,
                    };
                    tx.put_remedy(case.agency_id, &r).await?;
                    let content = serde_json::json!({
                        "kind": r.kind, "outcome": r.outcome, "filed_on": liuhen_store::date_text(r.filed_on),
                        "decided_on": r.decided_on.map(liuhen_store::date_text),
                    });
                    record(
                        tx,
                        now,
                        EntryKind::RemedyRecorded,
                        actor(&who),
                        Some(case.agency_id),
                        vec![r.id.subject(), case.id.subject()],
                        Some(&content),
                    )
                    .await?;
                    Ok(r)
                })
            })
            .await
    }

    // --- 事前公开 ---------------------------------------------------------------------------

    /// The agency's 事前公开 items at their latest versions (those who publish, and supervisors).
    pub async fn prior_items(&self, me: &Principal) -> Result<Vec<PriorItem>> {
        let policy = self.policy()?;
        if !(policy.disclosure().allows(me.user.role, DisclosureAction::Publish)
            || me.user.role == Role::Supervisor)
        {
            return Err(ServiceError::Forbidden("事前公开 is kept by those who publish".into()));
        }
        let mut tx = self.store.read().await?;
        let items = tx.prior_items(me.user.agency_id).await?;
        tx.finish().await?;
        Ok(items)
    }

    /// Adds a 事前公开 item, or a new version of one (`id`): due for publication within the
    /// rulebook's working days.
    pub async fn put_prior_item(
        &self,
        me: &Principal,
        id: Option<PriorItemId>,
        draft: &PriorItemDraft,
    ) -> Result<PriorItem> {
        let draft = draft.validate()?;
        let policy = self.policy()?;
        role_may(&policy, &me.user, DisclosureAction::Publish)?;
        let now = self.now();
        let due_on = working_days_after(&policy, today(now), policy.disclosure().republish_days);
        let who = me.user.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let new_id = PriorItemId::from_bytes(random_bytes()?);
                    let current = match id {
                        Some(id) => Some(
                            tx.prior_item(who.agency_id, id)
                                .await?
                                .ok_or(ServiceError::NotFound("prior item"))?,
                        ),
                        None => None,
                    };
                    let item = PriorItem {
                        id: id.unwrap_or(new_id),
                        agency_id: who.agency_id,
                        kind: draft.kind,
                        title: draft.title.clone(),
                        body: draft.body.clone(),
                        version: current.as_ref().map_or(1, |c| c.version + 1),
                        changed_by: who.id,
                        changed_at: now,
                        due_on,
                        published_version: current.as_ref().and_then(|c| c.published_version),
                        published_at: current.as_ref().and_then(|c| c.published_at),
                        published_entry: current.as_ref().and_then(|c| c.published_entry),
                        overdue_entry: None,
                    };
                    let digests = Digests::of(format!("{}\n{}", item.title, item.body).as_bytes());
                    let content = serde_json::json!({
                        "kind": item.kind, "version": item.version,
                        "sha256": hex::encode(digests.sha256), "sm3": hex::encode(digests.sm3),
                        "due_on": liuhen_store::date_text(due_on),
                    });
                    let seq = record(
                        tx,
                        now,
                        EntryKind::PriorItemChanged,
                        actor(&who),
                        Some(who.agency_id),
                        vec![item.id.subject()],
                        Some(&content),
                    )
                    .await?;
                    tx.put_prior_item(&item, seq).await?;
                    Ok(item)
                })
            })
            .await
    }

    /// Publishes a 事前公开 item's latest version.
    pub async fn publish_prior_item(&self, me: &Principal, id: PriorItemId) -> Result<PriorItem> {
        let policy = self.policy()?;
        role_may(&policy, &me.user, DisclosureAction::Publish)?;
        let (now, who) = (self.now(), me.user.clone());
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let item = tx
                        .prior_item(who.agency_id, id)
                        .await?
                        .ok_or(ServiceError::NotFound("prior item"))?;
                    if !item.pending() {
                        return Err(ServiceError::Conflict(format!(
                            "version {} is already published",
                            item.version
                        )));
                    }
                    let digests = Digests::of(format!("{}\n{}", item.title, item.body).as_bytes());
                    let content = serde_json::json!({
                        "version": item.version, "late": today(now) > item.due_on,
                        "sha256": hex::encode(digests.sha256), "sm3": hex::encode(digests.sm3),
                    });
                    let seq = record(
                        tx,
                        now,
                        EntryKind::PriorItemPublished,
                        actor(&who),
                        Some(who.agency_id),
                        vec![item.id.subject()],
                        Some(&content),
                    )
                    .await?;
                    if !tx.publish_prior_item(id, item.version, now, seq).await? {
                        return Err(ServiceError::Conflict(
                            "the item changed meanwhile; publish again".into(),
                        ));
                    }
                    tx.prior_item(who.agency_id, id).await?.ok_or(ServiceError::NotFound("prior item"))
                })
            })
            .await
    }

    // --- the public side: no principal ---------------------------------------------------------

    async fn public_agency(tx: &mut Tx<liuhen_store::Read>, id: UnitId) -> Result<PublicAgency> {
        let u = tx.get_unit(id).await?;
        Ok(PublicAgency { id: u.id, name: u.name, uscc: u.uscc.map(|c| c.to_string()) })
    }

    fn public_of(d: Disclosure, agency_name: &str) -> Option<PublicDisclosure> {
        let entry = d.published_entry?;
        Some(PublicDisclosure {
            id: d.id,
            agency_id: d.agency_id,
            agency_name: agency_name.to_owned(),
            title: d.title(),
            format_name: d.format_name.clone(),
            number: d.number.clone(),
            case_kind: d.case_kind,
            case_kind_zh: d.case_kind.label_zh().to_owned(),
            decided_on: d.decided_on,
            published_at: d.published_at?,
            text: if d.state == DisclosureState::Published { d.text.clone() } else { None },
            text_sha256: d.text_sha256.clone()?,
            text_sm3: d.text_sm3.clone()?,
            entry,
            withdrawal: d.withdrawal.as_ref().map(|w| PublicWithdrawal {
                ground: w.ground,
                ground_zh: w.ground.label_zh().to_owned(),
                reason: w.reason.clone(),
                at: w.at,
                entry: w.entry,
            }),
            offline_after: d.offline_after,
        })
    }

    /// The agencies that have a portal: every agency (top-level unit).
    pub async fn public_agencies(&self) -> Result<Vec<PublicAgency>> {
        let mut tx = self.store.read().await?;
        let units = tx.list_agencies().await?;
        tx.finish().await?;
        Ok(units
            .into_iter()
            .map(|u| PublicAgency { id: u.id, name: u.name, uscc: u.uscc.map(|c| c.to_string()) })
            .collect())
    }

    /// Public search: published and withdrawn decisions online today, newest first.
    pub async fn public_disclosures(&self, q: &PublicQuery) -> Result<PublicPage> {
        let day = today(self.now());
        let mut tx = self.store.read().await?;
        let (list, total) = tx.public_disclosures(q, day).await?;
        let mut names: HashMap<UnitId, String> = HashMap::new();
        let mut items = Vec::with_capacity(list.len());
        for d in list {
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(d.agency_id) {
                slot.insert(Self::public_agency(&mut tx, d.agency_id).await?.name);
            }
            let name = names.get(&d.agency_id).cloned().unwrap_or_default();
            items.extend(Self::public_of(d, &name));
        }
        tx.finish().await?;
        Ok(PublicPage { items, total, offset: q.offset, limit: q.limit.clamp(1, 200) })
    }

    /// One public decision: not found unless published; gone once offline.
    pub async fn public_disclosure(&self, id: DisclosureId) -> Result<PublicDisclosure> {
        let day = today(self.now());
        let mut tx = self.store.read().await?;
        let d = tx.disclosure(None, id).await?;
        let d = d.filter(|d| matches!(d.state, DisclosureState::Published | DisclosureState::Withdrawn));
        let Some(d) = d else {
            tx.finish().await?;
            return Err(ServiceError::NotFound("disclosure"));
        };
        if d.offline_after.is_some_and(|o| day > o) {
            tx.finish().await?;
            return Err(ServiceError::Gone("the publication period ended (已下线)".into()));
        }
        let agency = Self::public_agency(&mut tx, d.agency_id).await?;
        tx.finish().await?;
        Self::public_of(d, &agency.name)
            .ok_or_else(|| ServiceError::Internal("a published disclosure without its entry".into()))
    }

    /// 事前公开 of one agency: its published items and its officers.
    pub async fn public_prior(&self, agency: UnitId) -> Result<PublicPrior> {
        let mut tx = self.store.read().await?;
        let unit = tx.get_unit(agency).await?;
        if unit.parent_id.is_some() {
            tx.finish().await?;
            return Err(ServiceError::NotFound("agency"));
        }
        let items = tx.published_prior_items(agency).await?;
        let users = tx.list_users(agency).await?;
        tx.finish().await?;
        let agency = PublicAgency {
            id: unit.id,
            name: unit.name.clone(),
            uscc: unit.uscc.as_ref().map(|c| c.to_string()),
        };
        let officers = users
            .into_iter()
            .filter(|u| u.active && matches!(u.role, Role::Officer | Role::Leader) && u.cert_no.is_some())
            .filter_map(|u| public_officer(u, &unit.name))
            .collect();
        let items = items
            .into_iter()
            .filter_map(|(item, title, body)| {
                Some(PublicPriorItem {
                    id: item.id,
                    kind: item.kind,
                    kind_zh: item.kind.label_zh().to_owned(),
                    title,
                    body,
                    version: item.published_version?,
                    published_at: item.published_at?,
                    entry: item.published_entry?,
                })
            })
            .collect();
        Ok(PublicPrior { agency, items, officers })
    }

    /// 事中公示: an officer's 执法证 page (from the QR code on documents). A user who holds no
    /// certificate is not found; one no longer in service is shown as 已失效.
    pub async fn public_officer(&self, id: UserId) -> Result<PublicOfficer> {
        let mut tx = self.store.read().await?;
        let user = match tx.get_user(id).await {
            Ok(u) => u,
            Err(liuhen_store::StoreError::NotFound(_)) => {
                tx.finish().await?;
                return Err(ServiceError::NotFound("officer"));
            }
            Err(e) => return Err(e.into()),
        };
        let agency = tx.get_unit(user.agency_id).await?;
        tx.finish().await?;
        public_officer(user, &agency.name).ok_or(ServiceError::NotFound("officer"))
    }

    /// 事中公示 from the QR code on a document: the officers holding 执法证 number `cert_no`
    /// (one, unless two agencies issued the same number). None holding it: not found.
    pub async fn public_certificate(&self, cert_no: &str) -> Result<Vec<PublicOfficer>> {
        let cert_no = cert_no.trim();
        if cert_no.is_empty() || cert_no.chars().count() > 64 {
            return Err(ServiceError::NotFound("officer"));
        }
        let mut tx = self.store.read().await?;
        let users = tx.users_by_cert(cert_no).await?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let agency = tx.get_unit(u.agency_id).await?;
            out.extend(public_officer(u, &agency.name));
        }
        tx.finish().await?;
        if out.is_empty() {
            return Err(ServiceError::NotFound("officer"));
        }
        Ok(out)
    }

    /// 统计年报: counts by kind, outcome, amounts, hearings, reviews and disclosures of one
    /// agency for one year (北京时间), complete once the year is over.
    pub async fn annual_stats(&self, agency: UnitId, year: i32) -> Result<AnnualStats> {
        let start = |y: i32| -> Result<OffsetDateTime> {
            Date::from_calendar_date(y, time::Month::January, 1)
                .map(|d| d.midnight().assume_offset(liuhen_domain::when::BEIJING))
                .map_err(|_| {
                    ServiceError::Invalid(liuhen_domain::ValidationError::new("year", "out of range"))
                })
        };
        if !(2000..=9998).contains(&year) {
            return Err(liuhen_domain::ValidationError::new("year", "2000 to 9998").into());
        }
        let (from, end) = (start(year)?, start(year + 1)?);
        let now = self.now();
        if from > now {
            return Err(liuhen_domain::ValidationError::new("year", "a year that has begun").into());
        }
        let as_of = end.min(now);
        let formats: Vec<&str> = AMOUNT_FIELDS.iter().map(|(f, _, _)| *f).collect();
        let mut tx = self.store.read().await?;
        let unit = tx.get_unit(agency).await?;
        if unit.parent_id.is_some() {
            tx.finish().await?;
            return Err(ServiceError::NotFound("agency"));
        }
        let mut formats_once = formats.clone();
        formats_once.dedup();
        let figures = tx.year_figures(agency, from, as_of, &formats_once).await?;
        tx.finish().await?;
        let mut rows = Vec::new();
        for kind in CaseKind::ALL {
            let n = figures.cases_by_kind.iter().find(|(k, _)| k == kind.code()).map_or(0, |(_, n)| *n);
            rows.push(StatRow {
                section: "cases".into(),
                item: kind.label_zh().into(),
                count: n,
                amount_fen: None,
            });
        }
        for (name, n) in &figures.issued_by_format {
            if name.ends_with("决定书") {
                rows.push(StatRow {
                    section: "decisions".into(),
                    item: name.clone(),
                    count: *n,
                    amount_fen: None,
                });
            }
        }
        for (format, field, label) in AMOUNT_FIELDS {
            let mut total = 0u64;
            let mut count = 0u64;
            for (f, fields) in &figures.amounts_of {
                if f != format {
                    continue;
                }
                if let Some(fen) =
                    fields.get(*field).and_then(|v| v.as_str()).and_then(|s| liuhen_docs::parse_money(s).ok())
                {
                    total = total.saturating_add(fen);
                    count += 1;
                }
            }
            rows.push(StatRow {
                section: "amounts".into(),
                item: (*label).into(),
                count,
                amount_fen: Some(total),
            });
        }
        for name in HEARING_DOCUMENTS {
            let n = figures.issued_by_format.iter().find(|(k, _)| k == name).map_or(0, |(_, n)| *n);
            rows.push(StatRow {
                section: "hearings".into(),
                item: (*name).into(),
                count: n,
                amount_fen: None,
            });
        }
        for outcome in liuhen_domain::ReviewOutcome::ALL {
            let n =
                figures.reviews_by_outcome.iter().find(|(k, _)| k == outcome.code()).map_or(0, |(_, n)| *n);
            rows.push(StatRow {
                section: "reviews".into(),
                item: format!("法制审核：{}", outcome.label_zh()),
                count: n,
                amount_fen: None,
            });
        }
        for kind in liuhen_domain::RemedyKind::ALL {
            let filed = figures.remedies_filed.iter().find(|(k, _)| k == kind.code()).map_or(0, |(_, n)| *n);
            rows.push(StatRow {
                section: "remedies".into(),
                item: format!("{}：收到", kind.label_zh()),
                count: filed,
                amount_fen: None,
            });
            for outcome in liuhen_domain::RemedyOutcome::ALL
                .iter()
                .filter(|o| **o != liuhen_domain::RemedyOutcome::Pending)
            {
                let key = format!("{}:{}", kind.code(), outcome.code());
                let n = figures.remedies_decided.iter().find(|(k, _)| *k == key).map_or(0, |(_, n)| *n);
                rows.push(StatRow {
                    section: "remedies".into(),
                    item: format!("{}：{}", kind.label_zh(), outcome.label_zh()),
                    count: n,
                    amount_fen: None,
                });
            }
        }
        rows.push(StatRow {
            section: "disclosures".into(),
            item: "公示决定".into(),
            count: figures.published,
            amount_fen: None,
        });
        rows.push(StatRow {
            section: "disclosures".into(),
            item: "撤回公示".into(),
            count: figures.withdrawn,
            amount_fen: None,
        });
        Ok(AnnualStats {
            agency: PublicAgency { id: unit.id, name: unit.name, uscc: unit.uscc.map(|c| c.to_string()) },
            year,
            as_of,
            complete: as_of == end,
            rows,
        })
    }
}

fn public_officer(u: User, agency_name: &str) -> Option<PublicOfficer> {
    let cert_no = u.cert_no?;
    Some(PublicOfficer {
        id: u.id,
        name: u.display_name,
        cert_no,
        category: u.enforcement_category,
        agency_name: agency_name.to_owned(),
        valid: u.active && matches!(u.role, Role::Officer | Role::Leader),
    })
}

/// The annual statistics as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
/// Chinese text).
pub fn stats_csv(s: &AnnualStats) -> String {
    let mut out = String::from("\u{feff}统计项,项目,数量,金额（元）\n");
    let esc = |t: &str| {
        if t.contains([',', '"', '\n']) { format!("\"{}\"", t.replace('"', "\"\"")) } else { t.to_owned() }
    };
    for r in &s.rows {
        let section = match r.section.as_str() {
            "cases" => "立案",
            "decisions" => "作出决定",
            "amounts" => "罚没金额",
            "hearings" => "听证",
            "reviews" => "法制审核",
            "remedies" => "复议诉讼",
            _ => "公示",
        };
        let amount = r.amount_fen.map(liuhen_docs::format_yuan).unwrap_or_default();
        out.push_str(&format!("{},{},{},{}\n", section, esc(&r.item), r.count, amount));
    }
    out
}

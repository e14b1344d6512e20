//! Live supervision (调阅监督, 可实时调阅): the ledger, followed as it grows,
//! as a stream of events for supervisors — accesses, refusals, overrides,
//! other changes — and alerts derived from them by configurable rules.
//!
//! The stream is a view of the ledger itself: one follower per process reads
//! entries in sequence order as they commit (entries are sequenced in
//! commit order, so none is skipped) and broadcasts them; every node of a
//! deployment follows the same log, so a supervisor connected to any node
//! sees every node's accesses. What a supervisor sees is exactly what is
//! verifiable later. Alerts are computed from the same sequence, so every
//! node derives the same alerts.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use liuhen_domain::{CaseId, DocumentId, EntryKind, EvidenceId, LedgerEntry, Role, UnitId, UserId};
use liuhen_store::{CaseScope, Read, Tx};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tokio::sync::broadcast;

use crate::error::{Result, ServiceError};
use crate::{Principal, Service};

/// How often the follower looks for new entries.
pub const FOLLOW_EVERY: StdDuration = StdDuration::from_millis(100);
/// Entries read per look.
const BATCH: u32 = 5_000;

/// The alert rules. Every threshold is configurable (`[alerts]` in the
/// server's configuration).
///
/// 读取本单位以外案件 (`outside_unit`): a read (case view, evidence record,
/// viewing session, document view or download) of a record whose case is
/// handled by a unit that is neither the reader's unit nor below it. Such a
/// read alerts when it was made through a 调阅 grant, whoever the reader is;
/// otherwise when the reader's role is not one whose duty spans the agency
/// ([`AlertRules::outside_unit_exempt`]: by default 监督人员, 法制审核人员 and
/// 档案管理员, who read across units by their office) and the reader is not
/// among the case's assigned officers (联合办案 across units is directed by a
/// leader, and recorded). Reading the audit itself is not a read of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRules {
    /// More than `bulk_count` viewing sessions or downloads by one user
    /// within `bulk_window` (批量下载).
    pub bulk_count: usize,
    /// The window of [`AlertRules::bulk_count`].
    pub bulk_window: Duration,
    /// Reads outside `work_hours` (local hours, start inclusive, end
    /// exclusive) or on a non-working day (非工作时间调阅).
    pub work_hours: (u8, u8),
    /// `refusal_count` refusals (failed logins, refused reads) of one
    /// subject within `refusal_window` (反复被拒).
    pub refusal_count: usize,
    /// The window of [`AlertRules::refusal_count`].
    pub refusal_window: Duration,
    /// Alert on reads outside the reader's unit (读取本单位以外案件).
    pub outside_unit: bool,
    /// Roles whose reads outside their unit alert only when made through a grant.
    pub outside_unit_exempt: Vec<Role>,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            bulk_count: 20,
            bulk_window: Duration::minutes(10),
            work_hours: (8, 18),
            refusal_count: 3,
            refusal_window: Duration::minutes(10),
            outside_unit: true,
            outside_unit_exempt: vec![Role::Supervisor, Role::Reviewer, Role::Archivist],
        }
    }
}

/// Where a read stands towards its reader, as the follower finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReadPlace {
    role: Role,
    /// The case is handled by the reader's unit or a unit below it.
    within_unit: bool,
    /// The reader is one of the case's assigned officers.
    assigned: bool,
    /// The read names a 调阅 grant.
    via_grant: bool,
    /// `case:…`
    case: String,
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventClass {
    /// A read of a record (调阅).
    Access,
    /// A refused login or read.
    Refusal,
    /// A leader moved a case on despite blocking findings.
    Override,
    /// Any other change.
    Change,
    /// Raised by an alert rule.
    Alert,
}

/// One event on the supervision stream.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionEvent {
    /// The event's id on the stream: the ledger index for an entry,
    /// `{index}.{n}` for the n-th alert the entry raised (sent right after it).
    pub id: String,
    /// The ledger index of the entry (for an alert: of the entry that raised it).
    pub seq: u64,
    pub class: EventClass,
    /// The entry kind, e.g. `evidence.viewing_session`.
    pub kind: String,
    pub label_zh: String,
    /// `user:…` or `system:…`.
    pub actor: String,
    /// The agency (执法机关) the entry belongs to.
    pub agency: Option<String>,
    pub subjects: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// For alerts: the rule (`bulk_download`, `out_of_hours`, `repeated_refusals`, `outside_unit`,
    /// `clock_drift`, `archive_check_failed`, `disclosure_overdue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For alerts: what happened, in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
    /// Whom the event concerns, as the follower placed it; decides who sees it.
    #[serde(skip)]
    #[schema(ignore)]
    pub reach: Reach,
}

/// Where an entry belongs, as the follower finds it from its actor and the
/// records it names: the agencies of those records, and the units they
/// concern, each with the units above it. Who may see the event is decided
/// from this ([`Service::visible_to`]), never from the entry's agency alone:
/// a leader watches their unit and below, and an entry without an agency
/// (the system's own) is shown only to the administrators of the one agency
/// whose records it names (to every administrator if it names none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// The agencies of the records named (cases, evidence, documents, users, units).
    pub agencies: Vec<UnitId>,
    /// For each unit concerned (the actor's, a case's, an evidence file's, a
    /// user's), that unit and every unit above it.
    pub units: Vec<Vec<UnitId>>,
    /// Every record the entry names was placed. An entry not fully placed is
    /// shown only where its agency alone decides (supervisors).
    pub complete: bool,
}

/// The bounds on supervision streams (configurable in the server, which
/// also rechecks each open stream's caller: [`Service::supervision_recheck`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Streams one user may hold open at once.
    pub per_user: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits { per_user: 4 }
    }
}

/// The broadcast shared by every clone of a service.
pub(crate) struct Hub {
    sender: broadcast::Sender<Arc<SupervisionEvent>>,
    /// Set once the follower runs.
    follower: tokio::sync::OnceCell<()>,
    /// Every entry below this index has been broadcast, with its alerts.
    followed: AtomicU64,
    /// The last events (entries and their alerts), placed, for replay ([`REPLAY_EVENTS`]).
    recent: Mutex<VecDeque<Arc<SupervisionEvent>>>,
    /// Open streams per user.
    streams: Mutex<HashMap<UserId, usize>>,
    rules: AlertRules,
    limits: StreamLimits,
}

impl Hub {
    pub(crate) fn new(rules: AlertRules, limits: StreamLimits) -> Self {
        Hub {
            sender: broadcast::channel(16_384).0,
            follower: tokio::sync::OnceCell::new(),
            followed: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::new()),
            streams: Mutex::new(HashMap::new()),
            rules,
            limits,
        }
    }

    pub(crate) fn rules(&self) -> &AlertRules {
        &self.rules
    }

    pub(crate) fn limits(&self) -> StreamLimits {
        self.limits
    }
}

/// How many of the latest events (entries and the alerts they raised) a
/// reconnecting client can be replayed. They are kept in memory, already
/// placed, as the follower passes them: a reconnect costs a scan of this
/// window and no database read, however often a client reconnects (and
/// reconnects are bounded by [`StreamLimits::per_user`] streams at once).
/// A client further behind is told how many entries it missed; the ledger
/// holds them all.
pub const REPLAY_EVENTS: usize = 4_096;

/// An open stream's place among its user's; gives it back when dropped.
pub struct StreamSlot {
    hub: Arc<Hub>,
    user: UserId,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.hub.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

impl std::fmt::Debug for StreamSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSlot").field("user", &self.user).finish()
    }
}

/// A place in the stream, from an event id: `(ledger index, n)` with `n` 0
/// for the entry itself and 1, 2, … for the alerts it raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StreamPosition(pub u64, pub u32);

impl StreamPosition {
    /// Reads an event id (`Last-Event-ID`): `12` or `12.1`.
    pub fn parse(id: &str) -> Option<Self> {
        let id = id.trim();
        let (seq, sub) = match id.split_once('.') {
            Some((a, b)) => (a, b.parse().ok()?),
            None => (id, 0),
        };
        Some(StreamPosition(seq.parse().ok()?, sub))
    }

    /// Where an event stands.
    pub fn of(e: &SupervisionEvent) -> Self {
        let sub = e.id.split_once('.').and_then(|(_, n)| n.parse().ok()).unwrap_or(0);
        StreamPosition(e.seq, sub)
    }
}

/// A subscription: what a reconnecting client missed, then the live events.
pub struct Subscription {
    /// Entries (and kept alerts) after the client's last event, oldest
    /// first, already limited to what the caller may see.
    pub replay: Vec<Arc<SupervisionEvent>>,
    /// Entries older than the replay window that were not replayed.
    pub missed: u64,
    /// Live events; those at or before [`Subscription::after`] are repeats.
    pub live: broadcast::Receiver<Arc<SupervisionEvent>>,
    /// The last position replayed (or the client's own last event).
    pub after: Option<StreamPosition>,
    /// Held while the stream is open: one of the user's [`StreamLimits::per_user`].
    pub slot: StreamSlot,
}

fn class_of(kind: &str) -> EventClass {
    match EntryKind::from_code(kind) {
        Some(
            EntryKind::CaseRead
            | EntryKind::CasesListed
            | EntryKind::EvidenceRead
            | EntryKind::EvidenceViewed
            | EntryKind::AuditRead
            | EntryKind::DocumentRead
            | EntryKind::DocumentDownloaded,
        ) => EventClass::Access,
        Some(EntryKind::LoginFailed | EntryKind::LoginLocked | EntryKind::AccessRefused) => {
            EventClass::Refusal
        }
        Some(EntryKind::FindingsOverridden) => EventClass::Override,
        _ => EventClass::Change,
    }
}

/// Sliding windows per actor or subject, for the alert rules.
#[derive(Default)]
struct AlertState {
    downloads: HashMap<String, VecDeque<OffsetDateTime>>,
    refusals: HashMap<String, VecDeque<OffsetDateTime>>,
}

/// Pushes `t` and drops what fell out of `window`; the count left.
fn slide(q: &mut VecDeque<OffsetDateTime>, t: OffsetDateTime, window: Duration) -> usize {
    q.push_back(t);
    while q.front().is_some_and(|f| t - *f > window) {
        q.pop_front();
    }
    q.len()
}

impl AlertState {
    fn check(
        &mut self,
        rules: &AlertRules,
        calendar: Option<&liuhen_policy::Calendar>,
        e: &SupervisionEvent,
        place: Option<&ReadPlace>,
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if rules.outside_unit
            && let Some(p) = place
            && !p.within_unit
            && (p.via_grant || (!p.assigned && !rules.outside_unit_exempt.contains(&p.role)))
        {
            let via = if p.via_grant { "（经调阅授权）" } else { "" };
            out.push((
                "outside_unit".to_owned(),
                format!("{} {}读取本单位以外案件 {}（{}）", e.actor, via, p.case, e.label_zh),
            ));
        }
        if e.kind == EntryKind::EvidenceViewed.code() || e.kind == EntryKind::DocumentDownloaded.code() {
            let q = self.downloads.entry(e.actor.clone()).or_default();
            let n = slide(q, e.time, rules.bulk_window);
            if n == rules.bulk_count + 1 {
                out.push((
                    "bulk_download".to_owned(),
                    format!(
                        "{} 在{}分钟内播放或下载证据超过{}次",
                        e.actor,
                        rules.bulk_window.whole_minutes(),
                        rules.bulk_count
                    ),
                ));
            }
        }
        if e.class == EventClass::Access && e.actor.starts_with("user:") {
            let local = liuhen_domain::when::in_beijing(e.time);
            let hour = local.hour();
            let weekend = matches!(local.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
            // Outside the years the calendar covers, only weekends are known; the alert says so.
            let (workday, caveat) = match calendar.map(|c| c.is_working_day(local.date())) {
                Some(Ok(w)) => (w, String::new()),
                Some(Err(_)) | None => {
                    (!weekend, format!("（规则库未载入{}年节假日安排，仅按周末判断）", local.year()))
                }
            };
            if !workday || hour < rules.work_hours.0 || hour >= rules.work_hours.1 {
                out.push((
                    "out_of_hours".to_owned(),
                    format!("{} 在非工作时间（{}）调阅 {}{caveat}", e.actor, local.date(), e.label_zh),
                ));
            }
        }
        if e.kind == EntryKind::ClockDrift.code() {
            let device = e.subjects.iter().find(|s| s.starts_with("device:") || s.starts_with("evidence:"));
            out.push((
                "clock_drift".to_owned(),
                format!(
                    "执法记录仪校时偏差超过阈值{}",
                    device.map(|d| format!("（{d}）")).unwrap_or_default()
                ),
            ));
        }
        if e.kind == EntryKind::ArchiveCheckFailed.code() {
            let archive = e.subjects.iter().find(|s| s.starts_with("archive:"));
            out.push((
                "archive_check_failed".to_owned(),
                format!(
                    "电子案卷四性检测未通过{}：档案可能被改动",
                    archive.map(|a| format!("（{a}）")).unwrap_or_default()
                ),
            ));
        }
        if e.kind == EntryKind::DisclosureOverdue.code() || e.kind == EntryKind::PriorItemOverdue.code() {
            let what = e.subjects.first().cloned().unwrap_or_default();
            let message = if e.kind == EntryKind::PriorItemOverdue.code() {
                format!("事前公开事项修改后未在规定期限内发布（{what}）")
            } else {
                format!("执法决定公示或撤回超过规定期限（{what}）")
            };
            out.push(("disclosure_overdue".to_owned(), message));
        }
        if e.class == EventClass::Refusal && e.kind != EntryKind::LoginLocked.code() {
            let key = e.subjects.first().cloned().unwrap_or_else(|| e.actor.clone());
            let q = self.refusals.entry(key.clone()).or_default();
            if slide(q, e.time, rules.refusal_window) == rules.refusal_count {
                out.push((
                    "repeated_refusals".to_owned(),
                    format!(
                        "{key} 在{}分钟内被拒绝{}次",
                        rules.refusal_window.whole_minutes(),
                        rules.refusal_count
                    ),
                ));
            }
        }
        // Forget idle actors so the maps stay the size of the active audience.
        if self.downloads.len() > 10_000 {
            self.downloads.retain(|_, q| q.back().is_some_and(|b| e.time - *b <= rules.bulk_window));
        }
        if self.refusals.len() > 10_000 {
            self.refusals.retain(|_, q| q.back().is_some_and(|b| e.time - *b <= rules.refusal_window));
        }
        out
    }
}

fn event_of(seq: u64, body: &[u8]) -> Option<SupervisionEvent> {
    let entry: LedgerEntry = serde_json::from_slice(body).ok()?;
    let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(entry.time) * 1_000_000).ok()?;
    let label_zh = EntryKind::from_code(&entry.kind).map(|k| k.label_zh().to_owned()).unwrap_or_default();
    Some(SupervisionEvent {
        id: seq.to_string(),
        seq,
        class: class_of(&entry.kind),
        kind: entry.kind,
        label_zh,
        actor: entry.actor,
        agency: entry.org,
        subjects: entry.subjects,
        time,
        rule: None,
        message_zh: None,
        reach: Reach::default(),
    })
}

/// What the follower needs to place a read: users' units and roles, units'
/// parents, cases' units. Cached, since a case does not change unit and a
/// unit does not move; a user is forgotten when an entry about them (a new
/// role or unit) goes by.
#[derive(Default)]
struct Directory {
    /// A user's unit, role and agency.
    users: HashMap<UserId, (UnitId, Role, UnitId)>,
    parents: HashMap<UnitId, Option<UnitId>>,
    cases: HashMap<CaseId, UnitId>,
    /// An evidence file's agency, unit and case.
    evidence: HashMap<EvidenceId, (UnitId, UnitId, Option<CaseId>)>,
    /// A document's case.
    documents: HashMap<DocumentId, CaseId>,
}

/// Entries after which a user's role or unit may differ.
fn changes_user(kind: &str) -> bool {
    matches!(EntryKind::from_code(kind), Some(EntryKind::UserCreated | EntryKind::UserChanged))
}

/// Cached entries at most, per map, before it is emptied and filled anew.
const DIRECTORY_MAX: usize = 50_000;

impl Service {
    /// Places a read towards its reader; `None` for anything else, or when
    /// a record cannot be found (then no rule about units applies). The
    /// store is asked only about what the directory does not hold yet, and
    /// about assignments only when they decide an alert.
    async fn place_of(
        &self,
        dir: &mut Directory,
        rules: &AlertRules,
        e: &SupervisionEvent,
    ) -> Result<Option<ReadPlace>> {
        if e.class != EventClass::Access || e.kind == EntryKind::AuditRead.code() {
            return Ok(None);
        }
        let reader = e.actor.strip_prefix("user:").and_then(|u| u.parse::<UserId>().ok());
        let case_subject = e.subjects.iter().find(|s| s.starts_with("case:"));
        let case_id = case_subject.and_then(|c| c.strip_prefix("case:")?.parse::<CaseId>().ok());
        let agency = e.agency.as_deref().and_then(|a| a.parse::<UnitId>().ok());
        let (Some(reader), Some(case_subject), Some(case_id), Some(agency)) =
            (reader, case_subject, case_id, agency)
        else {
            return Ok(None);
        };
        let mut tx: Option<Tx<Read>> = None;
        let Some((reader_unit, role, _)) = user_place(&self.store, dir, &mut tx, reader).await? else {
            return finish(tx, None).await;
        };
        let case_unit = match dir.cases.get(&case_id) {
            Some(u) => *u,
            None => {
                let t = open(&self.store, &mut tx).await?;
                let Some(case) = t.get_case_in_scope(case_id, &CaseScope::Agency(agency)).await? else {
                    return finish(tx, None).await;
                };
                dir.cases.insert(case_id, case.unit_id);
                case.unit_id
            }
        };
        // Up from the case's unit to the agency: does the reader's unit come by?
        let mut within_unit = false;
        let mut at = Some(case_unit);
        for _ in 0..64 {
            let Some(u) = at else { break };
            if u == reader_unit {
                within_unit = true;
                break;
            }
            at = match dir.parents.get(&u) {
                Some(p) => *p,
                None => {
                    let p = open(&self.store, &mut tx).await?.get_unit(u).await?.parent_id;
                    dir.parents.insert(u, p);
                    p
                }
            };
        }
        let via_grant = e.subjects.iter().any(|s| s.starts_with("access:"));
        // Assignments change: asked only when they decide, and then fresh.
        let assigned = if within_unit || via_grant || rules.outside_unit_exempt.contains(&role) {
            false
        } else {
            let t = open(&self.store, &mut tx).await?;
            t.get_case_in_scope(case_id, &CaseScope::Agency(agency))
                .await?
                .is_some_and(|c| c.officers.contains(&reader))
        };
        let place = ReadPlace { role, within_unit, assigned, via_grant, case: case_subject.clone() };
        finish(tx, Some(place)).await
    }
}

/// A record the store does not hold is not an error here: it just cannot be placed.
fn found<T>(r: liuhen_store::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(liuhen_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A user's unit, role and agency, from the directory or the store.
async fn user_place(
    store: &liuhen_store::Store,
    dir: &mut Directory,
    tx: &mut Option<Tx<Read>>,
    id: UserId,
) -> Result<Option<(UnitId, Role, UnitId)>> {
    if let Some(u) = dir.users.get(&id) {
        return Ok(Some(*u));
    }
    let Some(u) = found(open(store, tx).await?.get_user(id).await)? else { return Ok(None) };
    dir.users.insert(id, (u.unit_id, u.role, u.agency_id));
    Ok(Some((u.unit_id, u.role, u.agency_id)))
}

/// A unit and every unit above it, from the directory or the store.
async fn unit_chain(
    store: &liuhen_store::Store,
    dir: &mut Directory,
    tx: &mut Option<Tx<Read>>,
    unit: UnitId,
) -> Result<Vec<UnitId>> {
    let mut chain = Vec::new();
    let mut at = Some(unit);
    // Units nest a few levels; the bound only guards against a cycle.
    for _ in 0..64 {
        let Some(u) = at else { break };
        chain.push(u);
        at = match dir.parents.get(&u) {
            Some(p) => *p,
            None => {
                let p = found(open(store, tx).await?.get_unit(u).await)?.and_then(|x| x.parent_id);
                dir.parents.insert(u, p);
                p
            }
        };
    }
    Ok(chain)
}

impl Service {
    /// Places an entry ([`Reach`]): its actor and every record it names.
    async fn reach_of(&self, dir: &mut Directory, e: &SupervisionEvent) -> Result<Reach> {
        if [dir.users.len(), dir.cases.len(), dir.parents.len(), dir.evidence.len(), dir.documents.len()]
            .iter()
            .any(|n| *n > DIRECTORY_MAX)
        {
            *dir = Directory::default();
        }
        let agency = e.agency.as_deref().and_then(|a| a.parse::<UnitId>().ok());
        let mut tx: Option<Tx<Read>> = None;
        let mut reach = Reach { complete: true, ..Reach::default() };
        let mut units: Vec<UnitId> = Vec::new();
        let mut cases: Vec<CaseId> = Vec::new();
        let actor = e.actor.strip_prefix("user:").and_then(|u| u.parse::<UserId>().ok());
        for subject in actor.map(|a| a.subject()).iter().chain(&e.subjects) {
            let Some((prefix, id)) = subject.split_once(':') else { continue };
            let placed = match prefix {
                "user" => match id.parse::<UserId>().ok() {
                    Some(u) => match user_place(&self.store, dir, &mut tx, u).await? {
                        Some((unit, _, a)) => {
                            units.push(unit);
                            reach.agencies.push(a);
                            true
                        }
                        None => false,
                    },
                    None => false,
                },
                "unit" => match id.parse::<UnitId>().ok() {
                    Some(u) => {
                        units.push(u);
                        true
                    }
                    None => false,
                },
                "case" => match id.parse::<CaseId>().ok() {
                    Some(c) => {
                        cases.push(c);
                        true
                    }
                    None => false,
                },
                "evidence" => match id.parse::<EvidenceId>().ok() {
                    Some(ev) => {
                        let place = match dir.evidence.get(&ev) {
                            Some(p) => Some(*p),
                            None => {
                                let got = open(&self.store, &mut tx).await?.get_evidence(ev).await?;
                                let p = got.map(|x| (x.agency_id, x.unit_id, x.case_id));
                                if let Some(p) = p {
                                    dir.evidence.insert(ev, p);
                                }
                                p
                            }
                        };
                        match place {
                            // An entry of one agency naming another's evidence (a refused
                            // probe for it) concerns the entry's agency alone: the evidence
                            // places nothing, as a case or document of another agency does not.
                            Some((a, _, _)) if agency.is_some_and(|mine| mine != a) => false,
                            Some((a, unit, case)) => {
                                reach.agencies.push(a);
                                units.push(unit);
                                cases.extend(case);
                                true
                            }
                            None => false,
                        }
                    }
                    None => false,
                },
                "document" => match (id.parse::<DocumentId>().ok(), agency) {
                    (Some(d), Some(a)) => {
                        let case = match dir.documents.get(&d) {
                            Some(c) => Some(*c),
                            None => {
                                let got = open(&self.store, &mut tx).await?.get_document(a, d).await?;
                                let c = got.map(|x| x.case_id);
                                if let Some(c) = c {
                                    dir.documents.insert(d, c);
                                }
                                c
                            }
                        };
                        cases.extend(case);
                        case.is_some()
                    }
                    _ => false,
                },
                // Credentials, uploads, access requests, blobs, logins and
                // the like belong to no unit; the records beside them place the entry.
                _ => true,
            };
            reach.complete &= placed;
        }
        for c in cases {
            let unit = match dir.cases.get(&c) {
                Some(u) => Some(*u),
                // A case is found within the entry's agency only: an entry
                // without one cannot name a case it may be shown with.
                None => match agency {
                    Some(a) => {
                        let got = open(&self.store, &mut tx)
                            .await?
                            .get_case_in_scope(c, &CaseScope::Agency(a))
                            .await?;
                        let u = got.map(|x| x.unit_id);
                        if let Some(u) = u {
                            dir.cases.insert(c, u);
                        }
                        u
                    }
                    None => None,
                },
            };
            match unit {
                Some(u) => units.push(u),
                None => reach.complete = false,
            }
        }
        units.sort_unstable();
        units.dedup();
        for u in units {
            let chain = unit_chain(&self.store, dir, &mut tx, u).await?;
            // The top of a unit's chain is its agency.
            reach.agencies.extend(chain.last().copied());
            reach.units.push(chain);
        }
        reach.agencies.sort_unstable();
        reach.agencies.dedup();
        finish(tx, reach).await
    }
}

/// The read transaction of a lookup, opened on first need.
async fn open<'a>(store: &liuhen_store::Store, tx: &'a mut Option<Tx<Read>>) -> Result<&'a mut Tx<Read>> {
    if tx.is_none() {
        *tx = Some(store.read().await?);
    }
    tx.as_mut().ok_or(ServiceError::Internal("no read transaction".into()))
}

async fn finish<T>(tx: Option<Tx<Read>>, value: T) -> Result<T> {
    if let Some(tx) = tx {
        tx.finish().await?;
    }
    Ok(value)
}

impl Service {
    /// Whether a caller may watch the supervision stream: supervisors
    /// (their agency), leaders (their unit and below) and administrators
    /// (their agency).
    fn may_supervise(me: &Principal) -> bool {
        matches!(me.user.role, Role::Supervisor | Role::Leader | Role::Admin)
    }

    /// Subscribes to the live supervision stream, starting the ledger
    /// follower on first use. Events outside the caller's scope are filtered
    /// out by [`Service::visible_to`]. For use in process: the receiver
    /// holds none of the user's stream slots ([`Service::supervision_resume`]
    /// is what a client's stream uses).
    pub async fn supervision_subscribe(
        &self,
        me: &Principal,
    ) -> Result<broadcast::Receiver<Arc<SupervisionEvent>>> {
        Ok(self.supervision_resume(me, None).await?.live)
    }

    /// The caller of an open stream as they stand now: their credential
    /// still valid and their role still one that watches. A stream ends
    /// when this fails; a changed unit or agency narrows what it shows.
    pub async fn supervision_recheck(&self, me: &Principal) -> Result<Principal> {
        let now = self.reauthenticate(me).await?;
        if !Self::may_supervise(&now) {
            return Err(ServiceError::Forbidden("the user's role no longer watches accesses".into()));
        }
        Ok(now)
    }

    /// Takes one of the user's stream slots, or refuses beyond the limit.
    fn take_stream_slot(&self, user: UserId) -> Result<StreamSlot> {
        let limit = self.supervision.limits().per_user;
        let mut open = self.supervision.streams.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(user).or_insert(0);
        if *n >= limit {
            return Err(ServiceError::TooManyAtOnce(format!(
                "at most {limit} supervision streams per user are open at once (同一用户同时打开的监督流过多)"
            )));
        }
        *n += 1;
        Ok(StreamSlot { hub: self.supervision.clone(), user })
    }

    /// Subscribes, first replaying what a reconnecting client missed after
    /// its last event id (`Last-Event-ID`): the events after it still kept
    /// in memory (the last [`REPLAY_EVENTS`]), limited to the caller's
    /// scope. A malformed id is replayed from nothing, as a new subscription.
    pub async fn supervision_resume(
        &self,
        me: &Principal,
        last_event_id: Option<&str>,
    ) -> Result<Subscription> {
        if !Self::may_supervise(me) {
            return Err(ServiceError::Forbidden(
                "only supervisors, leaders and administrators watch accesses".into(),
            ));
        }
        let slot = self.take_stream_slot(me.user.id)?;
        // Watching accesses is itself an access to the audit (CJIS 5.4.1.1).
        let (now, who) = (self.now(), me.user.clone());
        self.record_alone(
            now,
            EntryKind::AuditRead,
            liuhen_domain::Actor::User(who.id),
            Some(who.agency_id),
            vec!["supervision:stream".to_owned()],
        )
        .await?;
        let live = self.supervision.sender.subscribe();
        self.ensure_follower().await?;
        let Some(last) = last_event_id.and_then(StreamPosition::parse) else {
            return Ok(Subscription { replay: Vec::new(), missed: 0, live, after: None, slot });
        };
        // Whatever is kept was broadcast, or comes through `live` as well
        // (events are kept before they are sent): repeats are skipped by position.
        let (replay, floor) = {
            let kept = self.supervision.recent.lock().unwrap_or_else(|p| p.into_inner());
            let floor = kept
                .front()
                .map(|e| StreamPosition::of(e))
                .unwrap_or(StreamPosition(self.supervision.followed.load(Ordering::SeqCst), 0));
            let replay: Vec<Arc<SupervisionEvent>> = kept
                .iter()
                .filter(|e| StreamPosition::of(e) > last && Self::visible_to(me, e))
                .cloned()
                .collect();
            (replay, floor)
        };
        let missed = floor.0.saturating_sub(last.0.saturating_add(1));
        let after = replay.last().map(|e| StreamPosition::of(e)).max(Some(last));
        Ok(Subscription { replay, missed, live, after, slot })
    }

    /// Starts the ledger follower on first use.
    async fn ensure_follower(&self) -> Result<()> {
        self.supervision
            .follower
            .get_or_try_init(|| async {
                let head = {
                    let mut tx = self.store.read().await?;
                    let n = tx.entry_count().await?;
                    tx.finish().await?;
                    n
                };
                // The last entries before the head are placed and kept,
                // not broadcast, so that a client reconnecting after a
                // restart is replayed what it missed.
                let mut follower = Follower::new(self.clone(), head.saturating_sub(REPLAY_EVENTS as u64));
                while follower.from < head {
                    if follower.step(Some(head)).await? == 0 {
                        break;
                    }
                }
                self.supervision.followed.store(follower.from, Ordering::SeqCst);
                tokio::spawn(follower.run());
                Ok::<_, ServiceError>(())
            })
            .await?;
        Ok(())
    }

    /// The latest events of the stream `me` may see (at most `n`, newest
    /// last), for a page that opens before its live stream connects.
    /// Reading them is an access to the audit, recorded as the stream is.
    pub async fn recent_supervision(&self, me: &Principal, n: usize) -> Result<Vec<Arc<SupervisionEvent>>> {
        if !Self::may_supervise(me) {
            return Err(ServiceError::Forbidden(
                "only supervisors, leaders and administrators watch accesses".into(),
            ));
        }
        let (now, who) = (self.now(), me.user.clone());
        self.record_alone(
            now,
            EntryKind::AuditRead,
            liuhen_domain::Actor::User(who.id),
            Some(who.agency_id),
            vec!["supervision:recent".to_owned()],
        )
        .await?;
        self.ensure_follower().await?;
        let kept = self.supervision.recent.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<Arc<SupervisionEvent>> =
            kept.iter().rev().filter(|e| Self::visible_to(me, e)).take(n).cloned().collect();
        out.reverse();
        Ok(out)
    }

    /// Whether `me` may see an event, by where the follower placed it:
    /// supervisors see their agency's entries; leaders those concerning
    /// their unit or a unit below it (its cases, its people, their
    /// records); administrators their agency's entries and the system's own
    /// that name records of their agency alone. Nobody sees an event naming
    /// another agency's records.
    pub fn visible_to(me: &Principal, e: &SupervisionEvent) -> bool {
        let mine = me.user.agency_id;
        if !e.reach.agencies.iter().all(|a| *a == mine) {
            return false;
        }
        let own_agency = e.agency.as_deref() == Some(mine.to_string().as_str());
        match me.user.role {
            Role::Supervisor => own_agency,
            Role::Leader => own_agency && e.reach.units.iter().any(|chain| chain.contains(&me.user.unit_id)),
            // The system's own entries (failed logins of unknown names,
            // scrub findings) are shown once every record they name is placed.
            Role::Admin => own_agency || (e.agency.is_none() && e.reach.complete),
            _ => false,
        }
    }
}

/// The one ledger follower of a process: reads entries in sequence,
/// places them, derives alerts, keeps the last events and broadcasts them.
struct Follower {
    service: Service,
    from: u64,
    alerts: AlertState,
    directory: Directory,
    policy: Option<Arc<liuhen_policy::Policy>>,
}

impl Follower {
    fn new(service: Service, from: u64) -> Self {
        let policy = service.policy().ok();
        Follower { service, from, alerts: AlertState::default(), directory: Directory::default(), policy }
    }

    /// Runs until the process ends.
    async fn run(mut self) {
        let mut tick = tokio::time::interval(FOLLOW_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.step(None).await {
                tracing::warn!(error = %e, "supervision: reading the ledger");
            }
        }
    }

    /// Takes the next entries (below `upto` when given, and then keeps them
    /// without broadcasting); how many it took.
    async fn step(&mut self, upto: Option<u64>) -> Result<usize> {
        let hub = self.service.supervision.clone();
        let rules = hub.rules().clone();
        let want = match upto {
            Some(u) => u32::try_from(u.saturating_sub(self.from).min(u64::from(BATCH))).unwrap_or(BATCH),
            None => BATCH,
        };
        let entries = {
            let mut tx = self.service.store.read().await?;
            let got = tx.read_entries(self.from, want).await;
            let _ = tx.finish().await;
            got?
        };
        let n = entries.len();
        for stored in entries {
            self.from = stored.seq + 1;
            let Some(mut event) = event_of(stored.seq, &stored.body) else { continue };
            if changes_user(&event.kind) {
                for u in event.subjects.iter().filter_map(|s| s.strip_prefix("user:")?.parse().ok()) {
                    self.directory.users.remove(&u);
                }
            }
            event.reach = self.service.reach_of(&mut self.directory, &event).await.unwrap_or_else(|e| {
                // Unplaced, it is shown to nobody but its agency's supervisors.
                tracing::warn!(error = %e, seq = event.seq, "supervision: placing an entry");
                Reach::default()
            });
            let place = if rules.outside_unit {
                self.service.place_of(&mut self.directory, &rules, &event).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, seq = event.seq, "supervision: placing a read");
                    None
                })
            } else {
                None
            };
            let calendar = self.policy.as_deref().map(|p| p.calendar());
            let raised = self.alerts.check(&rules, calendar, &event, place.as_ref());
            let event = Arc::new(event);
            let mut out = vec![event.clone()];
            for (n, (rule, message)) in raised.into_iter().enumerate() {
                out.push(Arc::new(SupervisionEvent {
                    id: format!("{}.{}", event.seq, n + 1),
                    class: EventClass::Alert,
                    rule: Some(rule),
                    message_zh: Some(message),
                    ..(*event).clone()
                }));
            }
            {
                let mut kept = hub.recent.lock().unwrap_or_else(|p| p.into_inner());
                for e in &out {
                    if kept.len() >= REPLAY_EVENTS {
                        kept.pop_front();
                    }
                    kept.push_back(e.clone());
                }
            }
            if upto.is_none() {
                for e in out {
                    // No subscriber is not an error: the ledger keeps everything.
                    let _ = hub.sender.send(e);
                }
            }
            hub.followed.store(self.from, Ordering::SeqCst);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ev(kind: EntryKind, actor: &str, time: OffsetDateTime) -> SupervisionEvent {
        SupervisionEvent {
            id: "0".to_owned(),
            seq: 0,
            class: class_of(kind.code()),
            kind: kind.code().to_owned(),
            label_zh: kind.label_zh().to_owned(),
            actor: actor.to_owned(),
            agency: None,
            subjects: vec!["evidence:x".to_owned()],
            time,
            rule: None,
            message_zh: None,
            reach: Reach::default(),
        }
    }

    #[test]
    fn bulk_downloads_alert_once_per_burst() {
        let rules = AlertRules { bulk_count: 3, ..AlertRules::default() };
        let mut st = AlertState::default();
        let t0 = datetime!(2026-11-25 10:00 +08:00); // a Wednesday, working hours
        let mut raised = Vec::new();
        for i in 0..6 {
            let e = ev(EntryKind::EvidenceViewed, "user:a", t0 + Duration::minutes(i));
            raised.extend(st.check(&rules, None, &e, None).into_iter().map(|(r, _)| r));
        }
        assert_eq!(raised, vec!["bulk_download"], "the fourth within 10 minutes, once");
        // Spread out, no alert.
        let mut st = AlertState::default();
        for i in 0..6 {
            let e = ev(EntryKind::EvidenceViewed, "user:b", t0 + Duration::minutes(11 * i));
            assert!(st.check(&rules, None, &e, None).is_empty());
        }
    }

    #[test]
    fn a_failed_archive_check_alerts_and_a_passed_one_does_not() {
        let rules = AlertRules::default();
        let mut st = AlertState::default();
        let t = datetime!(2026-11-25 10:00 +08:00);
        let mut failed = ev(EntryKind::ArchiveCheckFailed, "system:schedule", t);
        failed.subjects = vec!["archive:a1".to_owned(), "case:c1".to_owned()];
        let raised = st.check(&rules, None, &failed, None);
        assert_eq!(raised.len(), 1, "{raised:?}");
        assert_eq!(raised[0].0, "archive_check_failed");
        assert!(raised[0].1.contains("archive:a1"), "{}", raised[0].1);
        let passed = ev(EntryKind::ArchiveChecked, "system:schedule", t);
        assert!(st.check(&rules, None, &passed, None).is_empty());
    }

    #[test]
    fn reads_out_of_hours_and_on_rest_days_alert() {
        let rules = AlertRules::default();
        let mut st = AlertState::default();
        let mut at = |t| st_check(&mut st, &rules, ev(EntryKind::CaseRead, "user:a", t));
        assert!(at(datetime!(2026-11-25 10:00 +08:00)).is_empty());
        assert_eq!(at(datetime!(2026-11-25 07:59 +08:00)), vec!["out_of_hours"]);
        assert_eq!(at(datetime!(2026-11-25 18:00 +08:00)), vec!["out_of_hours"]);
        assert_eq!(at(datetime!(2026-11-28 10:00 +08:00)), vec!["out_of_hours"], "a Saturday");
        // Changes are not accesses.
        let mut st = AlertState::default();
        assert!(
            st_check(
                &mut st,
                &rules,
                ev(EntryKind::CaseCreated, "user:a", datetime!(2026-11-28 3:00 +08:00))
            )
            .is_empty()
        );
    }

    #[test]
    fn rest_days_come_from_the_calendar_and_an_uncovered_year_is_named() {
        let rules = AlertRules::default();
        let policy = liuhen_policy::Policy::national().unwrap();
        let mut st = AlertState::default();
        let mut at = |t| {
            let e = ev(EntryKind::CaseRead, "user:a", t);
            st.check(&rules, Some(policy.calendar()), &e, None)
        };
        // Thursday 1 Oct 2026 is 国庆; Saturday 10 Oct is worked (调休).
        let holiday = at(datetime!(2026-10-01 10:00 +08:00));
        assert_eq!(holiday.len(), 1);
        assert!(!holiday[0].1.contains("仅按周末"), "{}", holiday[0].1);
        assert!(at(datetime!(2026-10-10 10:00 +08:00)).is_empty());
        // 2027 is not in the rulebook: a Saturday still alerts, and says the calendar lacks the year.
        let saturday = at(datetime!(2027-01-09 10:00 +08:00));
        assert_eq!(saturday.len(), 1);
        assert!(saturday[0].1.contains("规则库未载入2027年节假日安排"), "{}", saturday[0].1);
    }

    #[test]
    fn stream_positions_order_entries_before_their_alerts() {
        assert_eq!(StreamPosition::parse("12"), Some(StreamPosition(12, 0)));
        assert_eq!(StreamPosition::parse(" 12.2 "), Some(StreamPosition(12, 2)));
        for bad in ["", "x", "12.", "-1", "1.2.3"] {
            assert_eq!(StreamPosition::parse(bad), None, "{bad:?}");
        }
        assert!(StreamPosition(12, 0) < StreamPosition(12, 1));
        assert!(StreamPosition(12, 9) < StreamPosition(13, 0));
        let mut e = ev(EntryKind::CaseRead, "user:a", datetime!(2026-11-25 10:00 +08:00));
        (e.seq, e.id) = (7, "7.1".to_owned());
        assert_eq!(StreamPosition::of(&e), StreamPosition(7, 1));
    }

    fn place(role: Role, within_unit: bool, assigned: bool, via_grant: bool) -> ReadPlace {
        ReadPlace { role, within_unit, assigned, via_grant, case: "case:x".to_owned() }
    }

    #[test]
    fn reads_outside_the_readers_unit_alert() {
        let rules = AlertRules::default();
        let t = datetime!(2026-11-25 10:00 +08:00); // working hours
        let e = ev(EntryKind::CaseRead, "user:a", t);
        let rules_of = |p: ReadPlace, rules: &AlertRules| -> Vec<String> {
            AlertState::default().check(rules, None, &e, Some(&p)).into_iter().map(|(r, _)| r).collect()
        };
        let alert = vec!["outside_unit".to_owned()];
        // An officer or a leader reading another unit's case, not assigned to it.
        assert_eq!(rules_of(place(Role::Officer, false, false, false), &rules), alert);
        assert_eq!(rules_of(place(Role::Leader, false, false, false), &rules), alert);
        // Through a grant: whoever reads.
        assert_eq!(rules_of(place(Role::Officer, false, false, true), &rules), alert);
        assert_eq!(rules_of(place(Role::Supervisor, false, false, true), &rules), alert);
        // Within the unit, assigned across units, or by an office that spans the agency: no alert.
        assert!(rules_of(place(Role::Officer, true, false, false), &rules).is_empty());
        assert!(rules_of(place(Role::Leader, true, false, true), &rules).is_empty());
        assert!(rules_of(place(Role::Officer, false, true, false), &rules).is_empty());
        for role in [Role::Supervisor, Role::Reviewer, Role::Archivist] {
            assert!(rules_of(place(role, false, false, false), &rules).is_empty(), "{role:?}");
        }
        // Configurable: off, or fewer exemptions.
        let off = AlertRules { outside_unit: false, ..AlertRules::default() };
        assert!(rules_of(place(Role::Officer, false, false, true), &off).is_empty());
        let strict = AlertRules { outside_unit_exempt: vec![], ..AlertRules::default() };
        assert_eq!(rules_of(place(Role::Reviewer, false, false, false), &strict), alert);
        // The message names the case.
        let (_, message) = AlertState::default()
            .check(&rules, None, &e, Some(&place(Role::Officer, false, false, true)))
            .remove(0);
        assert!(message.contains("本单位以外") && message.contains("case:x") && message.contains("调阅授权"));
    }

    fn principal(role: Role, agency: UnitId, unit: UnitId) -> Principal {
        let user = liuhen_domain::User {
            id: UserId::from_bytes([9; 16]),
            agency_id: agency,
            unit_id: unit,
            login: "x".to_owned(),
            display_name: "x".to_owned(),
            role,
            cert_no: None,
            enforcement_category: None,
            legal_qualification: false,
            active: true,
            clearance: None,
        };
        Principal {
            user,
            credential: liuhen_domain::CredentialId::from_bytes([8; 16]),
            kind: liuhen_store::CredentialKind::Session,
            scope: liuhen_domain::TokenScope::Full,
        }
    }

    /// The system's own entries (no agency) naming another agency's
    /// evidence reach no administrator but that agency's; leaders see their
    /// unit and below, not the rest of the agency.
    #[test]
    fn supervision_events_stay_within_the_subscribers_scope() {
        let (a, b) = (UnitId::from_bytes([1; 16]), UnitId::from_bytes([2; 16]));
        let (team1, team2) = (UnitId::from_bytes([3; 16]), UnitId::from_bytes([4; 16]));
        let t = datetime!(2026-11-25 10:00 +08:00);
        let mut scrub = ev(EntryKind::BlobQuarantined, "system:scrub", t);
        scrub.reach = Reach { agencies: vec![b], units: vec![vec![b]], complete: true };
        let admin_a = principal(Role::Admin, a, a);
        let admin_b = principal(Role::Admin, b, b);
        assert!(!Service::visible_to(&admin_a, &scrub), "another agency's evidence");
        assert!(Service::visible_to(&admin_b, &scrub));
        // Naming records of both: neither sees it; not placed: nobody.
        scrub.reach.agencies = vec![a, b];
        assert!(!Service::visible_to(&admin_a, &scrub) && !Service::visible_to(&admin_b, &scrub));
        scrub.reach = Reach { agencies: vec![b], units: vec![], complete: false };
        assert!(!Service::visible_to(&admin_b, &scrub));
        // Naming no agency's record (a failed login of an unknown name): every administrator.
        scrub.reach = Reach { complete: true, ..Reach::default() };
        assert!(Service::visible_to(&admin_a, &scrub) && Service::visible_to(&admin_b, &scrub));

        let mut read = ev(EntryKind::CaseRead, "user:x", t);
        read.agency = Some(a.to_string());
        read.reach = Reach { agencies: vec![a], units: vec![vec![team2, a]], complete: true };
        let leader1 = principal(Role::Leader, a, team1);
        let top = principal(Role::Leader, a, a);
        let supervisor = principal(Role::Supervisor, a, a);
        assert!(!Service::visible_to(&leader1, &read), "another team's read");
        assert!(Service::visible_to(&top, &read) && Service::visible_to(&supervisor, &read));
        read.reach.units.push(vec![team1, a]);
        assert!(Service::visible_to(&leader1, &read), "a read touching the leader's team");
        // An entry of the agency naming another agency's record: nobody of the agency.
        read.reach.agencies.push(b);
        assert!(!Service::visible_to(&supervisor, &read) && !Service::visible_to(&top, &read));
        // Unplaced, it is left to the agency's supervisors.
        read.reach = Reach::default();
        assert!(Service::visible_to(&supervisor, &read) && !Service::visible_to(&top, &read));
        assert!(!Service::visible_to(&principal(Role::Officer, a, team1), &read));
    }

    fn st_check(st: &mut AlertState, rules: &AlertRules, e: SupervisionEvent) -> Vec<String> {
        st.check(rules, None, &e, None).into_iter().map(|(r, _)| r).collect()
    }
}

//! The demo agency: 临江市市场监督管理局 (a fictional city) with three units,
//! a user for every role, and nine cases that together show what liuhen
//! does ([`story`] tells them). Everything is made through the service's
//! own use cases, as its people would: cases opened, acts recorded,
//! body-camera files uploaded by the docking station (or the officers) with
//! their device clocks' offsets so that coverage is computed, 中止说明,
//! documents drafted and issued with their 文号 and PDFs, 法制审核, 调阅.
//!
//! The story happened over past days: seeding runs it on a clock that steps
//! from the story's first day to now ([`StoryClock`]), so every ledger entry
//! is dated when its step happened, in order, and none after now; the people
//! sign in on the days they work and sign out after their last step.
//!
//! Seeding is idempotent and resumable: every step looks in the store for
//! what it would make first (reading the store, not the service, so looking
//! writes nothing), so running it again adds nothing, and running it after
//! an interruption finishes the story. The clock never goes back past the
//! ledger's last entry: on a store with a history of its own, the missing
//! steps are dated now.

mod media;
mod story;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use liuhen_domain::{
    CaseId, Document, DocumentStatus, Evidence, NewAct, NewCase, NewDevice, NewInterruption, NewStation,
    NewUnit, NewUser, OrgUnit, Place, Role, Uscc, User, UserId,
};
use liuhen_store::{CaseFilter, CaseScope};
use serde::Serialize;
use serde_json::Value;
use time::{Date, Duration, OffsetDateTime};

use crate::admin::AdminActor;
use crate::documents::{NewDocument, RegisterDocument, Serving};
use crate::error::{Result, ServiceError};
use crate::evidence::ChunkOutcome;
use crate::{Clock, Principal, Service, TransitionRequest};
use story::{CASES, Do, Step};

/// One demo login, as written to `DATA/demo-logins.json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DemoLogin {
    pub login: String,
    pub password: String,
    /// Role code (`officer`, `leader`, …).
    pub role: String,
    /// Name of the user's unit.
    pub unit: String,
}

/// 统一社会信用代码 body of the demo agency (机关: 1; 行政区划 330100 is a
/// placeholder); the check character is computed.
const AGENCY_USCC_BODY: &str = "11330100MB0A12345";

struct DemoUser {
    login: &'static str,
    name: &'static str,
    role: Role,
    unit: usize,
    cert: Option<&'static str>,
    legal: bool,
}

/// Unit index 0 is the agency itself.
const UNITS: [&str; 3] = ["执法稽查一队", "执法稽查二队", "法制科"];

const USERS: &[DemoUser] = &[
    DemoUser {
        login: "officer1",
        name: "张伟",
        role: Role::Officer,
        unit: 1,
        cert: Some("33010026001"),
        legal: false,
    },
    DemoUser {
        login: "officer2",
        name: "王芳",
        role: Role::Officer,
        unit: 1,
        cert: Some("33010026002"),
        legal: false,
    },
    DemoUser {
        login: "officer3",
        name: "李强",
        role: Role::Officer,
        unit: 2,
        cert: Some("33010026003"),
        legal: false,
    },
    DemoUser {
        login: "officer4",
        name: "刘洋",
        role: Role::Officer,
        unit: 2,
        cert: Some("33010026004"),
        legal: false,
    },
    DemoUser {
        login: "leader1",
        name: "陈静",
        role: Role::Leader,
        unit: 0,
        cert: Some("33010026000"),
        legal: false,
    },
    DemoUser { login: "reviewer1", name: "赵敏", role: Role::Reviewer, unit: 3, cert: None, legal: true },
    DemoUser {
        login: "archivist1", name: "孙丽", role: Role::Archivist, unit: 0, cert: None, legal: false
    },
    DemoUser {
        login: "supervisor1",
        name: "周军",
        role: Role::Supervisor,
        unit: 0,
        cert: None,
        legal: false,
    },
    DemoUser {
        login: "station1",
        name: "一队执法记录仪采集站",
        role: Role::Station,
        unit: 1,
        cert: None,
        legal: false,
    },
    DemoUser {
        login: "admin", name: "系统管理员", role: Role::Admin, unit: 0, cert: None, legal: false
    },
];

/// The demo password of a login: printed and written to `demo-logins.json`.
pub fn demo_password(login: &str) -> String {
    format!("liuhen-demo-{login}")
}

async fn ensure_agency(service: &Service) -> Result<OrgUnit> {
    let uscc = format!("{AGENCY_USCC_BODY}{}", Uscc::check_character(AGENCY_USCC_BODY).unwrap_or('0'));
    let mut tx = service.store().read().await?;
    let found = tx.find_agency_by_uscc(&uscc).await?;
    tx.finish().await?;
    if let Some(a) = found {
        return Ok(a);
    }
    let input = NewUnit {
        name: story::AGENCY_NAME.into(),
        parent_id: None,
        short_name: Some("临市监".into()),
        uscc: Some(uscc),
        code: None,
    };
    service.create_unit(AdminActor::CommandLine, &input).await
}

async fn ensure_unit(service: &Service, agency: &OrgUnit, name: &str) -> Result<OrgUnit> {
    let mut tx = service.store().read().await?;
    let found = tx.list_units(agency.id).await?.into_iter().find(|u| u.name == name);
    tx.finish().await?;
    if let Some(u) = found {
        return Ok(u);
    }
    let input =
        NewUnit { name: name.into(), parent_id: Some(agency.id), short_name: None, uscc: None, code: None };
    service.create_unit(AdminActor::CommandLine, &input).await
}

/// A clock that stands at the story's current step: moved forward by the
/// seeding, never back, never past `end` (the real now when seeding began).
struct StoryClock {
    end: OffsetDateTime,
    at: Mutex<OffsetDateTime>,
}

impl StoryClock {
    fn new(end: OffsetDateTime, start: OffsetDateTime) -> Self {
        StoryClock { end, at: Mutex::new(start.min(end)) }
    }

    fn go_to(&self, t: OffsetDateTime) {
        let mut at = self.at.lock().unwrap_or_else(|p| p.into_inner());
        let t = t.min(self.end);
        if t > *at {
            *at = t;
        }
    }
}

impl Clock for StoryClock {
    fn now(&self) -> OffsetDateTime {
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// When the ledger's last entry was written, if it has one.
async fn last_entry_time(service: &Service) -> Result<Option<OffsetDateTime>> {
    let mut tx = service.store().read().await?;
    let n = tx.entry_count().await?;
    let last = match n.checked_sub(1) {
        Some(i) => tx.read_entries(i, 1).await?.into_iter().next().map(|e| e.created_at),
        None => None,
    };
    tx.finish().await?;
    Ok(last)
}

/// Creates whatever part of the demo is missing and returns the demo logins.
pub async fn seed(service: &Service) -> Result<Vec<DemoLogin>> {
    seed_steps(service, usize::MAX).await
}

/// [`seed`], stopping after `max_steps` steps taken (an interruption, for tests).
async fn seed_steps(service: &Service, max_steps: usize) -> Result<Vec<DemoLogin>> {
    let end = service.now();
    let policy = service.policy()?;
    let days = story::Days::new(liuhen_domain::when::in_beijing(end).date(), &policy);
    let floor = last_entry_time(service).await?.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let clock = Arc::new(StoryClock::new(end, floor));
    let teller = service.with_clock(clock.clone());
    clock.go_to(story::at(story::first_day(&days), 9, 0));

    let agency = ensure_agency(&teller).await?;
    let mut units = vec![agency.clone()];
    for name in UNITS {
        units.push(ensure_unit(&teller, &agency, name).await?);
    }
    let mut logins = Vec::new();
    let mut users = HashMap::new();
    for u in USERS {
        let unit = units.get(u.unit).ok_or(ServiceError::Internal("demo unit index".into()))?;
        users.insert(u.login, ensure_user(&teller, u, unit).await?);
        logins.push(DemoLogin {
            login: u.login.into(),
            password: demo_password(u.login),
            role: u.role.code().into(),
            unit: unit.name.clone(),
        });
    }
    ensure_devices(&teller, &agency, &users, &days).await?;
    let mut run = Run {
        service: teller,
        clock,
        agency: agency.id,
        units,
        users,
        cases: [None; CASES.len()],
        sessions: BTreeMap::new(),
        day: None,
        last: floor,
        granted: false,
    };
    let mut taken = 0;
    for step in story::plan(&days) {
        if taken == max_steps {
            return Ok(logins);
        }
        if run.step(&step).await? {
            taken += 1;
        }
    }
    run.sign_out().await?;
    Ok(logins)
}

/// The device register as the story needs it, on its first day: every
/// camera the story's clips come from, registered in its officer's unit and
/// issued to them, and the docking station bound to its account — so the
/// uploads agree with the register and the cases show no device findings.
async fn ensure_devices(
    service: &Service,
    agency: &OrgUnit,
    users: &HashMap<&'static str, User>,
    days: &story::Days<'_>,
) -> Result<()> {
    let mut tx = service.store().read().await?;
    let devices = tx.list_devices(agency.id).await?;
    let stations = tx.list_stations(agency.id).await?;
    tx.finish().await?;
    let mut seen: Vec<&str> = Vec::new();
    for step in story::plan(days) {
        let Do::Clip(c) = &step.what else { continue };
        if seen.contains(&c.device) {
            continue;
        }
        seen.push(c.device);
        if devices.iter().any(|d| d.serial == c.device) {
            continue;
        }
        let officer = users.get(c.officer).ok_or_else(|| internal("a clip's officer"))?;
        // 询问室 recorders (XWS-…) are fixed equipment; the rest are body cameras.
        let model = if c.device.starts_with("XWS") {
            "询问室同步录音录像系统"
        } else {
            "DSJ-V8 执法记录仪"
        };
        let input = NewDevice { serial: c.device.into(), model: model.into(), unit_id: officer.unit_id };
        service.register_device(AdminActor::CommandLine, agency.id, &input).await?;
        service.issue_device(AdminActor::CommandLine, agency.id, c.device, officer.id).await?;
    }
    if !stations.iter().any(|s| s.station_id == story::STATION_ID) {
        let station = users.get(story::STATION).ok_or_else(|| internal("the station account"))?;
        let input = NewStation {
            station_id: story::STATION_ID.into(),
            name: station.display_name.clone(),
            unit_id: station.unit_id,
            user_id: Some(station.id),
        };
        service.register_station(AdminActor::CommandLine, agency.id, &input).await?;
    }
    Ok(())
}

async fn ensure_user(service: &Service, u: &DemoUser, unit: &OrgUnit) -> Result<User> {
    if let Ok(found) = service.user_by_login(u.login).await {
        return Ok(found);
    }
    let input = NewUser {
        login: u.login.into(),
        display_name: u.name.into(),
        role: u.role,
        unit_id: unit.id,
        cert_no: u.cert.map(Into::into),
        enforcement_category: u.cert.map(|_| "市场监管综合执法".into()),
        legal_qualification: u.legal,
        clearance: None,
    };
    service.create_user(AdminActor::CommandLine, &input, Some(&demo_password(u.login))).await
}

/// The story being told: the service on the story's clock, who is signed
/// in, and what the earlier steps made.
struct Run {
    service: Service,
    clock: Arc<StoryClock>,
    agency: liuhen_domain::UnitId,
    units: Vec<OrgUnit>,
    users: HashMap<&'static str, User>,
    cases: [Option<CaseId>; CASES.len()],
    /// Sessions open today, by login.
    sessions: BTreeMap<&'static str, Principal>,
    day: Option<Date>,
    /// The time of the last step taken.
    last: OffsetDateTime,
    /// A 调阅 was granted in this run (so its read is to be made).
    granted: bool,
}

fn internal(what: &str) -> ServiceError {
    ServiceError::Internal(format!("demo: {what}"))
}

fn story_case(i: usize) -> Result<&'static story::DemoCase> {
    CASES.get(i).ok_or_else(|| internal("case index"))
}

impl Run {
    fn user(&self, login: &str) -> Result<&User> {
        self.users.get(login).ok_or_else(|| internal(&format!("no user {login}")))
    }

    fn agency_scope(&self) -> CaseScope {
        CaseScope::Agency(self.agency)
    }

    /// The id of a case of the story, once opened: its 案由 and party (a
    /// case someone else opened with the same 案由 is not the demo's).
    async fn case_id(&mut self, i: usize) -> Result<Option<CaseId>> {
        if let Some(Some(id)) = self.cases.get(i) {
            return Ok(Some(*id));
        }
        let c = story_case(i)?;
        let party = match (c.party)() {
            liuhen_domain::Party::NaturalPerson { name, .. }
            | liuhen_domain::Party::Organisation { name, .. } => name,
        };
        let filter = CaseFilter { query: Some(party.clone()), limit: 200, ..Default::default() };
        let mut tx = self.service.store().read().await?;
        let (found, _) = tx.list_cases(&self.agency_scope(), &filter).await?;
        tx.finish().await?;
        let id = found
            .into_iter()
            .filter(|s| s.cause == c.cause && s.party_names.first() == Some(&party))
            .min_by_key(|s| s.created_at)
            .map(|s| s.id);
        if let (Some(slot), Some(id)) = (self.cases.get_mut(i), id) {
            *slot = Some(id);
        }
        Ok(id)
    }

    async fn need_case(&mut self, i: usize) -> Result<CaseId> {
        self.case_id(i).await?.ok_or_else(|| internal("a step before its case was opened"))
    }

    async fn documents(&self, case: CaseId) -> Result<Vec<Document>> {
        let mut tx = self.service.store().read().await?;
        let docs = tx.list_case_documents(case).await?;
        tx.finish().await?;
        Ok(docs)
    }

    async fn document(&self, case: CaseId, format: &str, issued: bool) -> Result<Document> {
        self.documents(case)
            .await?
            .into_iter()
            .find(|d| d.format == format && (d.status != DocumentStatus::Draft) == issued)
            .ok_or_else(|| internal(&format!("no {format} document")))
    }

    async fn act_id(&self, case: CaseId, kind: liuhen_domain::ActKind) -> Result<liuhen_domain::ActId> {
        let mut tx = self.service.store().read().await?;
        let acts = tx.list_acts(case).await?;
        tx.finish().await?;
        acts.into_iter().find(|a| a.kind == kind).map(|a| a.id).ok_or_else(|| internal("no such act"))
    }

    async fn request_of(
        &self,
        case: CaseId,
        requester: &str,
    ) -> Result<Option<liuhen_domain::AccessRequest>> {
        let who = self.user(requester)?.id;
        let mut tx = self.service.store().read().await?;
        let all = tx.list_access_requests(self.agency, Some(who), 200).await?;
        tx.finish().await?;
        Ok(all.into_iter().find(|r| r.case_id == case))
    }

    /// Whether the store already holds what `step` makes.
    async fn done(&mut self, step: &Step) -> Result<bool> {
        let Some(case) = self.case_id(step.case).await? else { return Ok(false) };
        let mut tx = self.service.store().read().await?;
        let done = match &step.what {
            Do::Open => true,
            Do::Move { to, .. } => {
                tx.get_case_in_scope(case, &self.agency_scope()).await?.is_some_and(|c| c.stage >= *to)
            }
            Do::Act(a) => tx.list_acts(case).await?.iter().filter(|x| x.kind == a.kind).count() >= step.nth,
            Do::Clip(c) => {
                let station = self.user(story::STATION)?.id;
                self.service
                    .store()
                    .list_case_evidence(case, &self.agency_scope(), station)
                    .await?
                    .iter()
                    .filter(|e| e.device_serial.as_deref() == Some(c.device))
                    .count()
                    >= step.nth
            }
            Do::Explain(_) => tx.list_interruptions(case).await?.len() >= step.nth,
            Do::Draft { format, .. } => {
                tx.list_case_documents(case).await?.iter().any(|d| d.format == *format)
            }
            Do::Issue { format } => tx
                .list_case_documents(case)
                .await?
                .iter()
                .any(|d| d.format == *format && d.status != DocumentStatus::Draft),
            Do::Register { name, .. } => {
                tx.list_case_documents(case).await?.iter().any(|d| d.format_name == *name)
            }
            Do::Serve { format, .. } => tx
                .list_case_documents(case)
                .await?
                .iter()
                .any(|d| d.format == *format && d.served_at.is_some()),
            Do::Propose { version, .. } => tx.decision(case).await?.is_some_and(|d| d.version >= *version),
            Do::Submit { version } => tx.reviews(case).await?.iter().any(|r| r.decision_version >= *version),
            Do::Opinion { version, .. } => {
                tx.reviews(case).await?.iter().any(|r| r.decision_version == *version && r.opinion.is_some())
            }
            Do::Decide => tx.decision(case).await?.is_some_and(|d| d.issued_at.is_some()),
            Do::Extend { .. } => tx.limit_extension(case).await?.is_some(),
            Do::Request { .. } => {
                tx.finish().await?;
                return Ok(self.request_of(case, step.by).await?.is_some());
            }
            Do::Approve { requester } => {
                tx.finish().await?;
                let me = self.user(step.by)?.id;
                return Ok(self.request_of(case, requester).await?.is_some_and(|r| {
                    r.approvals.contains(&me) || r.granted_until.is_some() || r.rejected_by.is_some()
                }));
            }
            Do::ReadThroughGrant => !self.granted,
            Do::Disclose { format, step: what } => {
                let doc = tx.list_case_documents(case).await?.into_iter().find(|d| d.format == *format);
                let state = match doc {
                    Some(doc) => tx
                        .disclosures(self.agency, Some(case))
                        .await?
                        .into_iter()
                        .find(|d| d.document_id == doc.id)
                        .map(|d| d.state),
                    None => None,
                };
                use liuhen_domain::DisclosureState::*;
                match (what, state) {
                    (_, None) => false,
                    (story::DiscloseStep::Redact(_), Some(s)) => s != Due,
                    (story::DiscloseStep::Confirm, Some(s)) => matches!(s, Confirmed | Published | Withdrawn),
                    (story::DiscloseStep::Publish, Some(s)) => matches!(s, Published | Withdrawn),
                }
            }
            Do::Prior { title, publish, .. } => {
                let items = tx.prior_items(self.agency).await?;
                items.iter().any(|i| i.title == *title && (!*publish || i.published_version.is_some()))
            }
        };
        tx.finish().await?;
        Ok(done)
    }

    /// Takes a step the store does not hold yet, on its day, as its person;
    /// whether it was taken.
    async fn step(&mut self, step: &Step) -> Result<bool> {
        if self.done(step).await? {
            return Ok(false);
        }
        let day = liuhen_domain::when::in_beijing(step.at).date();
        if self.day != Some(day) {
            self.sign_out().await?;
            self.day = Some(day);
        }
        let me = self.session(step.by, step.at).await?;
        self.clock.go_to(step.at);
        self.last = self.last.max(step.at);
        self.take(step, &me).await.map(|()| true).map_err(|e| match e {
            ServiceError::Internal(m) => {
                internal(&format!("{:?} on 「{}」: {m}", step.what, cause(step.case)))
            }
            other => ServiceError::Internal(format!(
                "demo: {:?} on 「{}」 by {} was refused: {other}",
                step.what,
                cause(step.case),
                step.by
            )),
        })
    }

    /// `login`'s session of the day, opened a few minutes before `at` if none is.
    async fn session(&mut self, login: &'static str, at: OffsetDateTime) -> Result<Principal> {
        if let Some(p) = self.sessions.get(login) {
            return Ok(p.clone());
        }
        self.clock.go_to(at - Duration::minutes(3));
        let user = self.user(login)?.clone();
        let p = self.service.open_session(&user).await?;
        self.sessions.insert(login, p.clone());
        Ok(p)
    }

    /// Everyone signed in signs out, a little after the last step.
    async fn sign_out(&mut self) -> Result<()> {
        if self.sessions.is_empty() {
            return Ok(());
        }
        self.clock.go_to(self.last + Duration::minutes(12));
        for (_, p) in std::mem::take(&mut self.sessions) {
            self.service.logout(&p).await?;
        }
        Ok(())
    }

    async fn upload(
        &self,
        me: &Principal,
        bytes: Vec<u8>,
        pairs: HashMap<String, String>,
    ) -> Result<Evidence> {
        let up = self.service.create_upload(me, bytes.len() as u64, pairs).await?;
        let mut body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(bytes))]);
        match self.service.upload_chunk(me, &up.id, 0, &mut body, None).await? {
            ChunkOutcome::Complete { evidence, .. } => Ok(*evidence),
            ChunkOutcome::Progress { .. } => Err(internal("an upload did not complete")),
        }
    }

    async fn take(&mut self, step: &Step, me: &Principal) -> Result<()> {
        let c = story_case(step.case)?;
        if let Do::Open = step.what {
            let unit = self.units.get(c.team.unit).ok_or_else(|| internal("team unit"))?;
            let input = NewCase {
                cause: c.cause.into(),
                kind: c.kind,
                procedure: None,
                unit_id: Some(unit.id),
                label: Some(c.label),
                summary: Some(c.summary.into()),
                parties: vec![(c.party)()],
                officers: vec![self.user(c.team.lead)?.id, self.user(c.team.partner)?.id],
            };
            let case = self.service.create_case(me, &input).await?;
            if let Some(slot) = self.cases.get_mut(step.case) {
                *slot = Some(case.id);
            }
            return Ok(());
        }
        let case = self.need_case(step.case).await?;
        let s = &self.service;
        match &step.what {
            Do::Open => {}
            Do::Move { to, reason, override_reason } => {
                let req = TransitionRequest {
                    to: *to,
                    reason: Some((*reason).into()),
                    override_reason: override_reason.map(Into::into),
                };
                s.transition(me, case, &req).await?;
            }
            Do::Act(a) => {
                let officers: Vec<UserId> = vec![self.user(c.team.lead)?.id, self.user(c.team.partner)?.id];
                let input = NewAct {
                    kind: a.kind,
                    starts_at: a.start,
                    ends_at: a.start + Duration::minutes(a.minutes),
                    place: Place {
                        address: a.address.unwrap_or(c.premises).into(),
                        latitude: Some(c.latitude),
                        longitude: Some(c.longitude),
                    },
                    venue: a.venue,
                    venue_name: a.venue_name.map(Into::into),
                    officers,
                    parties: vec![0],
                    notes: a.notes.map(Into::into),
                    // The officers attest every 记录要素 the rulebook asks of the act.
                    elements: s
                        .policy()?
                        .rule(a.kind, a.venue)
                        .elements
                        .into_iter()
                        .map(|e| e.value)
                        .filter(|e| !crate::compliance::shown_by_fields(e))
                        .collect(),
                };
                s.add_act(me, case, &input).await?;
            }
            Do::Clip(clip) => {
                let cert = self
                    .user(clip.officer)?
                    .cert_no
                    .clone()
                    .ok_or_else(|| internal("officer without 执法证"))?;
                let name = clip.file_name();
                let start = clip
                    .device_start
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| internal(&e.to_string()))?;
                let mut pairs = HashMap::from([
                    ("filename".to_owned(), name.clone()),
                    ("filetype".to_owned(), clip.media.media_type().to_owned()),
                    ("device_serial".to_owned(), clip.device.to_owned()),
                    ("officer".to_owned(), cert.clone()),
                    ("recorded_start".to_owned(), start),
                    ("clock_offset_ms".to_owned(), clip.offset_ms.to_string()),
                    ("case_id".to_owned(), case.to_string()),
                ]);
                if clip.station {
                    pairs.insert("station_id".to_owned(), story::STATION_ID.to_owned());
                }
                let bytes = clip.media.file(&format!("{name} {cert}"));
                self.upload(me, bytes, pairs).await?;
            }
            Do::Explain(e) => {
                let act = self.act_id(case, e.act).await?;
                let input =
                    NewInterruption { reason: e.reason.into(), from: e.from, to: e.to, text: e.text.into() };
                s.explain_interruption(me, case, act, &input).await?;
            }
            Do::Draft { format, fields } => {
                let numbers: Vec<(String, String)> = self
                    .documents(case)
                    .await?
                    .into_iter()
                    .filter_map(|d| Some((d.format, d.number?)))
                    .collect();
                let input = NewDocument {
                    format: (*format).into(),
                    fields: Some(with_numbers(fields, &numbers)),
                    corrects: None,
                    label: None,
                };
                s.draft_document(me, case, &input).await?;
            }
            Do::Issue { format } => {
                let draft = self.document(case, format, false).await?;
                s.issue_document(me, draft.id).await?;
            }
            Do::Register { name, file_name, signed_on, lines } => {
                let pairs = HashMap::from([
                    ("filename".to_owned(), (*file_name).to_owned()),
                    ("filetype".to_owned(), "application/pdf".to_owned()),
                    ("case_id".to_owned(), case.to_string()),
                ]);
                let scan = self.upload(me, media::scan_pdf(lines), pairs).await?;
                let input = RegisterDocument {
                    name: (*name).into(),
                    evidence_id: scan.id,
                    number: None,
                    signed_on: signed_on.to_string(),
                    note: Some("纸质文书经当事人签字确认，扫描件入卷。".into()),
                    label: None,
                };
                s.register_document(me, case, &input).await?;
            }
            Do::Serve { format, act, receipt } => {
                let doc = self.document(case, format, true).await?;
                let how = Serving {
                    act_id: Some(self.act_id(case, *act).await?),
                    receipt_id: Some(self.document(case, receipt, true).await?.id),
                };
                s.serve_document(me, doc.id, &how).await?;
            }
            Do::Propose { decision, .. } => {
                s.propose_decision(me, case, decision).await?;
            }
            Do::Submit { .. } => {
                s.submit_for_review(me, case).await?;
            }
            Do::Opinion { opinion, .. } => {
                s.give_review_opinion(me, case, opinion).await?;
            }
            Do::Decide => {
                s.issue_decision(me, case).await?;
            }
            Do::Extend { days, reason } => {
                let input = liuhen_domain::NewLimitExtension { days: *days, reason: (*reason).into() };
                s.extend_limit(me, case, &input).await?;
            }
            Do::Request { purpose, days } => {
                let input = liuhen_domain::NewAccessRequest {
                    case_id: case,
                    purpose: (*purpose).into(),
                    days: *days,
                    external: None,
                };
                s.request_access(me, &input).await?;
            }
            Do::Approve { requester } => {
                let r = self.request_of(case, requester).await?.ok_or_else(|| internal("no 调阅 request"))?;
                let after = s.approve_access(me, r.id).await?;
                self.granted |= after.granted_until.is_some();
            }
            Do::ReadThroughGrant => {
                s.case_overview(me, case).await?;
            }
            Do::Disclose { format, step } => {
                let doc = self.document(case, format, true).await?;
                let d = s
                    .disclosures(me, Some(case))
                    .await?
                    .into_iter()
                    .find(|d| d.disclosure.document_id == doc.id)
                    .ok_or_else(|| internal("no disclosure of the issued decision"))?;
                let id = d.disclosure.id;
                match step {
                    story::DiscloseStep::Redact(secrets) => {
                        let input = liuhen_domain::NewRedaction {
                            persons: Vec::new(),
                            secrets: secrets.iter().map(|x| (*x).to_owned()).collect(),
                        };
                        s.redact_disclosure(me, id, &input).await?;
                    }
                    story::DiscloseStep::Confirm => {
                        s.confirm_disclosure(me, id).await?;
                    }
                    story::DiscloseStep::Publish => {
                        s.publish_disclosure(me, id).await?;
                    }
                }
            }
            Do::Prior { kind, title, body, publish } => {
                let existing = s.prior_items(me).await?.into_iter().find(|i| i.title == *title);
                let item = match existing {
                    Some(i) => i,
                    None => {
                        let draft = liuhen_domain::PriorItemDraft {
                            kind: *kind,
                            title: (*title).into(),
                            body: (*body).into(),
                        };
                        s.put_prior_item(me, None, &draft).await?
                    }
                };
                if *publish && item.pending() {
                    s.publish_prior_item(me, item.id).await?;
                }
            }
        }
        Ok(())
    }
}

fn cause(i: usize) -> &'static str {
    CASES.get(i).map_or("?", |c| c.cause)
}

/// `fields` with every `{number:CODE}` in a text replaced by the 文号 of the
/// case's issued document of format CODE.
fn with_numbers(fields: &Value, numbers: &[(String, String)]) -> Value {
    match fields {
        Value::String(s) => {
            let mut out = s.clone();
            for (format, number) in numbers {
                out = out.replace(&format!("{{number:{format}}}"), number);
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| with_numbers(v, numbers)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), with_numbers(v, numbers))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    async fn service(dir: &std::path::Path) -> Service {
        let store = liuhen_store::Store::open_dir(dir).await.unwrap();
        let clock = Arc::new(crate::ManualClock::new(time::macros::datetime!(2026-11-27 02:00 UTC)));
        let key = liuhen_tlog::SignerKey::ed25519_from_seed("test.liuhen/ledger", &[7; 32]).unwrap();
        let signer = crate::ledger::LedgerSigner::new("test.liuhen/ledger", vec![key]).unwrap();
        let area = liuhen_store::uploads::UploadArea::new(
            liuhen_store::blobs::LocalBlobs::open(&dir.join("blobs")).unwrap(),
        );
        Service::new(store, clock, crate::ServiceConfig::default(), signer)
            .with_evidence(area, crate::evidence::UploadLimits::default())
    }

    /// What the demo made, by kind of entry (sessions aside: an interrupted
    /// run leaves its day's sessions open, and the next opens its own).
    async fn made(s: &Service) -> BTreeMap<String, usize> {
        let mut tx = s.store().read().await.unwrap();
        let n = tx.entry_count().await.unwrap();
        let entries = tx.read_entries(0, u32::try_from(n).unwrap()).await.unwrap();
        tx.finish().await.unwrap();
        let mut kinds = BTreeMap::new();
        let mut last = i64::MIN;
        for e in entries {
            let e = liuhen_domain::LedgerEntry::decode(&e.body).unwrap();
            assert!(e.time >= last, "{} goes back in time", e.kind);
            last = e.time;
            if !e.kind.starts_with("credential.") {
                *kinds.entry(e.kind).or_insert(0) += 1;
            }
        }
        kinds
    }

    /// Seeding interrupted part way through, then run again, makes what one
    /// run makes, its entries still in time order; a third run adds nothing.
    #[tokio::test]
    async fn an_interrupted_seed_is_finished_by_the_next() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (whole, resumed) = (service(a.path()).await, service(b.path()).await);
        seed(&whole).await.unwrap();
        seed_steps(&resumed, 70).await.unwrap();
        let part = made(&resumed).await;
        assert!(part.get("case.created").is_some_and(|n| *n < CASES.len()), "{part:?}");
        seed(&resumed).await.unwrap();
        assert_eq!(made(&resumed).await, made(&whole).await);
        let mut tx = resumed.store().read().await.unwrap();
        let n = tx.entry_count().await.unwrap();
        tx.finish().await.unwrap();
        seed(&resumed).await.unwrap();
        let mut tx = resumed.store().read().await.unwrap();
        assert_eq!(tx.entry_count().await.unwrap(), n);
        tx.finish().await.unwrap();
    }
}

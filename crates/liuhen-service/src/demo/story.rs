//! The demo's story: nine cases of 临江市市场监督管理局 told day by day over
//! the last hundred-odd days, every step a use case of the service as its
//! people would call it. The story is anchored on today (the service
//! clock's date in 北京时间): each case opens a number of working days ago,
//! its acts follow its 立案 in the stage they belong to, and its stage moves
//! are days apart. Two cases sit on their handling limits (办案期限), placed
//! from the rulebook's limits (days, counting, calendar): 行政强制 counts
//! from the seizure (30 days nationally, here extended by 15 before it ran
//! out), so the seizure is dated to leave six days or fewer of the extended
//! limit (yellow: compliance warns from ten); 行政处罚 counts from
//! 立案 (90 days), so the trademark case opened so long ago that its limit
//! ran out five or more days back, and it is still being investigated (red).
//! A step is known done by what the store holds (a stage reached, a document
//! of its format, the n-th act of its kind), never by its date, so seeding
//! again on a later day adds nothing.
//!
//! | case | procedure, label | where it stands |
//! |---|---|---|
//! | 销售超过保质期的食品 | 行政处罚, 公开 | 归档: fine ¥20,000, served, paid, closed |
//! | 虚假宣传保健食品功效 | 行政处罚, 商业秘密 | 送达执行: major fine; 法制审核 returned v1 (¥150,000), passed v2 (¥120,000) |
//! | 计量器具未按规定检定 | 行政检查, 个人隐私 | 调查取证: inspected, 笔录 issued |
//! | 经营者未明码标价 | 行政处罚, 个人隐私 | 启动: opened yesterday, 立案审批表 waits for the leader |
//! | 销售标签不符合规定的预包装食品 | 行政处罚, 公开 | 归档: 不予行政处罚 |
//! | 生产销售不合格电动自行车头盔 | 行政强制, 内部 | 审核决定: 查封扣押 on two cameras, one gap explained, one not (the one override); limit extended by 15 days, near again |
//! | 无照经营餐饮服务 | 行政处罚, 个人隐私 | 审核决定: ¥20,000 fine (major for a person) waiting for 法制审核 |
//! | 销售侵犯注册商标专用权的商品 | 行政处罚, 内部 | 调查取证: waiting for the 商标 expert opinion; limit past |
//! | 特种设备未经定期检验继续使用 | 行政检查, 内部 | 调查取证: inspected yesterday |
//!
//! Besides: the reviewer (法制科) reads the overdue trademark case, still in
//! 调查取证 and so outside a reviewer's scope, through a 调阅 granted by the
//! leader and the supervisor (a live grant, and an alert for reading outside
//! one's unit); officer2's 调阅 of the 无照经营 case waits for approval.

use liuhen_domain::{
    ActKind, CaseKind, ChecklistAnswer, ChecklistItem, Confidentiality, Party, PersonIdKind, Procedure,
    ProposedDecision, ResidentId, ReviewOpinion, ReviewOutcome, Stage, Uscc, Venue,
};
use liuhen_policy::{DayCount, Policy};
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime, Time};

use super::media::{Fixture, Media};

pub(super) const LEADER: &str = "leader1";
pub(super) const REVIEWER: &str = "reviewer1";
pub(super) const SUPERVISOR: &str = "supervisor1";
pub(super) const STATION: &str = "station1";
/// The docking station's own id, as it names itself in each upload.
pub(super) const STATION_ID: &str = "LJSJ-YD-ST01";

pub(super) const AGENCY_NAME: &str = "临江市市场监督管理局";
const AGENCY_ADDRESS: &str = "临江市江滨区人民路100号";
const REVIEW_AGENCY: &str = "临江市人民政府";
const COURT: &str = "临江市江滨区人民法院";
const LEADER_NAME: &str = "陈静";

/// An enforcement team: its unit (index into the demo's units), the
/// officer who leads its cases and the one who goes with them.
pub(super) struct Team {
    pub unit: usize,
    pub lead: &'static str,
    pub lead_name: &'static str,
    pub partner: &'static str,
    pub partner_name: &'static str,
}

pub(super) const TEAM1: Team =
    Team { unit: 1, lead: "officer1", lead_name: "张伟", partner: "officer2", partner_name: "王芳" };
pub(super) const TEAM2: Team =
    Team { unit: 2, lead: "officer3", lead_name: "李强", partner: "officer4", partner_name: "刘洋" };

/// One case of the story.
pub(super) struct DemoCase {
    pub cause: &'static str,
    pub kind: CaseKind,
    pub team: &'static Team,
    pub label: Confidentiality,
    pub party: fn() -> Party,
    pub summary: &'static str,
    /// The party's premises, where the on-site acts happen.
    pub premises: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

fn person(name: &str, first17: &str, phone: &str, address: &str) -> Party {
    let check = ResidentId::check_character(first17).unwrap_or('0');
    Party::NaturalPerson {
        name: name.into(),
        id_kind: PersonIdKind::ResidentIdCard,
        id_number: format!("{first17}{check}"),
        phone: Some(phone.into()),
        address: Some(address.into()),
    }
}

fn company(name: &str, body17: &str, rep: &str, address: &str) -> Party {
    let check = Uscc::check_character(body17).unwrap_or('0');
    Party::Organisation {
        name: name.into(),
        uscc: format!("{body17}{check}"),
        legal_representative: Some(rep.into()),
        address: Some(address.into()),
    }
}

/// Indexes into [`CASES`].
pub(super) const FOOD: usize = 0;
pub(super) const ADS: usize = 1;
pub(super) const SCALES: usize = 2;
pub(super) const PRICES: usize = 3;
pub(super) const LABELS: usize = 4;
pub(super) const HELMETS: usize = 5;
pub(super) const KITCHEN: usize = 6;
pub(super) const TRADEMARK: usize = 7;
pub(super) const LIFTS: usize = 8;

pub(super) const CASES: [DemoCase; 9] = [
    DemoCase {
        cause: "销售超过保质期的食品",
        kind: CaseKind::Penalty,
        team: &TEAM1,
        label: Confidentiality::Public,
        party: || company("临江市鲜丰超市有限公司", "91330100MA2H4K7X1", "钱立新", "临江市江滨区滨江路88号"),
        summary: "群众举报该超市销售过期酸奶，现场检查发现货架上有超过保质期的乳制品12盒。",
        premises: "临江市江滨区滨江路88号（鲜丰超市营业场所及仓库）",
        latitude: 30.2101,
        longitude: 120.1903,
    },
    DemoCase {
        cause: "虚假宣传保健食品功效",
        kind: CaseKind::Penalty,
        team: &TEAM1,
        label: Confidentiality::TradeSecret,
        party: || {
            company("临江市康健堂贸易有限公司", "91330100MA2J8N3Q5", "孙建华", "临江市江滨区人民路215号")
        },
        summary: "当事人在门店宣传册中宣称普通保健食品具有治疗高血压功效。",
        premises: "临江市江滨区人民路215号（康健堂门店）",
        latitude: 30.2135,
        longitude: 120.1948,
    },
    DemoCase {
        cause: "计量器具未按规定检定",
        kind: CaseKind::Inspection,
        team: &TEAM1,
        label: Confidentiality::PersonalPrivacy,
        party: || person("王某", "33010619780521341", "13905710002", "临江市江滨区东门路18号"),
        summary: "农贸市场摊位使用的电子计价秤未经检定。",
        premises: "临江市江滨区东门农贸市场B区12号摊位",
        latitude: 30.2169,
        longitude: 120.1872,
    },
    DemoCase {
        cause: "经营者未明码标价",
        kind: CaseKind::Penalty,
        team: &TEAM1,
        label: Confidentiality::PersonalPrivacy,
        party: || person("李某", "33010519900307123", "13905710003", "临江市江滨区解放路66号"),
        summary: "水果摊未标示商品价格，经提醒后仍未改正。",
        premises: "临江市江滨区解放路水果市场3号摊位",
        latitude: 30.2188,
        longitude: 120.1991,
    },
    DemoCase {
        cause: "销售标签不符合规定的预包装食品",
        kind: CaseKind::Penalty,
        team: &TEAM2,
        label: Confidentiality::Public,
        party: || person("陈某", "33010219870615201", "13905710005", "临江市江滨区学士路17号"),
        summary: "当事人经营的便利店销售无中文标签的进口饼干6袋。",
        premises: "临江市江滨区学士路17号（陈记便利店）",
        latitude: 30.2071,
        longitude: 120.2036,
    },
    DemoCase {
        cause: "生产销售不合格电动自行车头盔",
        kind: CaseKind::Coercion,
        team: &TEAM2,
        label: Confidentiality::Internal,
        party: || company("临江市安途头盔厂", "91330100MA2K5P9R3", "周海涛", "临江市临港工业园区纬三路9号"),
        summary: "市级监督抽检显示当事人生产的电动自行车头盔佩戴装置强度不合格，对库存成品实施扣押。",
        premises: "临江市临港工业园区纬三路9号（安途头盔厂门市部及成品仓库）",
        latitude: 30.2605,
        longitude: 120.2517,
    },
    DemoCase {
        cause: "无照经营餐饮服务",
        kind: CaseKind::Penalty,
        team: &TEAM2,
        label: Confidentiality::PersonalPrivacy,
        party: || person("张某某", "33010219850312123", "13905710001", "临江市江滨区望江小区6幢1单元102室"),
        summary: "当事人未取得营业执照在居民区住宅内经营快餐外卖。",
        premises: "临江市江滨区望江小区6幢1单元102室",
        latitude: 30.2042,
        longitude: 120.1820,
    },
    DemoCase {
        cause: "销售侵犯注册商标专用权的商品",
        kind: CaseKind::Penalty,
        team: &TEAM2,
        label: Confidentiality::Internal,
        party: || company("临江市潮品服饰店", "92330100MA2L6T2W8", "吴某", "临江市江滨区中山南路56号"),
        summary: "权利人投诉该店销售仿冒运动鞋。",
        premises: "临江市江滨区中山南路56号（潮品服饰店）",
        latitude: 30.2117,
        longitude: 120.1966,
    },
    DemoCase {
        cause: "特种设备未经定期检验继续使用",
        kind: CaseKind::Inspection,
        team: &TEAM1,
        label: Confidentiality::Internal,
        party: || {
            company(
                "临江市滨江物业管理有限公司",
                "91330100MA2M7U4Y6",
                "郑国平",
                "临江市江滨区滨江花园小区物业中心",
            )
        },
        summary: "小区电梯检验合格证已过期仍在运行。",
        premises: "临江市江滨区滨江花园小区3幢电梯机房",
        latitude: 30.2023,
        longitude: 120.2089,
    },
];

/// An act of a case; its officers are the case's team.
#[derive(Debug, Clone)]
pub(super) struct ActSpec {
    pub kind: ActKind,
    pub venue: Venue,
    pub start: OffsetDateTime,
    pub minutes: i64,
    /// Where, when not at the party's premises (an inquiry room).
    pub address: Option<&'static str>,
    pub venue_name: Option<&'static str>,
    pub notes: Option<&'static str>,
}

/// One recording: whose device, which file, when the device says it began.
#[derive(Debug, Clone)]
pub(super) struct ClipSpec {
    /// The officer the recording is attributed to (their 执法证号 goes in the metadata).
    pub officer: &'static str,
    pub device: &'static str,
    pub media: Media,
    /// The start by the device's own clock, whole seconds, as the file says.
    pub device_start: OffsetDateTime,
    /// How far the device's clock ran ahead of true time when it was docked (negative: behind).
    pub offset_ms: i64,
    /// Uploaded by the docking station (`station_id` in the metadata), else by the officer.
    pub station: bool,
}

impl ClipSpec {
    /// The file name the device gave it: device and start by its clock.
    pub(super) fn file_name(&self) -> String {
        let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
        let stamp = self.device_start.format(&fmt).unwrap_or_default();
        format!("{}_{stamp}.{}", self.device, self.media.extension())
    }
}

/// A 中止说明 of an act.
#[derive(Debug, Clone)]
pub(super) struct ExplainSpec {
    pub act: ActKind,
    pub reason: &'static str,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub text: &'static str,
}

/// What a step does.
#[derive(Debug, Clone)]
pub(super) enum Do {
    /// 立案, by the team's lead officer.
    Open,
    /// A stage move by the leader, over blocking findings only with an override reason.
    Move {
        to: Stage,
        reason: &'static str,
        override_reason: Option<&'static str>,
    },
    Act(ActSpec),
    /// A recording, uploaded by the docking station or the officer.
    Clip(ClipSpec),
    Explain(ExplainSpec),
    /// A draft of the format (by code); `{number:CODE}` in a value becomes
    /// the 文号 of the case's issued document of that format.
    Draft {
        format: &'static str,
        fields: Value,
    },
    /// The leader issues the case's draft of the format.
    Issue {
        format: &'static str,
    },
    /// The scan of a paper record, uploaded and registered as that document.
    Register {
        name: &'static str,
        file_name: &'static str,
        signed_on: Date,
        lines: [&'static str; 3],
    },
    /// The issued document of `format` served by the case's act of `act`, with the receipt of `receipt`.
    Serve {
        format: &'static str,
        act: ActKind,
        receipt: &'static str,
    },
    Propose {
        version: i64,
        decision: ProposedDecision,
    },
    Submit {
        version: i64,
    },
    Opinion {
        version: i64,
        opinion: ReviewOpinion,
    },
    /// The leader issues the decision.
    Decide,
    /// The leader extends the handling limit (延长查封扣押期限).
    Extend {
        days: u32,
        reason: &'static str,
    },
    Request {
        purpose: &'static str,
        days: u32,
    },
    Approve {
        requester: &'static str,
    },
    /// A read of the case through the grant approved in this run.
    ReadThroughGrant,
    /// A step of the 公示 of the case's issued document of `format`.
    Disclose {
        format: &'static str,
        step: DiscloseStep,
    },
    /// A 事前公开 item added (by the leader), and published when `publish`.
    Prior {
        kind: liuhen_domain::PriorKind,
        title: &'static str,
        body: &'static str,
        publish: bool,
    },
}

/// What is done to a disclosure.
#[derive(Debug, Clone, Copy)]
pub(super) enum DiscloseStep {
    /// The masked text proposed, with these phrases labelled 商业秘密.
    Redact(&'static [&'static str]),
    Confirm,
    Publish,
}

/// One step of the story: when, on which case, by whom.
#[derive(Debug, Clone)]
pub(super) struct Step {
    pub at: OffsetDateTime,
    pub case: usize,
    pub by: &'static str,
    pub what: Do,
    /// For an act, a recording or a 中止说明: which one of its case's acts
    /// of its kind, files of its device, or 中止说明 it is (1 for the
    /// first). A step is known done by this count, not by its date, since
    /// the dates follow the day the demo is seeded.
    pub nth: usize,
}

/// Working days on the rulebook's calendar and the rulebook's handling
/// limits, for choosing the days the demo's events happen on. Outside the
/// years the calendar covers, weekends alone are skipped when choosing a
/// day (a plausible date, never a deadline the demo reports), and a limit
/// counted in working days has no known end (`limit_left` is `None`, so
/// the story picks its fallback date): every deadline and limit the demo
/// shows is computed by the service, which says when the calendar does not
/// cover a year.
pub(super) struct Days<'a> {
    pub today: Date,
    policy: &'a Policy,
}

impl<'a> Days<'a> {
    pub(super) fn new(today: Date, policy: &'a Policy) -> Self {
        Days { today, policy }
    }

    /// How many days (counted as the rulebook counts them) the handling
    /// limit of `procedure` has left on today for a case whose limit starts
    /// on `start`; negative when it has run out. `None` without a limit.
    fn limit_left(&self, procedure: Procedure, start: Date, extension_days: u32) -> Option<i64> {
        let limit = self.policy.limit(procedure)?;
        let calendar = self.policy.calendar();
        let due = limit.deadline(start, calendar, extension_days).ok()?;
        if due < self.today {
            return Some(-(self.today - due).whole_days());
        }
        match limit.counting.value {
            DayCount::Natural => Some((due - self.today).whole_days()),
            DayCount::Working => calendar.working_days_between(self.today, due).ok(),
        }
    }

    /// The latest working day a limit of `procedure`, extended by
    /// `extension_days`, may start on and have `wanted` days left today (or
    /// fewer, but at least `least`), going back from today; `None` when no
    /// day in the last 400 does.
    fn limit_start(
        &self,
        procedure: Procedure,
        extension_days: u32,
        wanted: i64,
        least: i64,
    ) -> Option<Date> {
        let mut d = self.today;
        for _ in 0..400 {
            d = d.previous_day()?;
            if !self.working(d) {
                continue;
            }
            let left = self.limit_left(procedure, d, extension_days)?;
            if left <= wanted {
                return (left >= least).then_some(d);
            }
        }
        None
    }

    pub(super) fn working(&self, d: Date) -> bool {
        self.policy
            .calendar()
            .is_working_day(d)
            .unwrap_or_else(|_| !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday))
    }

    /// The `n`-th working day before today.
    pub(super) fn back(&self, n: u32) -> Date {
        let mut d = self.today;
        let mut left = n;
        while left > 0 {
            let Some(prev) = d.previous_day() else { break };
            d = prev;
            if self.working(d) {
                left -= 1;
            }
        }
        d
    }

    /// The `n`-th working day after `d` (`d` itself for 0).
    pub(super) fn after(&self, d: Date, n: u32) -> Date {
        let mut d = d;
        let mut left = n;
        while left > 0 {
            let Some(next) = d.next_day() else { break };
            d = next;
            if self.working(d) {
                left -= 1;
            }
        }
        d
    }

    /// The working day on or before `d`.
    pub(super) fn on_or_before(&self, d: Date) -> Date {
        let mut d = d;
        for _ in 0..60 {
            if self.working(d) {
                break;
            }
            let Some(prev) = d.previous_day() else { break };
            d = prev;
        }
        d
    }

    /// The working day closest to `wanted` natural days before today
    /// among those `lo` to `hi` days before it (the later one first);
    /// `wanted` days before today when none of them is a working day.
    pub(super) fn within(&self, wanted: i64, lo: i64, hi: i64) -> Date {
        let day = |n: i64| self.today - Duration::days(n);
        for delta in 0..=(hi - lo) {
            for n in [wanted - delta, wanted + delta] {
                if (lo..=hi).contains(&n) && self.working(day(n)) {
                    return day(n);
                }
            }
        }
        day(wanted)
    }
}

/// `h:m` on day `d`, 北京时间.
pub(super) fn at(d: Date, h: u8, m: u8) -> OffsetDateTime {
    at_s(d, h, m, 0)
}

fn at_s(d: Date, h: u8, m: u8, s: u8) -> OffsetDateTime {
    let t = Time::from_hms(h, m, s).unwrap_or(Time::MIDNIGHT);
    d.with_time(t).assume_offset(liuhen_domain::when::BEIJING)
}

fn date(d: Date) -> String {
    d.to_string()
}

fn sign(name: &str, d: Date) -> Value {
    json!({"name": name, "date": date(d)})
}

fn seal(d: Date) -> Value {
    json!({"name": AGENCY_NAME, "date": date(d)})
}

/// A body camera's file: its device clock runs `offset_ms` ahead, so a
/// recording that truly began at `true_start` is stamped with the whole
/// second its clock showed.
fn cam(
    officer: &'static str,
    device: &'static str,
    fixture: Fixture,
    true_start: OffsetDateTime,
    offset_ms: i64,
    station: bool,
) -> ClipSpec {
    let shown = true_start + Duration::milliseconds(offset_ms);
    let device_start = shown.replace_nanosecond(0).unwrap_or(shown);
    ClipSpec { officer, device, media: Media::Video(fixture), device_start, offset_ms, station }
}

/// Consecutive files of one camera (cameras split a recording into files),
/// starting at `true_start`.
fn segments(
    officer: &'static str,
    device: &'static str,
    fixtures: &[Fixture],
    true_start: OffsetDateTime,
    offset_ms: i64,
    station: bool,
) -> Vec<ClipSpec> {
    let mut out = Vec::new();
    let mut start = true_start;
    for f in fixtures {
        out.push(cam(officer, device, *f, start, offset_ms, station));
        start += Duration::seconds(f.seconds());
    }
    out
}

/// Every 审核要点 passed, with a note on those that fail in `failed`.
fn checklist(failed: &[(ChecklistItem, &str)]) -> Vec<ChecklistAnswer> {
    ChecklistItem::ALL
        .iter()
        .map(|item| {
            let fail = failed.iter().find(|(i, _)| i == item);
            ChecklistAnswer { item: *item, passed: fail.is_none(), note: fail.map(|(_, n)| (*n).to_owned()) }
        })
        .collect()
}

fn fine(fen: u64, measures: &[&str], summary: &str) -> ProposedDecision {
    ProposedDecision {
        fine_fen: fen,
        measures: measures.iter().map(|m| (*m).to_owned()).collect(),
        after_hearing: false,
        flagged_major: None,
        summary: summary.into(),
    }
}

/// The story being written: steps in any order, sorted when done.
struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    fn add(&mut self, case: usize, at: OffsetDateTime, by: &'static str, what: Do) {
        self.steps.push(Step { at, case, by, what, nth: 0 });
    }

    fn lead(case: usize) -> &'static str {
        CASES.get(case).map_or("officer1", |c| c.team.lead)
    }

    /// An act recorded by the lead officer `recorded_after` minutes after it ended.
    fn act(&mut self, case: usize, spec: ActSpec, recorded_after: i64) {
        let at = spec.start + Duration::minutes(spec.minutes + recorded_after);
        self.add(case, at, Self::lead(case), Do::Act(spec));
    }

    /// A document drafted by `by` and issued by the leader.
    fn document(
        &mut self,
        case: usize,
        by: &'static str,
        format: &'static str,
        fields: Value,
        drafted: OffsetDateTime,
        issued: OffsetDateTime,
    ) {
        self.add(case, drafted, by, Do::Draft { format, fields });
        self.add(case, issued, LEADER, Do::Issue { format });
    }

    fn disclose(
        &mut self,
        case: usize,
        format: &'static str,
        at: OffsetDateTime,
        by: &'static str,
        step: DiscloseStep,
    ) {
        self.add(case, at, by, Do::Disclose { format, step });
    }

    fn clips(&mut self, case: usize, at: OffsetDateTime, clips: Vec<ClipSpec>) {
        for c in clips {
            let by = if c.station { STATION } else { c.officer };
            self.add(case, at, by, Do::Clip(c));
        }
    }

    fn move_to(&mut self, case: usize, at: OffsetDateTime, to: Stage, reason: &'static str) {
        self.add(case, at, LEADER, Do::Move { to, reason, override_reason: None });
    }

    /// 立案 of a 行政处罚 case: opened, its 立案审批表 drafted and issued, moved to 调查取证.
    fn open_penalty(&mut self, case: usize, day: Date, h: u8, filing: Value) {
        let lead = Self::lead(case);
        self.add(case, at(day, h, 5), lead, Do::Open);
        self.document(case, lead, "case_filing_approval", filing, at(day, h, 30), at(day, h + 1, 20));
        self.move_to(case, at(day, h + 1, 35), Stage::Investigation, "立案审批表已签发，转入调查取证");
    }
}

/// The 立案审批表 of a case.
fn filing(case: usize, day: Date, source: &str, brief: &str, basis: &str) -> Value {
    let team = CASES.get(case).map_or(&TEAM1, |c| c.team);
    json!({
        "case_source": source, "source_date": date(day), "brief_facts": brief, "filing_basis": basis,
        "handler_opinion": "当事人涉嫌违法，符合立案条件，建议立案调查。",
        "handler_sign": sign(team.lead_name, day),
        "department_opinion": format!("同意立案，由{}、{}承办。", team.lead_name, team.partner_name),
        "chief_opinion": "同意立案。", "chief_sign": sign(LEADER_NAME, day),
    })
}

fn identity_notice(case: usize) -> String {
    let team = CASES.get(case).map_or(&TEAM1, |c| c.team);
    format!(
        "执法人员：我们是{AGENCY_NAME}的执法人员{}、{}，这是我们的执法证件，请过目。今天依法对你进行检查（询问），你有如实回答和协助调查的义务，也有申请回避的权利，是否申请回避？\n当事人：看清楚了，不申请回避。",
        team.lead_name, team.partner_name
    )
}

/// The 现场检查笔录 of a case.
fn inspection_record(case: usize, person: &str, title: &str, content: &str, day: Date) -> Value {
    let team = CASES.get(case).map_or(&TEAM1, |c| c.team);
    json!({
        "on_site_person": person, "on_site_person_title": title, "recorder": team.partner_name,
        "identity_notice": identity_notice(case), "inspection_content": content,
        "av_recording": "全程音像记录", "party_opinion": "以上笔录我已看过，与事实相符。",
        "party_sign": sign(person, day), "officer_sign": sign(team.lead_name, day),
    })
}

/// The 询问笔录 of a case.
fn inquiry_record(
    case: usize,
    interviewee: &Party,
    relation: &str,
    employer: &str,
    qa: &str,
    day: Date,
) -> Value {
    let team = CASES.get(case).map_or(&TEAM1, |c| c.team);
    let name = match interviewee {
        Party::NaturalPerson { name, .. } | Party::Organisation { name, .. } => name.clone(),
    };
    json!({
        "interviewee": serde_json::to_value(interviewee).unwrap_or(Value::Null),
        "gender": "男", "employer": employer, "relation": relation, "recorder": team.partner_name,
        "identity_notice": identity_notice(case), "qa": qa,
        "interviewee_statement": "以上笔录我已看过，与我所说的相符。",
        "interviewee_sign": sign(&name, day), "officer_sign": sign(team.lead_name, day),
        "recorder_sign": sign(team.partner_name, day),
    })
}

/// The 送达回证 of a served document.
fn service_receipt(what: &str, place: &str, day: Date, time: &str, recipient: &str) -> Value {
    json!({
        "documents": what, "service_place": place, "service_method": "直接送达", "service_date": date(day),
        "service_time": time, "recipient_sign": sign(recipient, day), "seal": seal(day),
    })
}

/// The premises of a case.
fn premises(case: usize) -> &'static str {
    CASES.get(case).map_or("", |c| c.premises)
}

/// The first party of a case.
fn party(case: usize) -> Party {
    CASES.get(case).map_or_else(|| person("", "", "", ""), |c| (c.party)())
}

/// The whole story, in time order.
pub(super) fn plan(days: &Days<'_>) -> Vec<Step> {
    let mut p = Plan { steps: Vec::new() };
    food(&mut p, days);
    ads(&mut p, days);
    scales(&mut p, days);
    prices(&mut p, days);
    labels(&mut p, days);
    helmets(&mut p, days);
    kitchen(&mut p, days);
    trademark(&mut p, days);
    lifts(&mut p, days);
    access(&mut p, days);
    // Stable: steps at the same minute keep the order they were written in.
    p.steps.sort_by_key(|s| s.at);
    let mut seen: std::collections::HashMap<(usize, String), usize> = std::collections::HashMap::new();
    for s in &mut p.steps {
        let key = match &s.what {
            Do::Act(a) => format!("act:{}", a.kind.code()),
            Do::Clip(c) => format!("device:{}", c.device),
            Do::Explain(_) => "explanation".to_owned(),
            _ => continue,
        };
        let n = seen.entry((s.case, key)).or_insert(0);
        *n += 1;
        s.nth = *n;
    }
    p.steps
}

/// The day the story begins: the agency goes live before its first case opens.
pub(super) fn first_day(days: &Days<'_>) -> Date {
    days.on_or_before(opened_trademark(days) - Duration::days(7))
}

fn inquiry_room(name: &'static str) -> (Option<&'static str>, Option<&'static str>) {
    (Some("临江市江滨区人民路100号（临江市市场监督管理局办案区）"), Some(name))
}

/// 事前公开: the leader publishes the agency's lists (filed under the first case, whose days they
/// share); the list of powers is revised later and waits to be published again.
fn prior_items(p: &mut Plan, added: OffsetDateTime, published: OffsetDateTime) {
    use liuhen_domain::PriorKind::*;
    let items: [(liuhen_domain::PriorKind, &str, &str); 5] = [
        (
            Functions,
            "临江市市场监督管理局主要职责",
            "负责全市市场综合监督管理，统一登记市场主体，组织市场监管综合执法工作，负责食品安全、产品质量、计量、价格、广告、知识产权等领域的监督管理和行政执法。\n办公地址：临江市江滨区人民路100号；咨询电话：12315。",
        ),
        (
            Powers,
            "行政处罚权责清单（2026年版）",
            "一、对销售超过保质期食品的行政处罚（《中华人民共和国食品安全法》第一百二十四条）；\n二、对发布虚假广告的行政处罚（《中华人民共和国广告法》第五十五条）；\n三、对销售不合格产品的行政处罚（《中华人民共和国产品质量法》第四十九条）；\n四、对查封、扣押涉嫌违法物品的行政强制（《中华人民共和国行政强制法》第九条）。",
        ),
        (
            Procedure,
            "行政处罚一般程序流程",
            "立案 → 调查取证（执法人员不少于两人，出示执法证件）→ 告知拟作出的处罚及陈述、申辩、听证权利 → 法制审核（重大执法决定）→ 作出决定 → 送达 → 执行 → 结案归档。",
        ),
        (
            Remedies,
            "救济途径",
            "当事人对行政处罚决定不服的，可以自收到决定书之日起六十日内向临江市人民政府申请行政复议，或者在六个月内向临江市江滨区人民法院提起行政诉讼。",
        ),
        (
            Inspections,
            "2026年度随机抽查事项清单",
            "1.食品经营者经营条件检查（抽查比例5%）；\n2.计量器具检定情况检查（抽查比例3%）；\n3.明码标价检查（抽查比例5%）。",
        ),
    ];
    for (kind, title, body) in items {
        p.add(FOOD, added, LEADER, Do::Prior { kind, title, body, publish: false });
        p.add(FOOD, published, LEADER, Do::Prior { kind, title, body, publish: true });
    }
}

/// 销售超过保质期的食品: the whole ordinary procedure, to 归档.
fn food(p: &mut Plan, days: &Days<'_>) {
    let c = FOOD;
    let d0 = days.back(56);
    let d = |k| days.after(d0, k);
    p.open_penalty(
        c,
        d0,
        9,
        filing(
            c,
            d0,
            "投诉、申诉、举报",
            "群众举报该超市销售过期酸奶。经初步核实，举报线索具体。",
            "《中华人民共和国食品安全法》第三十四条第十项、第一百二十四条；《市场监督管理行政处罚程序规定》第十八条",
        ),
    );
    let premises = premises(c);
    let inspection = at(d(1), 9, 30);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 28,
            address: None,
            venue_name: None,
            notes: Some("检查乳制品货架及仓库，发现超过保质期的酸奶12盒。"),
        },
        40,
    );
    let mut clips = segments(
        "officer1",
        "DSJ-LJ1-0101",
        &[Fixture::Fifteen, Fixture::Fifteen],
        inspection - Duration::seconds(80),
        3_217,
        true,
    );
    clips.extend(segments(
        "officer2",
        "DSJ-LJ1-0102",
        &[Fixture::Fifteen, Fixture::Fifteen],
        inspection - Duration::seconds(30),
        -26_480,
        true,
    ));
    p.clips(c, at(d(1), 17, 35), clips);
    p.document(
        c,
        "officer1",
        "onsite_inspection_record",
        inspection_record(
            c,
            "钱立新",
            "法定代表人",
            "超市乳制品货架上摆放“鲜乐”牌原味酸奶（生产日期标注为检查日前35日，保质期21日）12盒，已超过保质期，标价6.5元/盒，正在销售；仓库内未发现同批次产品。执法人员对上述酸奶予以拍照取证。",
            d(1),
        ),
        at(d(1), 14, 0),
        at(d(1), 15, 30),
    );
    let inquiry = at(d(3), 14, 0);
    let (address, venue_name) = inquiry_room("第一询问室");
    p.act(
        c,
        ActSpec {
            kind: ActKind::Inquiry,
            venue: Venue::CaseHandlingVenue,
            start: inquiry,
            minutes: 12,
            address,
            venue_name,
            notes: Some("询问当事人法定代表人，询问室录音录像设备全程录制。"),
        },
        30,
    );
    // The inquiry room's recorder: audio, clock kept by the network within a second.
    p.clips(
        c,
        at(d(3), 14, 50),
        vec![ClipSpec {
            officer: "officer1",
            device: "XWS-LJ-01",
            media: Media::Audio(13 * 60),
            device_start: inquiry - Duration::seconds(30),
            offset_ms: 820,
            station: false,
        }],
    );
    let rep = person("钱立新", "33010219750814203", "13905710011", "临江市江滨区滨江路90号");
    p.document(
        c,
        "officer2",
        "inquiry_record",
        inquiry_record(
            c,
            &rep,
            "当事人的法定代表人",
            "临江市鲜丰超市有限公司 法定代表人",
            "问：检查中发现的12盒酸奶是什么时候进的货？\n答：是一个多月前从供货商处进的，一共24盒，卖掉了12盒。\n问：你们是否定期检查库存食品的保质期？\n答：有规定，但那段时间店员请假，没有及时检查下架，是我们管理不到位。",
            d(3),
        ),
        at(d(3), 15, 0),
        at(d(3), 16, 0),
    );
    p.move_to(c, at(d(6), 9, 40), Stage::Decision, "调查终结：违法事实清楚，证据确实充分");
    let facts = "当事人在其经营场所销售超过保质期的“鲜乐”牌原味酸奶12盒，货值金额78元，违法所得无法计算。";
    let evidence = "1.现场检查笔录及现场照片；\n2.询问笔录；\n3.当事人营业执照复印件；\n4.进货票据复印件。";
    p.document(
        c,
        "officer1",
        "penalty_prior_notice",
        json!({
            "facts": facts, "evidence": evidence,
            "law_violated": "《中华人民共和国食品安全法》第三十四条第十项",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第五项",
            "proposed_penalty": "1.没收超过保质期的酸奶12盒；\n2.罚款人民币20000元。", "fine_amount": "20000.00",
            "hearing_right": "不适用听证", "contact_person": "张伟", "contact_phone": "0571-86001234",
            "agency_address": AGENCY_ADDRESS, "notice_date": date(d(7)), "seal": seal(d(7)),
        }),
        at(d(7), 10, 0),
        at(d(7), 11, 0),
    );
    p.add(
        c,
        at(d(11), 9, 30),
        "officer1",
        Do::Propose {
            version: 1,
            decision: fine(
                2_000_000,
                &["fine", "confiscation"],
                "没收超过保质期的酸奶12盒，罚款人民币贰万元整",
            ),
        },
    );
    p.add(c, at(d(11), 10, 30), LEADER, Do::Decide);
    p.document(
        c,
        "officer1",
        "penalty_decision",
        json!({
            "facts": facts, "evidence": evidence,
            "law_violated": "《中华人民共和国食品安全法》第三十四条第十项",
            "statement_review": "当事人在法定期限内未提出陈述、申辩意见。",
            "discretion": "当事人能积极配合调查，如实陈述违法事实，依据裁量基准予以从轻处罚。",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第五项",
            "penalty": "1.没收超过保质期的“鲜乐”牌原味酸奶12盒；\n2.罚款人民币20000元。",
            "payment": "当事人应当自收到本决定书之日起十五日内，到指定银行或者通过浙江政务服务网缴纳罚款。",
            "review_agency": REVIEW_AGENCY, "court": COURT, "decision_date": date(d(11)), "seal": seal(d(11)),
        }),
        at(d(11), 11, 0),
        at(d(11), 14, 30),
    );
    p.move_to(c, at(d(12), 9, 0), Stage::Execution, "处罚决定已作出，转入送达执行");
    p.disclose(c, "penalty_decision", at(d(12), 16, 0), "officer1", DiscloseStep::Redact(&[]));
    p.disclose(c, "penalty_decision", at(d(13), 10, 0), REVIEWER, DiscloseStep::Confirm);
    p.disclose(c, "penalty_decision", at(d(13), 15, 0), LEADER, DiscloseStep::Publish);
    prior_items(p, at(d(2), 16, 0), at(d(3), 9, 30));
    p.act(
        c,
        ActSpec {
            kind: ActKind::ServiceInPerson,
            venue: Venue::OnSite,
            start: at(d(12), 10, 0),
            minutes: 10,
            address: None,
            venue_name: None,
            notes: Some("向当事人法定代表人直接送达行政处罚决定书。"),
        },
        30,
    );
    p.document(
        c,
        "officer1",
        "service_receipt",
        service_receipt("行政处罚决定书（{number:penalty_decision}）", premises, d(12), "10:00", "钱立新"),
        at(d(12), 11, 0),
        at(d(12), 14, 0),
    );
    p.add(
        c,
        at(d(12), 14, 20),
        "officer1",
        Do::Serve { format: "penalty_decision", act: ActKind::ServiceInPerson, receipt: "service_receipt" },
    );
    p.act(
        c,
        ActSpec {
            kind: ActKind::Execution,
            venue: Venue::Remote,
            start: at(d(19), 10, 0),
            minutes: 15,
            address: Some(AGENCY_ADDRESS),
            venue_name: None,
            notes: Some("核对当事人缴纳罚款的银行回单，罚没款已足额缴纳；没收的酸奶已登记销毁。"),
        },
        15,
    );
    p.document(
        c,
        "officer1",
        "case_closing_approval",
        json!({
            "filing_date": date(d0), "decision_number": "{number:penalty_decision}",
            "outcome": "没收超过保质期的酸奶12盒，罚款人民币20000元。",
            "execution": format!("当事人已于{}缴纳罚款人民币20000元，没收的酸奶已登记销毁。", date(d(19))),
            "paid_amount": "20000.00", "closing_reason": "行政处罚决定执行完毕",
            "handler_opinion": "本案处罚决定已执行完毕，建议结案。", "handler_sign": sign("张伟", d(20)),
            "chief_opinion": "同意结案。", "chief_sign": sign(LEADER_NAME, d(20)),
        }),
        at(d(20), 10, 0),
        at(d(20), 15, 0),
    );
    p.move_to(c, at(d(21), 9, 30), Stage::Archived, "结案审批表已签发，案卷归档");
}

/// 虚假宣传保健食品功效: a major fine through 法制审核, returned once.
fn ads(p: &mut Plan, days: &Days<'_>) {
    let c = ADS;
    let d0 = days.back(26);
    let d = |k| days.after(d0, k);
    p.open_penalty(
        c,
        d0,
        9,
        filing(
            c,
            d0,
            "监督检查",
            "日常监督检查中发现当事人门店宣传册宣称普通保健食品可治疗高血压。",
            "《中华人民共和国广告法》第十七条、第五十八条；《市场监督管理行政处罚程序规定》第十八条",
        ),
    );
    let inspection = at(d(1), 14, 0);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 22,
            address: None,
            venue_name: None,
            notes: Some("检查门店陈列商品及宣传资料，提取宣传册样本3份。"),
        },
        45,
    );
    let mut clips = segments(
        "officer1",
        "DSJ-LJ1-0101",
        &[Fixture::Fifteen, Fixture::Fifteen],
        inspection - Duration::seconds(120),
        2_106,
        true,
    );
    clips.extend(segments(
        "officer2",
        "DSJ-LJ1-0102",
        &[Fixture::Ten, Fixture::Ten, Fixture::Five],
        inspection - Duration::seconds(60),
        -23_520,
        true,
    ));
    p.clips(c, at(d(1), 17, 40), clips);
    p.document(
        c,
        "officer1",
        "onsite_inspection_record",
        inspection_record(
            c,
            "孙建华",
            "法定代表人",
            "门店货架陈列“康宁牌”蓝莓叶黄素片等保健食品，收银台放置宣传册约200份，宣传册第3页载有“降压显著，可替代降压药”等内容。执法人员提取宣传册样本3份。",
            d(1),
        ),
        at(d(1), 15, 20),
        at(d(1), 16, 30),
    );
    let inquiry = at(d(3), 9, 30);
    let (address, venue_name) = inquiry_room("第二询问室");
    p.act(
        c,
        ActSpec {
            kind: ActKind::Inquiry,
            venue: Venue::CaseHandlingVenue,
            start: inquiry,
            minutes: 20,
            address,
            venue_name,
            notes: Some("询问当事人法定代表人。"),
        },
        30,
    );
    p.clips(
        c,
        at(d(3), 17, 30),
        segments(
            "officer2",
            "DSJ-LJ1-0102",
            &[Fixture::Fifteen, Fixture::Ten],
            inquiry - Duration::seconds(60),
            -23_900,
            true,
        ),
    );
    let rep = person("孙建华", "33010619800211301", "13905710012", "临江市江滨区人民路217号");
    p.document(
        c,
        "officer2",
        "inquiry_record",
        inquiry_record(
            c,
            &rep,
            "当事人的法定代表人",
            "临江市康健堂贸易有限公司 法定代表人",
            "问：宣传册是谁制作的？共印制多少份？\n答：是我们公司自己设计、找印刷店印的，一共印了500份，发了300份左右。\n问：宣传册所称“降压显著，可替代降压药”有何依据？\n答：没有依据，是参考网上的说法写的。检查后我们已经把剩下的宣传册全部收回了。",
            d(3),
        ),
        at(d(3), 10, 40),
        at(d(3), 14, 0),
    );
    p.move_to(c, at(d(6), 10, 0), Stage::Decision, "调查终结：违法事实清楚，证据确实充分");
    let facts = "当事人在其门店发放的宣传册中宣称其销售的普通保健食品“降压显著，可替代降压药”，对商品的功能作虚假宣传，欺骗、误导消费者。宣传册共印制500份，已发放约300份。";
    let evidence = "1.现场检查笔录及现场照片；\n2.宣传册样本3份；\n3.询问笔录；\n4.印刷合同（印刷单价0.85元/份，承印方宏达印务）及付款凭证。";
    p.document(
        c,
        "officer1",
        "penalty_prior_notice",
        json!({
            "facts": facts, "evidence": evidence,
            "law_violated": "《中华人民共和国反不正当竞争法》第八条第一款",
            "legal_basis": "《中华人民共和国反不正当竞争法》第二十条第一款",
            "proposed_penalty": "罚款人民币150000元。", "fine_amount": "150000.00",
            "hearing_right": "享有听证权利", "contact_person": "张伟", "contact_phone": "0571-86001234",
            "agency_address": AGENCY_ADDRESS, "notice_date": date(d(7)), "seal": seal(d(7)),
        }),
        at(d(7), 9, 30),
        at(d(7), 10, 30),
    );
    p.add(
        c,
        at(d(10), 9, 30),
        "officer1",
        Do::Propose {
            version: 1, decision: fine(15_000_000, &["fine"], "罚款人民币壹拾伍万元整")
        },
    );
    p.add(c, at(d(10), 10, 0), "officer1", Do::Submit { version: 1 });
    p.add(
        c,
        at(d(12), 15, 0),
        REVIEWER,
        Do::Opinion {
            version: 1,
            opinion: ReviewOpinion {
                outcome: ReviewOutcome::Correct,
                checklist: checklist(&[(
                    ChecklistItem::LawApplied,
                    "当事人系初次违法，检查后已主动收回宣传册并停止发放，符合《临江市市场监督管理行政处罚裁量基准》从轻处罚情形，拟罚款未予考虑，也未说明裁量理由。",
                )]),
                opinion: "建议改正：依据裁量基准从轻处罚，并在处罚决定书中写明裁量理由后重新提交审核。".into(),
            },
        },
    );
    p.add(
        c,
        at(d(13), 9, 30),
        "officer1",
        Do::Propose {
            version: 2,
            decision: fine(12_000_000, &["fine"], "罚款人民币壹拾贰万元整（依裁量基准从轻处罚）"),
        },
    );
    p.add(c, at(d(13), 10, 0), "officer1", Do::Submit { version: 2 });
    p.add(
        c,
        at(d(14), 16, 0),
        REVIEWER,
        Do::Opinion {
            version: 2,
            opinion: ReviewOpinion {
                outcome: ReviewOutcome::Approve,
                checklist: checklist(&[]),
                opinion: "同意。事实清楚，证据确实充分，适用法律正确，裁量适当，程序合法。".into(),
            },
        },
    );
    p.add(c, at(d(15), 9, 30), LEADER, Do::Decide);
    p.document(
        c,
        "officer1",
        "penalty_decision",
        json!({
            "facts": facts, "evidence": evidence,
            "law_violated": "《中华人民共和国反不正当竞争法》第八条第一款",
            "statement_review": "当事人在法定期限内未提出陈述、申辩意见，也未要求听证。",
            "discretion": "当事人系初次违法，检查后主动收回宣传册、停止发放，依据《临江市市场监督管理行政处罚裁量基准》予以从轻处罚。",
            "legal_basis": "《中华人民共和国反不正当竞争法》第二十条第一款",
            "penalty": "罚款人民币120000元。",
            "payment": "当事人应当自收到本决定书之日起十五日内，到指定银行或者通过浙江政务服务网缴纳罚款。",
            "review_agency": REVIEW_AGENCY, "court": COURT, "decision_date": date(d(15)), "seal": seal(d(15)),
        }),
        at(d(15), 10, 0),
        at(d(15), 14, 0),
    );
    p.move_to(c, at(d(16), 9, 0), Stage::Execution, "处罚决定已作出，转入送达执行");
    // The text is proposed with the printing contract's price labelled 商业秘密; nobody confirmed
    // it, and the 7 working days ran out: the 公示 is late (a finding on the supervision stream).
    p.disclose(
        c,
        "penalty_decision",
        at(d(16), 16, 0),
        "officer1",
        DiscloseStep::Redact(&["印刷单价0.85元/份"]),
    );
    p.act(
        c,
        ActSpec {
            kind: ActKind::ServiceInPerson,
            venue: Venue::OnSite,
            start: at(d(16), 10, 30),
            minutes: 10,
            address: None,
            venue_name: None,
            notes: Some("向当事人法定代表人直接送达行政处罚决定书。"),
        },
        30,
    );
    p.document(
        c,
        "officer1",
        "service_receipt",
        service_receipt("行政处罚决定书（{number:penalty_decision}）", premises(c), d(16), "10:30", "孙建华"),
        at(d(16), 11, 30),
        at(d(16), 14, 30),
    );
    p.add(
        c,
        at(d(16), 14, 45),
        "officer1",
        Do::Serve { format: "penalty_decision", act: ActKind::ServiceInPerson, receipt: "service_receipt" },
    );
}

/// 计量器具未按规定检定: a 行政检查, inspected, its 笔录 issued.
fn scales(p: &mut Plan, days: &Days<'_>) {
    let c = SCALES;
    let d0 = days.back(4);
    let d1 = days.after(d0, 1);
    p.add(c, at(d0, 9, 0), "officer1", Do::Open);
    p.move_to(c, at(d0, 9, 20), Stage::Investigation, "开展农贸市场计量器具专项检查");
    let inspection = at(d1, 9, 30);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 15,
            address: None,
            venue_name: None,
            notes: Some("检查摊位使用的电子计价秤及检定标识。"),
        },
        30,
    );
    let mut clips = segments(
        "officer1",
        "DSJ-LJ1-0101",
        &[Fixture::Ten, Fixture::Ten],
        inspection - Duration::seconds(60),
        1_480,
        true,
    );
    clips.extend(segments(
        "officer2",
        "DSJ-LJ1-0102",
        &[Fixture::Fifteen, Fixture::Five],
        inspection - Duration::seconds(30),
        -21_240,
        true,
    ));
    p.clips(c, at(d1, 17, 30), clips);
    p.document(
        c,
        "officer1",
        "onsite_inspection_record",
        inspection_record(
            c,
            "王某",
            "摊主",
            "摊位使用“衡达”牌ACS-30电子计价秤1台，未粘贴检定合格标志，当事人不能提供检定证书；执法人员现场用标准砝码核验，称量5千克时示值偏差+40克。",
            d1,
        ),
        at(d1, 14, 0),
        at(d1, 15, 0),
    );
}

/// 经营者未明码标价: opened yesterday; its 立案审批表 waits for the leader.
fn prices(p: &mut Plan, days: &Days<'_>) {
    let c = PRICES;
    let d0 = days.back(1);
    p.add(c, at(d0, 15, 0), "officer1", Do::Open);
    p.add(
        c,
        at(d0, 15, 30),
        "officer1",
        Do::Draft {
            format: "case_filing_approval",
            fields: filing(
                c,
                d0,
                "投诉、申诉、举报",
                "消费者投诉该水果摊未标示价格、结账时临时报价。经提醒后仍未改正。",
                "《中华人民共和国价格法》第十三条、第四十二条；《明码标价和禁止价格欺诈规定》",
            ),
        },
    );
}

/// 销售标签不符合规定的预包装食品: ends in 不予行政处罚, to 归档.
fn labels(p: &mut Plan, days: &Days<'_>) {
    let c = LABELS;
    let d0 = days.back(40);
    let d = |k| days.after(d0, k);
    p.open_penalty(
        c,
        d0,
        9,
        filing(
            c,
            d0,
            "监督检查",
            "日常监督检查中发现当事人经营的便利店销售无中文标签的进口饼干。",
            "《中华人民共和国食品安全法》第九十七条、第一百二十五条；《市场监督管理行政处罚程序规定》第十八条",
        ),
    );
    let premises = premises(c);
    let inspection = at(d(1), 10, 0);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 18,
            address: None,
            venue_name: None,
            notes: Some("检查便利店在售预包装食品标签。"),
        },
        40,
    );
    p.clips(
        c,
        at(d(1), 16, 30),
        segments(
            "officer3",
            "DSJ-LJ2-0201",
            &[Fixture::Ten, Fixture::Ten],
            inspection - Duration::seconds(40),
            12_050,
            false,
        ),
    );
    p.clips(
        c,
        at(d(1), 16, 40),
        segments(
            "officer4",
            "DSJ-LJ2-0202",
            &[Fixture::Fifteen, Fixture::Five],
            inspection - Duration::seconds(10),
            -5_310,
            false,
        ),
    );
    p.document(
        c,
        "officer3",
        "onsite_inspection_record",
        inspection_record(
            c,
            "陈某",
            "经营者",
            "便利店货架上陈列进口“Biscotti”牌黄油饼干6袋，外包装仅有外文标签，无中文标签，标价12元/袋。当事人当场将其下架。",
            d(1),
        ),
        at(d(1), 14, 0),
        at(d(1), 15, 0),
    );
    let inquiry = at(d(2), 10, 0);
    p.act(
        c,
        ActSpec {
            kind: ActKind::Inquiry,
            venue: Venue::OnSite,
            start: inquiry,
            minutes: 12,
            address: None,
            venue_name: None,
            notes: Some("在便利店内询问当事人。"),
        },
        30,
    );
    p.clips(
        c,
        at(d(2), 15, 0),
        vec![cam(
            "officer3",
            "DSJ-LJ2-0201",
            Fixture::Fifteen,
            inquiry - Duration::seconds(60),
            12_310,
            false,
        )],
    );
    p.document(
        c,
        "officer4",
        "inquiry_record",
        inquiry_record(
            c,
            &party(c),
            "当事人",
            "陈记便利店 经营者",
            "问：无中文标签的饼干从何处购进？\n答：是上个月从一个流动商贩那里买的，一共6袋，还没有卖出去。\n问：你是否知道进口预包装食品应当有中文标签？\n答：以前不知道，现在知道了，已经全部下架，以后进货会查验标签。",
            d(2),
        ),
        at(d(2), 13, 30),
        at(d(2), 14, 30),
    );
    p.move_to(c, at(d(5), 9, 30), Stage::Decision, "调查终结，拟作出不予行政处罚决定");
    p.document(
        c,
        "officer3",
        "no_penalty_decision",
        json!({
            "facts": "当事人于检查日在其经营的便利店销售无中文标签的进口饼干6袋，货值金额72元，尚未售出。检查时当事人当场下架，并提供了进货来源。",
            "evidence": "1.现场检查笔录及现场照片；\n2.询问笔录。",
            "ground": "违法行为轻微并及时改正，没有造成危害后果",
            "reasoning": "当事人的违法行为轻微，涉案食品尚未售出，当事人当场改正，没有造成危害后果。",
            "legal_basis": "《中华人民共和国行政处罚法》第三十三条第一款",
            "correction": "本机关已对当事人进行教育，告知其进货时查验中文标签。",
            "review_agency": REVIEW_AGENCY, "court": COURT, "decision_date": date(d(6)), "seal": seal(d(6)),
        }),
        at(d(6), 10, 0),
        at(d(6), 11, 0),
    );
    p.move_to(c, at(d(7), 9, 0), Stage::Execution, "已作出不予行政处罚决定，转入送达");
    p.disclose(c, "no_penalty_decision", at(d(7), 15, 0), "officer3", DiscloseStep::Redact(&[]));
    p.disclose(c, "no_penalty_decision", at(d(8), 10, 0), REVIEWER, DiscloseStep::Confirm);
    p.disclose(c, "no_penalty_decision", at(d(8), 16, 0), LEADER, DiscloseStep::Publish);
    p.act(
        c,
        ActSpec {
            kind: ActKind::ServiceInPerson,
            venue: Venue::OnSite,
            start: at(d(7), 10, 0),
            minutes: 8,
            address: None,
            venue_name: None,
            notes: Some("向当事人直接送达不予行政处罚决定书。"),
        },
        30,
    );
    p.document(
        c,
        "officer3",
        "service_receipt",
        service_receipt(
            "不予行政处罚决定书（{number:no_penalty_decision}）",
            premises,
            d(7),
            "10:00",
            "陈某",
        ),
        at(d(7), 11, 0),
        at(d(7), 14, 0),
    );
    p.add(
        c,
        at(d(7), 14, 10),
        "officer3",
        Do::Serve {
            format: "no_penalty_decision",
            act: ActKind::ServiceInPerson,
            receipt: "service_receipt",
        },
    );
    p.document(
        c,
        "officer3",
        "case_closing_approval",
        json!({
            "filing_date": date(d0), "decision_number": "{number:no_penalty_decision}",
            "outcome": "不予行政处罚，责令改正。",
            "execution": format!("不予行政处罚决定书已于{}直接送达当事人，涉案饼干已下架。", date(d(7))),
            "closing_reason": "作出不予行政处罚决定",
            "handler_opinion": "建议结案。", "handler_sign": sign("李强", d(9)),
            "chief_opinion": "同意结案。", "chief_sign": sign(LEADER_NAME, d(9)),
        }),
        at(d(9), 10, 0),
        at(d(9), 14, 0),
    );
    p.move_to(c, at(d(10), 9, 30), Stage::Archived, "结案审批表已签发，案卷归档");
}

/// Days the leader extends the helmet seizure by (行政强制法 第25条 allows up to 30).
pub(super) const HELMET_EXTENSION_DAYS: u32 = 15;

/// The day of the helmet seizure: 行政强制's limit counts from it (30
/// days nationally), and the leader extended it by
/// [`HELMET_EXTENSION_DAYS`], so it is the latest working day that leaves
/// the extended limit six days or fewer, and at least one (yellow:
/// compliance warns from ten).
pub(super) fn seizure_day(days: &Days<'_>) -> Date {
    let warn = i64::from(crate::compliance::LIMIT_WARN_DAYS);
    days.limit_start(Procedure::Coercion, HELMET_EXTENSION_DAYS, 6.min(warn - 1), 1)
        .unwrap_or_else(|| days.within(39, 36, 44))
}

/// 生产销售不合格电动自行车头盔: 查封扣押 on two cameras, a gap explained
/// and a gap not, and the demo's one override; the 复检 takes longer than
/// the 30 days, so the leader extends the seizure a few days before it would
/// end, and the 延长查封扣押期限决定书 is issued the same day.
fn helmets(p: &mut Plan, days: &Days<'_>) {
    let c = HELMETS;
    let s = seizure_day(days);
    let later = days.after(s, 3);
    // A working day three to six days before the original 30 days end.
    let extended = days.on_or_before(s + Duration::days(27));
    p.add(
        c,
        at(extended, 9, 0),
        LEADER,
        Do::Extend {
            days: HELMET_EXTENSION_DAYS,
            reason: "扣押头盔已送省级检验机构复检，复检周期约二十个工作日，30日内无法作出处理决定，情况复杂，需延长扣押期限。",
        },
    );
    p.add(
        c,
        at(extended, 9, 20),
        "officer3",
        Do::Draft {
            format: "seizure_extension_decision",
            fields: json!({
                "original_decision": "{number:seizure_decision}",
                "original_date": date(s),
                "measure": "扣押",
                "items": "“安途”牌电动自行车头盔（型号AT-302）库存成品360顶。",
                "testing_notice": "复检期间不计入扣押期限，复检结果出具后将及时告知。",
                "review_agency": REVIEW_AGENCY, "court": COURT, "decision_date": date(extended),
                "seal": seal(extended),
            }),
        },
    );
    p.add(c, at(extended, 9, 40), LEADER, Do::Issue { format: "seizure_extension_decision" });
    p.add(c, at(s, 8, 40), "officer3", Do::Open);
    p.add(
        c,
        at(s, 8, 50),
        "officer3",
        Do::Draft {
            format: "seizure_decision",
            fields: json!({
                "measure": "扣押",
                "reason": "你单位生产的“安途”牌电动自行车头盔经市级监督抽检，佩戴装置强度不合格。为防止不合格产品继续销售、危害扩大及证据灭失",
                "legal_basis": "《中华人民共和国产品质量法》第十八条第一款第四项；《中华人民共和国行政强制法》第二十二条、第二十四条",
                "items": "“安途”牌电动自行车头盔（型号AT-302）库存成品360顶，详见查封扣押财物清单。",
                "start_date": date(s), "end_date": date(s + Duration::days(29)),
                "custody": "就地封存于当事人成品仓库，加贴本机关封条",
                "review_agency": REVIEW_AGENCY, "court": COURT, "decision_date": date(s), "seal": seal(s),
            }),
        },
    );
    p.move_to(c, at(s, 9, 5), Stage::Investigation, "经负责人批准，依法实施扣押");
    p.add(c, at(s, 9, 10), LEADER, Do::Issue { format: "seizure_decision" });
    // Published in time (行政强制: 20 working days).
    p.disclose(c, "seizure_decision", at(days.after(s, 2), 15, 0), "officer3", DiscloseStep::Redact(&[]));
    p.disclose(c, "seizure_decision", at(days.after(s, 3), 10, 0), REVIEWER, DiscloseStep::Confirm);
    p.disclose(c, "seizure_decision", at(days.after(s, 3), 16, 0), LEADER, DiscloseStep::Publish);
    let start = at(s, 9, 30);
    p.act(
        c,
        ActSpec {
            kind: ActKind::Seizure,
            venue: Venue::OnSite,
            start,
            minutes: 25,
            address: None,
            venue_name: None,
            notes: Some("当场交付查封扣押决定书，清点并扣押库存头盔360顶，张贴封条。"),
        },
        85,
    );
    // 李强's camera runs 12.4 s fast, 刘洋's 5.3 s slow. Both stop while the
    // officers cross from the shop to the warehouse (explained below); a
    // second stretch of about 90 s, after 刘洋's camera has ended and before
    // 李强's resumes, has no explanation.
    let t = |h, m, sec| at_s(s, h, m, sec);
    p.clips(
        c,
        at(s, 15, 30),
        vec![
            cam("officer3", "DSJ-LJ2-0201", Fixture::Ten, t(9, 29, 0), 12_400, false),
            cam("officer3", "DSJ-LJ2-0201", Fixture::Five, t(9, 42, 30), 12_400, false),
            cam("officer3", "DSJ-LJ2-0201", Fixture::Ten, t(9, 49, 0), 12_400, false),
        ],
    );
    p.clips(
        c,
        at(s, 15, 45),
        vec![
            cam("officer4", "DSJ-LJ2-0202", Fixture::Ten, t(9, 29, 30), -5_300, false),
            cam("officer4", "DSJ-LJ2-0202", Fixture::Five, t(9, 42, 0), -5_300, false),
        ],
    );
    p.add(
        c,
        at(s, 14, 0),
        "officer3",
        Do::Register {
            name: "现场笔录",
            file_name: "现场笔录-扫描件.pdf",
            signed_on: s,
            lines: [
                "LIUHEN DEMO - scan of a signed paper record",
                "Xianchang bilu (on-site record)",
                "Anutu helmet factory seizure",
            ],
        },
    );
    p.add(
        c,
        at(s, 14, 10),
        "officer3",
        Do::Register {
            name: "查封扣押财物清单",
            file_name: "查封扣押财物清单-扫描件.pdf",
            signed_on: s,
            lines: [
                "LIUHEN DEMO - scan of a signed paper record",
                "Chafeng kouya caiwu qingdan (list of seized goods)",
                "360 helmets, model AT-302",
            ],
        },
    );
    p.add(
        c,
        at(s, 16, 0),
        "officer3",
        Do::Explain(ExplainSpec {
            act: ActKind::Seizure,
            reason: "change_of_place",
            from: t(9, 39, 0),
            to: t(9, 42, 30),
            text: "执法人员由门市部转至马路对面的成品仓库清点库存，途中两台执法记录仪暂停录制，到达仓库后恢复录制。",
        }),
    );
    p.add(
        c,
        at(later, 10, 0),
        LEADER,
        Do::Move {
            to: Stage::Decision,
            reason: "扣押已实施，待检验机构复检结果作出处理决定",
            override_reason: Some(
                "第二处约90秒的音像记录中断尚无中止说明，已要求李强、刘洋书面说明原因；扣押物品已由现场笔录和查封扣押财物清单逐项记载并经当事人签字确认。为在扣押期限内作出处理决定，同意先行进入审核决定阶段。",
            ),
        },
    );
}

/// 无照经营餐饮服务: a ¥20,000 fine on a person (major), waiting for 法制审核.
fn kitchen(p: &mut Plan, days: &Days<'_>) {
    let c = KITCHEN;
    let d0 = days.back(30);
    let d = |k| days.after(d0, k);
    p.open_penalty(
        c,
        d0,
        9,
        filing(
            c,
            d0,
            "投诉、申诉、举报",
            "邻居投诉当事人在住宅内加工快餐并通过外卖平台销售，油烟扰民。",
            "《无证无照经营查处办法》第二条、第十三条；《市场监督管理行政处罚程序规定》第十八条",
        ),
    );
    let inspection = at(d(1), 11, 0);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 25,
            address: None,
            venue_name: None,
            notes: Some("检查当事人住宅厨房及外卖订单记录。"),
        },
        40,
    );
    p.clips(
        c,
        at(d(1), 16, 0),
        segments(
            "officer3",
            "DSJ-LJ2-0201",
            &[Fixture::Fifteen, Fixture::Fifteen],
            inspection - Duration::seconds(60),
            11_870,
            false,
        ),
    );
    p.clips(
        c,
        at(d(1), 16, 10),
        segments(
            "officer4",
            "DSJ-LJ2-0202",
            &[Fixture::Ten, Fixture::Ten, Fixture::Ten],
            inspection - Duration::seconds(20),
            -5_120,
            false,
        ),
    );
    p.document(
        c,
        "officer3",
        "onsite_inspection_record",
        inspection_record(
            c,
            "张某某",
            "经营者",
            "当事人住宅厨房内有商用燃气灶2台、冷柜1台及待售快餐盒饭30余份；手机外卖平台店铺“望江小厨”显示月销量600余单。当事人不能提供营业执照及食品经营许可证。",
            d(1),
        ),
        at(d(1), 14, 30),
        at(d(1), 15, 30),
    );
    let inquiry = at(d(3), 14, 0);
    let (address, venue_name) = inquiry_room("第一询问室");
    p.act(
        c,
        ActSpec {
            kind: ActKind::Inquiry,
            venue: Venue::CaseHandlingVenue,
            start: inquiry,
            minutes: 20,
            address,
            venue_name,
            notes: Some("询问当事人。"),
        },
        30,
    );
    p.clips(
        c,
        at(d(3), 16, 0),
        segments(
            "officer4",
            "DSJ-LJ2-0202",
            &[Fixture::Fifteen, Fixture::Ten],
            inquiry - Duration::seconds(60),
            -5_180,
            false,
        ),
    );
    p.document(
        c,
        "officer4",
        "inquiry_record",
        inquiry_record(
            c,
            &party(c),
            "当事人",
            "无",
            "问：你从什么时候开始在家中经营外卖快餐？\n答：今年年初开始的，每天中午做四五十份。\n问：是否办理了营业执照？\n答：没有办，想着做一段时间再说。\n问：外卖平台上的营业额是多少？\n答：平台账单显示累计营业额大约十万元。",
            d(3),
        ),
        at(d(3), 15, 0),
        at(d(3), 16, 30),
    );
    p.move_to(c, at(d(6), 9, 30), Stage::Decision, "调查终结：违法事实清楚，证据确实充分");
    p.document(
        c,
        "officer3",
        "penalty_prior_notice",
        json!({
            "facts": "当事人未依法取得营业执照，自今年年初起在其住宅内加工快餐并通过外卖平台销售，累计营业额约10万元。",
            "evidence": "1.现场检查笔录及现场照片；\n2.询问笔录；\n3.外卖平台经营数据截图。",
            "law_violated": "《无证无照经营查处办法》第二条",
            "legal_basis": "《无证无照经营查处办法》第十三条",
            "proposed_penalty": "责令停止违法行为，罚款人民币20000元。", "fine_amount": "20000.00",
            "hearing_right": "享有听证权利", "contact_person": "李强", "contact_phone": "0571-86005678",
            "agency_address": AGENCY_ADDRESS, "notice_date": date(d(7)), "seal": seal(d(7)),
        }),
        at(d(7), 10, 0),
        at(d(7), 11, 0),
    );
    // The party asked for no hearing; the decision goes to 法制审核 the day before yesterday.
    let submitted = days.back(2);
    p.add(
        c,
        at(submitted, 9, 30),
        "officer3",
        Do::Propose {
            version: 1,
            decision: fine(2_000_000, &["fine"], "责令停止无照经营，罚款人民币贰万元整"),
        },
    );
    p.add(c, at(submitted, 10, 0), "officer3", Do::Submit { version: 1 });
}

/// The day the trademark case opened: 行政处罚's limit counts from 立案
/// (90 days nationally), so it is the latest working day from which the
/// limit ran out at least five days ago (red).
pub(super) fn opened_trademark(days: &Days<'_>) -> Date {
    days.limit_start(Procedure::PenaltyOrdinary, 0, -5, i64::MIN)
        .unwrap_or_else(|| days.on_or_before(days.today - Duration::days(96)))
}

/// 销售侵犯注册商标专用权的商品: investigated, waiting for the rights
/// holder's expert opinion, past its limit.
fn trademark(p: &mut Plan, days: &Days<'_>) {
    let c = TRADEMARK;
    let d0 = opened_trademark(days);
    let d = |k| days.after(d0, k);
    p.open_penalty(
        c,
        d0,
        9,
        filing(
            c,
            d0,
            "投诉、申诉、举报",
            "商标权利人投诉当事人销售仿冒其注册商标的运动鞋，并提供了购买凭证。",
            "《中华人民共和国商标法》第五十七条第三项、第六十条；《市场监督管理行政处罚程序规定》第十八条",
        ),
    );
    let inspection = at(d(1), 14, 0);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 28,
            address: None,
            venue_name: None,
            notes: Some("检查店内陈列及库存运动鞋，清点涉嫌侵权商品。"),
        },
        50,
    );
    p.clips(
        c,
        at(d(1), 17, 0),
        segments(
            "officer3",
            "DSJ-LJ2-0201",
            &[Fixture::Fifteen, Fixture::Fifteen],
            inspection - Duration::seconds(50),
            9_640,
            false,
        ),
    );
    p.clips(
        c,
        at(d(1), 17, 5),
        segments(
            "officer4",
            "DSJ-LJ2-0202",
            &[Fixture::Fifteen, Fixture::Fifteen],
            inspection - Duration::seconds(20),
            -4_410,
            false,
        ),
    );
    p.document(
        c,
        "officer3",
        "onsite_inspection_record",
        inspection_record(
            c,
            "吴某",
            "经营者",
            "店内货架及仓库存放标有“FLYSTEP”商标的运动鞋共计86双，当事人不能提供进货票据及商标授权证明。执法人员对涉嫌侵权商品拍照取证并抽取样品2双。",
            d(1),
        ),
        at(d(1), 16, 0),
        at(d(1), 17, 10),
    );
    let inquiry = at(d(6), 10, 0);
    let (address, venue_name) = inquiry_room("第二询问室");
    p.act(
        c,
        ActSpec {
            kind: ActKind::Inquiry,
            venue: Venue::CaseHandlingVenue,
            start: inquiry,
            minutes: 18,
            address,
            venue_name,
            notes: Some("询问当事人经营者。"),
        },
        30,
    );
    p.clips(
        c,
        at(d(6), 14, 0),
        segments(
            "officer3",
            "DSJ-LJ2-0201",
            &[Fixture::Fifteen, Fixture::Five],
            inquiry - Duration::seconds(60),
            9_720,
            false,
        ),
    );
    let owner = person("吴某", "33010219900923411", "13905710013", "临江市江滨区中山南路58号");
    p.document(
        c,
        "officer4",
        "inquiry_record",
        inquiry_record(
            c,
            &owner,
            "当事人的法定代表人",
            "临江市潮品服饰店 经营者",
            "问：店内“FLYSTEP”运动鞋从何处购进？\n答：从网上一个批发商处购进，没有发票。\n问：进货价和销售价分别是多少？\n答：进价每双80元，卖180元。\n问：是否知道这些鞋是仿冒的？\n答：不清楚，价格确实比专卖店便宜很多。",
            d(6),
        ),
        at(d(6), 14, 30),
        at(d(6), 15, 30),
    );
}

/// 特种设备未经定期检验继续使用: a 行政检查 opened the day before yesterday.
fn lifts(p: &mut Plan, days: &Days<'_>) {
    let c = LIFTS;
    let d0 = days.back(2);
    let d1 = days.back(1);
    p.add(c, at(d0, 15, 0), "officer1", Do::Open);
    p.move_to(c, at(d0, 15, 20), Stage::Investigation, "开展电梯定期检验情况检查");
    let inspection = at(d1, 10, 0);
    p.act(
        c,
        ActSpec {
            kind: ActKind::OnSiteInspection,
            venue: Venue::OnSite,
            start: inspection,
            minutes: 20,
            address: None,
            venue_name: None,
            notes: Some("检查小区电梯使用登记、检验合格证及维保记录。"),
        },
        40,
    );
    let mut clips = segments(
        "officer1",
        "DSJ-LJ1-0101",
        &[Fixture::Fifteen, Fixture::Ten],
        inspection - Duration::seconds(90),
        1_950,
        true,
    );
    clips.extend(segments(
        "officer2",
        "DSJ-LJ1-0102",
        &[Fixture::Ten, Fixture::Ten, Fixture::Five],
        inspection - Duration::seconds(60),
        -20_870,
        true,
    ));
    p.clips(c, at(d1, 17, 20), clips);
    p.document(
        c,
        "officer1",
        "onsite_inspection_record",
        inspection_record(
            c,
            "郑国平",
            "物业经理",
            "滨江花园小区3幢1号电梯轿厢内张贴的特种设备使用标志显示下次检验日期已过期两个月，电梯仍在运行；物业不能提供本年度定期检验报告。",
            d1,
        ),
        at(d1, 14, 30),
        at(d1, 15, 30),
    );
}

/// 调阅: the reviewer reads the overdue trademark case (in 调查取证, so not
/// yet theirs to read) through a grant; officer2's request for the 无照经营
/// case (another team's, 个人隐私) waits.
fn access(p: &mut Plan, days: &Days<'_>) {
    p.add(
        TRADEMARK,
        at(days.back(3), 10, 0),
        REVIEWER,
        Do::Request {
            purpose: "该案已超过办案期限，法制科提前介入，了解证据收集情况并提出审核建议",
            days: 7,
        },
    );
    p.add(TRADEMARK, at(days.back(3), 11, 30), LEADER, Do::Approve { requester: REVIEWER });
    // The grant and its read end the story, so the alert the read raises is
    // among the latest events a supervisor's 工作台 shows.
    p.add(TRADEMARK, at(days.back(1), 17, 30), SUPERVISOR, Do::Approve { requester: REVIEWER });
    p.add(TRADEMARK, at(days.back(1), 17, 40), REVIEWER, Do::ReadThroughGrant);
    p.add(
        KITCHEN,
        at(days.back(1), 16, 20),
        "officer2",
        Do::Request {
            purpose: "办理无照经营餐饮案件，参考本案罚款裁量及法制审核情况", days: 3
        },
    );
}

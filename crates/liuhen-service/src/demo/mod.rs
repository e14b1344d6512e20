//! The demo agency: 临江市市场监督管理局 (a fictional city) with three units,
//! a user for every role, and eight cases spread over every stage, each with
//! the acts its stage implies. Seeding is idempotent and resumable: every
//! step looks for what it would create first, so running it again (or after
//! an interruption) completes the demo without duplicating anything.

use liuhen_domain::{
    ActKind, CaseId, CaseKind, Confidentiality, NewAct, NewCase, NewUnit, NewUser, OrgUnit, Party,
    PersonIdKind, Place, ResidentId, Role, Stage, Uscc, UserId, Venue,
};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::admin::AdminActor;
use crate::error::{Result, ServiceError};
use crate::{CaseQuery, Principal, Service, TransitionRequest};

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
const AGENCY_NAME: &str = "临江市市场监督管理局";

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

struct DemoCase {
    cause: &'static str,
    kind: CaseKind,
    team: usize,
    party: fn() -> Party,
    label: Confidentiality,
    stage: Stage,
    summary: &'static str,
}

fn person(name: &str, first17: &str, phone: &str) -> Party {
    let check = ResidentId::check_character(first17).unwrap_or('0');
    Party::NaturalPerson {
        name: name.into(),
        id_kind: PersonIdKind::ResidentIdCard,
        id_number: format!("{first17}{check}"),
        phone: Some(phone.into()),
        address: Some("临江市江滨区".into()),
    }
}

fn company(name: &str, body17: &str, rep: &str) -> Party {
    let check = Uscc::check_character(body17).unwrap_or('0');
    Party::Organisation {
        name: name.into(),
        uscc: format!("{body17}{check}"),
        legal_representative: Some(rep.into()),
        address: Some("临江市江滨区".into()),
    }
}

const CASES: &[DemoCase] = &[
    DemoCase {
        cause: "销售超过保质期的食品",
        kind: CaseKind::Penalty,
        team: 1,
        label: Confidentiality::Internal,
        stage: Stage::Archived,
        party: || company("临江市鲜丰超市有限公司", "91330100MA2H4K7X1", "钱某"),
        summary: "群众举报该超市销售过期酸奶，现场检查发现货架上有超过保质期的乳制品12盒。",
    },
    DemoCase {
        cause: "虚假宣传保健食品功效",
        kind: CaseKind::Penalty,
        team: 1,
        label: Confidentiality::TradeSecret,
        stage: Stage::Execution,
        party: || company("临江市康健堂贸易有限公司", "91330100MA2J8N3Q5", "孙某"),
        summary: "当事人在门店宣传册中宣称普通保健食品具有治疗高血压功效。",
    },
    DemoCase {
        cause: "无照经营餐饮服务",
        kind: CaseKind::Penalty,
        team: 2,
        label: Confidentiality::PersonalPrivacy,
        stage: Stage::Decision,
        party: || person("张某某", "33010219850312123", "13905710001"),
        summary: "当事人未取得营业执照在居民区经营快餐外卖。",
    },
    DemoCase {
        cause: "生产销售不合格电动自行车头盔",
        kind: CaseKind::Coercion,
        team: 2,
        label: Confidentiality::Internal,
        stage: Stage::Decision,
        party: || company("临江市安途头盔厂", "92330100MA2K5P9R3", "周某"),
        summary: "抽检不合格，拟对库存头盔实施查封扣押。",
    },
    DemoCase {
        cause: "计量器具未按规定检定",
        kind: CaseKind::Inspection,
        team: 1,
        label: Confidentiality::PersonalPrivacy,
        stage: Stage::Investigation,
        party: || person("王某", "33010619780521341", "13905710002"),
        summary: "农贸市场摊位使用的电子计价秤未经检定。",
    },
    DemoCase {
        cause: "销售侵犯注册商标专用权的商品",
        kind: CaseKind::Penalty,
        team: 2,
        label: Confidentiality::TradeSecret,
        stage: Stage::Investigation,
        party: || company("临江市潮品服饰店", "92330100MA2L6T2W8", "吴某"),
        summary: "权利人投诉该店销售仿冒运动鞋。",
    },
    DemoCase {
        cause: "经营者未明码标价",
        kind: CaseKind::Penalty,
        team: 1,
        label: Confidentiality::PersonalPrivacy,
        stage: Stage::Initiation,
        party: || person("李某", "33010519900307123", "13905710003"),
        summary: "水果摊未标示商品价格，经提醒后仍未改正。",
    },
    DemoCase {
        cause: "特种设备未经定期检验继续使用",
        kind: CaseKind::Inspection,
        team: 2,
        label: Confidentiality::Internal,
        stage: Stage::Initiation,
        party: || company("临江市滨江物业管理有限公司", "91330100MA2M7U4Y6", "郑某"),
        summary: "小区电梯检验合格证已过期仍在运行。",
    },
];

/// Creates whatever part of the demo is missing and returns the demo logins.
pub async fn seed(service: &Service) -> Result<Vec<DemoLogin>> {
    let agency = ensure_agency(service).await?;
    let mut units = vec![agency.clone()];
    for name in UNITS {
        units.push(ensure_unit(service, &agency, name).await?);
    }
    let mut logins = Vec::new();
    let mut ids = Vec::new();
    for u in USERS {
        let unit = units.get(u.unit).ok_or(ServiceError::Internal("demo unit index".into()))?;
        ids.push(ensure_user(service, u, unit).await?);
        logins.push(DemoLogin {
            login: u.login.into(),
            password: demo_password(u.login),
            role: u.role.code().into(),
            unit: unit.name.clone(),
        });
    }
    let session = |login: &'static str| async move {
        let out = service.login(login, &demo_password(login)).await?;
        service.authenticate(&out.token).await
    };
    let leader = session("leader1").await?;
    let teams = [
        (session("officer1").await?, ids.get(1).copied()),
        (session("officer3").await?, ids.get(3).copied()),
    ];
    for (i, c) in CASES.iter().enumerate() {
        let (lead, partner) = if c.team == 1 { &teams[0] } else { &teams[1] };
        let partner = partner.ok_or(ServiceError::Internal("demo partner".into()))?;
        let team_unit = units.get(c.team).ok_or(ServiceError::Internal("demo team".into()))?;
        ensure_case(service, &leader, lead, partner, team_unit, c, i).await?;
    }
    service.logout(&leader).await?;
    for (t, _) in &teams {
        service.logout(t).await?;
    }
    Ok(logins)
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
        name: AGENCY_NAME.into(),
        parent_id: None,
        short_name: Some("临市监".into()),
        uscc: Some(uscc),
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
    let input = NewUnit { name: name.into(), parent_id: Some(agency.id), short_name: None, uscc: None };
    service.create_unit(AdminActor::CommandLine, &input).await
}

async fn ensure_user(service: &Service, u: &DemoUser, unit: &OrgUnit) -> Result<UserId> {
    if let Ok(found) = service.user_by_login(u.login).await {
        return Ok(found.id);
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
    Ok(service.create_user(AdminActor::CommandLine, &input, Some(&demo_password(u.login))).await?.id)
}

/// The acts a case has by the time it reaches `stage`.
fn acts_for(stage: Stage) -> Vec<(ActKind, Venue, i64, i64)> {
    // (kind, venue, days before today, minutes long)
    let mut acts = Vec::new();
    if stage >= Stage::Investigation {
        acts.push((ActKind::OnSiteInspection, Venue::OnSite, 20, 75));
        acts.push((ActKind::Inquiry, Venue::CaseHandlingVenue, 18, 50));
    }
    if stage >= Stage::Decision {
        acts.push((ActKind::Sampling, Venue::OnSite, 17, 30));
    }
    if stage >= Stage::Execution {
        acts.push((ActKind::ServiceInPerson, Venue::OnSite, 6, 15));
    }
    if stage >= Stage::Archived {
        acts.push((ActKind::Execution, Venue::OnSite, 2, 40));
    }
    acts
}

async fn ensure_case(
    service: &Service,
    leader: &Principal,
    lead: &Principal,
    partner: UserId,
    unit: &OrgUnit,
    c: &DemoCase,
    index: usize,
) -> Result<()> {
    let (found, _) = service
        .list_cases(leader, &CaseQuery { q: Some(c.cause.into()), limit: Some(10), ..Default::default() })
        .await?;
    let id: CaseId = match found.into_iter().find(|s| s.cause == c.cause) {
        Some(s) => s.id,
        None => {
            let input = NewCase {
                cause: c.cause.into(),
                kind: c.kind,
                procedure: None,
                unit_id: Some(unit.id),
                label: Some(c.label),
                summary: Some(c.summary.into()),
                parties: vec![(c.party)()],
                officers: vec![lead.user.id, partner],
            };
            service.create_case(lead, &input).await?.id
        }
    };
    let have = service.list_acts(lead, id).await?.len();
    let today = liuhen_domain::when::in_beijing(service.now()).replace_time(time::Time::MIDNIGHT);
    let policy = service.policy()?;
    for (kind, venue, days_ago, minutes) in acts_for(c.stage).into_iter().skip(have) {
        let starts_at: OffsetDateTime =
            today - Duration::days(days_ago) + Duration::hours(9 + index as i64 % 5);
        let input = NewAct {
            kind,
            starts_at,
            ends_at: starts_at + Duration::minutes(minutes),
            place: Place {
                address: if venue == Venue::CaseHandlingVenue {
                    "临江市市场监督管理局".into()
                } else {
                    "临江市江滨区滨江路88号".into()
                },
                latitude: Some(30.21 + index as f64 * 0.003),
                longitude: Some(120.19 + index as f64 * 0.004),
            },
            venue,
            venue_name: (venue == Venue::CaseHandlingVenue).then(|| "第一询问室".into()),
            officers: vec![lead.user.id, partner],
            parties: vec![0],
            notes: None,
            // The officers attest every 记录要素 the rulebook asks of the act.
            elements: policy
                .rule(kind, venue)
                .elements
                .into_iter()
                .map(|e| e.value)
                .filter(|e| !crate::compliance::shown_by_fields(e))
                .collect(),
        };
        service.add_act(lead, id, &input).await?;
    }
    let mut current = service.get_case(leader, id).await?.stage;
    while current < c.stage {
        let Some(next) = current.next() else { break };
        if next == Stage::Execution && c.kind == CaseKind::Penalty {
            ensure_decided(service, leader, lead, id).await?;
        }
        // The demo has no recordings and makes no documents: where the
        // rulebook asks for them, the leader's override says so, and the
        // ledger keeps it.
        let req = TransitionRequest {
            to: next,
            reason: Some(format!("演示数据：进入{}阶段", next.label_zh())),
            override_reason: Some("演示数据：没有音像记录文件，执法文书未在系统内制作".into()),
        };
        current = service.transition(leader, id, &req).await?.stage;
    }
    Ok(())
}

/// 送达执行 carries out a decision made: a demo penalty case gets a fine
/// below the major-decision thresholds, proposed and issued.
async fn ensure_decided(service: &Service, leader: &Principal, lead: &Principal, id: CaseId) -> Result<()> {
    let status = service.review_status(leader, id).await?;
    if status.decision.as_ref().is_some_and(|d| d.issued_at.is_some()) {
        return Ok(());
    }
    if status.decision.is_none() {
        let fine = liuhen_domain::ProposedDecision {
            fine_fen: 2_000_000,
            measures: vec!["fine".into()],
            after_hearing: false,
            flagged_major: None,
            summary: "罚款人民币贰万元整".into(),
        };
        service.propose_decision(lead, id, &fine).await?;
    }
    service.issue_decision(leader, id).await?;
    Ok(())
}

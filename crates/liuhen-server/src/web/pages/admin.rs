//! 系统管理: units, users, API tokens, and the registers of body cameras
//! (执法记录仪: 领用/归还, status) and docking stations (采集站) of the
//! administrator's agency. Every change is a request to the JSON API
//! (`/api/v1/units`, `/api/v1/users`, `/api/v1/tokens`, `/api/v1/devices`,
//! `/api/v1/stations`), whose service calls hold the rules.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use liuhen_domain::{
    Confidentiality, Device, DeviceStatus, OrgUnit, Role, Station, TokenScope, UnitId, User, UserId,
};
use liuhen_service::ApiToken;
use liuhen_service::admin::AdminActor;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    c: Frame,
    units: Vec<OrgUnit>,
    users: Vec<User>,
    tokens: Vec<ApiToken>,
    roles: &'static [Role],
    labels: Vec<Confidentiality>,
    scopes: &'static [TokenScope],
    devices: Vec<Device>,
    stations: Vec<Station>,
    statuses: &'static [DeviceStatus],
}

pub async fn page(State(s): State<AppState>, v: Viewer) -> Response {
    finish(build(&s, v).await)
}

async fn build(s: &AppState, v: Viewer) -> PageResult {
    if !liuhen_service::scope::may_administer(&v.me.user) {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let units = s.service.list_units(&v.me).await.or_page(&v.frame)?;
    let users = s.service.list_users(&v.me).await.or_page(&v.frame)?;
    let tokens =
        s.service.list_tokens(AdminActor::User(Box::new(v.me.clone())), None).await.or_page(&v.frame)?;
    let devices = s.service.list_devices(&v.me).await.or_page(&v.frame)?;
    let stations = s.service.list_stations(&v.me).await.or_page(&v.frame)?;
    let page = AdminPage {
        c: v.frame,
        units,
        users,
        tokens,
        roles: Role::ALL,
        labels: Confidentiality::ALL.iter().copied().filter(|l| *l != Confidentiality::StateSecret).collect(),
        scopes: TokenScope::ALL,
        devices,
        stations,
        statuses: DeviceStatus::ALL,
    };
    Ok(render(&page))
}

impl AdminPage {
    /// The name of a unit of the agency (its id when unknown).
    fn unit_name(&self, id: &UnitId) -> String {
        self.units.iter().find(|u| u.id == *id).map_or_else(|| id.to_string(), |u| u.name.clone())
    }

    /// The parent's name of a unit (empty for the agency).
    fn parent_name(&self, u: &OrgUnit) -> String {
        u.parent_id.map(|p| self.unit_name(&p)).unwrap_or_default()
    }

    /// Whether an administrator set exactly this clearance for the user.
    fn has_clearance(&self, u: &User, l: &Confidentiality) -> bool {
        u.clearance == Some(*l)
    }

    /// The users a device may be issued to, as the service decides (an
    /// active officer or leader holding a 执法证).
    fn enforcers(&self) -> Vec<&User> {
        self.users.iter().filter(|u| liuhen_service::scope::may_enforce(u)).collect()
    }

    /// The display name and login of a user of the agency.
    fn user_name(&self, id: &UserId) -> String {
        self.users
            .iter()
            .find(|u| u.id == *id)
            .map_or_else(|| id.to_string(), |u| format!("{}（{}）", u.display_name, u.login))
    }
}

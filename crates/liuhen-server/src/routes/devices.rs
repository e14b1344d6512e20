//! The device register (执法记录仪) and the station register (采集站):
//! `GET|POST /api/v1/devices`, `GET|PATCH /api/v1/devices/{serial}`,
//! `POST /api/v1/devices/{serial}/issue` (领用), `POST /api/v1/devices/{serial}/return` (归还),
//! `GET|POST /api/v1/devices/{serial}/clock` (校时), `GET|POST /api/v1/stations`.
//! Administrators keep them (each change a ledger entry); leaders and
//! supervisors read them; docking stations report clocks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liuhen_domain::{
    ClockMeasurement, Device, DeviceBinding, DeviceChange, NewDevice, NewStation, Station, UserId,
};
use liuhen_service::admin::AdminActor;
use liuhen_service::devices::DeviceHistory;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};

fn admin(me: &liuhen_service::Principal) -> AdminActor {
    AdminActor::User(Box::new(me.clone()))
}

/// The devices of the caller's agency by 产品序号, each with its holder while issued.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", operation_id = "list_devices",
    responses((status = 200, body = Vec<Device>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Json<Vec<Device>>> {
    Ok(Json(s.service.list_devices(&me).await?))
}

/// Registers a device (administrators; 产品序号 unique within the agency).
/// Recorded as `device.registered`.
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", operation_id = "register_device",
    request_body = NewDevice,
    responses((status = 201, body = Device), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(input): ApiJson<NewDevice>,
) -> ApiResult<(StatusCode, Json<Device>)> {
    let agency = me.user.agency_id;
    Ok((StatusCode::CREATED, Json(s.service.register_device(admin(&me), agency, &input).await?)))
}

/// A device and every 领用 it has had.
#[utoipa::path(get, path = "/api/v1/devices/{serial}", tag = "devices", operation_id = "device_history",
    params(("serial" = String, Path, description = "产品序号")),
    responses((status = 200, body = DeviceHistory), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn history(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(serial): ApiPath<String>,
) -> ApiResult<Json<DeviceHistory>> {
    Ok(Json(s.service.device_history(&me, &serial).await?))
}

/// Changes a device's status (在用, 维修, 停用), model or unit
/// (administrators; a device issued is returned first). Recorded as `device.changed`.
#[utoipa::path(patch, path = "/api/v1/devices/{serial}", tag = "devices", operation_id = "change_device",
    params(("serial" = String, Path, description = "产品序号")), request_body = DeviceChange,
    responses((status = 200, body = Device), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(serial): ApiPath<String>,
    ApiJson(change): ApiJson<DeviceChange>,
) -> ApiResult<Json<Device>> {
    let agency = me.user.agency_id;
    Ok(Json(s.service.change_device(admin(&me), agency, &serial, &change).await?))
}

/// Whom a device is issued to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueDevice {
    /// An active officer or leader of the agency holding a 执法证.
    pub officer_id: UserId,
}

/// 领用: issues an in-service device to an officer from now until it is
/// returned; one open 领用 per device. Recorded as `device.issued`.
#[utoipa::path(post, path = "/api/v1/devices/{serial}/issue", tag = "devices", operation_id = "issue_device",
    params(("serial" = String, Path, description = "产品序号")), request_body = IssueDevice,
    responses((status = 201, body = DeviceBinding), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn issue(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(serial): ApiPath<String>,
    ApiJson(req): ApiJson<IssueDevice>,
) -> ApiResult<(StatusCode, Json<DeviceBinding>)> {
    let agency = me.user.agency_id;
    let b = s.service.issue_device(admin(&me), agency, &serial, req.officer_id).await?;
    Ok((StatusCode::CREATED, Json(b)))
}

/// 归还: ends the device's open 领用. Recorded as `device.returned`.
#[utoipa::path(post, path = "/api/v1/devices/{serial}/return", tag = "devices", operation_id = "return_device",
    params(("serial" = String, Path, description = "产品序号")),
    responses((status = 200, body = DeviceBinding), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn return_device(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(serial): ApiPath<String>,
) -> ApiResult<Json<DeviceBinding>> {
    let agency = me.user.agency_id;
    Ok(Json(s.service.return_device(admin(&me), agency, &serial).await?))
}

/// The clock offsets measured on a device (registered or not), newest first.
#[utoipa::path(get, path = "/api/v1/devices/{serial}/clock", tag = "devices", operation_id = "clock_history",
    params(("serial" = String, Path, description = "产品序号")),
    responses((status = 200, body = Vec<ClockMeasurement>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn clock_history(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(serial): ApiPath<String>,
) -> ApiResult<Json<Vec<ClockMeasurement>>> {
    Ok(Json(s.service.clock_history(&me, &serial).await?))
}

/// A docking station's 校时 of a docked device.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockReport {
    /// Device clock minus true time, in milliseconds.
    pub offset_ms: i64,
    /// The station's own id, as in its uploads.
    #[serde(default)]
    pub station_id: Option<String>,
}

/// 校时 reported by a docking station (also allowed to upload-only tokens).
/// Kept in the device's history; beyond the configured threshold
/// (`clock_drift_threshold_ms`) recorded as `device.clock_drift`, an alert on
/// the supervision stream, else as `device.clock_measured`.
#[utoipa::path(post, path = "/api/v1/devices/{serial}/clock", tag = "devices", operation_id = "report_clock",
    params(("serial" = String, Path, description = "产品序号")), request_body = ClockReport,
    responses((status = 201, body = ClockMeasurement), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn report_clock(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(serial): ApiPath<String>,
    ApiJson(req): ApiJson<ClockReport>,
) -> ApiResult<(StatusCode, Json<ClockMeasurement>)> {
    let m = s.service.report_clock(&me, &serial, req.offset_ms, req.station_id.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// The docking stations of the caller's agency.
#[utoipa::path(get, path = "/api/v1/stations", tag = "devices", operation_id = "list_stations",
    responses((status = 200, body = Vec<Station>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn stations(State(s): State<AppState>, Caller(me): Caller) -> ApiResult<Json<Vec<Station>>> {
    Ok(Json(s.service.list_stations(&me).await?))
}

/// Registers a docking station, optionally bound to its 采集站 account
/// (administrators). Recorded as `station.registered`.
#[utoipa::path(post, path = "/api/v1/stations", tag = "devices", operation_id = "register_station",
    request_body = NewStation,
    responses((status = 201, body = Station), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register_station(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(input): ApiJson<NewStation>,
) -> ApiResult<(StatusCode, Json<Station>)> {
    let agency = me.user.agency_id;
    Ok((StatusCode::CREATED, Json(s.service.register_station(admin(&me), agency, &input).await?)))
}

//! The device register (执法记录仪) and the station register (采集站), kept
//! by administrators: each registration, change, 领用 and 归还 is its own
//! ledger entry. Stations report each device's clock offset at docking
//! (校时), alone or with an upload; every measurement is kept, and one
//! beyond [`ServiceConfig::clock_drift_threshold_ms`](crate::ServiceConfig)
//! is a `device.clock_drift` entry (an alert on the supervision stream).
//!
//! Uploads are checked against the register when they become evidence
//! ([`device_flags`]): an unregistered device, one held by nobody or by
//! another officer at the (clock-corrected) time of recording, a unit that is
//! not the device's, a clock beyond the threshold — each is a
//! [`DeviceFlag`] kept with the evidence and shown as a finding on the clip.
//! Nothing is refused for it: evidence must not be lost.

use liuhen_domain::{
    Actor, ClockMeasurement, Device, DeviceBinding, DeviceChange, DeviceFlag, DeviceFlagKind, DeviceId,
    DeviceStatus, EntryKind, EvidenceId, NewDevice, NewStation, Role, Station, StationId, UnitId, UserId,
    ValidationError, device_identifier,
};
use liuhen_store::{Tx, Write};
use serde::Serialize;
use time::OffsetDateTime;

use crate::admin::AdminActor;
use crate::error::{Result, ServiceError};
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// A device with every 领用 it has had.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceHistory {
    pub device: Device,
    /// Oldest first; the last one is open while the device is issued.
    pub bindings: Vec<DeviceBinding>,
}

/// Measurements kept per device and returned at most.
pub const CLOCK_HISTORY_LIMIT: u32 = 1_000;

impl AdminActor {
    fn user_id(&self) -> Option<UserId> {
        match self {
            AdminActor::User(p) => Some(p.user.id),
            AdminActor::CommandLine => None,
        }
    }
}

fn not_found_device() -> ServiceError {
    ServiceError::NotFound("device")
}

async fn device_of(tx: &mut Tx<Write>, agency: UnitId, serial: &str) -> Result<Device> {
    tx.device_by_serial(agency, serial).await?.ok_or_else(not_found_device)
}

async fn unit_of_agency(tx: &mut Tx<Write>, unit: UnitId, agency: UnitId) -> Result<()> {
    match tx.get_unit(unit).await {
        Ok(u) if u.agency_id == agency => Ok(()),
        _ => Err(ValidationError::new("unit_id", "no such unit in this agency").into()),
    }
}

impl Service {
    /// The devices of the caller's agency (administrators, leaders and supervisors).
    pub async fn list_devices(&self, me: &Principal) -> Result<Vec<Device>> {
        may_read(me)?;
        let mut tx = self.store.read().await?;
        let out = tx.list_devices(me.user.agency_id).await?;
        tx.finish().await?;
        Ok(out)
    }

    /// A device and its 领用 history.
    pub async fn device_history(&self, me: &Principal, serial: &str) -> Result<DeviceHistory> {
        may_read(me)?;
        let mut tx = self.store.read().await?;
        let device = tx.device_by_serial(me.user.agency_id, serial).await?;
        let out = match device {
            Some(device) => {
                let bindings = tx.device_bindings(device.id).await?;
                Ok(DeviceHistory { device, bindings })
            }
            None => Err(not_found_device()),
        };
        tx.finish().await?;
        out
    }

    /// Registers a device of `agency` (产品序号 unique within it). Recorded as `device.registered`.
    pub async fn register_device(
        &self,
        who: AdminActor,
        agency: UnitId,
        input: &NewDevice,
    ) -> Result<Device> {
        who.check_agency(agency)?;
        let now = self.now();
        let device = input.validate(DeviceId::from_bytes(random_bytes()?), agency, now)?;
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    unit_of_agency(tx, device.unit_id, agency).await?;
                    if tx.device_by_serial(agency, &device.serial).await?.is_some() {
                        return Err(ServiceError::Conflict(format!(
                            "产品序号 {} is already on the register (设备已登记)",
                            device.serial
                        )));
                    }
                    tx.insert_device(&device).await?;
                    record(
                        tx,
                        now,
                        EntryKind::DeviceRegistered,
                        who.actor(),
                        Some(agency),
                        vec![device.id.subject(), device.unit_id.subject()],
                        Some(&device),
                    )
                    .await?;
                    Ok(device)
                })
            })
            .await
    }

    /// Changes a device's status, model or unit. A device in an officer's
    /// hands is returned before it goes for repair or out of service.
    /// Recorded as `device.changed`, committing to the device before and after.
    pub async fn change_device(
        &self,
        who: AdminActor,
        agency: UnitId,
        serial: &str,
        change: &DeviceChange,
    ) -> Result<Device> {
        who.check_agency(agency)?;
        let now = self.now();
        let (serial, change) = (serial.to_owned(), change.clone());
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let before = device_of(tx, agency, &serial).await?;
                    let after = change.apply(&before)?;
                    if after.unit_id != before.unit_id {
                        unit_of_agency(tx, after.unit_id, agency).await?;
                    }
                    if after.status != DeviceStatus::InService && before.holder.is_some() {
                        return Err(ServiceError::Conflict(
                            "the device is issued to an officer: return it first (请先归还)".into(),
                        ));
                    }
                    tx.update_device(&after).await?;
                    let content = serde_json::json!({"before": before, "after": after});
                    let mut subjects = vec![after.id.subject(), after.unit_id.subject()];
                    if after.unit_id != before.unit_id {
                        subjects.push(before.unit_id.subject());
                    }
                    record(
                        tx,
                        now,
                        EntryKind::DeviceChanged,
                        who.actor(),
                        Some(agency),
                        subjects,
                        Some(&content),
                    )
                    .await?;
                    Ok(after)
                })
            })
            .await
    }

    /// 领用: issues an in-service device to an officer of the agency who may
    /// enforce, from now until it is returned. A device has one open 领用 at
    /// a time. Recorded as `device.issued`.
    pub async fn issue_device(
        &self,
        who: AdminActor,
        agency: UnitId,
        serial: &str,
        officer: UserId,
    ) -> Result<DeviceBinding> {
        who.check_agency(agency)?;
        let now = self.now();
        let serial = serial.to_owned();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let device = device_of(tx, agency, &serial).await?;
                    let holder = match tx.get_user(officer).await {
                        Ok(u) if u.agency_id == agency => u,
                        _ => return Err(ValidationError::new("officer_id", "no such officer in this agency").into()),
                    };
                    if !crate::scope::may_enforce(&holder) {
                        return Err(ValidationError::new(
                            "officer_id",
                            "a device is issued to an active officer or leader holding a 执法证",
                        )
                        .into());
                    }
                    if device.status != DeviceStatus::InService {
                        return Err(ServiceError::Conflict(format!(
                            "the device is {} ({}); only a device 在用 is issued",
                            device.status.code(),
                            device.status.label_zh()
                        )));
                    }
                    if device.holder.is_some() {
                        return Err(ServiceError::Conflict(
                            "the device is already issued: it is returned before it is issued again (设备已领用，请先归还)"
                                .into(),
                        ));
                    }
                    let binding = DeviceBinding {
                        device_id: device.id,
                        officer_id: holder.id,
                        issued_at: now,
                        issued_by: who.user_id(),
                        returned_at: None,
                        returned_by: None,
                    };
                    tx.insert_binding(&binding).await?;
                    record(
                        tx,
                        now,
                        EntryKind::DeviceIssued,
                        who.actor(),
                        Some(agency),
                        vec![device.id.subject(), holder.id.subject(), device.unit_id.subject()],
                        Some(&binding),
                    )
                    .await?;
                    Ok(binding)
                })
            })
            .await
    }

    /// 归还: closes the device's open 领用. Recorded as `device.returned`.
    pub async fn return_device(
        &self,
        who: AdminActor,
        agency: UnitId,
        serial: &str,
    ) -> Result<DeviceBinding> {
        who.check_agency(agency)?;
        let now = self.now();
        let serial = serial.to_owned();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let device = device_of(tx, agency, &serial).await?;
                    let Some(officer) = device.holder else {
                        return Err(ServiceError::Conflict("the device is not issued (设备未领用)".into()));
                    };
                    let by = who.user_id();
                    if !tx.close_binding(device.id, now, by).await? {
                        return Err(ServiceError::Conflict("the device is not issued (设备未领用)".into()));
                    }
                    let binding = tx
                        .device_bindings(device.id)
                        .await?
                        .into_iter()
                        .rev()
                        .find(|b| b.officer_id == officer && b.returned_at.is_some())
                        .ok_or(ServiceError::Internal("a returned device has no closed issue".into()))?;
                    record(
                        tx,
                        now,
                        EntryKind::DeviceReturned,
                        who.actor(),
                        Some(agency),
                        vec![device.id.subject(), officer.subject(), device.unit_id.subject()],
                        Some(&binding),
                    )
                    .await?;
                    Ok(binding)
                })
            })
            .await
    }

    /// 校时 reported by a docking station at docking: the device clock's
    /// offset (device minus true time, ms). Kept in the device's history
    /// (registered or not); beyond the threshold it is recorded as
    /// `device.clock_drift`, else `device.clock_measured`.
    pub async fn report_clock(
        &self,
        me: &Principal,
        serial: &str,
        offset_ms: i64,
        station_id: Option<&str>,
    ) -> Result<ClockMeasurement> {
        if !(me.user.active && me.user.role == Role::Station) {
            return Err(ServiceError::Forbidden(
                "only a docking station reports device clocks (校时)".into(),
            ));
        }
        let serial = device_identifier("serial", serial)?;
        if offset_ms.abs() > 86_400_000 {
            return Err(ValidationError::new("offset_ms", "must be whole milliseconds within a day").into());
        }
        let station = station_id.map(|s| device_identifier("station_id", s)).transpose()?;
        let now = self.now();
        let threshold = self.config.clock_drift_threshold_ms;
        let who = me.user.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let device = tx.device_by_serial(who.agency_id, &serial).await?;
                    let m = ClockMeasurement {
                        serial,
                        offset_ms,
                        measured_at: now,
                        station_id: station,
                        evidence_id: None,
                        reported_by: who.id,
                        over_threshold: offset_ms.abs() > threshold,
                    };
                    let unit = device.as_ref().map_or(who.unit_id, |d| d.unit_id);
                    record_clock(tx, now, actor(&who), who.agency_id, unit, device.as_ref(), &m).await?;
                    Ok(m)
                })
            })
            .await
    }

    /// A device's clock measurements, newest first (at most [`CLOCK_HISTORY_LIMIT`]).
    pub async fn clock_history(&self, me: &Principal, serial: &str) -> Result<Vec<ClockMeasurement>> {
        may_read(me)?;
        let mut tx = self.store.read().await?;
        let out = tx.clock_history(me.user.agency_id, serial, CLOCK_HISTORY_LIMIT).await?;
        tx.finish().await?;
        Ok(out)
    }

    /// The docking stations of the caller's agency.
    pub async fn list_stations(&self, me: &Principal) -> Result<Vec<Station>> {
        may_read(me)?;
        let mut tx = self.store.read().await?;
        let out = tx.list_stations(me.user.agency_id).await?;
        tx.finish().await?;
        Ok(out)
    }

    /// Registers a docking station, optionally bound to its 采集站 account.
    /// Recorded as `station.registered`.
    pub async fn register_station(
        &self,
        who: AdminActor,
        agency: UnitId,
        input: &NewStation,
    ) -> Result<Station> {
        who.check_agency(agency)?;
        let now = self.now();
        let station = input.validate(StationId::from_bytes(random_bytes()?), agency, now)?;
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    unit_of_agency(tx, station.unit_id, agency).await?;
                    if let Some(u) = station.user_id {
                        match tx.get_user(u).await {
                            Ok(user) if user.agency_id == agency && user.role == Role::Station => {}
                            _ => {
                                return Err(ValidationError::new(
                                    "user_id",
                                    "no 采集站 account of this agency has that id",
                                )
                                .into());
                            }
                        }
                    }
                    if tx.list_stations(agency).await?.iter().any(|s| s.station_id == station.station_id) {
                        return Err(ServiceError::Conflict(format!(
                            "station {} is already on the register (采集站已登记)",
                            station.station_id
                        )));
                    }
                    tx.insert_station(&station).await?;
                    let mut subjects = vec![station.id.subject(), station.unit_id.subject()];
                    subjects.extend(station.user_id.map(|u| u.subject()));
                    record(
                        tx,
                        now,
                        EntryKind::StationRegistered,
                        who.actor(),
                        Some(agency),
                        subjects,
                        Some(&station),
                    )
                    .await?;
                    Ok(station)
                })
            })
            .await
    }
}

/// Who reads the registers: administrators, leaders and supervisors of the agency.
fn may_read(me: &Principal) -> Result<()> {
    if crate::scope::may_read_devices(&me.user) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "the device register is read by administrators, leaders and supervisors".into(),
        ))
    }
}

/// Keeps a clock measurement and writes its entry: `device.clock_drift` when
/// beyond the threshold, else `device.clock_measured`. The entry names the
/// device (when registered), the unit that places it and the evidence it came with.
pub(crate) async fn record_clock(
    tx: &mut Tx<Write>,
    now: OffsetDateTime,
    who: Actor,
    agency: UnitId,
    unit: UnitId,
    device: Option<&Device>,
    m: &ClockMeasurement,
) -> Result<()> {
    tx.insert_clock(agency, m).await?;
    let kind = if m.over_threshold { EntryKind::ClockDrift } else { EntryKind::ClockMeasured };
    let mut subjects: Vec<String> = device.map(|d| d.id.subject()).into_iter().collect();
    subjects.extend(m.evidence_id.map(|e: EvidenceId| e.subject()));
    subjects.push(unit.subject());
    record(tx, now, kind, who, Some(agency), subjects, Some(m)).await?;
    Ok(())
}

/// What an upload said about its device, for [`device_flags`].
pub(crate) struct DeviceClaim<'a> {
    pub serial: Option<&'a str>,
    pub officer: Option<UserId>,
    pub unit_code: Option<&'a str>,
    pub unit_name: Option<&'a str>,
    pub clock_offset_ms: Option<i64>,
    /// When it recorded (clock-corrected), or when it came in.
    pub at: OffsetDateTime,
}

fn seconds(ms: i64) -> String {
    let s = format!("{:.1}", ms as f64 / 1000.0);
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// Where an upload disagrees with the agency's device register; the device
/// as registered, if it is.
pub(crate) async fn device_flags(
    tx: &mut Tx<Write>,
    agency: UnitId,
    claim: &DeviceClaim<'_>,
    threshold_ms: i64,
) -> Result<(Vec<DeviceFlag>, Option<Device>)> {
    let mut flags = Vec::new();
    if let Some(off) = claim.clock_offset_ms
        && off.abs() > threshold_ms
    {
        flags.push(DeviceFlag {
            kind: DeviceFlagKind::ClockDrift,
            detail: format!(
                "设备时钟偏差 {} 秒，超过校时阈值 {} 秒 (clock off by {} s, threshold {} s)",
                seconds(off),
                seconds(threshold_ms),
                seconds(off),
                seconds(threshold_ms)
            ),
        });
    }
    let Some(serial) = claim.serial else { return Ok((flags, None)) };
    let Some(device) = tx.device_by_serial(agency, serial).await? else {
        flags.push(DeviceFlag {
            kind: DeviceFlagKind::Unregistered,
            detail: format!("产品序号 {serial} 不在本机关执法记录仪登记中 (device not on the register)"),
        });
        return Ok((flags, None));
    };
    if device.status != DeviceStatus::InService {
        flags.push(DeviceFlag {
            kind: DeviceFlagKind::NotInService,
            detail: format!(
                "设备 {serial} 登记状态为{} (device is {})",
                device.status.label_zh(),
                device.status.code()
            ),
        });
    }
    let when = liuhen_domain::when::in_beijing(claim.at);
    let when = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute(),
        when.second()
    );
    match tx.device_binding_at(device.id, claim.at).await? {
        None => flags.push(DeviceFlag {
            kind: DeviceFlagKind::NotIssued,
            detail: format!(
                "录制时（{when}）设备 {serial} 未领用给任何执法人员 (issued to nobody at the time)"
            ),
        }),
        Some(b) if Some(b.officer_id) != claim.officer => {
            let cert = tx.get_user(b.officer_id).await.ok().and_then(|u| u.cert_no).unwrap_or_default();
            flags.push(DeviceFlag {
                kind: DeviceFlagKind::OtherOfficer,
                detail: format!(
                    "录制时（{when}）设备 {serial} 由执法证号 {cert} 的执法人员领用 (issued to another officer)"
                ),
            });
        }
        Some(_) => {}
    }
    if claim.unit_code.is_some() || claim.unit_name.is_some() {
        let unit = tx.get_unit(device.unit_id).await?;
        let code_differs = claim.unit_code.is_some_and(|c| unit.code.as_deref() != Some(c));
        let name_differs =
            claim.unit_name.is_some_and(|n| n != unit.name && unit.short_name.as_deref() != Some(n));
        if code_differs || name_differs {
            flags.push(DeviceFlag {
                kind: DeviceFlagKind::UnitMismatch,
                detail: format!(
                    "设备报告单位 {}（编号 {}），登记单位 {}（编号 {}） (the device's unit is not the registered one)",
                    claim.unit_name.unwrap_or("—"),
                    claim.unit_code.unwrap_or("—"),
                    unit.name,
                    unit.code.as_deref().unwrap_or("—")
                ),
            });
        }
    }
    Ok((flags, Some(device)))
}

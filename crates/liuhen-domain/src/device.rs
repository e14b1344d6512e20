//! The device register: body cameras (执法记录仪) by their 产品序号, who
//! holds each (领用/归还), the clock offsets stations measure at docking
//! (校时), and the docking stations (采集站) themselves. What an upload says
//! about its device is checked against the register; a disagreement is a
//! [`DeviceFlag`] on the evidence, never a refusal (evidence is not lost).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::required_text;
use crate::{DeviceId, EvidenceId, StationId, UnitId, UserId, ValidationError};

crate::labelled_enum! {
    /// Whether a device may be issued.
    pub enum DeviceStatus {
        /// 在用 — in service: may be issued to an officer.
        InService = ("in_service", "在用"),
        /// 维修 — under repair.
        UnderRepair = ("under_repair", "维修"),
        /// 停用 — retired.
        Retired = ("retired", "停用"),
    }
}

crate::labelled_enum! {
    /// What an upload's device record disagrees with the register on.
    pub enum DeviceFlagKind {
        /// The 产品序号 is on no register of the agency.
        Unregistered = ("device_unregistered", "设备未登记"),
        /// The register had the device under repair or retired when its file came in.
        NotInService = ("device_not_in_service", "设备非在用状态"),
        /// The device was issued to nobody when it recorded.
        NotIssued = ("device_not_issued", "录制时设备未领用"),
        /// The device was issued to another officer when it recorded.
        OtherOfficer = ("device_other_officer", "录制时设备由他人领用"),
        /// The 单位编号 or 单位名称 the device reported is not its unit's on the register.
        UnitMismatch = ("device_unit_mismatch", "设备所属单位不符"),
        /// The device clock's measured offset is beyond the configured threshold.
        ClockDrift = ("clock_drift", "校时偏差超限"),
    }
}

/// One disagreement between an upload and the register, kept with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceFlag {
    pub kind: DeviceFlagKind,
    /// What was found, for people (`设备 DSJ-0001 录制时由执法证号 33010026002 领用`).
    pub detail: String,
}

/// A body camera on the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Device {
    pub id: DeviceId,
    pub agency_id: UnitId,
    /// The unit that keeps the device.
    pub unit_id: UnitId,
    /// 产品序号, unique within the agency.
    pub serial: String,
    /// 型号.
    pub model: String,
    pub status: DeviceStatus,
    /// The officer holding it now (an open 领用), if any.
    pub holder: Option<UserId>,
    /// Since when the holder holds it.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub held_since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub registered_at: OffsetDateTime,
}

/// What an administrator supplies to register a device.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// 产品序号.
    pub serial: String,
    /// 型号.
    pub model: String,
    pub unit_id: UnitId,
}

/// A change of a device's status, model or unit; absent members stay.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceChange {
    #[serde(default)]
    pub status: Option<DeviceStatus>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub unit_id: Option<UnitId>,
}

/// One 领用: a device in an officer's hands from `issued_at` until `returned_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceBinding {
    pub device_id: DeviceId,
    pub officer_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: OffsetDateTime,
    /// The administrator who issued it (none: from the command line).
    pub issued_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<OffsetDateTime>,
    pub returned_by: Option<UserId>,
}

impl DeviceBinding {
    /// Whether the device was in the officer's hands at `t`.
    pub fn covers(&self, t: OffsetDateTime) -> bool {
        self.issued_at <= t && self.returned_at.is_none_or(|r| t < r)
    }
}

/// One 校时: a device clock's offset as a station measured it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClockMeasurement {
    /// 产品序号 (the device may not be on the register).
    pub serial: String,
    /// Device clock minus true time, in milliseconds.
    pub offset_ms: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub measured_at: OffsetDateTime,
    /// The station that measured it, as it names itself.
    pub station_id: Option<String>,
    /// The upload that carried it, when it came with a file.
    pub evidence_id: Option<EvidenceId>,
    pub reported_by: UserId,
    /// Beyond the threshold in force when it was reported.
    pub over_threshold: bool,
}

/// A docking station on the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Station {
    pub id: StationId,
    pub agency_id: UnitId,
    pub unit_id: UnitId,
    /// How the station names itself in uploads (`station_id`).
    pub station_id: String,
    /// 名称.
    pub name: String,
    /// The 采集站 account it uploads with, if bound.
    pub user_id: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub registered_at: OffsetDateTime,
}

/// What an administrator supplies to register a station.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    pub station_id: String,
    pub name: String,
    pub unit_id: UnitId,
    #[serde(default)]
    pub user_id: Option<UserId>,
}

/// Checks an identifier a device or station gives itself: 1–64 letters,
/// digits and `- _ . :`.
pub fn device_identifier(field: &str, v: &str) -> Result<String, ValidationError> {
    let v = required_text(field, v, 64)?;
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')) {
        return Err(ValidationError::new(field, "may hold only letters, digits and - _ . :"));
    }
    Ok(v)
}

impl NewDevice {
    /// Validates into a device of `agency`, in service and held by nobody.
    pub fn validate(
        &self,
        id: DeviceId,
        agency: UnitId,
        now: OffsetDateTime,
    ) -> Result<Device, ValidationError> {
        Ok(Device {
            id,
            agency_id: agency,
            unit_id: self.unit_id,
            serial: device_identifier("serial", &self.serial)?,
            model: required_text("model", &self.model, 64)?,
            status: DeviceStatus::InService,
            holder: None,
            held_since: None,
            registered_at: now,
        })
    }
}

impl DeviceChange {
    /// The device after the change.
    pub fn apply(&self, before: &Device) -> Result<Device, ValidationError> {
        let mut after = before.clone();
        if let Some(s) = self.status {
            after.status = s;
        }
        if let Some(m) = &self.model {
            after.model = required_text("model", m, 64)?;
        }
        if let Some(u) = self.unit_id {
            after.unit_id = u;
        }
        if after == *before {
            return Err(ValidationError::new("status", "nothing to change (没有变更)"));
        }
        Ok(after)
    }
}

impl NewStation {
    pub fn validate(
        &self,
        id: StationId,
        agency: UnitId,
        now: OffsetDateTime,
    ) -> Result<Station, ValidationError> {
        Ok(Station {
            id,
            agency_id: agency,
            unit_id: self.unit_id,
            station_id: device_identifier("station_id", &self.station_id)?,
            name: required_text("name", &self.name, 100)?,
            user_id: self.user_id,
            registered_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn devices_validate_and_bindings_cover_their_period() {
        let unit = UnitId::from_bytes([1; 16]);
        let now = datetime!(2026-03-02 09:00 UTC);
        let d = NewDevice { serial: " DSJ-A8-0001 ".into(), model: "DSJ-A8".into(), unit_id: unit }
            .validate(DeviceId::from_bytes([2; 16]), unit, now)
            .unwrap();
        assert_eq!((d.serial.as_str(), d.status), ("DSJ-A8-0001", DeviceStatus::InService));
        let e = NewDevice { serial: "DSJ 1".into(), model: "x".into(), unit_id: unit }
            .validate(DeviceId::from_bytes([2; 16]), unit, now)
            .unwrap_err();
        assert_eq!(e.field, "serial");
        assert_eq!("维修".parse::<DeviceStatus>().unwrap(), DeviceStatus::UnderRepair);
        assert_eq!(DeviceChange::default().apply(&d).unwrap_err().field, "status");
        let b = DeviceBinding {
            device_id: d.id,
            officer_id: UserId::from_bytes([3; 16]),
            issued_at: now,
            issued_by: Some(UserId::from_bytes([4; 16])),
            returned_at: Some(now + time::Duration::hours(8)),
            returned_by: None,
        };
        assert!(b.covers(now) && b.covers(now + time::Duration::hours(1)));
        assert!(!b.covers(now - time::Duration::seconds(1)) && !b.covers(now + time::Duration::hours(8)));
    }
}

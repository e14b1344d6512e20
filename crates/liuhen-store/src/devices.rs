//! The device register: body cameras, their 领用/归还, their clock offsets
//! (校时), and the docking stations.

use liuhen_domain::{
    ClockMeasurement, Device, DeviceBinding, DeviceId, DeviceStatus, Station, UnitId, UserId,
};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{code, col, flag, from_ms, parsed, parsed_opt, time_ms, to_ms};
use crate::{Tx, Write};

const DEVICE_COLUMNS: &str = "d.id, d.agency_id, d.unit_id, d.serial, d.model, d.status, d.registered_ms, \
     b.officer_id, b.issued_ms";
const DEVICE_FROM: &str =
    "devices d LEFT JOIN device_bindings b ON b.device_id = d.id AND b.returned_ms IS NULL";

fn device_from_row(row: &AnyRow) -> Result<Device> {
    Ok(Device {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        unit_id: parsed(row, "unit_id")?,
        serial: col(row, "serial")?,
        model: col(row, "model")?,
        status: code(row, "status", DeviceStatus::from_code)?,
        holder: parsed_opt(row, "officer_id")?,
        held_since: col::<Option<i64>>(row, "issued_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
        registered_at: time_ms(row, "registered_ms")?,
    })
}

fn binding_from_row(row: &AnyRow) -> Result<DeviceBinding> {
    Ok(DeviceBinding {
        device_id: parsed(row, "device_id")?,
        officer_id: parsed(row, "officer_id")?,
        issued_at: time_ms(row, "issued_ms")?,
        issued_by: parsed_opt(row, "issued_by")?,
        returned_at: col::<Option<i64>>(row, "returned_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
        returned_by: parsed_opt(row, "returned_by")?,
    })
}

fn clock_from_row(row: &AnyRow) -> Result<ClockMeasurement> {
    Ok(ClockMeasurement {
        serial: col(row, "serial")?,
        offset_ms: col(row, "offset_ms")?,
        measured_at: time_ms(row, "measured_ms")?,
        station_id: col(row, "station_id")?,
        evidence_id: parsed_opt(row, "evidence_id")?,
        reported_by: parsed(row, "reported_by")?,
        over_threshold: flag(row, "over_threshold")?,
    })
}

fn station_from_row(row: &AnyRow) -> Result<Station> {
    Ok(Station {
        id: parsed(row, "id")?,
        agency_id: parsed(row, "agency_id")?,
        unit_id: parsed(row, "unit_id")?,
        station_id: col(row, "station_id")?,
        name: col(row, "name")?,
        user_id: parsed_opt(row, "user_id")?,
        registered_at: time_ms(row, "registered_ms")?,
    })
}

const BINDING_COLUMNS: &str = "device_id, officer_id, issued_ms, issued_by, returned_ms, returned_by";
const CLOCK_COLUMNS: &str =
    "serial, offset_ms, measured_ms, station_id, evidence_id, reported_by, over_threshold";
const STATION_COLUMNS: &str = "id, agency_id, unit_id, station_id, name, user_id, registered_ms";

impl<M> Tx<M> {
    /// The devices of an agency, by 产品序号, each with its holder if issued.
    pub async fn list_devices(&mut self, agency: UnitId) -> Result<Vec<Device>> {
        let sql =
            format!("SELECT {DEVICE_COLUMNS} FROM {DEVICE_FROM} WHERE d.agency_id = $1 ORDER BY d.serial");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.to_string()).fetch_all(self.conn()).await?;
        rows.iter().map(device_from_row).collect()
    }

    /// A device of an agency by its 产品序号.
    pub async fn device_by_serial(&mut self, agency: UnitId, serial: &str) -> Result<Option<Device>> {
        let sql =
            format!("SELECT {DEVICE_COLUMNS} FROM {DEVICE_FROM} WHERE d.agency_id = $1 AND d.serial = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(agency.to_string())
            .bind(serial)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(device_from_row).transpose()
    }

    /// Every 领用 of a device, oldest first.
    pub async fn device_bindings(&mut self, device: DeviceId) -> Result<Vec<DeviceBinding>> {
        let sql =
            format!("SELECT {BINDING_COLUMNS} FROM device_bindings WHERE device_id = $1 ORDER BY issued_ms");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(device.to_string()).fetch_all(self.conn()).await?;
        rows.iter().map(binding_from_row).collect()
    }

    /// The 领用 of a device in force at `t`, if any.
    pub async fn device_binding_at(
        &mut self,
        device: DeviceId,
        t: OffsetDateTime,
    ) -> Result<Option<DeviceBinding>> {
        let sql = format!(
            "SELECT {BINDING_COLUMNS} FROM device_bindings WHERE device_id = $1 AND issued_ms <= $2 \
             AND (returned_ms IS NULL OR returned_ms > $2) ORDER BY issued_ms DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(device.to_string())
            .bind(to_ms(t))
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(binding_from_row).transpose()
    }

    /// The clock offsets measured on a device of an agency, newest first.
    pub async fn clock_history(
        &mut self,
        agency: UnitId,
        serial: &str,
        limit: u32,
    ) -> Result<Vec<ClockMeasurement>> {
        let sql = format!(
            "SELECT {CLOCK_COLUMNS} FROM device_clock WHERE agency_id = $1 AND serial = $2 \
             ORDER BY seq DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(agency.to_string())
            .bind(serial)
            .bind(i64::from(limit))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(clock_from_row).collect()
    }

    /// The docking stations of an agency, by station id.
    pub async fn list_stations(&mut self, agency: UnitId) -> Result<Vec<Station>> {
        let sql = format!("SELECT {STATION_COLUMNS} FROM stations WHERE agency_id = $1 ORDER BY station_id");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.to_string()).fetch_all(self.conn()).await?;
        rows.iter().map(station_from_row).collect()
    }
}

impl Tx<Write> {
    /// Stores a new device (its holder, if any, is not stored here: see [`Tx::insert_binding`]).
    pub async fn insert_device(&mut self, d: &Device) -> Result<()> {
        sqlx::query(
            "INSERT INTO devices (id, agency_id, unit_id, serial, model, status, registered_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d.id.to_string())
        .bind(d.agency_id.to_string())
        .bind(d.unit_id.to_string())
        .bind(&d.serial)
        .bind(&d.model)
        .bind(d.status.code())
        .bind(to_ms(d.registered_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "device"))?;
        Ok(())
    }

    /// Stores a device's new unit, model and status.
    pub async fn update_device(&mut self, d: &Device) -> Result<()> {
        let done = sqlx::query("UPDATE devices SET unit_id = $1, model = $2, status = $3 WHERE id = $4")
            .bind(d.unit_id.to_string())
            .bind(&d.model)
            .bind(d.status.code())
            .bind(d.id.to_string())
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::from_sqlx(e, "device"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("device"));
        }
        Ok(())
    }

    /// Opens a 领用; a device with an open one is refused.
    pub async fn insert_binding(&mut self, b: &DeviceBinding) -> Result<()> {
        sqlx::query(
            "INSERT INTO device_bindings (device_id, officer_id, issued_ms, issued_by, returned_ms, returned_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(b.device_id.to_string())
        .bind(b.officer_id.to_string())
        .bind(to_ms(b.issued_at))
        .bind(b.issued_by.map(|u| u.to_string()))
        .bind(b.returned_at.map(to_ms))
        .bind(b.returned_by.map(|u| u.to_string()))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "an open issue of this device"))?;
        Ok(())
    }

    /// Closes a device's open 领用 (归还); `false` when there was none.
    pub async fn close_binding(
        &mut self,
        device: DeviceId,
        at: OffsetDateTime,
        by: Option<UserId>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE device_bindings SET returned_ms = $1, returned_by = $2 \
             WHERE device_id = $3 AND returned_ms IS NULL",
        )
        .bind(to_ms(at))
        .bind(by.map(|u| u.to_string()))
        .bind(device.to_string())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Adds a clock measurement to a device's history.
    pub async fn insert_clock(&mut self, agency: UnitId, m: &ClockMeasurement) -> Result<()> {
        sqlx::query(
            "INSERT INTO device_clock (agency_id, serial, seq, offset_ms, measured_ms, station_id, evidence_id, \
             reported_by, over_threshold) SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 \
             FROM device_clock WHERE agency_id = $1 AND serial = $2",
        )
        .bind(agency.to_string())
        .bind(&m.serial)
        .bind(m.offset_ms)
        .bind(to_ms(m.measured_at))
        .bind(&m.station_id)
        .bind(m.evidence_id.map(|e| e.to_string()))
        .bind(m.reported_by.to_string())
        .bind(i64::from(m.over_threshold))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "clock measurement"))?;
        Ok(())
    }

    /// Stores a new docking station.
    pub async fn insert_station(&mut self, s: &Station) -> Result<()> {
        sqlx::query(
            "INSERT INTO stations (id, agency_id, unit_id, station_id, name, user_id, registered_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.id.to_string())
        .bind(s.agency_id.to_string())
        .bind(s.unit_id.to_string())
        .bind(&s.station_id)
        .bind(&s.name)
        .bind(s.user_id.map(|u| u.to_string()))
        .bind(to_ms(s.registered_at))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "station"))?;
        Ok(())
    }
}

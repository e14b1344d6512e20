//! Evidence ingest and access: resumable uploads (the tus data plane is in
//! `liuhen_store::uploads`), the evidence record and its ledger entry, and
//! viewing sessions — one ledger entry per session, however many range
//! requests a player makes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use liuhen_domain::{
    CaseId, EntryKind, Evidence, EvidenceId, EvidenceMetadata, Role, UnitId, UserId, ValidationError,
    clean_file_name,
};
use liuhen_store::uploads::{Appended, ChunkChecksum, UploadArea, UploadError, UploadRecord};
use liuhen_store::{CaseScope, EvidenceDigests, evidence_unit};
use time::{Duration, OffsetDateTime};

use crate::error::{Result, ServiceError};
use crate::scope::case_scope;
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// Limits of evidence ingest.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// How long an unfinished upload is kept.
    pub expiry: Duration,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits { max_bytes: 64 << 30, expiry: Duration::hours(24) }
    }
}

/// How long a viewer may pause before a new request starts a new viewing session.
pub const VIEWING_SESSION_IDLE: Duration = Duration::minutes(30);

/// Evidence ingest state shared by every clone of the service.
pub(crate) struct EvidenceParts {
    area: UploadArea,
    limits: UploadLimits,
    sessions: Mutex<HashMap<(UserId, EvidenceId), OffsetDateTime>>,
}

/// What a chunk did.
#[derive(Debug, Clone)]
pub enum ChunkOutcome {
    Progress {
        offset: u64,
    },
    /// The last byte arrived and the file is now evidence.
    Complete {
        offset: u64,
        evidence: Box<Evidence>,
    },
}

fn upload_err(e: UploadError) -> ServiceError {
    match e {
        UploadError::NotFound | UploadError::Expired => ServiceError::NotFound("upload"),
        UploadError::OffsetMismatch { current, given } => {
            ServiceError::Conflict(format!("Upload-Offset is {given} but the upload holds {current} bytes"))
        }
        UploadError::TooLong(n) => {
            ServiceError::TooLarge(format!("the body passes the declared Upload-Length of {n}"))
        }
        UploadError::ChecksumMismatch => {
            ServiceError::ChecksumMismatch("Upload-Checksum does not match the body".into())
        }
        UploadError::Busy => ServiceError::Conflict("another request is writing to this upload".into()),
        UploadError::Body(e) => ServiceError::Conflict(format!("the request body broke off: {e}")),
        UploadError::Blob(liuhen_store::blobs::BlobError::DiskFull(e)) => ServiceError::InsufficientStorage(
            format!("the evidence disk is full ({e}); the upload can resume later"),
        ),
        UploadError::Blob(liuhen_store::blobs::BlobError::BadId(_)) => ServiceError::NotFound("upload"),
        UploadError::Blob(e) => ServiceError::Internal(e.to_string()),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Service {
    /// Enables evidence ingest over an upload area.
    #[must_use]
    pub fn with_evidence(mut self, area: UploadArea, limits: UploadLimits) -> Self {
        self.evidence = Some(Arc::new(EvidenceParts { area, limits, sessions: Mutex::default() }));
        self
    }

    fn evidence_parts(&self) -> Result<&EvidenceParts> {
        self.evidence.as_deref().ok_or(ServiceError::Internal("evidence storage is not configured".into()))
    }

    /// The upload area, which also stores the PDFs the server renders.
    pub(crate) fn evidence_area(&self) -> Result<UploadArea> {
        Ok(self.evidence_parts()?.area.clone())
    }

    pub fn upload_limits(&self) -> Result<UploadLimits> {
        Ok(self.evidence_parts()?.limits)
    }

    /// Creates an upload (tus creation). Officers, leaders and docking
    /// stations upload; the metadata is checked now, before any byte.
    pub async fn create_upload(
        &self,
        me: &Principal,
        length: u64,
        pairs: HashMap<String, String>,
    ) -> Result<UploadRecord> {
        let parts = self.evidence_parts()?;
        if !matches!(me.user.role, Role::Officer | Role::Leader | Role::Station) {
            return Err(ServiceError::Forbidden(
                "only officers, leaders and docking stations upload evidence".into(),
            ));
        }
        if length > parts.limits.max_bytes {
            return Err(ServiceError::TooLarge(format!(
                "Upload-Length {length} is over the limit of {} bytes",
                parts.limits.max_bytes
            )));
        }
        let meta = EvidenceMetadata::from_pairs(&pairs)?;
        if me.user.role == Role::Station && meta.officer_cert_no.is_none() {
            return Err(ValidationError::new(
                "officer",
                "a docking station names the officer (执法证号) of each file",
            )
            .into());
        }
        self.resolve_officer(me, &meta).await?;
        if let Some(case) = meta.case_id {
            self.check_case_link(me, case).await?;
        }
        let now = self.now();
        let record = UploadRecord {
            id: hex(&random_bytes::<16>()?),
            length,
            created_by: me.user.id.to_string(),
            metadata: pairs,
            created_ms: liuhen_domain::unix_ms(now),
            expires_ms: liuhen_domain::unix_ms(now + parts.limits.expiry),
            active_ms: None,
        };
        parts.area.create(&record).map_err(upload_err)?;
        Ok(record)
    }

    async fn resolve_officer(
        &self,
        me: &Principal,
        meta: &EvidenceMetadata,
    ) -> Result<Option<liuhen_domain::User>> {
        let Some(cert) = &meta.officer_cert_no else {
            return Ok((me.user.role != Role::Station).then(|| me.user.clone()));
        };
        // An officer or leader uploads their own recordings: a clip is linked
        // into the cases of the officer it names, so naming another would
        // reach past the uploader's scope.
        if me.user.role != Role::Station {
            if me.user.cert_no.as_deref() == Some(cert.as_str()) {
                return Ok(Some(me.user.clone()));
            }
            return Err(ValidationError::new(
                "officer",
                "you upload your own recordings (leave officer out, or give your own 执法证号); \
                 a docking station uploads for others",
            )
            .into());
        }
        let mut tx = self.store.read().await?;
        let users = tx.list_users(me.user.agency_id).await?;
        let units = tx.list_units(me.user.agency_id).await?;
        tx.finish().await?;
        let officer =
            users.into_iter().find(|u| u.cert_no.as_deref() == Some(cert.as_str())).ok_or_else(|| {
                ServiceError::from(ValidationError::new(
                    "officer",
                    "no officer of this agency holds that 执法证号",
                ))
            })?;
        // A docking station serves the officers of its unit and the units below it. Whether the
        // device was theirs is the register's to say: a disagreement flags the evidence, never refuses it.
        if !unit_within(&units, officer.unit_id, me.user.unit_id) {
            return Err(ValidationError::new(
                "officer",
                "that officer is not of this docking station's unit; dock the device at their unit's station",
            )
            .into());
        }
        Ok(Some(officer))
    }

    async fn check_case_link(&self, me: &Principal, case: CaseId) -> Result<()> {
        let scope = if me.user.role == Role::Station {
            CaseScope::Agency(me.user.agency_id)
        } else {
            case_scope(&me.user)
        };
        match self.store.get_case_in_scope(case, &scope).await? {
            Some(_) => Ok(()),
            None => Err(ValidationError::new("case_id", "no such case").into()),
        }
    }

    fn own_upload(&self, me: &Principal, id: &str) -> Result<(UploadRecord, u64)> {
        let (record, offset) = self.evidence_parts()?.area.status(id).map_err(upload_err)?;
        if record.created_by != me.user.id.to_string() {
            return Err(ServiceError::NotFound("upload"));
        }
        if record.expires_ms <= liuhen_domain::unix_ms(self.now()) {
            return Err(ServiceError::NotFound("upload"));
        }
        Ok((record, offset))
    }

    /// An upload's record and how many bytes it holds (tus HEAD). An upload
    /// that holds all its bytes but is not yet evidence (its last request
    /// failed after the bytes were safe, or the server stopped) is completed
    /// now, so a client that resumes finds its file recorded.
    pub async fn upload_status(
        &self,
        me: &Principal,
        id: &str,
    ) -> Result<(UploadRecord, u64, Option<Evidence>)> {
        let (record, offset) = self.own_upload(me, id)?;
        if offset < record.length {
            return Ok((record, offset, None));
        }
        let parts = self.evidence_parts()?;
        let Some(digests) = parts.area.complete_digests(id).await.map_err(upload_err)? else {
            return Ok((record, offset, None));
        };
        let evidence = self.complete_upload(me, id, &record, offset, digests).await?;
        Ok((record, offset, Some(evidence)))
    }

    /// Appends a request's body (tus PATCH). When the last byte arrives, the
    /// file becomes evidence: its digests are checked against a declared
    /// SHA-256, it is stored under its SHA-256, and its record and ledger
    /// entry are written together.
    pub async fn upload_chunk(
        &self,
        me: &Principal,
        id: &str,
        offset: u64,
        body: &mut liuhen_store::uploads::BodyStream<'_>,
        checksum: Option<ChunkChecksum>,
    ) -> Result<ChunkOutcome> {
        let (upload, _) = self.own_upload(me, id)?;
        let parts = self.evidence_parts()?;
        let now = Some(liuhen_domain::unix_ms(self.now()));
        let appended =
            parts.area.append_stream_at(id, offset, body, checksum, now).await.map_err(upload_err)?;
        let (offset, digests) = match appended {
            Appended::Progress { offset } => return Ok(ChunkOutcome::Progress { offset }),
            Appended::Complete { offset, digests } => (offset, digests),
        };
        let evidence = self.complete_upload(me, id, &upload, offset, digests).await?;
        Ok(ChunkOutcome::Complete { offset, evidence: Box::new(evidence) })
    }

    /// Makes a complete upload evidence: checks a declared SHA-256, stores
    /// the file under its digest, probes it, writes the record with its
    /// ledger entry and links, then drops the upload. Idempotent: the
    /// evidence id is derived from the upload id, so completing twice (after a crash
    /// between the record and the clean-up) records once.
    async fn complete_upload(
        &self,
        me: &Principal,
        id: &str,
        upload: &UploadRecord,
        size: u64,
        digests: liuhen_store::uploads::Digests,
    ) -> Result<Evidence> {
        let parts = self.evidence_parts()?;
        let meta = EvidenceMetadata::from_pairs(&upload.metadata)?;
        if let Some(declared) = meta.sha256
            && declared != digests.sha256
        {
            parts.area.remove(id).map_err(upload_err)?;
            return Err(ServiceError::Conflict(format!(
                "the file's SHA-256 is {} but {} was declared; nothing was kept",
                hex(&digests.sha256),
                hex(&declared)
            )));
        }
        let evidence_id = EvidenceId::from_bytes(
            hex::decode(id).ok().and_then(|b| b.try_into().ok()).ok_or(ServiceError::NotFound("upload"))?,
        );
        // Unlabelled, evidence of a case takes the case's label: a clip of a
        // 个人隐私 case is 个人隐私 unless the uploader says otherwise.
        let label = match (meta.label, meta.case_id) {
            (Some(l), _) => l,
            (None, Some(case)) => self
                .store
                .get_case_in_scope(case, &CaseScope::Agency(me.user.agency_id))
                .await?
                .map_or(liuhen_domain::Confidentiality::Internal, |c| c.label),
            (None, None) => liuhen_domain::Confidentiality::Internal,
        };
        parts.area.finish(id, &digests).await.map_err(upload_err)?;
        let officer = self.resolve_officer(me, &meta).await?;
        let part = parts.area.blobs().upload_part(id).map_err(|e| upload_err(e.into()))?;
        let media = probe_media(part, &meta.media_type).await;
        let now = self.now();
        let evidence = Evidence {
            id: evidence_id,
            agency_id: me.user.agency_id,
            unit_id: evidence_unit(officer.as_ref().map(|o| o.unit_id), me.user.unit_id),
            sha256: hex(&digests.sha256),
            sm3: hex(&digests.sm3),
            size,
            media_type: meta.media_type.clone(),
            file_name: clean_file_name(&meta.file_name)?,
            device_serial: meta.device_serial.clone(),
            officer_id: officer.map(|o| o.id),
            station_id: meta.station_id.clone(),
            recorded_start: meta.recorded_start.clone(),
            case_id: meta.case_id,
            important: meta.important,
            label,
            uploaded_by: me.user.id,
            created_at: now,
            clock_offset_ms: meta.clock_offset_ms,
            recorded_start_corrected: meta.recorded_start_corrected(),
            // A length no recording can have is not believed (the media facts keep what the file says).
            duration_ms: media
                .pointer("/duration/milliseconds")
                .and_then(serde_json::Value::as_u64)
                .filter(|ms| *ms <= liuhen_domain::when::MAX_RECORDING_MS),
            media,
            unit_code: meta.unit_code.clone(),
            unit_name: meta.unit_name.clone(),
            device_flags: Vec::new(),
            destroyed_at: None,
        };
        let who = me.clone();
        let threshold = self.config.clock_drift_threshold_ms;
        let stored = self
            .store
            .transact(move |tx| {
                Box::pin(async move {
                    let mut evidence = evidence;
                    if let Some(already) = tx.get_evidence(evidence.id).await? {
                        return Ok::<_, ServiceError>(already);
                    }
                    // Checked against the register as it stands now; a disagreement is kept, never refused.
                    let claim = crate::devices::DeviceClaim {
                        serial: evidence.device_serial.as_deref(),
                        officer: evidence.officer_id,
                        unit_code: evidence.unit_code.as_deref(),
                        unit_name: evidence.unit_name.as_deref(),
                        clock_offset_ms: evidence.clock_offset_ms,
                        at: evidence.recorded_start_corrected.unwrap_or(now),
                    };
                    let (flags, device) =
                        crate::devices::device_flags(tx, evidence.agency_id, &claim, threshold).await?;
                    evidence.device_flags = flags;
                    tx.insert_evidence(
                        &evidence,
                        EvidenceDigests { sha256: digests.sha256, sm3: digests.sm3 },
                    )
                    .await?;
                    let mut subjects = vec![evidence.id.subject()];
                    subjects.extend(evidence.case_id.map(|c| c.subject()));
                    // The original's digests, by name: a case-file package proves each of
                    // its files by the entry that names them.
                    subjects.push(format!("{}{}", liuhen_archive::layout::FILE_SHA256, evidence.sha256));
                    subjects.push(format!("{}{}", liuhen_archive::layout::FILE_SM3, evidence.sm3));
                    record(
                        tx,
                        now,
                        EntryKind::EvidenceIngested,
                        actor(&who.user),
                        Some(evidence.agency_id),
                        subjects,
                        Some(&evidence),
                    )
                    .await?;
                    // The station's 校时 came with the file: it joins the device's clock history.
                    if let (Some(serial), Some(offset_ms)) =
                        (&evidence.device_serial, evidence.clock_offset_ms)
                    {
                        let m = liuhen_domain::ClockMeasurement {
                            serial: serial.clone(),
                            offset_ms,
                            measured_at: now,
                            station_id: evidence.station_id.clone(),
                            evidence_id: Some(evidence.id),
                            reported_by: who.user.id,
                            over_threshold: offset_ms.abs() > threshold,
                        };
                        let unit = device.as_ref().map_or(evidence.unit_id, |d| d.unit_id);
                        crate::devices::record_clock(
                            tx,
                            now,
                            actor(&who.user),
                            evidence.agency_id,
                            unit,
                            device.as_ref(),
                            &m,
                        )
                        .await?;
                    }
                    auto_link(tx, &evidence, &who, now).await?;
                    Ok(evidence)
                })
            })
            .await?;
        parts.area.remove(id).map_err(upload_err)?;
        Ok(stored)
    }

    /// Abandons an upload (tus termination).
    pub async fn terminate_upload(&self, me: &Principal, id: &str) -> Result<()> {
        self.own_upload(me, id)?;
        self.evidence_parts()?.area.remove_locked(id).await.map_err(upload_err)
    }

    /// Removes uploads whose expiry (counted from their last activity) has
    /// passed, except those a request is writing to; returns how many.
    pub async fn expire_uploads(&self) -> Result<usize> {
        let parts = self.evidence_parts()?;
        let ids = parts.area.expire(liuhen_domain::unix_ms(self.now())).await.map_err(upload_err)?;
        Ok(ids.len())
    }

    /// An evidence record the caller may read: visible in their scope (or
    /// through a grant), and labelled within their clearance — or read
    /// through a grant on its case. Whoever uploaded or recorded it reads it
    /// whatever its label. Returns the grant read under, if any.
    pub(crate) async fn visible_evidence(
        &self,
        me: &Principal,
        id: EvidenceId,
    ) -> Result<(Evidence, Option<liuhen_domain::AccessRequestId>)> {
        let Some(e) = self.store.get_evidence_visible(id, &self.read_scope(me), me.user.id).await? else {
            return Err(self.refuse_missing(me, id.subject(), "evidence").await);
        };
        if e.uploaded_by == me.user.id || e.officer_id == Some(me.user.id) {
            return Ok((e, None));
        }
        let mut subjects = vec![e.id.subject()];
        subjects.extend(e.case_id.map(|c| c.subject()));
        let item = crate::access::Labelled {
            label: e.label,
            subjects,
            case: e.case_id,
            agency: e.agency_id,
            what: "evidence",
        };
        let grant = self.clear_label(me, item, None).await?;
        Ok((e, grant))
    }

    /// One evidence record; the read is recorded.
    pub async fn get_evidence(&self, me: &Principal, id: EvidenceId) -> Result<Evidence> {
        let (e, grant) = self.visible_evidence(me, id).await?;
        self.record_access(EntryKind::EvidenceRead, me, &e, grant).await?;
        Ok(e)
    }

    /// Opens an evidence file for playing or downloading. The first request
    /// of a viewing session writes its ledger entry before any byte is
    /// served; later range requests of the same session write nothing.
    pub async fn open_evidence(
        &self,
        me: &Principal,
        id: EvidenceId,
    ) -> Result<(Evidence, liuhen_store::originals::Original)> {
        let parts = self.evidence_parts()?;
        let (e, grant) = self.visible_evidence(me, id).await?;
        if let Some(at) = e.destroyed_at {
            return Err(ServiceError::Gone(format!(
                "the file was destroyed on {} (销毁); its digests stay in the ledger",
                liuhen_domain::when::in_beijing(at).date()
            )));
        }
        let now = self.now();
        let key = (me.user.id, e.id);
        let new_session = {
            let sessions = parts.sessions.lock().unwrap_or_else(|p| p.into_inner());
            sessions.get(&key).is_none_or(|last| now - *last > VIEWING_SESSION_IDLE)
        };
        if new_session {
            self.record_access(EntryKind::EvidenceViewed, me, &e, grant).await?;
        }
        {
            let mut sessions = parts.sessions.lock().unwrap_or_else(|p| p.into_inner());
            sessions.insert(key, now);
            // Forget sessions long idle, so the map stays the size of the current audience.
            if sessions.len() > 4096 {
                sessions.retain(|_, last| now - *last <= VIEWING_SESSION_IDLE);
            }
        }
        let original = parts.area.originals().original(&e.sha256);
        Ok((e, original))
    }

    async fn record_access(
        &self,
        kind: EntryKind,
        me: &Principal,
        e: &Evidence,
        grant: Option<liuhen_domain::AccessRequestId>,
    ) -> Result<()> {
        let now = self.now();
        let mut subjects = vec![e.id.subject()];
        subjects.extend(e.case_id.map(|c| c.subject()));
        subjects.extend(grant.map(|g| g.subject()));
        let (agency, who) = (e.agency_id, me.user.clone());
        self.record_alone(now, kind, actor(&who), Some(agency), subjects).await?;
        Ok(())
    }
}

/// What a scrub found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ScrubReport {
    pub checked: usize,
    /// `(expected SHA-256, actual SHA-256)` of every object quarantined.
    pub quarantined: Vec<(String, String)>,
}

impl Service {
    /// Rehashes every stored original. One that no longer matches its name
    /// is recorded in the ledger (with the evidence records it belonged to)
    /// and only then moved to quarantine, so nothing is quarantined without
    /// its entry. A scrub interrupted between the two is finished by the
    /// next: the object still fails, its entry is found, and it is moved
    /// under that entry's time without a second entry.
    pub async fn scrub_evidence(&self) -> Result<ScrubReport> {
        let parts = self.evidence_parts()?;
        let originals = parts.area.originals();
        let blob_err = |e: liuhen_store::blobs::BlobError| ServiceError::Internal(e.to_string());
        let names = originals.names().await.map_err(blob_err)?;
        let mut report = ScrubReport { checked: names.len(), ..Default::default() };
        for name in names {
            let began = std::time::SystemTime::now();
            let before = originals.identity(&name).await;
            let actual = match originals.rehash(&name).await {
                Ok(a) => a,
                // Removed since it was listed (quarantined by another scrub).
                Err(liuhen_store::blobs::BlobError::NotFound(_)) => continue,
                Err(e) => return Err(blob_err(e)),
            };
            if actual == name {
                // Found to be what its name says: a file that held still while it was read, and had
                // settled before, need not be hashed again to be sent in a package.
                let after = originals.identity(&name).await.ok().flatten();
                if let Some(identity) =
                    before.ok().flatten().filter(|b| after == Some(*b) && b.settled(began))
                {
                    let check = liuhen_store::OriginalCheck { identity, checked_at: self.now() };
                    self.store
                        .transact(move |tx| {
                            Box::pin(async move { tx.record_original_check(&name, &check).await })
                        })
                        .await?;
                }
                continue;
            }
            tracing::error!(expected = %name, %actual, "evidence original changed on disk; quarantining");
            let ms = match self.unfinished_quarantine(&name, &actual).await? {
                Some(ms) => ms,
                None => self.record_quarantine(&name, &actual).await?,
            };
            originals.quarantine(&name, ms).await.map_err(blob_err)?;
            report.quarantined.push((name, actual));
        }
        Ok(report)
    }

    /// Records that object `expected` now hashes to `actual` and is being
    /// quarantined; returns the entry's time in unix ms, which names the
    /// quarantined copy.
    async fn record_quarantine(&self, expected: &str, actual: &str) -> Result<i64> {
        let now = self.now();
        let sha: [u8; 32] = hex::decode(expected)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ServiceError::Internal("object name is not a SHA-256".into()))?;
        let ids = self.store.evidence_ids_by_sha256(&sha).await?;
        let mut subjects: Vec<String> = ids.iter().map(|i| i.subject()).collect();
        subjects.push(format!("blob:sha256:{expected}"));
        let content = serde_json::json!({"expected_sha256": expected, "actual_sha256": actual});
        let name = expected.to_owned();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    tx.forget_original_check(&name).await?;
                    record(
                        tx,
                        now,
                        EntryKind::BlobQuarantined,
                        liuhen_domain::Actor::System("scrub"),
                        None,
                        subjects,
                        Some(&content),
                    )
                    .await?;
                    Ok::<_, ServiceError>(())
                })
            })
            .await?;
        Ok(liuhen_domain::unix_ms(now))
    }

    /// The time (unix ms) of a quarantine of object `expected` that was
    /// recorded but whose move did not finish: its latest entry, when the
    /// copy it names is missing or holds these same bytes (`actual`).
    async fn unfinished_quarantine(&self, expected: &str, actual: &str) -> Result<Option<i64>> {
        self.catch_up_audit_index().await?;
        let key = format!("blob:sha256:{expected}");
        let mut tx = self.store.read().await?;
        let found = tx.audit_entries(&key, liuhen_store::AuditRole::Subject, 100_000).await?;
        tx.finish().await?;
        let kind = EntryKind::BlobQuarantined.code();
        let Some(ms) = found
            .iter()
            .filter_map(|s| liuhen_domain::LedgerEntry::decode(&s.body).ok())
            .filter(|e| e.kind == kind)
            .map(|e| e.time)
            .next_back()
        else {
            return Ok(None);
        };
        let copy = self
            .evidence_parts()?
            .area
            .originals()
            .quarantined_sha256(expected, ms)
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(match copy {
            None => Some(ms),
            Some(h) if h == actual => Some(ms),
            Some(_) => None, // that quarantine was done; this is a new change
        })
    }
}

/// A change of the link between a clip and an act.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkChange {
    pub act_id: liuhen_domain::ActId,
    /// `true` to link, `false` to unlink.
    pub linked: bool,
    /// Why: required, and kept with the ledger entry.
    pub reason: String,
}

impl Service {
    /// Links or unlinks a clip and an act, by hand, with a reason. Allowed to
    /// whoever may record acts on the act's case.
    pub async fn change_evidence_link(
        &self,
        me: &Principal,
        evidence: EvidenceId,
        change: &LinkChange,
    ) -> Result<()> {
        let reason = liuhen_domain::required_text("reason", &change.reason, 500)?;
        // Linking changes the clip's record: a clip read through a 调阅 grant is not the caller's to link.
        let (e, grant) = self.visible_evidence(me, evidence).await?;
        if grant.is_some() {
            return Err(crate::access::read_only_grant());
        }
        let scope = case_scope(&me.user);
        let (act_id, linked, who) = (change.act_id, change.linked, me.clone());
        let now = self.now();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let case_id = tx.act_case(act_id).await?.ok_or(ServiceError::NotFound("act"))?;
                    let case = tx.get_case_in_scope(case_id, &scope).await?.ok_or(ServiceError::NotFound("act"))?;
                    if !crate::scope::may_record_acts(&who.user, &case) {
                        return Err(ServiceError::Forbidden("only the assigned officers or a leader link evidence".into()));
                    }
                    let changed = if linked {
                        tx.link_evidence(e.id, act_id, "manual", Some(&reason), now).await?
                    } else {
                        tx.unlink_evidence(e.id, act_id).await?
                    };
                    if !changed {
                        return Err(ServiceError::Conflict(if linked { "already linked".into() } else { "not linked".into() }));
                    }
                    let kind = if linked { EntryKind::EvidenceLinked } else { EntryKind::EvidenceUnlinked };
                    let content = serde_json::json!({"evidence": e.id, "act": act_id, "how": "manual", "reason": reason});
                    record(
                        tx,
                        now,
                        kind,
                        actor(&who.user),
                        Some(e.agency_id),
                        vec![e.id.subject(), act_id.subject(), case_id.subject()],
                        Some(&content),
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }
}

/// Whether `unit` is `ancestor` or lies below it among `units`.
fn unit_within(units: &[liuhen_domain::OrgUnit], unit: UnitId, ancestor: UnitId) -> bool {
    let mut at = Some(unit);
    // A unit tree is shallow; the bound only guards against a cycle in stored data.
    for _ in 0..=units.len() {
        match at {
            Some(u) if u == ancestor => return true,
            Some(u) => at = units.iter().find(|x| x.id == u).and_then(|x| x.parent_id),
            None => return false,
        }
    }
    false
}

/// Links a new clip to the acts it records, as dispatch-based tagging does:
/// acts whose officers include the clip's officer and whose window overlaps
/// the clip (corrected start to start plus duration). Each link is a ledger entry.
async fn auto_link(
    tx: &mut liuhen_store::Tx<liuhen_store::Write>,
    e: &Evidence,
    who: &Principal,
    now: OffsetDateTime,
) -> Result<()> {
    let (Some(officer), Some(start)) = (e.officer_id, e.recorded_start_corrected) else { return Ok(()) };
    // Lengths and starts were bounded on the way in; the arithmetic is checked all the same, so a
    // record that slipped past cannot stop the writer.
    let length = liuhen_domain::when::recording_length(e.duration_ms)
        .unwrap_or(Duration::ZERO)
        .max(Duration::milliseconds(1));
    let Some(end) = start.checked_add(length) else { return Ok(()) };
    for (act, case) in tx.acts_overlapping(e.agency_id, officer, start, end).await? {
        if tx.link_evidence(e.id, act, "auto", None, now).await? {
            let link = serde_json::json!({"evidence": e.id, "act": act, "how": "auto"});
            record(
                tx,
                now,
                EntryKind::EvidenceLinked,
                actor(&who.user),
                Some(e.agency_id),
                vec![e.id.subject(), act.subject(), case.subject()],
                Some(&link),
            )
            .await?;
        }
    }
    Ok(())
}

/// Reads the media facts of a complete upload (bounded reads, on a
/// blocking thread; the local copy, whatever store the original went to).
/// A file that cannot be read is kept and flagged.
async fn probe_media(part: std::path::PathBuf, declared: &str) -> serde_json::Value {
    let file = match std::fs::File::open(&part) {
        Ok(f) => f,
        Err(e) => {
            return serde_json::json!({"status": "unparsed", "reason": format!("cannot open the stored file: {e}")});
        }
    };
    let declared = declared.to_owned();
    let probed = tokio::task::spawn_blocking(move || match liuhen_media::SeekSource::new(file) {
        Ok(src) => liuhen_media::probe(&src, Some(&declared)),
        Err(e) => liuhen_media::Probe::Unparsed { reason: e.to_string(), format_guess: None },
    })
    .await;
    match probed {
        Ok(p) => serde_json::to_value(&p).unwrap_or(serde_json::Value::Null),
        Err(e) => serde_json::json!({"status": "unparsed", "reason": format!("probe failed: {e}")}),
    }
}

impl From<UploadError> for ServiceError {
    fn from(e: UploadError) -> Self {
        upload_err(e)
    }
}

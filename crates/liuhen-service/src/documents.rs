//! Enforcement documents (执法文书, 文字记录): drafts prefilled from the case,
//! issuance (validated fields, 文号 from a gapless counter, the PDF rendered
//! once and stored write-once, digests of the PDF and of the canonical data
//! in the ledger entry), service, corrections as new versions, and
//! watermarked downloads.
//!
//! Issuing reserves the next 文号 (reads the counter, taking nothing),
//! renders the PDF with it and stores it write-once, all outside the writer;
//! then one short write job takes the number — only if it is still the one
//! reserved, else the job writes nothing and the issue starts over with the
//! next — and writes the row and the entry. A failure rolls the job back and
//! gives the number back, so numbers stay gapless. Issuers of one sequence
//! on one node take turns, so they never render for a number a neighbour
//! takes; a PDF stored for a number another node took, or for a job refused
//! after the store, is an original no record names: nothing serves or lists
//! it (originals are reached through the records that name their digests).
//!
//! Grants (调阅) are for reading: drafting, registering, editing, issuing and
//! serving need the case in the caller's own scope and the document within
//! their clearance.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use liuhen_docs::{CaseFacts, Format, FormatSet, WordingLibrary};
use liuhen_domain::{
    AccessRequestId, ActId, CaseId, Confidentiality, Document, DocumentId, DocumentStatus, EntryKind,
    IssuedDigests,
};
use liuhen_pdf::Renderer;
use serde::Deserialize;

use crate::access::read_only_grant;
use crate::error::{Result, ServiceError};
use crate::scope::may_record_acts;
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

/// Formats and wording: the built-in 司法部 base layer, then department and
/// local layers in order. A layer that does not load is an error naming it.
pub fn load_formats(layers: &[(String, String)]) -> Result<(FormatSet, WordingLibrary)> {
    let mut formats = FormatSet::with_base().map_err(|e| ServiceError::Internal(e.to_string()))?;
    for (source, text) in layers {
        formats.load_layer(source, text).map_err(|e| {
            ServiceError::Invalid(liuhen_domain::ValidationError::new("format_layers", e.to_string()))
        })?;
    }
    let wording = WordingLibrary::base(&formats).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok((formats, wording))
}

/// The built-in formats and wording (司法部 base layer), parsed once per process.
fn base() -> Result<&'static (FormatSet, WordingLibrary)> {
    static BASE: OnceLock<std::result::Result<(FormatSet, WordingLibrary), String>> = OnceLock::new();
    BASE.get_or_init(|| load_formats(&[]).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| ServiceError::Internal(format!("the built-in document formats do not load: {e}")))
}

/// A numbering sequence: agency, counter kind, year.
type SequenceKey = (liuhen_domain::UnitId, String, i32);

/// The PDF renderer, its fonts loaded once on first use, and the turns
/// this node's issuers take per numbering sequence.
pub(crate) struct Pdf {
    fonts: Vec<PathBuf>,
    renderer: tokio::sync::OnceCell<Arc<Renderer>>,
    turns: Mutex<HashMap<SequenceKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl Pdf {
    pub(crate) fn new(fonts: Vec<PathBuf>) -> Self {
        Pdf { fonts, renderer: tokio::sync::OnceCell::new(), turns: Mutex::new(HashMap::new()) }
    }

    /// The turn of one numbering sequence (a handful per agency and year).
    fn turn(&self, key: SequenceKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
        turns.entry(key).or_default().clone()
    }
}

/// How often an issue starts over when other nodes keep taking the 文号 it reserved.
const ISSUE_ATTEMPTS: usize = 5;

/// A new draft.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    /// Format code (`penalty_decision`) or name (行政处罚决定书).
    pub format: String,
    /// Field values over the prefill from the case.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Value>,
    /// The issued document this one corrects.
    #[serde(default)]
    pub corrects: Option<DocumentId>,
    /// 密级 / 敏感标识; the case's when absent. 国家秘密 is refused.
    #[serde(default)]
    pub label: Option<Confidentiality>,
}

/// A signed paper document (or one made outside liuhen) registered by its
/// scan, so the rulebook's checks see it: 现场笔录, 查封扣押财物清单, a
/// pre-printed 当场处罚决定书, ….
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterDocument {
    /// 文书名称 the rulebook knows (e.g. 现场笔录).
    pub name: String,
    /// The scan: evidence of the same case, uploaded like any file.
    pub evidence_id: liuhen_domain::EvidenceId,
    /// 文号 printed on the paper, if it has one.
    #[serde(default)]
    pub number: Option<String>,
    /// The date it was signed, `YYYY-MM-DD`.
    pub signed_on: String,
    #[serde(default)]
    pub note: Option<String>,
    /// 密级 / 敏感标识; the scan's when absent, never above it. 国家秘密 is refused.
    #[serde(default)]
    pub label: Option<Confidentiality>,
}

/// The format code of documents registered by their scan.
pub const REGISTERED: &str = "registered";

/// How a document was served.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Serving {
    /// The 送达 act recorded on the case.
    #[serde(default)]
    pub act_id: Option<ActId>,
    /// The issued 送达回证.
    #[serde(default)]
    pub receipt_id: Option<DocumentId>,
}

fn find_format<'a>(formats: &'a FormatSet, name: &str) -> Result<&'a Format> {
    formats.get(name).or_else(|| formats.formats().find(|f| f.name == name)).ok_or_else(|| {
        liuhen_domain::ValidationError::new("format", format!("no document format {name:?}")).into()
    })
}

fn merge(
    mut base: serde_json::Map<String, serde_json::Value>,
    over: Option<&serde_json::Value>,
) -> Result<serde_json::Value> {
    match over {
        None => {}
        Some(serde_json::Value::Object(m)) => {
            for (k, v) in m {
                base.insert(k.clone(), v.clone());
            }
        }
        Some(_) => {
            return Err(liuhen_domain::ValidationError::new("fields", "an object of field values").into());
        }
    }
    Ok(serde_json::Value::Object(base))
}

fn field_errors(errors: Vec<liuhen_docs::FieldError>) -> ServiceError {
    let first = errors.first().map(|e| e.key.clone()).unwrap_or_else(|| "fields".into());
    let all: Vec<String> =
        errors.iter().map(|e| format!("{}（{}）：{}", e.label, e.key, e.problem)).collect();
    liuhen_domain::ValidationError::new(first, all.join("；")).into()
}

impl Service {
    /// Uses these formats (the base layer plus the agency's department and local layers).
    #[must_use]
    pub fn with_formats(mut self, formats: (FormatSet, WordingLibrary)) -> Self {
        self.formats = Some(Arc::new(formats));
        self
    }

    pub(crate) fn formats(&self) -> Result<&(FormatSet, WordingLibrary)> {
        match &self.formats {
            Some(f) => Ok(f),
            None => base(),
        }
    }

    /// The names of the formats that record a penalty decision (行政处罚决定书
    /// and the formats derived from it).
    pub(crate) fn decision_format_names(&self) -> Result<Vec<String>> {
        Ok(self
            .formats()?
            .0
            .formats()
            .filter(|f| [Some(f.code.as_str()), f.base.as_deref()].contains(&Some(DECISION_FORMAT)))
            .map(|f| f.name.clone())
            .collect())
    }

    /// The document formats in force.
    pub fn document_formats(&self) -> Result<Vec<Format>> {
        Ok(self.formats()?.0.formats().cloned().collect())
    }

    /// Phrases of the standard wording (执法规范用语) that fit a field.
    pub fn wording_for(&self, format: &str, field: &str) -> Result<Vec<liuhen_docs::Phrase>> {
        let (formats, wording) = self.formats()?;
        let f = find_format(formats, format)?;
        Ok(wording.for_field(f, field).cloned().collect())
    }

    pub(crate) async fn renderer(&self) -> Result<Arc<Renderer>> {
        let pdf = self.pdf.clone();
        let public_url = self.config.public_url.clone();
        pdf.renderer
            .get_or_try_init(|| async {
                let fonts = pdf.fonts.clone();
                tokio::task::spawn_blocking(move || {
                    let r =
                        if fonts.is_empty() { Renderer::with_default_fonts() } else { Renderer::new(&fonts) };
                    r.map(|r| match &public_url {
                        Some(base) => r.with_certificate_pages(base),
                        None => r,
                    })
                })
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?
                .map(Arc::new)
                .map_err(|e| ServiceError::Internal(format!("the PDF renderer cannot start: {e}")))
            })
            .await
            .cloned()
    }

    /// What the case knows, for prefilling.
    async fn case_facts(&self, case: &liuhen_domain::Case) -> Result<CaseFacts> {
        let mut tx = self.store.read().await?;
        let agency = tx.get_unit(case.agency_id).await?;
        let officers = tx.get_users(&case.officers).await?;
        let acts = tx.list_acts(case.id).await?;
        let decision = tx.decision(case.id).await?;
        let extension = tx.limit_extension(case.id).await?;
        tx.finish().await?;
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        // The extension runs from the day after the original last day.
        let extension = extension.map(|e| {
            let new_start =
                time::Date::parse(&e.due_before, &time::format_description::well_known::Iso8601::DATE)
                    .ok()
                    .and_then(|d| d.next_day())
                    .map(|d| d.to_string())
                    .unwrap_or_default();
            liuhen_docs::ExtensionFacts {
                days: e.days,
                original_end: e.due_before,
                new_start,
                new_end: e.due_after,
                reason: e.reason,
            }
        });
        Ok(CaseFacts {
            agency_name: agency.name.clone(),
            agency_short_name: agency.short_name.clone().unwrap_or_default(),
            case_number: case.number.clone(),
            case_title: case.cause.clone(),
            parties: case
                .parties
                .iter()
                .filter_map(|p| serde_json::to_value(p).ok().and_then(|v| serde_json::from_value(v).ok()))
                .collect(),
            officers: case
                .officers
                .iter()
                .filter_map(|id| officers.iter().find(|u| u.id == *id))
                .filter_map(|u| {
                    Some(liuhen_docs::Officer { name: u.display_name.clone(), cert_no: u.cert_no.clone()? })
                })
                .collect(),
            acts: acts
                .iter()
                .map(|a| liuhen_docs::ActFacts {
                    id: Some(a.id.to_string()),
                    kind: a.kind.label_zh().to_owned(),
                    start: liuhen_domain::when::in_beijing(a.starts_at).format(&fmt).unwrap_or_default(),
                    end: liuhen_domain::when::in_beijing(a.ends_at).format(&fmt).unwrap_or_default(),
                    place: a.place.address.clone(),
                })
                .collect(),
            amount_fen: decision.map(|d| d.decision.fine_fen).filter(|f| *f > 0),
            extension,
        })
    }

    /// Drafts a document on a case the caller may record acts on, prefilled
    /// from the case; `fields` override the prefill.
    pub async fn draft_document(
        &self,
        me: &Principal,
        case_id: CaseId,
        input: &NewDocument,
    ) -> Result<Document> {
        let case = self.case_for_write(me, case_id).await?;
        if !may_record_acts(&me.user, &case) {
            return Err(ServiceError::Forbidden(
                "only the assigned officers or a leader draft its documents".into(),
            ));
        }
        let (formats, _) = self.formats()?;
        let format = find_format(formats, &input.format)?;
        let facts = self.case_facts(&case).await?;
        let fields = merge(liuhen_docs::prefill(format, &facts), input.fields.as_ref())?;
        let label = match input.label {
            None => case.label,
            Some(Confidentiality::StateSecret) => {
                return Err(liuhen_domain::ValidationError::new(
                    "label",
                    "liuhen does not take in content labelled 国家秘密; it belongs in a certified classified system",
                )
                .into());
            }
            Some(l) => l,
        };
        let now = self.now();
        let doc = Document {
            id: DocumentId::from_bytes(random_bytes()?),
            agency_id: case.agency_id,
            case_id,
            format: format.code.clone(),
            format_name: format.name.clone(),
            status: DocumentStatus::Draft,
            corrects: input.corrects,
            label,
            fields,
            number: None,
            created_by: me.user.id,
            created_at: now,
            updated_at: now,
            issued_by: None,
            issued_at: None,
            digests: None,
            served_at: None,
            served_by_act: None,
            served_by_document: None,
        };
        let who = me.user.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    if let Some(old) = doc.corrects {
                        let old = tx
                            .get_document(doc.agency_id, old)
                            .await?
                            .ok_or(ServiceError::NotFound("document"))?;
                        if old.case_id != doc.case_id
                            || old.status == DocumentStatus::Draft
                            || old.format != doc.format
                        {
                            return Err(ServiceError::Conflict(
                                "a correction follows an issued document of the same case and format".into(),
                            ));
                        }
                    }
                    tx.insert_document(&doc).await?;
                    let mut subjects = vec![doc.id.subject(), doc.case_id.subject()];
                    subjects.extend(doc.corrects.map(|c| c.subject()));
                    record(
                        tx,
                        now,
                        EntryKind::DocumentDrafted,
                        actor(&who),
                        Some(doc.agency_id),
                        subjects,
                        Some(&doc.fields),
                    )
                    .await?;
                    Ok(doc)
                })
            })
            .await
    }

    /// Registers a document made outside liuhen (signed on paper) by its
    /// scan, as issued: the case's officers or a leader; the scan must be
    /// evidence of the same case; a 行政处罚决定书 only once the decision is
    /// made, as when issued here. Its digests are the scan's.
    pub async fn register_document(
        &self,
        me: &Principal,
        case_id: CaseId,
        input: &RegisterDocument,
    ) -> Result<Document> {
        use liuhen_domain::ValidationError;
        let case = self.case_for_write(me, case_id).await?;
        if !may_record_acts(&me.user, &case) || case.stage == liuhen_domain::Stage::Archived {
            return Err(ServiceError::Forbidden(
                "only the assigned officers or a leader register documents of an open case".into(),
            ));
        }
        let name = liuhen_domain::required_text("name", &input.name, 64)?;
        let known = self.policy()?.document_names();
        if !known.contains(&name) {
            return Err(ValidationError::new(
                "name",
                format!("「{name}」 is not a document the rulebook knows; known: {}", known.join("、")),
            )
            .into());
        }
        let signed_on = time::Date::parse(
            input.signed_on.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| ValidationError::new("signed_on", "a date, YYYY-MM-DD"))?;
        let number = liuhen_domain::optional_text("number", input.number.as_deref().unwrap_or(""), 64)?;
        let note = liuhen_domain::optional_text("note", input.note.as_deref().unwrap_or(""), 2000)?;
        if input.label == Some(Confidentiality::StateSecret) {
            return Err(ValidationError::new(
                "label",
                "liuhen does not take in content labelled 国家秘密; it belongs in a certified classified system",
            )
            .into());
        }
        let is_decision = self.formats()?.0.formats().any(|f| {
            f.name == name && [Some(f.code.as_str()), f.base.as_deref()].contains(&Some(DECISION_FORMAT))
        });
        // The scan is read like any evidence: one the caller may not read is
        // not found (the refusal recorded), its label unsaid; one they read
        // only through a grant is not theirs to register.
        if self.visible_evidence(me, input.evidence_id).await?.1.is_some() {
            return Err(read_only_grant());
        }
        let fields = serde_json::json!({
            "evidence_id": input.evidence_id,
            "signed_on": signed_on.to_string(),
            "note": note,
        });
        let data = liuhen_docs::Digests::of(&liuhen_docs::canonical_json(&fields));
        let (data_sha256, data_sm3) = (data.sha256, data.sm3);
        let now = self.now();
        let id = DocumentId::from_bytes(random_bytes()?);
        let who = me.user.clone();
        let (evidence_id, input_label) = (input.evidence_id, input.label);
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let scan = tx
                        .get_evidence(evidence_id)
                        .await?
                        .filter(|e| e.case_id == Some(case_id))
                        .ok_or_else(|| {
                            ValidationError::new("evidence_id", "the scan must be evidence of this case")
                        })?;
                    // The scan is the document: its label by default, never one above it
                    // (whoever may read the scan reads the document).
                    let label = input_label.unwrap_or(scan.label);
                    if scan.label < label {
                        return Err(ValidationError::new(
                            "evidence_id",
                            format!(
                                "the scan is labelled {}, below the document's {}: upload it labelled {} \
                                 (or register the document as {})",
                                scan.label.label_zh(),
                                label.label_zh(),
                                label.label_zh(),
                                scan.label.label_zh()
                            ),
                        )
                        .into());
                    }
                    if is_decision && tx.decision(case_id).await?.is_none_or(|d| d.issued_at.is_none()) {
                        return Err(decision_not_made());
                    }
                    let digests = IssuedDigests {
                        pdf_sha256: scan.sha256.clone(),
                        pdf_sm3: scan.sm3.clone(),
                        pdf_size: scan.size,
                        data_sha256,
                        data_sm3,
                    };
                    let doc = Document {
                        id,
                        agency_id: case.agency_id,
                        case_id,
                        format: REGISTERED.into(),
                        format_name: name,
                        status: DocumentStatus::Draft,
                        corrects: None,
                        label,
                        fields: fields.clone(),
                        number: None,
                        created_by: who.id,
                        created_at: now,
                        updated_at: now,
                        issued_by: None,
                        issued_at: None,
                        digests: None,
                        served_at: None,
                        served_by_act: None,
                        served_by_document: None,
                    };
                    tx.insert_document(&doc).await?;
                    tx.issue_document(id, &fields, number.as_deref(), &digests, who.id, now).await?;
                    let subjects = vec![
                        id.subject(),
                        case_id.subject(),
                        evidence_id.subject(),
                        format!("pdf:sha256:{}", digests.pdf_sha256),
                        format!("pdf:sm3:{}", digests.pdf_sm3),
                    ];
                    let content = serde_json::json!({
                        "document": id, "name": doc.format_name, "number": number, "fields": fields,
                        "digests": digests,
                    });
                    record(
                        tx,
                        now,
                        EntryKind::DocumentRegistered,
                        actor(&who),
                        Some(case.agency_id),
                        subjects,
                        Some(&content),
                    )
                    .await?;
                    tx.get_document(case.agency_id, id).await?.ok_or(ServiceError::NotFound("document"))
                })
            })
            .await
    }

    /// A document for reading or changing: its case readable (in scope or
    /// through a grant), its label within the reader's clearance or read
    /// through a grant on the case (returned).
    async fn document_for(
        &self,
        me: &Principal,
        id: DocumentId,
    ) -> Result<(Document, liuhen_domain::Case, Option<AccessRequestId>)> {
        let doc = {
            let mut tx = self.store.read().await?;
            let d = tx.get_document(me.user.agency_id, id).await?;
            tx.finish().await?;
            match d {
                Some(d) => d,
                None => return Err(self.refuse_missing(me, id.subject(), "document").await),
            }
        };
        let (case, grant) = self.case_for_read(me, doc.case_id).await.map_err(|e| match e {
            ServiceError::NotFound(_) => ServiceError::NotFound("document"),
            other => other,
        })?;
        let item = crate::access::Labelled {
            label: doc.label,
            subjects: vec![doc.id.subject(), doc.case_id.subject()],
            case: Some(case.id),
            agency: case.agency_id,
            what: "document",
        };
        let grant = self.clear_label(me, item, grant).await?;
        Ok((doc, case, grant))
    }

    /// A document to change: read as [`Service::document_for`] would, but
    /// one reached only through a 调阅 grant (its case, or its label) is
    /// refused: grants are for reading.
    async fn document_for_write(
        &self,
        me: &Principal,
        id: DocumentId,
    ) -> Result<(Document, liuhen_domain::Case)> {
        let (doc, case, grant) = self.document_for(me, id).await?;
        if grant.is_some() {
            return Err(read_only_grant());
        }
        Ok((doc, case))
    }

    /// One document; the read is recorded (with the grant read under, if any).
    pub async fn get_document(&self, me: &Principal, id: DocumentId) -> Result<Document> {
        let (doc, _, grant) = self.document_for(me, id).await?;
        let (now, who) = (self.now(), me.user.clone());
        let mut subjects = vec![doc.id.subject(), doc.case_id.subject()];
        subjects.extend(grant.map(|g| g.subject()));
        let agency = doc.agency_id;
        self.record_alone(now, EntryKind::DocumentRead, actor(&who), Some(agency), subjects).await?;
        Ok(doc)
    }

    /// The documents of a case the caller may read: those labelled above
    /// the caller's clearance only with a grant on the case.
    pub async fn list_documents(&self, me: &Principal, case_id: CaseId) -> Result<Vec<Document>> {
        let (case, grant) = self.case_for_read(me, case_id).await?;
        let mut tx = self.store.read().await?;
        let mut docs = tx.list_case_documents(case.id).await?;
        let grant = match grant {
            Some(g) => Some(g),
            None if docs.iter().any(|d| !me.user.cleared_for(d.label)) => {
                tx.active_grant(me.user.id, case.id, self.now()).await?
            }
            None => None,
        };
        tx.finish().await?;
        if grant.is_none() {
            docs.retain(|d| me.user.cleared_for(d.label));
        }
        let subjects = crate::access::read_subjects(case.id.subject(), grant);
        self.record_read(self.now(), actor(&me.user), Some(case.agency_id), subjects).await?;
        Ok(docs)
    }

    /// Replaces a draft's fields (an issued document is never edited).
    pub async fn edit_document(
        &self,
        me: &Principal,
        id: DocumentId,
        fields: &serde_json::Value,
    ) -> Result<Document> {
        let (doc, case) = self.document_for_write(me, id).await?;
        if !may_record_acts(&me.user, &case) {
            return Err(ServiceError::Forbidden(
                "only the assigned officers or a leader edit its documents".into(),
            ));
        }
        if !fields.is_object() {
            return Err(liuhen_domain::ValidationError::new("fields", "an object of field values").into());
        }
        let (now, who, fields) = (self.now(), me.user.clone(), fields.clone());
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    if !tx.update_draft(doc.id, &fields, now).await? {
                        return Err(ServiceError::Conflict(
                            "an issued document is never edited: draft a correction instead".into(),
                        ));
                    }
                    record(
                        tx,
                        now,
                        EntryKind::DocumentEdited,
                        actor(&who),
                        Some(doc.agency_id),
                        vec![doc.id.subject()],
                        Some(&fields),
                    )
                    .await?;
                    tx.get_document(doc.agency_id, doc.id).await?.ok_or(ServiceError::NotFound("document"))
                })
            })
            .await
    }

    /// Issues a draft (负责人 only): validates every field, reserves the
    /// 文号, renders the PDF with it and stores it, then takes the number and
    /// records the digests in one short write (see the module docs).
    pub async fn issue_document(&self, me: &Principal, id: DocumentId) -> Result<Document> {
        let (doc, case) = self.document_for_write(me, id).await?;
        if !crate::scope::may_issue(&me.user, &case) {
            return Err(ServiceError::Forbidden("a leader (负责人) issues documents of open cases".into()));
        }
        if doc.status != DocumentStatus::Draft {
            return Err(ServiceError::Conflict("the document is already issued".into()));
        }
        let (formats, _) = self.formats()?;
        let format = find_format(formats, &doc.format)?.clone();
        // 行政处罚决定书 records a decision already made: after the 负责人's
        // decision, which waits for 法制审核 when the catalogue calls it major.
        // Checked before rendering (the order of work), and again inside the write.
        let is_decision =
            [Some(format.code.as_str()), format.base.as_deref()].contains(&Some(DECISION_FORMAT));
        if is_decision {
            let mut tx = self.store.read().await?;
            let made = tx.decision(doc.case_id).await?.is_some_and(|d| d.issued_at.is_some());
            tx.finish().await?;
            if !made {
                return Err(decision_not_made());
            }
        }
        let valid = Arc::new(liuhen_docs::validate(&format, &doc.fields).map_err(field_errors)?);
        let fields = valid.to_json();
        let canonical = valid.canonical();
        let renderer = self.renderer().await?;
        let area = self.evidence_area()?;
        let short_name = {
            let mut tx = self.store.read().await?;
            let agency = tx.get_unit(doc.agency_id).await?;
            tx.finish().await?;
            agency.short_name.unwrap_or_default()
        };
        let (now, who) = (self.now(), me.user.clone());
        let policy = self.policy()?;
        let year = liuhen_domain::when::in_beijing(now).year();
        let sequence = match (format.numbered, format.doc_type.as_deref()) {
            (true, Some(kind)) => Some(format!("doc:{kind}")),
            _ => None,
        };
        let turn = sequence.as_ref().map(|k| self.pdf.turn((doc.agency_id, k.clone(), year)));
        let _turn = match &turn {
            Some(t) => Some(t.lock().await),
            None => None,
        };
        for _ in 0..ISSUE_ATTEMPTS {
            // Read once it is this issuer's turn, so nothing is rendered for a
            // document issued meanwhile or a decision not made.
            let (seq, draft, made) = {
                let mut tx = self.store.read().await?;
                let current = tx.get_document(doc.agency_id, doc.id).await?;
                let made =
                    !is_decision || tx.decision(doc.case_id).await?.is_some_and(|d| d.issued_at.is_some());
                let seq = match &sequence {
                    Some(k) => Some(tx.peek_number(doc.agency_id, k, year).await?),
                    None => None,
                };
                tx.finish().await?;
                (seq, current.is_some_and(|d| d.status == DocumentStatus::Draft), made)
            };
            if !draft {
                return Err(ServiceError::Conflict("the document is already issued".into()));
            }
            if !made {
                return Err(decision_not_made());
            }
            let number = match seq {
                Some(seq) => {
                    let seq = u64::try_from(seq).map_err(|e| ServiceError::Internal(e.to_string()))?;
                    let year = u16::try_from(year).map_err(|e| ServiceError::Internal(e.to_string()))?;
                    format.render_number(&short_name, year, seq)
                }
                None => None,
            };
            // Rendering and storing, the slow part, hold no lock of the store.
            let (n, r, v) = (number.clone(), renderer.clone(), valid.clone());
            let pdf = tokio::task::spawn_blocking(move || r.render(&v, n.as_deref(), None))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?
                .map_err(|e| ServiceError::Internal(format!("rendering the PDF: {e}")))?;
            let digests = IssuedDigests {
                pdf_sha256: pdf.digests.sha256.clone(),
                pdf_sm3: pdf.digests.sm3.clone(),
                pdf_size: pdf.bytes.len() as u64,
                data_sha256: canonical.digests.sha256.clone(),
                data_sm3: canonical.digests.sm3.clone(),
            };
            area.store_bytes(pdf.bytes).await?;
            let (fields, sequence, who) = (fields.clone(), sequence.clone(), who.clone());
            let (policy, case) = (policy.clone(), case.clone());
            let (doc_id, agency, case_id) = (doc.id, doc.agency_id, doc.case_id);
            let drafted = doc.fields.clone();
            let issued = self
                .store
                .transact(move |tx| {
                    Box::pin(async move {
                        if is_decision {
                            let made = tx.decision(case_id).await?.is_some_and(|d| d.issued_at.is_some());
                            if !made {
                                return Err(decision_not_made());
                            }
                        }
                        if let (Some(kind), Some(seq)) = (&sequence, seq) {
                            // Taken by another node since it was reserved: write
                            // nothing, and start over with the next number.
                            if tx.peek_number(agency, kind, year).await? != seq {
                                return Ok(None);
                            }
                            if tx.next_number(agency, kind, year).await? != seq {
                                return Err(ServiceError::Internal(
                                    "the 文号 counter moved inside a write".into(),
                                ));
                            }
                        }
                        // What was rendered is the draft as it was read: an edit that
                        // landed since is not overwritten by it.
                        if tx.get_document(agency, doc_id).await?.is_some_and(|d| d.fields != drafted) {
                            return Err(ServiceError::Conflict(
                                "the draft was edited while it was being issued; issue it again".into(),
                            ));
                        }
                        if !tx
                            .issue_document(doc_id, &fields, number.as_deref(), &digests, who.id, now)
                            .await?
                        {
                            return Err(ServiceError::Conflict("the document is already issued".into()));
                        }
                        let subjects = vec![
                            doc_id.subject(),
                            case_id.subject(),
                            format!("pdf:sha256:{}", digests.pdf_sha256),
                            format!("pdf:sm3:{}", digests.pdf_sm3),
                            format!("data:sha256:{}", digests.data_sha256),
                            format!("data:sm3:{}", digests.data_sm3),
                        ];
                        let content =
                            serde_json::json!({"document": doc_id, "number": number, "digests": digests});
                        record(
                            tx,
                            now,
                            EntryKind::DocumentIssued,
                            actor(&who),
                            Some(agency),
                            subjects,
                            Some(&content),
                        )
                        .await?;
                        let issued = tx
                            .get_document(agency, doc_id)
                            .await?
                            .ok_or(ServiceError::NotFound("document"))?;
                        Service::open_disclosure(tx, &policy, &case, &issued, &who, now).await?;
                        Ok(Some(issued))
                    })
                })
                .await?;
            if let Some(issued) = issued {
                return Ok(issued);
            }
        }
        Err(ServiceError::Conflict(format!(
            "other issuers took the next 文号 {ISSUE_ATTEMPTS} times in a row; issue again"
        )))
    }

    /// Records that an issued document was served, by a 送达 act or a 送达回证.
    pub async fn serve_document(&self, me: &Principal, id: DocumentId, how: &Serving) -> Result<Document> {
        let (doc, case) = self.document_for_write(me, id).await?;
        if !may_record_acts(&me.user, &case) {
            return Err(ServiceError::Forbidden(
                "only the assigned officers or a leader record service".into(),
            ));
        }
        if how.act_id.is_none() && how.receipt_id.is_none() {
            return Err(
                liuhen_domain::ValidationError::new("act_id", "name the 送达 act or the 送达回证").into()
            );
        }
        let (now, who, how) = (self.now(), me.user.clone(), how.clone());
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    if let Some(act) = how.act_id
                        && tx.act_case(act).await? != Some(doc.case_id)
                    {
                        return Err(
                            liuhen_domain::ValidationError::new("act_id", "not an act of this case").into()
                        );
                    }
                    if let Some(r) = how.receipt_id {
                        let receipt = tx.get_document(doc.agency_id, r).await?;
                        if !receipt
                            .is_some_and(|r| r.case_id == doc.case_id && r.status != DocumentStatus::Draft)
                        {
                            return Err(liuhen_domain::ValidationError::new(
                                "receipt_id",
                                "not an issued document of this case",
                            )
                            .into());
                        }
                    }
                    if !tx.serve_document(doc.id, how.act_id, how.receipt_id, now).await? {
                        return Err(ServiceError::Conflict(
                            "only an issued, unserved document is served".into(),
                        ));
                    }
                    let mut subjects = vec![doc.id.subject(), doc.case_id.subject()];
                    subjects.extend(how.act_id.map(|a| a.subject()));
                    subjects.extend(how.receipt_id.map(|r| r.subject()));
                    record::<()>(
                        tx,
                        now,
                        EntryKind::DocumentServed,
                        actor(&who),
                        Some(doc.agency_id),
                        subjects,
                        None,
                    )
                    .await?;
                    tx.get_document(doc.agency_id, doc.id).await?.ok_or(ServiceError::NotFound("document"))
                })
            })
            .await
    }

    /// A PDF to download: an issued document re-rendered from its issued
    /// fields and 文号 with a visible watermark (who, when, which case); a
    /// draft as a preview. The download is recorded. The issued original
    /// (whose digests the ledger holds) stays as it was.
    pub async fn document_pdf(&self, me: &Principal, id: DocumentId) -> Result<(Document, Vec<u8>)> {
        let (doc, case, grant) = self.document_for(me, id).await?;
        self.refuse_destroyed(case.id).await?;
        if doc.format == REGISTERED {
            return Err(ServiceError::Conflict(format!(
                "a registered document is its scan: GET /api/v1/evidence/{}/content",
                doc.fields.get("evidence_id").and_then(|v| v.as_str()).unwrap_or_default()
            )));
        }
        let (formats, _) = self.formats()?;
        let format = find_format(formats, &doc.format)?;
        let valid = liuhen_docs::validate(format, &doc.fields).map_err(field_errors)?;
        let now = self.now();
        let when = liuhen_domain::when::in_beijing(now)
            .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"))
            .unwrap_or_default();
        let draft = if doc.status == DocumentStatus::Draft { " 草稿" } else { "" };
        let watermark =
            format!("{} {} {} 下载 {}{draft}", me.user.display_name, me.user.login, when, case.number);
        let renderer = self.renderer().await?;
        let number = doc.number.clone();
        let pdf =
            tokio::task::spawn_blocking(move || renderer.render(&valid, number.as_deref(), Some(&watermark)))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?
                .map_err(|e| ServiceError::Internal(format!("rendering the PDF: {e}")))?;
        let who = me.user.clone();
        let mut subjects =
            vec![doc.id.subject(), doc.case_id.subject(), format!("pdf:sha256:{}", pdf.digests.sha256)];
        subjects.extend(grant.map(|g| g.subject()));
        let agency = doc.agency_id;
        self.record_alone(now, EntryKind::DocumentDownloaded, actor(&who), Some(agency), subjects).await?;
        Ok((doc, pdf.bytes))
    }
}

/// One line per format: code, name, the layer, and its fields (`*` marks mandatory ones).
pub fn formats_summary(layers: &[(String, String)]) -> Result<Vec<String>> {
    Ok(load_formats(layers)?
        .0
        .formats()
        .map(|f| {
            let fields: Vec<String> =
                f.fields.iter().map(|d| format!("{}{}", d.key, if d.mandatory { "*" } else { "" })).collect();
            format!("{} {} [{:?}]: {}", f.code, f.name, f.layer, fields.join(", "))
        })
        .collect())
}

/// The base format of 行政处罚决定书.
const DECISION_FORMAT: &str = "penalty_decision";

fn decision_not_made() -> ServiceError {
    ServiceError::Conflict(
        "行政处罚决定书 is issued once the decision is made: propose it, pass 法制审核 where it is major, \
         and issue the decision first"
            .into(),
    )
}

/// Renders a preview from a format name and field values, with no case and
/// no store (`liuhen doc render`).
pub fn render_preview(
    format: &str,
    fields: &serde_json::Value,
    number: Option<&str>,
    fonts: &[PathBuf],
    layers: &[(String, String)],
) -> Result<Vec<u8>> {
    let (formats, _) = &load_formats(layers)?;
    let format = find_format(formats, format)?;
    let valid = liuhen_docs::validate(format, fields).map_err(field_errors)?;
    let renderer = if fonts.is_empty() { Renderer::with_default_fonts() } else { Renderer::new(fonts) }
        .map_err(|e| ServiceError::Internal(format!("the PDF renderer cannot start: {e}")))?;
    Ok(renderer
        .render(&valid, number, None)
        .map_err(|e| ServiceError::Internal(format!("rendering the PDF: {e}")))?
        .bytes)
}

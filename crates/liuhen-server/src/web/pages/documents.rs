//! Documents: drafting one from a format, the form generated from the
//! format's schema (with standard wording for long text), the PDF, issuing
//! (负责人) and recording service.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use liuhen_docs::FieldType;
use liuhen_domain::{ActKind, CaseId, Document, DocumentId, DocumentStatus};
use serde::Deserialize;

use crate::AppState;
use crate::web::frame::{Frame, OrPage, PageResult, Viewer, finish, render};

/// One field of the form, as the format's schema defines it.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    /// `text`, `long_text`, `date`, `time`, `money`, `enum`, `json` (structured) or `slot`.
    pub kind: &'static str,
    pub type_zh: &'static str,
    pub value: String,
    pub options: Vec<String>,
    pub mandatory: bool,
    pub max_len: usize,
    pub daxie: bool,
    /// Standard wording that fits the field.
    pub phrases: Vec<(String, String)>,
    /// For a 当事人 field: the case's parties, as (label, JSON value, chosen).
    pub parties: Vec<(String, String, bool)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "document_new.html")]
pub struct NewPage {
    c: Frame,
    case_id: String,
    case_number: String,
    format_code: String,
    format_name: String,
    fields: Vec<FieldView>,
}

pub async fn new(
    State(s): State<AppState>,
    v: Viewer,
    Path(case): Path<String>,
    Query(q): Query<NewQuery>,
) -> Response {
    finish(build_new(&s, v, &case, q).await)
}

async fn build_new(s: &AppState, v: Viewer, case: &str, q: NewQuery) -> PageResult {
    let Ok(case) = case.parse::<CaseId>() else { return Err(crate::web::frame::not_found(v.frame)) };
    let o = s.service.case_overview(&v.me, case).await.or_page(&v.frame)?;
    if !o.can.record {
        return Err(crate::web::frame::not_found(v.frame));
    }
    let formats = s.service.document_formats().or_page(&v.frame)?;
    let wanted = q.format.unwrap_or_default();
    let Some(format) = formats.into_iter().find(|f| f.code == wanted) else {
        return Err(crate::web::frame::not_found(v.frame));
    };
    let fields = fields_of(s, &format, &serde_json::Value::Null, &o.case.parties);
    let page = NewPage {
        c: v.frame,
        case_id: case.to_string(),
        case_number: o.case.number,
        format_code: format.code,
        format_name: format.name,
        fields,
    };
    Ok(render(&page))
}

fn fields_of(
    s: &AppState,
    format: &liuhen_docs::Format,
    values: &serde_json::Value,
    case_parties: &[liuhen_domain::Party],
) -> Vec<FieldView> {
    format
        .fields
        .iter()
        .map(|f| {
            let raw = values.get(&f.key);
            let kind = match f.ty {
                FieldType::Text => "text",
                FieldType::LongText => "long_text",
                FieldType::Date => "date",
                FieldType::Time => "time",
                FieldType::Money => "money",
                FieldType::Enum => "enum",
                FieldType::Party => "party",
                FieldType::Officers | FieldType::Act => "json",
                FieldType::Signature | FieldType::Seal => "slot",
            };
            let value = match raw {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(t)) => t.clone(),
                Some(other) if kind == "json" => serde_json::to_string_pretty(other).unwrap_or_default(),
                Some(other) => other.to_string(),
            };
            let phrases = if f.ty == FieldType::LongText {
                s.service
                    .wording_for(&format.code, &f.key)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p.category, p.text))
                    .collect()
            } else {
                Vec::new()
            };
            let chosen = raw.and_then(|v| v.get("name")).and_then(|n| n.as_str()).unwrap_or_default();
            let parties = if f.ty == FieldType::Party {
                case_parties
                    .iter()
                    .map(|p| {
                        let json = serde_json::to_string(p).unwrap_or_default();
                        (p.name().to_owned(), json, p.name() == chosen)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            FieldView {
                parties,
                key: f.key.clone(),
                label: f.label.clone(),
                kind,
                type_zh: f.ty.label(),
                value,
                options: f.options.clone(),
                mandatory: f.mandatory,
                max_len: f.max_len,
                daxie: f.daxie,
                phrases,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage {
    c: Frame,
    d: Document,
    case_number: String,
    fields: Vec<FieldView>,
    draft: bool,
    may_edit: bool,
    may_issue: bool,
    may_serve: bool,
    /// 送达 acts of the case and issued 送达回证, for recording service.
    service_acts: Vec<(String, String)>,
    receipts: Vec<(String, String)>,
    registered: bool,
}

pub async fn page(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> Response {
    finish(build_page(&s, v, &id).await)
}

async fn build_page(s: &AppState, v: Viewer, id: &str) -> PageResult {
    let Ok(id) = id.parse::<DocumentId>() else { return Err(crate::web::frame::not_found(v.frame)) };
    let d = s.service.get_document(&v.me, id).await.or_page(&v.frame)?;
    let o = s.service.case_overview(&v.me, d.case_id).await.or_page(&v.frame)?;
    let formats = s.service.document_formats().or_page(&v.frame)?;
    let format = formats.into_iter().find(|f| f.code == d.format);
    let fields = format.as_ref().map(|f| fields_of(s, f, &d.fields, &o.case.parties)).unwrap_or_default();
    let draft = d.status == DocumentStatus::Draft;
    let service_kinds = [
        ActKind::ServiceInPerson,
        ActKind::ServiceByLeaving,
        ActKind::ServiceByNotice,
        ActKind::ServiceByPost,
        ActKind::ServiceElectronic,
    ];
    let service_acts = o
        .acts
        .iter()
        .filter(|a| service_kinds.contains(&a.kind))
        .map(|a| {
            (
                a.id.to_string(),
                format!("{} {}", a.kind.label_zh(), crate::web::frame::beijing(a.starts_at, false)),
            )
        })
        .collect();
    let receipts = o
        .documents
        .iter()
        .filter(|x| x.id != d.id && x.status != DocumentStatus::Draft && x.format_name.contains("送达回证"))
        .map(|x| (x.id.to_string(), format!("{} {}", x.format_name, x.number.clone().unwrap_or_default())))
        .collect();
    let page = DocumentPage {
        may_edit: draft && o.can.record && format.is_some(),
        may_issue: draft && o.can.issue,
        may_serve: d.status == DocumentStatus::Issued && o.can.record,
        registered: format.is_none(),
        case_number: o.case.number.clone(),
        c: v.frame,
        d,
        fields,
        draft,
        service_acts,
        receipts,
    };
    Ok(render(&page))
}

//! 执法公示. Inside (`/api/v1/…`, a session or token): disclosures of issued decisions — the
//! redacted text proposed, confirmed, published, withdrawn by the roles the rulebook names — and
//! the 事前公开 items. Outside (`/public/api/v1/…`, no credential): what is published, for the
//! provincial 公示平台 to pull, and an Atom feed.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use liuhen_domain::{
    CaseId, CaseKind, DisclosureId, NewRedaction, NewRemedy, NewWithdrawal, PriorItem, PriorItemDraft,
    PriorItemId, Remedy, RemedyId, UnitId, UserId,
};
use liuhen_service::disclosure::{
    AnnualStats, DisclosureView, PublicAgency, PublicDisclosure, PublicOfficer, PublicPage, PublicPrior,
    stats_csv,
};
use liuhen_store::PublicQuery;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DisclosureFilter {
    /// Only this case's disclosures.
    pub case: Option<CaseId>,
}

/// Disclosures of the cases the caller reads, waiting ones first (soonest due), each with its
/// deadline state and what the caller may do next.
#[utoipa::path(get, path = "/api/v1/disclosures", tag = "disclosure", params(DisclosureFilter),
    responses((status = 200, body = Vec<DisclosureView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_disclosures(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiQuery(f): ApiQuery<DisclosureFilter>,
) -> ApiResult<Json<Vec<DisclosureView>>> {
    Ok(Json(s.service.disclosures(&me, f.case).await?))
}

/// One disclosure, with what its redaction masked (recorded as a read of the document).
#[utoipa::path(get, path = "/api/v1/disclosures/{id}", tag = "disclosure",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DisclosureView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_disclosure(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DisclosureId>,
) -> ApiResult<Json<DisclosureView>> {
    Ok(Json(s.service.disclosure(&me, id).await?))
}

/// Proposes the redacted text (隐名处理) made from the issued document, masking what it finds and
/// the names and 商业秘密 phrases given.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/redaction", tag = "disclosure", request_body = NewRedaction,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DisclosureView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn redact_disclosure(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DisclosureId>,
    ApiJson(body): ApiJson<NewRedaction>,
) -> ApiResult<Json<DisclosureView>> {
    Ok(Json(s.service.redact_disclosure(&me, id, &body).await?))
}

/// Confirms the proposed text (a reviewer other than the one who proposed it).
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/confirmation", tag = "disclosure",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DisclosureView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm_disclosure(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DisclosureId>,
) -> ApiResult<Json<DisclosureView>> {
    Ok(Json(s.service.confirm_disclosure(&me, id).await?))
}

/// Publishes the confirmed text on the public portal.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/publication", tag = "disclosure",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DisclosureView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_disclosure(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DisclosureId>,
) -> ApiResult<Json<DisclosureView>> {
    Ok(Json(s.service.publish_disclosure(&me, id).await?))
}

/// Withdraws a publication (the decision was revoked, changed or found unlawful); the public page
/// keeps the ground and the redacted reason in place of the text.
#[utoipa::path(post, path = "/api/v1/disclosures/{id}/withdrawal", tag = "disclosure", request_body = NewWithdrawal,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = DisclosureView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn withdraw_disclosure(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<DisclosureId>,
    ApiJson(body): ApiJson<NewWithdrawal>,
) -> ApiResult<Json<DisclosureView>> {
    Ok(Json(s.service.withdraw_disclosure(&me, id, &body).await?))
}

/// A case's 行政复议 and 行政诉讼.
#[utoipa::path(get, path = "/api/v1/cases/{id}/remedies", tag = "disclosure",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Remedy>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_remedies(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
) -> ApiResult<Json<Vec<Remedy>>> {
    Ok(Json(s.service.remedies(&me, id).await?))
}

/// Records a 行政复议 or 行政诉讼 against the case's decision (负责人, 法制审核人员). An outcome revoking,
/// changing or finding the decision unlawful sets the last day to withdraw its publications.
#[utoipa::path(post, path = "/api/v1/cases/{id}/remedies", tag = "disclosure", request_body = NewRemedy,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = Remedy), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_remedy(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<CaseId>,
    ApiJson(body): ApiJson<NewRemedy>,
) -> ApiResult<(StatusCode, Json<Remedy>)> {
    Ok((StatusCode::CREATED, Json(s.service.put_remedy(&me, id, None, &body).await?)))
}

/// A remedy's outcome, learnt later.
#[utoipa::path(put, path = "/api/v1/cases/{id}/remedies/{remedy}", tag = "disclosure", request_body = NewRemedy,
    params(("id" = String, Path, format = Uuid), ("remedy" = String, Path, format = Uuid)),
    responses((status = 200, body = Remedy), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_remedy(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath((id, remedy)): ApiPath<(CaseId, RemedyId)>,
    ApiJson(body): ApiJson<NewRemedy>,
) -> ApiResult<Json<Remedy>> {
    Ok(Json(s.service.put_remedy(&me, id, Some(remedy), &body).await?))
}

/// The agency's 事前公开 items at their latest versions.
#[utoipa::path(get, path = "/api/v1/prior-items", tag = "disclosure",
    responses((status = 200, body = Vec<PriorItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_prior_items(
    State(s): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Json<Vec<PriorItem>>> {
    Ok(Json(s.service.prior_items(&me).await?))
}

/// Adds a 事前公开 item (权责清单, 执法依据, 随机抽查事项清单, …), due for publication within the
/// rulebook's working days.
#[utoipa::path(post, path = "/api/v1/prior-items", tag = "disclosure", request_body = PriorItemDraft,
    responses((status = 201, body = PriorItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_prior_item(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiJson(body): ApiJson<PriorItemDraft>,
) -> ApiResult<(StatusCode, Json<PriorItem>)> {
    Ok((StatusCode::CREATED, Json(s.service.put_prior_item(&me, None, &body).await?)))
}

/// A new version of a 事前公开 item: published again within the rulebook's working days.
#[utoipa::path(put, path = "/api/v1/prior-items/{id}", tag = "disclosure", request_body = PriorItemDraft,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PriorItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_prior_item(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<PriorItemId>,
    ApiJson(body): ApiJson<PriorItemDraft>,
) -> ApiResult<Json<PriorItem>> {
    Ok(Json(s.service.put_prior_item(&me, Some(id), &body).await?))
}

/// Publishes a 事前公开 item's latest version.
#[utoipa::path(post, path = "/api/v1/prior-items/{id}/publication", tag = "disclosure",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PriorItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_prior_item(
    State(s): State<AppState>,
    Caller(me): Caller,
    ApiPath(id): ApiPath<PriorItemId>,
) -> ApiResult<Json<PriorItem>> {
    Ok(Json(s.service.publish_prior_item(&me, id).await?))
}

// --- public: no credential ---------------------------------------------------------------------

/// What the portal and the public API search by.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicSearch {
    /// The agency's id (empty: every agency).
    pub agency: Option<String>,
    /// 案件类型 code (`administrative_penalty`, …).
    pub kind: Option<String>,
    /// Published on or after this day, `YYYY-MM-DD` (北京时间).
    pub from: Option<String>,
    /// Published on or before this day, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Part of the 文号.
    pub number: Option<String>,
    pub offset: Option<u32>,
    /// 1 to 200 (default 20).
    pub limit: Option<u32>,
}

fn day_start(field: &'static str, s: &str, plus: i64) -> Result<OffsetDateTime, ApiError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), fmt).map_err(|_| {
        ApiError::from(liuhen_service::ServiceError::Invalid(liuhen_domain::ValidationError::new(
            field,
            "a day as YYYY-MM-DD",
        )))
    })?;
    let d = d.checked_add(time::Duration::days(plus)).unwrap_or(d);
    Ok(d.midnight().assume_offset(liuhen_domain::when::BEIJING))
}

impl PublicSearch {
    /// The store query, or a clear error naming the bad parameter.
    pub fn query(&self) -> Result<PublicQuery, ApiError> {
        let kind = match self.kind.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => Some(CaseKind::from_code(k).ok_or_else(|| {
                ApiError::from(liuhen_service::ServiceError::Invalid(liuhen_domain::ValidationError::new(
                    "kind",
                    "a 案件类型 code such as administrative_penalty",
                )))
            })?),
            None => None,
        };
        let from =
            self.from.as_deref().filter(|s| !s.is_empty()).map(|s| day_start("from", s, 0)).transpose()?;
        let until =
            self.to.as_deref().filter(|s| !s.is_empty()).map(|s| day_start("to", s, 1)).transpose()?;
        let agency = match self.agency.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Some(a.parse::<UnitId>().map_err(|_| {
                ApiError::from(liuhen_service::ServiceError::Invalid(liuhen_domain::ValidationError::new(
                    "agency",
                    "an agency id (UUID)",
                )))
            })?),
            None => None,
        };
        Ok(PublicQuery {
            agency,
            kind,
            from,
            until,
            number: self.number.clone().filter(|n| !n.trim().is_empty()),
            limit: self.limit.unwrap_or(20).clamp(1, 200),
            offset: self.offset.unwrap_or(0).min(1_000_000),
        })
    }
}

/// Published decisions (and withdrawn ones, with their reasons), newest first.
#[utoipa::path(get, path = "/public/api/v1/disclosures", tag = "public", params(PublicSearch),
    responses((status = 200, body = PublicPage), (status = 400, body = ErrorBody)))]
pub async fn public_search(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PublicSearch>,
) -> ApiResult<Json<PublicPage>> {
    Ok(Json(s.service.public_disclosures(&q.query()?).await?))
}

/// One published decision: its redacted text, digests and ledger index.
#[utoipa::path(get, path = "/public/api/v1/disclosures/{id}", tag = "public",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PublicDisclosure), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn public_decision(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<DisclosureId>,
) -> ApiResult<Json<PublicDisclosure>> {
    Ok(Json(s.service.public_disclosure(id).await?))
}

/// The agencies that publish here.
#[utoipa::path(get, path = "/public/api/v1/agencies", tag = "public",
    responses((status = 200, body = Vec<PublicAgency>)))]
pub async fn public_agencies(State(s): State<AppState>) -> ApiResult<Json<Vec<PublicAgency>>> {
    Ok(Json(s.service.public_agencies().await?))
}

/// 事前公开 of an agency: its published items and its officers (姓名, 执法证号, 执法类别).
#[utoipa::path(get, path = "/public/api/v1/agencies/{id}/prior", tag = "public",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PublicPrior), (status = 404, body = ErrorBody)))]
pub async fn public_prior(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<UnitId>,
) -> ApiResult<Json<PublicPrior>> {
    Ok(Json(s.service.public_prior(id).await?))
}

/// An officer's 执法证: name, certificate number, category and whether it is valid.
#[utoipa::path(get, path = "/public/api/v1/officers/{id}", tag = "public",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = PublicOfficer), (status = 404, body = ErrorBody)))]
pub async fn public_officer(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<PublicOfficer>> {
    Ok(Json(s.service.public_officer(id).await?))
}

/// 统计年报 of an agency for a year: counts by kind, outcome, amounts, hearings, reviews.
#[utoipa::path(get, path = "/public/api/v1/agencies/{id}/stats/{year}", tag = "public",
    params(("id" = String, Path, format = Uuid), ("year" = i32, Path)),
    responses((status = 200, body = AnnualStats), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn public_stats(
    State(s): State<AppState>,
    ApiPath((id, year)): ApiPath<(UnitId, i32)>,
) -> ApiResult<Json<AnnualStats>> {
    Ok(Json(s.service.annual_stats(id, year).await?))
}

/// 统计年报 as CSV (UTF-8 with a byte-order mark).
#[utoipa::path(get, path = "/public/api/v1/agencies/{id}/stats/{year}/csv", tag = "public",
    params(("id" = String, Path, format = Uuid), ("year" = i32, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn public_stats_csv(
    State(s): State<AppState>,
    ApiPath((id, year)): ApiPath<(UnitId, i32)>,
) -> ApiResult<Response> {
    let stats = s.service.annual_stats(id, year).await?;
    let mut resp = stats_csv(&stats).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let name = format!("attachment; filename=\"stats-{year}.csv\"");
    if let Ok(v) = HeaderValue::from_str(&name) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The base URL the feed's links start with: the configured public URL, or the request's host.
fn base_url(s: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = s.config.public_url.as_deref() {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// An Atom feed (RFC 4287) of the latest 50 publications and withdrawals; the same search
/// parameters as the public API narrow it.
#[utoipa::path(get, path = "/public/feed.atom", tag = "public", params(PublicSearch),
    responses((status = 200, content_type = "application/atom+xml", body = String), (status = 400, body = ErrorBody)))]
pub async fn feed(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<PublicSearch>,
) -> ApiResult<Response> {
    let mut query = q.query()?;
    query.limit = 50;
    query.offset = 0;
    let page = s.service.public_disclosures(&query).await?;
    let base = base_url(&s, &headers);
    let updated = page.items.iter().map(|i| i.withdrawal.as_ref().map_or(i.published_at, |w| w.at)).max();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    xml.push_str("  <title>行政执法决定公示</title>\n");
    xml.push_str(&format!("  <id>{}/public/feed.atom</id>\n", xml_escape(&base)));
    xml.push_str(&format!("  <link rel=\"self\" href=\"{}/public/feed.atom\"/>\n", xml_escape(&base)));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}/public\"/>\n",
        xml_escape(&base)
    ));
    xml.push_str(&format!(
        "  <updated>{}</updated>\n",
        rfc3339(updated.unwrap_or(OffsetDateTime::UNIX_EPOCH))
    ));
    for i in &page.items {
        let link = format!("{base}/public/decisions/{}", i.id);
        let (title, updated, summary) = match &i.withdrawal {
            Some(w) => (format!("【已撤回】{}", i.title), w.at, format!("{}：{}", w.ground_zh, w.reason)),
            None => (i.title.clone(), i.published_at, i.text.clone().unwrap_or_default()),
        };
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", xml_escape(&title)));
        xml.push_str(&format!("    <id>urn:uuid:{}</id>\n", i.id.0));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&link)
        ));
        xml.push_str(&format!("    <published>{}</published>\n", rfc3339(i.published_at)));
        xml.push_str(&format!("    <updated>{}</updated>\n", rfc3339(updated)));
        xml.push_str(&format!("    <author><name>{}</name></author>\n", xml_escape(&i.agency_name)));
        xml.push_str(&format!(
            "    <category term=\"{}\" label=\"{}\"/>\n",
            i.case_kind.code(),
            xml_escape(&i.case_kind_zh)
        ));
        xml.push_str(&format!("    <summary type=\"text\">{}</summary>\n", xml_escape(&summary)));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    let mut resp = xml.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
    Ok(resp)
}

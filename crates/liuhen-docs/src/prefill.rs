//! Prefill: what the case already knows, copied into a new document's fields.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::money::format_yuan;
use crate::schema::{Format, PrefillKey};
use crate::value::{Officer, Party, parse_date_time};

/// An enforcement act as the case records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Kind label, e.g. 现场检查, 询问.
    pub kind: String,
    /// `YYYY-MM-DD HH:MM`.
    pub start: String,
    /// `YYYY-MM-DD HH:MM`.
    pub end: String,
    pub place: String,
}

/// An approved extension of the case's handling limit (延长查封扣押期限).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionFacts {
    /// Days added.
    pub days: u32,
    /// The last day before the extension, `YYYY-MM-DD`.
    pub original_end: String,
    /// The first day of the extension, `YYYY-MM-DD`.
    pub new_start: String,
    /// The last day with the extension, `YYYY-MM-DD`.
    pub new_end: String,
    /// Why, as approved.
    pub reason: String,
}

/// What the case knows, for prefilling documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// 机关名称, e.g. 临海市市场监督管理局.
    pub agency_name: String,
    /// 机关简称 used in 文号, e.g. 临市监.
    pub agency_short_name: String,
    /// 案件编号.
    pub case_number: String,
    /// 案由, e.g. 临海市某某餐饮有限公司经营超过保质期食品案.
    pub case_title: String,
    /// 当事人; the first one is prefilled.
    pub parties: Vec<Party>,
    /// 执法人员.
    pub officers: Vec<Officer>,
    /// Recorded acts, in order.
    pub acts: Vec<ActFacts>,
    /// 金额 (e.g. the proposed or decided fine) in fen.
    pub amount_fen: Option<u64>,
    /// The approved extension of the handling limit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionFacts>,
}

/// Values for every field of `format` that has a prefill key and a matching fact, as JSON ready for
/// [`crate::validate`] (after the user completes the rest).
///
/// Party keys use the first party. Act keys use the first act whose kind equals the field's
/// `act_kind` — or, for fields without one, the `act_kind` of the format's act field (so a 询问笔录's
/// date and times come from the 询问, not from an earlier 现场检查) — else the first act.
pub fn prefill(format: &Format, facts: &CaseFacts) -> Map<String, Value> {
    let mut out = Map::new();
    let format_act_kind = format.fields.iter().find_map(|f| f.act_kind.as_ref());
    for field in &format.fields {
        let Some(key) = field.prefill else { continue };
        let act = match field.act_kind.as_ref().or(format_act_kind) {
            Some(kind) => facts.acts.iter().find(|a| &a.kind == kind),
            None => facts.acts.first(),
        };
        if let Some(v) = value_for(key, facts, act) {
            out.insert(field.key.clone(), v);
        }
    }
    out
}

fn non_empty(s: &str) -> Option<Value> {
    (!s.trim().is_empty()).then(|| Value::String(s.to_owned()))
}

fn value_for(key: PrefillKey, facts: &CaseFacts, act: Option<&ActFacts>) -> Option<Value> {
    use PrefillKey as P;
    let party = facts.parties.first();
    let start = act.and_then(|a| parse_date_time(&a.start));
    let end = act.and_then(|a| parse_date_time(&a.end));
    match key {
        P::AgencyName => non_empty(&facts.agency_name),
        P::AgencyShortName => non_empty(&facts.agency_short_name),
        P::CaseNumber => non_empty(&facts.case_number),
        P::CaseTitle => non_empty(&facts.case_title),
        P::Party => party.and_then(|p| serde_json::to_value(p).ok()),
        P::PartyName => party.and_then(|p| non_empty(p.name())),
        P::PartyIdNumber => party.and_then(|p| non_empty(p.id_number())),
        P::PartyAddress => party.and_then(|p| p.address()).and_then(non_empty),
        P::PartyPhone => party.and_then(|p| p.phone()).and_then(non_empty),
        P::PartyLegalRepresentative => party.and_then(|p| p.legal_representative()).and_then(non_empty),
        P::Officers => {
            (!facts.officers.is_empty()).then(|| serde_json::to_value(&facts.officers).ok()).flatten()
        }
        P::OfficerNames => {
            non_empty(&facts.officers.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join("、"))
        }
        P::Act => act.and_then(|a| {
            serde_json::to_value(crate::value::ActRef {
                id: a.id.clone(),
                kind: a.kind.clone(),
                start: a.start.clone(),
                end: a.end.clone(),
                place: a.place.clone(),
            })
            .ok()
        }),
        P::ActKind => act.and_then(|a| non_empty(&a.kind)),
        P::ActPlace => act.and_then(|a| non_empty(&a.place)),
        P::ActStart => act.and_then(|a| non_empty(&a.start)),
        P::ActEnd => act.and_then(|a| non_empty(&a.end)),
        P::ActDate => start.map(|(d, _)| Value::String(d.to_string())),
        P::ActStartTime => start.map(|(_, t)| Value::String(t.to_string())),
        P::ActEndTime => end.map(|(_, t)| Value::String(t.to_string())),
        P::Amount => facts.amount_fen.map(|fen| Value::String(format_yuan(fen))),
        P::ExtensionDays => facts.extension.as_ref().map(|e| Value::String(e.days.to_string())),
        P::ExtensionOriginalEnd => facts.extension.as_ref().and_then(|e| non_empty(&e.original_end)),
        P::ExtensionNewStart => facts.extension.as_ref().and_then(|e| non_empty(&e.new_start)),
        P::ExtensionNewEnd => facts.extension.as_ref().and_then(|e| non_empty(&e.new_end)),
        P::ExtensionReason => facts.extension.as_ref().and_then(|e| non_empty(&e.reason)),
    }
}

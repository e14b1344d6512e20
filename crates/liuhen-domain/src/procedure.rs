//! 执法程序 — the procedure a case follows from 立案 to 归档. Which acts and documents each
//! [`Stage`](crate::Stage) of a procedure expects, and its handling limits, are rulebook data
//! (liuhen-policy); this is only the name of the procedure.

use crate::CaseKind;

crate::labelled_enum! {
    /// 执法程序 — the procedure of a case.
    pub enum Procedure {
        /// 行政处罚普通程序 — ordinary penalty procedure: 立案, investigation, decision within
        /// 90 days (行政处罚法 第54条–第65条).
        PenaltyOrdinary = ("penalty_ordinary", "行政处罚普通程序"),
        /// 行政处罚简易程序 — summary penalty procedure: decided and handed over on the spot
        /// (行政处罚法 第51条、第52条).
        PenaltySummary = ("penalty_summary", "行政处罚简易程序"),
        /// 行政强制 — administrative coercive measures: 查封扣押 and the like (行政强制法).
        Coercion = ("coercion", "行政强制"),
        /// 行政检查 — administrative inspection.
        Inspection = ("inspection", "行政检查"),
    }
}

impl Procedure {
    /// The procedure a case of `kind` follows unless chosen otherwise: 行政处罚 cases follow the
    /// ordinary procedure (简易程序 is chosen on the spot). `None` for kinds without a procedure
    /// here (行政许可, 行政征收征用, 其他).
    pub fn default_for(kind: CaseKind) -> Option<Procedure> {
        match kind {
            CaseKind::Penalty => Some(Procedure::PenaltyOrdinary),
            CaseKind::Coercion => Some(Procedure::Coercion),
            CaseKind::Inspection => Some(Procedure::Inspection),
            CaseKind::Licensing | CaseKind::Expropriation | CaseKind::Other => None,
        }
    }

    /// The kind of case this procedure belongs to.
    pub fn case_kind(self) -> CaseKind {
        match self {
            Procedure::PenaltyOrdinary | Procedure::PenaltySummary => CaseKind::Penalty,
            Procedure::Coercion => CaseKind::Coercion,
            Procedure::Inspection => CaseKind::Inspection,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_code_or_label_and_maps_case_kinds() {
        assert_eq!("行政处罚普通程序".parse::<Procedure>(), Ok(Procedure::PenaltyOrdinary));
        assert_eq!("penalty_summary".parse::<Procedure>(), Ok(Procedure::PenaltySummary));
        assert!("普通程序".parse::<Procedure>().unwrap_err().problem.contains("penalty_ordinary"));
        for p in Procedure::ALL {
            let default = Procedure::default_for(p.case_kind());
            assert_eq!(default.map(Procedure::case_kind), Some(p.case_kind()));
        }
        assert_eq!(Procedure::default_for(CaseKind::Licensing), None);
    }
}

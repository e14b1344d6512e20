//! Behaviour of liuhen-policy as the service will use it: layers, effective rules, coverage,
//! findings, the major-decision catalogue, the calendar, and procedures (in `procedure/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod procedure;

use liuhen_policy::*;
use proptest::prelude::*;
use time::macros::{date, datetime};

fn national() -> Policy {
    Policy::national().expect("the shipped national rulebook loads")
}

fn layer(kind: &str, name: &str, body: &str) -> String {
    format!("[layer]\nkind = \"{kind}\"\nname = \"{name}\"\n\n{body}")
}

/// Facts with every document and element the rule asks for and enough officers.
fn complete_facts(rule: &EffectiveRule, coverage: Option<Coverage>) -> ActFacts {
    ActFacts {
        coverage,
        documents: rule.documents.iter().map(|d| d.value.clone()).collect(),
        elements: rule.elements.iter().map(|e| e.value.clone()).collect(),
        officers_with_valid_credential: rule.min_officers.value,
    }
}

// ---------------------------------------------------------------- acceptance: findings

#[test]
fn seizure_with_a_ninety_second_gap_blocks_once() {
    let p = national();
    let rule = p.rule(ActKind::Seizure, Venue::OnSite);
    let window =
        Interval::from_datetimes(datetime!(2026-03-02 10:00 +08:00), datetime!(2026-03-02 10:30 +08:00));
    let clips = [
        Interval::from_datetimes(datetime!(2026-03-02 10:00 +08:00), datetime!(2026-03-02 10:12 +08:00)),
        Interval::from_datetimes(datetime!(2026-03-02 10:13:30 +08:00), datetime!(2026-03-02 10:30 +08:00)),
    ];
    let cov = rule.coverage(window, &clips, &[]);
    assert_eq!(cov.long_gaps.len(), 1);
    assert_eq!(cov.long_gaps[0].seconds(), 90);
    assert_eq!(cov.long_gaps[0].duration_ms(), 90_000);
    assert!((cov.share() - 1710.0 / 1800.0).abs() < 1e-12);
    let findings = assess(&rule, &complete_facts(&rule, Some(cov)));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!((f.severity, f.code), (Severity::Block, FindingCode::AvGap));
    assert!(f.message_zh.contains("90 秒"), "{}", f.message_zh);
    assert!(f.message_en.contains("0:12:00–0:13:30"), "{}", f.message_en);
    assert_eq!(f.origin.layer, LayerKind::National);
}

#[test]
fn explained_gap_is_info_unless_a_layer_refuses_explanations() {
    let mut p = national();
    let rule = p.rule(ActKind::Seizure, Venue::OnSite);
    let window = Interval::new(0, 1_800_000);
    let clips = [Interval::new(0, 720_000), Interval::new(810_000, 1_800_000)];
    let why = [Explanation {
        interval: Interval::new(715_000, 815_000),
        reason: "执法记录仪电量耗尽".into(),
    }];
    let findings = assess(&rule, &complete_facts(&rule, Some(rule.coverage(window, &clips, &why))));
    assert_eq!(findings.len(), 1);
    assert_eq!((findings[0].severity, findings[0].code), (Severity::Info, FindingCode::AvGapExplained));

    p.add_layer(
        "local.toml",
        &layer("local", "X市", "[[rule]]\nact = \"查封扣押\"\nexplanation_covers_gap = false\n"),
    )
    .unwrap();
    let rule = p.rule(ActKind::Seizure, Venue::OnSite);
    let findings = assess(&rule, &complete_facts(&rule, Some(rule.coverage(window, &clips, &why))));
    assert_eq!((findings[0].severity, findings[0].code), (Severity::Block, FindingCode::AvGap));
    assert_eq!(findings[0].origin.layer_name, "X市");
}

#[test]
fn notice_service_without_av_is_a_warning() {
    let p = national();
    let rule = p.rule(ActKind::ServiceByNotice, Venue::OnSite);
    let findings = assess(&rule, &complete_facts(&rule, None));
    assert_eq!(findings.len(), 1);
    assert_eq!((findings[0].severity, findings[0].code), (Severity::Warning, FindingCode::AvMissing));
}

#[test]
fn inquiry_room_without_av_blocks() {
    let p = national();
    let rule = p.rule(ActKind::Inquiry, Venue::CaseHandlingVenue);
    let empty = rule.coverage(Interval::new(0, 600_000), &[], &[]);
    let findings = assess(&rule, &complete_facts(&rule, Some(empty)));
    assert_eq!(findings.len(), 1);
    assert_eq!((findings[0].severity, findings[0].code), (Severity::Block, FindingCode::AvMissing));
    assert_eq!(findings[0].origin.rule, "*/case_handling_venue");
}

#[test]
fn missing_documents_elements_and_officers() {
    let p = national();
    let rule = p.rule(ActKind::OnSiteInspection, Venue::OnSite);
    let full = rule.coverage(Interval::new(0, 1000), &[Interval::new(0, 1000)], &[]);
    let facts = ActFacts {
        coverage: Some(full),
        documents: vec![],
        elements: vec!["时间".into()],
        officers_with_valid_credential: 1,
    };
    let findings = assess(&rule, &facts);
    let codes: Vec<(Severity, FindingCode)> = findings.iter().map(|f| (f.severity, f.code)).collect();
    assert!(codes.contains(&(Severity::Block, FindingCode::DocumentMissing)));
    assert!(codes.contains(&(Severity::Block, FindingCode::TooFewOfficers)));
    assert!(codes.contains(&(Severity::Warning, FindingCode::ElementMissing)));
    assert!(findings.windows(2).all(|w| w[0].severity >= w[1].severity), "blocking first");
    assert!(findings.iter().any(|f| f.message_zh.contains("《现场检查笔录》")));
}

// ---------------------------------------------------------------- layers

#[test]
fn local_layer_cannot_make_demolition_text_only() {
    let mut p = national();
    let text =
        layer("local", "X市", "[[rule]]\nact = \"强制拆除\"\nvenue = \"on_site\"\nav = \"text_allowed\"\n");
    let err = p.add_layer("x.toml", &text).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "local rule 强制拆除/on_site av=text_allowed loosens national rule 强制拆除/* av=full"
        ),
        "{msg}"
    );
    assert_eq!(err.location().path, "rule[0].av");
    assert_eq!(err.location().line, Some(8));
    assert_eq!(p.layers().len(), 1, "a rejected layer leaves the policy unchanged");
    assert_eq!(p.rule(ActKind::ForcedDemolition, Venue::OnSite).av.value, AvRequirement::Full);
}

#[test]
fn blanket_loosening_and_officers_are_caught_too() {
    let mut p = national();
    let err =
        p.add_layer("x.toml", &layer("local", "X市", "[[rule]]\nact = \"*\"\nav = \"by_circumstance\"\n"));
    assert!(matches!(err, Err(PolicyError::Loosens { .. })), "{err:?}");
    let err = p.add_layer("x.toml", &layer("local", "X市", "[[rule]]\nact = \"询问\"\nmin_officers = 1\n"));
    assert!(err.unwrap_err().to_string().contains("national rule */on_site min_officers=2"));
    // Not mandatory nationally: a local rule may relax the tolerated gap and 公告送达.
    p.add_layer(
        "x.toml",
        &layer(
            "local",
            "X市",
            "[[rule]]\nact = \"*\"\nmax_gap_seconds = 30\n\n[[rule]]\nact = \"公告送达\"\nvenue = \"on_site\"\nav = \"text_allowed\"\n",
        ),
    )
    .unwrap();
    assert_eq!(p.rule(ActKind::Execution, Venue::OnSite).max_gap_seconds.value, 30);
    assert_eq!(p.rule(ActKind::ServiceByNotice, Venue::OnSite).av.value, AvRequirement::TextAllowed);
}

#[test]
fn department_tightens_inspection_and_show_names_it() {
    let mut p = national();
    let text = layer(
        "department",
        "市场监管总局",
        "[[rule]]\nact = \"on_site_inspection\"\nmandatory = true\nav = \"full\"\ndocuments = [\"现场检查笔录\", \"检查记录表\"]\n",
    );
    p.add_layer("samr.toml", &text).unwrap();
    let rule = p.rule(ActKind::OnSiteInspection, Venue::OnSite);
    assert_eq!(rule.av.value, AvRequirement::Full);
    assert_eq!(rule.av.origin.layer, LayerKind::Department);
    assert_eq!(rule.av.origin.layer_name, "市场监管总局");
    let doc_origin = |name: &str| rule.documents.iter().find(|d| d.value == name).unwrap().origin.layer;
    assert_eq!(doc_origin("现场检查笔录"), LayerKind::National);
    assert_eq!(doc_origin("检查记录表"), LayerKind::Department);
    let shown = p.show(ActKind::OnSiteInspection);
    let av_line = shown.lines().find(|l| l.trim_start().starts_with("av ")).unwrap();
    assert!(
        av_line.contains("full") && av_line.contains("department 部门 (市场监管总局) rule 现场检查/*"),
        "{av_line}"
    );

    // The department rule is mandatory: a local layer may not undo it.
    let body = "[[rule]]\nact = \"现场检查\"\nvenue = \"on_site\"\nav = \"by_circumstance\"\n";
    let err = p.add_layer("x.toml", &layer("local", "X市", body));
    assert!(err.unwrap_err().to_string().contains("loosens department rule 现场检查/* av=full"));
}

#[test]
fn layer_order_and_bad_input() {
    let mut p = national();
    p.add_layer("x.toml", &layer("local", "X市", "")).unwrap();
    let err = p.add_layer("d.toml", &layer("department", "D", "")).unwrap_err();
    assert!(matches!(err, PolicyError::LayerOrder { .. }), "{err}");
    assert!(matches!(
        Policy::from_national("l.toml", &layer("local", "X", "")),
        Err(PolicyError::LayerOrder { .. })
    ));

    let err = p
        .add_layer("y.toml", &layer("local", "Y", "[[rule]]\nact = \"*\"\nvenue = \"询问室\"\n"))
        .unwrap_err();
    assert_eq!((err.location().path.as_str(), err.location().line), ("rule[0].venue", Some(7)));
    assert!(err.to_string().contains("unknown venue \"询问室\""), "{err}");
    let err = p
        .add_layer("y.toml", &layer("local", "Y", "[[rule]]\nact = \"*\"\nav = \"sometimes\"\n"))
        .unwrap_err();
    assert_eq!(err.location().path, "rule[0].av");
    let err = p.add_layer("y.toml", &layer("local", "Y", "[deadline]\nlegal_review = 5\n")).unwrap_err();
    assert!(err.to_string().contains("unknown field `deadline`"), "{err}");
    let err =
        p.add_layer("y.toml", &layer("local", "Y", "[[rule]]\nact = \"*\"\nmin_officers = 0\n")).unwrap_err();
    assert_eq!(err.location().path, "rule[0].min_officers");
}

#[test]
fn readme_example_layer_loads() {
    let readme = include_str!("../README.md");
    let block = readme.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).unwrap();
    let mut p = national();
    p.add_layer("README.md", block).unwrap();
    let rule = p.rule(ActKind::OnSiteInspection, Venue::OnSite);
    assert_eq!((rule.av.value, rule.max_gap_seconds.value), (AvRequirement::Full, 5));
    assert!(p.catalogue().to_string().contains("责令关闭"));
    let ordinary = p.procedure(Procedure::PenaltyOrdinary);
    let stage = ordinary.stage(Stage::Investigation).unwrap();
    let sampling = stage.acts.iter().find(|a| a.value.one_of == [ActKind::Sampling]).unwrap();
    assert_eq!((sampling.value.need, sampling.origin.layer), (Need::Required, LayerKind::Local));
    let either = stage.acts.iter().find(|a| a.value.one_of.len() == 2).unwrap();
    assert_eq!(either.value.one_of, [ActKind::OnSiteInspection, ActKind::Inquiry]);
    let limit = ordinary.limit.unwrap();
    assert_eq!((limit.days.value, limit.max_extension_days()), (60, 30));
}

// ---------------------------------------------------------------- major decisions

/// The rulebook matches documents by name, so every name it knows is the 文书名称 of a base format,
/// except the few still made outside liuhen and registered by their scans; and every base format is
/// a document the rulebook knows.
#[test]
fn rulebook_names_documents_as_the_base_formats_do() {
    let formats = liuhen_docs::FormatSet::with_base().unwrap();
    let format_names: Vec<String> = formats.formats().map(|f| f.name.clone()).collect();
    let known = national().document_names();
    let mut scan_only: Vec<&str> =
        known.iter().filter(|n| !format_names.contains(n)).map(String::as_str).collect();
    scan_only.sort_unstable();
    let mut expected = ["先行登记保存物品清单", "邮寄送达凭证", "送达地址确认书"];
    expected.sort_unstable();
    assert_eq!(scan_only, expected);
    for name in &format_names {
        assert!(known.contains(name), "the rulebook does not know the format {name}");
    }
    let coercion = national().procedure(Procedure::Coercion);
    let decision = coercion.stage(Stage::Decision).unwrap();
    let names: Vec<&str> = decision.documents.iter().map(|d| d.value.name.as_str()).collect();
    assert_eq!(names, ["延长查封扣押期限决定书", "解除查封扣押决定书"]);
}

fn fine(party: PartyType, yuan: u64) -> Decision {
    Decision {
        party,
        fine: Fen::from_yuan(yuan),
        measures: vec![],
        after_hearing: false,
        flagged_major: None,
    }
}

#[test]
fn major_decisions_under_national_defaults() {
    let p = national();
    let v = p.is_major(&fine(PartyType::NaturalPerson, 50_000));
    assert!(v.major);
    assert!(matches!(v.reasons[0], MajorReason::Fine { threshold: Fen(1_000_000), .. }));
    assert!(!p.is_major(&fine(PartyType::Organisation, 50_000)).major);
    assert!(p.is_major(&fine(PartyType::Organisation, 100_000)).major);
    assert!(!p.is_major(&fine(PartyType::NaturalPerson, 9_999)).major);

    let revoke = Decision { measures: vec![Measure::RevokeLicence], ..fine(PartyType::Organisation, 0) };
    let v = p.is_major(&revoke);
    assert!(v.major);
    assert!(matches!(v.reasons[..], [MajorReason::Measure { measure: Measure::RevokeLicence, .. }]));
    assert!(p.is_major(&Decision { after_hearing: true, ..fine(PartyType::Organisation, 10) }).major);
    assert!(
        p.is_major(&Decision {
            flagged_major: Some("涉及重大公共利益".into()),
            ..fine(PartyType::Organisation, 0)
        })
        .major
    );
    assert!(
        !p.is_major(&Decision { measures: vec![Measure::Warning], ..fine(PartyType::NaturalPerson, 0) })
            .major
    );
}

#[test]
fn layers_may_lower_thresholds_but_not_raise_them() {
    let mut p = national();
    let raise = layer("local", "X市", "[major]\nfine_threshold_fen = { organisation = 20_000_000 }\n");
    let err = p.add_layer("x.toml", &raise).unwrap_err();
    assert!(
        err.to_string().contains("loosens national rule major fine_threshold_fen.organisation=10000000"),
        "{err}"
    );
    let off = layer("local", "X市", "[major]\nafter_hearing = false\n");
    assert!(matches!(p.add_layer("x.toml", &off), Err(PolicyError::Loosens { .. })));

    let lower = layer(
        "local",
        "X市",
        "[major]\nfine_threshold_fen = { organisation = 5_000_000 }\nalways_major = [\"责令关闭\"]\n",
    );
    p.add_layer("x.toml", &lower).unwrap();
    assert!(p.is_major(&fine(PartyType::Organisation, 50_000)).major);
    let close = Decision { measures: vec![Measure::OrderClosure], ..fine(PartyType::Organisation, 0) };
    match &p.is_major(&close).reasons[..] {
        [MajorReason::Measure { origin, .. }] => assert_eq!(origin.layer_name, "X市"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- calendar

#[test]
fn calendar_weekends_holidays_and_adjusted_workdays() {
    let p = national();
    let c = p.calendar();
    // Fri 2 Jan is 元旦; Sun 4 Jan is worked (调休); Mon 5 Jan is ordinary.
    assert_eq!(c.is_working_day(date!(2025 - 12 - 31)), Ok(true));
    assert_eq!(c.is_working_day(date!(2024 - 12 - 31)), Err(CalendarError::YearNotCovered(2024)));
    assert_eq!(c.add_working_days(date!(2025 - 12 - 31), 1).unwrap(), date!(2026 - 01 - 04));
    assert_eq!(c.add_working_days(date!(2026 - 01 - 01), 1).unwrap(), date!(2026 - 01 - 04));
    assert_eq!(c.add_working_days(date!(2026 - 01 - 01), 2).unwrap(), date!(2026 - 01 - 05));
    assert_eq!(c.day_kind(date!(2026 - 01 - 04)), Some(DayKind::AdjustedWorkday));
    // Across a plain weekend: Fri 6 Mar + 1 = Mon 9 Mar.
    assert_eq!(c.add_working_days(date!(2026 - 03 - 06), 1).unwrap(), date!(2026 - 03 - 09));
    // 清明 Sat 4 – Mon 6 Apr: Fri 3 Apr + 1 = Tue 7 Apr.
    assert_eq!(c.add_working_days(date!(2026 - 04 - 03), 1).unwrap(), date!(2026 - 04 - 07));
    // 劳动节 1–5 May, Sat 9 May worked: Thu 30 Apr + 4 = Sat 9 May.
    assert_eq!(c.add_working_days(date!(2026 - 04 - 30), 4).unwrap(), date!(2026 - 05 - 09));
    assert_eq!(c.working_days_between(date!(2026 - 04 - 30), date!(2026 - 05 - 11)).unwrap(), 5);
    assert_eq!(
        p.disclosure_deadline(date!(2026 - 04 - 30), CaseKind::Penalty).unwrap(),
        date!(2026 - 05 - 13)
    );
}

#[test]
fn a_local_layer_adds_a_holiday_and_shortens_review() {
    let mut p = national();
    let text = layer(
        "local",
        "X自治州",
        "[deadlines]\nlegal_review = 5\n\n[[calendar]]\nyear = 2026\nholidays = [\"2026-03-03\"]\n",
    );
    p.add_layer("x.toml", &text).unwrap();
    // Mon 2 Mar + 5: Wed 4, Thu 5, Fri 6, Mon 9, Tue 10 (Tue 3 is the local holiday).
    assert_eq!(p.review_deadline(date!(2026 - 03 - 02)).unwrap(), date!(2026 - 03 - 10));
    let longer = layer("local", "Y", "[deadlines]\ndisclosure_penalty_licensing = 10\n");
    assert!(matches!(p.add_layer("y.toml", &longer), Err(PolicyError::Loosens { .. })));
    let wrong_year = layer("local", "Y", "[[calendar]]\nyear = 2026\nholidays = [\"2027-01-01\"]\n");
    let err = p.add_layer("y.toml", &wrong_year).unwrap_err();
    assert_eq!(err.location().path, "calendar[0].holidays[0]");
}

// ---------------------------------------------------------------- properties

/// Brute force over every millisecond of the window.
fn brute(window: Interval, clips: &[Interval]) -> Vec<bool> {
    (window.start_ms..window.end_ms).map(|t| clips.iter().any(|c| c.start_ms <= t && t < c.end_ms)).collect()
}

/// Maximal runs of `value` in `bits`, as intervals offset by `start`.
fn runs(bits: &[bool], value: bool, start: i64) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut run_start = None;
    for (i, b) in bits.iter().chain(std::iter::once(&!value)).enumerate() {
        match (*b == value, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                out.push(Interval::new(start + s as i64, start + i as i64));
                run_start = None;
            }
            _ => {}
        }
    }
    out
}

fn interval() -> impl Strategy<Value = Interval> {
    (-300i64..2500, -100i64..1200).prop_map(|(s, len)| Interval::new(s, s + len))
}

proptest! {
    #[test]
    fn coverage_matches_brute_force(
        start in -200i64..200,
        len in 0i64..2000,
        clips in prop::collection::vec(interval(), 0..12),
        reasons in prop::collection::vec(interval(), 0..4),
        max_gap_seconds in 0u32..2,
        allow in any::<bool>(),
    ) {
        let window = Interval::new(start, start + len);
        let explanations: Vec<Explanation> =
            reasons.iter().map(|i| Explanation { interval: *i, reason: "故障".into() }).collect();
        let cov = coverage(window, &clips, &explanations, max_gap_seconds, allow);
        let bits = brute(window, &clips);
        let covered = bits.iter().filter(|b| **b).count() as i64;
        prop_assert_eq!(cov.covered_ms, covered);
        prop_assert_eq!(&cov.covered, &runs(&bits, true, start));
        prop_assert_eq!(&cov.uncovered, &runs(&bits, false, start));
        let expected_share = if len == 0 { 1.0 } else { covered as f64 / len as f64 };
        prop_assert!((cov.share() - expected_share).abs() < 1e-12);

        let long: Vec<Interval> = runs(&bits, false, start)
            .into_iter()
            .filter(|g| g.duration_ms() > i64::from(max_gap_seconds) * 1000)
            .collect();
        prop_assert_eq!(cov.long_gaps.iter().map(|g| g.interval).collect::<Vec<_>>(), long);
        for gap in &cov.long_gaps {
            let fully = (gap.interval.start_ms..gap.interval.end_ms)
                .all(|t| reasons.iter().any(|r| r.start_ms <= t && t < r.end_ms));
            prop_assert_eq!(gap.excused, fully && allow);
            prop_assert_eq!(!gap.explained_by.is_empty(), fully);
        }
    }

    #[test]
    fn merge_is_idempotent_sorted_and_disjoint(clips in prop::collection::vec(interval(), 0..20)) {
        let bounds = Interval::new(-1000, 5000);
        let once = merge(&clips, bounds);
        prop_assert_eq!(&merge(&once, bounds), &once);
        prop_assert!(once.windows(2).all(|w| w[0].end_ms < w[1].start_ms));
        prop_assert!(once.iter().all(|i| !i.is_empty()));
    }

    #[test]
    fn working_days_round_trip(offset in 0i64..330, n in 0u32..25) {
        let c = national().calendar().clone();
        let a = date!(2026 - 01 - 01) + time::Duration::days(offset);
        let b = c.add_working_days(a, n).unwrap();
        prop_assert_eq!(c.working_days_between(a, b).unwrap(), i64::from(n));
        prop_assert_eq!(c.working_days_between(b, a).unwrap(), -i64::from(n));
        if n > 0 {
            prop_assert!(c.is_working_day(b).unwrap());
        }
    }

    /// Whatever the text, loading returns a result and never panics; dropping any one line of
    /// the national rulebook either still loads or names a line.
    #[test]
    fn loading_never_panics(text in "\\PC{0,200}", drop in 0usize..10_000) {
        let mut p = national();
        let _ = p.add_layer("fuzz.toml", &text);
        let lines: Vec<&str> = NATIONAL_TOML.lines().collect();
        let drop = drop % lines.len();
        let cut: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, l)| *l).collect();
        if let Err(e) = Policy::from_national("cut.toml", &cut.join("\n")) {
            prop_assert!(!e.location().source.is_empty());
        }
    }
}

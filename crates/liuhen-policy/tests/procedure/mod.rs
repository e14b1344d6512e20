//! Procedures as data: the stages of each procedure, what leaving a stage needs, the layers over
//! them, and the handling limits.

use liuhen_policy::*;
use time::macros::date;

use super::{layer, national};

fn facts(leaving: Stage, acts: &[ActKind], documents: &[&str]) -> StageFacts {
    StageFacts {
        leaving,
        acts: acts.to_vec(),
        documents: documents.iter().map(|d| (*d).to_owned()).collect(),
    }
}

fn blocks(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.severity == Severity::Block).collect()
}

// ---------------------------------------------------------------- national data

#[test]
fn national_procedures_load_with_their_stages() {
    let p = national();
    for procedure in Procedure::ALL {
        let eff = p.procedure(*procedure);
        let stages = eff.stages.iter().map(|s| s.stage).collect::<Vec<_>>();
        if *procedure == Procedure::PenaltySummary {
            assert_eq!(stages, [Stage::Decision, Stage::Execution, Stage::Archived]);
        } else {
            assert_eq!(stages, Stage::ALL);
        }
        assert_eq!(procedure.code().parse::<Procedure>(), Ok(*procedure));
        assert_eq!(procedure.label_zh().parse::<Procedure>(), Ok(*procedure));
    }
    let ordinary = p.procedure(Procedure::PenaltyOrdinary);
    let investigation = ordinary.stage(Stage::Investigation).unwrap();
    let inquiry = investigation.acts.iter().find(|a| a.value.one_of == [ActKind::Inquiry]).unwrap();
    assert_eq!(inquiry.value.need, Need::Required);
    let decision = ordinary.stage(Stage::Decision).unwrap();
    let names: Vec<&str> = decision.documents.iter().map(|d| d.value.name.as_str()).collect();
    assert_eq!(names, ["行政处罚事先告知书", "听证通知书", "行政处罚决定书"]);
    let hearing = &decision.acts[0];
    assert_eq!(
        (hearing.value.one_of.as_slice(), hearing.value.need),
        ([ActKind::Hearing].as_slice(), Need::WhenApplicable)
    );
    assert!(decision.documents.iter().all(|d| d.origin.mandatory));
    let service = &ordinary.stage(Stage::Execution).unwrap().acts[0];
    assert_eq!(service.value.one_of.len(), 5, "one of the five ways of service");
    assert!(service.value.basis.as_deref().unwrap().contains("第61条"));

    let limit = ordinary.limit.as_ref().unwrap();
    assert_eq!((limit.days.value, limit.counting.value), (90, DayCount::Natural));
    assert_eq!((limit.from.value, limit.until.value), (LimitStart::Opened, Stage::Decision));
    assert!(limit.days.origin.mandatory);
    assert!(limit.basis[0].value.contains("第60条"));
    assert_eq!(limit.max_extension_days(), 0);
    let seizure = p.limit(Procedure::Coercion).unwrap();
    assert_eq!((seizure.days.value, seizure.max_extension_days()), (30, 30));
    assert_eq!(seizure.from.value, LimitStart::Act(ActKind::Seizure));
    assert_eq!(seizure.extension_approval.as_ref().unwrap().value, Role::Leader);
    assert_eq!(p.limit(Procedure::PenaltySummary).unwrap().days.value, 0);
    assert!(p.limit(Procedure::Inspection).is_none(), "行政检查: a department matter");
}

// ---------------------------------------------------------------- leaving a stage

#[test]
fn leaving_investigation_without_the_inquiry_record_blocks_until_it_is_there() {
    let p = national().procedure(Procedure::PenaltyOrdinary);
    let findings = p.assess_exit(&facts(Stage::Investigation, &[ActKind::Inquiry], &[]));
    let blocking = blocks(&findings);
    assert_eq!(blocking.len(), 1, "{findings:#?}");
    let f = blocking[0];
    assert_eq!(f.code, FindingCode::DocumentMissing);
    assert!(f.message_zh.contains("《询问笔录》") && f.message_zh.contains("调查取证"), "{}", f.message_zh);
    assert!(f.message_en.contains("leaving investigation without the document 询问笔录"), "{}", f.message_en);
    assert_eq!((f.origin.layer, f.origin.rule.as_str()), (LayerKind::National, "行政处罚普通程序/调查取证"));
    assert_eq!(findings[0].severity, Severity::Block, "blocking first");
    // The when_applicable acts not recorded are noted, not blocking.
    assert!(findings.iter().filter(|f| f.severity != Severity::Block).all(|f| f.severity == Severity::Info));
    assert!(findings.iter().any(|f| f.code == FindingCode::ActMissing && f.message_zh.contains("抽样取证")));

    let findings = p.assess_exit(&facts(Stage::Investigation, &[ActKind::Inquiry], &["询问笔录"]));
    assert!(blocks(&findings).is_empty(), "{findings:#?}");
}

#[test]
fn a_required_act_and_acts_that_make_documents_due() {
    let p = national().procedure(Procedure::PenaltyOrdinary);
    let findings = p.assess_exit(&facts(Stage::Investigation, &[], &["询问笔录"]));
    let f = blocks(&findings)[0];
    assert_eq!(f.code, FindingCode::ActMissing);
    assert!(f.message_zh.contains("「询问」"), "{}", f.message_zh);

    // A seizure during the investigation makes its 决定书 due.
    let findings =
        p.assess_exit(&facts(Stage::Investigation, &[ActKind::Inquiry, ActKind::Seizure], &["询问笔录"]));
    let f = blocks(&findings)[0];
    assert!(
        f.message_zh.contains("已记录查封扣押") && f.message_zh.contains("《查封扣押决定书》"),
        "{}",
        f.message_zh
    );
    assert!(f.origin.mandatory);

    // 审核决定: no hearing → only a note; a hearing without its notice → blocked.
    let done = ["行政处罚事先告知书", "行政处罚决定书"];
    let findings = p.assess_exit(&facts(Stage::Decision, &[ActKind::Inquiry], &done));
    assert_eq!(findings.len(), 1);
    assert_eq!((findings[0].severity, findings[0].code), (Severity::Info, FindingCode::ActMissing));
    let findings = p.assess_exit(&facts(Stage::Decision, &[ActKind::Inquiry, ActKind::Hearing], &done));
    assert_eq!(blocks(&findings).len(), 1);
    assert!(findings[0].message_zh.contains("《听证通知书》"));
    let findings = p.assess_exit(&facts(Stage::Decision, &[], &["行政处罚事先告知书"]));
    assert!(blocks(&findings).iter().any(|f| f.message_zh.contains("《行政处罚决定书》")));
}

#[test]
fn one_of_the_ways_of_service_is_enough() {
    let p = national().procedure(Procedure::PenaltyOrdinary);
    let findings = p.assess_exit(&facts(Stage::Execution, &[ActKind::Inquiry], &["结案审批表"]));
    let f = blocks(&findings)[0];
    assert_eq!(f.code, FindingCode::ActMissing);
    assert!(
        f.message_zh.contains("以下执法行为之一：直接送达、留置送达、公告送达、邮寄送达、电子送达"),
        "{}",
        f.message_zh
    );
    assert!(f.message_en.contains("service_in_person | service_by_leaving"), "{}", f.message_en);

    let by_post = p.assess_exit(&facts(Stage::Execution, &[ActKind::ServiceByPost], &["结案审批表"]));
    assert!(blocks(&by_post).is_empty(), "{by_post:#?}");
    let in_person = p.assess_exit(&facts(Stage::Execution, &[ActKind::ServiceInPerson], &["结案审批表"]));
    assert_eq!(blocks(&in_person).len(), 1);
    assert!(in_person[0].message_zh.contains("《送达回证》"));
}

#[test]
fn summary_procedure_is_decided_and_handed_over_on_the_spot() {
    let p = national().procedure(Procedure::PenaltySummary);
    assert!(p.assess_exit(&facts(Stage::Initiation, &[], &[])).is_empty());
    assert!(p.assess_exit(&facts(Stage::Investigation, &[], &[])).is_empty());
    assert_eq!(blocks(&p.assess_exit(&facts(Stage::Decision, &[], &[]))).len(), 1);
    assert!(p.assess_exit(&facts(Stage::Execution, &[ActKind::ServiceInPerson], &[])).is_empty());
    let cal = national().calendar().clone();
    assert_eq!(p.handling_deadline(date!(2026 - 03 - 07), &cal, 0).unwrap(), date!(2026 - 03 - 07));
    assert!(matches!(
        p.handling_deadline(date!(2026 - 03 - 07), &cal, 1),
        Err(LimitError::Extension { allowed: 0, asked: 1, .. })
    ));
}

// ---------------------------------------------------------------- layers

#[test]
fn only_the_national_layer_says_which_stages_a_procedure_has() {
    let mut p = national();
    // A later layer cannot change the list, not even to repeat it.
    let body =
        "[[procedure_stages]]\nprocedure = \"penalty_summary\"\nstages = [\"decision\", \"archived\"]\n";
    let err = p.add_layer("x.toml", &layer("local", "X市", body)).unwrap_err();
    assert_eq!(err.location().path, "procedure_stages", "{err}");
    assert!(err.to_string().contains("set by the national layer only"), "{err}");
    // Nor speak of a stage the procedure does not have.
    let body = "[[procedure]]\nprocedure = \"行政处罚简易程序\"\nstage = \"调查取证\"\nacts = [{ act = \"询问\", need = \"required\" }]\n";
    let err = p.add_layer("x.toml", &layer("department", "部门", body)).unwrap_err();
    assert_eq!((err.location().path.as_str(), err.location().line), ("procedure[0].stage", Some(7)), "{err}");
    assert!(err.to_string().contains("行政处罚简易程序 has no 调查取证 (investigation) stage; its stages are 审核决定 → 送达执行 → 归档"), "{err}");
    let body = "[[limit]]\nprocedure = \"penalty_summary\"\nuntil = \"investigation\"\n";
    let err = p.add_layer("x.toml", &layer("local", "X市", body)).unwrap_err();
    assert_eq!(err.location().path, "limit[0].until", "{err}");
    assert_eq!(p.layers().len(), 1);

    // The national layer lists every procedure, in order, ending with 归档.
    let without =
        NATIONAL_TOML.replace("procedure = \"inspection\"\nstages", "procedure = \"coercion\"\nstages");
    let err = Policy::from_national("n.toml", &without).unwrap_err();
    assert!(err.to_string().contains("a second [[procedure_stages]] for 行政强制"), "{err}");
    let unordered = NATIONAL_TOML.replace(
        "stages = [\"decision\", \"execution\", \"archived\"]",
        "stages = [\"execution\", \"decision\", \"archived\"]",
    );
    let err = Policy::from_national("n.toml", &unordered).unwrap_err();
    assert!(err.to_string().contains("once each, in order"), "{err}");
    let unfinished = NATIONAL_TOML.replace(
        "stages = [\"decision\", \"execution\", \"archived\"]",
        "stages = [\"decision\", \"execution\"]",
    );
    let err = Policy::from_national("n.toml", &unfinished).unwrap_err();
    assert!(err.to_string().contains("must end with archived"), "{err}");
}

#[test]
fn a_decision_not_to_punish_serves_instead_of_the_penalty_decision() {
    let p = national().procedure(Procedure::PenaltyOrdinary);
    let done = ["行政处罚事先告知书", "不予行政处罚决定书"];
    let findings = p.assess_exit(&facts(Stage::Decision, &[ActKind::Inquiry], &done));
    assert!(blocks(&findings).is_empty(), "{findings:?}");
    let findings = p.assess_exit(&facts(Stage::Decision, &[], &["行政处罚事先告知书"]));
    assert!(
        blocks(&findings).iter().any(|f| f.message_zh.contains("《行政处罚决定书》或《不予行政处罚决定书》")),
        "{findings:?}"
    );

    // A layer may narrow what serves instead (here: nothing but the 决定书 itself) …
    let mut narrowed = national();
    let body = "[[procedure]]\nprocedure = \"行政处罚普通程序\"\nstage = \"审核决定\"\ndocuments = [{ name = \"行政处罚决定书\", need = \"required\" }]\n";
    narrowed.add_layer("x.toml", &layer("local", "X市", body)).unwrap();
    let findings = narrowed.procedure(Procedure::PenaltyOrdinary).assess_exit(&facts(
        Stage::Decision,
        &[ActKind::Inquiry],
        &done,
    ));
    assert_eq!(blocks(&findings).len(), 1, "{findings:?}");
    // … never widen it, and only with declared formats other than the document itself.
    let mut p = national();
    let body = "[[procedure]]\nprocedure = \"行政处罚普通程序\"\nstage = \"审核决定\"\ndocuments = [{ name = \"行政处罚决定书\", need = \"required\", instead = [\"不予行政处罚决定书\", \"结案审批表\"] }]\n";
    p.add_layer("x.toml", &layer("local", "X市", body)).unwrap();
    let findings = p.procedure(Procedure::PenaltyOrdinary).assess_exit(&facts(
        Stage::Decision,
        &[ActKind::Inquiry],
        &["行政处罚事先告知书", "结案审批表"],
    ));
    assert_eq!(blocks(&findings).len(), 1, "结案审批表 does not serve instead: {findings:?}");
    let body = body.replace("结案审批表", "没有这种文书");
    let err = p.add_layer("y.toml", &layer("local", "Y市", &body)).unwrap_err();
    assert_eq!(err.location().path, "procedure[0].documents[0].instead[1]", "{err}");
    let body = body.replace("没有这种文书", "行政处罚决定书");
    assert!(p.add_layer("y.toml", &layer("local", "Y市", &body)).is_err());
}

#[test]
fn a_local_layer_cannot_drop_the_penalty_decision() {
    let mut p = national();
    let body = "[[procedure]]\nprocedure = \"行政处罚普通程序\"\nstage = \"审核决定\"\ndocuments = [{ name = \"行政处罚决定书\", need = \"not_expected\" }]\n";
    let err = p.add_layer("x.toml", &layer("local", "X市", body)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "local rule 行政处罚普通程序/审核决定 documents[行政处罚决定书].need=not_expected loosens \
             national rule 行政处罚普通程序/审核决定 documents[行政处罚决定书].need=required (x.toml line 8"
        ),
        "{msg}"
    );
    assert_eq!(err.location().path, "procedure[0].documents[0].need");
    assert_eq!(p.layers().len(), 1, "a rejected layer leaves the policy unchanged");

    // Making it merely when_applicable is a loosening too.
    let body = body.replace("not_expected", "when_applicable");
    let err = p.add_layer("x.toml", &layer("local", "X市", &body)).unwrap_err();
    assert!(matches!(err, PolicyError::Loosens(_)), "{err}");
    // So is dropping the service, or the 询问笔录 the statute asks for once there is an inquiry.
    let body = "[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"execution\"\nacts = [{ one_of = [\"电子送达\", \"邮寄送达\", \"直接送达\", \"留置送达\", \"公告送达\"], need = \"when_applicable\" }]\n";
    let err = p.add_layer("x.toml", &layer("local", "X市", body)).unwrap_err();
    assert!(
        err.to_string().contains("acts[直接送达|留置送达|公告送达|邮寄送达|电子送达].need=when_applicable"),
        "{err}"
    );
    let body = "[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"investigation\"\ndocuments = [{ name = \"询问笔录\", need = \"not_expected\" }]\n";
    let err = p.add_layer("x.toml", &layer("local", "X市", body)).unwrap_err();
    assert!(
        err.to_string().contains(
            "loosens national rule 行政处罚普通程序/调查取证 documents[询问笔录].need=when_applicable"
        ),
        "{err}"
    );
}

#[test]
fn a_department_adds_sampling_and_relaxes_what_is_not_mandatory() {
    let mut p = national();
    let body = "[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"investigation\"\nbasis = \"市场监管行政处罚程序规定\"\nacts = [\n  { act = \"抽样取证\", need = \"required\" },\n  { act = \"询问\", need = \"when_applicable\" },\n]\n";
    p.add_layer("samr.toml", &layer("department", "市场监管总局", body)).unwrap();
    let eff = p.procedure(Procedure::PenaltyOrdinary);
    let stage = eff.stage(Stage::Investigation).unwrap();
    let sampling = stage.acts.iter().find(|a| a.value.one_of == [ActKind::Sampling]).unwrap();
    assert_eq!(sampling.value.need, Need::Required);
    assert_eq!(
        (sampling.origin.layer, sampling.origin.layer_name.as_str()),
        (LayerKind::Department, "市场监管总局")
    );
    assert_eq!(sampling.value.basis.as_deref(), Some("市场监管行政处罚程序规定"));
    // 询问 was a national default, not mandatory: the department may make it when_applicable.
    let inquiry = stage.acts.iter().find(|a| a.value.one_of == [ActKind::Inquiry]).unwrap();
    assert_eq!((inquiry.value.need, inquiry.origin.layer), (Need::WhenApplicable, LayerKind::Department));

    let findings = eff.assess_exit(&facts(Stage::Investigation, &[ActKind::Inquiry], &["询问笔录"]));
    let blocking = blocks(&findings);
    assert_eq!(blocking.len(), 1, "{findings:#?}");
    assert_eq!(blocking[0].code, FindingCode::ActMissing);
    assert_eq!(blocking[0].origin.layer_name, "市场监管总局");
    let shown = p.show_procedure(Procedure::PenaltyOrdinary);
    let line = shown.lines().find(|l| l.contains("抽样取证") && l.contains("required")).unwrap();
    assert!(line.contains("← department 部门 (市场监管总局) rule 行政处罚普通程序/调查取证"), "{line}");

    // A local layer turns the hearing into a required act, and drops the department's sampling
    // (the department did not make it mandatory).
    let body = "[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"decision\"\nacts = [{ act = \"听证\", need = \"required\" }]\n\n[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"investigation\"\nacts = [{ act = \"sampling\", need = \"not_expected\" }]\n";
    p.add_layer("x.toml", &layer("local", "X市", body)).unwrap();
    let eff = p.procedure(Procedure::PenaltyOrdinary);
    let hearing = &eff.stage(Stage::Decision).unwrap().acts[0];
    assert_eq!((hearing.value.need, hearing.origin.layer), (Need::Required, LayerKind::Local));
    assert!(
        !eff.stage(Stage::Investigation).unwrap().acts.iter().any(|a| a.value.one_of == [ActKind::Sampling])
    );
}

#[test]
fn unknown_names_and_malformed_items_are_located() {
    let mut p = national();
    let head = "[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"investigation\"\n";
    let cases = [
        (
            "[[procedure]]\nprocedure = \"普通程序\"\nstage = \"启动\"\n",
            "procedure[0].procedure",
            "unknown variant",
        ),
        (
            "[[procedure]]\nprocedure = \"penalty_ordinary\"\nstage = \"结案\"\n",
            "procedure[0].stage",
            "unknown variant",
        ),
        (
            &format!("{head}acts = [{{ act = \"拆迁\", need = \"required\" }}]\n"),
            "procedure[0].acts[0].act",
            "拆迁",
        ),
        (
            &format!("{head}documents = [{{ name = \"询问笔錄\", need = \"required\" }}]\n"),
            "procedure[0].documents[0].name",
            "unknown document format \"询问笔錄\"",
        ),
        (
            &format!(
                "{head}documents = [{{ name = \"询问笔录\", need = \"required\", if_acts = [\"询问\"] }}]\n"
            ),
            "procedure[0].documents[0].if_acts",
            "when_applicable",
        ),
        (
            &format!("{head}acts = [{{ act = \"询问\", one_of = [\"听证\"], need = \"required\" }}]\n"),
            "procedure[0].acts[0]",
            "not both",
        ),
        (&format!("{head}acts = [{{ need = \"required\" }}]\n"), "procedure[0].acts[0]", "non-empty one_of"),
        (
            &format!("{head}acts = [{{ act = \"询问\", need = \"must\" }}]\n"),
            "procedure[0].acts[0].need",
            "unknown variant",
        ),
        ("[[limit]]\nprocedure = \"inspection\"\ndays = 15\n", "limit[0]", "sets days and counting"),
        ("[[limit]]\nprocedure = \"coercion\"\nfrom = \"opened\"\n", "limit[0].from", "cannot change"),
        ("[[limit]]\nprocedure = \"coercion\"\nfrom = \"昨天\"\n", "limit[0].from", "unknown limit start"),
        (
            "[[limit]]\nprocedure = \"penalty_ordinary\"\nuntil = \"execution\"\n",
            "limit[0].until",
            "cannot change",
        ),
    ];
    for (body, path, message) in cases {
        let err = p.add_layer("y.toml", &layer("local", "Y", body)).unwrap_err();
        assert_eq!(err.location().path, path, "{err}");
        assert!(err.location().line.is_some(), "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
    assert_eq!(p.layers().len(), 1);
    // A format declared by the layer may be used at once.
    let body = format!(
        "[documents]\nformats = [\"检查记录表\"]\n\n{head}documents = [{{ name = \"检查记录表\", need = \"required\" }}]\n"
    );
    p.add_layer("y.toml", &layer("local", "Y", &body)).unwrap();
}

// ---------------------------------------------------------------- handling limits

#[test]
fn the_ninety_day_limit_may_be_shortened_but_not_lengthened() {
    let mut p = national();
    for (body, line_has) in [
        ("days = 120\n", "days=120 loosens national rule 行政处罚普通程序/limit days=90"),
        (
            "counting = \"working\"\n",
            "counting=working loosens national rule 行政处罚普通程序/limit counting=natural",
        ),
    ] {
        let text = layer("local", "X市", &format!("[[limit]]\nprocedure = \"行政处罚普通程序\"\n{body}"));
        let err = p.add_layer("x.toml", &text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("local rule 行政处罚普通程序/limit ") && msg.contains(line_has), "{msg}");
        assert!(msg.contains("(x.toml line 7, key limit[0]."), "{msg}");
    }
    let cal = p.calendar().clone();
    let body = "[[limit]]\nprocedure = \"penalty_ordinary\"\nmandatory = true\ndays = 60\nextension_days = 30\nextension_approval = \"负责人\"\nbasis = \"X市行政执法程序规定\"\n";
    p.add_layer("x.toml", &layer("local", "X市", body)).unwrap();
    let limit = p.limit(Procedure::PenaltyOrdinary).unwrap();
    assert_eq!((limit.days.value, limit.days.origin.layer_name.as_str()), (60, "X市"));
    assert_eq!(limit.counting.origin.layer, LayerKind::National);
    assert_eq!(limit.basis.len(), 2);
    let eff = p.procedure(Procedure::PenaltyOrdinary);
    // 立案 Mon 2 Mar 2026 + 60 natural days = Fri 1 May; + 30 approved = Sun 31 May.
    assert_eq!(eff.handling_deadline(date!(2026 - 03 - 02), &cal, 0).unwrap(), date!(2026 - 05 - 01));
    assert_eq!(eff.handling_deadline(date!(2026 - 03 - 02), &cal, 30).unwrap(), date!(2026 - 05 - 31));
    let shown = p.show_procedure(Procedure::PenaltyOrdinary);
    assert!(shown.contains("days       60 natural (自然日)"), "{shown}");
    assert!(shown.contains("approval   负责人 (leader)"), "{shown}");
}

#[test]
fn seizure_lasts_thirty_days_and_one_approved_extension_of_thirty() {
    let p = national();
    let eff = p.procedure(Procedure::Coercion);
    let cal = p.calendar();
    // Seized Mon 2 Mar 2026: 30 natural days → Wed 1 Apr; extended by 30 → Fri 1 May (a holiday:
    // natural days do not move).
    assert_eq!(eff.handling_deadline(date!(2026 - 03 - 02), cal, 0).unwrap(), date!(2026 - 04 - 01));
    assert_eq!(eff.handling_deadline(date!(2026 - 03 - 02), cal, 30).unwrap(), date!(2026 - 05 - 01));
    assert_eq!(eff.handling_deadline(date!(2026 - 03 - 02), cal, 12).unwrap(), date!(2026 - 04 - 13));
    let err = eff.handling_deadline(date!(2026 - 03 - 02), cal, 31).unwrap_err();
    assert!(matches!(err, LimitError::Extension { asked: 31, allowed: 30, .. }));
    assert!(err.to_string().contains("national 国家 (国家规则) rule 行政强制/limit"), "{err}");
    // A local layer may not allow a longer extension, nor another approver.
    let mut q = p.clone();
    for body in ["extension_days = 60\n", "extension_approval = \"执法人员\"\n"] {
        let text = layer("local", "X市", &format!("[[limit]]\nprocedure = \"coercion\"\n{body}"));
        assert!(matches!(q.add_layer("x.toml", &text), Err(PolicyError::Loosens(_))));
    }
    q.add_layer(
        "x.toml",
        &layer("local", "X市", "[[limit]]\nprocedure = \"coercion\"\nextension_days = 15\n"),
    )
    .unwrap();
    assert_eq!(q.limit(Procedure::Coercion).unwrap().max_extension_days(), 15);

    let ordinary = p.procedure(Procedure::PenaltyOrdinary);
    let err = ordinary.handling_deadline(date!(2026 - 03 - 02), cal, 30).unwrap_err();
    assert!(err.to_string().contains("no layer allows an extension"), "{err}");
    let inspection = p.procedure(Procedure::Inspection);
    assert_eq!(
        inspection.handling_deadline(date!(2026 - 03 - 02), cal, 0),
        Err(LimitError::NotSet(Procedure::Inspection))
    );
}

#[test]
fn limit_findings_warn_when_near_and_when_past() {
    let p = national();
    let eff = p.procedure(Procedure::Coercion);
    let cal = p.calendar();
    let base = LimitFacts {
        start: date!(2026 - 03 - 02),
        extension_days: 0,
        completed: None,
        today: date!(2026 - 03 - 20),
        warn_within_days: 5,
    };
    assert_eq!(eff.assess_limit(cal, &base).unwrap(), None);
    let near = eff.assess_limit(cal, &LimitFacts { today: date!(2026 - 03 - 28), ..base }).unwrap().unwrap();
    assert_eq!((near.severity, near.code), (Severity::Warning, FindingCode::LimitNear));
    assert!(
        near.message_zh.contains("2026-04-01") && near.message_zh.contains("剩余4个自然日"),
        "{}",
        near.message_zh
    );
    let past = eff.assess_limit(cal, &LimitFacts { today: date!(2026 - 04 - 03), ..base }).unwrap().unwrap();
    assert_eq!((past.severity, past.code), (Severity::Warning, FindingCode::LimitExceeded));
    assert!(past.message_zh.contains("已超期2日"), "{}", past.message_zh);
    assert_eq!(past.origin.rule, "行政强制/limit");
    // With the extension approved it is on time; a decision made late is reported as late.
    let extended = LimitFacts { today: date!(2026 - 04 - 03), extension_days: 30, ..base };
    assert_eq!(eff.assess_limit(cal, &extended).unwrap(), None);
    let late = LimitFacts { completed: Some(date!(2026 - 04 - 05)), ..base };
    let f = eff.assess_limit(cal, &late).unwrap().unwrap();
    assert!(f.message_en.contains("4 days late"), "{}", f.message_en);
    let on_time = LimitFacts { completed: Some(date!(2026 - 04 - 01)), today: date!(2026 - 06 - 01), ..base };
    assert_eq!(eff.assess_limit(cal, &on_time).unwrap(), None);
    assert_eq!(p.procedure(Procedure::Inspection).assess_limit(cal, &base).unwrap(), None);
}

#[test]
fn a_department_gives_inspection_a_working_day_limit() {
    let mut p = national();
    let body = "[[limit]]\nprocedure = \"行政检查\"\nmandatory = true\ndays = 15\ncounting = \"working\"\nuntil = \"investigation\"\nbasis = \"部门规章\"\n";
    p.add_layer("d.toml", &layer("department", "D", body)).unwrap();
    let eff = p.procedure(Procedure::Inspection);
    let limit = eff.limit.as_ref().unwrap();
    assert_eq!((limit.until.value, limit.from.value), (Stage::Investigation, LimitStart::Opened));
    // Tue 29 Sep 2026 + 15 working days: 30 Sep, (国庆 1–7 Oct), 8, 9, 10 (调休 Saturday), 12–16,
    // 19–23, Mon 26 Oct.
    assert_eq!(eff.handling_deadline(date!(2026 - 09 - 29), p.calendar(), 0).unwrap(), date!(2026 - 10 - 26));
    let facts = LimitFacts {
        start: date!(2026 - 09 - 29),
        extension_days: 0,
        completed: None,
        today: date!(2026 - 10 - 20),
        warn_within_days: 5,
    };
    let f = eff.assess_limit(p.calendar(), &facts).unwrap().unwrap();
    assert!(f.message_zh.contains("剩余4个工作日"), "{}", f.message_zh);
    assert_eq!(f.origin.layer, LayerKind::Department);
    let err =
        p.add_layer("x.toml", &layer("local", "X", "[[limit]]\nprocedure = \"inspection\"\ndays = 20\n"));
    assert!(err.unwrap_err().to_string().contains("loosens department rule 行政检查/limit days=15"));
    // Counting past the years the calendar covers is an error, not a guess.
    assert!(matches!(
        eff.handling_deadline(date!(2026 - 12 - 28), p.calendar(), 0),
        Err(LimitError::Calendar(CalendarError::YearNotCovered(2027)))
    ));
}

#[test]
fn show_procedure_names_every_origin() {
    let shown = national().show_procedure("行政处罚普通程序".parse().unwrap());
    assert!(
        shown.starts_with(
            "行政处罚普通程序 (penalty_ordinary)\n  stages     启动 → 调查取证 → 审核决定 → 送达执行 → 归档"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("← national 国家 (国家规则) rule 行政处罚普通程序/stages [mandatory]\n"),
        "{shown}"
    );
    assert!(shown.contains("\n  启动 (initiation)\n"), "{shown}");
    let line = shown.lines().find(|l| l.contains(" 行政处罚决定书")).unwrap();
    assert!(line.contains(" 行政处罚决定书 or 不予行政处罚决定书"), "{line}");
    assert!(
        line.contains("required")
            && line.contains("← national 国家 (国家规则) rule 行政处罚普通程序/审核决定 [mandatory]"),
        "{line}"
    );
    assert!(shown.contains("听证通知书 (if 听证)"), "{shown}");
    assert!(shown.contains("one of 直接送达|留置送达|公告送达|邮寄送达|电子送达"), "{shown}");
    assert!(shown.contains("days       90 natural (自然日)"), "{shown}");
    assert!(shown.contains("basis      行政处罚法(2021) 第55条"), "{shown}");
    let inspection = national().show_procedure(Procedure::Inspection);
    assert!(inspection.contains("(none set: a department or local layer's matter)"), "{inspection}");
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use liuhen_docs::samples;
use liuhen_docs::{
    DocumentView, FieldType, FieldValue, FormatError, FormatSet, LayerKind, Problem, ViewBlock, WordingError,
    WordingLibrary, prefill, validate,
};
use serde_json::{Value, json};

const BASE: [(&str, &str); 20] = [
    ("case_filing_approval", "立案审批表"),
    ("onsite_inspection_record", "现场检查笔录"),
    ("inquiry_record", "询问笔录"),
    ("sampling_voucher", "抽样取证凭证"),
    ("evidence_preservation_notice", "先行登记保存证据通知书"),
    ("seizure_decision", "查封扣押决定书"),
    ("coercion_onsite_record", "现场笔录"),
    ("seizure_list", "查封扣押财物清单"),
    ("seizure_extension_decision", "延长查封扣押期限决定书"),
    ("seizure_release_decision", "解除查封扣押决定书"),
    ("penalty_prior_notice", "行政处罚事先告知书"),
    ("hearing_notice", "听证通知书"),
    ("hearing_record", "听证笔录"),
    ("penalty_decision", "行政处罚决定书"),
    ("no_penalty_decision", "不予行政处罚决定书"),
    ("enforcement_demand_notice", "催告书"),
    ("demolition_decision", "强制拆除决定书"),
    ("service_receipt", "送达回证"),
    ("service_notice", "送达公告"),
    ("case_closing_approval", "结案审批表"),
];

fn base() -> FormatSet {
    FormatSet::with_base().unwrap()
}

fn all_text(view: &DocumentView) -> String {
    serde_json::to_string(view).unwrap()
}

#[test]
fn base_formats_load_and_sample_data_validates() {
    let set = base();
    assert_eq!(set.formats().count(), BASE.len());
    assert_eq!(liuhen_docs::BASE_FORMATS.len(), BASE.len());
    for (code, name) in BASE {
        let f = set.get(code).unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(f.name, name);
        assert_eq!(f.layer.kind, LayerKind::Base);
        assert_eq!(f.layer.name, "司法部");
        let doc = validate(f, &samples::values(code).unwrap()).unwrap_or_else(|e| {
            panic!("{code}: {}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
        });
        let view = DocumentView::new(&doc, Some("临市监罚〔2026〕12号"));
        assert_eq!(view.title, name);
        assert!(all_text(&view).contains("临海市"), "{code}");
    }
}

#[test]
fn numbered_formats_render_their_number() {
    let set = base();
    let numbered: Vec<_> = set.formats().filter(|f| f.numbered).map(|f| f.code.as_str()).collect();
    assert_eq!(
        numbered,
        [
            "demolition_decision",
            "enforcement_demand_notice",
            "evidence_preservation_notice",
            "hearing_notice",
            "no_penalty_decision",
            "penalty_decision",
            "penalty_prior_notice",
            "seizure_decision",
            "seizure_extension_decision",
            "seizure_release_decision",
            "service_notice",
        ]
    );
    let f = set.get("penalty_decision").unwrap();
    assert_eq!(f.render_number("临市监", 2026, 12).unwrap(), "临市监罚〔2026〕12号");
    assert_eq!(
        set.get("seizure_decision").unwrap().render_number("临市监", 2026, 3).unwrap(),
        "临市监强制〔2026〕3号"
    );
    assert_eq!(set.get("service_receipt").unwrap().render_number("临市监", 2026, 3), None);
    for (code, short, number) in [
        ("seizure_extension_decision", "临市监", "临市监强延〔2026〕1号"),
        ("seizure_release_decision", "临市监", "临市监强解〔2026〕1号"),
        ("evidence_preservation_notice", "临市监", "临市监先保〔2026〕1号"),
        ("service_notice", "临市监", "临市监公告〔2026〕1号"),
        ("enforcement_demand_notice", "临综执", "临综执催〔2026〕1号"),
        ("demolition_decision", "临综执", "临综执强拆〔2026〕1号"),
    ] {
        assert_eq!(set.get(code).unwrap().render_number(short, 2026, 1).unwrap(), number);
    }
    // 笔录, 清单 and 凭证 carry no 文号.
    for code in ["coercion_onsite_record", "seizure_list", "hearing_record", "sampling_voucher"] {
        assert!(!set.get(code).unwrap().numbered, "{code}");
    }
}

#[test]
fn penalty_decision_view_shows_amount_in_both_forms() {
    let set = base();
    let f = set.get("penalty_decision").unwrap();
    let doc = validate(f, &samples::values("penalty_decision").unwrap()).unwrap();
    assert_eq!(doc.get("fine_amount"), Some(&FieldValue::Money(5_000_000)));
    let view = DocumentView::new(&doc, Some("临市监罚〔2026〕12号"));
    let paragraphs: Vec<_> = view
        .blocks
        .iter()
        .filter_map(|b| match b {
            ViewBlock::Paragraph { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(paragraphs.contains(&"罚款人民币50000.00元（大写：伍万元整）。"), "{paragraphs:#?}");
    assert!(paragraphs.contains(&"当事人：临海市味佳餐饮管理有限公司"));
    assert!(paragraphs.contains(&"统一社会信用代码：91331082MA2K7Q3P5M"));
    // The confiscation paragraph is conditional and the amount is absent.
    assert!(!paragraphs.iter().any(|p| p.contains("没收违法所得人民币")));
    assert!(view.blocks.contains(&ViewBlock::Number {
        text: "临市监罚〔2026〕12号".into(),
        align: liuhen_docs::Align::Right
    }));
    let closing = view.blocks.iter().find_map(|b| match b {
        ViewBlock::Closing { lines, seal } => Some((lines.clone(), seal.clone())),
        _ => None,
    });
    let (lines, seal) = closing.unwrap();
    assert_eq!(lines, ["临海市市场监督管理局", "2026年11月27日"]);
    assert_eq!(seal.unwrap().label, "执法机关印章");
    // Drafts show the pending marker.
    let draft = DocumentView::new(&doc, None);
    assert_eq!(draft.number.as_deref(), Some(liuhen_docs::NUMBER_PENDING));
}

#[test]
fn empty_optional_fields_are_struck_through() {
    let set = base();
    let f = set.get("seizure_decision").unwrap();
    let mut v = samples::values_map("seizure_decision").unwrap();
    v.remove("custody");
    let doc = validate(f, &Value::Object(v)).unwrap();
    let text = all_text(&DocumentView::new(&doc, None));
    assert!(text.contains("保管方式：／。"), "{text}");
}

fn errors_for(code: &str, patch: Value) -> Vec<liuhen_docs::FieldError> {
    let set = base();
    let f = set.get(code).unwrap();
    let mut v = samples::values_map(code).unwrap();
    for (k, val) in patch.as_object().unwrap() {
        v.insert(k.clone(), val.clone());
    }
    validate(f, &Value::Object(v)).unwrap_err()
}

#[test]
fn validation_names_each_field() {
    let e = errors_for(
        "penalty_decision",
        json!({"facts": "  ", "decision_date": "2026-02-30", "fine_amount": "五万元"}),
    );
    let keys: Vec<_> = e.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["facts", "fine_amount", "decision_date"]);
    assert_eq!(e[0].to_string(), "「违法事实」（facts）：必须填写");
    assert_eq!(
        e[1].to_string(),
        "「罚款金额」（fine_amount）：金额须用阿拉伯数字填写（如 50000 或 1234.56），不能含「五」"
    );
    assert!(e[2].to_string().contains("「决定日期」（decision_date）：日期「2026-02-30」无效"));

    let e = errors_for("penalty_decision", json!({"fine_amount": "1234.567"}));
    assert_eq!(e[0].to_string(), "「罚款金额」（fine_amount）：金额最多保留两位小数（角、分）");

    let e = errors_for("hearing_notice", json!({"hearing_time": "9:30", "publicity": "秘密举行"}));
    assert!(e.iter().any(|e| e.key == "hearing_time" && matches!(e.problem, Problem::BadTime(_))));
    assert!(e.iter().any(|e| e.key == "publicity" && e.to_string().contains("不是可选项")));

    let e = errors_for("penalty_decision", json!({"fine": "5"}));
    assert_eq!(e[0].to_string(), "「fine」（fine）：不是本文书的字段");

    let e = errors_for("inquiry_record", json!({"place": "询问室\n二楼"}));
    assert_eq!(e[0].problem, Problem::Newline);

    let e = errors_for("penalty_decision", json!({"case_title": "案".repeat(201)}));
    assert_eq!(e[0].problem, Problem::TooLong { max: 200, actual: 201 });
}

#[test]
fn validation_checks_parties_officers_and_acts() {
    let e = errors_for(
        "penalty_decision",
        json!({"party": {"type": "organisation", "name": "", "uscc": "91331082MA2K7Q3P5A", "boss": "x"}}),
    );
    let msgs: Vec<_> = e.iter().map(|e| e.to_string()).collect();
    assert!(msgs.contains(&"「当事人·boss」（party.boss）：不是本文书的字段".to_owned()), "{msgs:#?}");
    assert!(msgs.contains(&"「当事人·名称」（party.name）：必须填写".to_owned()), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.starts_with("「当事人·统一社会信用代码」（party.uscc）")), "{msgs:#?}");

    let e = errors_for(
        "inquiry_record",
        json!({"interviewee": {"type": "natural_person", "name": "王建国", "id_kind": "resident_id_card",
                "id_number": "331082198503120012"}}),
    );
    assert!(e[0].to_string().contains("GB 11643"), "{}", e[0]);

    let e = errors_for("penalty_decision", json!({"party": "张三"}));
    assert_eq!(e[0].key, "party");
    assert!(matches!(e[0].problem, Problem::WrongType(_)));

    let e = errors_for("service_receipt", json!({"servers": [{"name": "李明", "cert_no": "33100120001"}]}));
    assert_eq!(e[0].to_string(), "「送达人」（servers）：至少需要 2 人（现为 1 人）");

    let e = errors_for(
        "service_receipt",
        json!({"servers": [{"name": "李明", "cert_no": "1"}, {"name": "陈静", "cert_no": "1"}, {"name": ""}]}),
    );
    let msgs: Vec<_> = e.iter().map(|e| e.to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("servers[1].cert_no") && m.contains("重复")), "{msgs:#?}");
    assert!(
        msgs.iter().any(|m| m.contains("「送达人（第3人）·姓名」（servers[2].name）：必须填写")),
        "{msgs:#?}"
    );

    let e = errors_for(
        "onsite_inspection_record",
        json!({"act": {"kind": "现场检查", "start": "2026-10-12 10:40", "end": "2026-10-12 09:30", "place": "后厨"}}),
    );
    assert_eq!(e[0].problem, Problem::EndBeforeStart);
}

#[test]
fn canonical_data_is_deterministic_and_order_independent() {
    let set = base();
    let f = set.get("penalty_decision").unwrap();
    let v = samples::values("penalty_decision").unwrap();
    let a = validate(f, &v).unwrap().canonical();
    // Same values, keys inserted in reverse order, money given as a JSON number.
    let mut rev = serde_json::Map::new();
    for (k, val) in v.as_object().unwrap().iter().rev() {
        rev.insert(k.clone(), val.clone());
    }
    rev.insert("fine_amount".into(), json!(50000));
    let b = validate(f, &Value::Object(rev)).unwrap().canonical();
    assert_eq!(a, b);
    assert_eq!(a.digests.sha256.len(), 64);
    assert_eq!(a.digests.sm3.len(), 64);
    let text = String::from_utf8(a.bytes.clone()).unwrap();
    assert!(text.starts_with(
        r#"{"format":"penalty_decision","values":{"agency_name":"临海市市场监督管理局","case_title""#
    ));
    assert!(text.contains(r#""fine_amount":"50000.00""#));
    // The JSON out is accepted back in.
    let doc = validate(f, &v).unwrap();
    assert_eq!(validate(f, &doc.to_json()).unwrap(), doc);
    // A different value changes the digests.
    let mut changed = v.as_object().unwrap().clone();
    changed.insert("fine_amount".into(), json!("50000.01"));
    let c = validate(f, &Value::Object(changed)).unwrap().canonical();
    assert_ne!(a.digests, c.digests);
}

#[test]
fn prefill_copies_case_facts() {
    let set = base();
    let facts = samples::case_facts();
    let f = set.get("penalty_decision").unwrap();
    let p = prefill(f, &facts);
    assert_eq!(p["agency_name"], "临海市市场监督管理局");
    assert_eq!(p["party"]["name"], samples::COMPANY);
    assert_eq!(p["fine_amount"], "50000.00");
    assert_eq!(p["case_title"], facts.case_title);

    let f = set.get("inquiry_record").unwrap();
    let p = prefill(f, &facts);
    // The inquiry picks the 询问 act, not the first act.
    assert_eq!(p["inquiry_date"], "2026-10-15");
    assert_eq!(p["start_time"], "14:00");
    assert_eq!(p["end_time"], "15:20");
    assert_eq!(p["act"]["kind"], "询问");
    assert_eq!(p["officers"][1]["cert_no"], "33100120002");
    assert!(p.get("interviewee").is_none());

    // Prefilled values plus the rest validate.
    let f = set.get("service_receipt").unwrap();
    let mut v = prefill(f, &facts);
    v.insert("documents".into(), json!("行政处罚决定书（临市监罚〔2026〕12号）"));
    v.insert("service_method".into(), json!("直接送达"));
    let doc = validate(f, &Value::Object(v)).unwrap();
    assert!(matches!(doc.get("recipient"), Some(FieldValue::Party(_))));
}

/// The display text of a view, block by block: paragraphs and the values of field rows.
fn view_lines(view: &DocumentView) -> Vec<String> {
    let mut out = Vec::new();
    for b in &view.blocks {
        match b {
            ViewBlock::Paragraph { text, .. } => out.push(text.clone()),
            ViewBlock::Rows { rows } => out.extend(rows.iter().flatten().map(|c| c.value.clone())),
            _ => {}
        }
    }
    out
}

fn view_of(code: &str, patch: Value) -> DocumentView {
    let set = base();
    let f = set.get(code).unwrap();
    let mut v = samples::values_map(code).unwrap();
    for (k, val) in patch.as_object().unwrap() {
        v.insert(k.clone(), val.clone());
    }
    let doc = validate(f, &Value::Object(v)).unwrap_or_else(|e| {
        panic!("{code}: {}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
    });
    DocumentView::new(&doc, None)
}

#[test]
fn coercion_and_hearing_documents_prefill_from_their_own_acts() {
    let set = base();
    let facts = samples::case_facts();

    // The 现场笔录 and the 清单 take the 查封扣押 act, not the 现场检查 before it.
    let p = prefill(set.get("coercion_onsite_record").unwrap(), &facts);
    assert_eq!(p["record_date"], "2026-10-12");
    assert_eq!((&p["start_time"], &p["end_time"]), (&json!("10:45"), &json!("11:20")));
    assert_eq!(p["place"], "临海市古城街道崇和路188号味佳餐厅后厨");
    assert_eq!(p["act"]["kind"], "查封扣押");
    assert_eq!(p["party"]["name"], samples::COMPANY);
    assert_eq!(p["officers"][1]["cert_no"], "33100120002");
    let p = prefill(set.get("seizure_list").unwrap(), &facts);
    assert_eq!((&p["seizure_date"], &p["act"]["id"]), (&json!("2026-10-12"), &json!("act-0004")));

    let p = prefill(set.get("sampling_voucher").unwrap(), &facts);
    assert_eq!((&p["start_time"], &p["end_time"]), (&json!("10:05"), &json!("10:25")));
    assert_eq!(p["place"], "临海市古城街道崇和路188号味佳餐厅仓库");
    assert_eq!(p["case_title"], facts.case_title);

    let p = prefill(set.get("hearing_record").unwrap(), &facts);
    assert_eq!(p["hearing_date"], "2026-11-16");
    assert_eq!((&p["start_time"], &p["end_time"]), (&json!("09:30"), &json!("11:05")));
    assert_eq!(p["place"], "临海市市场监督管理局听证室");
    assert_eq!(p["investigators"][0]["name"], "李明");

    // No 先行登记保存 act in the case: its date is left to the officer, not taken from another act.
    let p = prefill(set.get("evidence_preservation_notice").unwrap(), &facts);
    assert!(p.get("preservation_date").is_none() && p.get("act").is_none(), "{p:?}");
    assert_eq!(p["case_title"], facts.case_title);

    // The 催告书 of an unpaid fine starts from the decided amount.
    let p = prefill(set.get("enforcement_demand_notice").unwrap(), &facts);
    assert_eq!(p["amount"], "50000.00");

    // Prefilled values plus the rest validate.
    for code in ["coercion_onsite_record", "seizure_list", "sampling_voucher", "hearing_record"] {
        let f = set.get(code).unwrap();
        let mut v = prefill(f, &facts);
        for (k, val) in samples::values_map(code).unwrap() {
            v.entry(k).or_insert(val);
        }
        assert!(validate(f, &Value::Object(v)).is_ok(), "{code}");
    }
}

#[test]
fn seizure_list_shows_every_item() {
    let lines = view_lines(&view_of("seizure_list", json!({})));
    let items = lines.iter().find(|l| l.starts_with("1. ")).unwrap();
    assert_eq!(items.lines().count(), 2, "{items}");
    assert!(
        items.contains("生产日期2026年7月1日，12瓶") && items.contains("生产日期2026年9月1日，6瓶"),
        "{items}"
    );
    assert!(lines.contains(&"2项，共18瓶".to_owned()), "{lines:#?}");
    assert!(lines.contains(&"临市监强制〔2026〕3号".to_owned()), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("以上扣押的场所、设施或者财物经当事人核对无误")),
        "{lines:#?}"
    );
    // The optional 备注 is struck through.
    assert!(lines.contains(&liuhen_docs::STRUCK.to_owned()), "{lines:#?}");
}

#[test]
fn extension_is_bounded_by_law_and_states_days_and_reason() {
    let lines = view_lines(&view_of("seizure_extension_decision", json!({})));
    let extension = lines.iter().find(|l| l.contains("经本机关负责人批准")).unwrap();
    assert_eq!(
        extension,
        "因案情复杂，涉案调味酱的来源、数量及流向尚需进一步调查核实，在原扣押期限内不能作出处理决定，经本机关负责人批准，依据《中华人民共和国行政强制法》第二十五条第一款的规定，本机关决定将扣押期限延长30日，自2026年11月11日起至2026年12月10日止。"
    );
    assert!(
        lines.iter().any(|l| l.contains("临市监强制〔2026〕3号") && l.contains("期限至2026年11月10日止"))
    );
    // The 检测期间 paragraph shows only when filled in.
    assert!(!lines.iter().any(|l| l.contains("检测")));
    let with_testing = view_lines(&view_of(
        "seizure_extension_decision",
        json!({"testing_notice": "扣押的调味酱需送检，检验期间不计入扣押期间。", "extension_days": "15"}),
    ));
    assert!(with_testing.contains(&"扣押的调味酱需送检，检验期间不计入扣押期间。".to_owned()));
    assert!(with_testing.iter().any(|l| l.contains("延长15日")));

    // 第二十五条: 延长期限不得超过三十日.
    let e = errors_for("seizure_extension_decision", json!({"extension_days": "31"}));
    assert_eq!(e[0].key, "extension_days");
    assert!(matches!(&e[0].problem, Problem::NotAnOption { value, .. } if value == "31"), "{}", e[0]);
    let e = errors_for("seizure_extension_decision", json!({"reason": ""}));
    assert_eq!(e[0].to_string(), "「延长的理由」（reason）：必须填写");
}

#[test]
fn amounts_show_in_daxie_where_the_document_shows_them() {
    let lines = view_lines(&view_of("sampling_voucher", json!({})));
    assert!(lines.contains(&"样品费用：人民币36.00元（大写：叁拾陆元整）。".to_owned()), "{lines:#?}");
    let lines = view_lines(&view_of("sampling_voucher", json!({"sample_cost": ""})));
    assert!(!lines.iter().any(|l| l.contains("样品费用")), "no cost, no line");

    let lines = view_lines(&view_of("seizure_release_decision", json!({})));
    assert!(!lines.iter().any(|l| l.contains("拍卖")), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("因查封、扣押的场所、设施或者财物与违法行为无关，")),
        "{lines:#?}"
    );
    let lines = view_lines(&view_of("seizure_release_decision", json!({"sale_proceeds": "1234.50"})));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("退还拍卖或者变卖所得款项人民币1234.50元（大写：壹仟贰佰叁拾肆元伍角整）")),
        "{lines:#?}"
    );

    let lines = view_lines(&view_of(
        "enforcement_demand_notice",
        json!({"amount": "50000.00", "payment_method": "到指定银行缴纳或者通过浙江政务服务网在线缴纳"}),
    ));
    assert!(
        lines.contains(
            &"应当给付的金额：人民币50000.00元（大写：伍万元整）；给付方式：到指定银行缴纳或者通过浙江政务服务网在线缴纳。"
                .to_owned()
        ),
        "{lines:#?}"
    );
    // The 强制拆除 催告书 has no amount and no amount line.
    assert!(!view_lines(&view_of("enforcement_demand_notice", json!({}))).iter().any(|l| l.contains("大写")));
}

#[test]
fn demolition_decision_states_the_statutory_steps() {
    let lines = view_lines(&view_of("demolition_decision", json!({})));
    let history = lines.iter().find(|l| l.contains("予以公告")).unwrap();
    for part in [
        "2026年3月10日作出《责令限期拆除决定书》（临综执限拆〔2026〕5号）",
        "于2026年4月1日予以公告，限期你（单位）自行拆除",
        "在法定期限内未申请行政复议或者提起行政诉讼",
        "于2026年9月15日向你（单位）送达催告书（临综执催〔2026〕7号）",
    ] {
        assert!(history.contains(part), "{part} not in {history}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("决定于2026年10月12日08时30分起对上述违法建筑物、构筑物、设施实施强制拆除")),
        "{lines:#?}"
    );
    let e = errors_for("demolition_decision", json!({"announcement_date": "", "demand_number": ""}));
    let keys: Vec<_> = e.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["announcement_date", "demand_number"]);
}

#[test]
fn new_formats_take_their_standard_wording() {
    let set = base();
    let lib = WordingLibrary::base(&set).unwrap();
    let facts = samples::case_facts();
    let record = set.get("coercion_onsite_record").unwrap();
    let text = lib.insert(record, "identity_notice", "", "identity.show_credentials", &facts).unwrap();
    let text = lib.insert(record, "identity_notice", &text, "coercion.notify", &facts).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().nth(1).unwrap().contains("第十八条"), "{text}");
    assert!(lib.for_field(record, "onsite_content").count() >= 2);

    let hearing = set.get("hearing_record").unwrap();
    let text = lib.insert(hearing, "proceedings", "", "hearing.opening", &facts).unwrap();
    assert!(text.contains("临海市市场监督管理局") && text.contains(&facts.case_title), "{text}");
    assert!(lib.for_field(hearing, "proceedings").count() >= 3);

    let extension = set.get("seizure_extension_decision").unwrap();
    assert!(lib.insert(extension, "reason", "", "extension.complex", &facts).is_ok());
    let seizure = set.get("seizure_decision").unwrap();
    let err = lib.insert(seizure, "reason", "", "extension.complex", &facts).unwrap_err();
    assert!(matches!(err, WordingError::NotForField { .. }), "{err}");
    for (code, key) in [
        ("seizure_extension_decision", "testing_notice"),
        ("seizure_release_decision", "return_arrangement"),
        ("service_notice", "attempts"),
        ("service_notice", "remedies"),
        ("evidence_preservation_notice", "reason"),
        ("sampling_voucher", "party_opinion"),
    ] {
        let f = set.get(code).unwrap();
        assert!(lib.for_field(f, key).count() >= 1, "{code}.{key} has no wording");
    }
}

const SAMR: &str = r#"
[layer]
kind = "department"
name = "国家市场监督管理总局"

[[format]]
code = "samr_penalty_decision"
base = "penalty_decision"
name = "市场监督管理行政处罚决定书"

[[format.fields]]
key = "credit_notice"
label = "信用修复告知"
type = "long_text"
mandatory = true

[[format.layout_insert]]
after = "remedies"
block = "paragraph"
text = "{credit_notice}"
"#;

#[test]
fn department_format_adds_fields_and_records_its_layer() {
    let mut set = base();
    set.load_layer("samr/penalty.toml", SAMR).unwrap();
    let f = set.get("samr_penalty_decision").unwrap();
    assert_eq!(f.layer.kind, LayerKind::Department);
    assert_eq!(f.layer.name, "国家市场监督管理总局");
    assert_eq!(f.base.as_deref(), Some("penalty_decision"));
    assert!(f.derives_from("penalty_decision"));
    assert_eq!(f.layout_layer.source, "samr/penalty.toml");
    assert_eq!(f.field("facts").unwrap().layer.kind, LayerKind::Base);
    assert_eq!(f.field("credit_notice").unwrap().layer.kind, LayerKind::Department);
    assert_eq!(f.render_number("临市监", 2026, 1).unwrap(), "临市监罚〔2026〕1号");
    // The base format is still there, unchanged.
    assert!(set.get("penalty_decision").unwrap().field("credit_notice").is_none());
    assert_eq!(set.layers().len(), BASE.len() + 1);

    // A local refinement in place: same code, changes a label, the pattern and zero-pads.
    let local = r#"
[layer]
kind = "local"
name = "临海市"

[[format]]
code = "samr_penalty_decision"
base = "samr_penalty_decision"
number_pattern = "{机关简称}罚〔{年}〕{序号:4}号"

[[format.fields]]
key = "payment"
label = "罚款缴纳方式"
type = "long_text"
mandatory = true
"#;
    set.load_layer("linhai/penalty.toml", local).unwrap();
    let f = set.get("samr_penalty_decision").unwrap();
    assert_eq!(f.layer.kind, LayerKind::Local);
    assert_eq!(f.field("payment").unwrap().label, "罚款缴纳方式");
    assert_eq!(f.field("payment").unwrap().layer.name, "临海市");
    assert_eq!(f.lineage.len(), 3);
    assert_eq!(f.render_number("临市监", 2026, 12).unwrap(), "临市监罚〔2026〕0012号");
    // The layout still comes from the department layer.
    assert_eq!(f.layout_layer.kind, LayerKind::Department);
}

fn local_over_base(body: &str) -> Result<FormatSet, Box<FormatError>> {
    let mut set = base();
    let text = format!("[layer]\nkind = \"local\"\nname = \"临海市\"\n\n{body}");
    set.load_layer("linhai/local.toml", &text).map(|()| set)
}

#[test]
fn local_format_dropping_a_mandatory_field_is_rejected_naming_it() {
    let err = local_over_base(
        "[[format]]\ncode = \"penalty_decision\"\nbase = \"penalty_decision\"\nremove_fields = [\"evidence\"]\n",
    )
    .unwrap_err();
    assert!(
        matches!(&*err, FormatError::MandatoryFieldDropped { key, label, .. } if key == "evidence" && label == "证据")
    );
    let msg = err.to_string();
    for part in ["linhai/local.toml", "地方细化", "证据", "evidence", "penalty_decision"] {
        assert!(msg.contains(part), "{part} not in {msg}");
    }

    // Replacing the layout with one that no longer shows 违法事实 drops it in effect.
    let err = local_over_base(
        r#"[[format]]
code = "penalty_decision"
base = "penalty_decision"
remove_fields = ["statement_review", "discretion", "confiscation_amount"]

[[format.layout]]
block = "title"

[[format.layout]]
block = "number"

[[format.layout]]
block = "paragraph"
text = "{agency_name}{party}{case_title}{evidence}{law_violated}{legal_basis}{penalty}{fine_amount}{payment}{review_agency}{court}{decision_date}"

[[format.layout]]
block = "signatures"
slots = ["seal"]
"#,
    )
    .unwrap_err();
    assert!(
        matches!(&*err, FormatError::MandatoryFieldDropped { key, how, .. } if key == "facts" && how.contains("版式")),
        "{err}"
    );
    assert!(err.to_string().contains("「违法事实」（facts"), "{err}");

    // Weakening a mandatory field.
    let err = local_over_base(
        "[[format]]\ncode = \"penalty_decision\"\nbase = \"penalty_decision\"\n\n[[format.fields]]\nkey = \"facts\"\nlabel = \"违法事实\"\ntype = \"long_text\"\nmandatory = false\n",
    )
    .unwrap_err();
    assert!(
        matches!(&*err, FormatError::MandatoryFieldChanged { change, .. } if change == "改为非必填"),
        "{err}"
    );
    let err = local_over_base(
        "[[format]]\ncode = \"penalty_decision\"\nbase = \"penalty_decision\"\n\n[[format.fields]]\nkey = \"decision_date\"\nlabel = \"决定日期\"\ntype = \"text\"\nmandatory = true\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("类型由「日期」改为「文本」"), "{err}");

    // Optional fields may be removed.
    let set = local_over_base(
        "[[format]]\ncode = \"penalty_decision\"\nbase = \"penalty_decision\"\nremove_fields = [\"discretion\"]\n\n[[format.layout_insert]]\nbefore = \"fine\"\nblock = \"heading\"\ntext = \"处罚决定\"\n",
    );
    // …but the inherited layout still references it, so the loader says so.
    assert!(
        matches!(set.as_ref().map_err(|e| &**e), Err(FormatError::UnknownPlaceholder { placeholder, .. }) if placeholder == "discretion")
    );
}

#[test]
fn loader_rejects_malformed_layers() {
    type Check = fn(&FormatError) -> bool;
    let cases: Vec<(&str, Check)> = vec![
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"number\"\n\n[[format.layout]]\nblock = \"title\"\n",
            |e| matches!(e, FormatError::UnknownFieldType { ty, label, .. } if ty == "number" && label == "甲"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"乙\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n",
            |e| matches!(e, FormatError::DuplicateField { key, .. } if key == "a"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n\n[[format.layout]]\nblock = \"paragraph\"\ntext = \"{a}{b}\"\n",
            |e| matches!(e, FormatError::UnknownPlaceholder { placeholder, .. } if placeholder == "b"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.fields]]\nkey = \"b\"\nlabel = \"乙\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n\n[[format.layout]]\nblock = \"paragraph\"\ntext = \"{a}\"\n",
            |e| matches!(e, FormatError::FieldNotInLayout { key, label, .. } if key == "b" && label == "乙"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\nnumbered = true\ndoc_type = \"罚\"\nnumber_pattern = \"{机关}罚〔{年}〕{序号}号\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n\n[[format.layout]]\nblock = \"number\"\n\n[[format.layout]]\nblock = \"paragraph\"\ntext = \"{a}\"\n",
            |e| matches!(e, FormatError::NumberPattern { .. }) && e.to_string().contains("{机关}"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"m\"\nlabel = \"金额\"\ntype = \"money\"\n\n[[format.layout]]\nblock = \"title\"\n\n[[format.layout]]\nblock = \"paragraph\"\ntext = \"{m.daxie}\"\n",
            |e| matches!(e, FormatError::BadPlaceholder { placeholder, .. } if placeholder == "m.daxie"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"e\"\nlabel = \"选项\"\ntype = \"enum\"\n\n[[format.layout]]\nblock = \"title\"\n",
            |e| matches!(e, FormatError::FieldAttribute { key, .. } if key == "e"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\nprefill = \"case.nonsense\"\n\n[[format.layout]]\nblock = \"title\"\n",
            |e| matches!(e, FormatError::BadPrefill { prefill, .. } if prefill == "case.nonsense"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n\n[[format.layout]]\nblock = \"signatures\"\nslots = [\"a\"]\n",
            |e| matches!(e, FormatError::NotASlot { key, .. } if key == "a"),
        ),
        (
            "[[format]]\ncode = \"x_form\"\nname = \"某文书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n\n[[format.layout]]\nblock = \"banner\"\n",
            |e| matches!(e, FormatError::UnknownBlock { block, .. } if block == "banner"),
        ),
        (
            "[[format]]\ncode = \"penalty_decision\"\nname = \"行政处罚决定书\"\n\n[[format.fields]]\nkey = \"a\"\nlabel = \"甲\"\ntype = \"text\"\n\n[[format.layout]]\nblock = \"title\"\n",
            |e| matches!(e, FormatError::Redefined { code, .. } if code == "penalty_decision"),
        ),
        (
            "[[format]]\ncode = \"x\"\nbase = \"no_such_format\"\n",
            |e| matches!(e, FormatError::UnknownBase { base, .. } if base == "no_such_format"),
        ),
        ("[[format]]\ncode = \"X-1\"\n", |e| matches!(e, FormatError::BadCode { .. })),
        (
            "[[format]]\ncode = \"x\"\nbase = \"penalty_decision\"\ncolour = \"red\"\n",
            |e| matches!(e, FormatError::Toml { message, .. } if message.contains("colour")),
        ),
    ];
    for (i, (body, check)) in cases.into_iter().enumerate() {
        let err = local_over_base(body).err().unwrap_or_else(|| panic!("case {i} loaded"));
        assert!(check(&err), "case {i}: {err}");
        assert!(err.to_string().starts_with("linhai/local.toml："), "case {i}: {err}");
    }
}

#[test]
fn layers_load_in_order_and_atomically() {
    let mut set = base();
    set.load_layer("linhai.toml", "[layer]\nkind = \"local\"\nname = \"临海市\"\n\n[[format]]\ncode = \"penalty_decision\"\nbase = \"penalty_decision\"\nname = \"行政处罚决定书（临海）\"\n").unwrap();
    let err = *set.load_layer("samr.toml", SAMR).unwrap_err();
    assert!(matches!(err, FormatError::LayerOrder { .. }), "{err}");
    // A failing layer leaves nothing behind.
    let bad = "[layer]\nkind = \"local\"\nname = \"x\"\n\n[[format]]\ncode = \"hearing_notice\"\nbase = \"hearing_notice\"\nname = \"改名\"\n\n[[format]]\ncode = \"y\"\nbase = \"nope\"\n";
    assert!(set.load_layer("bad.toml", bad).is_err());
    assert_eq!(set.get("hearing_notice").unwrap().name, "听证通知书");
    let err = *set.load_layer("k.toml", "[layer]\nkind = \"county\"\nname = \"x\"\n").unwrap_err();
    assert!(matches!(err, FormatError::UnknownLayerKind { kind, .. } if kind == "county"));
}

#[test]
fn derived_format_keeps_slot_types() {
    let set = base();
    for f in set.formats() {
        let slots: Vec<_> = f.fields.iter().filter(|fd| fd.ty.is_slot()).collect();
        assert!(!slots.is_empty(), "{} has no signature or seal box", f.code);
        if f.numbered {
            assert!(f.fields.iter().any(|fd| fd.ty == FieldType::Seal), "{} has no seal", f.code);
        }
    }
}

#[test]
fn standard_wording_is_inserted_only_where_it_fits() {
    let set = base();
    let lib = WordingLibrary::base(&set).unwrap();
    let facts = samples::case_facts();
    let inquiry = set.get("inquiry_record").unwrap();

    let text = lib.insert(inquiry, "identity_notice", "", "identity.show_credentials", &facts).unwrap();
    assert_eq!(
        text,
        "执法人员：我们是临海市市场监督管理局的执法人员李明、陈静，执法证号分别为33100120001、33100120002，这是我们的执法证件，请你过目确认。"
    );
    let text =
        lib.insert(inquiry, "identity_notice", &format!("{text}\n"), "rights.recusal", &facts).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().nth(1).unwrap().starts_with("执法人员：依照法律规定"));

    let qa = lib.insert(inquiry, "qa", "", "inquiry.opening", &facts).unwrap();
    assert!(qa.contains(&facts.case_title));

    let decision = set.get("penalty_decision").unwrap();
    let err = lib.insert(decision, "facts", "", "inquiry.opening", &facts).unwrap_err();
    assert!(matches!(err, WordingError::NotForField { .. }));
    assert_eq!(
        err.to_string(),
        "规范用语「inquiry.opening」（询问开场）不适用于「行政处罚决定书」的「违法事实」（facts）"
    );
    let err = lib.insert(decision, "case_title", "", "inquiry.opening", &facts).unwrap_err();
    assert!(matches!(err, WordingError::NotLongText { .. }), "{err}");
    assert!(matches!(lib.insert(decision, "facts", "", "nope", &facts), Err(WordingError::UnknownPhrase(_))));

    let categories: std::collections::BTreeSet<_> = lib.phrases().map(|p| p.category.as_str()).collect();
    for c in ["表明身份", "告知权利", "告知陈述申辩", "询问开场", "结束语"] {
        assert!(categories.contains(c), "{c}");
    }
    assert!(lib.for_field(inquiry, "qa").count() >= 3);
}

#[test]
fn wording_layers_add_and_check_phrases() {
    let mut set = base();
    set.load_layer("samr.toml", SAMR).unwrap();
    let mut lib = WordingLibrary::base(&set).unwrap();
    // A base phrase for penalty_decision.payment also fits the derived format.
    let samr = set.get("samr_penalty_decision").unwrap();
    let facts = samples::case_facts();
    assert!(lib.insert(samr, "payment", "", "payment.bank", &facts).is_ok());

    let layer = "[layer]\nkind = \"department\"\nname = \"国家市场监督管理总局\"\n\n[[phrase]]\nid = \"credit.repair\"\ncategory = \"信用修复\"\ntext = \"{当事人}可以依法申请信用修复。\"\nfits = [\"samr_penalty_decision.credit_notice\"]\n";
    lib.load_layer("samr-wording.toml", layer, &set).unwrap();
    let text = lib.insert(samr, "credit_notice", "", "credit.repair", &facts).unwrap();
    assert_eq!(text, "临海市味佳餐饮管理有限公司可以依法申请信用修复。");
    assert_eq!(lib.get("credit.repair").unwrap().layer.kind, LayerKind::Department);

    let bad_fit = layer.replace("samr_penalty_decision.credit_notice", "penalty_decision.case_title");
    let err = lib.load_layer("x.toml", &bad_fit, &set).unwrap_err();
    assert!(matches!(err, WordingError::BadFit { .. }), "{err}");
    let bad_placeholder = layer.replace("{当事人}", "{法人}");
    let err = lib.load_layer("x.toml", &bad_placeholder, &set).unwrap_err();
    assert!(err.to_string().contains("{法人}"), "{err}");
}

mod properties {
    use liuhen_docs::{FormatSet, NumberPattern, format_yuan, money_daxie, parse_money, validate};
    use proptest::prelude::*;

    /// An independent reader of 大写 amounts, to check [`money_daxie`] round-trips.
    fn read_daxie(s: &str) -> u64 {
        const DIGITS: &str = "零壹贰叁肆伍陆柒捌玖";
        let digit_of = |c: char| DIGITS.chars().position(|d| d == c).map(|p| p as u64);
        let (int_part, frac) = match s.split_once('元') {
            Some((i, f)) => (i, f),
            None => ("", s),
        };
        let (mut total, mut section, mut digit) = (0u64, 0u64, 0u64);
        for c in int_part.chars() {
            match c {
                '拾' => (section, digit) = (section + digit * 10, 0),
                '佰' => (section, digit) = (section + digit * 100, 0),
                '仟' => (section, digit) = (section + digit * 1000, 0),
                '万' => (total, section, digit) = (total + (section + digit) * 10_000, 0, 0),
                '亿' => (total, section, digit) = ((total + section + digit) * 100_000_000, 0, 0),
                c => digit = digit_of(c).unwrap_or_else(|| panic!("unexpected {c} in {s}")),
            }
        }
        let yuan = total + section + digit;
        let (mut jiao, mut fen, mut last) = (0, 0, 0);
        for c in frac.chars() {
            match c {
                '角' => jiao = last,
                '分' => fen = last,
                '整' => {}
                c => last = digit_of(c).unwrap_or_else(|| panic!("unexpected {c} in {s}")),
            }
        }
        yuan * 100 + jiao * 10 + fen
    }

    proptest! {
        #[test]
        fn daxie_round_trips(fen in 0u64..10_000_000_000_000_000) {
            let d = money_daxie(fen);
            prop_assert_eq!(read_daxie(&d), fen, "{}", d);
            prop_assert!(!d.contains("零零"), "{}", d);
            prop_assert!(!d.starts_with('零') || fen == 0, "{}", d);
            prop_assert_eq!(d.ends_with('整'), fen % 10 == 0, "{}", d);
        }

        #[test]
        fn money_text_round_trips(fen in any::<u64>()) {
            prop_assert_eq!(parse_money(&format_yuan(fen)), Ok(fen));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = parse_money(&s);
            let _ = NumberPattern::parse(&s);
        }

        #[test]
        fn validate_never_panics(key in "[a-z_]{1,12}", s in "\\PC{0,20}", n in any::<i64>()) {
            let set = FormatSet::with_base().unwrap();
            for f in set.formats() {
                let _ = validate(f, &serde_json::json!({ key.clone(): s.clone(), "party": {"type": s.clone()}, "officers": [n] }));
            }
        }
    }
}

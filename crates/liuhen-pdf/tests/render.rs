#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

//! Renders every base format and checks the PDFs with poppler's `pdftotext` and `qpdf --check`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use liuhen_docs::{FieldValue, FormatSet, ValidDocument, format_yuan, money_daxie, samples, validate};
use liuhen_pdf::{RenderError, Renderer};
use serde_json::{Value, json};

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::with_default_fonts().expect("fonts-noto-cjk must be installed"))
}

fn formats() -> &'static FormatSet {
    static F: OnceLock<FormatSet> = OnceLock::new();
    F.get_or_init(|| FormatSet::with_base().unwrap())
}

fn doc(code: &str, patch: Value) -> ValidDocument {
    let mut v = samples::values_map(code).unwrap();
    for (k, val) in patch.as_object().unwrap() {
        v.insert(k.clone(), val.clone());
    }
    validate(formats().get(code).unwrap(), &Value::Object(v)).unwrap_or_else(|e| {
        panic!("{code}: {}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
    })
}

/// Whether a command-line tool is installed; prints why a check is skipped otherwise.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !ok {
        eprintln!("SKIPPED: `{tool}` is not installed (apt-get install poppler-utils qpdf)");
    }
    ok
}

/// `pdftotext -raw` output (content-stream order, so the rotated watermark does not interleave with
/// the body) with all whitespace removed (table cells wrap names across lines).
fn pdf_text(pdf: &[u8]) -> Option<String> {
    if !have("pdftotext") {
        return None;
    }
    let path = temp_pdf(pdf, "text");
    let out = Command::new("pdftotext").args(["-raw", "-enc", "UTF-8"]).arg(&path).arg("-").output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect())
}

fn qpdf_check(pdf: &[u8], name: &str) {
    if !have("qpdf") {
        return;
    }
    let path = temp_pdf(pdf, name);
    let out = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "qpdf --check rejected {name}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp_pdf(pdf: &[u8], name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("liuhen-pdf-{}-{n}-{name}.pdf", std::process::id()));
    std::fs::File::create(&path).unwrap().write_all(pdf).unwrap();
    path
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_base_format_renders_with_title_number_party_and_amount() {
    // A 文号 no sample mentions, so a document without one must not show it.
    const NUMBER: &str = "临市监文〔2026〕99号";
    for f in formats().formats() {
        let d = doc(&f.code, json!({}));
        let pdf = renderer().render(&d, Some(NUMBER), None).unwrap();
        assert!(pdf.bytes.starts_with(b"%PDF-"), "{}", f.code);
        assert!(pdf.pages >= 1);
        qpdf_check(&pdf.bytes, &f.code);
        let Some(text) = pdf_text(&pdf.bytes) else { continue };
        assert!(text.contains(&squeeze(&f.name)), "{}: title missing in {text}", f.code);
        let Some(FieldValue::Text(agency)) = d.get("agency_name") else { panic!("{}: no agency", f.code) };
        assert!(text.contains(agency.as_str()), "{}: issuer missing", f.code);
        if f.numbered {
            assert!(text.contains(NUMBER), "{}: 文号 missing in {text}", f.code);
        } else {
            assert!(!text.contains(NUMBER), "{}: a 文号 on a document without one", f.code);
        }
        let party = if f.code == "inquiry_record" { "王建国" } else { samples::COMPANY };
        assert!(text.contains(party), "{}: party missing in {text}", f.code);
        // Every amount the sample gives shows in numerals and in 大写.
        for fd in f.fields.iter().filter(|fd| fd.daxie) {
            let Some(FieldValue::Money(fen)) = d.get(&fd.key) else { continue };
            assert!(text.contains(&format_yuan(*fen)), "{}: amount missing in {text}", f.code);
            assert!(text.contains(&money_daxie(*fen)), "{}: 大写 missing in {text}", f.code);
        }
    }
}

#[test]
fn penalty_decision_reads_like_one() {
    let d = doc("penalty_decision", json!({}));
    let pdf = renderer().render(&d, Some("临市监罚〔2026〕12号"), None).unwrap();
    let Some(text) = pdf_text(&pdf.bytes) else { return };
    for expected in [
        "行政处罚决定书",
        "临市监罚〔2026〕12号",
        "当事人：临海市味佳餐饮管理有限公司",
        "统一社会信用代码：91331082MA2K7Q3P5M",
        "罚款人民币50000.00元（大写：伍万元整）",
        "六十日内向临海市人民政府申请行政复议",
        "六个月内依法向临海市人民法院提起行政诉讼",
        "2026年11月27日",
        "执法机关印章",
        "第1页共",
    ] {
        assert!(text.contains(expected), "{expected} missing in {text}");
    }
}

/// Renders a sample (patched) with its 文号 and returns the squeezed `pdftotext` output.
fn rendered_text(code: &str, patch: Value, number: Option<&str>) -> Option<String> {
    let d = doc(code, patch);
    let pdf = renderer().render(&d, number, None).unwrap();
    qpdf_check(&pdf.bytes, code);
    pdf_text(&pdf.bytes)
}

fn assert_all(code: &str, text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(&squeeze(e)), "{code}: {e} missing in {text}");
    }
}

#[test]
fn coercion_documents_read_like_them() {
    let Some(text) = rendered_text("coercion_onsite_record", json!({}), None) else { return };
    assert_all(
        "coercion_onsite_record",
        &text,
        &[
            "现场笔录",
            "2026年10月12日10时45分至11时20分",
            "实施前已向行政机关负责人报告并经批准",
            "当事人到场",
            "李明（执法证号：33100120001）",
            "装箱加贴封条后运回本机关涉案财物保管室",
            "当事人的陈述和申辩",
            "见证人签名",
        ],
    );

    let Some(text) = rendered_text("seizure_list", json!({}), None) else { return };
    assert_all(
        "seizure_list",
        &text,
        &[
            "查封扣押财物清单",
            "临市监强制〔2026〕3号",
            "1.“鲜香牌”调味酱，500克/瓶，生产日期2026年7月1日，12瓶，已过保质期",
            "2.“鲜香牌”调味酱，500克/瓶，生产日期2026年9月1日，6瓶",
            "2项，共18瓶",
            "存放于本机关涉案财物保管室",
            "当事人签名或者盖章",
        ],
    );

    let number = "临市监强延〔2026〕1号";
    let Some(text) = rendered_text("seizure_extension_decision", json!({}), Some(number)) else { return };
    assert_all(
        "seizure_extension_decision",
        &text,
        &[
            "延长查封扣押期限决定书",
            number,
            "因案情复杂，涉案调味酱的来源、数量及流向尚需进一步调查核实",
            "决定将扣押期限延长30日，自2026年11月11日起至2026年12月10日止",
            "第二十五条第一款",
            "六十日内向临海市人民政府申请行政复议",
        ],
    );

    let number = "临市监强解〔2026〕1号";
    let patch = json!({"sale_proceeds": "1234.50"});
    let Some(text) = rendered_text("seizure_release_decision", patch, Some(number)) else { return };
    assert_all(
        "seizure_release_decision",
        &text,
        &[
            "解除查封扣押决定书",
            number,
            "因查封、扣押的场所、设施或者财物与违法行为无关",
            "决定自2026年11月20日起解除",
            "“鲜香牌”调味酱6瓶（生产日期2026年9月1日，规格500克/瓶）",
            "人民币1234.50元（大写：壹仟贰佰叁拾肆元伍角整）",
        ],
    );

    let number = "临综执催〔2026〕7号";
    let Some(text) = rendered_text("enforcement_demand_notice", json!({}), Some(number)) else { return };
    assert_all(
        "enforcement_demand_notice",
        &text,
        &[
            "催告书",
            number,
            "临海市综合行政执法局",
            "现催告你（单位）于2026年9月25日前以自行拆除并清运建筑垃圾的方式履行上述义务",
            "有权进行陈述和申辩，可以在2026年9月18日前",
            "作出强制拆除决定，实施强制拆除",
        ],
    );
    let fine = json!({"amount": "50000.00", "payment_method": "到指定银行缴纳"});
    let Some(text) = rendered_text("enforcement_demand_notice", fine, Some(number)) else { return };
    assert_all(
        "enforcement_demand_notice",
        &text,
        &["人民币50000.00元（大写：伍万元整）；给付方式：到指定银行缴纳"],
    );

    let number = "临综执强拆〔2026〕2号";
    let Some(text) = rendered_text("demolition_decision", json!({}), Some(number)) else { return };
    assert_all(
        "demolition_decision",
        &text,
        &[
            "强制拆除决定书",
            number,
            "当事人：临海市味佳餐饮管理有限公司",
            "楼顶平台未经规划许可搭建的彩钢板房一处，钢结构，约45平方米",
            "于2026年4月1日予以公告",
            "送达催告书（临综执催〔2026〕7号）",
            "决定于2026年10月12日08时30分起",
            "由本机关组织实施强制拆除",
            "六个月内依法向临海市人民法院提起行政诉讼",
        ],
    );
}

#[test]
fn investigation_hearing_and_service_documents_read_like_them() {
    let Some(text) = rendered_text("sampling_voucher", json!({}), None) else { return };
    assert_all(
        "sampling_voucher",
        &text,
        &[
            "抽样取证凭证",
            "第五十六条",
            "生产日期2026年9月1日，抽样2瓶，抽样基数8瓶",
            "浙江省食品药品检验研究院",
            "样品费用：人民币36.00元（大写：叁拾陆元整）",
            "被抽样人签名或者盖章",
        ],
    );

    let number = "临市监先保〔2026〕1号";
    let Some(text) = rendered_text("evidence_preservation_notice", json!({}), Some(number)) else { return };
    assert_all(
        "evidence_preservation_notice",
        &text,
        &[
            "先行登记保存证据通知书",
            number,
            "决定自2026年10月12日起对你（单位）的下列物品先行登记保存",
            "2026年9月至10月食品进货台账1本",
            "异地保存",
            "本机关将在七日内作出处理决定",
        ],
    );

    let Some(text) = rendered_text("hearing_record", json!({}), None) else { return };
    assert_all(
        "hearing_record",
        &text,
        &[
            "听证笔录",
            "2026年11月16日09时30分至11时05分",
            "赵立新",
            "张晓（浙江临海某某律师事务所律师）",
            "陈静（执法证号：33100120002）",
            "当事人未申请回避",
            "委托代理人：当事人系初次违法",
            "我们已经整改，请求从轻处罚。",
            "听证主持人签名",
        ],
    );

    let number = "临市监公告〔2026〕2号";
    let Some(text) = rendered_text("service_notice", json!({}), Some(number)) else { return };
    assert_all(
        "service_notice",
        &text,
        &[
            "送达公告",
            number,
            "依照《中华人民共和国民事诉讼法》第九十五条的规定，向你（单位）公告送达行政处罚决定书（临市监罚〔2026〕12号）",
            "自本公告发出之日起，经过三十日，即视为送达",
            "罚款人民币50000元",
            "2026年12月4日",
        ],
    );
}

#[test]
fn same_input_gives_the_same_bytes() {
    let d = doc("penalty_decision", json!({}));
    let a = renderer().render(&d, Some("临市监罚〔2026〕12号"), Some("张三 2026-11-27 10:00")).unwrap();
    let b = renderer().render(&d, Some("临市监罚〔2026〕12号"), Some("张三 2026-11-27 10:00")).unwrap();
    assert_eq!(a, b);
    // A fresh renderer (new font load, empty caches) gives the same bytes too.
    let fresh = Renderer::with_default_fonts().unwrap();
    let c = fresh.render(&d, Some("临市监罚〔2026〕12号"), Some("张三 2026-11-27 10:00")).unwrap();
    assert_eq!(a.bytes, c.bytes);
    assert_eq!(a.digests.sha256.len(), 64);
    // A different 文号 changes the bytes.
    let e = renderer().render(&d, Some("临市监罚〔2026〕13号"), Some("张三 2026-11-27 10:00")).unwrap();
    assert_ne!(a.digests, e.digests);
    // No creation date, no producer timestamp.
    let raw = String::from_utf8_lossy(&a.bytes);
    assert!(!raw.contains("/CreationDate"), "PDF carries a creation date");
    assert!(!raw.contains("/ModDate"), "PDF carries a modification date");
}

#[test]
fn user_text_is_never_markup() {
    let hostile = r#"张三#panic()]*$\"_<x>@y{z}/*c*/ //d = h"#;
    let party = json!({"type": "natural_person", "name": hostile, "id_kind": "passport", "id_number": "E12345678",
                       "address": "#set page(width: 1cm)"});
    let facts = "#panic(\"boom\")\n$ x^2 $ *bold* _emph_ `raw` #let a = 1\n] ) } #{ 1 + 1 }\n\\ \\\\ \" '";
    let d = doc("penalty_decision", json!({"party": party, "facts": facts}));
    let watermark = "#panic() 李四 $1$ ]";
    let pdf = renderer().render(&d, Some("临市监罚〔2026〕12号"), Some(watermark)).unwrap();
    qpdf_check(&pdf.bytes, "hostile");
    let Some(text) = pdf_text(&pdf.bytes) else { return };
    for literal in [
        hostile,
        "#set page(width: 1cm)",
        "#panic(\"boom\")",
        "$ x^2 $ *bold* _emph_ `raw` #let a = 1",
        "] ) } #{ 1 + 1 }",
        "\\ \\\\ \" '",
        watermark,
    ] {
        assert!(text.contains(&squeeze(literal)), "{literal:?} not literal in {text}");
    }
}

#[test]
fn watermark_is_on_every_page() {
    let d = doc("penalty_decision", json!({"facts": samples::facts(12)}));
    let wm = "张三 2026-11-27 10:00 案件 临市监罚〔2026〕12号";
    let pdf = renderer().render(&d, Some("临市监罚〔2026〕12号"), Some(wm)).unwrap();
    assert!(pdf.pages >= 2, "expected a multi-page document, got {}", pdf.pages);
    let Some(text) = pdf_text(&pdf.bytes) else { return };
    let marks = text.matches(&squeeze(wm)).count();
    assert!(marks >= pdf.pages, "{marks} watermark copies for {} pages", pdf.pages);
    assert!(text.contains(&format!("第2页共{}页", pdf.pages)), "{text}");
    let plain = renderer().render(&d, Some("临市监罚〔2026〕12号"), None).unwrap();
    assert!(!pdf_text(&plain.bytes).unwrap().contains(&squeeze(wm)));
}

#[test]
fn drafts_show_a_pending_number() {
    let d = doc("hearing_notice", json!({}));
    let pdf = renderer().render(&d, None, None).unwrap();
    let Some(text) = pdf_text(&pdf.bytes) else { return };
    assert!(text.contains(liuhen_docs::NUMBER_PENDING), "{text}");
}

#[test]
fn missing_font_file_is_named() {
    let err = Renderer::new(&[PathBuf::from("/nonexistent/NotoSerifCJK-Regular.ttc")]).unwrap_err();
    assert!(matches!(&err, RenderError::FontMissing { path } if path.ends_with("NotoSerifCJK-Regular.ttc")));
    assert!(err.to_string().contains("/nonexistent/NotoSerifCJK-Regular.ttc"), "{err}");
    assert!(err.to_string().contains("fonts-noto-cjk"), "{err}");
}

#[test]
fn fonts_load_from_a_directory_and_need_the_serif_family() {
    let r = Renderer::new(&[PathBuf::from("/usr/share/fonts/opentype/noto")]).unwrap();
    assert!(r.font_count() >= 4);
    let err = Renderer::new(&[PathBuf::from("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")])
        .unwrap_err();
    assert!(matches!(err, RenderError::FamilyMissing { .. }), "{err}");
}

#[test]
fn renderer_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>(_: &T) {}
    shared(renderer());
    let d = doc("service_receipt", json!({}));
    let pdfs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..2).map(|_| s.spawn(|| renderer().render(&d, None, None).unwrap())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(pdfs[0], pdfs[1]);
}

fn report(rows: usize) -> liuhen_pdf::TableReport {
    use liuhen_pdf::{ReportColumn, TableReport};
    let col = |h: &str, w: f64| ReportColumn { header: h.to_owned(), width: w };
    TableReport {
        title: "调阅审计报告".to_owned(),
        header: "case:8e4b7a0e-1f2a-4c3d-9e8f-001122334455".to_owned(),
        footer: "生成人 周军（supervisor1） 2026-11-27 10:00".to_owned(),
        meta: vec![
            ("执法机关".to_owned(), "临江市市场监督管理局".to_owned()),
            ("审计对象".to_owned(), "#set page(width: 1cm) *粗体* $x$ <l> @ref \\ ]".to_owned()),
        ],
        columns: vec![
            col("序号", 0.6),
            col("时间", 1.4),
            col("事项", 1.4),
            col("操作人", 1.4),
            col("涉及记录", 3.0),
        ],
        rows: (0..rows)
            .map(|i| {
                vec![
                    (1000 + i).to_string(),
                    "2026-11-27 10:00:00".to_owned(),
                    "查看案件".to_owned(),
                    format!("officer{i}\n张伟"),
                    "case:8e4b7a0e-1f2a-4c3d-9e8f-001122334455\naccess:0f1e2d3c-4b5a-4697-8877-665544332211"
                        .to_owned(),
                ]
            })
            .collect(),
        empty: "（无记录）".to_owned(),
        notes: vec!["序号即账本索引，可逐条取得包含证明离线核验。".to_owned()],
    }
}

#[test]
fn table_reports_render_every_row_and_never_read_markup() {
    let r = report(120);
    let pdf = renderer().render_report(&r).unwrap();
    assert!(pdf.pages >= 3, "120 rows take pages: {}", pdf.pages);
    qpdf_check(&pdf.bytes, "report");
    assert_eq!(renderer().render_report(&r).unwrap().bytes, pdf.bytes, "same report, same bytes");
    let Some(text) = pdf_text(&pdf.bytes) else { return };
    for i in 0..120 {
        assert!(text.contains(&format!("{}2026-11-27", 1000 + i)), "row {i} missing");
        assert!(text.contains(&format!("officer{i}")), "row {i}'s actor missing");
    }
    assert!(text.contains("调阅审计报告") && text.contains("临江市市场监督管理局"));
    assert!(
        text.contains(&squeeze("#set page(width: 1cm) *粗体* $x$ <l> @ref \\ ]")),
        "markup shown literally"
    );
    assert!(text.contains("access:0f1e2d3c-4b5a-4697-8877-665544332211"), "ids whole: {text}");
    assert!(text.contains("第1页共"), "page numbers");
    // An empty report says so; a ragged one is refused.
    let empty = renderer().render_report(&report(0)).unwrap();
    assert!(pdf_text(&empty.bytes).unwrap().contains("（无记录）"));
    let mut ragged = report(2);
    ragged.rows[1].pop();
    assert!(matches!(renderer().render_report(&ragged), Err(RenderError::Data(_))));
}

/// A tool a check cannot do without: present, or the check is skipped here and fails under CI.
fn needed(tool: &str, package: &str) -> bool {
    if Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "`{tool}` is needed under CI (apt-get install {package})");
    eprintln!("SKIPPED: `{tool}` is not installed (apt-get install {package})");
    false
}

/// 事中公示: a document naming officers carries one QR code per officer, and each decodes (zbar,
/// from the page rendered by poppler) to that officer's public 执法证 page.
#[test]
fn officers_qr_codes_lead_to_their_certificate_pages() {
    if !(needed("pdftoppm", "poppler-utils") && needed("zbarimg", "zbar-tools")) {
        return;
    }
    let with_codes =
        Renderer::with_default_fonts().unwrap().with_certificate_pages("https://gs.example.gov.cn/");
    let d = doc("inquiry_record", json!({}));
    let officers: Vec<String> = d
        .values()
        .values()
        .filter_map(|v| match v {
            FieldValue::Officers(o) => Some(o.iter().map(|o| o.cert_no.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(officers.len() >= 2, "the sample names its officers: {officers:?}");
    let pdf = with_codes.render(&d, None, None).unwrap();
    qpdf_check(&pdf.bytes, "qr");
    let path = temp_pdf(&pdf.bytes, "qr");
    let prefix = path.with_extension("");
    let out = Command::new("pdftoppm").args(["-r", "200", "-png"]).arg(&path).arg(&prefix).output().unwrap();
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let pages: Vec<PathBuf> = (1..=pdf.pages)
        .map(|n| {
            let width = pdf.pages.to_string().len();
            PathBuf::from(format!("{}-{n:0width$}.png", prefix.display()))
        })
        .collect();
    let mut decoded = Vec::new();
    for page in &pages {
        let out = Command::new("zbarimg").args(["-q", "--raw"]).arg(page).output().unwrap();
        decoded.extend(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned));
        let _ = std::fs::remove_file(page);
    }
    let _ = std::fs::remove_file(&path);
    decoded.sort();
    let mut want: Vec<String> =
        officers.iter().map(|c| format!("https://gs.example.gov.cn/public/certificates/{c}")).collect();
    want.sort();
    want.dedup();
    assert_eq!(decoded, want, "one readable code per officer");
    // Without a public address configured, no code is printed.
    let plain = renderer().render(&d, None, None).unwrap();
    assert!(plain.bytes.len() < pdf.bytes.len());
}
